"""The interactive benchmark explorer: widgets wired to :func:`analysis.explorer.explorer_view`.

``notebooks/explorer.ipynb`` calls :func:`build` and shows the widget; the same notebook runs
in JupyterLab (``make lab``) and as a web page (``make explorer``, Voilà). The data is loaded
once; every change works the view out from memory and redraws the table, the sentence and
the charts in place. Only this module touches ipywidgets; the logic is in
:mod:`analysis.explorer` and the charts come through :mod:`analysis.explorer_charts`.
"""

from __future__ import annotations

import base64
import gc
import html
import logging
import time
from dataclasses import replace
from typing import Any

import ipywidgets as w
import pandas as pd

from analysis import explorer
from analysis.explorer_charts import CHARTS, EXPORT_DPI, chart_bytes, chart_inputs, draw_chart
from analysis.geography import slugify
from analysis.periods import financial_year_label

log = logging.getLogger(__name__)

ALL_TOPICS = "All topics"
#: Charts kept drawn (a few selections' worth), so going back to one is instant.
DRAWN_KEPT: int = 48

LEVEL_CHOICES: tuple[tuple[str, float], ...] = (("95%", 0.95), ("99.8%", 0.998))


def table_html(frame: pd.DataFrame, css_class: str) -> str:
    """A small table as HTML, every cell escaped."""
    return frame.to_html(index=False, escape=True, border=0, classes=[css_class, "explorer-grid"])


def data_link(content: bytes, mime: str, file_name: str, text: str) -> str:
    """An anchor that downloads ``content`` as ``file_name`` (a data URI: no server file)."""
    encoded = base64.b64encode(content).decode("ascii")
    return (f'<a download="{html.escape(file_name)}" href="data:{mime};base64,{encoded}" '
            f'class="explorer-download">{html.escape(text)}</a>')


def image_html(png: bytes, alt: str) -> str:
    """The chart's PNG inline with its alt text."""
    return (f'<img class="explorer-img" style="max-width:100%" alt="{html.escape(alt, quote=True)}" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"/>')


STYLE = """<style>
.explorer-grid { border-collapse: collapse; font-size: 13px; margin: 4px 0 10px 0; }
.explorer-grid th, .explorer-grid td { border-bottom: 1px solid #ccc; padding: 2px 8px;
  text-align: left; line-height: 1.3; vertical-align: top; }
.explorer-messages { color: #8a1c1c; font-weight: bold; }
.explorer-status { color: #555; font-size: 12px; }
</style>"""


