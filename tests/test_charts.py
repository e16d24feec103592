"""Tests of the chart module: house style, saving, benchmark, quarterly and statistics charts.

Benchmark charts are drawn from the real DfE figures for Doncaster, 2016-17 (re-referrals
within 12 months): Doncaster 27.1% (1,429 of 5,275), England 21.9%, Yorkshire and The Humber
21.5%, neighbour mean 20.1%, rank 142 of 152, band D (DfE Children in need 2016-17, table C1;
the same figures the council quoted in seed 001 para 25.2). Other charts use hand-made frames.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.charts import benchmark as cb
from analysis.charts import quarterly as cq
from analysis.charts import statistics as cs
from analysis.charts import trends as ct
from analysis.charts.style import (
    COLOURS,
    STATUS_STYLE,
    UnitFormatter,
    add_source,
    format_value,
    new_figure,
    spread_positions,
)
from analysis.core.errors import InputDataError, NoDataError, ParameterError

SOURCE = "Source: DfE, Children in need 2016-17 (table C1)"


def texts(ax) -> list[str]:
    """Every piece of text drawn on the figure holding ``ax``."""
    return [t.get_text() for t in ax.figure.findobj(Text) if t.get_text()]


def joined(ax) -> str:
    """All the figure's text as one string, line breaks from wrapping made spaces."""
    return " ".join(" ".join(texts(ax)).split())


def bars_of(ax) -> list:
    return [p for p in ax.patches if p.get_gid() == "bars"]


def by_gid(ax, gid: str) -> list:
    return [a for a in ax.figure.findobj() if getattr(a, "get_gid", lambda: None)() == gid]


def same_colour(a, b) -> bool:
    return np.allclose(to_rgba(a), to_rgba(b))


# --- real data -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def real():
    from analysis.core.config import Paths
    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import resolve_la
    from analysis.engine.benchmark import (
        all_la_values,
        benchmark_table,
        load_benchmarks,
        neighbour_values,
    )

    paths = Paths.for_root()
    cat = load_catalogue(paths.config / "indicators.yaml")
    if not paths.benchmarks_table.exists():
        from analysis.data.prepare import prepare_benchmarks

        prepare_benchmarks(paths)
    table = load_benchmarks(paths)
    la = resolve_la("Doncaster")
    bench = benchmark_table(table, la, cat, indicators=["re_referrals"])
    return {
        "indicator": cat.get("re_referrals"),
        "series": bench,
        "row": bench[bench["year"] == 2017].iloc[0],
        "nb": neighbour_values(table, la, "re_referrals", 2017),
        "all": all_la_values(table, "re_referrals", 2017, cat),
    }


# --- style ---------------------------------------------------------------------------------

def test_format_value_by_unit():
    assert format_value(27.1, "percent", 1) == "27.1%"
    assert format_value(5275, "count", 0) == "5,275"
    assert format_value(804.06, "rate_per_10000", 1) == "804.1"
    assert format_value(float("nan"), "percent", 1) == "no figure"
    assert format_value(pd.NA, "count", 0) == "no figure"


def test_axis_formatter_uses_the_decimals_the_ticks_need():
    f = UnitFormatter("percent")
    f.set_locs([17.5, 20.0, 22.5])
    assert [f(v) for v in (17.5, 20.0)] == ["17.5%", "20.0%"]
    f.set_locs([0, 10, 20])
    assert f(10) == "10%"


def test_spread_positions_moves_close_labels_apart_around_their_centre():
    # 0 and 0.1 are closer than the gap of 1: centred on 0.05 they go to -0.45 and 0.55;
    # 5 is far enough away and stays put.
    out = spread_positions([0.0, 0.1, 5.0], 1.0)
    assert out == pytest.approx([-0.45, 0.55, 5.0])
    assert spread_positions([3.0, 1.0], 0.5) == [3.0, 1.0]


def test_a_chart_without_a_source_is_refused():
    ax = new_figure().add_subplot()
    with pytest.raises(ParameterError, match="source"):
        add_source(ax, "  ")


