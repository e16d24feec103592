"""Checks on the hand transcription of Doncaster's figures from the seed reports.

The two CSVs in data/raw/local/ were typed from council committee papers (see
data/raw/local/README.md). These tests pin the figures and the shape so that a
slip in editing them is caught. Expected numbers come from seed 001 (Doncaster
Q4 2017/18 performance challenge report): the summary table in its paragraph 21
and appendix 3 paragraph 2.2, and the figures quoted in paragraphs 25.1/25.2 and
the appendix 2 challenge table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

LOCAL = Path(__file__).resolve().parents[1] / "data" / "raw" / "local"
RETURN_CSV = LOCAL / "doncaster_quarterly_return.csv"
BENCH_CSV = LOCAL / "doncaster_quoted_benchmarks.csv"

RETURN_COLUMNS = [
    "la_code",
    "la_name",
    "indicator_code",
    "indicator_label",
    "period",
    "value",
    "numerator",
    "denominator",
    "unit",
    "target",
    "tolerance",
    "polarity",
    "area",
    "measure_type",
    "reported_status",
    "source",
    "approximate",
]
BENCH_COLUMNS = [
    "la_code",
    "indicator_code",
    "report_period",
    "comparator",
    "benchmark_year",
    "value",
    "rank",
    "rank_of",
    "source",
]
UNITS = {"percent", "rate_per_10000", "count", "days", "weeks", "rate", "score"}
POLARITIES = {"lower_is_better", "higher_is_better", "none"}
STATUSES = {"outside_tolerance", "inside_tolerance", "on_target", "no_target"}
MEASURE_TYPES = {"contract", "volumetric", "profile", "context"}
COMPARATORS = {"england", "region", "statistical_neighbours", "la_outturn", "other"}
AREAS = {
    "Social Care Pathway",
    "Children in Care",
    "Youth Offending Services",
    "Family Support Services",
    "Workforce",
}
PERIOD_PATTERN = r"^(\d{4}-\d{2} Q[1-4]|\d{4}-\d{2})$"
Q4 = "2017-18 Q4"

# Seed 001, para 21 and appendix 3 para 2.2: contract measures at the end of Q4 2017/18,
# by area: (outside tolerance, inside tolerance, on or better than target, no target).
SEED_001_Q4_TABLE = {
    "Social Care Pathway": (1, 3, 3, 0),
    "Children in Care": (1, 3, 1, 0),
    "Youth Offending Services": (0, 1, 2, 0),
    "Family Support Services": (0, 0, 0, 2),
    "Workforce": (0, 0, 3, 0),
}
STATUS_ORDER = ("outside_tolerance", "inside_tolerance", "on_target", "no_target")


@pytest.fixture(scope="module")
def ret() -> pd.DataFrame:
    # keep_default_na=False so empty cells read as "" and the text vocabularies stay strings
    return pd.read_csv(RETURN_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def bench() -> pd.DataFrame:
    return pd.read_csv(BENCH_CSV, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def q4_contract(ret: pd.DataFrame) -> pd.DataFrame:
    return ret[(ret["measure_type"] == "contract") & (ret["period"] == Q4)]


def _row(df: pd.DataFrame, code: str, period: str) -> pd.Series:
    rows = df[(df["indicator_code"] == code) & (df["period"] == period)]
    assert len(rows) == 1, f"expected one row for {code} {period}, found {len(rows)}"
    return rows.iloc[0]


# --- shape ---------------------------------------------------------------------------


def test_return_columns_are_exactly_the_documented_ones(ret):
    assert list(ret.columns) == RETURN_COLUMNS


def test_benchmark_columns_are_exactly_the_documented_ones(bench):
    assert list(bench.columns) == BENCH_COLUMNS


def test_no_duplicate_indicator_period_rows(ret):
    dupes = ret[ret.duplicated(["indicator_code", "period"], keep=False)]
    assert dupes.empty, dupes[["indicator_code", "period"]].to_string()


def test_every_row_names_its_seed(ret, bench):
    for df in (ret, bench):
        assert df["source"].str.match(r"^seed 00[0-4]\b").all()


def test_la_is_doncaster(ret, bench):
    assert set(ret["la_code"]) == {"E08000017"}
    assert set(ret["la_name"]) == {"Doncaster"}
    assert set(bench["la_code"]) == {"E08000017"}


def test_periods_use_the_documented_formats(ret, bench):
    assert ret["period"].str.match(PERIOD_PATTERN).all()
    assert bench["report_period"].str.match(PERIOD_PATTERN).all()
    given_years = bench.loc[bench["benchmark_year"] != "", "benchmark_year"]
    assert given_years.str.match(r"^\d{4}-\d{2}$").all()


def test_numbers_are_plain_numbers(ret, bench):
    """No % signs, thousands separators or words in the number columns."""
    for df, cols in (
        (ret, ["value", "numerator", "denominator", "target", "tolerance"]),
        (bench, ["value", "rank", "rank_of"]),
    ):
        for col in cols:
            given = df.loc[df[col] != "", col]
            assert given.str.match(r"^-?\d+(\.\d+)?$").all(), f"{col}: {given.tolist()}"


# --- vocabularies --------------------------------------------------------------------


def test_units_are_from_the_vocabulary(ret):
    assert set(ret["unit"]) <= UNITS | {""}
    # a unit may be missing only where the seed states neither a value nor a unit (FS1, FS2)
    assert (ret.loc[ret["value"] != "", "unit"] != "").all()
    assert set(ret.loc[ret["unit"] == "", "indicator_code"]) == {"FS1", "FS2"}


def test_polarities_statuses_types_are_from_the_vocabularies(ret, bench):
    assert set(ret["polarity"]) <= POLARITIES
    assert set(ret["reported_status"]) <= STATUSES | {""}
    assert set(ret["measure_type"]) <= MEASURE_TYPES
    assert set(ret.loc[ret["measure_type"] == "contract", "area"]) <= AREAS
    assert set(bench["comparator"]) <= COMPARATORS


def test_each_indicator_has_one_label_unit_polarity_area_and_type(ret):
    per_code = ret.groupby("indicator_code")[
        ["indicator_label", "unit", "polarity", "area", "measure_type"]
    ].nunique()
    assert (per_code == 1).all().all()


def test_target_and_tolerance_agree_with_polarity(ret):
    both = ret[(ret["target"] != "") & (ret["tolerance"] != "")]
    assert not both.empty
    for _, r in both.iterrows():
        target, tolerance = float(r["target"]), float(r["tolerance"])
        if r["polarity"] == "lower_is_better":
            assert tolerance > target, r["indicator_code"]
        else:
            assert r["polarity"] == "higher_is_better"
            assert tolerance < target, r["indicator_code"]


# --- the seed 001 summary table --------------------------------------------------------


def test_twenty_contract_measures_have_a_q4_status(q4_contract):
    # 2 + 7 + 9 + 2 = 20 (seed 001 appendix 3 para 2.2, Total row)
    assert q4_contract["indicator_code"].nunique() == 20
    assert (q4_contract["reported_status"] != "").sum() == 20


def test_q4_status_totals_match_seed_001(q4_contract):
    counts = q4_contract["reported_status"].value_counts().to_dict()
    assert counts == {"outside_tolerance": 2, "inside_tolerance": 7, "on_target": 9, "no_target": 2}


@pytest.mark.parametrize("area", list(SEED_001_Q4_TABLE))
def test_q4_status_counts_by_area_match_seed_001(q4_contract, area):
    in_area = q4_contract[q4_contract["area"] == area]["reported_status"].value_counts()
    found = tuple(int(in_area.get(status, 0)) for status in STATUS_ORDER)
    assert found == SEED_001_Q4_TABLE[area]


def test_contract_codes_sit_in_their_areas(ret):
    contract = ret[ret["measure_type"] == "contract"].drop_duplicates("indicator_code")
    prefix_area = {
        "A": "Social Care Pathway",
        "B": "Children in Care",
        "FO": "Youth Offending Services",
        "C": "Workforce",
        "FS": "Family Support Services",
    }
    for _, r in contract.iterrows():
        prefix = r["indicator_code"].rstrip("0123456789")
        assert prefix_area[prefix] == r["area"], r["indicator_code"]


def test_q4_outside_tolerance_measures_are_a4_and_b8(q4_contract):
    # seed 001 appendix 3 para 2.7
    outside = q4_contract[q4_contract["reported_status"] == "outside_tolerance"]
    assert sorted(outside["indicator_code"]) == ["A4", "B8"]


# --- figures ---------------------------------------------------------------------------


def test_a1_q4(ret):
    # seed 001 para 25.2 and appendix 2 row A1: Q4 = 26%, target 22%, tolerance 28%
    r = _row(ret, "A1", Q4)
    assert (float(r["value"]), float(r["target"]), float(r["tolerance"])) == (26, 22, 28)
    assert r["polarity"] == "lower_is_better"
    assert r["reported_status"] == "inside_tolerance"


def test_b8_q4(ret):
    # seed 001 appendix 2 row B8: Q4 = 76%, target 90%, tolerance 80%
    r = _row(ret, "B8", Q4)
    assert (float(r["value"]), float(r["target"]), float(r["tolerance"])) == (76, 90, 80)
    assert r["polarity"] == "higher_is_better"
    assert r["reported_status"] == "outside_tolerance"


def test_e1_quarterly_averages(ret):
    # seed 001 appendix 2 row E1: Q1 2097, Q2 1866, Q3 1962, Q4 1789
    e1 = ret[ret["indicator_code"] == "E1"].set_index("period")["value"].astype(float)
    assert e1.to_dict() == {
        "2017-18 Q1": 2097,
        "2017-18 Q2": 1866,
        "2017-18 Q3": 1962,
        "2017-18 Q4": 1789,
    }


def test_children_in_need_figures(ret):
    # seed 001 appendix 2 row E34/E35: quarter averages 1937 / 439; end of quarter 2849 at 435
    assert float(_row(ret, "E34", Q4)["value"]) == 1937
    assert float(_row(ret, "E35", Q4)["value"]) == 439
    assert float(_row(ret, "P01_CIN_END", Q4)["value"]) == 2849
    assert float(_row(ret, "P01_CIN_RATE_END", Q4)["value"]) == 435


def test_fo3_custody_rate_is_kept_as_reported(ret):
    # seed 001 para 25.1: 'FO 3 Youth Offending Service Custody Rates = 0.04'
    r = _row(ret, "FO3", Q4)
    assert float(r["value"]) == 0.04
    assert r["unit"] == "rate"


def test_q1_statuses_from_seed_000(ret):
    # seed 000: A2 'below tolerance' in Q1; A3 'within tolerance'
    assert _row(ret, "A2", "2017-18 Q1")["reported_status"] == "outside_tolerance"
    assert _row(ret, "A3", "2017-18 Q1")["reported_status"] == "inside_tolerance"


def test_no_value_is_invented_for_measures_the_seeds_give_none(ret):
    # seed 001 gives only statuses for these contract measures at Q4
    for code in ["A4", "A9", "B10", "B13", "B14", "C14", "C15", "C16", "FS1", "FS2"]:
        assert _row(ret, code, Q4)["value"] == ""


# --- quoted benchmarks -------------------------------------------------------------------


def test_a1_england_2016_17(bench):
    # seed 001 para 25.2: national average 21.9% at the 2017 outturn
    rows = bench[
        (bench["indicator_code"] == "A1")
        & (bench["comparator"] == "england")
        & (bench["benchmark_year"] == "2016-17")
    ]
    assert 21.9 in rows["value"].astype(float).tolist()


def test_a1_region_quoted_both_ways(bench):
    # seed 001 para 25.2 says 21.4; the appendix 2 table rounds to 21
    rows = bench[(bench["indicator_code"] == "A1") & (bench["comparator"] == "region")]
    assert sorted(rows["value"].astype(float)) == [21.0, 21.4]


def test_a1_la_outturn_and_rank(bench):
    # seed 001 appendix 2 row A1: 'Doncaster (27%)' ... '142/152 nationally'.
    # The seed quotes 27, not DfE's published 27.1: the transcription keeps the seed's figure.
    r = bench[(bench["indicator_code"] == "A1") & (bench["comparator"] == "la_outturn")]
    assert len(r) == 1
    r = r.iloc[0]
    assert (float(r["value"]), int(r["rank"]), int(r["rank_of"])) == (27, 142, 152)
    assert r["benchmark_year"] == "2016-17"


def test_every_benchmark_code_is_documented(ret, bench):
    # benchmark rows refer to codes in the return, except the referral rate, which the seed
    # quotes only as a rank (documented in data/raw/local/README.md)
    extra = set(bench["indicator_code"]) - set(ret["indicator_code"])
    assert extra == {"P01_REFERRAL_RATE"}


def test_figures_the_papers_give_as_approximate_are_marked(ret):
    # Seed 001: "approximately" 56% of assessments lead to no statutory service, 75% of contacts
    # go no further and 40% of contacts come from South Yorkshire Police; nothing else.
    marked = ret[ret["approximate"] == "yes"]
    assert sorted(marked["indicator_code"]) == ["P01_ASSESS_NO_SERVICE", "P01_CONTACT_FROM_POLICE",
                                                "P01_CONTACT_NO_STATUTORY"]
    assert sorted(marked["value"].astype(float)) == [40.0, 56.0, 75.0]
    assert set(ret["approximate"]) == {"", "yes"}
