"""The trend with each comparator LA's own line: the LA's line drawn bold, one thin line per
LA of its comparator group, each labelled at its end with its name (no legend to match up),
as a Vega-Lite spec (:mod:`analysis.explorer.spec_style`). The alt text names the LAs just
above and below the LA in the latest year it has a figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.charts.house import COLOURS, format_value, spread_positions
from analysis.core.errors import NoDataError
from analysis.explorer.spec_style import HEIGHT, WIDTH, ChartSpec, chart, number, value_axis

if TYPE_CHECKING:
    from analysis.data.catalogue import Indicator

#: The comparator LAs' lines: thin and grey, so the LA's line stands out; told apart by the
#: name at each line's end and in the tooltip.
OTHER_LINE = "#8C8C8C"
#: How much of the chart's width the end labels take.
LABEL_WIDTH = 230


def member_lines(rows: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Each LA's figure every year: rows with old_la_code, area_name, year, period, value (the
    prepared table's LA rows), kept for the LAs in ``order`` (the LA first), in that order."""
    keep = rows[rows["old_la_code"].isin(order)][["old_la_code", "area_name", "year", "period", "value"]]
    rank = {code: i for i, code in enumerate(order)}
    return keep.assign(_order=keep["old_la_code"].map(rank)).sort_values(["_order", "year"]).drop(
        columns="_order").reset_index(drop=True)


def _nearest(latest: pd.DataFrame, la_value: float) -> tuple[pd.Series | None, pd.Series | None]:
    above = latest[latest["value"] > la_value].sort_values("value")
    below = latest[latest["value"] < la_value].sort_values("value", ascending=False)
    return (above.iloc[0] if not above.empty else None), (below.iloc[0] if not below.empty else None)


def neighbour_lines_alt(lines: pd.DataFrame, indicator: Indicator, la_name: str, group_name: str) -> str:
    """The chart in words: what it shows, and in the LA's latest year its figure, the LAs just
    above and below it, and how many of the group are higher."""
    unit, decimals = indicator.unit, indicator.decimals
    la_code = str(lines["old_la_code"].iloc[0])
    mine = lines[(lines["old_la_code"] == la_code) & lines["value"].notna()]
    others = lines[lines["old_la_code"] != la_code]
    n = others["old_la_code"].nunique()
    periods = lines.loc[lines["value"].notna()].sort_values("year")["period"]
    text = (f"Line chart of {indicator.label.lower()} for {la_name} and each of {group_name} "
            f"({n} LAs), one line each, {periods.iloc[0]} to {periods.iloc[-1]}.")
    if mine.empty:
        return text + f" {la_name} has no figure in these years."
    last = mine.sort_values("year").iloc[-1]
    la_value, period = float(last["value"]), str(last["period"])
    latest = others[(others["year"] == last["year"]) & others["value"].notna()]
    above, below = _nearest(latest, la_value)

    def named(row: pd.Series) -> str:
        return f"{row['area_name']} ({format_value(row['value'], unit, decimals)})"

    text += f" In {period} {la_name} is {format_value(la_value, unit, decimals)}"
    if above is not None and below is not None:
        text += f", between {named(below)} just below it and {named(above)} just above it."
    elif above is not None:
        text += f", the lowest of the group; {named(above)} is just above it."
    elif below is not None:
        text += f", the highest of the group; {named(below)} is just below it."
    else:
        text += "; no LA of the group has a figure that year."
    if above is not None and below is not None:
        higher = int((latest["value"] > la_value).sum())
        text += f" {higher} of the {len(latest)} with a figure that year are higher."
    return text


