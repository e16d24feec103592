"""What the explorer's chart boxes are sent: a chart's Vega-Lite output (its alt text as the
text fallback) or the line saying why there is none, and the chart in words beneath it."""

from __future__ import annotations

import html
from typing import Any

from analysis.explorer.spec_style import MIME, ChartSpec

#: A 1-pixel PNG sent with every chart. JupyterLab's Vega renderer, after drawing a chart
#: that came without a PNG, draws it a second time as a PNG and stores that in the output (for
#: a notebook saved with its outputs); the explorer's charts live in widgets, are never saved
#: that way and are saved from their own menu, so the second drawing only slows a change.
NO_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/"
          "PchI7wAAAABJRU5ErkJggg==")


def chart_output(chart: ChartSpec) -> dict[str, Any]:
    """What a chart box shows: the chart (its alt text as the text fallback), or why none."""
    if chart.spec is None:
        note = html.escape(chart.note)
        return {"output_type": "display_data", "metadata": {},
                "data": {"text/html": f'<p class="explorer-note"><em>{note}</em></p>',
                         "text/plain": chart.note}}
    return {"output_type": "display_data", "metadata": {},
            "data": {MIME: chart.spec, "text/plain": chart.alt, "image/png": NO_PNG}}


def words_html(chart: ChartSpec) -> str:
    """The chart in words (its alt text), folded away under the chart, to read or copy."""
    if chart.spec is None:
        return ""
    return ('<details class="explorer-alt"><summary>The chart in words</summary>'
            f"<p>{html.escape(chart.alt)}</p></details>")
