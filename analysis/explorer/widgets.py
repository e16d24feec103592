"""The interactive benchmark explorer: widgets wired to :func:`analysis.explorer.view.explorer_view`.

``notebooks/explorer.ipynb`` calls :func:`build` and shows the widget; the same notebook runs
in JupyterLab (``make lab``) and as a web page (``make explorer``, Voilà). The data is loaded
once; every change works the view out from memory and redraws the table, the sentence and
the charts in place. The page shows one of two views: the LA's profile (every indicator,
:mod:`analysis.explorer.profile_view`, its widgets in :mod:`analysis.explorer.profile_widgets`)
or one indicator in detail; a click on an indicator's name in the profile opens its detail and
"Back to profile" returns. Only this module and the profile's widgets touch ipywidgets; the logic is in
:mod:`analysis.explorer.view` (with :mod:`~analysis.explorer.data`, :mod:`~analysis.explorer.search`,
:mod:`~analysis.explorer.groups` and :mod:`~analysis.explorer.bands`) and the charts are Vega-Lite
specs from :mod:`analysis.explorer.specs` (:mod:`analysis.explorer.chart_view` picks a view's),
drawn by the browser (JupyterLab's and Voilà's Vega renderer): the kernel sends each chart's
figures, not a picture, and never imports matplotlib.
"""

from __future__ import annotations

import gc
import html
import logging
import os
import time
from dataclasses import replace
from typing import Any

import ipywidgets as w
import pandas as pd

from analysis.data.periods import financial_year_label
from analysis.explorer.address import profile_address, selection_from_address, view_address
from analysis.explorer.bands import band_grid, band_grid_html, bands_by_year
from analysis.explorer.chart_outputs import chart_output, words_html
from analysis.explorer.chart_view import CHARTS, chart_inputs, view_chart
from analysis.explorer.data import ExplorerData, judge_every, la_judged_rows, load_explorer_data
from analysis.explorer.definitions import about_html
from analysis.explorer.downloads import download_links
from analysis.explorer.groups import (
    COMPARATOR_CHOICES,
    consortium_table,
    group_line,
    judged_values,
    region_members,
)
from analysis.explorer.guard import guarded, log_to_server
from analysis.explorer.profile import JUDGED_COLUMNS
from analysis.explorer.profile_page import opened_indicator
from analysis.explorer.profile_view import ProfileView, explorer_profile
from analysis.explorer.profile_widgets import ProfileBox
from analysis.explorer.search import find_indicator, indicator_choices, split_names
from analysis.explorer.view import (
    ExplorerSelection,
    ExplorerView,
    explorer_view,
    keeps_last_view,
)

log = logging.getLogger(__name__)

ALL_TOPICS = "All topics"
#: Charts kept (a few selections' worth), so going back to one sends what was sent before.
DRAWN_KEPT: int = 48

LEVEL_CHOICES: tuple[tuple[str, float], ...] = (("95%", 0.95), ("99.8%", 0.998))
#: The Year box's value for "the latest year with a figure" (a dropdown shows None as blank).
LATEST = 0


def table_html(frame: pd.DataFrame, css_class: str) -> str:
    """A small table as HTML, every cell escaped."""
    return frame.to_html(index=False, escape=True, border=0, classes=[css_class, "explorer-grid"])


STYLE = """<style>
.explorer-grid { border-collapse: collapse; font-size: 13px; margin: 4px 0 10px 0; }
.explorer-grid th, .explorer-grid td { border-bottom: 1px solid #ccc; padding: 2px 8px;
  text-align: left; line-height: 1.3; vertical-align: top; }
.explorer-messages { color: #8a1c1c; font-weight: bold; }
.explorer-status { color: #555; font-size: 12px; }
.explorer-alt { font-size: 12px; color: #333; margin: 0 0 8px 0; max-width: 700px; }
.explorer-alt summary { cursor: pointer; color: #555; }
h2.explorer-heading { font-size: 17px; margin: 16px 0 6px 0; }
.explorer-about { font-size: 12px; color: #333; max-width: 760px; margin: 4px 0 10px 0;
  border-left: 3px solid #ccc; padding: 2px 0 2px 10px; line-height: 1.4; }
.explorer-about h3 { font-size: 13px; margin: 0 0 4px 0; line-height: 1.4; }
.explorer-about p { margin: 0 0 3px 0; line-height: 1.4; }
</style>"""


