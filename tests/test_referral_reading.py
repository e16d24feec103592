"""How a referral extract is read into DuckDB: blank rows left out with the later rows keeping
the file's line numbers, coded columns read once per distinct value (straight from the value
where a cast or the value itself gives every reading, else through the code table), dates
checked for month-first order on their distinct values and the rows then named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import InputDataError
from analysis.data.readers import referral_codes as codes
from analysis.data.readers.referral_records import read_referral_records

HEAD = "child_id,referral_id,referral_date,referral_source,referral_nfa,primary_need"


def _csv(path: Path, *lines: str, head: str = HEAD) -> Path:
    path.write_text("\n".join([head, *lines]) + "\n", encoding="utf-8")
    return path


def test_blank_rows_in_the_middle_keep_the_later_rows_line_numbers(tmp_path):
    # line 1 header; 2 a referral; 3 all commas; 4 only spaces; 5 "maybe" is not yes/no;
    # 6 a second referral of C1 on 2017-03-31 (flagged); 7 referral id R1 again
    path = _csv(tmp_path / "blanks.csv", "C1,R1,2017-03-31,6,no,N4", ",,,,,",
                "  ,  , , ,  ,  ", "C2,R2,2017-04-01,6,maybe,N1", "C1,R3,31/03/2017,6,no,N4",
                "C4,R1,2017-04-02,6,no,N4")
    df, rep = read_referral_records(path, on_bad_rows="drop", today="2020-01-01")
    assert (rep.rows_in, rep.rows_used) == (4, 1)
    assert rep.dropped == {"referral_id: duplicate referral id": [2, 7],
                           "referral_nfa: referral_nfa missing or not yes/no": [5]}
    assert df["referral_id"].tolist() == ["R3"]
    with pytest.raises(InputDataError) as err:
        read_referral_records(path, today="2020-01-01")
    assert "rows 2, 7" in str(err.value)


def test_same_day_referrals_flag_every_later_row_by_line_number(tmp_path):
    # C1 on 2017-03-31 three times (lines 2, 4, 5, one written day first), C2 twice (3, 6)
    path = _csv(tmp_path / "same_day.csv", "C1,R1,2017-03-31,6,no,N4",
                "C2,R2,2017-04-01,6,no,N4", "C1,R3,31/03/2017,6,no,N4",
                "C1,R4,2017-03-31,6,no,N4", "C2,R5,01/04/2017,6,no,N4",
                "C3,R6,2017-04-01,6,no,N4")
    _df, rep = read_referral_records(path, today="2020-01-01")
    assert rep.flagged["same child referred twice on one day (counted once in rates)"] == [
        4, 5, 6]


def test_iso_and_uk_dates_in_one_column_read_alike(tmp_path):
    path = _csv(tmp_path / "dates.csv", "C1,R1,2017-03-31,6,no,N4", "C2,R2,31/03/2017,6,no,N4",
                "C3,R3, 2017-03-31 ,6,no,N4", "C4,R4,2017-03-31 00:00:00,6,no,N4")
    df, rep = read_referral_records(path, today="2020-01-01")
    assert df["referral_date"].tolist() == [pd.Timestamp("2017-03-31")] * 4
    assert rep.rows_dropped == 0


def test_a_month_first_column_is_refused_naming_every_row_not_each_value_once(tmp_path):
    # 03/31/2017 on lines 2, 4 and 5 (once with spaces), 04/13/2017 on 6; 01/02/2017 (3)
    # fits either order: 4 of 5 slashed dates cannot be day first
    path = _csv(tmp_path / "us.csv", "C1,R1,03/31/2017,6,no,N4", "C2,R2,01/02/2017,6,no,N4",
                "C3,R3,03/31/2017,6,no,N4", "C4,R4, 03/31/2017 ,6,no,N4",
                "C5,R5,04/13/2017,6,no,N4", "C6,R6,2017-05-01,6,no,N4")
    with pytest.raises(InputDataError, match="month first") as err:
        read_referral_records(path, on_bad_rows="drop", today="2020-01-01")
    text = str(err.value)
    assert "rows 2, 4, 5, 6" in text and "4 of 5 dates with a second part over 12" in text
    assert "'03/31/2017' in row 2" in text


def test_spelling_and_spaces_give_the_same_table_as_tidy_values(tmp_path):
    tidy = _csv(tmp_path / "tidy.csv", "C1,R1,2017-03-31,Police,false,N4",
                "C2,R2,2017-04-01,Schools,true,N1", "C3,R3,2017-04-02,Police,false,")
    # codes for labels, yes/no words, lower-case and spaced needs, UK dates, a blank of spaces
    messy = _csv(tmp_path / "messy.csv", "C1,R1,31/03/2017,6, no ,n4",
                 " C2 ,R2,01/04/2017,2A,Y,N1 ", "C3,R3,2017-04-02, police ,false,   ")
    want, want_rep = read_referral_records(tidy, today="2020-01-01")
    got, got_rep = read_referral_records(messy, today="2020-01-01")
    pd.testing.assert_frame_equal(got, want)
    assert got_rep.summary().splitlines()[1:] == want_rep.summary().splitlines()[1:]
    assert got["primary_need"].isna().tolist() == [False, False, True]


def test_copies_are_compared_on_trimmed_values(tmp_path):
    path = _csv(tmp_path / "copies.csv", "C1,R1,2017-03-31,6,no,N4",
                "C1,R1, 2017-03-31,6 ,no,N4 ", "C1,R1,2017-03-31,6,no,N5")
    df, rep = read_referral_records(path, on_bad_rows="drop", today="2020-01-01")
    assert rep.copies == [3]
    assert rep.dropped == {"referral_id: duplicate referral id": [2, 4]} and df.empty


def test_an_xlsx_with_blank_rows_reads_as_the_csv(tmp_path):
    lines = ["C1,R1,2017-03-31,6,no,N4", ",,,,,", "C2,R2,31/03/2017,3A,yes, n1 "]
    csv = _csv(tmp_path / "extract.csv", *lines)
    frame = pd.read_csv(csv, dtype=str, keep_default_na=False).replace("", None)
    frame.to_excel(tmp_path / "extract.xlsx", index=False)
    want, want_rep = read_referral_records(csv, today="2020-01-01")
    got, got_rep = read_referral_records(tmp_path / "extract.xlsx", today="2020-01-01")
    pd.testing.assert_frame_equal(got, want)
    assert (got_rep.rows_in, got_rep.rows_used) == (want_rep.rows_in, want_rep.rows_used) == (2, 2)
    assert got["primary_need"].tolist() == ["N4", "N1"]


def _read(values: list[str | None], reading: codes.Reading, kind: str) -> codes.ColumnSQL:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[v] for v in values])
    return codes.code_tables(con, "t", [("v", reading, kind)])["v"]


def test_a_column_is_read_from_its_values_only_where_that_gives_every_reading():
    # ISO dates: the cast reads them all; with a day-first date too, the cast then strptime
    assert _read(["2017-03-31", None], codes.dates, "TIMESTAMP") == codes.ColumnSQL(
        "TRY_CAST(u.v AS TIMESTAMP)", "false", "u.v IS NOT NULL")
    assert _read(["2017-03-31", "31/03/2017"], codes.dates, "TIMESTAMP").value.startswith(
        "COALESCE(TRY_CAST(u.v AS TIMESTAMP), try_strptime(")
    # codes written as their labels read as themselves; "99" is a problem, listed
    assert _read(["Police", "unknown"], codes.source, "VARCHAR").value == "u.v"
    assert _read(["N4", "XX"], codes.coded(["N4"]), "VARCHAR").join != ""
    need = _read(["n4", "N1"], codes.coded(["N1", "N4"]), "VARCHAR")
    assert (need.value, need.join) == ("upper(u.v)", "")
    # source codes need their labels, a value with spaces or a blank of spaces its table
    assert _read(["6", "Police"], codes.source, "VARCHAR").join.startswith("LEFT JOIN _m_v")
    assert _read(["Police", "   "], codes.source, "VARCHAR").join != ""
    assert _read(["Police", " Schools"], codes.source, "VARCHAR").join != ""
