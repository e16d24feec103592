"""Benchmark charts: an LA against England, its region, its neighbours and every LA (its
trend over the years is in :mod:`analysis.charts.trends`).

Each plot function takes the rows it draws (from :mod:`analysis.engine.benchmark`), an optional
``ax`` and keyword-only ``source`` (the source line, with the data year) and ``synthetic``;
it returns the Axes and reads or writes nothing. Each has one builder (``*_chart``) returning a
:class:`~analysis.core.blocks.Chart`: the plot function, its inputs and the alt text worked out from
the same inputs, so picture and description cannot be fed different data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

from analysis.charts.style import (
    A4_TEXT_WIDTH,
    COLOURS,
    COMPARATOR_STYLE,
    POLARITY_TEXT,
    finish,
    format_value,
    get_axes,
    house_style,
    is_missing,
    set_value_axis,
    style_axes,
    synthetic_prefix,
)
from analysis.charts.words import all_las_ranked_alt_text as _all_las_ranked_alt_text
from analysis.charts.words import (
    all_las_ranked_subtitle,
    neighbours_ranked_subtitle,
)
from analysis.charts.words import all_sorted as _all_sorted
from analysis.charts.words import chart_meta as _meta
from analysis.charts.words import la_row as _la_row
from analysis.charts.words import need_columns as _need_columns
from analysis.charts.words import neighbour_label as _nb_label
from analysis.charts.words import neighbours_ranked_alt_text as _neighbours_ranked_alt_text
from analysis.charts.words import neighbours_sorted as _nb_sorted
from analysis.charts.words import order_words as _order_words
from analysis.charts.words import rank_words as _rank_words
from analysis.core.blocks import Chart
from analysis.core.errors import NoDataError
from analysis.data.catalogue import Indicator

# --- checks --------------------------------------------------------------------------------


def _compare_word(value: float, other: float, polarity: str, decimals: int) -> str:
    """"better than" / "worse than" / "the same as" / "higher than" / "lower than"."""
    diff = round(value, decimals) - round(other, decimals)
    if diff == 0:
        return "the same as"
    if polarity == "none":
        return "higher than" if diff > 0 else "lower than"
    better = (diff < 0) == (polarity == "lower_is_better")
    return "better than" if better else "worse than"


def _hbar_labels(ax: Axes, ys: Sequence[float], xs: list[float], texts: list[str],
                 bold: list[bool], span: float) -> None:
    for y, x, text, b in zip(ys, xs, texts, bold, strict=True):
        ax.text(x + span * 0.012, y, text, va="center", ha="left", fontsize=8.5,
                fontweight="bold" if b else "normal", color=COLOURS["text"], gid="value-label",
                zorder=5, bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                                "edgecolor": "none"})


# --- every indicator against England at a glance -------------------------------------------

#: How each judgement of the LA against England is drawn: colour, marker and legend words.
JUDGEMENT_STYLE: dict[str, dict[str, str]] = {
    "better": {"color": COLOURS["better"], "marker": "o", "label": "Better than England"},
    "worse": {"color": COLOURS["worse"], "marker": "D", "label": "Worse than England"},
    "similar": {"color": COLOURS["neutral"], "marker": "o", "label": "Similar to England"},
    "higher": {"color": COLOURS["neutral"], "marker": "^", "label": "Higher (no better direction)"},
    "lower": {"color": COLOURS["neutral"], "marker": "v", "label": "Lower (no better direction)"},
    "not compared": {"color": "white", "marker": "o", "label": "Not compared (no counts)"},
}


def overview_positions(rows: pd.DataFrame) -> pd.DataFrame:
    """Where each indicator's LA, region and neighbour mean sit against England.

    Per cent difference from England's value, signed so that right (positive) is better;
    for an indicator with no better direction, right is higher. NaN where England's value is
    missing or zero. Columns: indicator, la, region, sn_mean.
    """
    _need_columns(rows, ["indicator", "value", "england", "region", "sn_mean", "polarity"], "rows")
    england = pd.to_numeric(rows["england"], errors="coerce")
    england = england.where(england != 0)
    sign = np.where(rows["polarity"] == "lower_is_better", -1.0, 1.0)
    out = pd.DataFrame({"indicator": rows["indicator"].to_numpy()})
    for name, column in (("la", "value"), ("region", "region"), ("sn_mean", "sn_mean")):
        values = pd.to_numeric(rows[column], errors="coerce")
        out[name] = ((values - england) / england * 100 * sign).to_numpy()
    return out


def _gap_tick(value: float, _pos: object = None) -> str:
    """Tick label of the overview's gap axis: "+10%", "-5%", and "England" at zero."""
    return f"{value:+.0f}%" if value else "England"


