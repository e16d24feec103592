"""The interactive explorer's charts: one place that calls the chart functions.

The explorer (:mod:`analysis.explorer_app`) asks this module for the charts of an
:class:`analysis.explorer.ExplorerView` and for their bytes; nothing else in the explorer
calls :mod:`analysis.charts` directly, so a change to how charts are built is made here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.errors import AnalysisError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from analysis.explorer import ExplorerView

#: Resolution of the charts shown on the page (files saved from the page use :data:`EXPORT_DPI`).
SCREEN_DPI: int = 72
EXPORT_DPI: int = 150

#: The explorer's charts, in the order shown: (key, heading).
CHARTS: tuple[tuple[str, str], ...] = (
    ("group", "The LA in its comparator group"),
    ("trend", "The trend over the years"),
    ("all_las", "Every LA in order"),
    ("funnel", "Every LA against its size (funnel plot)"),
)


@dataclass(frozen=True)
class ExplorerChart:
    """One drawn chart, or why there is none (``figure`` None and ``note`` saying why)."""

    key: str
    heading: str
    figure: Figure | None
    alt: str
    note: str = ""


def _group_chart(view: ExplorerView) -> tuple[Axes, str]:
    from analysis.charts import benchmark as charts

    assert view.group is not None and view.indicator is not None and view.row is not None
    group, ind, row = view.group, view.indicator, view.row
    england = float(row["england"]) if row["england"] == row["england"] else None
    chart = charts.neighbours_ranked_chart(group.members, ind, name="group", england=england,
                                           sn_mean=group.mean, source=view.source, period=view.period)
    ax, alt = chart.plot(**chart.inputs), chart.alt_text
    if not group.key.startswith("sn"):  # the chart's words are for statistical neighbours
        for text in ax.texts:
            if text.get_gid() == "subtitle":
                text.set_text(text.get_text().replace("its statistical neighbours", group.name))
        legend = ax.get_legend()
        for label in legend.get_texts() if legend is not None else []:
            label.set_text(label.get_text().replace("Neighbour mean", "Group mean"))
        alt = alt.replace("statistical neighbours", group.name).replace("neighbour", "group")
    return ax, alt


def _trend_chart(view: ExplorerView) -> tuple[Axes, str]:
    from analysis.charts import benchmark as charts

    assert view.judged is not None
    chart = charts.annual_trend_chart(view.judged, view.indicator, name="trend", source=view.source)
    return chart.plot(**chart.inputs), chart.alt_text


def _all_las_chart(view: ExplorerView) -> tuple[Axes, str]:
    from analysis.charts import benchmark as charts

    assert view.all_values is not None and view.la is not None and view.indicator is not None
    assert view.row is not None
    england = float(view.row["england"]) if view.row["england"] == view.row["england"] else None
    chart = charts.all_las_ranked_chart(view.all_values, view.indicator, view.la.old_code, name="all_las",
                                        source=view.source, england=england, period=view.period)
    return chart.plot(**chart.inputs), chart.alt_text


def _funnel_chart(view: ExplorerView) -> tuple[Axes, str]:
    from analysis.explorer import funnel_chart

    assert view.funnel is not None and view.indicator is not None
    chart = funnel_chart(view.funnel, view.indicator, view.period, view.la, name="funnel", source=view.source)
    return chart.plot(**chart.inputs), chart.alt_text


def _why_not(view: ExplorerView, key: str) -> str | None:
    if view.row is None:
        return "Nothing to chart for this selection."
    if key == "group" and view.group is None:
        return "No comparator group to chart."
    if key == "all_las" and (view.indicator is None or view.indicator.polarity == "none"):
        return "No ranking: this indicator has no better or worse direction."
    if key == "funnel" and view.funnel is None:
        return view.funnel_text or "No funnel plot: not a percentage or a rate."
    return None


_DRAW = {"group": _group_chart, "trend": _trend_chart, "all_las": _all_las_chart,
         "funnel": _funnel_chart}


def chart_inputs(view: ExplorerView, key: str) -> tuple[object, ...]:
    """What a chart depends on: two views with equal inputs draw the same chart."""
    sel = view.selection
    la = view.la.old_code if view.la is not None else None
    ind = view.indicator.id if view.indicator is not None else None
    if key == "trend":  # the year is in its source line
        return (key, la, ind, view.year, sel.comparator if sel.comparator.startswith("sn") else "sn")
    if key == "group":
        return (key, la, ind, view.year, sel.comparator, sel.group if sel.comparator == "list" else ())
    return (key, la, ind, view.year)


def draw_chart(view: ExplorerView, key: str) -> ExplorerChart:
    """One of the view's charts (see :data:`CHARTS`), or why it cannot be drawn."""
    heading = dict(CHARTS)[key]
    note = _why_not(view, key)
    if note is not None:
        return ExplorerChart(key, heading, None, "", note)
    try:
        ax, alt = _DRAW[key](view)
    except AnalysisError as exc:
        return ExplorerChart(key, heading, None, "", str(exc).splitlines()[0])
    return ExplorerChart(key, heading, ax.figure, alt)  # type: ignore[arg-type]


def explorer_charts(view: ExplorerView) -> list[ExplorerChart]:
    """The view's charts in :data:`CHARTS` order; a chart that cannot be drawn says why."""
    return [draw_chart(view, key) for key, _ in CHARTS]


def chart_bytes(figure: Figure, fmt: str = "png", dpi: int = SCREEN_DPI) -> bytes:
    """The chart as PNG or SVG bytes in the house style.

    The layout is worked out once, at the resolution drawn (the first time the chart is
    drawn), so the text measured for the layout is measured once; the layout is kept in
    figure fractions, so a later export at another resolution or as SVG reuses it.
    """
    import matplotlib as mpl
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    from analysis.charts.style import house_style

    buffer = io.BytesIO()
    with house_style():
        engine = figure.get_layout_engine()
        if engine is not None:
            if not isinstance(engine, PlaceHolderLayoutEngine):
                figure.set_dpi(dpi)
                engine.execute(figure)
            with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                figure.set_layout_engine(None)
        kwargs: dict[str, object] = ({"dpi": dpi, "pil_kwargs": {"compress_level": 1}} if fmt == "png"
                                     else {"metadata": {"Date": None}})
        figure.savefig(buffer, format=fmt, **kwargs)  # type: ignore[arg-type]
    return buffer.getvalue()
