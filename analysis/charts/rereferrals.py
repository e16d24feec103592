"""Charts of the re-referrals deep dive, drawn from its published tables.

Every function takes a table as :mod:`analysis.deep_dive.build` publishes it (counts and
percentages, with ``"c"`` where :mod:`analysis.engine.suppress` hid a small number), draws on
``ax`` (a new house-style figure when None) and returns the Axes. A suppressed value is
drawn as no bar or no point and written as "c"; nothing hidden in a table can come back
through a chart. ``synthetic=True`` labels the chart "SYNTHETIC DATA" and starts the alt
text with the same words. The builders (``*_block``) return an :class:`analysis.core.blocks.Chart`
whose alt text gives the figures the chart shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

from analysis.charts.statistics import _xmr_chart_alt_text, xmr_chart
from analysis.charts.style import (
    A4_TEXT_WIDTH,
    COLOURS,
    finish,
    format_count,
    get_axes,
    house_style,
    require_columns,
    set_value_axis,
    style_axes,
    synthetic_prefix,
)
from analysis.core.blocks import Chart
from analysis.core.errors import NoDataError, ParameterError
from analysis.engine.suppress import MARKER, is_suppressed, number

#: Day boundaries marked on the time-since chart: 60 days, 3 months, 6 months.
WITHIN_MARKS: dict[int, str] = {60: "60 days", 91: "3 months", 182: "6 months"}


def table_frame(table: object, columns: list[str], name: str) -> pd.DataFrame:
    require_columns(table, columns, name)
    frame = cast(pd.DataFrame, table)  # require_columns checked it is a DataFrame
    if frame.empty:
        raise NoDataError(f"the {name} table has no rows to chart")
    return frame.reset_index(drop=True)


_num = number
_hidden = is_suppressed


def _words(value: object) -> str | None:
    """A cell that says something other than a number ("c", "not recorded"), as it says it."""
    if _hidden(value):
        return MARKER
    if isinstance(value, str) and value.strip() and np.isnan(_num(value)):
        return value.strip()
    return None


def percent_text(value: object) -> str:
    """``57.1%``; ``c`` when suppressed; ``not recorded`` when the records cannot hold it;
    ``no figure`` when missing."""
    words = _words(value)
    if words is not None:
        return words
    v = _num(value)
    return "no figure" if np.isnan(v) else f"{v:.1f}%"


def count_text(value: object) -> str:
    words = _words(value)
    return words if words is not None else (format_count(value) or "no figure")


def bar_labels(ax: Axes, ys: Sequence[float], texts: list[str], span: float,
               fontsize: float = 8.0) -> None:
    """Each bar's figures in a column right of the plot, level with its bar (clear of
    reference lines and markers drawn on the bars)."""
    for y, text in zip(ys, texts, strict=True):
        ax.annotate(text, (1.0, y), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", va="center", ha="left", fontsize=fontsize,
                    color=COLOURS["text"], gid="bar-label", annotation_clip=False)
    ax.set_xlim(0, span * 1.08 if span > 0 else 1)


# --- time since the previous referral --------------------------------------------------------

def _band_label(lo: object, hi: object, sep: str = " ") -> str:
    lo_i, hi_i = int(_num(lo)), int(_num(hi))
    return f"{lo_i} days to{sep}12 months" if hi_i >= 365 else f"{lo_i}-{hi_i}{sep}days"


def _marks(bands: pd.DataFrame) -> list[tuple[int, int, object]]:
    """(band index the mark follows, days, cumulative percent) for 60, 91 and 182 days."""
    out = []
    for i, hi in enumerate(bands["max_days"]):
        days = int(_num(hi))
        if days in WITHIN_MARKS:
            out.append((i, days, bands["cumulative_percent"].iloc[i]))
    return out


def time_since_previous_chart(bands: pd.DataFrame, ax: Axes | None = None, *, source: str,
                              synthetic: bool = False, period: str | None = None,
                              title: str | None = None) -> Axes:
    """How soon children come back: re-referrals by days since the previous referral.

    ``bands``: band, min_days, max_days, rereferrals, percent, cumulative_percent (from
    :func:`analysis.deep_dive.tables.time_since_raw`, published). Dashed lines after 60, 91
    (3 months) and 182 days (6 months) carry the share of re-referrals within that time.
    """
    data = table_frame(bands, ["min_days", "max_days", "rereferrals", "percent",
                          "cumulative_percent"], "bands")
    values = [_num(v) for v in data["percent"]]
    labels = [_band_label(lo, hi, "\n") for lo, hi in zip(data["min_days"], data["max_days"],
                                                          strict=True)]
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        x = np.arange(len(data))
        ax.bar(x, np.nan_to_num(values), width=0.68, color=COLOURS["la"], gid="bars")
        top = max([v for v in values if not np.isnan(v)] or [1.0]) or 1.0  # all zero: an axis to 1
        for xi, v, raw in zip(x, values, data["percent"], strict=True):
            ax.annotate(percent_text(raw), (float(xi), 0 if np.isnan(v) else v), xytext=(0, 2),
                        textcoords="offset points", ha="center", va="bottom", fontsize=8,
                        gid="bar-label")
        for i, days, cum in _marks(data):
            ax.axvline(i + 0.5, color=COLOURS["muted"], linestyle=(0, (4, 2)), linewidth=1.0,
                       gid=f"within-{days}")
            ax.annotate(f"{percent_text(cum)} within\n{WITHIN_MARKS[days]}", (i + 0.5, top * 1.3),
                        xytext=(3, 0), textcoords="offset points", ha="left", va="top",
                        fontsize=7.5, color=COLOURS["text"], gid="within-label")
        ax.set_ylim(0, top * 1.35)
        ax.set_xticks(x, labels, rotation=0, fontsize=8)
        ax.set_xlabel("Time since the child's previous referral")
        set_value_axis(ax, "percent", label=False)
        ax.set_ylabel("Per cent of re-referrals")
        total = count_text(data["all_rereferrals"].iloc[0]) if "all_rereferrals" in data else None
        sub = ("Re-referrals" + (f" in {period}" if period else "")
               + (f" ({total})" if total else "")
               + " by days since the same child's previous referral.")
        return finish(ax, source, synthetic, title or "How soon children come back", sub)


def _time_since_previous_alt_text(bands: pd.DataFrame, *, synthetic: bool = False,
                                 period: str | None = None) -> str:
    """Alt text for :func:`time_since_previous_chart`."""
    data = table_frame(bands, ["min_days", "max_days", "rereferrals", "percent",
                          "cumulative_percent"], "bands")
    total = f" {count_text(data['all_rereferrals'].iloc[0])}" if "all_rereferrals" in data else ""
    parts = [f"{_band_label(lo, hi)} {percent_text(p)}" for lo, hi, p in
             zip(data["min_days"], data["max_days"], data["percent"], strict=True)]
    marks = [f"{percent_text(cum)} within {WITHIN_MARKS[days]}"
             + (f" ({days} days)" if days != 60 else "") for _, days, cum in _marks(data)]
    text = (f"Bar chart of{total} re-referrals" + (f" in {period}" if period else "")
            + " by time since the child's previous referral: " + "; ".join(parts) + ".")
    if marks:
        text += " " + ", ".join(marks) + "."
    if any(_hidden(v) for v in data["percent"]):
        text += (" Bands marked c are hidden: fewer than 5 re-referrals, or a larger count hidden so "
                 "that a small count cannot be worked out.")
    return synthetic_prefix(synthetic) + text


# --- rate or share by category ---------------------------------------------------------------

_VALUE_WORDS = {
    "rate_percent": "Re-referral rate (re-referrals as a percentage of referrals)",
    "share_of_rereferrals_percent": "Share of all re-referrals",
    "percent": "Per cent",
}


def _categories(data: pd.DataFrame, category: str, label: str | None) -> list[str]:
    if label and label in data:
        return [str(lab) if not pd.isna(lab) else str(cat)
                for cat, lab in zip(data[category], data[label], strict=True)]
    return [str(c) for c in data[category]]


def breakdown_chart(table: pd.DataFrame, category: str, value: str = "rate_percent",
                    ax: Axes | None = None, *, source: str, synthetic: bool = False,
                    label: str | None = None, count: str | None = "referrals",
                    reference: float | str | None = None,
                    reference_label: str = "All referrals", max_rows: int = 12,
                    value_label: str | None = None, title: str | None = None,
                    subtitle: str | None = None) -> Axes:
    """Horizontal bars of a percentage by category, in the table's order (largest first).

    Works for any breakdown of :mod:`analysis.deep_dive.breakdowns`: referral source, primary need,
    assessment factor (``value="rate_percent"`` or ``"share_of_rereferrals_percent"``),
    previous outcome (``value="percent"``, ``count="rereferrals"``). ``label`` names a
    column of display names (e.g. the need's words beside its code); ``count`` a column
    printed as n= beside each bar; ``reference`` a vertical line (e.g. the overall rate).
    Only the first ``max_rows`` rows are drawn; the subtitle says how many more the table has.
    """
    cols = [category, value] + ([count] if count else [])
    data = table_frame(table, cols, "table")
    if max_rows < 1:
        raise ParameterError("max_rows must be at least 1", parameter="max_rows",
                             found=repr(max_rows))
    shown = data.head(max_rows)
    names = _categories(shown, category, label)
    values = [_num(v) for v in shown[value]]
    with house_style():
        height = max(2.4, 0.9 + 0.27 * len(shown))
        ax = get_axes(ax, (A4_TEXT_WIDTH, height))
        style_axes(ax, "x")
        ys = list(range(len(shown)))[::-1]
        ax.barh(ys, np.nan_to_num(values), height=0.66, color=COLOURS["la"], gid="bars")
        texts = [percent_text(v) + (f"  (n={count_text(c)})" if count else "")
                 for v, c in zip(shown[value], shown[count] if count else shown[value],
                                 strict=True)]
        span = max([v for v in values if not np.isnan(v)] or [1.0])
        ref = _num(reference) if reference is not None else float("nan")
        if not np.isnan(ref):
            span = max(span, ref)
            ax.axvline(ref, color=COLOURS["target"], linestyle=(0, (5, 3)), linewidth=1.2,
                       gid="reference-line")
        bar_labels(ax, ys, texts, span)
        ax.set_yticks(ys, names)
        ax.tick_params(axis="y", length=0)
        set_value_axis(ax, "percent", axis="x", label=False)
        ax.set_xlabel(value_label or _VALUE_WORDS.get(value, value))
        more = len(data) - len(shown)
        sub = subtitle or ""
        if not np.isnan(ref):
            sub = (sub + " " if sub else "") + f"Dashed line: {reference_label.lower()}, {ref:.1f}%."
        if more:
            sub = (sub + " " if sub else "") + f"{more} smaller categories are in the table."
        return finish(ax, source, synthetic,
                      title or f"Re-referrals by {category.replace('_', ' ')}", sub or None)


def _breakdown_alt_text(table: pd.DataFrame, category: str, value: str = "rate_percent", *,
                       synthetic: bool = False, label: str | None = None,
                       count: str | None = "referrals", reference: float | str | None = None,
                       reference_label: str = "All referrals", max_rows: int = 12,
                       value_label: str | None = None, what: str | None = None) -> str:
    """Alt text for :func:`breakdown_chart`: every bar's figure, highest and lowest."""
    cols = [category, value] + ([count] if count else [])
    data = table_frame(table, cols, "table")
    shown = data.head(max_rows)
    names = _categories(shown, category, label)
    words = (value_label or _VALUE_WORDS.get(value, value)).lower()
    parts = [f"{name} {percent_text(v)}" + (f" (n={count_text(c)})" if count else "")
             for name, v, c in zip(names, shown[value],
                                   shown[count] if count else shown[value], strict=True)]
    text = (f"Bar chart of {words} by {what or category.replace('_', ' ')}: "
            + "; ".join(parts) + ".")
    known = [(n, _num(v)) for n, v in zip(names, shown[value], strict=True)
             if not np.isnan(_num(v))]
    if len(known) > 1:
        hi = max(known, key=lambda t: t[1])
        lo = min(known, key=lambda t: t[1])
        text += f" Highest {hi[0]} ({hi[1]:.1f}%), lowest {lo[0]} ({lo[1]:.1f}%)."
    if reference is not None and not np.isnan(_num(reference)):
        text += f" {reference_label}: {_num(reference):.1f}%."
    if len(data) > len(shown):
        text += f" {len(data) - len(shown)} smaller categories are in the table only."
    if any(_hidden(v) for v in shown[value]):
        text += (" Values marked c are hidden: fewer than 5, or a larger count hidden so that a small "
                 "count cannot be worked out.")
    return synthetic_prefix(synthetic) + text


# --- early help ------------------------------------------------------------------------------

def early_help_chart(table: pd.DataFrame, ax: Axes | None = None, *, source: str,
                     synthetic: bool = False, period: str | None = None,
                     title: str | None = None) -> Axes:
    """Share of referrals with early help before the referral: all referrals, re-referrals,
    first referrals. ``table``: group, with_prior_early_help, known, percent."""
    data = table_frame(table, ["group", "with_prior_early_help", "known", "percent"], "table")
    shown = data.assign(group=[str(g)[:1].upper() + str(g)[1:] for g in data["group"]])
    sub = ("Per cent with an early help episode before the referral"
           + (f", {period}" if period else "") + "; n = referrals where it is recorded.")
    return breakdown_chart(shown, "group", "percent", ax, source=source, synthetic=synthetic,
                           count="known", value_label="Per cent with early help first",
                           title=title or "Was early help tried first?", subtitle=sub)


def _about(numerator: object, denominator: object, percent: object) -> str:
    """"about " before counts that do not give the percentage shown beside them: the deep
    dive's counts are rounded to 5, its percentages worked out from the exact counts."""
    from analysis.core.evidence import percent_matches

    n, d, p = _num(numerator), _num(denominator), _num(percent)
    if np.isnan(n) or np.isnan(d) or np.isnan(p) or d <= 0 or n <= 0:
        return ""
    return "" if percent_matches(n, d, f"{p:.1f}", 1) else "about "


def _early_help_alt_text(table: pd.DataFrame, *, synthetic: bool = False,
                        period: str | None = None) -> str:
    """Alt text for :func:`early_help_chart`."""
    data = table_frame(table, ["group", "with_prior_early_help", "known", "percent"], "table")
    parts = [f"{g}: {percent_text(p)} ({_about(w, k, p)}{count_text(w)} of "
             f"{count_text(k)})" for g, w, k, p in
             zip(data["group"], data["with_prior_early_help"], data["known"], data["percent"],
                 strict=True)]
    text = ("Bar chart of the share of referrals with early help before the referral"
            + (f" in {period}" if period else "") + ": " + "; ".join(parts) + ".")
    if "not_recorded" in data:
        missing = _num(data["not_recorded"].iloc[0])
        if missing and not np.isnan(missing):
            text += f" Not recorded for {format_count(missing)} referrals."
    return synthetic_prefix(synthetic) + text


# --- monthly rate: XmR -----------------------------------------------------------------------

def monthly_xmr_chart(xmr: pd.DataFrame, ax: Axes | None = None, *, source: str,
                      synthetic: bool = False, title: str | None = None) -> Axes:
    """Each month's re-referral rate on an XmR chart (lower is better), special-cause months
    marked (:func:`analysis.charts.statistics.xmr_chart`). ``xmr``: from
    :func:`analysis.deep_dive.derived.monthly_xmr`."""
    return xmr_chart(xmr, ax, source=source, synthetic=synthetic, unit="percent", decimals=1,
                     polarity="lower_is_better",
                     title=title or "Monthly re-referral rate: statistical process control")


# --- chart blocks -----------------------------------------------------------------------------
#
# Each builder returns an :class:`analysis.core.blocks.Chart`: the plot function and its inputs
# (published tables only), with alt text computed from the same inputs, so the renderers draw
# it and no figure is made here.


def _shown_rows(table: pd.DataFrame, count: str) -> pd.DataFrame:
    """Rows with something to draw: categories with no referrals are left out (a hidden
    count, "c", is kept: it is not known to be zero)."""
    keep = [_hidden(v) or (not np.isnan(_num(v)) and _num(v) > 0) for v in table[count]]
    return table.loc[keep].reset_index(drop=True)


def drawable(table: pd.DataFrame, value: str) -> bool:
    """True when at least one figure in ``value`` is shown (not all suppressed or empty)."""
    return any(not np.isnan(_num(v)) for v in table[value]) if len(table) else False


def time_since_block(name: str, bands: pd.DataFrame, *, source: str, synthetic: bool,
                     period: str | None) -> Chart:
    return Chart(name, time_since_previous_chart,
                 {"bands": bands, "source": source, "synthetic": synthetic, "period": period},
                 _time_since_previous_alt_text(bands, synthetic=synthetic, period=period),
                 source=source, title="How soon children come back", synthetic=synthetic)


def breakdown_block(name: str, table: pd.DataFrame, category: str, value: str = "rate_percent",
                    *, source: str, synthetic: bool, title: str, what: str,
                    label: str | None = None, count: str | None = "referrals",
                    reference: float | str | None = None, value_label: str | None = None,
                    subtitle: str | None = None, max_rows: int = 12) -> Chart:
    """Bars of a breakdown (:func:`breakdown_chart`), categories with no referrals left out."""
    data = _shown_rows(table, count) if count else table
    inputs = {"table": data, "category": category, "value": value, "source": source,
              "synthetic": synthetic, "label": label, "count": count, "reference": reference,
              "value_label": value_label, "title": title, "subtitle": subtitle, "max_rows": max_rows}
    alt = _breakdown_alt_text(data, category, value, synthetic=synthetic, label=label,
                             count=count, reference=reference, max_rows=max_rows,
                             value_label=(value_label.lower() if value_label else None),
                             what=what)
    return Chart(name, breakdown_chart, inputs, alt, source=source, title=title,
                 synthetic=synthetic)


def early_help_block(name: str, table: pd.DataFrame, *, source: str, synthetic: bool,
                     period: str | None) -> Chart:
    return Chart(name, early_help_chart,
                 {"table": table, "source": source, "synthetic": synthetic, "period": period},
                 _early_help_alt_text(table, synthetic=synthetic, period=period),
                 source=source, title="Was early help tried first?", synthetic=synthetic)


def xmr_block(name: str, xmr: pd.DataFrame, *, source: str, synthetic: bool,
              period: str = "month") -> Chart:
    title = ("Monthly" if period == "month" else "Quarterly") + \
        " re-referral rate: statistical process control"
    body = _xmr_chart_alt_text(xmr, unit="percent", decimals=1)
    alt = synthetic_prefix(synthetic) + f"{title.split(':')[0]}. " + body
    return Chart(name, monthly_xmr_chart, {"xmr": xmr, "source": source,
                                           "synthetic": synthetic, "title": title},
                 alt, source=source, title=title, synthetic=synthetic)


def neighbour_rates_chart(table: pd.DataFrame, ax: Axes | None = None, *, source: str,
                          synthetic: bool = False, title: str | None = None) -> Axes:
    """DfE's published re-referral rate of the LA and each statistical neighbour, lowest
    first, the LA's bar marked. ``table``: area, published_percent, is_la, dfe_year."""
    data = table_frame(table, ["area", "published_percent", "is_la"], "neighbours")
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, max(2.4, 0.9 + 0.27 * len(data))))
        style_axes(ax, "x")
        ys = list(range(len(data)))[::-1]
        values = [_num(v) for v in data["published_percent"]]
        colours = [COLOURS["la"] if la else COLOURS["neighbours"] for la in data["is_la"]]
        ax.barh(ys, np.nan_to_num(values), height=0.66, color=colours, gid="bars")
        bar_labels(ax, ys, [percent_text(v) for v in values],
                   max([v for v in values if not np.isnan(v)] or [1.0]))
        ax.set_yticks(ys, [str(a) for a in data["area"]])
        ax.tick_params(axis="y", length=0)
        set_value_axis(ax, "percent", axis="x", label=False)
        ax.set_xlabel("Re-referrals within 12 months, per cent of referrals (DfE published)")
        year = data["dfe_year"].iloc[0] if "dfe_year" in data else ""
        return finish(ax, source, synthetic, title or "Statistical neighbours' published rates",
                      f"DfE, children in need {year}: the LA and each statistical neighbour.")


def _neighbour_rates_alt_text(table: pd.DataFrame) -> str:
    data = table_frame(table, ["area", "published_percent", "is_la"], "neighbours")
    parts = [f"{a}{' (this LA)' if la else ''} {percent_text(v)}"
             for a, v, la in zip(data["area"], data["published_percent"], data["is_la"],
                                 strict=True)]
    return ("Bar chart of DfE's published re-referral rates (published figures, not from the "
            "records), lowest first: " + "; ".join(parts) + ".")


def neighbours_block(name: str, table: pd.DataFrame, *, source: str,
                     synthetic: bool = False) -> Chart:
    """DfE's published rates (real figures, also in a pack of synthetic records: the chart
    says which they are)."""
    return Chart(name, neighbour_rates_chart,
                 {"table": table, "source": source, "synthetic": synthetic},
                 synthetic_prefix(synthetic) + _neighbour_rates_alt_text(table), source=source,
                 title="Statistical neighbours' published rates", synthetic=synthetic)


__all__ = ["breakdown_block", "breakdown_chart", "drawable", "early_help_block",
           "early_help_chart", "monthly_xmr_chart", "neighbour_rates_chart", "neighbours_block",
           "time_since_block", "time_since_previous_chart", "xmr_block"]
