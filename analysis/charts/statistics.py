"""Statistical charts: funnel plots and XmR (statistical process control) charts.

Both take the tables :mod:`analysis.engine.funnel_limits` and :mod:`analysis.engine.spc` produce (column names are
accepted in either spelling, e.g. ``lower_998`` or ``lower_99_8``, ``centre`` or ``target``)
and return the Axes. The builders (:func:`funnel_chart`, :func:`xmr_chart_block`) return an
:class:`analysis.core.blocks.Chart` with the alt text worked out from the same inputs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from analysis.data.catalogue import Indicator
    from analysis.data.geography import LocalAuthority
    from analysis.engine.funnels import Funnel

from analysis.charts.style import (
    COLOURS,
    OKABE_ITO,
    POLARITY_TEXT,
    finish,
    format_value,
    get_axes,
    house_style,
    is_missing,
    legend_below,
    mark_axis_break,
    require_columns,
    right_labels,
    set_value_axis,
    style_axes,
    synthetic_prefix,
)
from analysis.charts.value_axis import (
    FUNNEL_REASON,
    XMR_REASON,
    axis_note,
    funnel_value_range,
    xmr_range,
)
from analysis.charts.words import funnel_limits_frame as _limits
from analysis.charts.words import funnel_plot_alt_text as _funnel_plot_alt_text
from analysis.charts.words import funnel_plot_subtitle
from analysis.charts.words import funnel_points_frame as _points
from analysis.charts.words import funnel_positions as _funnel_positions
from analysis.core.blocks import Chart
from analysis.core.errors import NoDataError
from analysis.engine.funnel_words import funnel_words

RULES = ("outside_limits", "shift", "trend", "two_of_three")
RULE_WORDS = {
    "outside_limits": "outside a process limit",
    "shift": "a run of points on one side of the mean",
    "trend": "a run of points rising or falling",
    "two_of_three": "two of three points near a limit",
}
_SIGNAL_STYLE = {
    "special_cause_improving": {"color": OKABE_ITO["blue"], "marker": "^",
                                "label": "Special cause: improving"},
    "special_cause_concerning": {"color": OKABE_ITO["orange"], "marker": "v",
                                 "label": "Special cause: concerning"},
    "special_cause_neither": {"color": OKABE_ITO["reddish_purple"], "marker": "D",
                              "label": "Special cause"},
}


def _frame(obj: object, name: str) -> pd.DataFrame:
    require_columns(obj, [], name)
    return obj


_need = require_columns


# --- funnel plot ---------------------------------------------------------------------------

def funnel_plot(points: pd.DataFrame, limits: pd.DataFrame, la_name: str | None = None,
                ax: Axes | None = None, *, source: str, synthetic: bool = False,
                unit: str = "percent", decimals: int = 1, title: str | None = None,
                x_label: str = "Denominator (number of cases)",
                centre_label: str = "Average", noun: str = "units") -> Axes:
    """Units' values against their denominators inside 95% and 99.8% control limits.

    ``points``: name, denominator, value. ``limits``: denominator, centre (or target),
    lower_95, upper_95, lower_998 (or lower_99_8), upper_998 (or upper_99_8), e.g. from
    :func:`analysis.engine.funnel_limits.funnel_limits`. ``la_name`` picks the unit to highlight.
    """
    pts, lim = _points(points), _limits(limits)
    pos = _funnel_positions(pts, lim)
    fmt = lambda v: format_value(v, unit, decimals)  # noqa: E731
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        d = lim["denominator"]
        ax.fill_between(d, lim["lower_95"], lim["upper_95"], color="#EEF4FA", linewidth=0,
                        zorder=0, gid="band-95")
        for key, ls, lw in (("998", (0, (1.5, 1.5)), 1.2), ("95", (0, (5, 3)), 1.2)):
            for side in ("lower", "upper"):
                ax.plot(d, lim[f"{side}_{key}"], color="#555555", linestyle=ls, linewidth=lw,
                        zorder=2, gid=f"limit-{side}-{key}")
        ax.plot(d, lim["centre"], color=COLOURS["target"], linewidth=1.4, zorder=2,
                gid="centre-line")
        is_la = (pts["name"].astype(str) == str(la_name)) if la_name else pd.Series(False, pts.index)
        outside = pos.isin(["above_998", "below_998"])
        others = ~is_la
        ax.scatter(pts.loc[others & ~outside, "denominator"], pts.loc[others & ~outside, "value"],
                   s=22, color=COLOURS["other"], edgecolor="#8C8C8C", linewidth=0.5, zorder=3,
                   gid="points")
        ax.scatter(pts.loc[others & outside, "denominator"], pts.loc[others & outside, "value"],
                   s=26, color="white", edgecolor="#333333", linewidth=1.0, zorder=3,
                   marker="s", gid="points-outside")
        if is_la.any():
            la = pts[is_la].iloc[0]
            ax.scatter([la["denominator"]], [la["value"]], s=80, color=COLOURS["la"],
                       edgecolor="white", linewidth=1.0, zorder=5, gid="la-point")
            near_right = la["denominator"] > 0.7 * max(float(lim["denominator"].max()),
                                                       float(pts["denominator"].max()))
            ax.annotate(f"{la['name']} {fmt(la['value'])}", (la["denominator"], la["value"]),
                        xytext=(-8 if near_right else 8, 8), textcoords="offset points",
                        ha="right" if near_right else "left", fontsize=8.5,
                        fontweight="bold", color=COLOURS["la"], zorder=6, gid="la-label",
                        bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                              "edgecolor": "none", "alpha": 0.85})
        right = max(float(d.max()), float(pts["denominator"].max())) * 1.03
        ax.set_xlim(0, right)
        bottom, top = funnel_value_range(pts, lim)
        ax.set_ylim(bottom, top)
        set_value_axis(ax, unit)
        if bottom > 0:
            mark_axis_break(ax)
        from matplotlib.ticker import StrMethodFormatter

        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.set_xlabel(x_label)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=COLOURS["target"], linewidth=1.4,
                          label=f"{centre_label} {fmt(lim['centre'].iloc[-1])}"),
                   Line2D([], [], color="#555555", linestyle=(0, (5, 3)), label="95% limits"),
                   Line2D([], [], color="#555555", linestyle=(0, (1.5, 1.5)),
                          label="99.8% limits")]
        if (others & outside).any():
            handles.append(Line2D([], [], linestyle="none", marker="s", markerfacecolor="white",
                                  markeredgecolor="#333333", label="Outside 99.8%"))
        legend_below(ax, _BELOW_X_LABEL, handles=handles, ncol=len(handles))
        sub = " ".join(filter(None, [funnel_plot_subtitle(pts, noun), axis_note(bottom, FUNNEL_REASON)]))
        return finish(ax, source, synthetic, title or "Funnel plot", sub)



# --- XmR chart -----------------------------------------------------------------------------

def _xmr(table: pd.DataFrame) -> pd.DataFrame:
    table = _frame(table, "table")
    _need(table, ["period", "value", "mean", "lpl", "upl"], "table")
    if table.empty:
        raise NoDataError("there are no points to chart")
    out = table.reset_index(drop=True).copy()
    for rule in RULES:
        if rule not in out:
            out[rule] = False
        out[rule] = out[rule].fillna(False).astype(bool)
    if "special_cause" not in out:
        out["special_cause"] = out[list(RULES)].any(axis=1)
    out["special_cause"] = out["special_cause"].fillna(False).astype(bool)
    if "variation" not in out:
        out["variation"] = np.where(out["special_cause"], "special_cause_neither",
                                    np.array(None, dtype=object))
    return out


def _trial(table: pd.DataFrame) -> bool:
    return "trial" in table and bool(table["trial"].fillna(False).astype(bool).any())


def _target(table: pd.DataFrame, target: float | None) -> float | None:
    if target is not None:
        return float(target)
    if "target" in table and table["target"].notna().any():
        return float(table["target"].dropna().iloc[-1])
    return None


def xmr_chart(table: pd.DataFrame, ax: Axes | None = None, *, source: str,
              synthetic: bool = False, unit: str = "count", decimals: int = 1,
              polarity: str = "none", target: float | None = None,
              title: str | None = None) -> Axes:
    """An XmR (individuals) chart: values, mean, process limits and special-cause points.

    ``table``: period, value, mean, lpl, upl, and the rule flags outside_limits, shift, trend,
    two_of_three (missing ones count as False); special_cause, variation (from
    :func:`analysis.engine.spc.xmr_table`), trial and target are used when present. Trial limits are
    noted under the chart.
    """
    data = _xmr(table)
    tgt = _target(data, target)
    fmt = lambda v: format_value(v, unit, decimals)  # noqa: E731
    n = len(data)
    x = np.arange(n, dtype=float)
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        for col, ls, lw, gid in (("mean", "-", 1.3, "mean-line"), ("upl", (0, (5, 3)), 1.1,
                                  "upl-line"), ("lpl", (0, (5, 3)), 1.1, "lpl-line")):
            ax.plot(x, data[col].astype(float), color="#555555", linestyle=ls, linewidth=lw,
                    zorder=2, gid=gid)
        if tgt is not None:
            ax.axhline(tgt, color=OKABE_ITO["bluish_green"], linewidth=1.4,
                       linestyle=(0, (6, 2, 1.5, 2)), zorder=2, gid="target-line")
        values = data["value"].astype(float).to_numpy()
        ax.plot(x, values, color="#8C8C8C", linewidth=1.2, marker="o", markersize=4.5,
                markerfacecolor="#8C8C8C", zorder=3, gid="value-line")
        present = []
        for kind, st in _SIGNAL_STYLE.items():
            mask = data["special_cause"] & (data["variation"] == kind)
            if kind == "special_cause_neither":
                mask |= data["special_cause"] & ~data["variation"].isin(list(_SIGNAL_STYLE))
            mask = mask.to_numpy(dtype=bool)
            if mask.any():
                present.append(kind)
                ax.plot(x[mask], values[mask], linestyle="none", marker=st["marker"],
                        markersize=8.5, color=st["color"], markeredgecolor="white",
                        markeredgewidth=0.6, zorder=5, gid=f"signal-{kind}")
        ax.set_xlim(-0.5, n - 0.5)
        shown, labels, two_lines = _period_ticks([str(p) for p in data["period"]])
        ax.set_xticks(shown, labels)
        bottom, top = _xmr_value_range(data, tgt)
        ax.set_ylim(bottom, top)
        set_value_axis(ax, unit)
        if bottom > 0:
            mark_axis_break(ax)
        last = data.iloc[-1]
        items = [(float(last["upl"]), f"Upper limit {fmt(last['upl'])}", "#555555"),
                 (float(last["mean"]), f"Mean {fmt(last['mean'])}", "#333333"),
                 (float(last["lpl"]), f"Lower limit {fmt(last['lpl'])}", "#555555")]
        if tgt is not None:
            items.append((tgt, f"Target {fmt(tgt)}", OKABE_ITO["bluish_green"]))
        right_labels(ax, [i for i in items if np.isfinite(i[0])])
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], linestyle="none", marker=_SIGNAL_STYLE[k]["marker"],
                          color=_SIGNAL_STYLE[k]["color"], markersize=8,
                          label=_SIGNAL_STYLE[k]["label"]) for k in present]
        handles.append(Line2D([], [], linestyle="none", marker="o", color="#8C8C8C",
                              markersize=5, label="Common cause"))
        legend_below(ax, _BELOW_TWO_LINES if two_lines else _BELOW_ONE_LINE, handles=handles,
                     ncol=len(handles))
        sub = f"{POLARITY_TEXT.get(polarity, '')}. Limits: mean ± 2.66 × average moving range."
        if _trial(data):
            sub += f" Trial limits: only {int(data['value'].notna().sum())} points (fewer than 12)."
        if note := axis_note(bottom, XMR_REASON):
            sub += f" {note}"
        return finish(ax, source, synthetic, title or "Statistical process control (XmR) chart",
                      sub)


#: Room (points) under a value chart's axes for what its x axis shows, before a legend:
#: one line of tick labels; two lines; one line and the axis label.
_BELOW_ONE_LINE, _BELOW_TWO_LINES, _BELOW_X_LABEL = 22.0, 34.0, 38.0
#: About this many characters of tick labels fit across a chart.
_TICK_CHARS = 66


def _period_ticks(periods: list[str]) -> tuple[list[int], list[str], bool]:
    """(positions, labels, on two lines) of the periods labelled under an XmR chart: all of
    up to 12, long names ("2016-17 Q3", "September 2016") on two lines; of more, as many as fit
    level (never slanted over each other), every 3rd, 6th... period counted back from the last."""
    n = len(periods)
    two_lines = all(" " in p for p in periods) and (
        n > 12 or max(len(p) for p in periods) * n > 60)
    parts = [q for p in periods for q in (p.split(" ", 1) if two_lines else [p])]
    step = 1
    if n > 12:
        fit = max(2, _TICK_CHARS // (max(len(q) for q in parts) + 2))
        step = max(1, int(np.ceil(n / fit)))
        step = 3 * int(np.ceil(step / 3)) if step > 1 else 1
    shown = [i for i in range(n) if (n - 1 - i) % step == 0]
    labels = [periods[i].replace(" ", "\n", 1) if two_lines else periods[i] for i in shown]
    return shown, labels, two_lines


def _xmr_chart_alt_text(table: pd.DataFrame, *, synthetic: bool = False, unit: str = "count",
                       decimals: int = 1, target: float | None = None) -> str:
    """Alt text for :func:`xmr_chart`."""
    data = _xmr(table)
    tgt = _target(data, target)
    fmt = lambda v: format_value(v, unit, decimals)  # noqa: E731
    last = data.iloc[-1]
    text = (f"XmR chart of {int(data['value'].notna().sum())} points from "
            f"{data['period'].iloc[0]} to {data['period'].iloc[-1]}. Mean {fmt(last['mean'])}, "
            f"process limits {fmt(last['lpl'])} to {fmt(last['upl'])}"
            + (" (trial limits)" if _trial(data) else "") + ".")
    text += f" Latest value {fmt(last['value'])} in {last['period']}."
    flagged = data[data["special_cause"]]
    if len(flagged):
        rules = [RULE_WORDS[r] for r in RULES if data[r].any()]
        text += (f" {len(flagged)} point{'s' if len(flagged) != 1 else ''} show special-cause "
                 f"variation ({'; '.join(rules) if rules else 'special cause'}): "
                 + ", ".join(str(p) for p in flagged["period"]) + ".")
    else:
        text += " No special-cause variation: all points show common-cause variation."
    if tgt is not None and not is_missing(tgt):
        text += f" Target {fmt(tgt)}."
    if note := axis_note(_xmr_value_range(data, tgt)[0], XMR_REASON):
        text += f" {note}"
    return synthetic_prefix(synthetic) + text


def _xmr_value_range(data: pd.DataFrame, target: float | None) -> tuple[float, float]:
    """The XmR chart's value axis: its points, mean, limits and target (:func:`xmr_range`)."""
    lines = pd.concat([data[c] for c in ("value", "mean", "lpl", "upl")])
    return xmr_range([*pd.to_numeric(lines, errors="coerce"), *([] if target is None else [target])])


