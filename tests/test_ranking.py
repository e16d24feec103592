"""Tests for analysis.engine.ranking: LAIT's national rank and quartile bands.

Hand-worked cases first (expected values worked by hand from the rules in
docs/methods/ranking-and-quartiles.md), then real LAIT figures from the reference data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.errors import NoDataError, ParameterError
from analysis.engine.ranking import (
    band_for_value,
    no_quartile_from_lait,
    polarity_from_lait,
    quartile_bands,
    quartile_cut_points,
    rank_and_band,
    rank_values,
)

# Where the real LAIT files live: the repository's copy of LAIT's 01_data/02_prod files
# (byte-identical to /work/shared/reference-data/lait/). Change this one line if they move.
LAIT_DIR = Path(__file__).resolve().parents[1] / "data" / "raw" / "dfe" / "lait"
LAIT_LONG = LAIT_DIR / "bds_long_0.parquet"
LAIT_DICTIONARY = LAIT_DIR / "lait_data_dictionary.csv"

LOW = "lower_is_better"
HIGH = "higher_is_better"
NONE = "none"


def _ints(series: pd.Series) -> list:
    """Series to a plain list, with None for NA, for readable comparisons."""
    return [None if pd.isna(v) else int(v) for v in series]


def _strs(series: pd.Series) -> list:
    return [None if pd.isna(v) else str(v) for v in series]


# --- rank_values: hand-worked -------------------------------------------------------------


def test_rank_lower_is_better_ranks_smallest_first() -> None:
    # 10 < 20 < 30, so 10 is best (1) and 30 worst (3).
    assert _ints(rank_values(pd.Series([30.0, 10.0, 20.0]), LOW)) == [3, 1, 2]


def test_rank_higher_is_better_with_ties_matches_laits_own_test() -> None:
    # LAIT's tests/testthat/test-fn_analysis.R ("calculate_rank handles ties correctly"):
    # values 10, 20, 20, 30, 40 with polarity High rank 5, 3, 3, 2, 1.
    values = pd.Series([10.0, 20.0, 20.0, 30.0, 40.0])
    assert _ints(rank_values(values, HIGH)) == [5, 3, 3, 2, 1]


def test_rank_ties_share_the_lowest_rank_and_skip_the_next() -> None:
    # "min" method: 5, 5 share 1; 7 is 3rd; 9, 9, 9 share 4; 10 is 7th.
    values = pd.Series([5.0, 5.0, 7.0, 9.0, 9.0, 9.0, 10.0])
    assert _ints(rank_values(values, LOW)) == [1, 1, 3, 4, 4, 4, 7]


def test_rank_all_equal_values_all_rank_first() -> None:
    assert _ints(rank_values(pd.Series([4.2, 4.2, 4.2]), HIGH)) == [1, 1, 1]


def test_rank_missing_values_get_no_rank_and_do_not_count() -> None:
    # LAIT's test "calculate_rank handles missing values properly": 10, NA, 30, 20, NA, Low
    # rank 1, NA, 3, 2, NA.
    values = pd.Series([10.0, np.nan, 30.0, 20.0, None])
    ranks = rank_values(values, LOW)
    assert _ints(ranks) == [1, None, 3, 2, None]
    assert str(ranks.dtype) == "Int64"


def test_rank_all_missing_gives_all_na() -> None:
    assert _ints(rank_values(pd.Series([np.nan, np.nan]), LOW)) == [None, None]


def test_rank_polarity_none_ranks_nothing() -> None:
    # LAIT shows "-" for the rank of a measure whose polarity is not High or Low.
    assert _ints(rank_values(pd.Series([1.0, 2.0, 3.0]), NONE)) == [None, None, None]


def test_rank_keeps_the_input_index() -> None:
    values = pd.Series([27.1, 12.9], index=["E08000017", "E08000021"])
    ranks = rank_values(values, LOW)
    assert list(ranks.index) == ["E08000017", "E08000021"]
    assert ranks["E08000021"] == 1


def test_rank_accepts_nullable_integer_values() -> None:
    values = pd.Series([3, pd.NA, 1], dtype="Int64")
    assert _ints(rank_values(values, LOW)) == [2, None, 1]


# --- quartile_cut_points: hand-worked (R quantile type 7) ---------------------------------


def test_cut_points_five_values_fall_on_data_points() -> None:
    # n = 5: positions (n-1)p = 1, 2, 3 (0-based) -> 2, 3, 4 exactly.
    assert quartile_cut_points(pd.Series([5.0, 1.0, 3.0, 2.0, 4.0])) == (2.0, 3.0, 4.0)


def test_cut_points_four_values_interpolate() -> None:
    # n = 4: positions 0.75, 1.5, 2.25 -> 1 + 0.75*1 = 1.75, 2.5, 3 + 0.25*1 = 3.25.
    assert quartile_cut_points(pd.Series([1.0, 2.0, 3.0, 4.0])) == (1.75, 2.5, 3.25)


def test_cut_points_two_values() -> None:
    # n = 2: positions 0.25, 0.5, 0.75 -> 12.5, 15, 17.5.
    assert quartile_cut_points(pd.Series([20.0, 10.0])) == (12.5, 15.0, 17.5)


def test_cut_points_one_value_and_missing_values_are_dropped() -> None:
    assert quartile_cut_points(pd.Series([np.nan, 7.0, None])) == (7.0, 7.0, 7.0)


def test_cut_points_follow_rs_formula_not_numpys_in_the_last_digit() -> None:
    # R: Q3 = (1 - 0.75) * 99.1 + 0.75 * 99.10000000000001, which rounds to 99.1 exactly.
    # numpy's "linear" method evaluates it differently and returns 99.10000000000001.
    values = pd.Series([99.1, 99.10000000000001])
    assert quartile_cut_points(values)[2] == 99.1
    assert np.quantile(values, 0.75) == 99.10000000000001  # the difference is real


def test_cut_points_with_no_values_raise_no_data() -> None:
    with pytest.raises(NoDataError):
        quartile_cut_points(pd.Series([np.nan, np.nan]))


# --- quartile_bands: hand-worked ----------------------------------------------------------


def test_bands_lower_is_better_value_on_a_cut_point_goes_to_the_better_band() -> None:
    # Cuts (2, 3, 4). Intervals [1,2] (2,3] (3,4] (4,5] are A, B, C, D.
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    assert _strs(quartile_bands(values, LOW)) == ["A", "A", "B", "C", "D"]


def test_bands_higher_is_better_value_on_a_cut_point_goes_to_the_worse_band() -> None:
    # Same intervals named D, C, B, A: 2 (on Q1) is D, 4 (on Q3) is B, only 5 is A.
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    assert _strs(quartile_bands(values, HIGH)) == ["D", "D", "C", "B", "A"]


def test_bands_all_equal_values() -> None:
    # All cut points equal the value, which sits in [min, Q1]: A when low is good, D when
    # high is good (LAIT's rule, followed as it is).
    values = pd.Series([3.0, 3.0, 3.0, 3.0])
    assert _strs(quartile_bands(values, LOW)) == ["A", "A", "A", "A"]
    assert _strs(quartile_bands(values, HIGH)) == ["D", "D", "D", "D"]


def test_bands_fewer_than_four_values() -> None:
    # n = 3, values 1, 2, 3: cuts (1.5, 2, 2.5). 1 <= 1.5; 1.5 < 2 <= 2; 3 > 2.5.
    values = pd.Series([1.0, 2.0, 3.0])
    assert _strs(quartile_bands(values, LOW)) == ["A", "B", "D"]
    assert _strs(quartile_bands(values, HIGH)) == ["D", "C", "A"]
    # n = 2: cuts (12.5, 15, 17.5).
    assert _strs(quartile_bands(pd.Series([10.0, 20.0]), LOW)) == ["A", "D"]
    # n = 1: the only value equals every cut point.
    assert _strs(quartile_bands(pd.Series([8.0]), HIGH)) == ["D"]


def test_bands_missing_values_get_no_band_and_do_not_move_the_cut_points() -> None:
    values = pd.Series([1.0, np.nan, 2.0, 3.0, 4.0, 5.0])
    assert _strs(quartile_bands(values, LOW)) == ["A", None, "A", "B", "C", "D"]


def test_bands_polarity_none_or_no_quartile_give_no_band() -> None:
    values = pd.Series([1.0, 2.0, 3.0])
    assert _strs(quartile_bands(values, NONE)) == [None, None, None]
    assert _strs(quartile_bands(values, HIGH, no_quartile=True)) == [None, None, None]


def test_bands_all_missing_gives_all_na() -> None:
    assert _strs(quartile_bands(pd.Series([np.nan, np.nan]), LOW)) == [None, None]


# --- band_for_value -----------------------------------------------------------------------


def test_band_for_value_on_each_cut_point() -> None:
    cuts = (10.0, 20.0, 30.0)
    assert [band_for_value(v, cuts, LOW) for v in (10.0, 20.0, 30.0, 30.01)] == [
        "A", "B", "C", "D",
    ]
    assert [band_for_value(v, cuts, HIGH) for v in (10.0, 20.0, 30.0, 30.01)] == [
        "D", "C", "B", "A",
    ]


def test_band_for_value_outside_the_range_takes_the_end_band() -> None:
    # LAIT never meets this (it bands only the ranked values); we give the end band.
    cuts = (10.0, 20.0, 30.0)
    assert band_for_value(-5.0, cuts, LOW) == "A"
    assert band_for_value(99.0, cuts, HIGH) == "A"


def test_band_for_value_missing_or_no_polarity_is_none() -> None:
    assert band_for_value(float("nan"), (1.0, 2.0, 3.0), LOW) is None
    assert band_for_value(2.0, (1.0, 2.0, 3.0), NONE) is None


def test_band_for_value_rejects_unordered_cut_points() -> None:
    with pytest.raises(ParameterError, match="cut points"):
        band_for_value(2.0, (3.0, 2.0, 1.0), LOW)


# --- rank_and_band ------------------------------------------------------------------------


def test_rank_and_band_columns_and_counts() -> None:
    values = pd.Series([1.0, 2.0, np.nan, 4.0, 5.0], index=list("abcde"))
    table = rank_and_band(values, HIGH)
    assert list(table.columns) == ["rank", "of", "quartile"]
    assert list(table.index) == list("abcde")
    # Four values: cuts (1.75, 3, 4.25) from positions 0.75, 1.5, 2.25.
    assert _ints(table["rank"]) == [4, 3, None, 2, 1]
    assert _ints(table["of"]) == [4, 4, 4, 4, 4]
    assert _strs(table["quartile"]) == ["D", "C", None, "B", "A"]


def test_rank_and_band_no_quartile_keeps_the_rank() -> None:
    table = rank_and_band(pd.Series([1.0, 2.0]), LOW, no_quartile=True)
    assert _ints(table["rank"]) == [1, 2]
    assert _strs(table["quartile"]) == [None, None]


def test_rank_and_band_polarity_none_ranks_nobody() -> None:
    table = rank_and_band(pd.Series([1.0, 2.0]), NONE)
    assert _ints(table["rank"]) == [None, None]
    assert _ints(table["of"]) == [None, None]
    assert _strs(table["quartile"]) == [None, None]


# --- LAIT vocabulary helpers --------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [("High", HIGH), ("Low", LOW), ("-", NONE), ("", NONE), (None, NONE), (np.nan, NONE)],
)
def test_polarity_from_lait(word: object, expected: str) -> None:
    assert polarity_from_lait(word) == expected


@pytest.mark.parametrize("word", ["high", "LOW", "Higher", 1])
def test_polarity_from_lait_refuses_unknown_words(word: object) -> None:
    with pytest.raises(ParameterError, match="unknown LAIT polarity"):
        polarity_from_lait(word)


@pytest.mark.parametrize(
    ("flag", "expected"), [("N", True), (np.nan, False), (None, False), ("", False)]
)
def test_no_quartile_from_lait(flag: object, expected: bool) -> None:
    assert no_quartile_from_lait(flag) is expected


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("polarity", ["Low", "High", "-", "lower", None])
def test_unknown_polarity_is_refused(polarity: object) -> None:
    with pytest.raises(ParameterError, match="polarity"):
        rank_values(pd.Series([1.0]), polarity)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="polarity"):
        quartile_bands(pd.Series([1.0]), polarity)  # type: ignore[arg-type]


def test_text_values_are_refused_with_a_fix() -> None:
    with pytest.raises(ParameterError, match="numeric") as caught:
        rank_values(pd.Series(["27.1", "c"]), LOW)
    assert "to_numeric" in str(caught.value)


def test_boolean_values_are_refused() -> None:
    with pytest.raises(ParameterError, match="numeric"):
        quartile_bands(pd.Series([True, False]), LOW)


def test_infinite_values_are_refused() -> None:
    with pytest.raises(ParameterError, match="infinite"):
        rank_and_band(pd.Series([1.0, np.inf]), LOW)


def test_a_list_is_refused() -> None:
    with pytest.raises(ParameterError, match="Series"):
        rank_values([1.0, 2.0], LOW)  # type: ignore[arg-type]


# --- real LAIT figures --------------------------------------------------------------------

DONCASTER = 371


@pytest.fixture(scope="module")
def lait_long() -> pd.DataFrame:
    if not LAIT_LONG.exists():
        pytest.skip(f"LAIT long data not found at {LAIT_LONG}")
    return pd.read_parquet(LAIT_LONG)


def _la_values(lait_long: pd.DataFrame, measure: str, year: str) -> pd.Series:
    """One measure-year for LAs only, as LAIT selects them (LA Number below 970), by LA Number.

    Text values become numbers the way LAIT's global.R does: "-", "c", ".." and anything
    else non-numeric become missing.
    """
    rows = lait_long[
        (lait_long["Short Desc"] == measure)
        & (lait_long["Years"] == year)
        & (lait_long["LA Number"] < 970)
    ]
    values = pd.to_numeric(rows["Values"], errors="coerce")
    values.index = rows["LA Number"].astype(int)
    return values


def test_doncaster_rereferrals_2017_rank_142_of_152_band_d(lait_long: pd.DataFrame) -> None:
    # Published: Doncaster 27.1%, 11th highest of 152 LAs (reference-data/SOURCES.md), so
    # 141 LAs are lower: rank 142 with lower is better. Cut points by hand from the sorted
    # 152 values: positions 37.75, 75.5, 113.25 (0-based).
    values = _la_values(lait_long, "ReReferral", "2017")
    assert values[DONCASTER] == 27.1
    q1, q2, q3 = quartile_cut_points(values)
    assert (q1, q2, q3) == pytest.approx((15.975, 19.95, 23.8))
    table = rank_and_band(values, LOW)
    assert table.loc[DONCASTER].tolist() == [142, 152, "D"]


def test_rereferrals_2017_the_ranked_set_includes_small_and_pre_reorganisation_las(
    lait_long: pd.DataFrame,
) -> None:
    values = _la_values(lait_long, "ReReferral", "2017")
    table = rank_and_band(values, LOW)
    # City of London (201) 16.1 and Isles of Scilly (420) 0.0 are ranked; Isles of Scilly's
    # 0.0 is the lowest, so rank 1, band A.
    assert table.loc[201].tolist() == [40, 152, "B"]
    assert table.loc[420].tolist() == [1, 152, "A"]
    # Bournemouth (Pre LG) (837) has a 2017 value and is ranked; the successor BCP (839)
    # has "-" for 2017, so no rank and no band.
    assert table.loc[837].tolist() == [138, 152, "D"]
    assert pd.isna(table.loc[839, "rank"]) and pd.isna(table.loc[839, "quartile"])


def test_rereferrals_2017_values_on_the_upper_quartile_are_band_c(
    lait_long: pd.DataFrame,
) -> None:
    # Coventry (331), Northumberland (929) and Trafford (358) all have 23.8 = Q3 exactly.
    # Lower is better and the (Q2, Q3] interval is C, so C, not D; tied ranks share 114.
    values = _la_values(lait_long, "ReReferral", "2017")
    table = rank_and_band(values, LOW)
    for la in (331, 929, 358):
        assert values[la] == quartile_cut_points(values)[2] == 23.8
        assert table.loc[la].tolist() == [114, 152, "C"]


def test_doncaster_assessments_in_45_days_2017_band_b(lait_long: pd.DataFrame) -> None:
    # Higher is better. Doncaster 85.5 lies in (Q2, Q3] = (83.7, 90.375]: band B, 66th.
    values = _la_values(lait_long, "Continue_Assess_Comp", "2017")
    assert values[DONCASTER] == 85.5
    assert quartile_cut_points(values) == pytest.approx((75.125, 83.7, 90.375))
    table = rank_and_band(values, HIGH)
    assert table.loc[DONCASTER].tolist() == [66, 152, "B"]
    # Bournemouth (Pre LG) (837) and Newcastle (391) sit on the median 83.7: band C, not B.
    assert table.loc[837].tolist() == [76, 152, "C"]
    assert table.loc[391].tolist() == [76, 152, "C"]


def test_doncaster_on_the_lower_quartile_of_a_higher_is_better_measure_is_band_d(
    lait_long: pd.DataFrame,
) -> None:
    # Long-term placement stability 2021, higher is better: cut points (66, 69, 73) and
    # Doncaster is exactly 66 = Q1, so it is in [min, Q1]: band D, not C.
    values = _la_values(lait_long, "LAC_LongStable%", "2021")
    assert quartile_cut_points(values) == (66.0, 69.0, 73.0)
    assert rank_and_band(values, HIGH).loc[DONCASTER].tolist() == [104, 149, "D"]


def test_doncaster_on_the_upper_quartile_of_a_higher_is_better_measure_is_band_b(
    lait_long: pd.DataFrame,
) -> None:
    # Care leavers in suitable accommodation 2019: cut points (82, 88, 91); Doncaster 91 = Q3
    # is in (Q2, Q3]: band B, not A.
    values = _la_values(lait_long, "CareLeaverAcc", "2019")
    assert quartile_cut_points(values) == (82.0, 88.0, 91.0)
    assert rank_and_band(values, HIGH).loc[DONCASTER].tolist() == [37, 149, "B"]


def test_float_noise_in_the_published_text_changes_rank_and_band(
    lait_long: pd.DataFrame,
) -> None:
    # 2yr_Ofsted_rating 2020 (higher is better): East Riding (811) is "99.1" and Isle of
    # Wight (921) is "99.100000000000009". R's Q3 is 99.1 exactly, so East Riding is on Q3
    # (band B) and Isle of Wight is above it (band A); numpy's quantile would put both in B.
    values = _la_values(lait_long, "2yr_Ofsted_rating", "2020")
    assert quartile_cut_points(values)[2] == 99.1
    table = rank_and_band(values, HIGH)
    assert table.loc[811].tolist() == [39, 150, "B"]
    assert table.loc[921].tolist() == [38, 150, "A"]


def test_measures_with_no_polarity_or_no_quartile_flag(lait_long: pd.DataFrame) -> None:
    if not LAIT_DICTIONARY.exists():
        pytest.skip(f"LAIT data dictionary not found at {LAIT_DICTIONARY}")
    dictionary = pd.read_csv(LAIT_DICTIONARY).drop_duplicates("Measure_short")
    meta = dictionary.set_index("Measure_short")
    # CPP rate per 10,000 has polarity "-": LAIT shows no rank and no band.
    cpp_polarity = polarity_from_lait(meta.loc["CPP_rate", "Polarity"])
    assert cpp_polarity == NONE
    cpp = rank_and_band(_la_values(lait_long, "CPP_rate", "2017"), cpp_polarity)
    assert cpp["rank"].isna().all() and cpp["quartile"].isna().all()
    # Vacancies covered by agency workers: polarity High, No_Quartile "N": ranked, no band.
    polarity = polarity_from_lait(meta.loc["Vacancies_cover", "Polarity"])
    no_band = no_quartile_from_lait(meta.loc["Vacancies_cover", "No_Quartile"])
    assert (polarity, no_band) == (HIGH, True)
    vacancies = rank_and_band(
        _la_values(lait_long, "Vacancies_cover", "2017"), polarity, no_quartile=no_band
    )
    assert vacancies.loc[DONCASTER, "rank"] == 44
    assert vacancies.loc[DONCASTER, "of"] == 144
    assert vacancies["quartile"].isna().all()
    # And the measures used above carry the polarities the tests assumed.
    assert polarity_from_lait(meta.loc["ReReferral", "Polarity"]) == LOW
    assert polarity_from_lait(meta.loc["Continue_Assess_Comp", "Polarity"]) == HIGH


def test_position_text_uses_the_nearer_end() -> None:
    from analysis.engine.ranking import position_text, position_values, rank_text

    assert position_text(132, 20, 151) == "20th highest of 151"
    assert position_text(3, 149, 151) == "3rd lowest of 151"
    assert position_text(76, 76, 151) == "76th highest of 151"
    assert [position_text(n, 200, 300) for n in (1, 2, 11, 12, 13, 21, 22, 111)] == [
        "1st lowest of 300", "2nd lowest of 300", "11th lowest of 300", "12th lowest of 300",
        "13th lowest of 300", "21st lowest of 300", "22nd lowest of 300", "111th lowest of 300"]
    assert rank_text(142, 152) == "142 of 152"
    assert rank_text(pd.NA, 152) == ""
    assert position_values(pd.Series([5.0, 1.0, 5.0])).tolist() == [2, 1, 2]
