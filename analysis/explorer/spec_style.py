"""The house style of the explorer's Vega-Lite charts, and the frame every chart sits in.

JupyterLab and Voilà draw ``application/vnd.vegalite.v5+json`` output (:data:`MIME`) with the
Vega renderer they ship (no internet needed). :func:`chart` puts a chart's view under its title
and subtitle, with the source line under it (so a saved PNG or SVG carries it) and the alt text
as the spec's ``description``, which Vega sets as the chart's ARIA label; the menu on each
chart ("...") saves it as PNG or SVG. The fonts, sizes and colours (:data:`CONFIG`) are the
house style's (:mod:`analysis.charts.house`) on a web page. Each chart of
:mod:`analysis.explorer.specs` returns a :class:`ChartSpec`.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from analysis.charts.house import COLOURS, is_missing, unit_axis_label

#: The mimetype JupyterLab's and Voilà's Vega renderer draws.
MIME = "application/vnd.vegalite.v5+json"
#: Names the Vega-Lite version the specs are written for (read by the renderer, not fetched).
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"

#: Plot width in pixels (the axes and labels come on top).
WIDTH = 560
HEIGHT = 260

TEXT = COLOURS["text"]
MUTED = COLOURS["muted"]

#: Dashes in pixels, after the house line styles (matplotlib's are in line widths).
DASHES: dict[str, list[float]] = {
    "solid": [1, 0], "england": [6, 4], "region": [8, 3, 2, 3], "sn_mean": [2, 2],
    "limit_95": [6, 4], "limit_998": [2, 2],
}

#: Fonts, sizes and colours shared by every chart (the house style on a web page).
CONFIG: dict[str, Any] = {
    "font": "DejaVu Sans, Verdana, Arial, sans-serif",
    "background": "white",
    "view": {"stroke": None},
    "title": {"anchor": "start", "fontSize": 15, "fontWeight": "bold", "color": TEXT,
              "subtitleFontSize": 12, "subtitleColor": MUTED, "subtitlePadding": 4, "offset": 12},
    "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal",
             "labelColor": TEXT, "titleColor": TEXT, "domainColor": "#8C8C8C",
             "tickColor": "#8C8C8C", "gridColor": COLOURS["grid"]},
    "legend": {"labelFontSize": 11, "labelColor": TEXT, "orient": "bottom", "direction": "horizontal",
               "symbolStrokeWidth": 2, "labelLimit": 300},
    "text": {"fontSize": 11, "color": TEXT},
    "concat": {"spacing": 8},
}


@dataclass(frozen=True)
class ChartSpec:
    """One explorer chart: the Vega-Lite spec and its alt text, or why there is no chart
    (``spec`` None and ``note`` saying why)."""

    key: str
    spec: dict[str, Any] | None
    alt: str
    note: str = ""


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width) or [""]


def number(value: object, decimals: int = 3) -> float | None:
    """A JSON number (rounded), or None (JSON null) for a missing value."""
    return None if is_missing(value) else round(float(value), decimals)  # type: ignore[arg-type]


def value_axis(unit: str, title: str | None = None) -> dict[str, Any]:
    """A value axis labelled by unit: 20% for per cent, 1,200 otherwise."""
    label = "format(datum.value, ',~f')" + (" + '%'" if unit == "percent" else "")
    return {"title": unit_axis_label(unit) if title is None else title, "labelExpr": label,
            "grid": True, "tickCount": 6}


def _source_view(source: str, width: int) -> dict[str, Any]:
    """The source line under the chart (in the chart, so a saved PNG or SVG carries it)."""
    lines = _wrap(source, int(width / 6.2))
    return {"width": width, "height": 14 * len(lines), "data": {"values": [{}]},
            "mark": {"type": "text", "text": lines, "x": 0, "y": 0, "align": "left",
                     "baseline": "top", "fontSize": 10.5, "lineHeight": 14, "color": MUTED}}


def chart(*, title: str, subtitle: str, source: str, alt: str, main: dict[str, Any],
          file_name: str, width: int = WIDTH,
          datasets: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The whole spec: title and subtitle above ``main`` (a Vega-Lite view), the source line
    under it, the alt text as its description; the chart's menu saves PNG or SVG only.
    ``datasets``: data several layers of ``main`` use, by name (sent once)."""
    return {
        **({"datasets": datasets} if datasets else {}),
        "$schema": SCHEMA,
        "description": alt,
        "title": {"text": _wrap(title, int(width / 8.6)), "subtitle": _wrap(subtitle, int(width / 6.4))},
        "vconcat": [main, _source_view(source, width)],
        # each legend under its own chart, above the source line
        "resolve": {"legend": {c: "independent" for c in ("color", "strokeDash", "shape", "fill", "stroke")}},
        "config": CONFIG,
        "usermeta": {"embedOptions": {
            "actions": {"export": True, "source": False, "compiled": False, "editor": False},
            "downloadFileName": file_name,
            "scaleFactor": {"png": 2},
            "i18n": {"CLICK_TO_VIEW_ACTIONS": "Save this chart (PNG or SVG)"},
        }},
    }


def legend_lines(labels: list[str], colours: list[str], dashes: list[list[float]],
                 widths: list[float] | None = None) -> dict[str, Any]:
    """Colour and dash encodings of a ``line`` field: one legend, lines differing in more
    than colour."""
    legend = {"title": None, "symbolType": "stroke", "symbolSize": 300}
    out: dict[str, Any] = {
        "color": {"field": "line", "type": "nominal", "legend": legend,
                  "scale": {"domain": labels, "range": colours}},
        "strokeDash": {"field": "line", "type": "nominal", "legend": legend,
                       "scale": {"domain": labels, "range": dashes}},
    }
    if widths is not None:
        out["strokeWidth"] = {"field": "line", "type": "ordinal", "sort": labels, "legend": None,
                              "scale": {"domain": labels, "range": widths}}
    return out
