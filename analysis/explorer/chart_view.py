"""The interactive explorer's charts for a view: which charts it shows (:data:`CHARTS`, in
order), each one's Vega-Lite spec from the view's figures (:mod:`analysis.explorer.specs`) or a
note on why it cannot be drawn, what each chart depends on (:func:`chart_inputs`: a chart whose
inputs are unchanged is not sent again), and the names of files saved from the page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis.charts.house import is_missing
from analysis.core.errors import AnalysisError
from analysis.explorer.neighbour_lines import neighbour_lines_spec
from analysis.explorer.spec_style import ChartSpec
from analysis.explorer.specs import all_las_spec, funnel_spec, group_spec, trend_spec

if TYPE_CHECKING:
    from analysis.explorer.view import ExplorerView


#: The explorer's charts, in the order shown: (key, heading).
CHARTS: tuple[tuple[str, str], ...] = (
    ("group", "The LA in its comparator group"),
    ("trend", "The trend over the years"),
    ("all_las", "Every LA in order"),
    ("funnel", "Every LA against its size (funnel plot)"),
)


def file_stem(view: ExplorerView) -> str:
    """The start of the names of files saved from the page: doncaster_re_referrals_2016-17."""
    from analysis.data.geography import slugify

    assert view.la is not None and view.indicator is not None
    return f"{view.la.slug}_{view.indicator.id}_{slugify(view.period)}"


def group_words(key: str, name: str) -> str:
    """A comparator group as a chart names it: "its statistical neighbours", "the LAs in
    Yorkshire and The Humber", "the 15 LAs listed"."""
    if key.startswith("sn"):
        return "its statistical neighbours"
    return name if name.startswith("the ") else f"the {name}"


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


def _england(view: ExplorerView) -> float | None:
    assert view.row is not None
    value = view.row["england"]
    return None if is_missing(value) else float(value)


def _spec_for(view: ExplorerView, key: str) -> ChartSpec:
    from analysis.engine.funnel_words import funnel_words

    ind, la = view.indicator, view.la
    assert ind is not None and la is not None
    name = f"{file_stem(view)}_{key}"
    if key == "group":
        group = view.group
        assert group is not None
        return group_spec(group.members, ind, source=view.source, period=view.period, file_name=name,
                          england=_england(view), mean=group.mean,
                          group_name=None if group.key.startswith("sn") else group.name)
    if key == "trend" and view.member_lines is not None and view.group is not None:
        return neighbour_lines_spec(view.member_lines, ind, la_name=la.name, group_name=group_words(view.group.key, view.group.name),
                                    source=view.source, file_name=name)
    if key == "trend":
        assert view.judged is not None
        return trend_spec(view.judged, ind, source=view.source, file_name=name, ended=view.ended)
    if key == "all_las":
        assert view.all_values is not None
        return all_las_spec(view.all_values, ind, la.old_code, source=view.source, period=view.period,
                            file_name=name, england=_england(view))
    assert view.funnel is not None
    words = funnel_words(view.funnel, ind, view.period, la)
    return funnel_spec(view.funnel, ind, period=view.period, source=view.source, file_name=name,
                       la_name=words.la_name, title=words.title, x_label=words.x_label,
                       centre_label=words.centre_label, alt_note=words.alt_note)


def view_chart(view: ExplorerView, key: str) -> ChartSpec:
    """One of the view's charts (see :data:`CHARTS`), or why it cannot be drawn."""
    note = _why_not(view, key)
    if note is not None:
        return ChartSpec(key, None, "", note)
    try:
        return _spec_for(view, key)
    except AnalysisError as exc:
        return ChartSpec(key, None, "", str(exc).splitlines()[0])


def view_charts(view: ExplorerView) -> list[ChartSpec]:
    """The view's charts in :data:`CHARTS` order; a chart that cannot be drawn says why."""
    return [view_chart(view, key) for key, _ in CHARTS]


def chart_inputs(view: ExplorerView, key: str) -> tuple[object, ...]:
    """What a chart depends on: two views with equal inputs draw the same chart."""
    sel = view.selection
    la = view.la.old_code if view.la is not None else None
    ind = view.indicator.id if view.indicator is not None else None
    if key == "trend" and sel.lines:  # each comparator LA's line
        return (key, la, ind, view.year, True, sel.comparator, sel.group if sel.comparator == "list" else ())
    if key == "trend":  # the year is in its source line
        return (key, la, ind, view.year, sel.comparator if sel.comparator.startswith("sn") else "sn")
    if key == "group":
        return (key, la, ind, view.year, sel.comparator, sel.group if sel.comparator == "list" else ())
    return (key, la, ind, view.year)