def comparators_overview(rows: pd.DataFrame, ax: Axes | None = None, *, source: str,
                         synthetic: bool = False, title: str | None = None,
                         limit: float = 100.0) -> Axes:
    """Every indicator at a glance: the LA, its region and its neighbours against England.

    ``rows``: one row per indicator from a judged benchmark table (label, unit, polarity,
    decimals, period, la_name, value, england, region, sn_mean, vs_england, level). Each row
    shows the per cent difference from England, right = better; the LA's marker says
    whether it is better, similar or worse than England once chance is allowed for. Values
    beyond ``limit`` per cent are drawn at the edge with an arrow.
    """
    _need_columns(rows, ["label", "unit", "decimals", "period", "la_name", "value", "england",
                         "vs_england"], "rows")
    if rows.empty:
        raise NoDataError("no indicators to chart")
    pos = overview_positions(rows)
    n = len(rows)
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, 1.6 + 0.36 * n))
        style_axes(ax, "x")
        ys = np.arange(n)[::-1].astype(float)
        ax.axvline(0, color=COLOURS["england"], linewidth=1.2, gid="england-line")
        clip = lambda v: np.clip(v, -limit, limit)  # noqa: E731
        for name, style in (("region", {"color": COLOURS["region"], "marker": "s"}),
                            ("sn_mean", {"color": COLOURS["neighbours"], "marker": "^"})):
            ax.scatter(clip(pos[name]), ys, s=22, zorder=3, gid=f"overview-{name}",
                       edgecolors="white", linewidths=0.4, color=style["color"], marker=style["marker"])
        for judgement, st in JUDGEMENT_STYLE.items():
            mask = (rows["vs_england"].astype(str) == judgement).to_numpy() & pos["la"].notna().to_numpy()
            if mask.any():
                ax.scatter(clip(pos["la"][mask]), ys[mask], s=60, zorder=4, marker=st["marker"],
                           color=st["color"], edgecolors=COLOURS["text"], linewidths=0.7,
                           gid=f"overview-la-{judgement.replace(' ', '-')}")
        beyond = pos["la"].abs() > limit
        for y, v in zip(ys[beyond.to_numpy()], pos["la"][beyond], strict=True):
            ax.annotate("", xy=(np.sign(v) * limit * 1.04, y), xytext=(np.sign(v) * limit * 0.94, y),
                        arrowprops={"arrowstyle": "->", "color": COLOURS["text"]}, gid="beyond")
        labels = [f"{r.label} ({r.period})" for r in rows.itertuples()]
        ax.set_yticks(ys, [_wrap_label(t) for t in labels], fontsize=8)
        ax.tick_params(axis="y", length=0)
        for y, r, p in zip(ys, rows.itertuples(), pos["la"], strict=True):
            text = format_value(r.value, r.unit, int(r.decimals))
            if is_missing(r.england) or np.isnan(p):
                text += " (no England figure)"
            ax.annotate(text, xy=(1.0, y), xycoords=("axes fraction", "data"), xytext=(6, 0),
                        textcoords="offset points", va="center", fontsize=8, gid="la-value")
        span = min(limit, max(10.0, float(np.nanmax(np.abs(pos[["la", "region", "sn_mean"]].to_numpy())))
                              if pos[["la", "region", "sn_mean"]].notna().any().any() else 10.0))
        ax.set_xlim(-span * 1.1, span * 1.1)
        ax.set_ylim(-0.7, n - 0.3)
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(_gap_tick))
        ax.set_xlabel("Difference from England (per cent of England's value): right is better")
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], linestyle="none", marker=st["marker"], markersize=7,
                          markerfacecolor=st["color"], markeredgecolor=COLOURS["text"], label=st["label"])
                   for key, st in JUDGEMENT_STYLE.items()
                   if (rows["vs_england"].astype(str) == key).any()]
        handles += [Line2D([], [], linestyle="none", marker="s", color=COLOURS["region"], label="Region"),
                    Line2D([], [], linestyle="none", marker="^", color=COLOURS["neighbours"],
                           label="Statistical neighbours (mean)")]
        # Below the x-axis label: about 0.55 in under the axes, whose height is ~0.36 in a row.
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.55 / (0.36 * n + 0.3)),
                  ncol=2, fontsize=8)
        level = rows["level"].iloc[0] if "level" in rows else None
        level_words = f" at {level * 100:g}%" if level is not None and not is_missing(level) else ""
        sub = (f"{rows['la_name'].iloc[0]} (large marker), its region and its statistical neighbours, "
               f"each indicator's latest year. The marker's shape and colour give the judgement "
               f"against England{level_words}; for measures with no better direction, right is higher.")
        return finish(ax, source, synthetic, title or "Every indicator against England", sub)


