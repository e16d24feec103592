"""The check every reader makes first: are the columns it needs in the file?"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from difflib import get_close_matches
from pathlib import Path

from analysis.core.errors import InputDataError


def check_columns(path: Path | str, found: Sequence[str], needed: Iterable[str], *, expected: str,
                  fix: str, hint: str = "is '{close}' meant?") -> None:
    """Raise an InputDataError naming each needed column the file lacks, with the closest
    column the file has (``hint`` words the suggestion; ``{close}`` is that column)."""
    found = list(found)
    missing = [c for c in needed if c not in found]
    if not missing:
        return
    hints = []
    for col in missing:
        close = get_close_matches(col, found, n=1, cutoff=0.6)
        hints.append(f"'{col}'" + (f" ({hint.format(close=close[0])})" if close else ""))
    raise InputDataError(
        f"column{'s' if len(missing) > 1 else ''} missing: {', '.join(hints)}",
        file=path, column=missing[0], expected=expected, found=", ".join(found), fix=fix,
    )
