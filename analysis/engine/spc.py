"""Statistical process control: XmR (individuals) charts, as NHS England "Making Data Count".

For one local series (monthly or quarterly figures in time order):

* ``xmr_limits``: mean, mean moving range and process limits mean ± 2.66 × mean moving range;
  limits from fewer than 12 points are *trial* limits;
* ``spc_rules``: the four special-cause rules for each point (outside a limit, a shift, a trend,
  two of three points beyond two sigma) with the direction of each signal;
* ``variation_icon`` and ``assurance_icon``: the summary icons for the latest point;
* ``xmr_table``: all of it as one tidy table.

The exact rule definitions (run lengths, ties, points on the mean, missing points) are in
docs/methods/statistics.md and in each function's docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, NoDataError, ParameterError

__all__ = [
    "ASSURANCE_ICONS",
    "VARIATION_ICONS",
    "XMR_CONSTANT",
    "XmrLimits",
    "assurance_icon",
    "spc_rules",
    "variation_icon",
    "xmr_limits",
    "xmr_table",
]

#: Limits sit at mean ± 2.66 × mean moving range (2.66 = 3 / 1.128, d2 for ranges of 2).
XMR_CONSTANT = 2.66
#: Moving ranges above 3.267 × mean moving range (the upper range limit) can be screened out.
URL_CONSTANT = 3.267
#: Making Data Count calls limits from fewer than this many points "trial limits".
MIN_POINTS_FOR_FIRM_LIMITS = 12

VARIATION_ICONS = (
    "special_cause_improving", "special_cause_concerning", "special_cause_neither",
    "common_cause",
)
ASSURANCE_ICONS = ("consistently_passes", "hit_and_miss", "consistently_fails", "no_target")

Polarity = Literal["lower_is_better", "higher_is_better", "none"]
_POLARITIES = ("lower_is_better", "higher_is_better", "none")


@dataclass(frozen=True)
class XmrLimits:
    """Centre line and process limits of an XmR chart.

    ``sigma`` is the within-process standard deviation estimate, 2.66 / 3 × mean moving range,
    used for the "two of three beyond two sigma" rule. ``trial`` is True when the limits come
    from fewer than 12 points.
    """

    mean: float
    mean_moving_range: float
    sigma: float
    lpl: float
    upl: float
    n_points: int
    trial: bool


def _check_polarity(polarity: str) -> str:
    if polarity not in _POLARITIES:
        raise ParameterError("unknown polarity", parameter="polarity",
                             expected=" | ".join(_POLARITIES), found=repr(polarity),
                             fix="use the polarity given for the indicator in "
                                 "config/indicators.yaml")
    return polarity


def _values_array(values: Any, name: str = "values") -> np.ndarray:
    if isinstance(values, pd.Series):
        values = values.astype("object").where(values.notna(), np.nan).to_numpy()
    try:
        arr = np.asarray(values, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise InputDataError(
            "the series has values that are not numbers", column=name,
            expected="numbers, NaN for a missing period",
            fix="convert suppressed or text values to NaN before charting",
        ) from None
    if np.isinf(arr).any():
        raise InputDataError("the series has infinite values", column=name,
                             rows=list(np.flatnonzero(np.isinf(arr))), expected="finite numbers")
    return arr


def _check_length(name: str, length: int, minimum: int) -> int:
    if not isinstance(length, int | np.integer) or isinstance(length, bool) or length < minimum:
        raise ParameterError(f"{name} must be a whole number of at least {minimum}",
                             parameter=name, found=repr(length))
    return int(length)


def xmr_limits(values: Any, baseline: int | None = None,
               screen_moving_ranges: bool = False) -> XmrLimits:
    """Mean, mean moving range and process limits of a series (XmR chart).

    ``baseline``: use only the first ``baseline`` periods to fix the limits (the later points
    are then judged against them); None uses every point. Missing values (NaN) are dropped and
    moving ranges are taken between consecutive *available* values.
    ``screen_moving_ranges``: leave out moving ranges above 3.267 × the mean moving range and
    recompute the mean once (an option some tools use by default; off here, as in the basic
    Making Data Count method).
    Limits from fewer than 12 points are flagged ``trial=True``.
    """
    arr = _values_array(values)
    if baseline is not None:
        baseline = _check_length("baseline", baseline, 2)
        if baseline > len(arr):
            raise ParameterError("the baseline is longer than the series", parameter="baseline",
                                 expected=f"at most {len(arr)} periods", found=str(baseline))
        arr = arr[:baseline]
    arr = arr[~np.isnan(arr)]
    if len(arr) == 0:
        raise NoDataError("there are no figures to chart",
                          fix="check the series has at least one non-missing value")
    if len(arr) < 2:
        raise InputDataError("an XmR chart needs at least 2 values for a moving range",
                             column="values", expected="2 or more non-missing values",
                             found=f"{len(arr)}")
    moving_ranges = np.abs(np.diff(arr))
    mr_bar = float(moving_ranges.mean())
    if screen_moving_ranges:
        kept = moving_ranges[moving_ranges <= URL_CONSTANT * mr_bar]
        mr_bar = float(kept.mean()) if len(kept) else mr_bar
    mean = float(arr.mean())
    half_width = XMR_CONSTANT * mr_bar
    return XmrLimits(
        mean=mean, mean_moving_range=mr_bar, sigma=half_width / 3,
        lpl=mean - half_width, upl=mean + half_width,
        n_points=len(arr), trial=len(arr) < MIN_POINTS_FOR_FIRM_LIMITS,
    )


# --------------------------------------------------------------------------------------------
# The rules. Each works on the non-missing points in order and returns, per point, +1 for a
# high (upward) signal, -1 for a low (downward) one and 0 for none.
# --------------------------------------------------------------------------------------------

def _outside(x: np.ndarray, limits: XmrLimits) -> np.ndarray:
    return np.where(x > limits.upl, 1, np.where(x < limits.lpl, -1, 0))


def _flag_runs(keys: np.ndarray, length: int) -> np.ndarray:
    """Flag runs of ``length`` or more equal non-zero keys; zeros neither count nor break.

    A zero inside a flagged run (between its first and last counted point) is flagged too.
    """
    out = np.zeros(len(keys), dtype=int)
    start: int | None = None
    count, side = 0, 0
    last_counted: int | None = None

    def close() -> None:
        if side != 0 and count >= length and last_counted is not None:
            out[start:last_counted + 1] = side

    for i, k in enumerate(keys):
        if k == 0:
            continue
        if k == side:
            count += 1
        else:
            close()
            start, count, side = i, 1, k
        last_counted = i
    close()
    return out


def _shift(x: np.ndarray, mean: float, length: int) -> np.ndarray:
    return _flag_runs(np.sign(x - mean).astype(int), length)


def _trend(x: np.ndarray, length: int) -> np.ndarray:
    """Runs of ``length`` or more points each higher (or lower) than the one before.

    A value equal to the previous one neither extends nor breaks the trend. A turning point
    ends one run and starts the next.
    """
    out = np.zeros(len(x), dtype=int)
    if len(x) < 2:
        return out
    start, last, direction, count = 0, 0, 0, 1

    def close(end: int) -> None:
        if direction != 0 and count >= length:
            out[start:end + 1] = direction

    for i in range(1, len(x)):
        step = int(np.sign(x[i] - x[last]))
        if step == 0:
            continue
        if step == direction:
            count += 1
        else:
            close(last)
            start, direction, count = last, step, 2
        last = i
    close(last)
    return out


def _two_of_three(x: np.ndarray, limits: XmrLimits) -> np.ndarray:
    """Two (or three) of any three consecutive points beyond two sigma on the same side."""
    high = x > limits.mean + 2 * limits.sigma
    low = x < limits.mean - 2 * limits.sigma
    out = np.zeros(len(x), dtype=int)
    for end in range(2, len(x)):
        window = slice(end - 2, end + 1)
        for flags, side in ((high, 1), (low, -1)):
            if flags[window].sum() >= 2:
                idx = np.arange(end - 2, end + 1)[flags[window]]
                out[idx] = side
    return out


def _label(direction: int, polarity: str) -> str:
    if direction == 0:
        return "common_cause"
    if polarity == "none":
        return "special_cause_neither"
    improving = (direction > 0) == (polarity == "higher_is_better")
    return "special_cause_improving" if improving else "special_cause_concerning"


def spc_rules(values: Any, limits: XmrLimits, polarity: Polarity = "none",
              shift_length: int = 7, trend_length: int = 6) -> pd.DataFrame:
    """Flag each point against the Making Data Count special-cause rules.

    Columns: ``value``, ``outside_limits``, ``shift``, ``trend``, ``two_of_three`` (booleans),
    ``special_cause`` (any rule), ``direction`` ("high" / "low" / None) and ``variation``
    (one of ``VARIATION_ICONS``, given the polarity).

    * outside_limits: above the upper or below the lower process limit (on a limit is inside);
    * shift: part of a run of ``shift_length`` (7) or more points on one side of the mean;
      a point exactly on the mean neither counts nor breaks the run;
    * trend: part of a run of ``trend_length`` (6) or more points each higher (or each lower)
      than the previous; a value equal to the previous neither counts nor breaks the run;
    * two_of_three: two or three of three consecutive points are more than two sigma from the
      mean on the same side (sigma = 2.66 / 3 × mean moving range); the points beyond are flagged.

    Missing values are skipped by every rule (the points either side are treated as
    consecutive) and get no flag. When rules point different ways at one point, the direction
    comes from the first of: outside_limits, two_of_three, shift, trend.
    The index of a Series is kept.
    """
    _check_polarity(polarity)
    shift_length = _check_length("shift_length", shift_length, 2)
    trend_length = _check_length("trend_length", trend_length, 2)
    index = values.index if isinstance(values, pd.Series) else None
    arr = _values_array(values)
    present = ~np.isnan(arr)
    x = arr[present]
    signals = {
        "outside_limits": _outside(x, limits),
        "shift": _shift(x, limits.mean, shift_length),
        "trend": _trend(x, trend_length),
        "two_of_three": _two_of_three(x, limits),
    }
    direction = np.zeros(len(x), dtype=int)
    for name in ("trend", "shift", "two_of_three", "outside_limits"):  # last write wins
        direction = np.where(signals[name] != 0, signals[name], direction)

    out = pd.DataFrame({"value": arr}, index=index)
    for name, sig in signals.items():
        col = np.zeros(len(arr), dtype=bool)
        col[present] = sig != 0
        out[name] = col
    full_direction = np.zeros(len(arr), dtype=int)
    full_direction[present] = direction
    out["special_cause"] = full_direction != 0
    out["direction"] = pd.Series(
        ["high" if d > 0 else "low" if d < 0 else None for d in full_direction],
        index=out.index, dtype=object,
    )
    out["variation"] = pd.Series(
        [_label(d, polarity) if known else None for d, known in zip(full_direction, present,
                                                                     strict=True)],
        index=out.index, dtype=object,
    )
    return out


def variation_icon(rules: pd.DataFrame, polarity: Polarity = "none") -> str:
    """Variation icon for the latest non-missing point of ``spc_rules`` output.

    "special_cause_improving" / "special_cause_concerning" when the latest point is part of a
    special-cause signal and the indicator has a preferred direction, "special_cause_neither"
    when it has none, else "common_cause".
    """
    _check_polarity(polarity)
    needed = {"value", "direction"}
    if not needed <= set(rules.columns):
        raise ParameterError("rules must be the table returned by spc_rules()",
                             parameter="rules", expected="columns value and direction",
                             found=", ".join(map(str, rules.columns)))
    known = rules[rules["value"].notna()]
    if known.empty:
        raise NoDataError("there is no latest point to judge")
    latest = known["direction"].iloc[-1]
    return _label({"high": 1, "low": -1}.get(latest, 0), polarity)


def assurance_icon(limits: XmrLimits, target: float | None,
                   polarity: Polarity = "none") -> str:
    """Will the process meet its target? Judged from the process limits, not the latest point.

    With higher_is_better: lower limit above the target -> "consistently_passes", upper limit
    below it -> "consistently_fails", target between (or on) the limits -> "hit_and_miss";
    mirrored for lower_is_better. No target, or polarity "none" (a target cannot be passed
    or failed without a preferred direction) -> "no_target".
    """
    _check_polarity(polarity)
    if target is None or (isinstance(target, float) and math.isnan(target)) or pd.isna(target):
        return "no_target"
    if polarity == "none":
        return "no_target"
    target = float(target)
    if polarity == "higher_is_better":
        if limits.lpl > target:
            return "consistently_passes"
        if limits.upl < target:
            return "consistently_fails"
    else:
        if limits.upl < target:
            return "consistently_passes"
        if limits.lpl > target:
            return "consistently_fails"
    return "hit_and_miss"


def xmr_table(df: pd.DataFrame, polarity: Polarity = "none", target: float | None = None,
              baseline: int | None = None, period_col: str = "period",
              value_col: str = "value", shift_length: int = 7, trend_length: int = 6,
              screen_moving_ranges: bool = False) -> pd.DataFrame:
    """One tidy XmR table for a series given as a DataFrame with a period and a value column.

    The rows are sorted by period. Columns: period, value, moving_range, mean, lpl, upl,
    trial, the rule flags of ``spc_rules``, and ``variation_icon`` / ``assurance_icon`` filled
    on the latest row only (None elsewhere).
    """
    for col in (period_col, value_col):
        if col not in df.columns:
            raise InputDataError("a column is missing", column=col,
                                 expected=f"columns '{period_col}' and '{value_col}'",
                                 found=", ".join(map(str, df.columns)) or "no columns")
    if df.empty:
        raise NoDataError("there are no figures to chart")
    dupes = df[period_col].duplicated(keep=False)
    if dupes.any():
        raise InputDataError(
            "a period appears more than once", column=period_col,
            rows=list(df.index[dupes]), expected="one value per period",
            found=", ".join(sorted({str(p) for p in df.loc[dupes, period_col]})),
            fix="filter to one area and one indicator before charting",
        )
    try:
        data = df[[period_col, value_col]].sort_values(period_col, kind="stable")
    except TypeError:
        raise InputDataError("the periods cannot be put in order", column=period_col,
                             expected="one type of period (dates, pandas Periods or labels)",
                             found="mixed types") from None
    data = data.reset_index(drop=True)
    values = _values_array(pd.to_numeric(data[value_col], errors="coerce")
                           .where(data[value_col].notna()), value_col)
    bad = data[value_col].notna().to_numpy() & np.isnan(values)
    if bad.any():
        raise InputDataError("the series has values that are not numbers", column=value_col,
                             rows=list(np.flatnonzero(bad)), expected="numbers")
    limits = xmr_limits(values, baseline=baseline, screen_moving_ranges=screen_moving_ranges)
    rules = spc_rules(values, limits, polarity, shift_length, trend_length)
    present = ~np.isnan(values)
    moving_range = np.full(len(values), np.nan)
    idx = np.flatnonzero(present)
    moving_range[idx[1:]] = np.abs(np.diff(values[idx]))
    out = pd.DataFrame({
        "period": data[period_col],
        "value": values,
        "moving_range": moving_range,
        "mean": limits.mean,
        "lpl": limits.lpl,
        "upl": limits.upl,
        "trial": limits.trial,
    })
    for col in ("outside_limits", "shift", "trend", "two_of_three", "special_cause",
                "direction", "variation"):
        out[col] = pd.Series(list(rules[col]), index=out.index,
                             dtype=object if col in ("direction", "variation") else bool)
    out["variation_icon"] = pd.Series([None] * len(out), dtype=object)
    out["assurance_icon"] = pd.Series([None] * len(out), dtype=object)
    last = out.index[-1]
    out.at[last, "variation_icon"] = variation_icon(rules, polarity)
    out.at[last, "assurance_icon"] = assurance_icon(limits, target, polarity)
    return out
