"""Tests for analysis.engine.judgement: counts behind each value, intervals, judgements, gaps.

Each expected number says where it came from: worked by hand from the formula shown beside
it (z = 1.959964 at 95%, 3.090232 at 99.8%), a published table, or DfE's published figures
(Doncaster 2016-17, from the CIN census 2017 release and LAIT).
"""

from __future__ import annotations

import io
import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.app.cli import app
from analysis.core.errors import InputDataError, ParameterError
from analysis.data.geography import load_areas, resolve_la
from analysis.engine.benchmark import benchmark_table
from analysis.engine.judgement import (
    JUDGEMENT_COLUMNS,
    NOTE_BAD_COUNT,
    NOTE_DENOMINATOR_DERIVED,
    NOTE_INCONSISTENT,
    NOTE_NO_COUNTS,
    NOTE_NO_VALUE,
    NOTE_NOT_SCALABLE,
    NOTE_NUMERATOR_DERIVED,
    NOTE_OUT_OF_RANGE,
    NOTE_PUBLISHED,
    NOTE_TOO_COARSE,
    NOTE_ZERO_VALUE,
    add_intervals,
    interval_counts,
    judge_table,
    level_text,
    parse_level,
)
from analysis.engine.tables import format_benchmark_table

NAN = float("nan")
JUDGEMENTS = {"better", "similar", "worse", "higher", "lower", "not compared"}


def rows(*records: dict) -> pd.DataFrame:
    """A benchmark-like table from a few fields; the rest default to a 1-decimal percentage."""
    base = {"indicator": "x", "unit": "percent", "polarity": "lower_is_better", "decimals": 1,
            "value": NAN, "numerator": NAN, "denominator": NAN, "england": NAN, "region": NAN,
            "sn_mean": NAN}
    return pd.DataFrame([{**base, **r} for r in records])


# ------------------------------------------------------------------------------ levels

@pytest.mark.parametrize(("given", "expected"), [
    ("95", 0.95), ("99.8", 0.998), (95, 0.95), (0.95, 0.95), ("95%", 0.95), (0.998, 0.998),
    ("90", 0.9),
])
def test_parse_level(given, expected):
    assert parse_level(given) == expected


@pytest.mark.parametrize("bad", ["high", "", "100", "50", 0.3, "-95"])
def test_parse_level_refuses_nonsense(bad):
    with pytest.raises(ParameterError, match="level"):
        parse_level(bad)


def test_level_text():
    assert (level_text(0.95), level_text(0.998)) == ("95%", "99.8%")


# ------------------------------------------------------------------------------ counts used

def test_published_counts_that_give_the_value_are_used_as_they_are():
    # Doncaster 2016-17 re-referrals: 1,429 of 5,275 = 27.09%, published 27.1%.
    c = interval_counts(rows({"value": 27.1, "numerator": 1429, "denominator": 5275})).iloc[0]
    assert (c.ci_numerator, c.ci_denominator) == (1429, 5275)
    assert (c.numerator_source, c.denominator_source, c.ci_note) == (
        "published", "published", NOTE_PUBLISHED)


def test_percentage_with_a_count_only_derives_its_denominator():
    # 70 children at 70% (shown as a whole number): denominator 70 x 100 / 70 = 100.
    # Rounding 70% can move it by at most 0.5 / 70 = 0.7%, inside the 5% allowed.
    c = interval_counts(rows({"value": 70, "decimals": 0, "numerator": 70})).iloc[0]
    assert c.ci_denominator == pytest.approx(100)
    assert (c.numerator_source, c.denominator_source, c.ci_note) == (
        "published", "derived", NOTE_DENOMINATOR_DERIVED)


def test_rate_with_a_count_derives_its_population():
    # Doncaster 2016-17 referrals: 5,275 at 804.1 per 10,000 -> 5,275 x 10,000 / 804.1
    # = 65,601.29 children (stats.md: "5,275 referrals at 804.1 per 10,000 imply 65,601").
    c = interval_counts(rows({"unit": "rate_per_10000", "polarity": "none", "value": 804.1,
                              "numerator": 5275})).iloc[0]
    assert c.ci_denominator == pytest.approx(65_601.29, abs=0.01)
    assert c.denominator_source == "derived"


