"""Queries shared by the measures of one run: several measures rest on the same counts (the
referrals of each 12 months give the rate, the re-referrals and the share with no further
action), so within :func:`shared_queries` a query asked again with the same parameters on
the same connection is answered from the first time. Outside it every query runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import duckdb

__all__ = ["fetch_all", "shared_queries"]

_MEMO: ContextVar[dict[tuple[int, str, str], list[tuple]] | None] = ContextVar(
    "shared_queries", default=None)


@contextmanager
def shared_queries() -> Iterator[None]:
    """Within the block, the same query on the same connection runs once."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def fetch_all(con: duckdb.DuckDBPyConnection, sql: str,
              params: dict[str, object] | list[object] | None = None) -> list[tuple]:
    """The rows of ``sql`` (shared within :func:`shared_queries`)."""
    memo = _MEMO.get()
    key = (id(con), sql, repr(params))
    if memo is not None and key in memo:
        return memo[key]
    rows = con.execute(sql, params).fetchall() if params is not None else con.execute(sql).fetchall()
    if memo is not None:
        memo[key] = rows
    return rows
