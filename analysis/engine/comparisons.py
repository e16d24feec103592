"""Better, similar or worse than a comparator, judged from an area's confidence interval
and the indicator's polarity (docs/methods/statistics.md)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from analysis.core.errors import InputDataError, ParameterError
from analysis.engine.array_inputs import all_scalar, bad_rows, broadcast, index_of, wrap

__all__ = ["POLARITIES", "compare_to"]

#: Polarity names as in config/indicators.yaml.
POLARITIES: tuple[str, str, str] = ("lower_is_better", "higher_is_better", "none")

Polarity = Literal["lower_is_better", "higher_is_better", "none"]


def _check_polarity(polarity: str) -> str:
    if polarity not in POLARITIES:
        raise ParameterError(
            "unknown polarity", parameter="polarity",
            expected=" | ".join(POLARITIES), found=repr(polarity),
            fix="use the polarity given for the indicator in config/indicators.yaml",
        )
    return polarity


def compare_to(value_ci_lower: Any, value_ci_upper: Any, comparator_value: Any,
               polarity: Polarity):
    """Significance of a difference from a comparator, from the area's confidence interval.

    If the comparator lies strictly outside ``[lower, upper]`` the area is significantly
    different. With polarity ``lower_is_better`` or ``higher_is_better`` the result is
    "better" / "similar" / "worse"; with ``none`` it is "higher" / "similar" / "lower".
    A missing limit or comparator gives "not compared". A comparator exactly on a limit counts
    as inside ("similar").
    """
    _check_polarity(polarity)
    index = index_of(value_ci_lower, value_ci_upper, comparator_value)
    scalar = all_scalar(value_ci_lower, value_ci_upper, comparator_value)
    lo, hi, comp = broadcast(["value_ci_lower", "value_ci_upper", "comparator_value"],
                              [value_ci_lower, value_ci_upper, comparator_value])
    reversed_ = lo > hi
    if reversed_.any():
        raise InputDataError(
            "a lower confidence limit is above its upper limit",
            column="value_ci_lower", rows=bad_rows(reversed_, index),
            expected="lower <= upper", fix="check the two limits are not swapped",
        )
    high_word, low_word = {
        "higher_is_better": ("better", "worse"),
        "lower_is_better": ("worse", "better"),
        "none": ("higher", "lower"),
    }[polarity]
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(comp)
    result = np.select(
        [missing, lo > comp, hi < comp],
        ["not compared", high_word, low_word],
        default="similar",
    ).astype(object)
    return wrap(result, index, scalar, "comparison")