def test_rate_per_100000_uses_its_own_multiplier():
    # 30 first-time entrants at 150 per 100,000: 30 x 100,000 / 150 = 20,000 young people.
    c = interval_counts(rows({"unit": "rate_per_100000", "value": 150, "decimals": 0,
                              "numerator": 30})).iloc[0]
    assert c.ci_denominator == pytest.approx(20_000)


def test_percentage_with_a_denominator_only_derives_its_count():
    # Doncaster 2016-17 care leavers in suitable accommodation: 90% of 165 (no count
    # published) -> 0.90 x 165 = 148.5, not rounded so the interval is centred on 90%.
    c = interval_counts(rows({"value": 90, "decimals": 0, "denominator": 165})).iloc[0]
    assert c.ci_numerator == pytest.approx(148.5)
    assert (c.numerator_source, c.denominator_source, c.ci_note) == (
        "derived", "published", NOTE_NUMERATOR_DERIVED)


def test_counts_that_do_not_give_the_published_value_yield_to_it():
    # Doncaster 2016-17 care leavers in EET: LAIT gives 75 of 165 (45.5%) but publishes 47%,
    # more than half a point away. The published percentage wins: 0.47 x 165 = 77.55.
    c = interval_counts(rows({"value": 47, "decimals": 0, "numerator": 75,
                              "denominator": 165})).iloc[0]
    assert c.ci_numerator == pytest.approx(77.55)
    assert (c.numerator_source, c.ci_note) == ("derived", NOTE_INCONSISTENT)


def test_consistency_allows_half_a_unit_of_the_shown_decimals():
    # 7 of 427 = 1.639%, published 1.6 (1 decimal): 0.039 <= 0.05, so consistent.
    c = interval_counts(rows({"value": 1.6, "numerator": 7, "denominator": 427})).iloc[0]
    assert c.numerator_source == "published"


@pytest.mark.parametrize(("value", "derived"), [
    (10, True),   # 0.5 / 10 = 5%: exactly at the limit, derived
    (9, False),   # 0.5 / 9 = 5.6%: too coarse
    (4, False),   # 0.5 / 4 = 12.5%
])
def test_a_coarse_value_gives_no_denominator(value, derived):
    c = interval_counts(rows({"value": value, "decimals": 0, "numerator": 3})).iloc[0]
    assert (c.denominator_source == "derived") is derived
    if not derived:
        assert (c.denominator_source, c.ci_note) == ("none", NOTE_TOO_COARSE)


@pytest.mark.parametrize(("record", "note"), [
    ({"value": NAN, "numerator": 5, "denominator": 50}, NOTE_NO_VALUE),
    ({"unit": "count", "value": 2646}, NOTE_NOT_SCALABLE),
    ({"unit": "days", "value": 12, "numerator": 3, "denominator": 4}, NOTE_NOT_SCALABLE),
    ({"value": 85.5}, NOTE_NO_COUNTS),
    ({"value": 101.0, "denominator": 50}, NOTE_OUT_OF_RANGE),
    ({"unit": "rate_per_10000", "value": 0.0, "numerator": 0}, NOTE_ZERO_VALUE),
    ({"value": 20.0, "numerator": 0}, NOTE_BAD_COUNT),
])
def test_not_compared_and_why(record, note):
    c = interval_counts(rows(record)).iloc[0]
    assert (c.numerator_source, c.denominator_source, c.ci_note) == ("none", "none", note)
    assert math.isnan(c.ci_numerator) and math.isnan(c.ci_denominator)


# ------------------------------------------------------------------------------ intervals

def test_wilson_interval_for_doncaster_rereferrals_by_hand():
    # Wilson: (2O + z^2 -/+ z*sqrt(z^2 + 4*O*q)) / (2(n + z^2)), O = 1,429, n = 5,275,
    # q = 3,846/5,275 = 0.729100, z^2 = 3.841459: 4Oq = 4,167.54, sqrt(4,171.38) = 64.586,
    # z * 64.586 = 126.59; (2,861.84 -/+ 126.59) / 10,557.68 = 0.259077, 0.283057.
    # At 99.8% (z^2 = 9.549534) the same working gives 25.24% and 29.02% (stats.md).
    out = add_intervals(rows({"value": 27.1, "numerator": 1429, "denominator": 5275})).iloc[0]
    assert out.ci_low_95 == pytest.approx(25.9077, abs=1e-3)
    assert out.ci_high_95 == pytest.approx(28.3057, abs=1e-3)
    assert out.ci_low_99_8 == pytest.approx(25.24, abs=0.01)
    assert out.ci_high_99_8 == pytest.approx(29.02, abs=0.01)
    assert (out.ci_low, out.ci_high, out.level) == (out.ci_low_95, out.ci_high_95, 0.95)
    assert out.ci_method == "Wilson score"


