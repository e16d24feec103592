"""The deep dive's tables made fit to publish: :func:`publish` (one table) and
:func:`publish_all` (every count table, suppressed together) apply the rules of
:mod:`analysis.engine.suppress` and :mod:`analysis.engine.identifiers`, the one place
small counts are hidden and identifiers dropped; :func:`ratio` works out a percentage from
published counts only (for tables derived from the published ones). Every table of the
deep dive goes through one of them before anything (a chart, a sentence, a file) sees it.

Order of work: which cells are hidden is decided on the exact counts; each percentage is
worked out from the exact counts; only then is every shown count rounded to the nearest
:data:`ROUNDING`. A percentage from exact counts can give its counts back exactly, so the
check that no hidden cell can be worked out (:func:`analysis.engine.suppress.protect`) takes
the reader to know every shown count exactly, not only to within rounding.
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
    """A table fit to leave the machine: identifiers dropped, small counts suppressed (1-4
    shown as "c", with a further cell hidden beside a lone "c"), percentages worked out
    from the exact counts, then every shown count rounded to the nearest :data:`ROUNDING`,
    as in every other table of the deep dive."""
    clean = drop_identifiers(table)
    out = suppress.suppress_counts(clean, list(counts), THRESHOLD, percent_columns=percents,
                                   secondary=secondary)
    hidden = out.attrs.get("suppressed", 0)
    out = round_counts(out, counts)
    out.attrs["suppressed"] = hidden
    return out


def ratio(numerator: object, denominator: object, decimals: int = 1) -> object:
    """A percentage from published counts: "c" when either is hidden, NaN when the
    denominator is missing or zero. Used only on counts that went through :func:`publish`."""
    if suppress.is_suppressed(numerator) or suppress.is_suppressed(denominator):
        return suppress.MARKER
    n, d = suppress.number(numerator), suppress.number(denominator)
    return round(n / d * 100, decimals) if d > 0 and not np.isnan(n) else np.nan


def publish_all(raws: Sequence[RawTable], size: int) -> tuple[dict[str, pd.DataFrame],
                                                                suppress.LinkedTables]:
    """Every count table, suppressed together (:class:`analysis.engine.suppress.LinkedTables`):
    cells hidden on the exact counts (the reader taken to know every shown count exactly),
    percentages from the exact counts, then the shown counts rounded."""
    linked = suppress.LinkedTables(size, THRESHOLD, rounding=1)
    for r in raws:
        linked.add(r.name, r.frame, r.counts, r.masks, r.percents)
    exact = linked.publish()
    counts = {r.name: r.counts for r in raws}
    return {name: round_counts(t, counts[name]) for name, t in exact.items()}, linked


__all__ = ["C_MEANS", "ROUNDING", "THRESHOLD", "publish", "publish_all", "ratio", "round_counts",
           "round_shown", "shown_count"]
