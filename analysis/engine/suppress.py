"""The one place where small numbers are hidden before output.

Rules (see ``docs/methods/rereferrals.md``, "Suppression"):

* **Primary**: a count from 1 to ``threshold - 1`` (default 1-4) is shown as ``"c"``.
  A true 0 stays 0, as in DfE children's social care tables: a zero says no child is in
  that cell, which is not information about an individual child. (Pass
  ``suppress_zero=True`` where even that is disclosive, e.g. a group known to the reader.)
* **Secondary**: a row or column of the count columns with exactly one suppressed cell
  would let a reader recover it from the total, so the next smallest non-zero cell in
  that row/column is suppressed too (a zero if there is no other), repeated until no
  row or column has a lone suppressed cell.
* **Percentages** are worked out from the exact counts and shown to ``decimals`` (one)
  places, as in DfE's children in need tables, and shown as ``"c"`` when the numerator or
  denominator is hidden, when the denominator is under :data:`PERCENT_FLOOR`, or when the
  rest (denominator minus numerator) is a small count (:func:`percent_shown`).
* **Running totals** of a column with hidden parts are shown only where two of them cannot
  be subtracted to give back a hidden part (:func:`shown_running_totals`).

Identifiers are dropped and scanned for by :mod:`analysis.engine.identifiers`
(:func:`apply_mask` drops them from the tables it publishes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.core.errors import AnalysisError, ParameterError
from analysis.engine.identifiers import drop_identifiers
from analysis.engine.reader_bounds import atoms, audit, ratio_bounds, reader_bounds, round_to

MARKER = "c"
#: A percentage is shown only on a denominator of at least this many (twice the default
#: threshold): below it a percentage to one decimal place gives its exact counts back and
#: with them the rest, a small count (5 of 7 is 71.4%: 2 are not counted).
PERCENT_FLOOR = 10


def percent_shown(numerator: float, denominator: float, hidden: bool = False,
                  threshold: int = 5, floor: int = PERCENT_FLOOR) -> bool:
    """Whether a percentage worked out from exact counts may be shown: neither count is
    hidden (``hidden``), the denominator is at least ``floor``, and the rest (denominator
    minus numerator, the ones not counted) is 0 or at least ``threshold``, so the exact
    percentage cannot give back a small count. A numerator of 0 is shown (0.0%).

    >>> percent_shown(20, 56), percent_shown(5, 7), percent_shown(40, 42), percent_shown(0, 30)
    (True, False, False, True)
    """
    if hidden or denominator != denominator or denominator < max(floor, 1):
        return False
    rest = denominator - numerator
    return not 0 < rest < threshold


def _secondary(mask: np.ndarray, values: np.ndarray, axis: int) -> bool:
    """Suppress one more cell in each line (row if axis=1) with a lone suppressed cell."""
    changed = False
    lines = mask if axis == 1 else mask.T
    vals = values if axis == 1 else values.T
    for i in range(lines.shape[0]):
        if lines[i].sum() != 1 or lines.shape[1] < 2:
            continue
        free = ~lines[i] & ~np.isnan(vals[i])
        if not free.any():
            continue
        cand = np.where(free & (vals[i] > 0), vals[i], np.inf)
        if np.isinf(cand).all():
            cand = np.where(free, vals[i], np.inf)
        lines[i, int(np.argmin(cand))] = True
        changed = True
    return changed


def suppression_mask(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = 5,
    secondary: str = "both",
    suppress_zero: bool = False,
) -> pd.DataFrame:
    """Boolean table (same index, the count columns): True where a cell is to be hidden."""
    if threshold < 1:
        raise ParameterError("threshold must be at least 1", parameter="threshold",
                             expected="an integer >= 1 (5 hides 1-4)", found=repr(threshold))
    if secondary not in ("both", "rows", "columns", "none"):
        raise ParameterError("unknown secondary suppression", parameter="secondary",
                             expected="'both', 'rows', 'columns' or 'none'",
                             found=repr(secondary))
    missing = [c for c in count_columns if c not in table.columns]
    if missing:
        raise ParameterError("count column not in the table", parameter="count_columns",
                             expected=", ".join(map(str, table.columns)),
                             found=", ".join(missing))
    try:
        values = table[list(count_columns)].apply(pd.to_numeric).to_numpy(dtype=float)
    except (ValueError, TypeError):
        raise ParameterError("count columns must hold numbers", parameter="count_columns",
                             found="text (already suppressed?)",
                             fix="suppress the original counts once") from None
    low = 0 if suppress_zero else 1
    mask = (values >= low) & (values < threshold)
    while secondary != "none":
        changed = False
        if secondary in ("both", "rows"):
            changed |= _secondary(mask, values, axis=1)
        if secondary in ("both", "columns"):
            changed |= _secondary(mask, values, axis=0)
        if not changed:
            break
    return pd.DataFrame(mask, index=table.index, columns=list(count_columns))


def suppress_counts(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = 5,
    *,
    percent_columns: Mapping[str, tuple[str, str]] | None = None,
    secondary: str = "both",
    suppress_zero: bool = False,
    decimals: int = 1,
) -> pd.DataFrame:
    """A copy of ``table`` with small counts shown as ``"c"`` (primary and secondary).

    ``percent_columns`` maps a percentage column to its ``(numerator, denominator)``
    count columns; it is recomputed from the suppressed counts and rounded to
    ``decimals``. Any other column whose name contains "percent" or "rate" is refused
    unless listed, so an unsuppressed percentage cannot leak a hidden count.
    The number of cells hidden is in ``result.attrs["suppressed"]``.

    >>> t = pd.DataFrame({"a": [3, 10, 20], "b": [12, 15, 30]})
    >>> suppress_counts(t, ["a", "b"])["a"].tolist()
    ['c', 'c', 20]
    """
    percent_columns = dict(percent_columns or {})
    leaky = [c for c in table.columns if c not in percent_columns
             and re.search(r"percent|rate|share|pct", str(c), re.I)]
    if leaky:
        raise ParameterError("percentage columns would not be suppressed",
                             parameter="percent_columns",
                             expected="each percentage mapped to (numerator, denominator)",
                             found=", ".join(map(str, leaky)),
                             fix="pass percent_columns={...} or drop those columns first")
    mask = suppression_mask(table, count_columns, threshold, secondary, suppress_zero)
    for pcol, (num, den) in percent_columns.items():
        if num not in count_columns or den not in count_columns:
            raise ParameterError(f"percentage '{pcol}' must come from count columns",
                                 parameter="percent_columns",
                                 expected=f"numerator and denominator in {list(count_columns)}",
                                 found=f"({num!r}, {den!r})")
    return _masked(table.copy(), table, mask, percent_columns, decimals,
                   threshold=threshold)


def _masked(out: pd.DataFrame, table: pd.DataFrame, mask: pd.DataFrame,
            percent_columns: Mapping[str, tuple[str, str]], decimals: int,
            exact: pd.DataFrame | None = None, threshold: int = 5,
            withheld: Mapping[str, Sequence[bool]] | None = None) -> pd.DataFrame:
    """``out`` with ``table``'s counts shown as ``"c"`` where ``mask`` says so, and each
    percentage worked out from the ``exact`` counts (default ``table``'s), ``"c"`` when
    :func:`percent_shown` says it may not be shown."""
    exact = table if exact is None else exact
    for col in mask.columns:
        vals = pd.to_numeric(table[col])
        shown = [MARKER if m else (int(v) if pd.notna(v) and float(v).is_integer() else v)
                 for v, m in zip(vals, mask[col], strict=True)]
        out[col] = pd.Series(shown, index=table.index, dtype=object)
    for pcol, (num, den) in percent_columns.items():
        n = pd.to_numeric(exact[num])
        d = pd.to_numeric(exact[den])
        off = (withheld or {}).get(pcol, [False] * len(n))
        ok = [percent_shown(a, b, bool(h) or bool(w), threshold) for a, b, h, w
              in zip(n, d, mask[num] | mask[den], off, strict=True)]
        pct = (n / d.where(d > 0) * 100).round(decimals)
        out[pcol] = pd.Series([p if k or pd.isna(p) else MARKER for p, k in zip(pct, ok, strict=True)],
                              index=table.index, dtype=object)
    out.attrs["suppressed"] = int(mask.to_numpy().sum())
    return out


# --- reading published cells back ------------------------------------------------------------

def number(value: object) -> float:
    """A published cell as a float: NaN for "c", blank or missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return float("nan")
    if isinstance(value, str):
        if value == MARKER:
            return float("nan")
        try:
            return float(value)
        except ValueError:
            return float("nan")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def is_suppressed(value: object) -> bool:
    return isinstance(value, str) and value == MARKER


def shown_running_totals(hidden: Sequence[bool]) -> list[bool]:
    """Which running totals of a column of parts can be shown without giving back a hidden
    part (``hidden[i]``: part ``i`` is hidden). The last running total is the grand total,
    which is always shown.

    Two shown running totals reveal the sum of the parts between them; each such stretch
    must hold no hidden part or at least two. Running totals are shown left to right while
    the stretch since the last shown one is safe, then the last ones are withdrawn while the
    stretch from there to the grand total is not.
    """
    shown, since = [], 0
    for h in hidden[:-1]:
        since += bool(h)
        ok = since != 1
        shown.append(ok)
        if ok:
            since = 0
    while True:
        last = max((i for i, ok in enumerate(shown) if ok), default=-1)
        if last < 0 or sum(bool(h) for h in hidden[last + 1:]) != 1:
            return [*shown, True]
        shown[last] = False


# --- disclosure control over a whole set of linked tables -------------------------------------
#
# Method (docs/methods/rereferrals.md, "Suppression"): the approach of DfE and ONS for
# published tables of small areas, applied to every table of a pack together.
#
# 1. Counts 1 to threshold-1 (1-4) are shown as "c"; a true 0 is shown as 0.
# 2. Every other count, totals included, is rounded to the nearest ``rounding`` (5), halves
#    up; totals may then differ from the sum of their rounded parts. Percentages are worked
#    out from the exact counts (as DfE does in its children in need tables) and hidden by
#    :func:`percent_shown`: beside a hidden count, on a denominator under
#    :data:`PERCENT_FLOOR`, or where the rest (denominator minus numerator) is small.
# 3. A linear programme then attacks the whole set: each published count is a count of
#    records (a boolean mask over the same records), so every relation between the tables
#    (rows and columns, source groups against sources, months against quarters against
#    years, two hidden cells beside a known total) is a linear relation between the counts
#    of the "atoms", the sets of records falling in exactly the same cells. A reader knows
#    each rounded count to within +-2 (half of 5), each 0 exactly, and each "c" to be
#    1-4. Each percentage shown (worked out from the exact counts, to one decimal place)
#    tells the reader numerator / denominator to within half a step of the last decimal,
#    which is again linear: (p - 0.05)/100 * den <= num <= (p + 0.05)/100 * den. A hidden
#    cell is recovered when its smallest and largest possible values are the same; then a
#    further cell is hidden with it (the smallest published cell holding the bound; a
#    percentage holding it counts for its numerator and denominator, and is hidden with
#    either) and the attack is run again, until nothing is recovered.


class TooFewToProtect(AnalysisError):
    """Every count is hidden and a small one can still be worked out from what is left:
    the tables cannot be published safely. Callers say so in their user's words (which
    figures, how many records, what to do)."""

    def __init__(self, value: int) -> None:
        self.value = value
        super().__init__("too few records to publish any figure safely",
                         found=f"a hidden count of {value} that the other figures give away",
                         fix="cover more records (a longer period, larger groups)")


def _shown_pairs(values: np.ndarray, hidden: np.ndarray, pairs: Sequence[tuple[int, int]],
                 pair_off: np.ndarray, threshold: int) -> list[int]:
    """The percentages of ``pairs`` shown: not withheld and allowed by :func:`percent_shown`."""
    return [k for k, (n, d) in enumerate(pairs) if not pair_off[k] and percent_shown(
        values[n], values[d], bool(hidden[n] or hidden[d]), threshold)]


def _show_again(a: sparse.csr_matrix, values: np.ndarray, hidden: np.ndarray,
                bounds: tuple[np.ndarray, np.ndarray], pairs: Sequence[tuple[int, int]],
                pair_off: np.ndarray, threshold: int, decimals: int) -> None:
    """Show again each withheld percentage (those on the most records first) that gives no
    hidden cell back with the others shown: one withheld on the way to the one that mattered
    is not lost. Changes ``pair_off`` in place."""
    for k in sorted((int(j) for j in np.flatnonzero(pair_off)), key=lambda j: -values[pairs[j][1]]):
        pair_off[k] = False
        on = _shown_pairs(values, hidden, pairs, pair_off, threshold)
        ratios = ratio_bounds(a, values, [pairs[j] for j in on], decimals)
        if audit(a, values, hidden, *bounds, ratios=ratios):
            pair_off[k] = True


class Protected(NamedTuple):
    """What :func:`protect` decides: ``hidden`` and ``shown`` per cell, and for each
    percentage given, whether it is hidden beyond :func:`percent_shown`'s rule
    (``percents_hidden``: a shown percentage would have given a hidden count back)."""

    hidden: np.ndarray
    shown: np.ndarray
    percents_hidden: np.ndarray


def protect(masks: np.ndarray, threshold: int = 5, rounding: int = 5,
            groups: Sequence[int] | None = None, max_rounds: int = 50,
            percents: Sequence[tuple[int, int]] = (), decimals: int = 1,
            weight: np.ndarray | None = None) -> Protected:
    """For the rows of ``masks`` (cells x records, True where a record is counted in the
    cell): which cells are "c", the value every other cell shows (rounded to ``rounding``;
    0 stays 0), and which percentages are hidden. Identical masks are one cell.
    ``percents``: the (numerator row, denominator row) of each percentage published beside
    the counts, worked out from the exact counts to ``decimals`` places. See the method
    above: a recovered hidden cell whose bound a shown percentage holds gets that
    percentage hidden (one of its own table if any, the one on the fewest records), else a
    further count hidden with it; ``groups`` (a table number per cell) prefers a further hidden cell from the same
    table. ``weight``: how many records each column of ``masks`` stands for (default 1)."""
    masks = np.asarray(masks, dtype=bool)
    if masks.ndim != 2:
        raise ParameterError("masks must be cells x records", parameter="masks",
                             found=f"{masks.ndim} dimensions")
    if masks.shape[0] == 0:
        return Protected(np.zeros(0, dtype=bool), np.zeros(0), np.zeros(len(percents), bool))
    _uniq, first, inverse = np.unique(np.packbits(masks, axis=1), axis=0, return_index=True,
                                      return_inverse=True)
    inverse = inverse.ravel()
    a, sizes = atoms(masks[first], weight)
    values = np.asarray(a @ sizes).ravel() if a.shape[1] else np.zeros(len(first))
    hidden = (values >= 1) & (values < threshold)
    group = (np.asarray(groups)[first] if groups is not None
             else np.zeros(len(first), dtype=int))
    checked = np.zeros(len(values), dtype=bool)
    pairs = sorted({(int(inverse[n]), int(inverse[d])) for n, d in percents})
    pair_off = np.zeros(len(pairs), dtype=bool)
    for _ in range(max_rounds):
        small_only = bool(((values < threshold) | ~hidden).all())
        low, high = reader_bounds(values, hidden, rounding, threshold, small_only)
        on = _shown_pairs(values, hidden, pairs, pair_off, threshold)
        todo = np.flatnonzero(hidden & ~checked)
        if not len(todo):
            break  # nothing to audit: the percentages' bounds (large on many records) not built
        ratios = ratio_bounds(a, values, [pairs[k] for k in on], decimals)
        failing = audit(a, values, hidden, low, high, cells=todo, ratios=ratios)
        checked[todo] = True
        if not failing:
            break
        for bounds, all_prices in failing:
            checked[bounds.cell] = False
            prices, ratio_prices = all_prices[:len(values)], all_prices[len(values):]
            holding_pct = {on[ratios.keys[r]] for r in np.flatnonzero(ratio_prices > 1e-9)
                           if not pair_off[on[ratios.keys[r]]]}
            if holding_pct:
                near = {k for k in holding_pct if group[pairs[k][0]] == group[bounds.cell]}
                pair_off[min(near or holding_pct, key=lambda k: values[pairs[k][1]])] = True
                continue
            pub = np.flatnonzero(~hidden & (values > 0))
            holding = pub[prices[pub] > 1e-9]
            pool = holding if len(holding) else pub
            if not len(pool):
                raise TooFewToProtect(bounds.value)
            same = pool[group[pool] == group[bounds.cell]]
            pick = same if len(same) else pool
            hidden[int(pick[np.argmin(values[pick])])] = True
        checked[:] = False  # bounds changed for every cell once a large count is hidden
    else:
        raise ParameterError("suppression did not settle", parameter="tables",
                             found=f"{max_rounds} rounds", fix="report this")
    if pair_off.any():
        small_only = bool(((values < threshold) | ~hidden).all())
        low, high = reader_bounds(values, hidden, rounding, threshold, small_only)
        _show_again(a, values, hidden, (low, high), pairs, pair_off, threshold, decimals)
    shown = np.array([round_to(v, rounding) if v >= threshold else v for v in values],
                     dtype=float)
    off = dict(zip(pairs, pair_off, strict=True))
    return Protected(hidden[inverse], shown[inverse], np.array(
        [bool(off[(int(inverse[n]), int(inverse[d]))]) for n, d in percents], dtype=bool))


@dataclass
class _Placed:
    name: str
    frame: pd.DataFrame
    counts: list[str]
    percents: dict[str, tuple[str, str]]
    cells: dict[tuple[int, str], int]


class LinkedTables:
    """Every count table a pack publishes, suppressed together (see :func:`protect`).

    Add each table with the records each count cell counts (``masks[(row position,
    column)]``, a boolean array over the same records for every table); then
    :meth:`publish` hides the cells and returns the tables with ``"c"`` in them and
    percentages worked out from the exact counts (:func:`percent_shown`; checked with the
    counts by :func:`protect`). A mask whose sum differs from the
    table's count is refused, so a table cannot say one thing and be protected as another.
    """

    def __init__(self, size: int, threshold: int = 5, rounding: int = 5,
                 weight: np.ndarray | None = None) -> None:
        self.size = size
        #: how many records each position stands for (1 each by default: masks over
        #: records; else over classes of records counted alike)
        self.weight = (np.ones(size, dtype=np.int64) if weight is None
                       else np.asarray(weight, dtype=np.int64))
        self.threshold = threshold
        self.rounding = rounding
        self._masks: list[np.ndarray] = []
        self._group: list[int] = []
        self._tables: list[_Placed] = []
        self.hidden: np.ndarray | None = None

    def add(self, name: str, frame: pd.DataFrame, counts: Sequence[str],
            masks: Mapping[tuple[int, str], np.ndarray],
            percents: Mapping[str, tuple[str, str]] | None = None) -> None:
        cells: dict[tuple[int, str], int] = {}
        for col in counts:
            for pos in range(len(frame)):
                if (pos, col) not in masks and pd.isna(frame[col].iloc[pos]):
                    continue  # no count in this cell (e.g. a running total shown on some rows)
                if (pos, col) not in masks:
                    raise ParameterError(f"table {name}: no records given for a count",
                                         parameter="masks", found=f"row {pos}, {col}")
                m = np.asarray(masks[(pos, col)], dtype=bool)
                if m.shape != (self.size,):
                    raise ParameterError(f"table {name}: mask of the wrong length",
                                         parameter="masks", expected=str(self.size),
                                         found=str(m.shape))
                shown = frame[col].iloc[pos]
                if int(m @ self.weight) != int(shown):
                    raise ParameterError(f"table {name}: a count differs from its records",
                                         parameter="masks", expected=str(shown),
                                         found=f"{int(m @ self.weight)} at row {pos}, {col}")
                cells[(pos, col)] = len(self._masks)
                self._masks.append(m)
                self._group.append(len(self._tables))
        self._tables.append(_Placed(name, frame, list(counts), dict(percents or {}), cells))

    def placements(self) -> list[tuple[str, int, str, int]]:
        """``(table, row position, column, cell)`` for every count cell added; ``cell`` is
        the row of :meth:`matrix` saying what it counts."""
        return [(t.name, pos, col, i) for t in self._tables for (pos, col), i in t.cells.items()]

    def matrix(self) -> np.ndarray:
        """cells x records: what each published count counts."""
        return (np.vstack(self._masks) if self._masks
                else np.zeros((0, self.size), dtype=bool))

    def exact(self, name: str) -> pd.DataFrame:
        """Table ``name`` as added, with its exact counts (never published: the evidence
        behind the percentages, which are worked out from them)."""
        for t in self._tables:
            if t.name == name:
                return t.frame
        raise ParameterError("no such table", parameter="name",
                             expected=", ".join(t.name for t in self._tables), found=repr(name))

    def percent_cells(self) -> list[tuple[int, int]]:
        """(numerator cell, denominator cell) of every percentage the tables publish."""
        return [(t.cells[(pos, num)], t.cells[(pos, den)]) for t in self._tables
                for num, den in t.percents.values() for pos in range(len(t.frame))
                if (pos, num) in t.cells and (pos, den) in t.cells]

    def publish(self, decimals: int = 1) -> dict[str, pd.DataFrame]:
        """Every table with small counts as "c", other counts rounded and percentages
        worked out from the exact counts (hidden by :func:`percent_shown`; see
        :func:`protect`, which checks the percentages with the counts)."""
        cells = self.percent_cells()
        hidden, shown, off = protect(self.matrix(), self.threshold, self.rounding, self._group,
                                     percents=cells, decimals=decimals, weight=self.weight)
        self.hidden = hidden
        pct_off = {cell: bool(o) for cell, o in zip(cells, off, strict=True)}
        out = {}
        for t in self._tables:
            mask = pd.DataFrame(False, index=t.frame.index, columns=t.counts)
            frame = t.frame.copy()
            for (pos, col), i in t.cells.items():
                mask.iloc[pos, mask.columns.get_loc(col)] = bool(hidden[i])
                frame.iloc[pos, frame.columns.get_loc(col)] = shown[i]
            withheld = {p: [pct_off.get((t.cells.get((pos, num), -1), t.cells.get((pos, den), -1)),
                                        False) for pos in range(len(t.frame))]
                        for p, (num, den) in t.percents.items()}
            out[t.name] = apply_mask(frame, mask, t.percents, decimals, exact=t.frame,
                                     threshold=self.threshold, withheld=withheld)
        return out


def apply_mask(table: pd.DataFrame, mask: pd.DataFrame,
               percent_columns: Mapping[str, tuple[str, str]] | None = None,
               decimals: int = 1, *, exact: pd.DataFrame | None = None,
               threshold: int = 5, withheld: Mapping[str, Sequence[bool]] | None = None
               ) -> pd.DataFrame:
    """``table`` with the cells of ``mask`` shown as ``"c"``, identifiers dropped and the
    ``percent_columns`` worked out from the ``exact`` counts (default ``table``'s; ``"c"``
    where :func:`percent_shown` says so, or ``withheld`` per row of a percentage)."""
    return _masked(drop_identifiers(table).copy(), table, mask, percent_columns or {}, decimals,
                   exact, threshold, withheld)