def test_byar_interval_for_a_rate_with_a_derived_population_by_hand():
    # Byar, O = 5,275: sqrt(O) = 72.629, z/(3 sqrt O) = 0.0089953, 1/(9O) = 0.0000211,
    # lower count = 5,275 x 0.9909836^3 = 5,133.6; upper: O + 1 = 5,276, 1/(9 x 5,276) =
    # 0.0000211, z/(3 x 72.636) = 0.0089944, 5,276 x 1.0089733^3 = 5,419.3.
    # Rates: 5,133.6 / 65,601.29 x 10,000 = 782.55 and 5,419.3 / 65,601.29 x 10,000 = 826.10.
    out = add_intervals(rows({"unit": "rate_per_10000", "polarity": "none", "value": 804.1,
                              "numerator": 5275})).iloc[0]
    assert out.ci_low_95 == pytest.approx(782.55, abs=0.01)
    assert out.ci_high_95 == pytest.approx(826.10, abs=0.01)
    assert out.ci_method == "Byar"


def test_small_counts_use_the_exact_poisson_interval():
    # 5 events at 2.5 per 10,000 (population 20,000). Exact limits for a count of 5
    # (published tables, e.g. PHE Technical Guide: 1.6235 and 11.6683) divided by 20,000
    # x 10,000: 0.8117 and 5.8342.
    out = add_intervals(rows({"unit": "rate_per_10000", "value": 2.5, "numerator": 5})).iloc[0]
    assert out.ci_method == "exact Poisson"
    assert out.ci_low_95 == pytest.approx(0.8117, abs=1e-4)
    assert out.ci_high_95 == pytest.approx(5.8342, abs=1e-4)


def test_zero_count_and_one_hundred_percent():
    # 0 of 40: lower exactly 0, upper z^2 / (n + z^2) = 3.841459 / 43.841459 = 8.762%.
    # 40 of 40: upper exactly 100%, lower n / (n + z^2) = 40 / 43.841459 = 91.238%.
    out = judge_table(rows(
        {"value": 0.0, "numerator": 0, "denominator": 40, "england": 5.0, "sn_mean": 10.0},
        {"polarity": "higher_is_better", "value": 100.0, "numerator": 40, "denominator": 40,
         "england": 95.0, "sn_mean": 90.0},
    ))
    zero, full = out.iloc[0], out.iloc[1]
    assert zero.ci_low == 0.0 and zero.ci_high == pytest.approx(8.762, abs=1e-3)
    assert full.ci_high == 100.0 and full.ci_low == pytest.approx(91.238, abs=1e-3)
    # 5% lies inside 0-8.76%: similar; 10% lies above it and lower is better: better.
    assert (zero.vs_england, zero.vs_neighbours) == ("similar", "better")
    # 95% lies inside 91.2-100%: similar; 90% lies below it and higher is better: better.
    assert (full.vs_england, full.vs_neighbours) == ("similar", "better")
    # Gaps: 0 - 5% x 40 = -2 (two fewer); 40 - 95% x 40 = +2.
    assert zero.gap_children_england == pytest.approx(-2.0)
    assert full.gap_children_england == pytest.approx(2.0)


# ------------------------------------------------------------------------------ judgements

def test_the_level_decides_the_judgement():
    # 30 of 100 against 20%. 95%: 4Oq = 84, sqrt(87.8415) = 9.3724, x 1.959964 = 18.369;
    # lower = (63.8415 - 18.369) / 207.683 = 21.90% > 20: worse (lower is better).
    # 99.8%: sqrt(84 + 9.549534) = 9.6721, x 3.090232 = 29.889; lower = (69.5495 - 29.889)
    # / 219.099 = 18.10% < 20: similar.
    record = {"value": 30.0, "numerator": 30, "denominator": 100, "england": 20.0}
    at_95 = judge_table(rows(record)).iloc[0]
    at_998 = judge_table(rows(record), level="99.8").iloc[0]
    assert at_95.ci_low == pytest.approx(21.90, abs=0.01) and at_95.vs_england == "worse"
    assert at_998.ci_low == pytest.approx(18.10, abs=0.01) and at_998.vs_england == "similar"
    assert at_998.level == 0.998 and at_998.ci_low == at_998.ci_low_99_8