def test_a_chart_is_drawn_as_png_svg_and_alt_text(real):
    from analysis.render.files import draw_chart

    chart = cb.comparators_bar_chart(real["row"], name="re_referrals", source=SOURCE)
    drawn = draw_chart(chart)
    assert sorted(drawn) == ["charts/re_referrals.png", "charts/re_referrals.svg", "charts/re_referrals.txt"]
    assert drawn["charts/re_referrals.png"][:8] == b"\x89PNG\r\n\x1a\n"
    svg = drawn["charts/re_referrals.svg"].decode("utf-8")
    assert "<svg" in svg and "27.1%" in svg  # text kept as text (svg.fonttype none)
    assert "<dc:date>" not in svg  # no date in the SVG: the same chart gives the same file
    assert drawn["charts/re_referrals.txt"].decode("utf-8") == " ".join(chart.alt_text.split()) + "\n"


# --- benchmark charts (real Doncaster 2016-17) ---------------------------------------------

def test_comparators_bar_highlights_the_la(real):
    ax = cb.comparators_bar(real["row"], source=SOURCE)
    assert isinstance(ax.figure, Figure)
    bars = ax.patches
    assert len(bars) == 4
    assert [round(b.get_width(), 1) for b in bars] == [27.1, 21.9, 21.5, 20.1]
    assert same_colour(bars[0].get_facecolor(), COLOURS["la"])
    assert all(same_colour(b.get_facecolor(), COLOURS["other"]) for b in bars[1:])
    text = joined(ax)
    for expected in ("27.1%", "21.9%", "21.5%", "20.1%", "rank 142 of 152, quartile D",
                     "Yorkshire and The Humber", "Lower is better", SOURCE):
        assert expected in text
    assert "SYNTHETIC" not in text


def test_synthetic_label_only_when_asked(real):
    ax = cb.comparators_bar(real["row"], source=SOURCE, synthetic=True)
    assert "SYNTHETIC DATA" in texts(ax)


def test_comparators_bar_alt_text_has_the_numbers(real):
    alt = cb.comparators_bar_chart(real["row"], name="bar", source=SOURCE).alt_text
    for expected in ("Doncaster 27.1%", "England 21.9%", "21.5%", "20.1%", "142 of 152",
                     "quartile D", "worse than England"):
        assert expected in alt
    assert cb.comparators_bar_chart(real["row"], name="bar", source=SOURCE, synthetic=True).alt_text.startswith("SYNTHETIC")


def test_neighbours_ranked_sorted_best_to_worst_with_counts(real):
    nb = real["nb"]
    ax = cb.neighbours_ranked(nb, real["indicator"], england=21.9, sn_mean=20.1, source=SOURCE)
    bars = ax.patches
    assert len(bars) == 11
    # lower is better: top (best, North East Lincolnshire 9.0) to bottom (worst, Doncaster 27.1)
    widths = [b.get_width() for b in sorted(bars, key=lambda b: -b.get_y())]
    assert widths == sorted(widths)
    assert widths[0] == pytest.approx(9.0) and widths[-1] == pytest.approx(27.1)
    la_bars = [b for b in bars if same_colour(b.get_facecolor(), COLOURS["la"])]
    assert len(la_bars) == 1 and la_bars[0].get_width() == pytest.approx(27.1)
    assert "27.1% (1,429)" in texts(ax)
    assert by_gid(ax, "line-england")[0].get_xdata()[0] == pytest.approx(21.9)
    assert by_gid(ax, "line-sn_mean")[0].get_xdata()[0] == pytest.approx(20.1)


def test_neighbours_ranked_lists_a_missing_neighbour(real):
    nb = real["nb"].copy()
    nb.loc[nb["area_name"] == "Barnsley", "value"] = np.nan
    ax = cb.neighbours_ranked(nb, real["indicator"], source=SOURCE)
    assert "no figure" in texts(ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1] == "Barnsley"  # listed last, under the worst
    alt = cb.neighbours_ranked_chart(nb, real["indicator"], name="nb", source=SOURCE, england=21.9, sn_mean=20.1).alt_text
    assert "No figure for Barnsley" in alt and "Doncaster is 27.1%, 10 of 10" in alt


