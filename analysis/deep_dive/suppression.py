"""The deep dive's tables made fit to publish: :func:`publish` (one table) and
:func:`publish_all` (every count table, suppressed together) apply the rules of
:mod:`analysis.engine.suppress` and :mod:`analysis.engine.identifiers`, the one place
small counts are hidden and identifiers dropped; :func:`ratio` works out a percentage from
published counts only. Every table of the deep dive goes through one of them before
anything (a chart, a sentence, a file) sees it.
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


def publish(table: pd.DataFrame, counts: Sequence[str],
            percents: Mapping[str, tuple[str, str]] | None = None, *,
            secondary: str = "both") -> pd.DataFrame:
    """A table fit to leave the machine: identifiers dropped, then small counts suppressed
    (1-4 shown as "c", secondary suppression, percentages recomputed from the counts)."""
    clean = drop_identifiers(table)
    return suppress.suppress_counts(clean, list(counts), THRESHOLD, percent_columns=percents,
                                    secondary=secondary)


def ratio(numerator: object, denominator: object, decimals: int = 1) -> object:
    """A percentage from published counts: "c" when either is hidden, NaN when the
    denominator is missing or zero. Used only on counts that went through :func:`publish`."""
    if suppress.is_suppressed(numerator) or suppress.is_suppressed(denominator):
        return suppress.MARKER
    n, d = suppress.number(numerator), suppress.number(denominator)
    return round(n / d * 100, decimals) if d > 0 and not np.isnan(n) else np.nan


def publish_all(raws: Sequence[RawTable], size: int) -> tuple[dict[str, pd.DataFrame],
                                                                suppress.LinkedTables]:
    """Every count table, suppressed together (:class:`analysis.engine.suppress.LinkedTables`)."""
    linked = suppress.LinkedTables(size, THRESHOLD, ROUNDING)
    for r in raws:
        linked.add(r.name, r.frame, r.counts, r.masks, r.percents)
    return linked.publish(), linked


__all__ = ["ROUNDING", "THRESHOLD", "publish", "publish_all", "ratio"]
