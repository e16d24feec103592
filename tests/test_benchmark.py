"""The benchmark engine on hand-made tables (every expected number worked by hand)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import NoDataError, ParameterError
from analysis.data.geography import resolve_la
from analysis.engine.benchmark import (
    all_la_values,
    benchmark_table,
    direction_of_travel,
    rank_all,
)


def _rows(indicator: str, year: int, values: dict[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame([
        {"indicator": indicator, "year": year, "period": f"{year - 1}-{year % 100:02d}", "level": "la",
         "area_code": f"E0{code}", "old_la_code": code, "area_name": code, "region_code": "E12000003",
         "region_name": "Yorkshire and The Humber", "value": v, "numerator": None, "denominator": None,
         "status": "published" if v is not None else "c", "source": "test"}
        for code, v in values.items()
    ])


def test_rank_all_min_ties_and_bands_both_polarities(catalogue):
    # Five LAs: 10, 20, 20, 30, 40 (+ one suppressed). Lower is better (re_referrals):
    # ranks 1, 2, 2, 4, 5; R type-7 cut points: Q1 = 20, Q2 = 20, Q3 = 30.
    # Bands: 10 <= Q1 -> A; 20 <= Q1 -> A; 30 <= Q3 -> C; 40 > Q3 -> D.
    values = {"101": 10.0, "102": 20.0, "103": 20.0, "104": 30.0, "105": 40.0, "106": None}
    lower = rank_all(_rows("re_referrals", 2017, values), catalogue).set_index("old_la_code")
    assert lower["rank"].tolist()[:5] == [1, 2, 2, 4, 5]
    assert pd.isna(lower.loc["106", "rank"])
    assert (lower["of"].dropna() == 5).all()
    assert lower["quartile"].tolist()[:5] == ["A", "A", "A", "C", "D"]
    # Higher is better (assessments_45_days): ranks reverse, 40 is 1st; bands mirror:
    # 40 > Q3 -> A; 30 on Q3 -> B; 20 on Q1 -> D; 10 -> D.
    higher = rank_all(_rows("assessments_45_days", 2017, values), catalogue).set_index("old_la_code")
    assert higher["rank"].tolist()[:5] == [5, 3, 3, 2, 1]
    assert higher["quartile"].tolist()[:5] == ["D", "D", "D", "B", "A"]


def test_no_polarity_means_a_position_and_no_band(catalogue):
    # 10, 20, 20, 30 (+ one suppressed): from the lowest 1, 2, 2, 4; from the highest 4, 2, 2, 1.
    values = {"101": 10.0, "102": 20.0, "103": 20.0, "104": 30.0, "105": None}
    ranked = rank_all(_rows("cin_rate", 2017, values), catalogue).set_index("old_la_code")
    assert ranked["rank"].tolist()[:4] == [1, 2, 2, 4] and pd.isna(ranked.loc["105", "rank"])
    assert ranked["rank_from_highest"].tolist()[:4] == [4, 2, 2, 1]
    assert (ranked["of"] == 4).all()
    assert (ranked["rank_kind"] == "position").all()
    assert ranked["quartile"].isna().all()
    judged = rank_all(_rows("re_referrals", 2017, values), catalogue)
    assert (judged["rank_kind"] == "rank").all() and judged["rank_from_highest"].isna().all()


def test_doncaster_referral_rate_2016_17_is_20th_highest_of_151(bench_table, catalogue, paths):
    # The Q4 2017/18 report: referral rate "in the highest proportion nationally (20 /151)".
    from analysis.engine.ranking import rank_text
    from analysis.engine.tables import format_benchmark_table

    la = resolve_la("Doncaster")
    row = benchmark_table(bench_table, la, catalogue, indicators=["referral_rate"], years=[2017],
                          paths=paths).iloc[0]
    assert (row["rank"], row["of"], row["rank_from_highest"]) == (132, 151, 20)
    assert row["rank_kind"] == "position" and pd.isna(row["quartile"])
    assert rank_text(row["rank"], row["of"], row["rank_kind"], row["rank_from_highest"]) == "20th highest of 151"
    assert format_benchmark_table(pd.DataFrame([row]))["Rank"].iloc[0] == "20th highest of 151"


def test_direction_of_travel_by_polarity():
    cur = pd.Series([27.1, 20.0, 85.5, 80.0, 5.0, 5.0, None])
    prev = pd.Series([26.0, 22.0, 80.0, 85.0, 4.0, 5.04, 3.0])
    pol = pd.Series(["lower_is_better", "lower_is_better", "higher_is_better", "higher_is_better",
                     "none", "lower_is_better", "none"])
    got = direction_of_travel(cur, prev, pol, 1).tolist()
    assert got == ["worsened", "improved", "improved", "worsened", "higher", "no change", "no comparison"]


def test_doncaster_series_has_trend_and_all_years(bench_table, catalogue, paths):
    la = resolve_la("Doncaster")
    series = benchmark_table(bench_table, la, catalogue, indicators=["re_referrals"], paths=paths)
    assert series["year"].tolist() == list(range(2013, 2026))
    r2017 = series.set_index("year").loc[2017]
    r2016 = series.set_index("year").loc[2016]
    assert r2017["previous_value"] == r2016["value"]
    # 2016 -> 2017 rose; lower is better, so worsened.
    assert r2016["value"] < r2017["value"] and r2017["direction"] == "worsened"
    assert r2017["diff_england"] == pytest.approx(27.1 - 21.9)
    assert series.set_index("year").loc[2025, "sn_version"] == "2025"
    assert r2017["sn_version"] == "2021"
    assert pd.isna(series.iloc[0]["previous_value"])


def test_neighbour_version_override(bench_table, catalogue, paths):
    la = resolve_la("Doncaster")
    row = benchmark_table(bench_table, la, catalogue, indicators=["re_referrals"], years=[2017],
                          neighbours_version="2025", paths=paths).iloc[0]
    assert row["sn_version"] == "2025" and row["sn_count"] == 10


def test_reorganised_neighbours_counted_only_with_values(bench_table, catalogue, paths):
    # North Northamptonshire's neighbours (2021 list) include West Northamptonshire, which has
    # no figures before 2022: the mean is over the neighbours with a value, and says how many.
    la = resolve_la("North Northamptonshire")
    with pytest.raises(NoDataError):
        benchmark_table(bench_table, la, catalogue, indicators=["re_referrals"], years=[2017], paths=paths)
    row = benchmark_table(bench_table, resolve_la("Leicestershire"), catalogue,
                          indicators=["re_referrals"], years=[2017], paths=paths).iloc[0]
    assert row["sn_count"] <= row["sn_size"] == 10


def test_unknown_year_and_indicator_say_what_exists(bench_table, catalogue, paths):
    la = resolve_la("Doncaster")
    with pytest.raises(ParameterError, match="2013-2025"):
        benchmark_table(bench_table, la, catalogue, indicators=["re_referrals"], years=[2030], paths=paths)
    with pytest.raises(ParameterError, match="re_referrals"):
        benchmark_table(bench_table, la, catalogue, indicators=["rereferrals"], paths=paths)


def test_all_la_values_best_first(bench_table, catalogue):
    table = all_la_values(bench_table, "re_referrals", 2017, catalogue)
    assert len(table) == 152
    assert table["rank"].iloc[0] == 1 and table["value"].is_monotonic_increasing
    don = table[table.area_name == "Doncaster"].iloc[0]
    assert (don["rank"], don["quartile"]) == (142, "D")
    assert set(table["quartile"]) == {"A", "B", "C", "D"}


def test_benchmark_rows_for_several_las_are_each_las_benchmark_table(bench_table, catalogue, paths):
    """One pass for several LAs gives, LA by LA, exactly what benchmark_table gives for each:
    Doncaster (its published 27.1% re-referrals in 2016-17), a neighbour, an LA in another
    region, and one created in 2019 (no 2016-17 figures: rows without values, not an error)."""
    from analysis.engine.benchmark import benchmark_rows

    names = ["Doncaster", "Rotherham", "Lancashire", "Dorset"]
    las = [resolve_la(n) for n in names]
    both = benchmark_rows(bench_table, las, catalogue, years=[2016, 2017], paths=paths)
    assert list(dict.fromkeys(both["la_name"])) == [la.name for la in las]
    for la in las:
        mine = both[both["la_code"] == la.new_code].reset_index(drop=True)
        try:
            alone = benchmark_table(bench_table, la, catalogue, years=[2016, 2017], paths=paths)
        except NoDataError:
            assert mine["value"].isna().all()
            continue
        pd.testing.assert_frame_equal(mine, alone, check_exact=False, rtol=1e-12)
    don = both[(both["la_name"] == "Doncaster") & (both["indicator"] == "re_referrals") & (both["year"] == 2017)]
    assert don[["value", "england", "region", "rank", "of"]].iloc[0].tolist() == [27.1, 21.9, 21.5, 142, 152]
