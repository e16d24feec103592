"""The funnels of the re-referrals deep dive: from referral to outcome (the conversion funnel,
with DfE's published percentages marked), and the localities' re-referral rates on a funnel
plot. Drawn from the deep dive's published tables, as the other charts of
:mod:`analysis.charts.rereferrals` (a suppressed value is drawn as no bar or no point and
written as "c"); the builders (``*_block``) return an :class:`analysis.core.blocks.Chart`
whose alt text gives the figures the chart shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

from analysis.charts.rereferrals import bar_labels, count_text, percent_text, table_frame
from analysis.charts.statistics import _funnel_plot_alt_text, funnel_plot
from analysis.charts.style import (
    A4_TEXT_WIDTH,
    COLOURS,
    OKABE_ITO,
    finish,
    get_axes,
    house_style,
    set_value_axis,
    style_axes,
    synthetic_prefix,
)
from analysis.core.blocks import Chart
from analysis.core.errors import NoDataError
from analysis.engine.suppress import number

#: Label of the all-localities row (as in analysis.deep_dive.breakdowns).
ALL_LOCALITIES = "All localities"
#: Comparator markers on the conversion funnel: column -> (words, marker, colour).
FUNNEL_COMPARATORS: dict[str, tuple[str, str, str]] = {
    "england": ("England", "D", COLOURS["england"]),
    "region": ("Region", "s", COLOURS["region"]),
    "neighbours_mean": ("Statistical neighbours (mean)", "^", COLOURS["neighbours"]),
    "la_published": ("LA as published by DfE", "o", OKABE_ITO["sky_blue"]),
}

_num = number


# --- conversion funnel -----------------------------------------------------------------------

def _comparison_for(comparison: pd.DataFrame | None, stage: str) -> pd.Series | None:
    if comparison is None or "measure" not in comparison:
        return None
    hit = comparison.loc[comparison["measure"] == stage]
    return hit.iloc[0] if len(hit) else None


def conversion_funnel_chart(funnel: pd.DataFrame, comparison: pd.DataFrame | None = None,
                            ax: Axes | None = None, *, source: str, synthetic: bool = False,
                            period: str | None = None, la_name: str | None = None,
                            title: str | None = None) -> Axes:
    """From referral to outcome: each stage as a percentage of referrals, with DfE's
    published percentages (England, region, statistical neighbours, the LA) marked on the
    stages where DfE publishes the same ratio.

    ``funnel``: stage, count, percent_of_referrals, level (1 = "of which");
    ``comparison``: measure (a stage name), england, region, neighbours_mean, la_published,
    dfe_year (from :func:`analysis.deep_dive.dfe_comparison.dfe_raw`, published).
    """
    data = table_frame(funnel, ["stage", "count", "percent_of_referrals"], "funnel")
    levels = data["level"].tolist() if "level" in data else [0] * len(data)
    values = [_num(v) for v in data["percent_of_referrals"]]
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, max(2.8, 1.2 + 0.32 * len(data))))
        style_axes(ax, "x")
        ys = list(range(len(data)))[::-1]
        colours = [COLOURS["la"] if lv == 0 else OKABE_ITO["sky_blue"] for lv in levels]
        ax.barh(ys, np.nan_to_num(values), height=0.64, color=colours, gid="bars")
        texts = [f"{count_text(c)} ({percent_text(p)})"
                 for c, p in zip(data["count"], data["percent_of_referrals"], strict=True)]
        span = max([v for v in values if not np.isnan(v)] or [1.0])
        comp_values = [_num(r.get(c)) for s in data["stage"]
                       if (r := _comparison_for(comparison, str(s))) is not None
                       for c in FUNNEL_COMPARATORS]
        span = max([span] + [v for v in comp_values if not np.isnan(v)])
        bar_labels(ax, ys, texts, span)
        present: dict[str, tuple[str, str, str]] = {}
        for y, stage in zip(ys, data["stage"], strict=True):
            row = _comparison_for(comparison, str(stage))
            if row is None:
                continue
            for col, (words, marker, colour) in FUNNEL_COMPARATORS.items():
                v = _num(row.get(col))
                if np.isnan(v):
                    continue
                ax.plot([v], [y], linestyle="none", marker=marker, markersize=7,
                        markerfacecolor=colour if marker != "o" else "white",
                        markeredgecolor=colour, markeredgewidth=1.4, zorder=5,
                        gid=f"comparator-{col}")
                name = (f"{la_name} as published by DfE" if col == "la_published" and la_name
                        else words)
                present[col] = (name, marker, colour)
        ax.set_yticks(ys, [str(s) for s in data["stage"]])
        for tick, lv in zip(ax.get_yticklabels(), levels, strict=True):
            if lv:
                tick.set_fontstyle("italic")
                tick.set_color(COLOURS["muted"])
        ax.tick_params(axis="y", length=0)
        set_value_axis(ax, "percent", axis="x", label=False)
        if present:
            from matplotlib.lines import Line2D

            handles = [Line2D([], [], linestyle="none", marker=m, markersize=7,
                              markerfacecolor=c if m != "o" else "white", markeredgecolor=c,
                              markeredgewidth=1.4, label=w) for w, m, c in present.values()]
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.08),
                      ncol=2, borderaxespad=0.5)
        dfe_year = None
        if comparison is not None and "dfe_year" in comparison and len(comparison):
            dfe_year = comparison["dfe_year"].iloc[0]
        sub = ("Referrals" + (f" in {period}" if period else "")
               + " by what followed, as a percentage of referrals."
               + (f" Markers: DfE's published percentages for {dfe_year}." if present else ""))
        return finish(ax, source, synthetic, title or "From referral to outcome", sub)


def _conversion_funnel_alt_text(funnel: pd.DataFrame, comparison: pd.DataFrame | None = None,
                               *, synthetic: bool = False, period: str | None = None,
                               la_name: str | None = None) -> str:
    """Alt text for :func:`conversion_funnel_chart`."""
    data = table_frame(funnel, ["stage", "count", "percent_of_referrals"], "funnel")
    parts = [f"{str(s).strip()} {count_text(c)} ({percent_text(p)})" for s, c, p in
             zip(data["stage"], data["count"], data["percent_of_referrals"], strict=True)]
    text = ("Bar chart of referrals" + (f" in {period}" if period else "")
            + " by what followed, as a percentage of referrals: " + "; ".join(parts) + ".")
    for stage in data["stage"]:
        row = _comparison_for(comparison, str(stage))
        if row is None:
            continue
        comps = []
        for col, (words, _, _) in FUNNEL_COMPARATORS.items():
            v = _num(row.get(col))
            if not np.isnan(v):
                name = (f"{la_name} as published" if col == "la_published" and la_name
                        else words)
                comps.append(f"{name} {v:.1f}%")
        if comps:
            text += (f" DfE {row.get('dfe_year', '')} for {str(stage).lower()}: "
                     + ", ".join(comps) + ".")
    return synthetic_prefix(synthetic) + text


# --- localities: funnel plot -----------------------------------------------------------------

def locality_funnel_inputs(localities: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(points, limits, localities not shown) for the locality funnel plot.

    Points are the localities with a published percentage and denominator; the centre line
    is the all-localities rate (the ``All localities`` row, else the pooled rate of the
    points); limits are exact binomial 95% and 99.8% (:func:`analysis.engine.funnel_limits.funnel_limits`).
    """
    from analysis.engine.funnel_limits import denominator_grid, funnel_limits

    data = table_frame(localities, ["locality", "numerator", "denominator", "percent"],
                       "localities")
    is_all = data["locality"].astype(str) == ALL_LOCALITIES
    units = data.loc[~is_all]
    pts = pd.DataFrame({"name": units["locality"].astype(str),
                        "denominator": [_num(v) for v in units["denominator"]],
                        "value": [_num(v) for v in units["percent"]]})
    hidden = int(pts[["denominator", "value"]].isna().any(axis=1).sum())
    pts = pts.dropna().reset_index(drop=True)
    if pts.empty:
        raise NoDataError("no locality has a published rate to plot (all suppressed)")
    if is_all.any() and not np.isnan(_num(data.loc[is_all, "percent"].iloc[0])):
        centre = _num(data.loc[is_all, "percent"].iloc[0])
    else:
        centre = float((pts["value"] * pts["denominator"]).sum() / pts["denominator"].sum())
    grid = denominator_grid(max(float(pts["denominator"].max()) * 1.15, 10.0), points=150)
    limits = funnel_limits(centre, grid)
    return pts, limits, hidden