def test_annual_trend_lines_and_gaps(real):
    series = real["series"][real["series"]["year"] != 2015]  # drop a year: a gap
    ax = ct.annual_trend(series, real["indicator"], source=SOURCE)
    la_line = by_gid(ax, "line-value")[0]
    years = list(la_line.get_xdata())
    ys = dict(zip(years, la_line.get_ydata(), strict=True))
    assert ys[2017] == pytest.approx(27.1)
    assert np.isnan(ys[2015])
    for gid in ("line-england", "line-region", "line-sn_mean"):
        assert by_gid(ax, gid)
    assert dict(zip(by_gid(ax, "line-england")[0].get_xdata(),
                    by_gid(ax, "line-england")[0].get_ydata(), strict=True))[2017] == 21.9
    assert same_colour(la_line.get_color(), COLOURS["la"])
    alt = ct.annual_trend_chart(series, real["indicator"], name="trend", source=SOURCE).alt_text
    assert "No figure for Doncaster in 2014-15" in alt


def test_annual_trend_refuses_two_indicators(real):
    two = pd.concat([real["series"], real["series"].assign(indicator="other")])
    with pytest.raises(InputDataError, match="more than one indicator"):
        ct.annual_trend(two, source=SOURCE)


def test_all_las_ranked_highlights_the_la_in_its_band(real):
    ax = cb.all_las_ranked(real["all"], real["indicator"], "371", source=SOURCE, england=21.9)
    bars = bars_of(ax)
    n = int(real["all"]["value"].notna().sum())
    assert n == 152
    assert len(bars) == n
    blue = [i for i, b in enumerate(bars) if same_colour(b.get_facecolor(), COLOURS["la"])]
    assert len(blue) == 1
    assert bars[blue[0]].get_height() == pytest.approx(27.1)
    heights = [b.get_height() for b in bars]
    assert heights == sorted(heights)  # lower is better: best (lowest) on the left
    band_labels = [t.get_text() for t in by_gid(ax, "band-label")]
    assert band_labels == ["A", "B", "C", "D"]
    band_d = by_gid(ax, "band-D")[0].get_x()  # the D band holds Doncaster's bar
    assert band_d <= blue[0]
    assert "Doncaster 27.1%, rank 142 of 152" in texts(ax)
    alt = cb.all_las_ranked_chart(real["all"], real["indicator"], "371", name="all", source=SOURCE, england=21.9).alt_text
    assert "ranked 142 of 152, quartile band D" in alt and "England is 21.9%" in alt


def test_benchmark_chart_bad_input(real):
    with pytest.raises(InputDataError, match="lacks a column"):
        cb.neighbours_ranked(real["nb"].drop(columns=["is_la"]), real["indicator"], source=SOURCE)
    with pytest.raises(ParameterError, match="source"):
        cb.comparators_bar(real["row"], source="")
    empty = real["all"].assign(value=np.nan)
    with pytest.raises(NoDataError):
        cb.all_las_ranked(empty, real["indicator"], "371", source=SOURCE)


# --- quarterly -----------------------------------------------------------------------------

@pytest.fixture
def quarters() -> pd.DataFrame:
    # A1 as in the seed return: target 22, tolerance 28, lower is better; Q3 has no figure.
    return pd.DataFrame({
        "indicator_code": "A1", "label": "Re-referrals within 12 months",
        "period": ["2017-18 Q4", "2017-18 Q1", "2017-18 Q2", "2017-18 Q3"],
        "value": [26.0, 29.5, 27.0, np.nan], "target": 22.0, "tolerance": 28.0,
        "polarity": "lower_is_better", "unit": "percent", "decimals": 0,
        "status": ["inside_tolerance", "outside_tolerance", "inside_tolerance",
                   "inside_tolerance"],
    })


COMPARATORS = {"england": 21.9, "region": 21.4, "sn_mean": 20.1, "year": "2016-17"}


