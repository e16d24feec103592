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
    r"stated as approximate|as stated by", re.IGNORECASE)


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
    return "; ".join(kept).strip().rstrip(";,")


def children_text(row: pd.Series) -> str:
    """The count behind a published figure, from one source: DfE's published count where
    there is one, else the count worked out from the percentage ("about ...")."""
    def count(value: Any, source: object) -> str:
        return ("about " if source == "derived" else "") + f"{float(value):,.0f}"

    if pd.notna(row.get("numerator")):
        num = count(row["numerator"], "published")
    elif pd.notna(row.get("ci_numerator")) and row.get("unit") == "percent":
        num = count(row["ci_numerator"], row.get("numerator_source"))
    else:
        return ""
    if row.get("unit") == "percent":
        if pd.notna(row.get("denominator")):
            return f"{num} of {float(row['denominator']):,.0f}"
        if pd.notna(row.get("ci_denominator")):
            return f"{num} of {count(row['ci_denominator'], row.get('denominator_source'))}"
    return num


def pack_sentences(latest: pd.DataFrame) -> pd.Series:
    """The sentence for each indicator, quoting the same child count as the tables: DfE's
    published count where there is one (the judgements stay as computed)."""
    frame = latest.copy()
    has = frame["numerator"].notna() if "numerator" in frame else pd.Series(False, index=frame.index)
    if "ci_numerator" in frame:
        frame.loc[has, "ci_numerator"] = frame.loc[has, "numerator"]
        frame.loc[has, "numerator_source"] = "published"
        has_den = has & frame["denominator"].notna()
        frame.loc[has_den, "ci_denominator"] = frame.loc[has_den, "denominator"]
        frame.loc[has_den, "denominator_source"] = "published"
    return sentences(frame)


def latest_sentences(ctx: PackContext) -> pd.Series:
    """:func:`pack_sentences` of the pack's latest rows, by ``ctx.latest``'s index, worked out once."""
    return cast(pd.Series, once(ctx, "latest_sentences", lambda: pack_sentences(ctx.latest)))
