"""The project's exceptions.

Every error a user can cause by giving the toolkit bad input or a bad parameter is one
of these. Each carries enough to act on: which file (and column, rows) or which
parameter, what was expected, what was found and how to fix it. The CLI prints
``str(error)`` in one or two lines and exits non-zero, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def _rows_text(rows: Iterable[int] | None, limit: int = 8) -> str | None:
    if rows is None:
        return None
    rows = list(rows)
    if not rows:
        return None
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


class AnalysisError(Exception):
    """Base class of every error the toolkit raises on purpose."""

    exit_code = 2

    def __init__(
        self,
        problem: str,
        *,
        where: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.problem = problem
        self.where = where
        self.expected = expected
        self.found = found
        self.fix = fix
        super().__init__(self._render())

    def _render(self) -> str:
        first = f"{self.where}: {self.problem}" if self.where else self.problem
        parts = []
        if self.expected is not None:
            parts.append(f"expected {self.expected}")
        if self.found is not None:
            parts.append(f"found {self.found}")
        detail = "; ".join(parts)
        second = " ".join(
            p for p in [(detail[0].upper() + detail[1:] + ".") if detail else "",
                        f"Fix: {self.fix}" if self.fix else ""] if p
        )
        return f"{first}\n  {second}" if second else first


class InputDataError(AnalysisError):
    """A data file is missing, malformed or inconsistent."""

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        column: str | None = None,
        rows: Iterable[int] | None = None,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.column = column
        self.rows = list(rows) if rows is not None else []
        where_bits = [b for b in [
            self.file,
            f"column '{column}'" if column else None,
            _rows_text(self.rows),
        ] if b]
        super().__init__(problem, where=", ".join(where_bits) or None,
                         expected=expected, found=found, fix=fix)


class ParameterError(AnalysisError):
    """A parameter (CLI option, function argument, notebook parameter) is wrong."""

    def __init__(
        self,
        problem: str,
        *,
        parameter: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.parameter = parameter
        super().__init__(problem, where=f"parameter '{parameter}'" if parameter else None,
                         expected=expected, found=found, fix=fix)


class NoDataError(AnalysisError):
    """The request is well formed but there are no figures at all for it."""


class OutputError(AnalysisError):
    """An output cannot be written where it was asked for (permissions, a read-only or
    immutable folder, no space)."""