def _wrap_label(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)[:2])


def _comparators_overview_alt_text(rows: pd.DataFrame, *, synthetic: bool = False) -> str:
    """One sentence per indicator: value, England, the difference and the judgement."""
    pos = overview_positions(rows)
    parts = []
    for r, p in zip(rows.itertuples(), pos["la"], strict=True):
        value = format_value(r.value, r.unit, int(r.decimals))
        if np.isnan(p):
            parts.append(f"{r.label} {value}, no England figure to compare")
            continue
        england = format_value(r.england, r.unit, int(r.decimals))
        side = ("better" if p > 0 else "worse") if r.polarity != "none" else ("higher" if p > 0 else "lower")
        parts.append(f"{r.label} {value} against England {england} ({abs(p):.0f}% {side}; "
                     f"judged {r.vs_england})")
    return (synthetic_prefix(synthetic) + f"Chart of {len(rows)} indicators for "
            f"{rows['la_name'].iloc[0]} against England: " + "; ".join(parts) + ".")


# --- comparators bar -----------------------------------------------------------------------

_COMPARATOR_ROWS = ("england", "region", "sn_mean")


def _comparator_names(row: pd.Series) -> dict[str, str]:
    sn = "Neighbour mean"
    if not is_missing(row.get("sn_count")) and not is_missing(row.get("sn_size")):
        sn = f"Neighbour mean ({int(row['sn_count'])} of {int(row['sn_size'])})"
    region = row.get("region_name")
    return {"england": "England", "region": str(region) if not is_missing(region) else "Region",
            "sn_mean": sn}


def comparators_bar(row: pd.Series, ax: Axes | None = None, *, source: str,
                    synthetic: bool = False, title: str | None = None) -> Axes:
    """One indicator-year: the LA's bar (highlighted) against England, region and neighbours.

    ``row`` is one row of :func:`analysis.engine.benchmark.benchmark_table` (a Series) with at least
    label, unit, polarity, decimals, period, la_name, value, england, region, sn_mean;
    region_name, sn_count, sn_size, rank, of and quartile are used when present.
    """
    _need_columns(row, ["la_name", "period", "value", "england", "region", "sn_mean"], "row")
    meta = _meta(None, row)
    names = _comparator_names(row)
    labels = [str(row["la_name"])] + [names[c] for c in _COMPARATOR_ROWS]
    values = [row["value"]] + [row[c] for c in _COMPARATOR_ROWS]
    present = [v for v in values if not is_missing(v)]
    if not present:
        raise NoDataError(f"no figures to chart for {meta['label']} in {row['period']}")
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, 2.7))
        style_axes(ax, None)
        ys = list(range(len(labels)))[::-1]
        colours = [COLOURS["la"]] + [COLOURS["other"]] * 3
        heights = [0.0 if is_missing(v) else float(v) for v in values]
        ax.barh(ys, heights, color=colours, height=0.62, gid="bars")
        span = max(present) if max(present) > 0 else 1.0
        texts = [format_value(v, meta["unit"], meta["decimals"]) for v in values]
        _hbar_labels(ax, ys, heights, texts, [True, False, False, False], span)
        if not is_missing(row.get("rank")) and not is_missing(row.get("of")):
            band = row.get("quartile")
            band_text = f", quartile {band}" if not is_missing(band) else ""
            labels[0] += f"\n{_rank_words(row)}{band_text}"
        ax.set_yticks(ys, labels)
        ax.get_yticklabels()[0].set_fontweight("bold")
        ax.tick_params(axis="y", length=0)
        ax.set_xlim(0, span * 1.2)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)
        ax.spines["left"].set_visible(False)
        sub = (f"{row['la_name']}, {row['period']}, with England, region and statistical "
               f"neighbours. {POLARITY_TEXT.get(meta['polarity'], '')}.")
        return finish(ax, source, synthetic, title or meta["label"], sub)