def test_quarterly_trend_target_band_and_status_markers(quarters):
    ax = cq.quarterly_trend(quarters, comparators=COMPARATORS, source=SOURCE)
    target = by_gid(ax, "target-line")[0]
    assert all(seg[0][1] == 22.0 for seg in target.get_segments())
    band = by_gid(ax, "tolerance-band")[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(22.0) and band[:, 1].max() == pytest.approx(28.0)
    outside = by_gid(ax, "status-outside_tolerance")[0]
    inside = by_gid(ax, "status-inside_tolerance")[0]
    assert list(outside.get_ydata()) == [29.5]  # sorted: Q1 first
    assert list(inside.get_ydata()) == [27.0, 26.0]  # Q2, Q4; Q3 has no figure
    assert outside.get_marker() == STATUS_STYLE["outside_tolerance"]["marker"]
    assert inside.get_marker() != outside.get_marker()  # shape, not colour alone
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Q1\n2017-18", "Q2\n2017-18", "Q3\n2017-18", "Q4\n2017-18"]
    # Time is an axis: each quarter at the middle of its dates (Q1 = April to June 2017).
    x = by_gid(ax, "value-line")[0].get_xdata()
    assert mdates.num2date(x[0]).date() == dt.date(2017, 5, 16)
    assert x[1] - x[0] == pytest.approx(91.5, abs=1.0)
    # Q3 has no figure: a gap in the line (NaN), never joined from Q2 to Q4.
    assert np.isnan(by_gid(ax, "value-line")[0].get_ydata()[2])
    text = texts(ax)
    assert "No figure for 2017-18 Q3" in " ".join(" ".join(text).split())
    assert "England 21.9%" in text and "Target 22%" in text and "Tolerance 28%" in text
    assert by_gid(ax, "line-england")[0].get_ydata()[0] == 21.9
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Outside tolerance", "Inside tolerance", "Target", "Between target and tolerance"]


def test_quarterly_trend_value_axis_starts_at_zero(quarters):
    # 88-91% against a target of 85%: still drawn from zero (a zoomed axis made small moves
    # look large), so there is no axis break and no note about one.
    high = quarters.assign(value=[88.0, 90.0, 91.0, np.nan], target=85.0, tolerance=80.0,
                           polarity="higher_is_better", status="on_target")
    ax = cq.quarterly_trend(high, source=SOURCE)
    # top: 91 + 15% of 91 = 104.65
    assert ax.get_ylim() == pytest.approx((0.0, 104.65))
    assert not by_gid(ax, "axis-break") and "does not start at 0" not in joined(ax)
    low = quarters.assign(value=[2.0, 9.0, 5.0, np.nan], target=5.0, tolerance=8.0)
    ax = cq.quarterly_trend(low, source=SOURCE)  # 2-9%: the axis starts at zero
    assert ax.get_ylim()[0] == 0 and not by_gid(ax, "axis-break")


def test_quarterly_trend_missing_quarter_between_rows_is_a_gap(quarters):
    # Q3 not in the rows at all (not just blank): still placed as a gap between Q2 and Q4.
    ax = cq.quarterly_trend(quarters[quarters["period"] != "2017-18 Q3"], source=SOURCE)
    ys = by_gid(ax, "value-line")[0].get_ydata()
    assert len(ys) == 4 and np.isnan(ys[2])


def test_quarterly_trend_reads_comparators_from_columns(quarters):
    ax = cq.quarterly_trend(quarters.assign(region=21.4, year="2016-17"), source=SOURCE)
    assert by_gid(ax, "line-region") and not by_gid(ax, "line-england")


def test_quarterly_trend_alt_text(quarters):
    alt = cq.quarterly_trend_chart(quarters, COMPARATORS, name="a1", source=SOURCE).alt_text
    assert "2017-18 Q1 30% (outside tolerance)" in alt
    assert "2017-18 Q3 no figure;" in alt
    assert "Target 22%, tolerance 28%" in alt and "England 21.9%" in alt


def test_quarterly_trend_bad_input(quarters):
    with pytest.raises(InputDataError, match="unknown status"):
        cq.quarterly_trend(quarters.assign(status="green"), source=SOURCE)
    with pytest.raises(InputDataError, match="more than once"):
        cq.quarterly_trend(pd.concat([quarters, quarters]), source=SOURCE)
    with pytest.raises(InputDataError, match="lacks a column"):
        cq.quarterly_trend(quarters.drop(columns=["status"]), source=SOURCE)


def test_direction_text_arrow_is_movement_word_is_judgement():
    assert cq.direction_text("improved", "lower_is_better") == "↓ improved"
    assert cq.direction_text("worsened", "higher_is_better") == "↓ worse"
    assert cq.direction_text("worsened", "lower_is_better", 27.1, 23.0) == "↑ worse"
    assert cq.direction_text("no change") == "→ no change"
    assert cq.direction_text("higher", "none") == "↑ higher"
    assert cq.direction_text(None) == "–"


# --- statistics ----------------------------------------------------------------------------

@pytest.fixture
def funnel():
    # Flat hand-made limits: 95% from 40 to 60, 99.8% from 30 to 70 around 50.
    limits = pd.DataFrame({"denominator": [10, 100, 1000], "centre": 50.0, "lower_95": 40.0,
                           "upper_95": 60.0, "lower_998": 30.0, "upper_998": 70.0})
    points = pd.DataFrame({"name": ["A", "B", "C", "Doncaster"],
                           "denominator": [100, 100, 100, 1000],
                           "value": [50.0, 65.0, 75.0, 25.0]})
    return points, limits


def test_funnel_plot_highlights_the_la_and_draws_limits(funnel):
    points, limits = funnel
    ax = cs.funnel_plot(points, limits, la_name="Doncaster", source=SOURCE)
    la = by_gid(ax, "la-point")[0]
    assert la.get_offsets().tolist() == [[1000.0, 25.0]]
    assert same_colour(la.get_facecolor()[0], COLOURS["la"])
    assert len(by_gid(ax, "points")[0].get_offsets()) == 2  # A and B inside 99.8%
    assert len(by_gid(ax, "points-outside")[0].get_offsets()) == 1  # C
    assert set(by_gid(ax, "limit-upper-998")[0].get_ydata()) == {70.0}
    assert "Doncaster 25.0%" in texts(ax)
    assert any(t.startswith("Average ") for t in texts(ax))
    ax = cs.funnel_plot(points, limits, la_name="Doncaster", source=SOURCE, centre_label="England")
    assert any(t.startswith("England ") for t in texts(ax))


def test_funnel_plot_accepts_funnel_limits_names(funnel):
    points, limits = funnel
    renamed = limits.rename(columns={"centre": "target", "lower_998": "lower_99_8",
                                     "upper_998": "upper_99_8"})
    cs.funnel_plot(points, renamed, source=SOURCE)
    with pytest.raises(InputDataError, match="upper_95"):
        cs.funnel_plot(points, limits.drop(columns=["upper_95"]), source=SOURCE)


def test_funnel_alt_text_counts_units_beyond_limits(funnel):
    points, limits = funnel
    alt = cs.funnel_chart(points, limits, "Doncaster", name="funnel", source=SOURCE).alt_text
    # B (65) and C (75) are above 60, only C above 70; Doncaster (25) is below 30.
    assert "2 units above the 95% limit (1 above 99.8%) and 1 below it (1 below 99.8%)" in alt
    assert "Doncaster: 25.0% from 1,000, below the 99.8% limit" in alt


@pytest.fixture
def xmr() -> pd.DataFrame:
    return pd.DataFrame({
        "period": [f"2017-{m:02d}" for m in range(1, 9)],
        "value": [20.0, 22.0, 21.0, 23.0, 22.0, 35.0, 21.0, 22.0],
        "mean": 23.25, "lpl": 15.0, "upl": 31.5,
        "outside_limits": [False] * 5 + [True, False, False],
        "shift": False, "trend": False, "two_of_three": False,
        "variation": [None] * 5 + ["special_cause_concerning", None, None],
        "trial": True,
    })


def test_xmr_chart_marks_special_cause_and_trial_limits(xmr):
    ax = cs.xmr_chart(xmr, source=SOURCE, polarity="lower_is_better", target=22.0)
    signal = by_gid(ax, "signal-special_cause_concerning")[0]
    assert list(signal.get_xdata()) == [5.0] and list(signal.get_ydata()) == [35.0]
    assert set(by_gid(ax, "upl-line")[0].get_ydata()) == {31.5}
    assert set(by_gid(ax, "mean-line")[0].get_ydata()) == {23.25}
    assert by_gid(ax, "target-line")[0].get_ydata()[0] == 22.0
    assert "Trial limits: only 8 points (fewer than 12)." in joined(ax)
    alt = cs.xmr_chart_block(xmr, name="xmr", source=SOURCE, target=22.0).alt_text
    assert "1 point show" in alt and "2017-06" in alt and "(trial limits)" in alt
    # Values 20-35 with limits 15-31.5 and target 22: the axis runs from 15 - 5% of 20 = 14 to
    # 35 + 1 = 36, not from zero, and says why in the subtitle and the alt text, not on the plot.
    assert ax.get_ylim() == pytest.approx((14.0, 36.0)) and by_gid(ax, "axis-break")
    note = "The value axis does not start at 0: an XmR chart is read against its mean and process limits."
    assert note in joined(ax) and alt.endswith(note)
    assert not any("does not start" in t.get_text() for t in ax.texts if t.get_gid() != "subtitle")


def test_xmr_chart_tolerates_missing_rule_columns(xmr):
    bare = xmr[["period", "value", "mean", "lpl", "upl"]]
    ax = cs.xmr_chart(bare, source=SOURCE)
    assert not any(str(a.get_gid()).startswith("signal-") for a in ax.lines)
    assert "Trial limits" not in joined(ax)
    assert "No special-cause variation" in cs.xmr_chart_block(bare, name="xmr", source=SOURCE).alt_text


def test_xmr_chart_works_with_spc_output():
    from analysis.engine.spc import xmr_table

    table = xmr_table(pd.DataFrame({"period": range(14),
                                    "value": [5, 6, 5, 7, 6, 5, 6, 30, 6, 5, 6, 7, 5, 6]}))
    ax = cs.xmr_chart(table, source=SOURCE)
    assert len(by_gid(ax, "signal-special_cause_neither")[0].get_xdata()) >= 1


# --- every indicator against England ---------------------------------------------------------

def _overview_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "indicator": ["re_referrals", "care_leavers_eet", "cin_rate", "sw_turnover"],
        "label": ["Re-referrals", "Care leavers in EET", "CIN rate", "Turnover"],
        "unit": ["percent", "percent", "rate_per_10000", "percent"],
        "polarity": ["lower_is_better", "higher_is_better", "none", "lower_is_better"],
        "decimals": [1, 0, 1, 1], "period": ["2016-17"] * 4, "la_name": ["Doncaster"] * 4,
        "value": [27.1, 47.0, 403.4, 9.9], "england": [21.9, 50.0, 330.1, np.nan],
        "region": [21.5, 50.0, 348.9, 12.0], "sn_mean": [20.1, 52.0, 402.4, 10.0],
        "vs_england": ["worse", "similar", "higher", "not compared"], "level": [0.95] * 4,
    })


