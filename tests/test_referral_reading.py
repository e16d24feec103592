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
from analysis.data.geography import load_areas, resolve_la
from analysis.data.readers import referral_codes as codes
from analysis.data.readers.referral_load import file_line_numbers
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


# Wholly empty lines: skipped by DuckDB's CSV reader, counted back in when a message names rows


def test_file_line_numbers_count_the_empty_lines_back_in(tmp_path):
    # lines: 1 header, 2 "1,x", 3 and 4 empty, 5 "2,y", 6 "," (read, a blank row), 7 empty,
    # 8 "3,z": the reader's rows 2, 3, 4, 5 are lines 2, 5, 6, 8
    path = tmp_path / "lines.csv"
    path.write_bytes(b"a,b\n1,x\n\n\n2,y\n,\n\n3,z\n")
    assert file_line_numbers(path, [5, 2, 3, 4, 3]) == [8, 2, 5, 6, 5]
    assert file_line_numbers(path, []) == []
    no_empty = tmp_path / "no_empty.csv"
    no_empty.write_bytes(b"a,b\n1,x\n,\n  \n2,y\n")
    assert file_line_numbers(no_empty, [2, 3, 4, 5]) == [2, 3, 4, 5]
    # an empty first line is the header to the reader: line 2 is skipped, "a,b" is row 2
    leading = tmp_path / "leading.csv"
    leading.write_bytes(b"\n\na,b\n1,x\n")
    assert file_line_numbers(leading, [2, 3]) == [3, 4]
    # a workbook's rows are its own (the file is not opened)
    assert file_line_numbers(tmp_path / "missing.xlsx", [3, 4]) == [3, 4]


def test_two_empty_lines_before_a_bad_row_name_its_line(tmp_path):
    # 1 header, 2 a referral, 3 all commas, 4 and 5 empty, 6 "maybe" not yes/no, 7 a referral:
    # read as rows 2, 3 (blank, left out), 4, 5
    path = _csv(tmp_path / "empty_lines.csv", "C1,R1,2017-03-31,6,no,N4", ",,,,,", "", "",
                "C2,R2,2017-04-01,6,maybe,N1", "C3,R3,2017-04-02,6,no,N4")
    with pytest.raises(InputDataError, match="not yes/no") as err:
        read_referral_records(path, today="2020-01-01")
    assert err.value.rows == [6] and "row 6" in str(err.value)


def test_a_month_first_column_after_empty_lines_names_the_lines(tmp_path):
    # 1 header, 2 empty, 3 01/02/2017 (either order), 4 and 5 empty, 6 03/31/2017,
    # 7 04/13/2017: read as rows 2, 3, 4
    path = _csv(tmp_path / "us_empty.csv", "", "C2,R2,01/02/2017,6,no,N4", "", "",
                "C1,R1,03/31/2017,6,no,N4", "C3,R3,04/13/2017,6,no,N4")
    with pytest.raises(InputDataError, match="month first") as err:
        read_referral_records(path, today="2020-01-01")
    text = str(err.value)
    assert err.value.rows == [6, 7] and "rows 6, 7" in text
    assert "2 of 3 dates with a second part over 12" in text
    assert "'03/31/2017' in row 6" in text


def test_rows_of_another_la_after_empty_lines_name_the_lines(tmp_path, paths):
    doncaster = resolve_la("Doncaster", load_areas(paths.root))
    # 1 header, 2 Doncaster (371), 3 empty, 4 Rotherham (372), 5 and 6 empty, 7 Rotherham
    path = _csv(tmp_path / "la_empty.csv", "C1,R1,2017-01-05,6,no,N4,371", "",
                "C2,R2,2017-01-06,6,no,N4,372", "", "", "C3,R3,2017-01-07,6,no,N4,372",
                head=HEAD + ",LEA")
    with pytest.raises(InputDataError, match="another LA") as err:
        read_referral_records(path, today="2020-01-01", la=doncaster)
    assert err.value.rows == [4, 7] and "rows 4, 7" in str(err.value)


def test_a_row_with_too_many_fields_after_empty_lines_names_its_line(tmp_path):
    # 1 header, 2 a referral, 3 and 4 empty, 5 seven fields for six columns
    path = _csv(tmp_path / "wide.csv", "C1,R1,2017-03-31,6,no,N4", "", "",
                "C2,R2,2017-04-01,6,no,N1,extra")
    with pytest.raises(InputDataError, match="could not be read as CSV") as err:
        read_referral_records(path, today="2020-01-01")
    assert "line 5: expected 6 fields, found 7" in str(err.value)


@pytest.mark.parametrize(("end", "encoding"), [("\r\n", "utf-8"), ("\r", "utf-8"),
                                               ("\r\n", "utf-16"), ("\r\n", "cp1252")])
def test_empty_lines_are_counted_whatever_the_line_ends_and_encoding(tmp_path, end, encoding):
    # 1 header, 2 a referral, 3 empty, 4 "C£2" with "maybe" not yes/no (a pound sign: byte
    # 0xA3 in Windows-1252, read through the recoded copy)
    lines = [HEAD, "C1,R1,2017-03-31,6,no,N4", "", "C£2,R2,2017-04-01,6,maybe,N1"]
    path = tmp_path / "ends.csv"
    path.write_bytes(end.join([*lines, ""]).encode(encoding))
    with pytest.raises(InputDataError, match="not yes/no") as err:
        read_referral_records(path, today="2020-01-01")
    assert err.value.rows == [4]


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