def _comparators_bar_alt_text(row: pd.Series, *, synthetic: bool = False) -> str:
    """Alt text for :func:`comparators_bar`."""
    _need_columns(row, ["la_name", "period", "value", "england", "region", "sn_mean"], "row")
    meta = _meta(None, row)
    fmt = lambda v: format_value(v, meta["unit"], meta["decimals"])  # noqa: E731
    names = _comparator_names(row)
    parts = [f"Bar chart of {meta['label'].lower()} in {row['period']}: "
             f"{row['la_name']} {fmt(row['value'])}"]
    for c in _COMPARATOR_ROWS:
        parts.append(f"{names[c]} {fmt(row[c])}")
    text = ", ".join(parts) + "."
    if not is_missing(row["value"]):
        judged = [f"{_compare_word(row['value'], row[c], meta['polarity'], meta['decimals'])} "
                  f"{names[c].split(' (')[0]}" for c in _COMPARATOR_ROWS if not is_missing(row[c])]
        if judged:
            text += f" {row['la_name']} is " + ", ".join(judged) + "."
    if not is_missing(row.get("rank")) and not is_missing(row.get("of")):
        band = row.get("quartile")
        words = _rank_words(row)
        text += (f" It {'ranks ' + words[5:] if words.startswith('rank ') else 'is ' + words} LAs"
                 + (f" (quartile {band})" if not is_missing(band) else "") + ".")
    text += f" {POLARITY_TEXT.get(meta['polarity'], '')}."
    return synthetic_prefix(synthetic) + text


# --- neighbours ranked ---------------------------------------------------------------------

