"""Presentation of benchmark tables for people: rounding, units, readable column names."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pandas as pd

from analysis.engine.ranking import rank_text


def _fmt(value: object, decimals: int) -> str:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return "-"
    return f"{float(cast(float, value)):,.{decimals}f}"


_JUDGEMENT_HEADINGS = {"vs_england": "vs England", "vs_region": "vs region",
                       "vs_neighbours": "vs neighbours"}


def _interval(low: object, high: object, decimals: int) -> str:
    if pd.isna(low) or pd.isna(high):
        return "-"
    return f"{_fmt(low, decimals)} to {_fmt(high, decimals)}"


def format_benchmark_table(bench: pd.DataFrame) -> pd.DataFrame:
    """A benchmark table (from :func:`analysis.engine.benchmark.benchmark_table`) as text to print.

    A judged table (from :func:`analysis.engine.judgement.judge_table`) also gets the interval at its
    level ("95% interval") and the judgements against England, the region and the neighbours
    ("-" where not compared).
    """
    judged = {"ci_low", "ci_high", "level", *_JUDGEMENT_HEADINGS} <= set(bench.columns)
    rows = []
    for r in bench.itertuples(index=False):
        d = int(r.decimals)
        status = "" if r.status == "published" else f" ({r.status})"
        if pd.notna(r.rank) and getattr(r, "rank_kind", "rank") == "position":
            rank = rank_text(r.rank, r.of, "position", getattr(r, "rank_from_highest", None))
        else:
            rank = f"{r.rank}/{r.of}" if pd.notna(r.rank) else "-"
        rows.append({
            "Indicator": r.label,
            "Year": r.period,
            r.la_name: _fmt(r.value, d) + status if pd.notna(r.value) else r.status,
            "England": _fmt(r.england, d),
            "Region": _fmt(r.region, d),
            "Neighbours (n)": f"{_fmt(r.sn_mean, d)} ({r.sn_count}/{r.sn_size})" if pd.notna(r.sn_mean) else "-",
            "Rank": rank,
            "Quartile": r.quartile if pd.notna(r.quartile) else "-",
            "vs last year": r.direction,
        })
        if judged:
            rows[-1][f"{float(r.level) * 100:g}% interval"] = _interval(r.ci_low, r.ci_high, d)
            for column, heading in _JUDGEMENT_HEADINGS.items():
                word = getattr(r, column)
                rows[-1][heading] = "-" if pd.isna(word) or word == "not compared" else word
    return pd.DataFrame(rows)


def shares_adding_to_100(counts: Sequence[int]) -> list[int]:
    """Each count as a whole-number percentage of their total, rounded so that the shares add
    up to 100, as a council's summary table shows them (the largest remainder method: every
    share is rounded down, then the shares with the largest remainders get one more, the
    earliest first where remainders tie). [2, 7, 9, 2] -> [10, 35, 45, 10];
    [1, 1, 1] -> [34, 33, 33]. No counts, or a total of 0: every share 0."""
    total = sum(counts)
    if total <= 0:
        return [0 for _ in counts]
    exact = [100 * c / total for c in counts]
    shares = [int(e // 1) for e in exact]
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:100 - sum(shares)]:
        shares[i] += 1
    return shares
