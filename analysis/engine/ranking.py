"""National rank and quartile band of an area, computed the way DfE's LAIT computes them.

LAIT (the Local Authority Interactive Tool) shows each local authority a "Latest National
Rank" and a "Quartile Banding" (A to D). The rules below follow LAIT's own code; the full
account, with sources and a worked example, is in docs/methods/ranking-and-quartiles.md.

In short, for one measure and one year, over the LAs that have a value:

* rank: 1 is best; ties share the lowest rank ("min" method, so 1, 2, 2, 4);
  ``lower_is_better`` ranks ascending, ``higher_is_better`` descending; no rank when the
  measure has no polarity or the LA has no value.
* cut points: R's default quantile (type 7, linear interpolation) at 25%, 50%, 75%.
* band: A is always best. Each band is closed at its upper value end in value terms,
  whatever the polarity: a value equal to a cut point falls in the band *below* the cut
  point. So for ``lower_is_better`` a value on Q1 is A, and for ``higher_is_better`` a value
  on Q3 is B (not A) and a value on Q1 is D (not C).
* no band when the measure has no polarity, when the measure is flagged "no quartile" in
  LAIT's data dictionary, or when the LA has no value.

These functions are pure: they take the values of the areas to be ranked (choosing the areas
is the caller's job; LAIT ranks every LA row, never England or regions) and return new
objects indexed like the input.
"""

from __future__ import annotations

import math
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from analysis.core.errors import NoDataError, ParameterError

Polarity = Literal["lower_is_better", "higher_is_better", "none"]
POLARITIES: tuple[str, ...] = ("lower_is_better", "higher_is_better", "none")
BANDS: tuple[str, ...] = ("A", "B", "C", "D")

# LAIT's polarity words (data dictionary column "Polarity") and what they mean here.
# LAIT gives a rank and a band only for exactly "High" or "Low"; "-" and blank mean none.
_LAIT_POLARITY: dict[str, Polarity] = {
    "High": "higher_is_better",
    "Low": "lower_is_better",
    "-": "none",
    "": "none",
}


def polarity_from_lait(word: object) -> Polarity:
    """Map a LAIT data-dictionary ``Polarity`` value to this project's polarity word.

    "High" -> higher_is_better, "Low" -> lower_is_better, "-" or blank/missing -> none.
    LAIT matches these exactly (case-sensitive); any other word is refused here rather
    than silently treated as "none", because it would mean a catalogue error.
    """
    if word is None or (isinstance(word, float) and math.isnan(word)) or word is pd.NA:
        return "none"
    if isinstance(word, str) and word in _LAIT_POLARITY:
        return _LAIT_POLARITY[word]
    raise ParameterError(
        "unknown LAIT polarity word",
        parameter="word",
        expected='"High", "Low", "-" or blank',
        found=repr(word),
        fix="check the Polarity column of the LAIT data dictionary for this measure",
    )


def no_quartile_from_lait(flag: object) -> bool:
    """True when LAIT's data-dictionary ``No_Quartile`` value means "show no quartile band".

    LAIT suppresses the band (showing "-", "Data range is too small.") exactly when
    ``No_Quartile == "N"``; blank means bands are shown. The rank is shown either way.
    """
    return isinstance(flag, str) and flag == "N"


def _check_polarity(polarity: object) -> Polarity:
    if polarity not in POLARITIES:
        raise ParameterError(
            "unknown polarity",
            parameter="polarity",
            expected=", ".join(POLARITIES),
            found=repr(polarity),
            fix="map LAIT words with polarity_from_lait() ('High', 'Low', '-')",
        )
    return polarity  # type: ignore[return-value]


def _as_float(values: pd.Series) -> pd.Series:
    """Return ``values`` as float64 with NaN for missing, or raise ParameterError."""
    if not isinstance(values, pd.Series):
        raise ParameterError(
            "values must be a pandas Series",
            parameter="values",
            expected="pd.Series of numbers (NaN where an area has no value)",
            found=type(values).__name__,
        )
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        raise ParameterError(
            "values must be numeric",
            parameter="values",
            expected="a numeric dtype, with NaN/NA for suppressed or missing values",
            found=str(values.dtype),
            fix=(
                "turn suppression codes ('c', 'x', '-', '..') into missing values first, "
                "e.g. pd.to_numeric(series, errors='coerce')"
            ),
        )
    floats = pd.Series(
        values.to_numpy(dtype="float64", na_value=np.nan), index=values.index, name=values.name
    )
    if np.isinf(floats.to_numpy()).any():
        raise ParameterError(
            "values include an infinite number",
            parameter="values",
            expected="finite numbers or missing",
            found="inf",
            fix="check the division that produced these values",
        )
    return floats