def neighbours_ranked(nb_values: pd.DataFrame, indicator: Indicator, england: float | None = None,
                      sn_mean: float | None = None, ax: Axes | None = None, *, source: str,
                      synthetic: bool = False, period: str | None = None,
                      title: str | None = None) -> Axes:
    """The LA and its neighbours as bars sorted best to worst, the LA highlighted.

    ``nb_values`` is :func:`analysis.engine.benchmark.neighbour_values`: columns area_name, value,
    is_la, and numerator (optional; shown in brackets). Neighbours without a figure are listed
    at the bottom as "no figure". ``england`` and ``sn_mean`` draw reference lines.
    """
    _need_columns(nb_values, ["area_name", "value", "is_la"], "nb_values")
    if nb_values.empty or nb_values["value"].notna().sum() == 0:
        raise NoDataError(f"no neighbour figures to chart for {indicator.label}")
    rows = _nb_sorted(nb_values, indicator.polarity)
    n = len(rows)
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, 1.6 + 0.27 * n))
        style_axes(ax, None)
        ys = np.arange(n)[::-1].astype(float)
        vals = rows["value"].astype(float)
        is_la = rows["is_la"].fillna(False).astype(bool).tolist()
        colours = [COLOURS["la"] if la else COLOURS["other"] for la in is_la]
        ax.barh(ys, vals.fillna(0.0), color=colours, height=0.68, gid="bars")
        nums = rows["numerator"] if "numerator" in rows else pd.Series([None] * n)
        texts = [_nb_label(v, k, indicator.unit, indicator.decimals) for v, k in zip(vals, nums,
                                                                                     strict=True)]
        span = float(np.nanmax([vals.max(), england or 0, sn_mean or 0])) or 1.0
        _hbar_labels(ax, list(ys), list(vals.fillna(0.0)), texts, is_la, span)
        ax.set_yticks(ys, rows["area_name"].astype(str).tolist())
        for tick, la in zip(ax.get_yticklabels(), is_la, strict=True):
            if la:
                tick.set_fontweight("bold")
                tick.set_color(COLOURS["la"])
        ax.tick_params(axis="y", length=0)
        handles = []
        for key, value in (("england", england), ("sn_mean", sn_mean)):
            if value is None or is_missing(value):
                continue
            style = COMPARATOR_STYLE[key]
            label = "Neighbour mean" if key == "sn_mean" else str(style["label"])
            handles.append(ax.axvline(float(value), color=style["color"],
                                      linestyle=style["linestyle"], linewidth=1.4,
                                      label=f"{label} {format_value(value, indicator.unit, indicator.decimals)}",
                                      gid=f"line-{key}", zorder=3))
        ax.set_xlim(0, span * 1.3)
        ax.set_ylim(-0.6, n - 0.4)
        ax.xaxis.set_visible(False)
        for side in ("bottom", "left"):
            ax.spines[side].set_visible(False)
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, 0), ncol=len(handles),
                      borderaxespad=0.3, handlelength=2.6)
        sub = neighbours_ranked_subtitle(rows, indicator, period)
        return finish(ax, source, synthetic, title or indicator.label, sub)


# --- all LAs ranked ------------------------------------------------------------------------

def all_las_ranked(all_values: pd.DataFrame, indicator: Indicator, la_old_code: str,
                   ax: Axes | None = None, *, source: str, synthetic: bool = False,
                   england: float | None = None, period: str | None = None,
                   title: str | None = None) -> Axes:
    """Every LA's bar in order best to worst, the LA highlighted, quartile bands A-D shaded.

    ``all_values`` is :func:`analysis.engine.benchmark.all_la_values`: old_la_code, area_name, value,
    and rank, of, quartile when present. LAs without a figure are left out (and counted in the
    subtitle). ``england`` draws a reference line.
    """
    rows = _all_sorted(all_values, indicator)
    n = len(rows)
    la = _la_row(rows, la_old_code)
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        x = np.arange(n)
        is_la = (rows["old_la_code"].astype(str) == str(la_old_code)).to_numpy()
        colours = np.where(is_la, COLOURS["la"], COLOURS["other"])
        ax.bar(x, rows["value"].astype(float), width=0.82, color=colours, gid="bars",
               linewidth=0)
        hi = float(rows["value"].max()) or 1.0
        ax.set_ylim(0, hi * 1.18)
        ax.set_xlim(-1, n)
        if "quartile" in rows and rows["quartile"].notna().any():
            _quartile_bands(ax, rows)
        if england is not None and not is_missing(england):
            st = COMPARATOR_STYLE["england"]
            ax.axhline(float(england), color=st["color"], linestyle=st["linestyle"],
                       linewidth=1.2, gid="line-england", zorder=3)
            ax.annotate(f"England {format_value(england, indicator.unit, indicator.decimals)}",
                        xy=(1.0, float(england)), xycoords=("axes fraction", "data"),
                        xytext=(3, 0), textcoords="offset points", va="center", fontsize=8,
                        annotation_clip=False)
        if la is not None:
            i = int(np.flatnonzero(is_la)[0])
            rank = (f", {_rank_words(la)}"
                    if "rank" in la and not is_missing(la["rank"]) else "")
            ha = "right" if i > n * 0.6 else "left"
            ax.annotate(f"{la['area_name']} {format_value(la['value'], indicator.unit, indicator.decimals)}{rank}",
                        xy=(i, float(la["value"])), xytext=(0, 22), textcoords="offset points",
                        ha=ha, va="bottom", fontsize=8.5, fontweight="bold", color=COLOURS["la"],
                        arrowprops={"arrowstyle": "-", "color": COLOURS["la"], "lw": 1.0,
                                    "shrinkA": 0, "shrinkB": 2},
                        gid="la-label")
        ax.set_xticks([])
        ax.set_xlabel(f"{n} local authorities, {_order_words(indicator.polarity)} "
                      f"(left to right)", fontsize=8.5, color=COLOURS["muted"])
        set_value_axis(ax, indicator.unit)
        sub = all_las_ranked_subtitle(all_values, rows, indicator, period)
        return finish(ax, source, synthetic, title or indicator.label, sub)


