"""What a reader can work out about hidden cells from everything a set of tables publishes:
the bounds each published figure gives (:func:`reader_bounds` for counts, :func:`ratio_bounds`
for percentages) and the cells a reader can recover exactly (:func:`audit`, a linear
programme over the "atoms", the sets of records falling in exactly the same cells). The rule
that decides what is hidden is :mod:`analysis.engine.suppress`'s (its "disclosure control"
section says the method); this module only attacks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from analysis.core.errors import ParameterError


@dataclass(frozen=True)
class CellBounds:
    """What a reader can work out about one hidden cell: its smallest and largest value."""

    cell: int
    value: int
    low: int
    high: int


def round_to(value: float, base: int = 5) -> int:
    """``value`` rounded to the nearest ``base``, halves up (12 -> 10, 13 -> 15)."""
    return int(np.floor(value / base + 0.5) * base)


def atoms(masks: np.ndarray, weight: np.ndarray | None = None
          ) -> tuple[sparse.csr_matrix, np.ndarray]:
    """(cells x atoms 0/1 matrix, atom sizes) for boolean ``masks`` (cells x records, or x
    classes of ``weight`` records each)."""
    k = masks.shape[0]
    packed = np.packbits(np.asarray(masks, dtype=bool), axis=0).T  # records x ceil(k/8) bytes
    rows, inverse, counts = np.unique(packed, axis=0, return_inverse=True, return_counts=True)
    sizes = counts if weight is None else np.bincount(inverse.ravel(), weights=weight,
                                                      minlength=len(rows)).astype(np.int64)
    # Each cell's atoms read from the packed bits, never the atoms x cells matrix unpacked (a
    # million referrals give some hundred thousand atoms); an atom in no cell is left out.
    keep = rows.any(axis=1)
    number = np.cumsum(keep) - 1
    by_byte = np.ascontiguousarray(rows.T)  # ceil(k/8) x atoms: each cell's byte row contiguous
    members = [number[np.flatnonzero(by_byte[i >> 3] & (128 >> (i & 7)))] for i in range(k)]
    indptr = np.concatenate([[0], np.cumsum([len(m) for m in members])])
    indices = np.concatenate(members) if members else np.zeros(0, dtype=np.intp)
    a = sparse.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr),
                          shape=(k, int(keep.sum())))
    return a, sizes[keep].astype(float)


def reader_bounds(values: np.ndarray, hidden: np.ndarray, rounding: int, threshold: int,
                  only_small_hidden: bool) -> tuple[np.ndarray, np.ndarray]:
    """What a reader knows of each cell: (lowest, highest) possible values. A rounded count
    r: r - (rounding-1)//2 to r + rounding//2 (at least ``threshold``); 0: exactly 0; "c":
    1 to threshold-1 while every hidden cell is a small count, else at least 1."""
    shown = np.array([round_to(v, rounding) if v >= threshold else v for v in values],
                     dtype=float)
    half_down, half_up = (rounding - 1) // 2, rounding // 2
    low = np.where(shown > 0, np.maximum(shown - half_down, threshold), 0.0)
    high = np.where(shown > 0, shown + half_up, 0.0)
    low[hidden] = 1.0
    high[hidden] = threshold - 1 if only_small_hidden else np.inf
    if rounding <= 1:
        low = np.where(hidden, low, values.astype(float))
        high = np.where(hidden, high, values.astype(float))
    return low, high


@dataclass(frozen=True)
class Ratios:
    """The percentages a reader sees, as linear bounds on their counts: row ``k`` of
    ``rows`` (ratios x atoms) is at most 0 (``num - upper * den`` and ``lower * den -
    num``); ``keys[k]`` is the position, in the pairs given to :func:`ratio_bounds`, of
    the percentage it comes from."""

    rows: sparse.csr_matrix
    keys: tuple[int, ...]


def ratio_bounds(a: sparse.csr_matrix, values: np.ndarray, pairs: Sequence[tuple[int, int]],
                 decimals: int = 1) -> Ratios:
    """The bounds a reader draws from the percentage shown for each of ``pairs`` (numerator
    cell, denominator cell; only those shown): the exact percentage to ``decimals`` places,
    give or take half a step."""
    half = 0.5 * 10.0 ** -decimals
    rows, keys = [], []
    for k, (n, d) in enumerate(pairs):
        if values[d] <= 0:
            continue
        p = round(100 * values[n] / values[d], decimals)
        rows += [a[n] - a[d] * ((p + half) / 100), a[d] * ((p - half) / 100) - a[n]]
        keys += [k, k]
    if not rows:
        return Ratios(sparse.csr_matrix((0, a.shape[1])), ())
    return Ratios(sparse.vstack(rows).tocsr(), tuple(keys))


def _extreme(a: sparse.csr_matrix, i: int, low: np.ndarray, high: np.ndarray, sign: float,
             ratios: Ratios | None = None) -> tuple[float, np.ndarray]:
    """Largest (sign=1) or smallest (sign=-1) value of cell ``i`` a reader can reach given
    every cell's bounds (and the shown percentages' ``ratios``), and the shadow prices of
    the bounds that hold it: one per cell, then one per row of ``ratios``."""
    from scipy.optimize import linprog

    finite = np.isfinite(high)
    extra = ratios.rows if ratios is not None else sparse.csr_matrix((0, a.shape[1]))
    a_ub = sparse.vstack([a[finite], -a, extra]).tocsr()
    b_ub = np.concatenate([high[finite], -low, np.zeros(extra.shape[0])])
    res = linprog(-sign * a[i].toarray().ravel(), A_ub=a_ub, b_ub=b_ub, bounds=(0, None),
                  method="highs")
    if res.status == 3:
        return sign * np.inf, np.zeros(len(low) + extra.shape[0])
    if res.status != 0:
        raise ParameterError("suppression check could not be solved", parameter="tables",
                             found=res.message, fix="report this with the tables' shapes")
    marg = np.asarray(res.ineqlin.marginals)
    prices = np.zeros(len(low))
    nf = int(finite.sum())
    prices[finite] += np.abs(marg[:nf])
    prices += np.abs(marg[nf:nf + len(low)])
    return (-res.fun if sign > 0 else res.fun), np.concatenate(
        [prices, np.abs(marg[nf + len(low):])])


def audit(a: sparse.csr_matrix, values: np.ndarray, hidden: np.ndarray, low: np.ndarray,
          high: np.ndarray, cells: Iterable[int] | None = None, ratios: Ratios | None = None
          ) -> list[tuple[CellBounds, np.ndarray]]:
    """The hidden cells (of ``cells``, default all) whose value a reader can work out
    exactly (from the shown counts and the shown percentages' ``ratios``), with the shadow
    prices of the bounds holding it (one per cell, then one per row of ``ratios``)."""
    failing = []
    for i in (np.flatnonzero(hidden) if cells is None else cells):
        v = int(values[i])
        hi, p_hi = _extreme(a, int(i), low, high, 1.0, ratios)
        if np.floor(hi + 1e-6) > v:
            continue
        lo, p_lo = _extreme(a, int(i), low, high, -1.0, ratios)
        if np.ceil(lo - 1e-6) < v:
            continue
        failing.append((CellBounds(int(i), v, int(np.ceil(lo - 1e-6)),
                                   int(np.floor(hi + 1e-6))), p_hi + p_lo))
    return failing


__all__ = ["CellBounds", "Ratios", "atoms", "audit", "ratio_bounds", "reader_bounds", "round_to"]
