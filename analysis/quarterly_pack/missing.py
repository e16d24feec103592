"""What a quarterly pack cannot show, each in one short line a committee member reads on page 1:
an indicator with no figure by the end of the quarter, one with no England figure to compare
with. Each line is said once, in plain words (never how the data were stored)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

import pandas as pd

from analysis.core.blocks import Note, Section
from analysis.data.catalogue import Catalogue, Indicator
from analysis.data.coverage import indicator_coverage
from analysis.data.periods import Quarter, period_label
from analysis.data.publications import Publications, published_text


def missing_figure_notes(table: pd.DataFrame, catalogue: Catalogue, indicators: Iterable[str],
                         years: Mapping[str, int | None], *, quarter: Quarter | None = None,
                         publications: Publications | None = None) -> list[Note]:
    """One :class:`Note` per indicator with no figure to show for its year (``years``: the
    latest year published by the end of the pack's ``quarter``, per indicator; None where no
    year in the data had been published by then, when the first one came out is said from
    ``publications``).

    "Long-term placement stability: left out; this pack's figures start with 2017-18." /
    "...: no figure for 2016-17 in this pack's data." /
    "...: left out; none of this pack's figures had been published by the end of 2016-17 Q4
    (they start with 2015-16, first published about January 2018)."
    """
    indicators = list(indicators)
    if not indicators:
        return []
    coverage = indicator_coverage(table[table["indicator"].isin(indicators)], catalogue).set_index("indicator")
    notes = []
    for ind in indicators:
        entry = catalogue.get(ind)
        first = coverage.at[ind, "first_year"] if ind in coverage.index else None
        year = years[ind]
        if year is None:
            start = None if first is None or pd.isna(first) else int(first)
            notes.append(Note("missing", _not_yet_published(entry, start, quarter, publications), ind))
            continue
        period = period_label(year, entry.year_type)
        if first is None or pd.isna(first) or int(first) <= year:
            text = f"{entry.label}: no figure for {period} in this pack's data."
        else:
            text = f"{entry.label}: left out; this pack's figures start with {period_label(int(first), entry.year_type)}."
        notes.append(Note("missing", text, ind))
    return notes


def _not_yet_published(entry: Indicator, start: int | None, quarter: Quarter | None,
                       publications: Publications | None) -> str:
    """The line for an indicator none of whose years in the pack's data had been published by
    the end of the quarter (earlier years may have been, but the data do not hold them)."""
    by = f" by the end of {quarter.label}" if quarter is not None else ""
    text = f"{entry.label}: left out; none of this pack's figures had been published{by}"
    if start is None:
        return text + "."
    date = publications.first_published(entry.id, start) if publications is not None else None
    when = f", first published {published_text(date)}" if date is not None else ", published later"
    return text + f" (they start with {period_label(start, entry.year_type)}{when})."


def no_england_notes(latest: pd.DataFrame) -> list[Note]:
    """One line per indicator shown without an England figure: it is compared with the region
    and the neighbours only."""
    return [Note("missing", f"{row.label}: no England figure to compare with, so it is compared with the "
                            f"region and the neighbours only.", row.indicator)
            for row in latest[latest["england"].isna() & latest["value"].notna()].itertuples()]


def unique(lines: Iterable[str]) -> list[str]:
    """``lines`` in order, each once."""
    return list(dict.fromkeys(lines))


def indicator_name(catalogue: Catalogue, indicator: str, council_codes: Mapping[str, str]) -> str:
    """An indicator as a reader knows it: its name, with the council's own code where one of
    the council's measures is the same indicator ("Re-referrals within 12 months (A1)"); an
    id the catalogue does not know gives "" (an internal id is never shown)."""
    if indicator not in catalogue.indicators:
        return ""
    name = catalogue.get(indicator).label
    code = council_codes.get(indicator, "")
    return f"{name} ({code})" if code else name


def council_codes(measures: object) -> dict[str, str]:
    """The council's own published code of each DfE indicator one of its measures pairs with
    (``re_referrals`` -> A1), from its measure definitions (None: none)."""
    if measures is None:
        return {}
    codes: dict[str, str] = {}
    for code, measure in getattr(measures, "measures", {}).items():
        shown = measures.published_code(code)  # type: ignore[attr-defined]
        if measure.pairs_with and shown:
            codes.setdefault(measure.pairs_with, shown)
    return codes


def with_indicator_names(section: Section, catalogue: Catalogue, codes: Mapping[str, str]) -> Section:
    """``section`` with each note's indicator in the reader's words (:func:`indicator_name`)."""
    blocks = tuple(replace(b, indicator_name=indicator_name(catalogue, b.indicator, codes))
                   if isinstance(b, Note) and b.indicator and not b.indicator_name else b
                   for b in section.blocks)
    return replace(section, blocks=blocks)
