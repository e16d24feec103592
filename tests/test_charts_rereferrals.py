"""Charts of the re-referrals deep dive (analysis.charts.rereferrals), on hand-made published
tables (counts, percentages, "c" where suppressed), plus one set built by analysis.deep_dive.report
from a small synthetic extract, whose alt text must give the tables' own figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.text import Text

from analysis.charts import rereferral_funnels as rf
from analysis.charts import rereferrals as rc
from analysis.charts.style import new_figure
from analysis.core.errors import InputDataError, NoDataError
from analysis.data.geography import load_areas, resolve_la
from analysis.deep_dive.build import build_deep_dive
from analysis.deep_dive.derived import monthly_xmr

SOURCE = "Source: hand-made test table."


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.figure.findobj(Text) if t.get_text()]


def gids(ax) -> set[str]:
    return {a.get_gid() for a in ax.figure.findobj() if a.get_gid()}


@pytest.fixture
def bands() -> pd.DataFrame:
    # 200 re-referrals: 0-7 days and 61-91 days hidden ("c"), 8-30 days 50, 31-60 days 70,
    # 92-182 days 30, 183+ days 40; running totals at 60 and 91 days hidden, at 182 days
    # 160 (80%); none inside the first group (as analysis.deep_dive.report.time_since_table).
    return pd.DataFrame({
        "band": ["0-7 days", "8-30 days", "31-60 days", "61-91 days (to 3 months)",
                 "92-182 days (to 6 months)", "183 days to 12 months"],
        "min_days": [1, 8, 31, 61, 92, 183], "max_days": [7, 30, 60, 91, 182, 366],
        "rereferrals": ["c", 50, 70, "c", 30, 40], "all_rereferrals": [200] * 6,
        "percent": ["c", 25.0, 35.0, "c", 15.0, 20.0],
        "cumulative_rereferrals": [None, None, "c", "c", 160, 200],
        "cumulative_percent": [None, None, "c", "c", 80.0, 100.0],
    })


@pytest.fixture
def bands_shown(bands) -> pd.DataFrame:
    # the same table with every band shown (as if nothing had been suppressed)
    t = bands.copy()
    t["rereferrals"] = [6, 50, 70, 4, 30, 40]
    t["percent"] = [3.0, 25.0, 35.0, 2.0, 15.0, 20.0]
    t["cumulative_rereferrals"] = [None, None, 126, 130, 160, 200]
    t["cumulative_percent"] = [None, None, 63.0, 65.0, 80.0, 100.0]
    return t


def test_time_since_chart_marks_the_shares(bands_shown):
    ax = rc.time_since_previous_chart(bands_shown, source=SOURCE, period="2016-17")
    assert isinstance(ax, Axes)
    shown = texts(ax)
    # the cumulative shares at 60, 91 and 182 days (63%, 65%, 80%) are written on the chart
    assert "63.0% within\n60 days" in shown and "65.0% within\n3 months" in shown
    assert "80.0% within\n6 months" in shown
    assert {"within-60", "within-91", "within-182"} <= gids(ax)
    assert "SYNTHETIC DATA" not in shown
    alt = rc.time_since_block("t", bands_shown, source=SOURCE, synthetic=False, period="2016-17").alt_text
    assert alt.startswith("Bar chart of 200 re-referrals in 2016-17")
    assert "63.0% within 60 days, 65.0% within 3 months (91 days), 80.0% within 6 months" in alt


def test_time_since_chart_with_hidden_bands(bands):
    ax = rc.time_since_previous_chart(bands, source=SOURCE, synthetic=True)
    shown = texts(ax)
    assert "SYNTHETIC DATA" in shown
    assert shown.count("c") >= 2  # the two hidden bars are labelled "c", not drawn
    assert "c within\n60 days" in shown
    alt = rc.time_since_block("t", bands, source=SOURCE, synthetic=True, period=None).alt_text
    assert alt.startswith("SYNTHETIC DATA")
    assert "1-7 days c" in alt and "marked c are hidden" in alt
    assert "c within 60 days, c within 3 months (91 days), 80.0% within 6 months" in alt


@pytest.fixture
def sources() -> pd.DataFrame:
    return pd.DataFrame({
        "source_group": ["Police", "Schools and education", "Health", "Housing", "Other"],
        "referrals": [400, 200, 150, "c", "c"], "rereferrals": [120, 40, 30, 0, 0],
        "all_rereferrals": [190] * 5,
        "rate_percent": [30.0, 20.0, 20.0, "c", "c"],
        "share_of_rereferrals_percent": [63.2, 21.1, 15.8, 0.0, 0.0],
    })


def test_breakdown_chart_rate_with_reference(sources):
    fig = new_figure()
    ax_in = fig.add_subplot()
    ax = rc.breakdown_chart(sources, "source_group", ax=ax_in, source=SOURCE, reference=25.9,
                            title="Re-referral rate by who referred")
    assert ax is ax_in
    assert len(ax.patches) == 5  # one bar per row (hidden ones have no length)
    assert [p.get_width() for p in ax.patches][:3] == [30.0, 20.0, 20.0]
    shown = texts(ax)
    assert "30.0%  (n=400)" in shown and "c  (n=c)" in shown
    assert any("Dashed line: all referrals, 25.9%." in t for t in shown)
    alt = rc.breakdown_block("b", sources, "source_group", source=SOURCE, synthetic=False,
                             title="t", reference=25.9, what="referral source").alt_text
    assert "by referral source: Police 30.0% (n=400); Schools and education 20.0% (n=200)" in alt
    assert "Highest Police (30.0%), lowest Schools and education (20.0%)" in alt
    assert "All referrals: 25.9%" in alt and "marked c are hidden" in alt


def test_breakdown_chart_share_and_max_rows(sources):
    ax = rc.breakdown_chart(sources, "source_group", "share_of_rereferrals_percent",
                            count="rereferrals", source=SOURCE, max_rows=3, synthetic=True)
    assert len(ax.patches) == 3
    assert any("2 smaller categories are in the table" in t for t in texts(ax))
    alt = rc.breakdown_block("b", sources, "source_group", "share_of_rereferrals_percent",
                             count="referrals", max_rows=3, synthetic=True, source=SOURCE,
                             title="t", what="source group").alt_text
    assert alt.startswith("SYNTHETIC DATA") and "Police 63.2% (n=400)" in alt
    assert "2 smaller categories are in the table only" in alt


def test_breakdown_chart_uses_labels():
    need = pd.DataFrame({"primary_need": ["N1", "N5"], "label": ["Abuse or neglect",
                                                                 "Family dysfunction"],
                         "referrals": [100, 50], "rate_percent": [25.0, 30.0]})
    ax = rc.breakdown_chart(need, "primary_need", label="label", source=SOURCE)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Abuse or neglect",
                                                           "Family dysfunction"]
    assert "Abuse or neglect 25.0% (n=100)" in rc.breakdown_block(
        "b", need, "primary_need", label="label", source=SOURCE, synthetic=False, title="t",
        what="primary need").alt_text


def test_early_help_chart():
    t = pd.DataFrame({"group": ["all referrals", "re-referrals", "first referrals"],
                      "with_prior_early_help": [113, 50, 63], "known": [1000, 250, 750],
                      "not_recorded": [12, 3, 9], "percent": [11.3, 20.0, 8.4]})
    ax = rc.early_help_chart(t, source=SOURCE, synthetic=True, period="2016-17")
    assert "SYNTHETIC DATA" in texts(ax) and "11.3%  (n=1,000)" in texts(ax)
    alt = rc.early_help_block("e", t, source=SOURCE, synthetic=True, period="2016-17").alt_text
    # seed 003 reports 11.3% of re-referrals with early help first; here a hand-made table
    assert "all referrals: 11.3% (113 of 1,000); re-referrals: 20.0% (50 of 250)" in alt
    assert "Not recorded for 12 referrals" in alt


@pytest.fixture
def funnel() -> pd.DataFrame:
    # Doncaster's published 2016-17 shape (C1: 5,275 referrals, 3.4% NFA, 36.1% assessed not
    # in need); the other stages are hand-made.
    return pd.DataFrame({
        "stage": ["Referrals", "No further action at referral", "Assessed",
                  "Assessed: not in need", "of which stepped down to early help",
                  "Assessed: child in need", "of which child protection plan",
                  "Outcome not recorded"],
        "count": [5275, 178, 5000, 1904, 600, 3096, "c", "c"],
        "level": [0, 0, 0, 0, 1, 0, 1, 0],
        "percent_of_referrals": [100.0, 3.4, 94.8, 36.1, 11.4, 58.7, "c", "c"],
    })


@pytest.fixture
def comparison() -> pd.DataFrame:
    # DfE Children in need 2016-17, table C1: England, Yorkshire and The Humber, the mean of
    # Doncaster's statistical neighbours, Doncaster.
    return pd.DataFrame({
        "measure": ["Re-referrals within 12 months", "No further action at referral",
                    "Assessed: not in need"],
        "dfe_year": ["2016-17"] * 3, "la_published": [27.1, 3.4, 36.1],
        "england": [21.9, 10.2, 27.8], "region": [21.5, 10.7, 29.0],
        "neighbours_mean": [20.1, 5.8, 24.3],
    })


def test_conversion_funnel_chart_with_dfe_markers(funnel, comparison):
    ax = rf.conversion_funnel_chart(funnel, comparison, source=SOURCE, period="2016-17",
                                    la_name="Doncaster", synthetic=True)
    assert len(ax.patches) == 8
    # four comparators on each of the two stages DfE publishes
    markers = [line for line in ax.get_lines() if str(line.get_gid()).startswith("comparator-")]
    assert len(markers) == 8
    england = sorted(line.get_xdata()[0] for line in markers
                     if line.get_gid() == "comparator-england")
    assert england == [10.2, 27.8]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "Doncaster as published by DfE" in legend and "England" in legend
    shown = texts(ax)
    assert "1,904 (36.1%)" in shown and "c (c)" in shown and "SYNTHETIC DATA" in shown
    alt = rf.funnel_block("f", funnel, comparison, source=SOURCE, period="2016-17",
                           la_name="Doncaster", synthetic=True).alt_text
    assert alt.startswith("SYNTHETIC DATA")
    assert "Assessed: not in need 1,904 (36.1%)" in alt
    assert ("DfE 2016-17 for assessed: not in need: England 27.8%, Region 29.0%, "
            "Statistical neighbours (mean) 24.3%, Doncaster as published 36.1%.") in alt


def test_conversion_funnel_without_comparison(funnel):
    ax = rf.conversion_funnel_chart(funnel, None, source=SOURCE)
    assert ax.get_legend() is None
    assert "DfE" not in rf.funnel_block("f", funnel, None, source=SOURCE, synthetic=False, period=None,
                                           la_name="Doncaster").alt_text


@pytest.fixture
def localities() -> pd.DataFrame:
    # all localities 250 of 1,000 = 25%. East 90 of 200 = 45%: the binomial SD at n = 200 is
    # sqrt(.25 x .75 / 200) = 3.1 points, so 45% is over 6 SD above (beyond 99.8%). North
    # 50 of 200 = 25%, on the line. West is hidden.
    return pd.DataFrame({
        "locality": ["East", "North", "South", "West", "All localities"],
        "numerator": [90, 50, 105, "c", 250], "denominator": [200, 200, 560, "c", 1000],
        "percent": [45.0, 25.0, 18.75, "c", 25.0],
    })


def test_locality_funnel_chart(localities):
    ax = rf.locality_funnel_chart(localities, source=SOURCE, synthetic=True, period="2016-17")
    shown = texts(ax)
    assert {"East", "North", "South"} <= set(shown) and "West" not in shown
    assert any("1 locality not shown" in t for t in shown)
    assert "SYNTHETIC DATA" in shown
    alt = rf.locality_block("l", localities, source=SOURCE, synthetic=True, period="2016-17").alt_text
    assert alt.startswith("SYNTHETIC DATA")
    assert "around an average of 25.0%" in alt
    assert "East 45.0% of 200 referrals (above the 99.8% limit)" in alt
    assert "North 25.0% of 200 referrals (inside the limits)" in alt
    # South 18.75% of 560: SD sqrt(.25 x .75 / 560) = 1.83 points, 3.4 SD below: beyond 99.8%
    assert "South 18.8% of 560 referrals (below the 99.8% limit)" in alt
    assert "1 locality not shown: its figures are hidden (c) to protect small numbers." in alt


def test_locality_funnel_all_hidden():
    t = pd.DataFrame({"locality": ["A", "All localities"], "numerator": ["c", "c"],
                      "denominator": ["c", "c"], "percent": ["c", "c"]})
    with pytest.raises(NoDataError, match="all suppressed"):
        rf.locality_funnel_chart(t, source=SOURCE)


def test_monthly_xmr_chart():
    # 12 months at 25% then one at 45%: far above the upper limit (moving range 0 until the
    # jump of 20, mean moving range 20 / 12 = 1.67, limit 26.5 + 2.66 x 1.67 = 30.9).
    monthly = pd.DataFrame({"month": [f"2017-{m:02d}" for m in range(1, 13)] + ["2018-01"],
                            "percent": [25.0] * 12 + [45.0]})
    xmr = monthly_xmr(monthly)
    assert bool(xmr["outside_limits"].iloc[-1])
    ax = rc.monthly_xmr_chart(xmr, source=SOURCE, synthetic=True)
    assert "SYNTHETIC DATA" in texts(ax)
    alt = rc.xmr_block("x", xmr, source=SOURCE, synthetic=True).alt_text
    assert alt.startswith("SYNTHETIC DATA") and "Monthly re-referral rate" in alt
    assert "Mean 26.5%" in alt and "2018-01" in alt  # (12 x 25 + 45) / 13 = 26.54


def test_missing_column_and_empty_table(sources):
    with pytest.raises(InputDataError, match="lacks a column"):
        rc.breakdown_chart(sources.drop(columns="rate_percent"), "source_group", source=SOURCE)
    with pytest.raises(NoDataError):
        rc.time_since_previous_chart(pd.DataFrame(columns=["min_days", "max_days", "rereferrals",
                                                           "percent", "cumulative_percent"]),
                                     source=SOURCE)


def test_alt_text_matches_deep_dive_tables(tmp_path, paths, bench_table):
    """Charts from a real deep dive: each alt text gives the published tables' figures."""
    from analysis.data.synthetic import generate_referrals

    path = tmp_path / "synthetic_referrals_test.csv"
    generate_referrals(seed=5, start="2016-04-01", end="2018-03-31",
                       referrals_per_year=800).to_csv(path, index=False, date_format="%Y-%m-%d")
    dive = build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)
    t = dive.tables
    assert dive.synthetic and dive.period == "2017-18"
    alt = rc.time_since_block("t", t["time_since"], source=dive.source, synthetic=True,
                              period=dive.period).alt_text
    within = t["share_within"]["percent"].tolist()
    assert f"{within[0]:.1f}% within 60 days" in alt
    assert f"{within[1]:.1f}% within 3 months (91 days)" in alt
    alt = rf.funnel_block("f", t["funnel"], t["dfe_comparison"], source=dive.source, synthetic=True,
                          period=None, la_name="Doncaster").alt_text
    nin = t["funnel"].set_index("stage").loc["Assessed: not in need"]
    assert f"Assessed: not in need {nin['count']:,} ({nin['percent_of_referrals']:.1f}%)" in alt
    assert "England 28.5%" in alt  # DfE C1 2017-18: assessed not in need, England
    loc = t["localities"].set_index("locality")
    alt = rf.locality_block("l", t["localities"], source=dive.source, synthetic=True, period=None).alt_text
    assert f"East {loc.loc['East', 'percent']:.1f}% of {loc.loc['East', 'denominator']:,}" in alt
    ax = rf.locality_funnel_chart(t["localities"], source=dive.source, synthetic=True)
    assert "SYNTHETIC DATA" in texts(ax)
    assert any("SYNTHETIC referral records" in s for s in texts(ax))