def test_overview_positions_right_is_better():
    pos = cb.overview_positions(_overview_rows())
    # Re-referrals, lower is better: (27.1 - 21.9) / 21.9 = 23.74% above England = 23.74% worse.
    assert pos.loc[0, "la"] == pytest.approx(-23.744, abs=1e-3)
    assert pos.loc[0, "sn_mean"] == pytest.approx((21.9 - 20.1) / 21.9 * 100)  # 8.2% better
    # Care leavers, higher is better: 47 against 50 is 6% worse.
    assert pos.loc[1, "la"] == pytest.approx(-6.0)
    # CIN rate, no better direction: right is higher, (403.4 - 330.1) / 330.1 = +22.2%.
    assert pos.loc[2, "la"] == pytest.approx(22.205, abs=1e-3)
    assert np.isnan(pos.loc[3, "la"])  # no England figure


def test_overview_marks_each_judgement_and_says_no_england_figure():
    rows = _overview_rows()
    ax = cb.comparators_overview(rows, source=SOURCE)
    assert by_gid(ax, "overview-la-worse")[0].get_offsets().tolist() == [[pytest.approx(-23.744, abs=1e-3), 3.0]]
    assert len(by_gid(ax, "overview-la-similar")[0].get_offsets()) == 1
    assert len(by_gid(ax, "overview-la-higher")[0].get_offsets()) == 1
    assert by_gid(ax, "overview-la-not-compared") == []  # no England figure: no marker
    assert "9.9% (no England figure)" in texts(ax)
    alt = cb.comparators_overview_chart(rows, source=SOURCE).alt_text
    assert "Re-referrals 27.1% against England 21.9% (24% worse; judged worse)" in alt
    assert "CIN rate 403.4 against England 330.1 (22% higher; judged higher)" in alt
    assert "Turnover 9.9%, no England figure to compare" in alt
    with pytest.raises(InputDataError, match="vs_england"):
        cb.comparators_overview(rows.drop(columns="vs_england"), source=SOURCE)
