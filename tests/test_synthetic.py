"""The synthetic generator: calibration to Doncaster's published figures, determinism."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import ParameterError
from analysis.data.readers.cin_xml_schema import DEFAULT_XSD_DIR, validate_cin_xml
from analysis.data.readers.referral_records import read_referral_records
from analysis.data.schemas.referrals import validate_referrals
from analysis.data.synthetic import generate_referrals, write_synthetic_files
from analysis.measures.rereferral_breakdowns import (
    by_locality,
    by_referral_source,
    conversion_funnel,
    early_help_share,
    share_within,
)
from analysis.measures.rereferrals import annual_rate, flag_rereferrals


@pytest.fixture(scope="module")
def flagged() -> pd.DataFrame:
    return flag_rereferrals(generate_referrals(), history_start="2014-04-01")


def test_valid_and_obviously_synthetic():
    df = generate_referrals(seed=1, start="2016-04-01", end="2017-03-31")
    validate_referrals(df)
    assert df["child_id"].str.fullmatch(r"SYN\d{6}").all()
    assert df["referral_id"].str.fullmatch(r"SYNR\d{7}").all()
    assert df["referral_id"].is_unique


def test_same_seed_same_output_other_seed_differs():
    a = generate_referrals(seed=42, start="2016-04-01", end="2017-03-31")
    b = generate_referrals(seed=42, start="2016-04-01", end="2017-03-31")
    c = generate_referrals(seed=43, start="2016-04-01", end="2017-03-31")
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_calibrated_rereferral_rate(flagged):
    # target: DfE C1 Doncaster 2016-17, 27.1% re-referrals; 5,275 referrals
    a = annual_rate(flagged)
    full = a[a["history_complete"]]
    assert len(full) == 4  # 2015-16 .. 2018-19; 2014-15 has unknown history
    pooled = full["rereferrals"].sum() / full["referrals"].sum() * 100
    assert 25 <= pooled <= 29
    assert full["referrals"].between(4700, 6000).all()


def test_calibrated_deep_dive_figures(flagged):
    # council report: about 60% of re-referrals within 60 days; 11% prior early help;
    # police the largest source (~40%); DfE C1: 36.1% assessed not in need
    within = share_within(flagged).set_index("days")
    assert 55 <= within.loc[60, "percent"] <= 65
    eh = early_help_share(flagged).set_index("group")
    assert 9 <= eh.loc["all referrals", "percent"] <= 13
    src = by_referral_source(flagged)
    assert src.iloc[0]["referral_source"] == "Police"
    assert 37 <= src.iloc[0]["referrals"] / src["referrals"].sum() * 100 <= 43
    f = conversion_funnel(flagged).set_index("stage")
    assert 33 <= f.loc["Assessed: not in need", "percent_of_referrals"] <= 39


def test_one_locality_is_an_outlier(flagged):
    loc = by_locality(flagged).set_index("locality")
    assert loc["percent"].idxmax() == "East"
    others = loc.drop(index="East")["percent"]
    assert loc.loc["East", "percent"] - others.max() > 3


def test_bad_parameters():
    with pytest.raises(ParameterError):
        generate_referrals(referrals_per_year=0)
    with pytest.raises(ParameterError):
        generate_referrals(start="2018-01-01", end="2017-01-01")


def test_files_written_with_synthetic_names(tmp_path):
    xsd = DEFAULT_XSD_DIR if DEFAULT_XSD_DIR.exists() else \
        "/work/shared/reference-data/cin-census-xsd"
    paths = write_synthetic_files(tmp_path, start="2016-04-01", end="2018-03-31",
                                  xsd_dir=xsd)
    assert [p.name for p in paths] == ["synthetic_referrals.csv",
                                       "synthetic_cin_census_2017.xml",
                                       "synthetic_cin_census_2018.xml"]
    assert all("synthetic" in p.name for p in paths)
    df, rep = read_referral_records(paths[0], today="2020-01-01")
    assert rep.rows_dropped == 0 and rep.rows_used == len(df)
    validate_cin_xml(paths[1], xsd_dir=xsd)