def test_breakdown_block_leaves_out_categories_with_no_referrals():
    table = pd.DataFrame({"previous_outcome": ["NFA at referral", "Still open", "Died"],
                          "rereferrals": [40, "c", 0], "percent": [80.0, "c", 0.0]})
    chart = rc.breakdown_block("previous_outcome", table, "previous_outcome", "percent",
                               source=SOURCE, synthetic=True, count="rereferrals",
                               title="What happened last time", what="previous outcome")
    shown = chart.inputs["table"]["previous_outcome"].tolist()
    assert shown == ["NFA at referral", "Still open"]  # "c" is kept: it is not a zero
    assert chart.alt_text.startswith("SYNTHETIC DATA")
    assert "NFA at referral 80.0% (n=40); Still open c (n=c)" in chart.alt_text
    assert "Died" not in chart.alt_text
    fig = chart.draw()
    assert len(fig.axes[0].patches) == 2
    plt.close(fig)


def test_neighbours_block_marks_published_figures():
    table = pd.DataFrame({"area": ["Barnsley", "Doncaster"], "published_percent": [18.8, 27.1],
                          "is_la": [False, True], "dfe_year": ["2016-17", "2016-17"]})
    chart = rc.neighbours_block("neighbour_rates", table, source="Source: DfE")
    assert "published figures, not from the records" in chart.alt_text
    assert "Doncaster (this LA) 27.1%" in chart.alt_text
    fig = chart.draw()
    plt.close(fig)


def test_locality_funnel_speaks_of_localities():
    from analysis.charts.rereferral_funnels import locality_block

    localities = pd.DataFrame({"locality": ["North", "South", "All localities"],
                               "numerator": [30, 45, 75], "denominator": [100, 300, 400],
                               "percent": [30.0, 15.0, 18.75]})
    chart = locality_block("loc", localities, source="Source: test figures", synthetic=False, period=None)
    # 30% of 100 is above the 95% limit round 18.75%; 15% of 300 is inside it.
    assert "Funnel plot of 2 localities around an average of 18.8%" in chart.alt_text
    assert "1 locality above the 95% limit" in chart.alt_text
    fig = chart.draw()
    subtitle = " ".join(t.get_text() for t in fig.axes[0].texts if t.get_gid() == "subtitle")
    assert subtitle.startswith("2 localities;")