def test_polarity_none_says_higher_or_lower():
    out = judge_table(rows({"polarity": "none", "value": 30.0, "numerator": 30,
                            "denominator": 100, "england": 20.0, "region": 40.0,
                            "sn_mean": 30.0})).iloc[0]
    # Interval 21.9-39.4% (95%, worked above for the upper limit: (63.8415 + 18.369) / 207.683).
    assert (out.vs_england, out.vs_region, out.vs_neighbours) == ("higher", "lower", "similar")


def test_a_missing_comparator_is_not_compared_alone():
    out = judge_table(rows({"value": 30.0, "numerator": 30, "denominator": 100,
                            "england": 20.0})).iloc[0]
    assert (out.vs_england, out.vs_region, out.vs_neighbours) == (
        "worse", "not compared", "not compared")
    assert math.isnan(out.gap_children_neighbours)


def test_no_interval_means_nothing_is_compared():
    out = judge_table(rows({"unit": "count", "value": 2646, "england": 389040.0,
                            "region": 40200.0, "sn_mean": 1957.5})).iloc[0]
    assert (out.vs_england, out.vs_region, out.vs_neighbours) == ("not compared",) * 3
    assert out.ci_method == "" and math.isnan(out.gap_children_england)


def test_judge_table_keeps_input_and_adds_named_columns():
    bench = rows({"value": 27.1, "numerator": 1429, "denominator": 5275, "england": 21.9})
    before = bench.copy()
    out = judge_table(bench)
    pd.testing.assert_frame_equal(bench, before)
    assert list(out.columns) == list(bench.columns) + JUDGEMENT_COLUMNS
    assert out.index.equals(bench.index)


def test_catalogue_fills_unit_and_polarity(catalogue):
    bench = rows({"indicator": "re_referrals", "value": 27.1, "numerator": 1429,
                  "denominator": 5275, "england": 21.9}).drop(columns=["unit", "polarity",
                                                                       "decimals"])
    out = judge_table(bench, catalogue).iloc[0]
    assert (out.unit, out.polarity, out.vs_england) == ("percent", "lower_is_better", "worse")
    with pytest.raises(ParameterError, match="catalogue"):
        judge_table(bench)


def test_bad_tables_are_refused():
    with pytest.raises(InputDataError, match="sn_mean"):
        judge_table(rows({"value": 1.0}).drop(columns=["sn_mean"]))
    with pytest.raises(InputDataError, match="polarity"):
        judge_table(rows({"value": 1.0, "polarity": "up"}))


# ------------------------------------------------------------------------------ real figures

@pytest.fixture(scope="module")
def doncaster_2017(bench_table, catalogue, paths):
    la = resolve_la("Doncaster", load_areas(paths.root))
    bench = benchmark_table(bench_table, la, catalogue, years=[2017], paths=paths)
    return judge_table(bench, catalogue).set_index("indicator")


def test_doncaster_rereferrals_published_figures(doncaster_2017):
    r = doncaster_2017.loc["re_referrals"]
    # CIN census 2017, table C1: Doncaster 1,429 re-referrals of 5,275 referrals, 27.1%;
    # England 21.9%. Neighbours' mean 20.12 (ten neighbours, test_published_figures).
    assert (r.value, r.numerator, r.denominator, r.england) == (27.1, 1429, 5275, 21.9)
    assert (r.numerator_source, r.denominator_source) == ("published", "published")
    assert (round(r.ci_low_95, 1), round(r.ci_high_95, 1)) == (25.9, 28.3)
    assert (round(r.ci_low_99_8, 1), round(r.ci_high_99_8, 1)) == (25.2, 29.0)
    assert (r.vs_england, r.vs_region, r.vs_neighbours) == ("worse", "worse", "worse")
    # Gaps: 1,429 - 21.9% x 5,275 = 1,429 - 1,155.225 = 273.775 more re-referrals than at
    # England's rate; 1,429 - 20.12% x 5,275 = 1,429 - 1,061.33 = 367.67 more than at the
    # neighbours' (the rounded 27.1 - 20.1 = 7.0 points of 5,275 would give about 369).
    assert r.gap_children_england == pytest.approx(273.775, abs=1e-6)
    assert r.gap_children_neighbours == pytest.approx(367.67, abs=1e-6)