def _quartile_bands(ax: Axes, rows: pd.DataFrame) -> None:
    bands = rows["quartile"].astype("string")
    shades = [COLOURS["band_light"], COLOURS["band_dark"]]
    for k, band in enumerate(("A", "B", "C", "D")):
        idx = np.flatnonzero((bands == band).fillna(False).to_numpy())
        if not len(idx):
            continue
        ax.axvspan(idx.min() - 0.5, idx.max() + 0.5, color=shades[k % 2], zorder=0, linewidth=0,
                   gid=f"band-{band}")
        ax.text((idx.min() + idx.max()) / 2, 0.985, band, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=10, fontweight="bold", color=COLOURS["muted"],
                gid="band-label")


# --- builders: one Chart per chart ---------------------------------------------------------------

def comparators_overview_chart(rows: pd.DataFrame, *, name: str = "overview", source: str,
                               synthetic: bool = False, title: str | None = None) -> Chart:
    """Every indicator against England (:func:`comparators_overview`) as a Chart."""
    inputs = {"rows": rows, "source": source, "synthetic": synthetic, "title": title}
    return Chart(name=name, plot=comparators_overview, inputs=inputs,
                 alt_text=_comparators_overview_alt_text(rows, synthetic=synthetic), source=source,
                 title=title or "Every indicator against England", synthetic=synthetic)


def comparators_bar_chart(row: pd.Series, *, name: str, source: str, synthetic: bool = False,
                          title: str | None = None) -> Chart:
    """One indicator-year against England, region and neighbours (:func:`comparators_bar`)."""
    inputs = {"row": row, "source": source, "synthetic": synthetic, "title": title}
    return Chart(name=name, plot=comparators_bar, inputs=inputs,
                 alt_text=_comparators_bar_alt_text(row, synthetic=synthetic), source=source,
                 title=title or str(_meta(None, row)["label"]), synthetic=synthetic)


def neighbours_ranked_chart(nb_values: pd.DataFrame, indicator: Indicator, *, name: str, source: str,
                            england: float | None = None, sn_mean: float | None = None,
                            synthetic: bool = False, period: str | None = None,
                            title: str | None = None) -> Chart:
    """The LA and its neighbours best to worst (:func:`neighbours_ranked`) as a Chart."""
    inputs = {"nb_values": nb_values, "indicator": indicator, "england": england, "sn_mean": sn_mean,
              "source": source, "synthetic": synthetic, "period": period, "title": title}
    alt = _neighbours_ranked_alt_text(nb_values, indicator, england=england, sn_mean=sn_mean,
                                      synthetic=synthetic, period=period)
    return Chart(name=name, plot=neighbours_ranked, inputs=inputs, alt_text=alt, source=source,
                 title=title or indicator.label, synthetic=synthetic)


def all_las_ranked_chart(all_values: pd.DataFrame, indicator: Indicator, la_old_code: str, *,
                         name: str, source: str, synthetic: bool = False,
                         england: float | None = None, period: str | None = None,
                         title: str | None = None) -> Chart:
    """Every LA best to worst with quartile bands (:func:`all_las_ranked`) as a Chart."""
    inputs = {"all_values": all_values, "indicator": indicator, "la_old_code": la_old_code,
              "source": source, "synthetic": synthetic, "england": england, "period": period,
              "title": title}
    alt = _all_las_ranked_alt_text(all_values, indicator, la_old_code, synthetic=synthetic,
                                   england=england, period=period)
    return Chart(name=name, plot=all_las_ranked, inputs=inputs, alt_text=alt, source=source,
                 title=title or indicator.label, synthetic=synthetic)