def status_text(shown: ExplorerView | ProfileView | None) -> str:
    """What the page shows, named from the view shown (never from what was typed)."""
    if isinstance(shown, ProfileView):
        return "Nothing shown" if shown.la is None else f"Showing {shown.la.name} · profile · {shown.year_text}"
    if shown is None or shown.row is None or shown.la is None or shown.indicator is None:
        return "Nothing shown"
    return f"Showing {shown.la.name} · {shown.indicator.label} · {shown.period}"


class ExplorerApp:
    """The explorer's widgets and the state they show (one per notebook kernel)."""

    def __init__(self, data: ExplorerData, selection: ExplorerSelection) -> None:
        self.data = data
        self.selection = selection
        self.view: ExplorerView | None = None
        #: Chart inputs -> the box's outputs (kept, so going back to a selection sends the
        #: same outputs and a box whose chart has not changed is left alone).
        self.drawn: dict[tuple[object, ...], tuple[tuple[dict[str, Any], ...], str]] = {}
        self.shown: dict[str, tuple[dict[str, Any], ...]] = {}  # chart key -> its box's outputs
        self.timings: list[float] = []
        choices = indicator_choices(data.catalogue)
        self.topics = [ALL_TOPICS, *dict.fromkeys(t for t, _ in choices)]
        self.labels_by_topic = {t: [lab for top, lab in choices if t in (ALL_TOPICS, top)]
                                for t in self.topics}
        years = sorted(int(y) for y in data.table["year"].unique())
        wide = w.Layout(width="420px")
        first_ind, _ = find_indicator(selection.indicator, data.catalogue)
        self.la = w.Combobox(description="LA", value=selection.la, options=data.la_names,
                             placeholder="name or code, e.g. Doncaster or 371",
                             ensure_option=False, continuous_update=False, layout=wide)
        self.topic = w.Dropdown(description="Topic", options=self.topics, value=ALL_TOPICS, layout=wide)
        self.indicator = w.Combobox(description="Indicator",
                                    value=first_ind.label if first_ind else selection.indicator,
                                    options=self.labels_by_topic[ALL_TOPICS], placeholder="type to search",
                                    ensure_option=False, continuous_update=False,
                                    layout=w.Layout(width="560px"))
        self.year = w.Dropdown(description="Year", value=selection.year or LATEST,
                               options=[("Latest", LATEST), *[(financial_year_label(y), y) for y in years]])
        self.comparator = w.Dropdown(description="Compare with", value=selection.comparator,
                                     options=list(COMPARATOR_CHOICES),
                                     layout=w.Layout(width="560px"),
                                     style={"description_width": "initial"})
        self.group = w.Textarea(value=", ".join(selection.group), continuous_update=False,
                                placeholder="LAs to compare with, separated by commas",
                                layout=w.Layout(width="560px", height="60px"))
        self.fill_region = w.Button(description="The region's LAs", tooltip="List the LA's region")
        self.lines = w.Checkbox(value=selection.lines, description="Each comparator LA's own line on the trend",
                                indent=False, layout=w.Layout(width="auto")).add_class("explorer-lines")
        self.about = w.HTML().add_class("explorer-about-box")
        self.make_files = w.Button(description="Prepare Excel and CSV files", layout=w.Layout(width="auto"),
                                   tooltip="This view and the LA's profile, every year").add_class("explorer-make-files")
        self.level = w.Dropdown(description="Confidence", value=selection.level, options=list(LEVEL_CHOICES),
                                style={"description_width": "initial"})
        for widget in (self.la, self.topic, self.indicator, self.year, self.comparator, self.group,
                       self.level):
            widget.add_class(f"explorer-{widget.description.lower().replace(' ', '-') or 'group'}")
        self.group_box = w.HBox([self.group, self.fill_region])
        self.status = w.HTML().add_class("explorer-status")
        self.messages = w.HTML().add_class("explorer-messages")
        self.table = w.HTML().add_class("explorer-table")
        self.sentence = w.HTML().add_class("explorer-sentence")
        self.group_text = w.HTML().add_class("explorer-group-line")
        # Each box is marked with the update that last set it (explorer-update-N), with its
        # outputs in the same message: a page knows a box shows update N's chart once it has
        # the mark and the chart in it is drawn (analysis.explorer.server.CHARTS_DRAWN).
        self.chart_boxes = {key: w.Output().add_class("explorer-chart").add_class(f"explorer-chart-{key}")
                            for key, _ in CHARTS}
        self.marked: dict[str, int] = {}
        self.chart_words = {key: w.HTML().add_class(f"explorer-words-{key}") for key, _ in CHARTS}
        self.funnel_text = w.HTML().add_class("explorer-funnel-line")
        self.consortium = w.HTML().add_class("explorer-consortium")
        self.bands = w.HTML().add_class("explorer-bands")
        self.csv_link = w.HTML().add_class("explorer-csv")
        #: The view's address (a query string), hidden: the page's script copies it to the
        #: address bar (config/jupyter/voila/templates/explorer/index.html.j2).
        self.address = w.HTML(layout=w.Layout(display="none")).add_class("explorer-address")
        self.notes: tuple[str, ...] = ()  # lines about the address the page was opened with
        self.profile = ProfileBox(chart_output, words_html, self.messages)
        self.profile_view: ProfileView | None = None
        #: The profile's year to go back to from an indicator's detail (False: the Year box's).
        self.return_year: int | bool | None = False
        self.back = w.Button(description="Back to profile", tooltip="Every indicator for the LA")
        self.back.add_class("explorer-back")
        self.widget = self._layout()
        self.la.observe(self._changed, "value")
        self.indicator.observe(self._changed, "value")
        self.year.observe(self._changed, "value")
        self.comparator.observe(self._changed, "value")
        self.group.observe(self._changed, "value")
        self.level.observe(self._changed, "value")
        self.lines.observe(self._changed, "value")
        self.make_files.on_click(self._make_files)
        self.topic.observe(self._topic_changed, "value")
        self.fill_region.on_click(self._fill_region)
        self.profile.open.observe(self._opened, "value")
        self.back.on_click(self._back)
        shows = selection.shows
        self.selection = replace(selection, shows="indicator")
        self.refresh()  # the detail view is drawn first, ready for a click from the profile
        if shows == "profile":
            self.selection = replace(self.selection, shows="profile")
            self.refresh()
        self._show_year()

    def _show_year(self) -> None:
        if self.selection.shows != "indicator":  # the profile's "Latest": each indicator's own
            return
        if self.view is not None and self.view.year is not None and self.year.value == LATEST:
            self._set_quietly(self.year, self.view.year)  # the Year box shows the year shown

    def open_address(self, query: str) -> None:
        """Show the view a page address asks for (``?la=...&indicator=...``); a value that
        cannot be used gets a line and the default."""
        if not query.strip("?"):
            return
        selection, self.notes = selection_from_address(query, self.data, self.selection)
        self._set_quietly(self.la, selection.la)
        found, _ = find_indicator(selection.indicator, self.data.catalogue)
        self._set_quietly(self.indicator, found.label if found else selection.indicator)
        self._set_quietly(self.year, selection.year or LATEST)
        self._set_quietly(self.comparator, selection.comparator)
        self._set_quietly(self.group, ", ".join(selection.group))
        self._set_quietly(self.level, selection.level)
        self.selection = selection
        self.refresh()
        self._show_year()

    def _set_quietly(self, widget: w.ValueWidget, value: object) -> None:
        """Set a widget's value without redrawing the view."""
        widget.unobserve(self._changed, "value")
        try:
            widget.value = value
        finally:
            widget.observe(self._changed, "value")

    def _layout(self) -> w.Widget:
        charts = []
        for key, heading in CHARTS:
            charts.append(w.HTML(f"<h2 class='explorer-heading'>{html.escape(heading)}</h2>"))
            charts.append(self.chart_boxes[key])
            charts.append(self.chart_words[key])
            if key == "funnel":
                charts.append(self.funnel_text)
        #: Each view's part of the page: the body shows one (the other's widgets leave the page).
        files = (self.make_files, self.csv_link)  # on both views (one shown at a time)
        self.sections: dict[str, tuple[w.Widget, ...]] = {"profile": (self.profile.widget, *files), "indicator": (
            self.back, self.lines, w.HTML("<h2 class='explorer-heading'>The figures</h2>"), self.table,
            self.sentence, self.about, self.group_text, *charts,
            w.HTML("<h2 class='explorer-heading'>Each LA of the comparator group</h2><p>Value, national "
                   "rank, quartile band (A best) and the judgement against England; band letters carry "
                   "the meaning, not colour.</p>"),
            self.consortium, self.bands,
            w.HTML("<h2 class='explorer-heading'>Save what you see</h2><p>Each chart's menu (the round "
                   "button at its top right) saves it as PNG or SVG, with its title and source line.</p>"),
            *files)}
        self.body = w.VBox(self.sections[self.selection.shows])
        return w.VBox([
            w.HTML(STYLE),
            w.HBox([self.la, self.year, self.level]),
            w.HBox([self.topic]), self.indicator,
            self.comparator, self.group_box,
            self.status, self.messages, self.body, self.address,
        ]).add_class("explorer-app")

    # --- events ----------------------------------------------------------------------------

    @guarded
    def _topic_changed(self, _change: dict[str, Any]) -> None:
        self.indicator.options = self.labels_by_topic[self.topic.value]

    @guarded
    def _fill_region(self, _button: w.Button) -> None:
        view = self.view
        if view is None or view.la is None or view.year is None:
            self.messages.value = "Pick an LA and a year first."
            return
        codes = region_members(self.data, view.la, view.year)
        names = self.data.areas.set_index("old_code").loc[codes, "name"].astype(str)
        with self.comparator.hold_trait_notifications():
            self.comparator.unobserve(self._changed, "value")
            self.comparator.value = "list"
            self.comparator.observe(self._changed, "value")
        text = ", ".join(sorted(names))
        if self.group.value == text:  # the same list: no change event, so redraw here
            self._changed({})
        else:
            self.group.value = text  # its change event redraws once

    @guarded
    def _make_files(self, _button: w.Button) -> None:
        self.csv_link.value = download_links(self.view, self.data) if self.view is not None else ""

    @guarded
    def _changed(self, change: dict[str, Any]) -> None:
        self.notes, before = (), self.selection
        self.selection = self.selection_from_widgets()
        if change.get("owner") is self.year:  # a year chosen: the profile takes it too
            self.return_year = False
        if change.get("owner") is self.indicator:  # an indicator chosen: its detail
            if before.shows == "profile":
                self.return_year = before.year
            self.selection = replace(self.selection, shows="indicator")
        self.refresh()

    @guarded
    def _opened(self, change: dict[str, Any]) -> None:
        """A click on an indicator's name in the profile: its detail view."""
        indicator = opened_indicator(str(change.get("new", "")))
        if not indicator or indicator not in self.data.catalogue.indicators:
            return
        self._set_quietly(self.indicator, self.data.catalogue.get(indicator).label)
        rows = self.profile_view.rows if self.profile_view is not None else None
        self.return_year = self.selection.year  # the profile's year, to go back to
        if rows is not None and rows.loc[rows["indicator"] == indicator, "value"].isna().all():
            self._set_quietly(self.year, LATEST)  # no figure in the profile's year: its latest
        self.notes = ()
        self.selection = replace(self.selection_from_widgets(), shows="indicator")
        self.refresh()
        self._show_year()

    @guarded
    def _back(self, _button: w.Button) -> None:
        if self.return_year is not False:
            self._set_quietly(self.year, self.return_year or LATEST)
        self.notes, self.return_year = (), False
        self.selection = replace(self.selection_from_widgets(), shows="profile")
        self.refresh()

    def selection_from_widgets(self) -> ExplorerSelection:
        """The selection the widgets show (values as typed)."""
        return replace(self.selection, la=str(self.la.value or ""),
                       indicator=str(self.indicator.value or ""), year=self.year.value or None,
                       comparator=str(self.comparator.value),
                       group=split_names(str(self.group.value or "")),
                       level=float(self.level.value), lines=bool(self.lines.value))

    # --- drawing ---------------------------------------------------------------------------

    def refresh(self) -> float:
        """Work the view out and redraw everything; returns the seconds it took."""
        start = time.perf_counter()
        update = len(self.timings) + 1
        # Working a change out makes many small objects (pandas, the specs); the cyclic garbage
        # collector is paused meanwhile and runs once after, while the analyst reads.
        gc.disable()
        try:
            self.group_box.layout.display = "" if self.selection.comparator == "list" else "none"
            if self.selection.shows == "profile":
                self._show_profile(update)
                return self._done(start, update)
            view = explorer_view(self.data, self.selection)
            if keeps_last_view(self.view, view):  # the last good view stays; the messages say why
                self.messages.value = "<br>".join(html.escape(m, quote=False) for m in view.messages)
            else:
                self._show(view, update)
            if self.notes:
                self.messages.value = "<br>".join(
                    [*(html.escape(n, quote=False) for n in self.notes), *filter(None, [self.messages.value])])
            self.address.value = html.escape(view_address(self.view)) if self.view is not None else ""
            self.body.children = self.sections["indicator"]
        except Exception as exc:  # a bug must not leave the page half drawn or show a traceback
            log.exception("explorer failed for %s", self.selection)
            self.messages.value = html.escape(f"Could not show this selection ({type(exc).__name__}).")
        finally:
            gc.enable()
        for key in self.chart_boxes:  # the boxes left as they were are marked as this update's too
            self._set_box(key, self.shown.get(key, ()), update)
        return self._done(start, update)

    def _done(self, start: float, update: int) -> float:
        """Mark the profile's chart as this update's, time the update and name it."""
        self.profile.set_chart(self.profile.chart_shown, update)
        took = time.perf_counter() - start
        self.timings.append(took)
        shown = self.profile_view if self.selection.shows == "profile" else self.view
        # the update's number and time are for the page's scripts and tests, not shown
        self.status.value = (html.escape(status_text(shown)) + '<span class="explorer-update" hidden>'
                             f" · update {len(self.timings)} in {took:.2f} s</span>")
        return took

    def _show_profile(self, update: int) -> None:
        """Work the profile out and draw it (the last good profile stays if the LA is not found)."""
        view = explorer_profile(self.data, self.selection)
        lines = [*self.notes, *view.messages]
        self.messages.value = "<br>".join(html.escape(m, quote=False) for m in lines)
        if view.la is not None or self.profile_view is None or self.profile_view.la is None:
            self.profile_view = view
            self.profile.show(view, update)
        shown = self.profile_view
        self.address.value = html.escape(profile_address(shown)) if shown.la is not None else ""
        self.body.children = self.sections["profile"]

    def _set_box(self, key: str, outputs: tuple[dict[str, Any], ...], update: int) -> None:
        """Show ``outputs`` in a chart box (sent only when they differ from what it shows) and
        mark it as update ``update``'s, in one message."""
        box = self.chart_boxes[key]
        if self.marked.get(key) == update and self.shown.get(key, ()) is outputs:
            return
        with box.hold_sync():
            if self.shown.get(key, ()) is not outputs:
                box.outputs = outputs
                self.shown[key] = outputs
            if key in self.marked:
                box.remove_class(f"explorer-update-{self.marked[key]}")
            box.add_class(f"explorer-update-{update}")
            self.marked[key] = update

    def _show(self, view: ExplorerView, update: int) -> None:
        from analysis.engine.tables import format_benchmark_table

        self.view = view
        self.messages.value = "<br>".join(html.escape(m, quote=False) for m in view.messages)
        row = view.row
        if row is None or view.indicator is None or view.la is None:
            for box in (self.table, self.sentence, self.group_text, self.funnel_text,
                        self.consortium, self.bands, self.csv_link, self.about):
                box.value = ""
            for key in self.chart_boxes:
                self._set_box(key, (), update)
                self.chart_words[key].value = ""
            return
        # The charts first: the browser draws them while the tables below are worked out.
        for key, _ in CHARTS:
            inputs = chart_inputs(view, key)
            if inputs not in self.drawn:
                chart = view_chart(view, key)
                self.drawn[inputs] = ((chart_output(chart),), words_html(chart))
                while len(self.drawn) > DRAWN_KEPT:
                    self.drawn.pop(next(iter(self.drawn)))
            outputs, words = self.drawn[inputs]
            self._set_box(key, outputs, update)
            self.chart_words[key].value = words
        row_table = format_benchmark_table(row.to_frame().T)
        self.table.value = table_html(row_table, "explorer-row")
        self.sentence.value = f"<p>{html.escape(view.sentence)}</p>"
        self.about.value = about_html(view.indicator, self.data.catalogue, view.source)
        self.group_text.value = (f"<p>{html.escape(group_line(view.group, view.indicator, view.la, float(row['value'])))}</p>"
                                 if view.group is not None else "")
        self.funnel_text.value = f"<p>{html.escape(view.funnel_text)}</p>" if view.funnel_text else ""
        members = None
        if view.group is not None and view.all_values is not None:
            ind, values = view.indicator, view.all_values
            england, level = float(row["england"]), view.selection.level
            judged = self.data.memo(("judged", ind.id, view.year, level),
                                    lambda: judged_values(values, ind, england, level))
            members = consortium_table(view.group, values, ind, england, level, judged)
            self.consortium.value = table_html(members, "explorer-consortium-table")
            topic = [i for i in self.data.catalogue.benchmarked() if i.topic == view.indicator.topic
                     and i.polarity != "none" and not i.no_quartile]  # the banded ones
            grid = band_grid(self.data, view.group.members["old_la_code"].tolist(), topic,
                             int(view.year or 0))
            self.bands.value = (f"<p>Quartile bands in {html.escape(view.period)} across "
                                f"{html.escape(view.indicator.topic.lower())} (A best, D worst; "
                                f"- no band):</p>" + band_grid_html(grid))
        else:
            self.consortium.value = "<p>No comparator group to list.</p>"
            self.bands.value = ""
        self.csv_link.value = ""  # the files are made for the view shown, when asked for


