"""Inputs as arrays, results in the inputs' type: the helpers every statistics module shares.

The statistical functions (:mod:`analysis.engine.intervals`, :mod:`analysis.engine.comparisons`,
:mod:`analysis.engine.funnel_limits`) are vectorised over scalars, numpy arrays and pandas
Series. Return types follow the inputs: if any input is a pandas Series the result is a Series
(or a pair of Series) on that index; if every input is a scalar the result is a float (or str);
else a numpy array.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.core.errors import ParameterError

__all__ = ["all_scalar", "bad_rows", "broadcast", "index_of", "to_float_array", "wrap"]


def index_of(*values: Any) -> pd.Index | None:
    for v in values:
        if isinstance(v, pd.Series):
            return v.index
    return None


def all_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 for v in values)


def to_float_array(value: Any, name: str) -> np.ndarray:
    """Numbers as a float array; None and pandas NA become NaN; text is refused."""
    if isinstance(value, pd.Series):
        value = value.astype("object").where(value.notna(), np.nan).to_numpy()
    try:
        arr = np.asarray(value if value is not None else np.nan, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            "numbers were expected",
            parameter=name, expected="numbers (int or float), NaN for missing",
            found=f"{type(value).__name__} that cannot be read as numbers ({exc})",
            fix="convert suppressed or text values (e.g. 'c', 'x') to NaN before calling",
        ) from None
    return arr


def broadcast(names: Sequence[str], values: Sequence[Any]) -> list[np.ndarray]:
    arrays = [to_float_array(v, n) for n, v in zip(names, values, strict=True)]
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        raise ParameterError(
            "the inputs have different lengths",
            parameter=", ".join(names), expected="inputs of one length, or scalars",
            found=", ".join(f"{n}: {np.shape(a)}" for n, a in zip(names, arrays, strict=True)),
        ) from None


def wrap(result: np.ndarray, index: pd.Index | None, scalar: bool, name: str | None = None):
    if scalar:
        item = result.reshape(-1)[0]
        return item if isinstance(item, str) or item is None else float(item)
    if index is not None and result.ndim == 1 and len(index) == len(result):
        return pd.Series(result, index=index, name=name)
    return result


def bad_rows(mask: np.ndarray, index: pd.Index | None) -> list:
    positions = np.flatnonzero(mask.reshape(-1))
    if index is not None and len(index) == mask.size:
        return [index[p] for p in positions]
    return [int(p) for p in positions]

