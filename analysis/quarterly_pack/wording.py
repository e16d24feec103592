"""How the quarterly pack words a measure: its name as a reader sees it, the children behind
a published figure, and the sentence for each indicator (worked out once per pack)."""

from __future__ import annotations

import re
from typing import Any, cast

import pandas as pd

from analysis.engine.narrative import sentences
from analysis.quarterly_pack.context import PackContext, once

#: Notes about how a figure was written down, kept out of what the reader sees (they live in
#: data/raw/local/README.md): a bracket or a "; ..." clause holding one of these words.
_TRANSCRIPTION_WORDS = re.compile(
    r"seeds?\b|transcri|our name|unit not stated|no code in the report|as reported|"
    r"stated as approximate|as stated by|as stated in|numerator =|denominator =", re.IGNORECASE)


def plain_label(label: object) -> str:
    """A measure's name as a reader sees it: notes on how it was transcribed taken out.

    "Timeliness of single assessments (percentage; the seeds do not state the timescale)"
    -> "Timeliness of single assessments"; "... (quarter average, as reported for E34)"
    -> "... (quarter average)".
    """
    def bracket(match: re.Match[str]) -> str:
        clauses = [c for c in re.split(r";\s*|,\s*", match.group(1)) if c.strip()]
        kept = [c for c in clauses if not _TRANSCRIPTION_WORDS.search(c)]
        if len(kept) == len(clauses):
            return match.group(0)
        kept = [c for c in kept if c.strip().lower() not in ("percentage", "number", "rate")]  # a bare unit
        return f" ({', '.join(kept)})" if kept else ""

    text = re.sub(r"\s*\(([^()]*)\)", bracket, str(label or "").strip())
    parts = re.split(r";\s*", text)
    kept = [parts[0]] + [p for p in parts[1:] if not _TRANSCRIPTION_WORDS.search(p)]
    text = "; ".join(kept).strip().rstrip(";,")
    return re.sub(r",\s*as (?:stated|reported)\b[^,;()]*$", "", text)  # ", as stated in the Q1 minutes"


#: Fewer children than this behind a percentage: one child more or less moves it a lot, and
#: the pack says so beside the count.
SMALL_NUMBER = 10


def _about(row: pd.Series, kind: str) -> bool:
    """Whether the count of ``kind`` ("numerator" / "denominator") is approximate: worked out
    from the published value, or rounded by DfE."""
    rounding = row.get(f"{kind}_rounding")
    return row.get(f"{kind}_source") == "derived" or (pd.notna(rounding) and int(rounding) > 0)


def _count(value: Any, about: bool) -> str:
    return ("about " if about else "") + f"{float(value):,.0f}"


def children_text(row: pd.Series) -> str:
    """The children behind a published figure: the counts its interval and its gap in children
    use (so "47% (about 78 of about 165)", never 75 of 165 beside 47%), "about" where a count is
    worked out from the value or DfE rounded it, and "small number" where fewer than
    :data:`SMALL_NUMBER` children are behind a percentage."""
    if pd.isna(row.get("ci_numerator")):
        if row.get("unit") != "percent" and pd.notna(row.get("numerator")):
            return _count(row["numerator"], bool(row.get("numerator_rounding", 0)))
        return ""
    num = _count(row["ci_numerator"], _about(row, "numerator"))
    if row.get("unit") != "percent":
        return num
    if pd.isna(row.get("ci_denominator")):
        return ""
    text = f"{num} of {_count(row['ci_denominator'], _about(row, 'denominator'))}"
    return text + (", small number" if float(row["ci_denominator"]) < SMALL_NUMBER else "")


def local_children_text(numerator: Any, denominator: Any) -> str:
    """The children behind a local percentage as the papers give them: "1 of 2, small
    number"; "" when the papers give no counts."""
    if pd.isna(numerator) or pd.isna(denominator):
        return ""
    text = f"{float(numerator):,.0f} of {float(denominator):,.0f}"
    return text + (", small number" if float(denominator) < SMALL_NUMBER else "")


def latest_sentences(ctx: PackContext) -> pd.Series:
    """The sentence of each of the pack's latest rows, by ``ctx.latest``'s index: the counts it
    quotes are the ones the tables show (:func:`children_text`), worked out once."""
    return cast(pd.Series, once(ctx, "latest_sentences", lambda: sentences(ctx.latest)))


#: Decimals a download keeps: enough for any published figure or mean, without binary noise
#: (83.80000000000001 is 83.8).
DOWNLOAD_DECIMALS = 6


def download_number(value: object) -> object:
    """A number for download without float noise; anything else as it is."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float) and not pd.isna(value):
        return round(float(value), DOWNLOAD_DECIMALS)
    return value


#: Units in words, for downloads ("rate_per_10000" is how the data files spell it).
UNIT_WORDS = {"percent": "percentage", "rate_per_10000": "per 10,000 children",
              "rate_per_100000": "per 100,000 young people", "count": "number", "days": "days",
              "weeks": "weeks", "score": "score", "rate": "rate", "unspecified": ""}


def unit_words(unit: object) -> str:
    return UNIT_WORDS.get(str(unit), str(unit))
