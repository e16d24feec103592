"""The profile's widgets: the "Sort by" list, the table, the one trend chart and the hidden box
a click on an indicator's name writes into. :class:`analysis.explorer.widgets.ExplorerApp`
owns one and shows it as the page's profile view.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from analysis.explorer.guard import guarded
from analysis.explorer.profile_page import SORTS, profile_html, sorted_profile
from analysis.explorer.profile_spec import profile_trend_spec
from analysis.explorer.profile_view import ProfileView
from analysis.explorer.spec_style import ChartSpec

#: Profile charts kept (one per LA), so going back to an LA sends what was sent before.
CHARTS_KEPT = 24

STYLE = """<style>
.explorer-profile-table caption { text-align: left; font-weight: bold; padding: 4px 0; }
.explorer-profile-table td:nth-of-type(-n+7) { white-space: nowrap; }
.explorer-profile-topic th { background: #f2f2f2; font-weight: bold; }
.explorer-open-button { background: none; border: none; padding: 0; color: #0b55a0;
  text-decoration: underline; cursor: pointer; font: inherit; text-align: left; }
.explorer-source-line { color: #555; font-size: 12px; }
.explorer-open-button:focus { outline: 2px solid #0b55a0; outline-offset: 2px; }
</style>"""


class ProfileBox:
    """The profile view's widgets; :meth:`show` draws a :class:`ProfileView`."""

    def __init__(self, chart_output: Callable[[ChartSpec], dict[str, Any]],
                 words_html: Callable[[ChartSpec], str], messages: w.HTML) -> None:
        self.chart_output, self.words_html = chart_output, words_html
        self.messages = messages  # the page's line for what went wrong
        self.sort = w.Dropdown(description="Sort by", options=list(SORTS), value="topic",
                               style={"description_width": "initial"},
                               layout=w.Layout(width="420px")).add_class("explorer-sort-by")
        self.intro = w.HTML().add_class("explorer-profile-intro")
        self.table = w.HTML().add_class("explorer-profile")
        self.source = w.HTML().add_class("explorer-profile-source")
        self.chart = w.Output().add_class("explorer-chart").add_class("explorer-chart-profile")
        self.words = w.HTML().add_class("explorer-words-profile")
        #: Written by a click on an indicator's name (profile_page._OPEN_SCRIPT); hidden.
        self.open = w.Text(value="", continuous_update=True,
                           layout=w.Layout(display="none")).add_class("explorer-open")
        self.drawn: dict[str, tuple[dict[str, Any], ...]] = {}
        self.words_of: dict[str, str] = {}
        self.marked = 0
        self.chart_shown: tuple[dict[str, Any], ...] = ()
        self.shown: ProfileView | None = None
        self.widget = w.VBox([w.HTML(STYLE), w.HTML("<h2>Every indicator</h2>"), self.intro, self.sort,
                              self.table, self.source, w.HTML("<h2>Every indicator over the years</h2>"),
                              self.chart, self.words, self.open])
        self.sort.observe(self._sorted, "value")

    def show(self, view: ProfileView, update: int) -> None:
        """Draw ``view``: the chart first (once per LA), then the table."""
        self.shown = view
        la = view.la
        if la is None or view.rows is None or view.trend is None:
            self.intro.value = self.table.value = self.source.value = self.words.value = ""
            self.set_chart((), update)
            return
        if la.new_code not in self.drawn:
            chart = profile_trend_spec(view.trend, la.name, source=view.source or "Source: DfE.",
                                       decimals={i: int(d) for i, d in zip(view.rows["indicator"],
                                                                           view.rows["decimals"], strict=True)},
                                       file_name=f"{la.name.lower().replace(' ', '_')}_profile")
            self.drawn[la.new_code] = (self.chart_output(chart),)
            self.words_of[la.new_code] = self.words_html(chart)
            while len(self.drawn) > CHARTS_KEPT:
                first = next(iter(self.drawn))
                self.drawn.pop(first)
                self.words_of.pop(first, None)
        self.set_chart(self.drawn[la.new_code], update)
        self.words.value = self.words_of[la.new_code]
        self.intro.value = (f"<p>Every published indicator for {html.escape(la.name)}, "
                            f"{html.escape(view.year_text)}, grouped by topic. Click an indicator's "
                            "name to see it in detail. Ranks and quartile bands as in DfE's LAIT "
                            "(rank 1 and band A best); judgements at "
                            f"{view.selection.level * 100:g}% confidence.</p>")
        self.draw_table()

    @guarded
    def _sorted(self, _change: dict[str, Any]) -> None:
        self.draw_table()

    def draw_table(self) -> None:
        view = self.shown
        if view is None or view.la is None or view.rows is None:
            return
        label = dict((k, v) for v, k in SORTS)[str(self.sort.value)]
        caption = f"{view.la.name}: every indicator, {view.year_text} (sorted: {label[:1].lower()}{label[1:]}, within each topic)"
        self.table.value = profile_html(sorted_profile(view.rows, str(self.sort.value)), la_name=view.la.name,
                                        group_heading=view.group_heading, caption=caption)
        self.source.value = f'<p class="explorer-source-line">{html.escape(view.source)}</p>' if view.source else ""

    def set_chart(self, outputs: tuple[dict[str, Any], ...], update: int) -> None:
        """Show ``outputs`` in the chart box (sent only when changed), marked as update ``update``'s."""
        with self.chart.hold_sync():
            if self.chart_shown is not outputs:
                self.chart.outputs = outputs
                self.chart_shown = outputs
            if self.marked:
                self.chart.remove_class(f"explorer-update-{self.marked}")
            self.chart.add_class(f"explorer-update-{update}")
            self.marked = update