class ExplorerApp:
    """The explorer's widgets and the state they show (one per notebook kernel)."""

    def __init__(self, data: explorer.ExplorerData, selection: explorer.ExplorerSelection) -> None:
        self.data = data
        self.selection = selection
        self.view: explorer.ExplorerView | None = None
        self.figures: dict[str, Any] = {}
        self.drawn: dict[tuple[object, ...], tuple[str, Any, str]] = {}  # chart inputs -> shown
        self.timings: list[float] = []
        choices = explorer.indicator_choices(data.catalogue)
        self.topics = [ALL_TOPICS, *dict.fromkeys(t for t, _ in choices)]
        self.labels_by_topic = {t: [lab for top, lab in choices if t in (ALL_TOPICS, top)]
                                for t in self.topics}
        years = sorted(int(y) for y in data.table["year"].unique())
        wide = w.Layout(width="420px")
        first_ind, _ = explorer.find_indicator(selection.indicator, data.catalogue)
        self.la = w.Combobox(description="LA", value=selection.la, options=data.la_names,
                             placeholder="name or code, e.g. Doncaster or 371",
                             ensure_option=False, continuous_update=False, layout=wide)
        self.topic = w.Dropdown(description="Topic", options=self.topics, value=ALL_TOPICS, layout=wide)
        self.indicator = w.Combobox(description="Indicator",
                                    value=first_ind.label if first_ind else selection.indicator,
                                    options=self.labels_by_topic[ALL_TOPICS], placeholder="type to search",
                                    ensure_option=False, continuous_update=False,
                                    layout=w.Layout(width="560px"))
        self.year = w.Dropdown(description="Year", value=selection.year,
                               options=[("Latest", None), *[(financial_year_label(y), y) for y in years]])
        self.comparator = w.Dropdown(description="Compare with", value=selection.comparator,
                                     options=list(explorer.COMPARATOR_CHOICES),
                                     layout=w.Layout(width="560px"),
                                     style={"description_width": "initial"})
        self.group = w.Textarea(value=", ".join(selection.group), continuous_update=False,
                                placeholder="LAs to compare with, separated by commas",
                                layout=w.Layout(width="560px", height="60px"))
        self.fill_region = w.Button(description="The region's LAs", tooltip="List the LA's region")
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
        self.chart_boxes = {key: w.HTML().add_class(f"explorer-chart-{key}") for key, _ in CHARTS}
        self.funnel_text = w.HTML().add_class("explorer-funnel-line")
        self.consortium = w.HTML().add_class("explorer-consortium")
        self.bands = w.HTML().add_class("explorer-bands")
        self.csv_link = w.HTML().add_class("explorer-csv")
        self.export = w.Button(description="Prepare chart files (PNG, SVG)",
                               layout=w.Layout(width="260px"))
        self.export_links = w.HTML().add_class("explorer-chart-files")
        self.widget = self._layout()
        self.la.observe(self._changed, "value")
        self.indicator.observe(self._changed, "value")
        self.year.observe(self._changed, "value")
        self.comparator.observe(self._changed, "value")
        self.group.observe(self._changed, "value")
        self.level.observe(self._changed, "value")
        self.topic.observe(self._topic_changed, "value")
        self.fill_region.on_click(self._fill_region)
        self.export.on_click(self._export)
        self.refresh()

    def _layout(self) -> w.Widget:
        charts = []
        for key, heading in CHARTS:
            charts.append(w.HTML(f"<h3>{html.escape(heading)}</h3>"))
            charts.append(self.chart_boxes[key])
            if key == "funnel":
                charts.append(self.funnel_text)
        return w.VBox([
            w.HTML(STYLE),
            w.HBox([self.la, self.year, self.level]),
            w.HBox([self.topic]), self.indicator,
            self.comparator, self.group_box,
            self.status, self.messages,
            w.HTML("<h3>The figures</h3>"), self.table, self.sentence, self.group_text,
            *charts,
            w.HTML("<h3>Each LA of the comparator group</h3><p>Value, national rank, quartile band "
                   "(A best) and the judgement against England; band letters carry the meaning, "
                   "not colour.</p>"),
            self.consortium, self.bands,
            w.HTML("<h3>Save what you see</h3>"), self.csv_link, self.export, self.export_links,
        ])

    # --- events ----------------------------------------------------------------------------

    def _topic_changed(self, _change: dict[str, Any]) -> None:
        self.indicator.options = self.labels_by_topic[self.topic.value]

    def _fill_region(self, _button: w.Button) -> None:
        view = self.view
        if view is None or view.la is None or view.year is None:
            self.messages.value = "Pick an LA and a year first."
            return
        codes = explorer._region_members(self.data, view.la, view.year)
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

    def _changed(self, _change: dict[str, Any]) -> None:
        self.selection = self.selection_from_widgets()
        self.refresh()

    def selection_from_widgets(self) -> explorer.ExplorerSelection:
        """The selection the widgets show (values as typed)."""
        return replace(self.selection, la=str(self.la.value or ""),
                       indicator=str(self.indicator.value or ""), year=self.year.value,
                       comparator=str(self.comparator.value),
                       group=explorer.split_names(str(self.group.value or "")),
                       level=float(self.level.value))

    # --- drawing ---------------------------------------------------------------------------

    def refresh(self) -> float:
        """Work the view out and redraw everything; returns the seconds it took."""
        start = time.perf_counter()
        # Drawing four charts makes hundreds of thousands of small objects; the cyclic garbage
        # collector would run a few hundred times meanwhile (about a tenth of the update). It
        # is paused while the page is updated and runs once after, while the analyst reads.
        gc.disable()
        try:
            self._show(explorer.explorer_view(self.data, self.selection))
        except Exception as exc:  # a bug must not leave the page half drawn or show a traceback
            log.exception("explorer failed for %s", self.selection)
            self.messages.value = html.escape(f"Could not show this selection ({type(exc).__name__}).")
        finally:
            gc.enable()
        took = time.perf_counter() - start
        self.timings.append(took)
        view = self.view
        la = view.la.name if view and view.la else self.selection.la
        ind = view.indicator.label if view and view.indicator else self.selection.indicator
        self.status.value = html.escape(
            f"Showing {la} · {ind} · "
            f"{self.view.period if self.view and self.view.period else '-'} · "
            f"update {len(self.timings)} in {took:.2f} s")
        return took

    def _show(self, view: explorer.ExplorerView) -> None:
        from analysis.tables import format_benchmark_table

        self.view = view
        self.group_box.layout.display = "" if view.selection.comparator == "list" else "none"
        self.messages.value = "<br>".join(html.escape(m) for m in view.messages)
        self.export_links.value = ""
        row = view.row
        if row is None or view.indicator is None or view.la is None:
            for box in (self.table, self.sentence, self.group_text, self.funnel_text,
                        self.consortium, self.bands, self.csv_link, *self.chart_boxes.values()):
                box.value = ""
            self.figures = {}
            return
        row_table = format_benchmark_table(row.to_frame().T)
        self.table.value = table_html(row_table, "explorer-row")
        self.sentence.value = f"<p>{html.escape(view.sentence)}</p>"
        self.group_text.value = (f"<p>{html.escape(explorer.group_line(view.group, view.indicator, view.la, float(row['value'])))}</p>"
                                 if view.group is not None else "")
        self.funnel_text.value = f"<p>{html.escape(view.funnel_text)}</p>" if view.funnel_text else ""
        members = None
        if view.group is not None and view.all_values is not None:
            members = explorer.consortium_table(view.group, view.all_values, view.indicator,
                                                float(row["england"]), view.selection.level)
            self.consortium.value = table_html(members, "explorer-consortium-table")
            topic = [i for i in self.data.catalogue.benchmarked() if i.topic == view.indicator.topic
                     and i.polarity != "none" and not i.no_quartile]  # the banded ones
            grid = explorer.band_grid(self.data, view.group.members["old_la_code"].tolist(), topic,
                                      int(view.year or 0))
            self.bands.value = (f"<p>Quartile bands in {html.escape(view.period)} across "
                                f"{html.escape(view.indicator.topic.lower())} (A best, D worst; "
                                f"- no band):</p>" + explorer.band_grid_html(grid))
        else:
            self.consortium.value = "<p>No comparator group to list.</p>"
            self.bands.value = ""
        self.csv_link.value = data_link(explorer.view_csv(view, members, row_table).encode("utf-8"), "text/csv",
                                        f"{self._file_stem(view)}.csv", "Table as CSV (with sources)")
        self.figures = {}
        for key, _ in CHARTS:
            inputs = chart_inputs(view, key)
            if inputs not in self.drawn:
                chart = draw_chart(view, key)
                shown = (f"<p><em>{html.escape(chart.note)}</em></p>" if chart.figure is None
                         else image_html(chart_bytes(chart.figure), chart.alt))
                self.drawn[inputs] = (shown, chart.figure, chart.alt)
                while len(self.drawn) > DRAWN_KEPT:
                    self.drawn.pop(next(iter(self.drawn)))
            shown, figure, alt = self.drawn[inputs]
            if figure is not None:
                self.figures[key] = (figure, alt)
            if self.chart_boxes[key].value != shown:
                self.chart_boxes[key].value = shown

    @staticmethod
    def _file_stem(view: explorer.ExplorerView) -> str:
        assert view.la is not None and view.indicator is not None
        return f"{view.la.slug}_{view.indicator.id}_{slugify(view.period)}"

    def _export(self, _button: w.Button) -> None:
        view = self.view
        if view is None or not self.figures:
            self.export_links.value = "<p>No chart to save.</p>"
            return
        links = []
        for key, (figure, alt) in self.figures.items():
            stem = f"{self._file_stem(view)}_{key}"
            links.append(" · ".join([
                data_link(chart_bytes(figure, "png", EXPORT_DPI), "image/png", f"{stem}.png", f"{key} PNG"),
                data_link(chart_bytes(figure, "svg"), "image/svg+xml", f"{stem}.svg", f"{key} SVG"),
                data_link(alt.encode("utf-8"), "text/plain", f"{stem}.txt", "alt text"),
            ]))
        self.export_links.value = "<p>" + "<br>".join(links) + "</p>"


def build(la: str = "Doncaster", indicator: str = "re_referrals", year: int | None = None,
          comparator: str = "sn", level: float = 0.95) -> ExplorerApp:
    """Load the data once and make the explorer; show ``build(...).widget``.

    Every indicator's ranks and bands are worked out at start-up, so no change waits for them.
    """
    data = explorer.load_explorer_data()
    for ind in data.catalogue.benchmarked():
        explorer.bands_by_year(data, ind.id)  # and so its ranks
    gc.freeze()  # the loaded data and libraries are kept for good: the collector skips them
    return ExplorerApp(data, explorer.ExplorerSelection(la=la, indicator=indicator, year=year,
                                                        comparator=comparator, level=level))
