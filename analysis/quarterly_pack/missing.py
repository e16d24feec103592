"""What a quarterly pack cannot show, each in one short line a committee member reads on page 1:
an indicator with no figure by the end of the quarter, one with no England figure to compare
with. Each line is said once, in plain words (never how the data were stored)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from analysis.core.blocks import Note
from analysis.data.catalogue import Catalogue
from analysis.data.coverage import indicator_coverage
from analysis.data.periods import period_label


def missing_figure_notes(table: pd.DataFrame, catalogue: Catalogue, indicators: Iterable[str],
                         years: Mapping[str, int]) -> list[Note]:
    """One :class:`Note` per indicator with no figure to show for its year (``years``: the
    latest year published by the end of the pack's quarter, per indicator).

    "Long-term placement stability: left out; this pack's figures start with 2017-18." /
    "...: no figure for 2016-17 in this pack's data."
    """
    indicators = list(indicators)
    if not indicators:
        return []
    coverage = indicator_coverage(table[table["indicator"].isin(indicators)], catalogue).set_index("indicator")
    notes = []
    for ind in indicators:
        entry = catalogue.get(ind)
        period = period_label(years[ind], entry.year_type)
        first = coverage.at[ind, "first_year"] if ind in coverage.index else None
        if first is None or pd.isna(first) or int(first) <= years[ind]:
            text = f"{entry.label}: no figure for {period} in this pack's data."
        else:
            text = f"{entry.label}: left out; this pack's figures start with {period_label(int(first), entry.year_type)}."
        notes.append(Note("missing", text, ind))
    return notes


def no_england_notes(latest: pd.DataFrame) -> list[Note]:
    """One line per indicator shown without an England figure: it is compared with the region
    and the neighbours only."""
    return [Note("missing", f"{row.label}: no England figure to compare with, so it is compared with the "
                            f"region and the neighbours only.", row.indicator)
            for row in latest[latest["england"].isna() & latest["value"].notna()].itertuples()]


def unique(lines: Iterable[str]) -> list[str]:
    """``lines`` in order, each once."""
    return list(dict.fromkeys(lines))
