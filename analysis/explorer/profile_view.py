"""The explorer's profile view: a selection in, an LA's whole profile out.

:func:`explorer_profile` finds the LA typed, picks its judged rows (worked out once per
neighbour list and level, :func:`analysis.explorer.data.la_judged_rows`; for the list in force
each year at 95%, as ``prepare`` wrote them), and gives every indicator's row
(:func:`analysis.explorer.profile.profile_rows`) with the comparator group's mean, the trend
rows for the profile's one chart and the source line. Never raises for bad input: what cannot
be shown is said in ``messages``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pandas as pd

from analysis.data.catalogue import Indicator
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.explorer.data import ExplorerData, la_judged_rows
from analysis.explorer.groups import MIN_GROUP, NEIGHBOUR_VERSIONS, region_members
from analysis.explorer.profile import JUDGED_COLUMNS, group_means_of, profile_rows, trend_rows
from analysis.explorer.search import find_la, resolve_group
from analysis.explorer.view import ExplorerSelection

#: The comparator group's mean as the profile's column heading names it, by comparator key.
GROUP_HEADINGS: dict[str, str] = {
    "sn": "Neighbours' mean", "sn2021": "Neighbours' mean (2021 list)",
    "sn2025": "Neighbours' mean (2025 list)", "region": "Mean of the region's LAs",
    "list": "Mean of the LAs listed",
}


@dataclass(frozen=True)
class ProfileView:
    """What the profile shows for a selection; ``messages`` say what could not be shown."""

    selection: ExplorerSelection
    la: LocalAuthority | None = None
    rows: pd.DataFrame | None = None  # profile_rows
    trend: pd.DataFrame | None = None  # trend_rows, every year
    group_heading: str = ""
    source: str = ""
    messages: tuple[str, ...] = field(default_factory=tuple)
    listed: tuple[str, ...] = ()  # for a list of LAs, their DfE codes

    @property
    def year_text(self) -> str:
        year = self.selection.year
        return "the latest year published for each indicator" if year is None else financial_year_label(year)


def indicators_in_order(data: ExplorerData) -> list[Indicator]:
    """The benchmarked indicators grouped by topic (topics in catalogue order)."""
    inds = data.catalogue.benchmarked()
    topics = list(dict.fromkeys(i.topic for i in inds))
    return sorted(inds, key=lambda i: topics.index(i.topic))


def _release(data: ExplorerData, indicator: Indicator, year: int) -> str:
    from analysis.data.sources import release_names

    return cast(str, data.memo(("release", indicator.id, year),
                               lambda: release_names(indicator, year, data.paths)))


def _source(data: ExplorerData, rows: pd.DataFrame) -> str:
    from analysis.data.sources import combined_source_line

    items = tuple((str(i), str(p)) for i, p, v in zip(rows["indicator"], rows["period"], rows["value"],
                                                       strict=True) if pd.notna(v))
    if not items:
        return ""
    return cast(str, data.memo(("profile_source", items), lambda: combined_source_line(
        [(data.catalogue.get(i), p) for i, p in items], data.paths)))


def _group_means(data: ExplorerData, la: LocalAuthority, rows: pd.DataFrame, selection: ExplorerSelection,
                 ) -> tuple[dict[str, float | None] | None, list[str], tuple[str, ...]]:
    """The region's or a list's mean for each row's year (None: the neighbours' mean of the
    judged rows), lines on what went wrong, and a list's LA codes."""
    years = {str(i): (int(y) if pd.notna(v) else None)
             for i, y, v in zip(rows["indicator"], rows["year"], rows["value"], strict=True)}
    if selection.comparator == "region":
        shown = [y for y in years.values() if y is not None]
        codes = region_members(data, la, max(shown)) if shown else []
        return group_means_of(data.table, codes, years), [], ()
    if selection.comparator == "list":
        listed, problems = resolve_group(selection.group, data)
        if len(listed) < MIN_GROUP:
            return dict.fromkeys(years), [*problems, (
                f"A comparator list needs at least {MIN_GROUP} LAs; it has {len(listed)}. "
                "Type names or codes, separated by commas.")], ()
        listed_codes = tuple(x.old_code for x in listed)
        return group_means_of(data.table, listed_codes, years), problems, listed_codes
    return None, [], ()


def explorer_profile(data: ExplorerData, selection: ExplorerSelection) -> ProfileView:
    """Every indicator for the LA of ``selection`` in its year (or each one's latest)."""
    la, why = find_la(selection.la, data)
    if la is None:
        return ProfileView(selection, messages=(why,))
    version = NEIGHBOUR_VERSIONS.get(selection.comparator)
    la_rows = la_judged_rows(data, la.new_code, version, selection.level, JUDGED_COLUMNS)
    indicators = indicators_in_order(data)
    rows = profile_rows(la_rows, indicators, selection.year,
                        releases=lambda ind, year: _release(data, ind, year))
    means, problems, listed = _group_means(data, la, rows, selection)
    if means is not None:
        rows["group_mean"] = pd.to_numeric(rows["indicator"].map(means), errors="coerce").astype("float64")
    if rows["value"].notna().sum() == 0:
        problems.append(f"{la.name} has no published figures for {financial_year_label(selection.year)}."
                        if selection.year is not None else f"{la.name} has no published figures.")
    if la.last_year is not None:  # an LA abolished by reorganisation: its last year, who followed
        from analysis.data.geography import last_year_text

        problems += [t for t in [last_year_text(la, financial_year_label(la.last_year))] if t]
    trend = cast(pd.DataFrame, data.memo(("profile_trend", la.new_code),
                                         lambda: trend_rows(la_rows, indicators)))
    return ProfileView(selection, la, rows, trend, GROUP_HEADINGS.get(selection.comparator, "Group mean"),
                       _source(data, rows), tuple(problems), listed)
