"""The evidence behind each published figure the quarterly pack states.

:func:`latest_figures` gives, for each indicator of the pack, the
:class:`~analysis.core.evidence.Figure` its sentence and its at-a-glance row state: the value,
the counts behind it (DfE's published counts, else those worked back from the percentage),
whether DfE rounded those counts (read from the year's published counts for every LA by
:mod:`analysis.engine.count_rounding`, as the pack's own words are), the period, and the release with its
publication date (``config/publications.yaml``). Builders attach them to the blocks
(``figures=``); :mod:`analysis.render.invariants` checks them before the pack is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pandas as pd

from analysis.core.evidence import Figure
from analysis.quarterly_pack.context import PackContext, once, pack_paths

__all__ = ["figure_of", "latest_figures"]


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _counts(row: pd.Series) -> tuple[float | None, float | None]:
    """The counts the pack shows beside a figure, as :func:`wording.children_text` does: those
    its interval and gap use, else DfE's published count."""
    if row.get("unit") == "percent" and _number(row.get("ci_numerator")) is not None:
        return _number(row["ci_numerator"]), _number(row.get("ci_denominator"))
    if _number(row.get("numerator")) is not None:
        denominator = _number(row.get("denominator"))
        return _number(row["numerator"]), denominator if row.get("unit") == "percent" else None
    return None, None


def figure_of(row: pd.Series, rounded_to: int, release: str = "",
              published: tuple[dt.date, bool] | None = None) -> Figure:
    """The figure a judged latest row states, with its evidence."""
    numerator, denominator = _counts(row)
    date, approximate = published if published else (None, False)
    return Figure(value=float(row["value"]), unit=str(row.get("unit") or ""),
                  decimals=int(row["decimals"]) if _number(row.get("decimals")) is not None else 1,
                  numerator=numerator, denominator=denominator, rounded_to=rounded_to,
                  period=str(row.get("period") or ""), source=release, published=date,
                  date_confirmed=not approximate, label=f"{row.get('label', '')}, {row.get('period', '')}")


def _rounding(row: pd.Series) -> int:
    """The base DfE rounded the row's counts to (0: exact), as the pack's words use it."""
    return max(int(row.get("numerator_rounding", 0) or 0), int(row.get("denominator_rounding", 0) or 0))


def _figures(ctx: PackContext) -> dict[str, Figure]:
    from analysis.data.publications import load_publications

    publications = load_publications(pack_paths(ctx).config)
    figures = {}
    for _, row in ctx.latest.iterrows():
        indicator = str(row.get("indicator", row.name))
        if _number(row.get("value")) is None:
            continue
        found = publications.release_of(indicator)
        year = int(row["year"])
        release, published = "", None
        if found is not None:
            release = f"{found[1].title} {row['period']}"
            date = found[1].published.get(year)
            published = (date.date, date.approximate) if date else None
        figures[indicator] = figure_of(row, _rounding(row), release, published)
    return figures


def latest_figures(ctx: PackContext) -> dict[str, Figure]:
    """Each indicator's latest figure with its evidence, by indicator id, worked out once."""
    return cast(dict[str, Figure], once(ctx, "latest_figures", lambda: _figures(ctx)))