def rank_values(values: pd.Series, polarity: str) -> pd.Series:
    """Rank areas as LAIT does: 1 = best, ties share the lowest rank ("min").

    ``values`` holds one number per area (NaN where the area has no value). Returns an
    Int64 Series indexed like ``values``: NA where the value is missing, and NA everywhere
    when ``polarity`` is "none" (LAIT shows "-": not ranked).

    >>> rank_values(pd.Series([10.0, 20.0, 20.0, None]), "lower_is_better").tolist()
    [1, 2, 2, <NA>]
    """
    polarity = _check_polarity(polarity)
    floats = _as_float(values)
    if polarity == "none":
        return pd.Series(pd.NA, index=floats.index, dtype="Int64", name="rank")
    ranks = floats.rank(
        method="min", ascending=(polarity == "lower_is_better"), na_option="keep"
    )
    return ranks.astype("Int64").rename("rank")


def _r_quantile_type7(sorted_values: np.ndarray, prob: float) -> float:
    """R's default ``quantile()`` (type 7) at one probability, reproduced to the last bit.

    numpy's "linear" method is the same definition but evaluates the interpolation in a
    different order, which can differ from R in the last binary digit. LAIT tests values
    against the cut points with <= and >, so a value exactly on a cut point must land where
    R puts it: hence R's own formula, (1 - h) * x[lo] + h * x[hi], with no interpolation
    when the two order statistics are equal.
    """
    n = len(sorted_values)
    index = (n - 1) * prob  # 0-based; R uses 1 + (n - 1) * prob, 1-based
    lo = math.floor(index)
    hi = math.ceil(index)
    low_value = float(sorted_values[lo])
    high_value = float(sorted_values[hi])
    if index > lo and high_value != low_value:
        h = index - lo
        return (1 - h) * low_value + h * high_value
    return low_value


def cut_points_of_sorted(ordered: np.ndarray) -> tuple[float, float, float]:
    """Q1, Q2, Q3 (R type 7) of an already sorted, NaN-free, non-empty float array.

    The fast path for callers that band many groups at once; same numbers as
    :func:`quartile_cut_points`.
    """
    return tuple(_r_quantile_type7(ordered, p) for p in (0.25, 0.5, 0.75))  # type: ignore[return-value]


def quartile_cut_points(values: pd.Series) -> tuple[float, float, float]:
    """The 25%, 50% and 75% cut points LAIT uses: R ``quantile(na.rm = TRUE)``, type 7.

    Missing values are dropped first. Raises NoDataError when no area has a value.

    >>> quartile_cut_points(pd.Series([1.0, 2.0, 3.0, 4.0, 5.0]))
    (2.0, 3.0, 4.0)
    """
    floats = _as_float(values).dropna()
    if floats.empty:
        raise NoDataError(
            "no area has a value, so there are no quartile cut points",
            expected="at least one non-missing value",
            found=f"{len(values)} values, all missing",
        )
    return cut_points_of_sorted(np.sort(floats.to_numpy()))


def band_for_value(
    value: float, cut_points: tuple[float, float, float], polarity: str
) -> str | None:
    """The LAIT quartile band (A best .. D worst) of one value against given cut points.

    Intervals in value terms are [min, Q1], (Q1, Q2], (Q2, Q3], (Q3, max]; they are named
    A, B, C, D for ``lower_is_better`` and D, C, B, A for ``higher_is_better``. Returns None
    for a missing value or polarity "none". LAIT only bands values inside the ranked set
    (so between its minimum and maximum); a value outside that range, such as a local
    in-year figure, gets the end band here where LAIT would show "Error".
    """
    polarity = _check_polarity(polarity)
    if polarity == "none" or value is None or value is pd.NA or math.isnan(float(value)):
        return None
    q1, q2, q3 = cut_points
    if not q1 <= q2 <= q3:
        raise ParameterError(
            "cut points are not in order",
            parameter="cut_points",
            expected="(Q1, Q2, Q3) with Q1 <= Q2 <= Q3",
            found=repr(cut_points),
        )
    value = float(value)
    position = 0 if value <= q1 else 1 if value <= q2 else 2 if value <= q3 else 3
    return BANDS[position] if polarity == "lower_is_better" else BANDS[3 - position]


