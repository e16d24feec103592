"""The referral extract reader: aliases, codes, bad rows named by file, column and row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.readers.referral_records import read_referral_records
from analysis.data.schemas.referrals import validate_referrals

FIX = Path(__file__).parent / "fixtures" / "referrals"


def test_good_file_reads_and_flags_without_dropping():
    df, rep = read_referral_records(FIX / "good.csv", today="2020-01-01")
    validate_referrals(df)
    assert (rep.rows_in, rep.rows_used, rep.rows_dropped) == (6, 6, 0)
    # code 6 and the label "Police" both read as Police; 99 is unknown but kept
    assert df["referral_source"].tolist()[:4] == ["Police", "Police", "Schools", "unknown"]
    assert rep.flagged["referral source unknown or not recorded (kept as 'unknown')"] == [5]
    # C003 referred twice on 2016-07-15 (file rows 5 and 6): the second is flagged
    assert rep.flagged["same child referred twice on one day (counted once in rates)"] == [6]
    # "XX" is not a factor code: left out of the list, row counted
    assert df["assessment_factors"].iloc[5] == "2B"
    assert rep.flagged["assessment factor code unknown (left out of the list)"] == [7]
    # UK date format, yes/no words, blank early help -> NA
    assert df["referral_date"].iloc[5] == pd.Timestamp("2017-02-01")
    assert df["prior_early_help"].tolist() == [False, True, pd.NA, False, False, True]
    assert "3 flagged" in rep.summary()


def test_aliases_and_outcome_spelling():
    df, rep = read_referral_records(FIX / "aliases.csv", today="2020-01-01")
    assert df["child_id"].tolist() == ["C010", "C011"]
    assert df["assessment_outcome"].tolist() == ["not_in_need", "no_assessment"]
    assert df["referral_source"].tolist() == ["Police", "LA services: early help"]
    assert df["locality"].tolist() == ["North", "South"]
    assert df["prior_early_help"].isna().all()
    assert "no prior_early_help column: all NA" in rep.notes


def test_bad_dates_raise_with_rows():
    with pytest.raises(InputDataError) as e:
        read_referral_records(FIX / "bad_dates.csv", today="2020-01-01")
    msg = str(e.value)
    # file rows: 2 closure before referral, 3 before 1990, 4 in the future
    assert "bad_dates.csv" in msg and "column 'referral_date'" in msg
    assert "row 4" in msg and "after today" in msg
    assert "before 1990 (1 rows)" in msg and "closure date before referral date" in msg


def test_bad_rows_can_be_dropped_and_are_reported():
    df, rep = read_referral_records(FIX / "bad_dates.csv", on_bad_rows="drop",
                                    today="2020-01-01")
    assert df["referral_id"].tolist() == ["R004"]
    assert (rep.rows_in, rep.rows_used, rep.rows_dropped) == (4, 1, 3)
    assert rep.dropped["closure_date: closure date before referral date"] == [2]
    assert rep.dropped["referral_date: referral date before 1990"] == [3]


def test_duplicate_id_and_child_without_id():
    with pytest.raises(InputDataError, match="child with no id") as e:
        read_referral_records(FIX / "duplicate_ids.csv")
    assert "row 4" in str(e.value) and "duplicate referral id (2 rows)" in str(e.value)
    df, rep = read_referral_records(FIX / "duplicate_ids.csv", on_bad_rows="drop")
    assert df.empty and rep.rows_dropped == 3


@pytest.mark.parametrize("name, match", [
    ("empty.csv", "file is empty"),
    ("header_only.csv", "no data rows"),
    ("missing_column.csv", "required column missing: referral_date"),
    ("nope.csv", "file not found"),
])
def test_unusable_files(name, match):
    with pytest.raises(InputDataError, match=match):
        read_referral_records(FIX / name)


def test_xlsx_extract(tmp_path):
    src = pd.read_csv(FIX / "good.csv", dtype=str)
    path = tmp_path / "extract.xlsx"
    src.to_excel(path, index=False)
    df, rep = read_referral_records(path, today="2020-01-01")
    assert len(df) == 6 and rep.rows_used == 6
    assert df["referral_date"].iloc[0] == pd.Timestamp("2016-04-10")


def test_unsupported_type_and_bad_parameter(tmp_path):
    p = tmp_path / "x.json"
    p.write_text("{}")
    with pytest.raises(InputDataError, match="unsupported file type"):
        read_referral_records(p)
    with pytest.raises(ParameterError):
        read_referral_records(FIX / "good.csv", on_bad_rows="ignore")


def test_two_columns_meaning_the_same(tmp_path):
    p = tmp_path / "two.csv"
    p.write_text("child_id,LAchildID,referral_id,referral_date,referral_source,referral_nfa\n"
                 "A,A,R1,2017-01-01,6,false\n")
    with pytest.raises(InputDataError, match="two columns mean the same thing"):
        read_referral_records(p)
