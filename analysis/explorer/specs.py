"""The interactive explorer's charts as Vega-Lite specs, drawn in the browser.

JupyterLab and Voilà draw ``application/vnd.vegalite.v5+json`` output with the Vega renderer
they ship (no internet needed), so a change of LA or indicator sends four small specs with
their data instead of four PNGs drawn in the kernel. Each function here is pure: rows in, one
:class:`ChartSpec` out (the spec as a plain dict, data inline, and its alt text, also the
spec's ``description``, which Vega sets as the chart's ARIA label). No matplotlib, no altair.

The charts say what the pack's matplotlib charts say: the same titles, subtitles, source
lines and alt text (:mod:`analysis.charts.words`) in the house colours
(:mod:`analysis.charts.house`; the style and the frame each chart sits in are in
:mod:`analysis.explorer.spec_style`). The menu on each chart ("...") saves it as PNG or SVG,
with its title and source line, under a file name naming the LA, indicator and year.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.charts.house import (
    COLOURS,
    format_value,
    is_missing,
    spread_positions,
    unit_axis_label,
)
from analysis.charts.value_axis import funnel_value_range
from analysis.charts.words import (
    all_las_ranked_alt_text,
    all_las_ranked_subtitle,
    all_sorted,
    annual_trend_alt_text,
    annual_trend_subtitle,
    funnel_limits_frame,
    funnel_plot_alt_text,
    funnel_plot_subtitle,
    funnel_points_frame,
    funnel_positions,
    la_row,
    line_names,
    neighbour_label,
    neighbours_ranked_alt_text,
    neighbours_ranked_subtitle,
    neighbours_sorted,
    order_words,
    period_label,
    rank_words,
    trend_frame,
)
from analysis.core.errors import NoDataError
from analysis.explorer.spec_style import (
    DASHES,
    HEIGHT,
    MUTED,
    TEXT,
    WIDTH,
    ChartSpec,
    chart,
    legend_lines,
    number,
    value_axis,
)

if TYPE_CHECKING:
    from analysis.data.catalogue import Indicator
    from analysis.engine.funnels import Funnel

_LIMIT_GREY = "#555555"


# --- the LA in its comparator group ----------------------------------------------------------

def group_spec(members: pd.DataFrame, indicator: Indicator, *, source: str, period: str,
               file_name: str, england: float | None = None, mean: float | None = None,
               group_name: str | None = None) -> ChartSpec:
    """The LA and its comparator group as bars, best to worst, the LA marked; England and the
    group's mean as lines.

    ``members``: rows of :func:`analysis.engine.benchmark.neighbour_values` (area_name, value, is_la,
    numerator). ``group_name`` (e.g. "LAs in Yorkshire and The Humber") names a group other
    than the statistical neighbours, whose words the chart otherwise uses.
    """
    if members.empty or members["value"].notna().sum() == 0:
        raise NoDataError(f"no figures to chart for {indicator.label} in this group")
    rows = neighbours_sorted(members, indicator.polarity)
    alt = neighbours_ranked_alt_text(members, indicator, england=england, sn_mean=mean, period=period)
    subtitle = neighbours_ranked_subtitle(rows, indicator, period)
    mean_label = "Neighbour mean"
    if group_name is not None:  # the chart's words are for statistical neighbours
        subtitle = subtitle.replace("its statistical neighbours", group_name)
        alt = alt.replace("statistical neighbours", group_name).replace("neighbour", "group")
        mean_label = "Group mean"
    unit, decimals = indicator.unit, indicator.decimals
    numerators = rows["numerator"] if "numerator" in rows else pd.Series([None] * len(rows))
    bars = [number(v) or 0.0 for v in rows["value"]]
    values = [{"name": str(n), "value": number(v), "bar": bar,
               "label": neighbour_label(v, k, unit, decimals), "is_la": bool(la)}
              for n, v, bar, k, la in zip(rows["area_name"], rows["value"], bars, numerators,
                                          rows["is_la"].fillna(False), strict=True)]
    names = [str(n) for n in rows["area_name"]]
    la_name = next((n for n, v in zip(names, values, strict=True) if v["is_la"]), None)
    refs = [(f"England {format_value(england, unit, decimals)}", england, COLOURS["england"],
             DASHES["england"]),
            (f"{mean_label} {format_value(mean, unit, decimals)}", mean, COLOURS["neighbours"],
             DASHES["sn_mean"])]
    refs = [r for r in refs if r[1] is not None and not is_missing(r[1])]
    top = max(bars + [float(r[1]) for r in refs if r[1] is not None]) or 1.0
    x = {"field": "bar", "type": "quantitative", "axis": None, "scale": {"domain": [0, top * 1.3]}}
    is_la_test = f"datum.value === {json.dumps(la_name)}"
    y = {"field": "name", "type": "nominal", "sort": names, "title": None,
         "axis": {"ticks": False, "domain": False, "labelLimit": 220, "labelPadding": 6,
                  "labelFontWeight": {"condition": {"test": is_la_test, "value": "bold"}, "value": "normal"},
                  "labelColor": {"condition": {"test": is_la_test, "value": COLOURS["la"]}, "value": TEXT}}}
    tooltip = [{"field": "name", "title": "LA"}, {"field": "label", "title": indicator.label}]
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "bar", "height": {"band": 0.68}},
         "encoding": {"x": x, "y": y, "tooltip": tooltip,
                      "color": {"condition": {"test": "datum.is_la", "value": COLOURS["la"]},
                                "value": COLOURS["other"]}}},
        {"transform": [{"filter": "!datum.is_la"}],
         "mark": {"type": "text", "align": "left", "dx": 5},
         "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
        {"transform": [{"filter": "datum.is_la"}],
         "mark": {"type": "text", "align": "left", "dx": 5, "fontWeight": "bold"},
         "encoding": {"x": x, "y": y, "text": {"field": "label"}}},
    ]
    if refs:
        layers.append({
            "data": {"values": [{"line": label, "x": number(v)} for label, v, _, _ in refs]},
            "mark": {"type": "rule", "strokeWidth": 1.6},
            "encoding": {"x": {"field": "x", "type": "quantitative"},
                         **legend_lines([r[0] for r in refs], [r[2] for r in refs], [r[3] for r in refs])},
        })
    main = {"width": WIDTH, "height": 24 * len(values), "data": {"values": values}, "layer": layers}
    spec = chart(title=indicator.label, subtitle=subtitle, source=source, alt=alt, main=main,
                 file_name=file_name)
    return ChartSpec("group", spec, alt)


# --- the trend over the years ----------------------------------------------------------------

_TREND_KEYS = ("value", "england", "region", "sn_mean")
_TREND_COLUMNS = ("indicator", "year", "period", "la_name", "region_name", *_TREND_KEYS)


def trend_spec(judged: pd.DataFrame, indicator: Indicator, *, source: str,
               file_name: str, ended: str = "") -> ChartSpec:
    """The LA, England, its region and its statistical neighbours' mean over the years, each
    line labelled at its end with its latest figure; gaps where a year has no figure.

    ``judged``: the rows of one indicator from :func:`analysis.engine.benchmark.benchmark_table`;
    ``ended``: a sentence saying the LA's line ends for good (an LA abolished by reorganisation),
    added to the subtitle and alt text; its figure is then labelled "(its last year)" where
    the line ends, not at the chart's right edge as if current.
    """
    judged = judged[[c for c in _TREND_COLUMNS if c in judged]]  # the rest would slow the merges
    frame = trend_frame(judged)
    if frame[list(_TREND_KEYS)].notna().sum().sum() == 0:
        raise NoDataError(f"no figures to chart for {indicator.label}")
    names = line_names(judged)
    alt = annual_trend_alt_text(judged, indicator) + (f" {ended}" if ended else "")
    subtitle = annual_trend_subtitle(frame, names, indicator.polarity) + (f" {ended}" if ended else "")
    unit, decimals = indicator.unit, indicator.decimals
    periods = [period_label(int(y), p) for y, p in
               zip(frame["year"], frame.get("period", pd.Series([None] * len(frame))), strict=True)]
    labels = [names[k] for k in _TREND_KEYS]
    values: list[dict[str, Any]] = []
    ends: list[tuple[float, str, str]] = []  # (last value, label text, key)
    la_end = periods[-1]  # where the LA's label goes
    for key, label in zip(_TREND_KEYS, labels, strict=True):
        column = [number(v) for v in frame[key]]
        if all(v is None for v in column):
            continue
        values += [{"period": p, "line": label, "value": v} for p, v in zip(periods, column, strict=True)]
        last = [v for v in column if v is not None][-1]
        text = f"{label} {format_value(last, unit, decimals)}"
        if key == "value" and ended:
            la_end = periods[max(i for i, v in enumerate(column) if v is not None)]
            text += f" ({la_end}, its last year)"
        ends.append((last, text, key))
    present = [label for label, key in zip(labels, _TREND_KEYS, strict=True) if key in {e[2] for e in ends}]
    colours = {"value": COLOURS["la"], "england": COLOURS["england"], "region": COLOURS["region"],
               "sn_mean": COLOURS["neighbours"]}
    dashes = {"value": DASHES["solid"], "england": DASHES["england"], "region": DASHES["region"],
              "sn_mean": DASHES["sn_mean"]}
    keys = [k for k in _TREND_KEYS if k in {e[2] for e in ends}]
    top = max((v["value"] for v in values if v["value"] is not None), default=1.0) * 1.05 or 1.0
    gap = top * 14 / HEIGHT  # label height in data units
    spread = spread_positions([e[0] for e in ends], gap)
    end_rows = [{"period": la_end if key == "value" else periods[-1], "y": round(y, 4), "text": text,
                 "line": names[key], "is_la": key == "value"} for (_, text, key), y in zip(ends, spread, strict=True)]
    step = 1 if len(periods) <= 7 else 2
    shown = [p for i, p in enumerate(periods) if (len(periods) - 1 - i) % step == 0]
    x = {"field": "period", "type": "ordinal", "sort": periods, "title": None,
         "axis": {"labelAngle": 0, "values": shown, "grid": False}}
    y = {"field": "value", "type": "quantitative", "scale": {"domain": [0, round(top, 4)], "nice": False},
         "axis": value_axis(unit)}
    scale = {"domain": present, "range": [colours[k] for k in keys]}
    colour = {"field": "line", "type": "nominal", "legend": None, "scale": scale}
    lines = {"x": x, "y": y, "color": colour,
             "strokeDash": {"field": "line", "type": "nominal", "legend": None,
                            "scale": {"domain": present, "range": [dashes[k] for k in keys]}},
             "strokeWidth": {"field": "line", "type": "ordinal", "sort": present, "legend": None,
                             "scale": {"domain": present, "range": [3 if k == "value" else 1.6 for k in keys]}}}
    tooltip = [{"field": "line", "title": "Line"}, {"field": "period", "title": "Year"},
               {"field": "value", "title": indicator.label, "format": f",.{decimals}f"}]
    end_y = {"field": "y", "type": "quantitative"}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "line"}, "encoding": lines},
        {"mark": {"type": "point", "filled": True, "opacity": 1},
         "encoding": {"x": x, "y": y, "color": colour, "tooltip": tooltip,
                      "size": {"condition": {"test": f"datum.line === {json.dumps(names['value'])}",
                                             "value": 50}, "value": 14}}},
        {"data": {"values": [r for r in end_rows if not r["is_la"]]},
         "mark": {"type": "text", "align": "left", "dx": 12},
         "encoding": {"x": x, "y": end_y, "text": {"field": "text"}, "color": colour}},
        {"data": {"values": [r for r in end_rows if r["is_la"]]},
         # a line that ends for good is labelled above its last point, clear of the lines going on
         "mark": {"type": "text", "fontWeight": "bold",
                  **({"align": "right", "dx": 4, "dy": -14} if ended else {"align": "left", "dx": 12})},
         "encoding": {"x": x, "y": end_y, "text": {"field": "text"}, "color": colour}},
    ]
    main = {"width": WIDTH, "height": HEIGHT, "data": {"values": values}, "layer": layers}
    spec = chart(title=indicator.label, subtitle=subtitle, source=source, alt=alt, main=main,
                 file_name=file_name)
    return ChartSpec("trend", spec, alt)


# --- every LA in order ----------------------------------------------------------------------

def all_las_spec(all_values: pd.DataFrame, indicator: Indicator, la_old_code: str, *, source: str,
                 period: str, file_name: str, england: float | None = None) -> ChartSpec:
    """Every LA's bar, best to worst, the LA marked with its value and rank; quartile bands A
    to D shaded and lettered; England as a line.

    ``all_values``: :func:`analysis.engine.benchmark.all_la_values` (old_la_code, area_name, value,
    rank, of, quartile).
    """
    rows = all_sorted(all_values, indicator)
    alt = all_las_ranked_alt_text(all_values, indicator, la_old_code, england=england, period=period)
    subtitle = all_las_ranked_subtitle(all_values, rows, indicator, period)
    unit, decimals = indicator.unit, indicator.decimals
    n = len(rows)
    is_la = (rows["old_la_code"].astype(str) == str(la_old_code)).tolist()
    has = {c: c in rows for c in ("rank", "of", "quartile")}
    values = []
    for i, (r, la) in enumerate(zip(rows.to_dict("records"), is_la, strict=True)):
        row = {"i": i, "name": str(r["area_name"]), "value": number(r["value"]),
               "label": format_value(r["value"], unit, decimals), "is_la": la}
        if has["quartile"]:
            row["band"] = "-" if is_missing(r["quartile"]) else str(r["quartile"])
        if has["rank"] and has["of"] and not is_missing(r["rank"]):
            row["rank"] = rank_words(r)
        values.append(row)
    top = float(rows["value"].max()) or 1.0
    top *= 1.18
    x_scale = {"domain": [-1, n], "nice": False, "zero": False}
    y_scale = {"domain": [0, round(top, 4)], "nice": False}
    x = {"field": "i", "type": "quantitative", "scale": x_scale,
         "axis": {"labels": False, "ticks": False, "grid": False,
                  "title": f"{n} local authorities, {order_words(indicator.polarity)} (left to right)",
                  "titleColor": MUTED}}
    y = {"field": "value", "type": "quantitative", "scale": y_scale, "axis": value_axis(unit)}

    def at(field: str, axis: str = "x") -> dict[str, Any]:
        return {"field": field, "type": "quantitative", "scale": x_scale if axis == "x" else y_scale}

    tooltip = [{"field": "name", "title": "LA"}, {"field": "label", "title": indicator.label}]
    tooltip += [{"field": "rank", "title": "Rank"}] if has["rank"] else []
    tooltip += [{"field": "band", "title": "Quartile band"}] if has["quartile"] else []
    layers: list[dict[str, Any]] = []
    bands = []
    if has["quartile"] and rows["quartile"].notna().any():
        shades = [COLOURS["band_light"], COLOURS["band_dark"]]
        for k, band in enumerate(("A", "B", "C", "D")):
            idx = [i for i, v in enumerate(values) if v.get("band") == band]
            if idx:
                bands.append({"band": band, "x0": min(idx) - 0.5, "x1": max(idx) + 0.5,
                              "mid": (min(idx) + max(idx)) / 2, "shade": shades[k % 2]})
    if bands:
        layers += [
            {"data": {"values": bands}, "mark": {"type": "rect"},
             "encoding": {"x": at("x0"), "x2": {"field": "x1"},
                          "color": {"field": "shade", "type": "nominal", "scale": None}}},
            {"data": {"values": bands},
             "mark": {"type": "text", "baseline": "top", "fontSize": 14, "fontWeight": "bold",
                      "color": MUTED, "y": 4},
             "encoding": {"x": at("mid"), "text": {"field": "band"}}},
        ]
    layers.append(
        {"transform": [{"calculate": "datum.i - 0.41", "as": "x0"}, {"calculate": "datum.i + 0.41", "as": "x1"}],
         "mark": {"type": "bar"},
         "encoding": {"x": {**x, "field": "x0"}, "x2": {"field": "x1"}, "y": y, "y2": {"datum": 0},
                      "tooltip": tooltip,
                      "color": {"condition": {"test": "datum.is_la", "value": COLOURS["la"]},
                                "value": COLOURS["other"]}}})
    if england is not None and not is_missing(england):
        line = [{"y": number(england), "x": n, "text": f"England {format_value(england, unit, decimals)}"}]
        layers += [
            {"data": {"values": line}, "mark": {"type": "rule", "strokeDash": DASHES["england"],
                                                "strokeWidth": 1.4, "color": COLOURS["england"]},
             "encoding": {"y": at("y", "y")}},
            {"data": {"values": line}, "mark": {"type": "text", "align": "left", "dx": 4},
             "encoding": {"x": at("x"), "y": at("y", "y"), "text": {"field": "text"}}},
        ]
    la = la_row(rows, la_old_code)
    if la is not None:
        i = is_la.index(True)
        rank = f", {rank_words(la)}" if "rank" in la and not is_missing(la["rank"]) else ""
        mark = [{"i": i, "value": number(la["value"]), "tip": round(float(la["value"]) + top * 0.1, 4),
                 "text": f"{la['area_name']} {format_value(la['value'], unit, decimals)}{rank}"}]
        layers += [
            {"data": {"values": mark}, "mark": {"type": "rule", "color": COLOURS["la"], "strokeWidth": 1.2},
             "encoding": {"x": at("i"), "y": at("value", "y"), "y2": {"field": "tip"}}},
            {"data": {"values": mark},
             "mark": {"type": "text", "align": "right" if i > n * 0.6 else "left", "baseline": "bottom",
                      "fontWeight": "bold", "color": COLOURS["la"], "fontSize": 12, "dy": -2},
             "encoding": {"x": at("i"), "y": at("tip", "y"), "text": {"field": "text"}}},
        ]
    main = {"width": WIDTH, "height": HEIGHT, "data": {"values": values}, "layer": layers}
    spec = chart(title=indicator.label, subtitle=subtitle, source=source, alt=alt, main=main,
                 file_name=file_name)
    return ChartSpec("all_las", spec, alt)


# --- the funnel plot ------------------------------------------------------------------------

_LIMIT_COLUMNS = ("lower_95", "upper_95", "lower_998", "upper_998", "centre")


def _thinned(rows: list[dict[str, Any]], step: float) -> list[dict[str, Any]]:
    """The limit rows at least ``step`` apart in denominator, and the last: the grid is dense
    at small denominators (whole numbers from 1), all within the chart's first pixels."""
    kept: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if not kept or row["denominator"] - kept[-1]["denominator"] >= step or i == len(rows) - 1:
            kept.append(row)
    return kept