def quartile_bands(
    values: pd.Series, polarity: str, *, no_quartile: bool = False
) -> pd.Series:
    """Quartile band of every area as LAIT shows it: "A" (best quarter) .. "D" (worst).

    Cut points come from all non-missing ``values`` (see quartile_cut_points). Returns a
    string Series indexed like ``values``: NA where the value is missing, and NA everywhere
    when ``polarity`` is "none" or ``no_quartile`` is True (LAIT shows "-").
    """
    polarity = _check_polarity(polarity)
    floats = _as_float(values)
    result = pd.Series(pd.NA, index=floats.index, dtype="string", name="quartile")
    if polarity == "none" or no_quartile or floats.notna().sum() == 0:
        return result
    cuts = quartile_cut_points(floats)
    present = floats.notna()
    result[present] = [band_for_value(v, cuts, polarity) for v in floats[present]]
    return result


def rank_and_band(
    values: pd.Series, polarity: str, *, no_quartile: bool = False
) -> pd.DataFrame:
    """Rank, number ranked and quartile band of every area, indexed like ``values``.

    Columns: ``rank`` (Int64, 1 = best), ``of`` (Int64, how many areas have a value and so
    were ranked; NA when polarity is "none", because nothing is ranked), ``quartile``
    (string "A".."D" or NA). See rank_values and quartile_bands for the rules.
    """
    polarity = _check_polarity(polarity)
    floats = _as_float(values)
    count = int(floats.notna().sum())
    of = pd.Series(
        pd.NA if polarity == "none" else count, index=floats.index, dtype="Int64", name="of"
    )
    return pd.DataFrame(
        {
            "rank": rank_values(floats, polarity),
            "of": of,
            "quartile": quartile_bands(floats, polarity, no_quartile=no_quartile),
        },
        index=floats.index,
    )


# --- positions: indicators without a better direction -----------------------------------------

#: ``rank_kind`` of a row: a judgement of better/worse ("rank", 1 = best) or only where the LA
#: sits among the others ("position", 1 = lowest), for indicators with polarity "none".
RankKind = Literal["rank", "position"]


def position_values(values: pd.Series, *, from_highest: bool = False) -> pd.Series:
    """Where each area sits, counted from the lowest value (1 = lowest; ties share the
    smaller number), or from the highest with ``from_highest``. NA where the value is missing.

    For indicators with no better direction (polarity "none"): a position, not a judgement.

    >>> position_values(pd.Series([10.0, 20.0, 20.0, None])).tolist()
    [1, 2, 2, <NA>]
    >>> position_values(pd.Series([10.0, 20.0, 20.0, None]), from_highest=True).tolist()
    [3, 1, 1, <NA>]
    """
    floats = _as_float(values)
    ranks = floats.rank(method="min", ascending=not from_highest, na_option="keep")
    return ranks.astype("Int64").rename("rank")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def position_text(from_lowest: int, from_highest: int, of: int) -> str:
    """"20th highest of 151" or "3rd lowest of 151", whichever count is nearer (highest
    when they are equal)."""
    if from_highest <= from_lowest:
        return f"{_ordinal(int(from_highest))} highest of {int(of)}"
    return f"{_ordinal(int(from_lowest))} lowest of {int(of)}"


def rank_text(rank: object, of: object, kind: object = "rank", from_highest: object = None) -> str:
    """How a rank or position reads: "142 of 152" (a rank, 1 = best), "20th highest of 151"
    (a position), or "" when there is none."""
    if rank is None or of is None or pd.isna(cast(Any, rank)) or pd.isna(cast(Any, of)):
        return ""
    r, n = int(cast(Any, rank)), int(cast(Any, of))
    if kind == "position":
        missing = from_highest is None or pd.isna(cast(Any, from_highest))
        top = (n - r + 1) if missing else int(cast(Any, from_highest))
        return position_text(r, top, n)
    return f"{r} of {n}"
