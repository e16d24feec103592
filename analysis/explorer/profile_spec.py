"""The LA profile's one trend chart: a small line chart per indicator, in one Vega-Lite spec.

The profile shows every indicator's trend as one chart (a facet of small multiples, one panel
per indicator in the profile's order, each with its own value scale), so the browser draws
one chart for the whole profile, not one per row. Each panel has the LA's line (solid, blue)
and England's (dashed, black); the alt text names each indicator's first and latest figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from analysis.charts.house import COLOURS
from analysis.explorer.spec_style import DASHES, WIDTH, ChartSpec, chart, legend_lines, number

#: Panels per row and each panel's plot size in pixels.
COLUMNS = 5
PANEL_WIDTH = 118
PANEL_HEIGHT = 56
#: Characters per line of a panel's title (longer names wrap onto a second and third line).
TITLE_CHARACTERS = 24


@lru_cache(maxsize=256)
def _wrapped(label: str) -> str:
    """A panel title with "|" where it wraps (the chart splits it into lines)."""
    import textwrap

    return "|".join(textwrap.wrap(label, TITLE_CHARACTERS)[:3])


#: England's line is left out of a panel where its figures are this many times the LA's largest:
#: a national total (a count of children), not a figure to compare with the LA's.
TOTAL_RATIO = 10.0


def national_totals(trend: pd.DataFrame) -> set[str]:
    """The indicators whose England figures are national totals (see :data:`TOTAL_RATIO`)."""
    most = trend.groupby("indicator", sort=False)[["value", "england"]].max()
    return {str(i) for i, r in most.iterrows() if pd.notna(r["england"]) and pd.notna(r["value"])
            and r["england"] > TOTAL_RATIO * max(float(r["value"]), 1e-9)}


def _format(value: float, unit: str, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text + "%" if unit == "percent" else text


def profile_trend_alt(trend: pd.DataFrame, la_name: str, decimals: dict[str, int],
                      totals: set[str] | None = None) -> str:
    """The chart in words: what it shows, then each indicator's first and latest figure.
    ``totals``: :func:`national_totals` of ``trend``, when already worked out."""
    shown: dict[str, list[Mapping[str, Any]]] = {}
    for row in trend.to_dict("records"):
        if pd.notna(row["value"]):
            shown.setdefault(str(row["indicator"]), []).append(row)
    parts = [_first_and_last(rows, decimals.get(indicator, 1)) for indicator, rows in shown.items()]
    totals = national_totals(trend) if totals is None else totals
    return (f"Small line charts of {la_name}'s figure each year for each of its {len(shown)} indicators "
            "with figures, with England's beside it"
            + (" (not for counts, where England's is a national total)" if totals else "")
            + ". " + "; ".join(parts) + ".")


def _first_and_last(rows: Sequence[Mapping[str, Any]], places: int) -> str:
    """"Re-referrals within 12 months: 23.7% in 2012-13, 29.4% in 2024-25"."""
    first, last = rows[0], rows[-1]
    unit = str(first["unit"])
    latest = f"{_format(last['value'], unit, places)} in {last['period']}"
    if len(rows) == 1:
        return f"{first['label']}: {latest}"
    return f"{first['label']}: {_format(first['value'], unit, places)} in {first['period']}, {latest}"


def profile_trend_spec(trend: pd.DataFrame, la_name: str, *, decimals: dict[str, int], source: str,
                       file_name: str) -> ChartSpec:
    """One chart of every indicator's trend for the LA (``trend``: rows of
    :func:`analysis.explorer.profile.trend_rows`), or a note when there is nothing to draw."""
    if trend.empty or trend["value"].notna().sum() == 0:
        return ChartSpec("profile", None, "", f"No figures to chart for {la_name}.")
    names = [la_name, "England"]
    values: list[dict[str, Any]] = []
    order = list(dict.fromkeys(_wrapped(str(label)) for label in trend["label"]))
    totals = national_totals(trend)
    for row in trend.to_dict("records"):
        title, year = _wrapped(str(row["label"])), int(row["year"])
        values.append({"panel": title, "year": year, "line": la_name, "value": number(row["value"])})
        if row["indicator"] not in totals:
            values.append({"panel": title, "year": year, "line": "England", "value": number(row["england"])})
    encoding = {
        "x": {"field": "year", "type": "quantitative", "title": None,
              "scale": {"domain": [int(trend["year"].min()), int(trend["year"].max())], "nice": False},
              "axis": {"format": "d", "values": [int(trend["year"].min()), int(trend["year"].max())],
                       "labelFontSize": 9, "grid": False}},
        "y": {"field": "value", "type": "quantitative", "title": None, "scale": {"zero": False},
              "axis": {"tickCount": 3, "labelFontSize": 9, "format": ",~r"}},
        **legend_lines(names, [COLOURS["la"], COLOURS["england"]], [DASHES["solid"], DASHES["england"]],
                       [2.2, 1.2]),
    }
    main = {
        "data": {"values": values},
        "facet": {"field": "panel", "type": "nominal", "sort": order, "title": None,
                  "header": {"labelExpr": "split(datum.value, '|')", "labelFontSize": 10,
                             "labelAlign": "left", "labelAnchor": "start", "labelLimit": 0,
                             "labelColor": COLOURS["text"]}},
        "columns": COLUMNS,
        "spacing": {"row": 14, "column": 18},
        "spec": {"width": PANEL_WIDTH, "height": PANEL_HEIGHT,
                 "mark": {"type": "line", "point": {"size": 10, "filled": True}},
                 "encoding": encoding},
        "resolve": {"scale": {"y": "independent"}},
    }
    alt = profile_trend_alt(trend, la_name, decimals, totals)
    subtitle = (f"{la_name} (solid line) and England (dashed) each year; each chart has its own scale"
                + ("; England's national totals (counts) are left out" if totals else "")
                + ". Years are labelled by the year the figures end in (2017: 2016-17).")
    spec = chart(title=f"{la_name}: every indicator over the years", subtitle=subtitle, source=source,
                 alt=alt, main=main, file_name=file_name, width=WIDTH + 180)
    return ChartSpec("profile", spec, alt)
