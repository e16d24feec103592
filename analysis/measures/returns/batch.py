"""A measure on staged returns computed for many period ends at once, in one query.

Every measure is a :class:`BatchMeasure`: its ``many(con, ends)`` runs one set-based query
over a table of the period ends (``ends``: :func:`ends_cte`) and gives, for each end, its
result record (``RESULT_COLUMNS``) or the error saying why there is no figure. Called as
``measure(con, period_end)`` it is the same query with one end, returning the one-row frame
(or raising that error), so a quarterly series and a single period share one code path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from analysis.measures.returns.rows import RESULT_COLUMNS, window_start
from analysis.measures.returns.shared import fetch_all

__all__ = ["BatchMeasure", "Outcome", "Outcomes", "ends_cte", "ends_params", "per_end"]

#: A result record, or why there is no figure.
Outcome = dict[str, object] | Exception
Outcomes = dict[dt.date, Outcome]
Many = Callable[[duckdb.DuckDBPyConnection, Sequence[dt.date]], Outcomes]


@dataclass(frozen=True)
class BatchMeasure:
    """A measure: ``many`` gives the outcome of every period end asked for."""

    indicator_id: str
    many: Many

    def __call__(self, con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        outcome = self.many(con, [period_end])[period_end]
        if isinstance(outcome, Exception):
            raise outcome
        return pd.DataFrame([outcome], columns=RESULT_COLUMNS)


#: The period ends as a table: ``period_end`` and ``window_start`` (the first day of the 12
#: months ending it), from the parameters ``$ends`` and ``$starts``.
ENDS = ("ends AS (SELECT unnest($ends::DATE[]) AS period_end, "
        "unnest($starts::DATE[]) AS window_start)")


def ends_cte() -> str:
    """The ``ends`` common table (without ``WITH``)."""
    return ENDS


def ends_params(ends: Sequence[dt.date]) -> dict[str, object]:
    """The parameters of :func:`ends_cte` for ``ends``."""
    return {"ends": list(ends), "starts": [window_start(e) for e in ends]}


def per_end(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]
            ) -> dict[dt.date, tuple]:
    """Run a query whose rows start with ``period_end``; the rest of each row by its end
    (shared by the measures of one run: :mod:`analysis.measures.returns.shared`)."""
    out: dict[dt.date, tuple] = {}
    for row in fetch_all(con, sql, params):
        out[row[0]] = tuple(row[1:])
    return out
