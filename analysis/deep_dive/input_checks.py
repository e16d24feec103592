"""What page 1 must say about the deep dive's input before any figure: rows that are exact
copies (:func:`copies_note`), rows left out (:func:`rows_left_out_note`: more than 1% is
said, more than 10% refused unless the user says to go on).

Each statement is an :class:`InputNote`: the sentence and the figures it rests on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analysis.core.errors import InputDataError
from analysis.data.readers.referral_records import ReadReport
from analysis.deep_dive.suppression import ROUNDING, count_words, shown_count

#: Rows left out (share of rows read) above which page 1 says so, and above which the
#: deep dive is refused unless the user says to go on.
NOTE_SHARE = 0.01
REFUSE_SHARE = 0.10


def _shown(n: int) -> str:
    """A count of rows as page 1 shows it, like every count of the deep dive: "c (hidden)" for
    1 to 4, others rounded to the nearest :data:`ROUNDING`."""
    return count_words(shown_count(n))


@dataclass(frozen=True)
class InputNote:
    """One statement about the input shown on page 1: its words and its evidence."""

    text: str
    evidence: Mapping[str, object] = field(default_factory=dict)


def _reason(key: str) -> str:
    """A reason as a reader sees it: the problem without the column prefix, in words."""
    return key.split(": ", 1)[-1].replace("_", " ")


def reasons_text(report: ReadReport, limit: int = 3, *, rounded: bool = False) -> str:
    """The commonest reasons rows were left out, with their counts (``rounded``: as page 1
    shows counts, :func:`_shown`; exact in a message to the user)."""
    ranked = sorted(report.dropped.items(), key=lambda kv: -len(kv[1]))
    shown = [f"{_reason(k)} ({_shown(len(v)) if rounded else f'{len(v):,}'} "
             f"row{'s' if rounded or len(v) != 1 else ''})" for k, v in ranked[:limit]]
    more = len(ranked) - limit
    return "; ".join(shown) + (f"; and {more} other reason{'s' if more != 1 else ''}"
                               if more > 0 else "")


def copies_note(report: ReadReport) -> InputNote | None:
    """The count of rows that were exact copies of an earlier row (each read once)."""
    n = len(report.copies)
    if not n:
        return None
    return InputNote(
        f"{_shown(n)} of the {_shown(report.rows_in)} rows read were exact copies of an earlier "
        f"row (counts rounded to the nearest {ROUNDING}); each referral is counted once.",
        {"copies": n, "rows_read": report.rows_in})


def rows_left_out_note(report: ReadReport, *, allow: bool = False) -> InputNote | None:
    """A statement when more than 1% of the rows read were left out; more than 10% raises
    :class:`InputDataError` unless ``allow`` (the user said to go on)."""
    n, total = report.rows_dropped, report.rows_in
    if not total or n / total <= NOTE_SHARE:
        return None
    share = 100 * n / total
    why = reasons_text(report)
    if n / total > REFUSE_SHARE and not allow:
        first = max(report.dropped.values(), key=len)
        raise InputDataError(
            f"{n:,} of {total:,} rows ({share:.1f}%) cannot be used: figures from the rest "
            f"would mislead", file=report.file, rows=[r for r in first if r > 0],
            expected=f"at most {REFUSE_SHARE:.0%} of rows left out", found=why,
            fix="correct the extract, or go on with the rows that can be used: "
                "--allow-rows-left-out on the command line, allow_rows_left_out: true in a "
                "run file, allow_rows_left_out = True in the notebook")
    text = (f"{_shown(n)} of the {_shown(total)} rows read (counts rounded to the nearest "
            f"{ROUNDING}; {share:.1f}% of the rows) were left out of every figure: "
            f"{reasons_text(report, rounded=True)}. Counts "
            "from the records are short by these rows, and rates may differ from the LA's own.")
    if n / total > REFUSE_SHARE:
        text += " The deep dive was asked to go on all the same."
    return InputNote(text, {"rows_left_out": n, "rows_read": total,
                            "percent": round(share, 1), "allowed": allow})


__all__ = ["NOTE_SHARE", "REFUSE_SHARE", "InputNote", "copies_note", "reasons_text",
           "rows_left_out_note"]