def funnel_spec(funnel: Funnel, indicator: Indicator, *, period: str, source: str, file_name: str,
                la_name: str | None, title: str, x_label: str, centre_label: str = "England",
                alt_note: str = "") -> ChartSpec:
    """Every LA's value against its denominator, with the 95% and 99.8% limits around England
    (:func:`analysis.engine.funnel_limits.funnel_limits`, the lines) and the LA marked; LAs outside the
    99.8% limits drawn as open squares.

    The words come from :func:`analysis.engine.funnel_words.funnel_words`.
    """
    unit, decimals = indicator.unit, indicator.decimals
    pts, lim = funnel_points_frame(funnel.points), funnel_limits_frame(funnel.limits)
    where = funnel_positions(pts, lim)
    alt = funnel_plot_alt_text(funnel.points, funnel.limits, la_name, unit=unit,
                               decimals=decimals, noun="local authorities") + alt_note
    subtitle = funnel_plot_subtitle(pts, "local authorities")
    centre = f"{centre_label} {format_value(lim['centre'].iloc[-1], unit, decimals)}"
    outside_words = {True: "Outside 99.8%", False: "Inside the 99.8% limits"}
    points = [{"name": str(n), "d": number(d, 1), "value": number(v),
               "label": format_value(v, unit, decimals), "size": f"{float(d):,.0f}",
               "is_la": la_name is not None and str(n) == la_name,
               "outside": outside_words[str(p) in ("above_998", "below_998")]}
              for n, d, v, p in zip(pts["name"], pts["denominator"], pts["value"], where, strict=True)]
    right = max(float(lim["denominator"].max()), float(pts["denominator"].max())) * 1.03
    limits = [{"d": number(r["denominator"], 1), **{k: number(r[k], 3) for k in _LIMIT_COLUMNS}}
              for r in _thinned(lim.to_dict("records"), right / WIDTH * 2)]
    # The pack's chart's value axis (from zero unless that squeezes the funnel).
    bottom, top = funnel_value_range(pts, lim)
    x = {"field": "d", "type": "quantitative", "scale": {"domain": [0, round(right, 1)], "nice": False},
         "axis": {"title": x_label, "format": ",.0f", "grid": False}}
    y_title = unit_axis_label(unit) + (" (axis does not start at 0)" if bottom > 0 else "")
    y_scale = {"domain": [round(bottom, 4), round(top, 4)], "nice": False, "zero": False}
    y = {"field": "value", "type": "quantitative", "scale": y_scale, "axis": value_axis(unit, y_title)}
    limit_names = {"centre": centre, "lower_95": "95% limits", "upper_95": "95% limits",
                   "lower_998": "99.8% limits", "upper_998": "99.8% limits"}
    name_expr = " : ".join(f"datum.key === {json.dumps(k)} ? {json.dumps(v)}" for k, v in limit_names.items()) + " : ''"
    tooltip = [{"field": "name", "title": "LA"}, {"field": "label", "title": indicator.label},
               {"field": "size", "title": "Denominator"}]
    layers: list[dict[str, Any]] = [
        {"data": {"name": "limits"}, "mark": {"type": "area", "color": "#EEF4FA", "clip": True},
         "encoding": {"x": x, "y": {**y, "field": "lower_95"}, "y2": {"field": "upper_95"}}},
        {"data": {"name": "limits"},
         "transform": [{"fold": list(_LIMIT_COLUMNS), "as": ["key", "limit"]},
                       {"calculate": name_expr, "as": "line"}],
         "mark": {"type": "line", "clip": True},
         "encoding": {"x": x, "y": {**y, "field": "limit"}, "detail": {"field": "key", "type": "nominal"},
                      **legend_lines([centre, "95% limits", "99.8% limits"],
                                     [COLOURS["target"], _LIMIT_GREY, _LIMIT_GREY],
                                     [DASHES["solid"], DASHES["limit_95"], DASHES["limit_998"]],
                                     [1.6, 1.3, 1.3])}},
        {"data": {"values": points}, "transform": [{"filter": "!datum.is_la"}],
         "mark": {"type": "point", "filled": True, "size": 30, "strokeWidth": 1, "clip": True},
         "encoding": {"x": x, "y": y, "tooltip": tooltip,
                      "shape": {"field": "outside", "type": "nominal", "legend": {"title": None},
                                "scale": {"domain": [outside_words[False], outside_words[True]],
                                          "range": ["circle", "square"]}},
                      "fill": {"field": "outside", "type": "nominal", "legend": {"title": None},
                               "scale": {"domain": [outside_words[False], outside_words[True]],
                                         "range": [COLOURS["other"], "white"]}},
                      "stroke": {"field": "outside", "type": "nominal", "legend": {"title": None},
                                 "scale": {"domain": [outside_words[False], outside_words[True]],
                                           "range": ["#8C8C8C", "#333333"]}}}},
    ]
    la = [p for p in points if p["is_la"]]
    if la:
        near_right = float(la[0]["d"] or 0) > 0.7 * right / 1.03
        layers += [
            {"data": {"values": la},
             "mark": {"type": "point", "filled": True, "size": 110, "color": COLOURS["la"],
                      "stroke": "white", "strokeWidth": 1},
             "encoding": {"x": x, "y": y, "tooltip": tooltip}},
            {"data": {"values": [{**la[0], "text": f"{la[0]['name']} {la[0]['label']}"}]},
             "mark": {"type": "text", "align": "right" if near_right else "left", "baseline": "bottom",
                      "dx": -8 if near_right else 8, "dy": -6, "fontWeight": "bold", "fontSize": 12,
                      "color": COLOURS["la"]},
             "encoding": {"x": x, "y": y, "text": {"field": "text"}}},
        ]
    main = {"width": WIDTH, "height": HEIGHT + 40, "layer": layers}
    spec = chart(title=title, subtitle=subtitle, source=source, alt=alt, main=main, file_name=file_name,
                 datasets={"limits": limits})
    return ChartSpec("funnel", spec, alt)