def test_doncaster_referral_rate_derived_population(doncaster_2017):
    r = doncaster_2017.loc["referral_rate"]
    # 5,275 referrals at 804.1 per 10,000 -> 65,601.29 children; England 548.2 per 10,000
    # would give 548.2 x 6.560129 = 3,596.26 referrals, so the gap is 1,678.74.
    assert r.denominator_source == "derived" and r.numerator_source == "published"
    assert r.ci_denominator == pytest.approx(65_601.29, abs=0.01)
    assert r.gap_children_england == pytest.approx(1678.74, abs=0.01)
    assert (r.vs_england, r.vs_region, r.vs_neighbours) == ("higher", "higher", "higher")


def test_doncaster_rows_without_counts_are_not_compared(doncaster_2017):
    for indicator in ["assessments_45_days", "s47_rate", "cin_count", "sw_caseload"]:
        r = doncaster_2017.loc[indicator]
        assert r.denominator_source == "none" and r.vs_england == "not compared", indicator


@pytest.mark.parametrize("la_name", ["Doncaster", "Rotherham", "Lancashire"])
def test_every_row_gets_a_valid_judgement(bench_table, catalogue, paths, la_name):
    la = resolve_la(la_name, load_areas(paths.root))
    bench = benchmark_table(bench_table, la, catalogue, paths=paths)
    out = judge_table(bench, catalogue, level=0.998)
    for column in ("vs_england", "vs_region", "vs_neighbours"):
        assert set(out[column]) <= JUDGEMENTS
    has = out["ci_low"].notna()
    assert (out.loc[has, "ci_low"] <= out.loc[has, "value"] + 0.5).all()
    assert (out.loc[has, "ci_high"] >= out.loc[has, "value"] - 0.5).all()
    # 99.8% intervals contain the 95% ones.
    assert (out.loc[has, "ci_low_99_8"] <= out.loc[has, "ci_low_95"]).all()
    assert (out.loc[has, "ci_high_99_8"] >= out.loc[has, "ci_high_95"]).all()
    # Judgements follow the interval: "similar" exactly when the comparator is inside.
    inside = (out["ci_low"] <= out["england"]) & (out["england"] <= out["ci_high"])
    assert ((out["vs_england"] == "similar") == (inside & has)).all()


# ------------------------------------------------------------------------------ table and CLI

def test_formatted_table_shows_interval_and_judgements(doncaster_2017):
    text = format_benchmark_table(doncaster_2017.reset_index().iloc[:1])
    row = text.iloc[0]
    assert row["95% interval"] == "25.9 to 28.3"
    assert (row["vs England"], row["vs region"], row["vs neighbours"]) == ("worse",) * 3


def test_formatted_table_without_judgements_is_unchanged(bench_table, catalogue, paths):
    la = resolve_la("Doncaster", load_areas(paths.root))
    bench = benchmark_table(bench_table, la, catalogue, indicators=["re_referrals"],
                            years=[2017], paths=paths)
    assert "vs England" not in format_benchmark_table(bench).columns


runner = CliRunner()


def test_cli_prints_interval_judgements_and_sentences(bench_table):
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017",
                                 "--indicator", "re_referrals", "--level", "99.8"])
    assert result.exit_code == 0, result.output
    assert "99.8% interval" in result.stdout and "25.2 to 29.0" in result.stdout
    words = " ".join(result.stdout.split())  # the sentences are wrapped at 100 characters
    assert "At 99.8% confidence Doncaster is worse than England" in words
    assert "about 368 fewer re-referrals" in words


def test_cli_csv_has_the_judgement_columns(bench_table):
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout)).set_index("indicator")
    assert {*JUDGEMENT_COLUMNS, "sentence"} <= set(frame.columns)
    assert frame.loc["re_referrals", "vs_england"] == "worse"
    assert frame.loc["re_referrals", "level"] == 0.95


def test_cli_bad_level_is_a_short_error(bench_table):
    result = runner.invoke(app, ["benchmark", "--la", "Doncaster", "--level", "high"])
    assert result.exit_code == 2
    assert "level" in result.output and "Traceback" not in result.output
