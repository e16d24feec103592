"""The deep dive's tables made fit to publish: :func:`publish` (one table) and
:func:`publish_all` (every count table, suppressed together) apply the rules of
:mod:`analysis.engine.suppress` and :mod:`analysis.engine.identifiers`, the one place
small counts are hidden and identifiers dropped; :func:`ratio` works out a percentage from
published counts only. Every table of the deep dive goes through one of them before
anything (a chart, a sentence, a file) sees it.

Percentages are worked out from the exact counts, shown to one decimal place, as DfE does
in its children in need tables, and hidden ("c") beside a hidden count, on fewer than
:data:`analysis.engine.suppress.PERCENT_FLOOR` records, or where the rest (those not
counted) is 1 to 4 (:func:`analysis.engine.suppress.percent_shown`). An exact percentage
beside a rounded count can give the exact count back (20 of 56 is 35.7%; beside a shown 55,
only 20 of 56 fits), so the check that no hidden count can be worked out reads the
percentages as well as the counts (:func:`analysis.engine.suppress.protect`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.engine import suppress
from analysis.engine.identifiers import drop_identifiers

if TYPE_CHECKING:
    from analysis.deep_dive.tables import RawTable

#: Counts below this are shown as "c" (suppress.suppress_counts' default).
THRESHOLD = 5
#: Every other published count is rounded to the nearest this.
ROUNDING = 5
#: What a "c" in the deep dive means: a small count, or a larger one hidden with it.
C_MEANS = (f"c: hidden, a count of 1 to {THRESHOLD - 1} or a larger count hidden so that a "
           "small one cannot be worked out")
#: What "c" means and how the other counts are shown: under every chart drawn from the records,
#: and once in a document's tables (under the first that hides a count).
HIDDEN_LINE = f"{C_MEANS}; other counts rounded to {ROUNDING}."


def round_shown(value: object) -> object:
    """A published count rounded for display: ``"c"``, 0 and missing kept, 1 to
    ``THRESHOLD - 1`` never reach here unhidden; others to the nearest :data:`ROUNDING`."""
    if suppress.is_suppressed(value) or isinstance(value, str):
        return value
    v = suppress.number(value)
    if np.isnan(v) or v == 0:
        return value
    return suppress.round_to(v, ROUNDING)


def shown_count(value: int) -> object:
    """One exact count as the deep dive shows it: ``"c"`` for 1 to ``THRESHOLD - 1``, 0 as
    0, others rounded to the nearest :data:`ROUNDING`."""
    return suppress.MARKER if 0 < value < THRESHOLD else round_shown(int(value))


def count_words(value: object) -> str:
    """A published count in words: "1,235", or "c (hidden)" when hidden."""
    if suppress.is_suppressed(value):
        return "c (hidden)"
    v = suppress.number(value)
    return "no" if np.isnan(v) else f"{v:,.0f}"


def round_counts(table: pd.DataFrame, counts: Sequence[str]) -> pd.DataFrame:
    """``table`` with each count column's shown values rounded (:func:`round_shown`)."""
    out = table.copy()
    for col in counts:
        if col in out:
            out[col] = pd.Series([round_shown(v) for v in out[col]], index=out.index,
                                 dtype=object)
    return out


def publish(table: pd.DataFrame, counts: Sequence[str],
            percents: Mapping[str, tuple[str, str]] | None = None, *,
            secondary: str = "both") -> pd.DataFrame:
    """A table fit to leave the machine, counted as every other table of the deep dive:
    identifiers dropped, counts of 1-4 shown as "c" (with a further cell hidden beside a
    lone "c" unless ``secondary`` is "none"), every other count rounded to the nearest
    :data:`ROUNDING`, then percentages worked out from the exact counts
    (:func:`analysis.engine.suppress.percent_shown` hides some)."""
    clean = drop_identifiers(table)
    hidden = suppress.suppression_mask(clean, list(counts), THRESHOLD, secondary)
    rounded = clean.copy()
    for col in counts:
        rounded[col] = [round_shown(v) for v in clean[col]]
    return suppress.apply_mask(rounded, hidden, percents, exact=clean, threshold=THRESHOLD)


def ratio(numerator: object, denominator: object, decimals: int = 1) -> object:
    """A percentage from published counts: "c" when either is hidden, NaN when the
    denominator is missing or zero. Used only on counts that went through :func:`publish`."""
    if suppress.is_suppressed(numerator) or suppress.is_suppressed(denominator):
        return suppress.MARKER
    n, d = suppress.number(numerator), suppress.number(denominator)
    return round(n / d * 100, decimals) if d > 0 and not np.isnan(n) else np.nan


def publish_all(raws: Sequence[RawTable], size: int) -> tuple[dict[str, pd.DataFrame],
                                                                suppress.LinkedTables]:
    """Every count table, suppressed together (:class:`analysis.engine.suppress.LinkedTables`);
    the masks are over classes of records, each of the tables' ``weight`` records."""
    weight = next((r.weight for r in raws if r.weight is not None), None)
    linked = suppress.LinkedTables(size, THRESHOLD, ROUNDING, weight=weight)
    for r in raws:
        linked.add(r.name, r.frame, r.counts, r.masks, r.percents)
    return linked.publish(), linked


__all__ = ["C_MEANS", "HIDDEN_LINE", "ROUNDING", "THRESHOLD", "count_words", "publish", "publish_all", "ratio", "round_counts",
           "round_shown", "shown_count"]