def page_address() -> str:
    """The query string of the page the explorer is served to ("" in JupyterLab).

    Voilà gives it to the kernel as ``QUERY_STRING``; a kernel started before the visit (Voilà's
    ``preheat_kernel``) waits here until the visit, so what is worked out before is ready."""
    from voila.utils import wait_for_request

    wait_for_request()
    return os.environ.get("QUERY_STRING", "")


def build(la: str = "Doncaster", indicator: str = "re_referrals", year: int | None = None,
          comparator: str = "sn", level: float = 0.95, view: str = "profile") -> ExplorerApp:
    """Load the data once and make the explorer; show ``build(...).widget``. ``view``: the
    landing view, "profile" (every indicator for the LA) or "indicator" (one in detail).

    Every indicator's ranks and bands, and every LA's judged figures for it (with the
    neighbour list in force each year, at ``level``), are worked out at start-up, so that a
    change of LA or indicator only picks rows.
    """
    log_to_server()
    data = load_explorer_data()
    for ind in data.catalogue.benchmarked():
        bands_by_year(data, ind.id)  # and so its ranks
    judge_every(data, None, level)  # every indicator's at once (as prepared, when it matches)
    la_judged_rows(data, "", None, level, JUDGED_COLUMNS)  # where each LA's rows are, for the profile
    gc.freeze()  # the loaded data and libraries are kept for good: the collector skips them
    return ExplorerApp(data, ExplorerSelection(la=la, indicator=indicator, year=year,
                                               comparator=comparator, level=level, shows=view))