def locality_funnel_chart(localities: pd.DataFrame, ax: Axes | None = None, *, source: str,
                          synthetic: bool = False, period: str | None = None,
                          title: str | None = None) -> Axes:
    """Re-referral rate by locality or team against referrals, inside 95% and 99.8% limits
    (:func:`analysis.charts.statistics.funnel_plot`), each point named."""
    pts, limits, hidden = locality_funnel_inputs(localities)
    with house_style():
        ax = funnel_plot(pts, limits, None, ax, source=source, synthetic=synthetic,
                         unit="percent", title=title or "Re-referral rate by locality",
                         x_label="Referrals in the year" + (f" {period}" if period else ""),
                         noun="localities")
        for _, p in pts.iterrows():
            ax.annotate(str(p["name"]), (p["denominator"], p["value"]), xytext=(5, 3),
                        textcoords="offset points", fontsize=7.5, color=COLOURS["text"],
                        gid="unit-label")
        if hidden:
            ax.annotate(f"{hidden} {'locality' if hidden == 1 else 'localities'} not shown: hidden (c).",
                        (1.0, 0.02), xycoords="axes fraction", ha="right", va="bottom",
                        fontsize=7.5, color=COLOURS["muted"], gid="hidden-note")
    return ax


def _locality_funnel_alt_text(localities: pd.DataFrame, *, synthetic: bool = False,
                             period: str | None = None) -> str:
    """Alt text for :func:`locality_funnel_chart`: the funnel summary and every locality."""
    from analysis.engine.funnel_limits import funnel_flags

    pts, limits, hidden = locality_funnel_inputs(localities)
    centre = float(limits["target"].iloc[0])
    words = {"inside": "inside the limits", "above_95": "above the 95% limit",
             "above_99_8": "above the 99.8% limit", "below_95": "below the 95% limit",
             "below_99_8": "below the 99.8% limit"}
    flags = funnel_flags(pts["value"].to_numpy(), pts["denominator"].to_numpy(), centre)
    each = [f"{r['name']} {r['value']:.1f}% of {r['denominator']:,.0f} referrals "
            f"({words.get(str(f), str(f))})" for (_, r), f in zip(pts.iterrows(), flags,
                                                                   strict=True)]
    text = ("Re-referral rate by locality" + (f" in {period}" if period else "") + ". "
            + _funnel_plot_alt_text(pts, limits, None, unit="percent", noun="localities") + " "
            + "; ".join(each) + ".")
    if hidden:
        text += (f" {hidden} {'locality' if hidden == 1 else 'localities'} not shown: "
                 "its figures are hidden (c) to protect small numbers.")
    return synthetic_prefix(synthetic) + text


# --- chart blocks -----------------------------------------------------------------------------

def funnel_block(name: str, funnel: pd.DataFrame, comparison: pd.DataFrame | None, *,
                 source: str, synthetic: bool, period: str | None, la_name: str) -> Chart:
    return Chart(name, conversion_funnel_chart,
                 {"funnel": funnel, "comparison": comparison, "source": source,
                  "synthetic": synthetic, "period": period, "la_name": la_name},
                 _conversion_funnel_alt_text(funnel, comparison, synthetic=synthetic,
                                            period=period, la_name=la_name),
                 source=source, title="From referral to outcome", synthetic=synthetic)


def locality_block(name: str, localities: pd.DataFrame, *, source: str, synthetic: bool,
                   period: str | None) -> Chart:
    return Chart(name, locality_funnel_chart,
                 {"localities": localities, "source": source, "synthetic": synthetic,
                  "period": period},
                 _locality_funnel_alt_text(localities, synthetic=synthetic, period=period),
                 source=source, title="Re-referral rate by locality", synthetic=synthetic)


__all__ = ["conversion_funnel_chart", "funnel_block", "locality_block", "locality_funnel_chart",
           "locality_funnel_inputs"]