def neighbour_lines_spec(lines: pd.DataFrame, indicator: Indicator, *, la_name: str, group_name: str,
                         source: str, file_name: str) -> ChartSpec:
    """The LA's line (bold, the LA's colour) and one thin labelled line per comparator LA, every
    year. ``lines``: :func:`member_lines` (the LA's rows first); ``group_name``: the group in the
    reader's words ("its statistical neighbours", "the LAs in Yorkshire and The Humber")."""
    if lines.empty or lines["value"].notna().sum() == 0:
        raise NoDataError(f"no figures to chart for {indicator.label} in this group")
    unit, decimals = indicator.unit, indicator.decimals
    la_code = str(lines["old_la_code"].iloc[0])
    alt = neighbour_lines_alt(lines, indicator, la_name, group_name)
    years = sorted(int(y) for y in lines["year"].unique())
    period_of = dict(zip(lines["year"].astype(int), lines["period"].astype(str), strict=False))
    periods = [period_of[y] for y in years]
    names = list(dict.fromkeys(str(n) for n in lines["area_name"]))
    values = [{"period": str(r["period"]), "name": str(r["area_name"]), "value": number(r["value"]),
               "is_la": r["old_la_code"] == la_code} for r in lines.to_dict("records")]
    ends: list[tuple[float, str, str, bool]] = []  # (last value, where, text, is the LA)
    for code, rows in lines[lines["value"].notna()].groupby("old_la_code", sort=False):
        last = rows.sort_values("year").iloc[-1]
        text = f"{last['area_name']} {format_value(last['value'], unit, decimals)}"
        ends.append((float(last["value"]), str(last["period"]), text, code == la_code))
    top = max(v["value"] for v in values if v["value"] is not None) * 1.05 or 1.0
    spread = spread_positions([e[0] for e in ends], top * 13 / HEIGHT)
    end_rows = [{"period": where, "y": round(y, 4), "text": text, "is_la": la}
                for (_, where, text, la), y in zip(ends, spread, strict=True)]
    x = {"field": "period", "type": "ordinal", "sort": periods, "title": None,
         "axis": {"labelAngle": 0, "grid": False,
                  "values": [p for i, p in enumerate(periods) if (len(periods) - 1 - i) % (1 if len(periods) <= 7 else 2) == 0]}}
    y = {"field": "value", "type": "quantitative", "scale": {"domain": [0, round(top, 4)], "nice": False},
         "axis": value_axis(unit)}
    la_test = "datum.is_la"
    end_y = {"field": "y", "type": "quantitative"}
    tooltip = [{"field": "name", "title": "LA"}, {"field": "period", "title": "Year"},
               {"field": "value", "title": indicator.label, "format": f",.{decimals}f"}]
    layers: list[dict[str, Any]] = [
        {"transform": [{"filter": f"!{la_test}"}], "mark": {"type": "line", "strokeWidth": 1, "color": OTHER_LINE},
         "encoding": {"x": x, "y": y, "detail": {"field": "name", "type": "nominal"}}},
        {"transform": [{"filter": f"!{la_test}"}],
         "mark": {"type": "point", "filled": True, "size": 12, "color": OTHER_LINE},
         "encoding": {"x": x, "y": y, "tooltip": tooltip}},
        {"transform": [{"filter": la_test}], "mark": {"type": "line", "strokeWidth": 3, "color": COLOURS["la"]},
         "encoding": {"x": x, "y": y}},
        {"transform": [{"filter": la_test}],
         "mark": {"type": "point", "filled": True, "size": 50, "color": COLOURS["la"], "opacity": 1},
         "encoding": {"x": x, "y": y, "tooltip": tooltip}},
        {"data": {"values": [r for r in end_rows if not r["is_la"]]},
         "mark": {"type": "text", "align": "left", "dx": 8, "fontSize": 10, "color": "#555555"},
         "encoding": {"x": x, "y": end_y, "text": {"field": "text"}}},
        {"data": {"values": [r for r in end_rows if r["is_la"]]},
         "mark": {"type": "text", "align": "left", "dx": 8, "fontSize": 10, "fontWeight": "bold",
                  "color": COLOURS["la"]},
         "encoding": {"x": x, "y": end_y, "text": {"field": "text"}}},
    ]
    main = {"width": WIDTH - LABEL_WIDTH // 2, "height": HEIGHT + 40, "data": {"values": values},
            "layer": layers}
    subtitle = (f"{la_name} (bold) and each of {group_name}, one line each "
                f"({len(names) - 1} LAs), named at the end of its line.")
    spec = chart(title=indicator.label, subtitle=subtitle, source=source, alt=alt, main=main,
                 file_name=file_name)
    return ChartSpec("trend", spec, alt)

