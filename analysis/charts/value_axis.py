"""Where a chart's value axis starts, and the words that say why when it is not at zero.

Counts, percentages and rates are drawn from zero, so that the height of a bar or a point is
the size of the figure: two quarters of 5.3% and 4.9% must not fill the whole chart. Two chart
types are read against their own lines rather than against zero and may start higher: the
funnel plot (against its control limits, when zero would squeeze the funnel into a strip) and
the XmR chart (against its mean and process limits). Such a chart says so in its subtitle and
its alt text (:func:`axis_note`), never on the plot, where it could cover a tick label.

Pure functions of the figures (no matplotlib), so that a chart and its alt text are worked
out from the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

#: Why a funnel plot's value axis may start above zero.
FUNNEL_REASON = "a funnel plot is read against its control limits"
#: Why an XmR chart's value axis may start above zero.
XMR_REASON = "an XmR chart is read against its mean and process limits"
#: A funnel plot starts at zero when the space below its lowest figure would be no more
#: than this share of the chart's height.
ZERO_BASE_SHARE = 0.25


def axis_note(bottom: float, reason: str) -> str:
    """The sentence a chart whose value axis starts at ``bottom`` carries ("" at zero)."""
    if bottom == 0:
        return ""
    return f"The value axis does not start at 0: {reason}."


def _finite(values: Iterable[float]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def zero_based_range(values: Iterable[float], headroom: float = 0.15) -> tuple[float, float]:
    """From zero to the largest figure and ``headroom`` of it above (for value labels);
    below zero only when a figure is negative."""
    finite = _finite(values)
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    span = max(hi - min(lo, 0.0), abs(hi) * 0.05, 1e-9)
    top = hi + headroom * span if hi > 0 else headroom * span
    bottom = 0.0 if lo >= 0 else lo - 0.05 * span
    return bottom, top


def funnel_range(lo: float, hi: float) -> tuple[float, float]:
    """The funnel plot's value axis for figures and limits from ``lo`` to ``hi``: from zero
    unless that leaves more than :data:`ZERO_BASE_SHARE` of the height empty below them."""
    span = hi - lo or 1.0
    bottom, top = lo - 0.05 * span, hi + 0.08 * span
    if lo >= 0 and bottom <= ZERO_BASE_SHARE * top:
        bottom = 0.0
    return bottom, top


def xmr_range(values: Iterable[float]) -> tuple[float, float]:
    """The XmR chart's value axis: the points, mean, process limits and target with a 5%
    margin either side (the chart is read against its limits, not against zero)."""
    finite = _finite(values)
    if not finite:
        return 0.0, 1.0
    lo, hi = min(finite), max(finite)
    span = hi - lo or max(abs(hi), 1.0)
    return lo - 0.05 * span, hi + 0.05 * span


def funnel_value_range(points: pd.DataFrame, limits: pd.DataFrame) -> tuple[float, float]:
    """:func:`funnel_range` of a funnel plot's points (name, denominator, value) and limits
    (denominator, lower_998, upper_998), scaled to the points and the limits beside them, not
    to the limits' flare at tiny denominators."""
    seen = limits[limits["denominator"] >= float(points["denominator"].min()) * 0.5]
    seen = seen if len(seen) else limits
    lo = min(float(seen["lower_998"].min()), float(points["value"].min()))
    hi = max(float(seen["upper_998"].max()), float(points["value"].max()))
    return funnel_range(lo, hi)
