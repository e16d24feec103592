"""Charts that never mislead, on the real packs: every value axis starts at 0 or the chart
says why in its subtitle and alt text, and no text on a chart is printed over other text
(measured with matplotlib's renderer). The packs are Doncaster 2017-18 Q4, Rotherham
2016-17 Q4, Lancashire 2017-18 Q2 and the deep dive on synthetic records (conftest.py)."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
from matplotlib.text import Text

from analysis.charts.statistics import funnel_plot
from analysis.charts.style import UnitFormatter, settle_layout
from analysis.charts.value_axis import FUNNEL_REASON, XMR_REASON, axis_note, funnel_range

#: Chart types whose value axis may start above 0, with the reason they must then give.
REASONS = {"funnel": FUNNEL_REASON, "xmr": XMR_REASON}
#: Two text boxes overlap when they share more than this (points) both across and down.
OVERLAP_POINTS = 0.5


def _kind(chart) -> str | None:
    name = chart.plot.__name__
    return "funnel" if "funnel_plot" in name or name == "locality_funnel_chart" else \
        "xmr" if "xmr" in name else None


def _drawn(chart):
    fig = chart.draw()
    settle_layout(fig)
    fig.canvas.draw()
    return fig


def _value_axes(fig) -> list[tuple[str, tuple[float, float]]]:
    """(which, limits) of every value axis: those formatted by unit, and the axis bars grow along."""
    out = []
    for ax in fig.axes:
        for which, axis, lim in (("x", ax.xaxis, ax.get_xlim()), ("y", ax.yaxis, ax.get_ylim())):
            if isinstance(axis.get_major_formatter(), UnitFormatter):
                out.append((which, lim))
        bars = [p for p in ax.patches if p.get_gid() == "bars"]
        if bars:
            horizontal = len({round(b.get_height(), 6) for b in bars}) == 1 and \
                len({round(b.get_width(), 6) for b in bars}) > 1
            which = "x" if horizontal else "y"
            if (which, ax.get_xlim() if horizontal else ax.get_ylim()) not in out:
                out.append((which, ax.get_xlim() if horizontal else ax.get_ylim()))
    return out


def _subtitle(fig) -> str:
    return " ".join(" ".join(t.get_text() for ax in fig.axes for t in ax.texts
                             if t.get_gid() == "subtitle").split())


def _texts(fig) -> list[Text]:
    """Every text the reader sees: titles, tick labels drawn, axis labels, legends, notes."""
    out: list[Text] = list(fig.texts)
    for ax in fig.axes:
        out += [ax.title, ax._left_title, ax._right_title, *ax.texts,
                ax.xaxis.label, ax.yaxis.label]
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_visible():
                for tick in axis._update_ticks():
                    out += [tick.label1, tick.label2]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            out += [*legend.get_texts(), legend.get_title()]
    return [t for t in out if t.get_visible() and t.get_text().strip()
            and t.get_gid() != "synthetic-watermark"]


def overlapping_texts(fig) -> list[tuple[str, str]]:
    renderer = fig.canvas.get_renderer()
    tol = OVERLAP_POINTS * fig.dpi / 72
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in _texts(fig)]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
            if min(ba.x1, bb.x1) - max(ba.x0, bb.x0) > tol and min(ba.y1, bb.y1) - max(ba.y0, bb.y0) > tol]


def test_funnel_range_starts_at_zero_unless_that_squeezes_the_funnel():
    # Doncaster's re-referrals funnel: points and limits from 4.7% to 38.1%. From 4.7 - 5% of
    # 33.4 = 3.03 to 38.1 + 8% of 33.4 = 40.77: 3.03 is under a quarter of 40.77, so from 0.
    assert funnel_range(4.7, 38.1) == pytest.approx((0.0, 40.772))
    # Figures from 80% to 95%: zero would leave 80% of the height empty; from 79.25.
    assert funnel_range(80.0, 95.0) == pytest.approx((79.25, 96.2))
    assert axis_note(0.0, FUNNEL_REASON) == ""
    assert axis_note(79.25, FUNNEL_REASON) == ("The value axis does not start at 0: a funnel plot is "
                                               "read against its control limits.")


def test_funnel_note_is_never_drawn_over_a_tick_label():
    """A funnel of figures far from zero: its axis starts above 0 and the chart says so in
    its subtitle, clear of the tick labels, titles and legend."""
    from analysis.engine.funnel_limits import denominator_grid, funnel_limits

    points = pd.DataFrame({"name": ["A", "B", "C", "D"], "denominator": [400, 900, 1500, 2600],
                           "value": [86.0, 91.0, 88.5, 90.0]})
    limits = funnel_limits(89.0, denominator_grid(3000, points=80)).rename(columns={"target": "centre"})
    ax = funnel_plot(points, limits, "B", source="Source: test figures", title="Funnel")
    fig = ax.figure
    settle_layout(fig)
    fig.canvas.draw()
    assert ax.get_ylim()[0] > 0
    assert "The value axis does not start at 0: a funnel plot is read against its control limits." \
        in _subtitle(fig)
    assert overlapping_texts(fig) == []


@pytest.mark.parametrize("pack_name", ["doncaster-2017-18-q4", "rotherham-2016-17-q4",
                                       "lancashire-2017-18-q2", "deep-dive-synthetic"])
def test_every_chart_starts_at_zero_or_says_why_and_no_text_overprints(checked_packs, pack_name):
    problems = []
    for chart in checked_packs[pack_name].charts():
        fig = _drawn(chart)
        axes = _value_axes(fig)
        if not axes and chart.name != "overview":
            problems.append(f"{chart.name}: no value axis found")
        for which, (lo, hi) in axes:
            if lo <= 0 <= hi:
                continue
            reason = REASONS.get(_kind(chart) or "")
            note = axis_note(lo, reason) if reason else ""
            if not note or note not in chart.alt_text or note not in _subtitle(fig):
                problems.append(f"{chart.name}: {which} axis from {lo:.3g} with no reason given")
        if chart.name == "overview":  # differences from England: the axis is centred on 0
            lo, hi = fig.axes[0].get_xlim()
            assert lo < 0 < hi
        problems += [f"{chart.name}: {a!r} over {b!r}" for a, b in overlapping_texts(fig)]
    assert not problems, "\n".join(problems)


def test_the_doncaster_sickness_context_chart_starts_at_zero(checked_packs):
    chart = next(c for c in checked_packs["doncaster-2017-18-q4"].charts()
                 if "sickness" in c.title.lower())
    fig = _drawn(chart)
    # 5.3% (2016-17 Q4) and 4.9% (2017-18 Q4), Doncaster's Q4 2017/18 report para 3.1.6:
    # from 0 to 5.3 + 15% of 5.3 = 6.095.
    assert fig.axes[0].get_ylim() == pytest.approx((0.0, 6.095))


def test_a_published_funnel_far_from_zero_says_so_clear_of_its_labels(bench_table, catalogue):
    """Care leavers aged 19-21 in suitable accommodation, 2016-17 (DfE looked-after children
    statistics): every LA between about 60% and 100%, so the axis starts above 0 and says why."""
    from analysis.charts.statistics import indicator_funnel_chart
    from analysis.engine import funnels

    ind = "care_leavers_suitable_accommodation"
    england = funnels.england_value(bench_table, ind, 2017)
    funnel = funnels.funnel_for(bench_table, ind, 2017, catalogue, england)
    chart = indicator_funnel_chart(funnel, catalogue.get(ind), "2016-17", None, name="f",
                                   source="Source: DfE, children looked after 2016-17.")
    fig = _drawn(chart)
    lo, _ = fig.axes[0].get_ylim()
    note = "The value axis does not start at 0: a funnel plot is read against its control limits."
    assert lo > 0 and note in chart.alt_text and note in _subtitle(fig)
    assert overlapping_texts(fig) == []