# --- builders: one Chart per chart ---------------------------------------------------------------

def funnel_chart(points: pd.DataFrame, limits: pd.DataFrame, la_name: str | None = None, *,
                 name: str, source: str, synthetic: bool = False, unit: str = "percent",
                 decimals: int = 1, title: str | None = None,
                 x_label: str = "Denominator (number of cases)", centre_label: str = "Average",
                 noun: str = "units") -> Chart:
    """A funnel plot (:func:`funnel_plot`) as a Chart, alt text from the same inputs."""
    inputs = {"points": points, "limits": limits, "la_name": la_name, "source": source,
              "synthetic": synthetic, "unit": unit, "decimals": decimals, "title": title,
              "x_label": x_label, "centre_label": centre_label, "noun": noun}
    alt = _funnel_plot_alt_text(points, limits, la_name, synthetic=synthetic, unit=unit,
                                decimals=decimals, noun=noun)
    return Chart(name=name, plot=funnel_plot, inputs=inputs, alt_text=alt, source=source,
                 title=title or "Funnel plot", synthetic=synthetic)


def xmr_chart_block(table: pd.DataFrame, *, name: str, source: str, synthetic: bool = False,
                    unit: str = "count", decimals: int = 1, polarity: str = "none",
                    target: float | None = None, title: str | None = None) -> Chart:
    """An XmR chart (:func:`xmr_chart`) as a Chart, alt text from the same inputs."""
    inputs = {"table": table, "source": source, "synthetic": synthetic, "unit": unit,
              "decimals": decimals, "polarity": polarity, "target": target, "title": title}
    alt = _xmr_chart_alt_text(table, synthetic=synthetic, unit=unit, decimals=decimals, target=target)
    return Chart(name=name, plot=xmr_chart, inputs=inputs, alt_text=alt, source=source,
                 title=title or "Statistical process control (XmR) chart", synthetic=synthetic)


def indicator_funnel_chart(funnel: Funnel, indicator: Indicator, period: str,
                           la: LocalAuthority | None, *, name: str, source: str) -> Chart:
    """The funnel plot (the LA highlighted when given) as a Chart, with its alt text."""
    words = funnel_words(funnel, indicator, period, la)
    chart = funnel_chart(funnel.points, funnel.limits, words.la_name, name=name, source=source,
                         unit=indicator.unit, decimals=indicator.decimals, x_label=words.x_label,
                         centre_label=words.centre_label, title=words.title, noun="local authorities")
    return replace(chart, alt_text=chart.alt_text + words.alt_note) if words.alt_note else chart
