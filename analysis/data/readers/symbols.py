"""DfE's symbols for missing values, kept as a status beside each value.

DfE (Explore Education Statistics and LAIT) writes a symbol instead of a number where a
figure is not published. Each means something different, so the toolkit keeps which one it
was in a ``status`` column and never turns them into zero. See docs/data-formats/dfe-symbols.md.
"""

from __future__ import annotations

import pandas as pd

#: status -> meaning. "published" is a plain number.
STATUS_MEANINGS: dict[str, str] = {
    "published": "a published figure",
    "c": "suppressed to protect confidentiality (small numbers)",
    "x": "not available (not collected or not applicable for this area or year)",
    "z": "not applicable",
    "k": "less than 0.5 (rounds to zero but is not zero)",
    "low": "a positive number that rounds to zero",
    "u": "low reliability, not published",
    ":": "not available",
    "-": "no figure in LAIT (not published, suppressed or the LA did not exist)",
    "missing": "blank in the published file",
}

SYMBOLS: frozenset[str] = frozenset(STATUS_MEANINGS) - {"published", "missing"}


def split_values(raw: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Split a column of published text into numbers and statuses.

    Returns ``(value, status, bad)``: ``value`` is float (NaN where not a number), ``status``
    is "published", one of the DfE symbols or "missing"; ``bad`` is a boolean mask of cells
    that are neither a number nor a known symbol (the caller reports them).
    """
    text = raw.astype("string").str.strip()
    value = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").astype("float64")
    lowered = text.str.lower()
    is_symbol = lowered.isin(SYMBOLS)
    is_missing = text.isna() | (text == "")
    status = pd.Series("published", index=raw.index, dtype="string")
    status = status.mask(is_symbol, lowered).mask(is_missing, "missing")
    bad = value.isna() & ~is_symbol & ~is_missing
    return value, status, bad
