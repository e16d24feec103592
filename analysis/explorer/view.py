"""The interactive explorer: a selection in, the values to show out.

The widgets (:mod:`analysis.explorer.widgets`) hold an :class:`ExplorerSelection`; every change
calls :func:`explorer_view` on data loaded once (:class:`ExplorerData`) and shows the
:class:`ExplorerView` it returns. Nothing here draws or reads a file after start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from analysis.core.errors import AnalysisError, NoDataError
from analysis.data.catalogue import Indicator
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.data.sources import source_line
from analysis.engine.funnel_words import funnel_line
from analysis.engine.funnels import KIND_OF_UNIT, Funnel, try_funnel
from analysis.explorer.data import ExplorerData, la_judged
from analysis.explorer.groups import (
    NEIGHBOUR_VERSIONS,
    GroupView,
    comparator_group,
)
from analysis.explorer.search import find_indicator, find_la


@dataclass(frozen=True)
class ExplorerSelection:
    """What the analyst has picked: text as typed, so bad input can be answered."""

    la: str = "Doncaster"
    indicator: str = "re_referrals"
    year: int | None = None  # None: the latest year with a figure for the LA
    comparator: str = "sn"
    group: tuple[str, ...] = ()  # LAs typed for the "list" comparator
    level: float = 0.95
    #: Which view the page shows: "indicator" (one indicator in detail) or "profile" (every
    #: indicator for the LA, :mod:`analysis.explorer.profile_view`).
    shows: str = "indicator"
    lines: bool = False  # each comparator LA's own line on the trend


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer shows for a selection; ``messages`` say what could not be shown."""

    selection: ExplorerSelection
    la: LocalAuthority | None = None
    indicator: Indicator | None = None
    year: int | None = None
    period: str = ""
    judged: pd.DataFrame | None = None  # every year of the indicator, judged
    row: pd.Series | None = None  # the chosen year's row of ``judged``
    group: GroupView | None = None
    all_values: pd.DataFrame | None = None
    funnel: Funnel | None = None
    funnel_text: str = ""
    source: str = ""
    messages: tuple[str, ...] = field(default_factory=tuple)
    #: Each comparator LA's figure every year (:func:`analysis.explorer.neighbour_lines.member_lines`),
    #: when the selection asks for their lines.
    member_lines: pd.DataFrame | None = None

    @property
    def sentence(self) -> str:
        return "" if self.row is None else str(self.row["sentence"])

    @property
    def ended(self) -> str:
        """For an LA abolished by reorganisation, a sentence naming its last year and the LAs
        that replaced it; else ""."""
        from analysis.data.geography import last_year_text

        if self.la is None or self.la.last_year is None or self.judged is None:
            return ""
        rows = self.judged[self.judged["year"] == self.la.last_year]
        period = str(rows["period"].iloc[0]) if not rows.empty else financial_year_label(self.la.last_year)
        return last_year_text(self.la, period)


def keeps_last_view(shown: ExplorerView | None, new: ExplorerView) -> bool:
    """Whether the page keeps showing ``shown`` (with ``new``'s messages) rather than ``new``:
    when ``new`` has nothing to show (an LA or indicator that matched nothing, a year not
    published) and ``shown`` has, the last good view stays, its status line true to it."""
    return new.row is None and shown is not None and shown.row is not None


def published_years(table: pd.DataFrame, indicator: str) -> list[int]:
    """The years with a published figure for the indicator (England or any area)."""
    rows = table[(table["indicator"] == indicator) & table["value"].notna()]
    return sorted(int(y) for y in rows["year"].unique())


def years_text(years: Sequence[int]) -> str:
    """'2013-14 to 2015-16 and 2017-18': runs of consecutive years."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    parts = [financial_year_label(r[0]) if len(r) == 1
             else f"{financial_year_label(r[0])} to {financial_year_label(r[-1])}" for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _choose_year(judged: pd.DataFrame, years: list[int], wanted: int | None) -> tuple[int | None, str]:
    if wanted is None:
        has = judged.loc[judged["value"].notna(), "year"]
        return (int(has.max()) if not has.empty else (years[-1] if years else None)), ""
    if wanted not in years:
        return None, (f"{financial_year_label(wanted)} is not published for this indicator; "
                      f"years published: {years_text(years)}.")
    return wanted, ""


def explorer_view(data: ExplorerData, selection: ExplorerSelection) -> ExplorerView:
    """Everything the explorer shows for ``selection``, worked out from memory.

    Never raises for bad input: what cannot be shown is said in ``messages``.
    """
    from analysis.engine.benchmark import all_la_values
    la, la_problem = find_la(selection.la, data)
    ind, ind_problem = find_indicator(selection.indicator, data.catalogue)
    problems = [p for p in (la_problem, ind_problem) if p]
    if la is None or ind is None:
        return ExplorerView(selection, la, ind, messages=tuple(problems))
    table = data.rows(ind.id)
    years = published_years(table, ind.id)
    version = NEIGHBOUR_VERSIONS.get(selection.comparator)
    try:
        judged = la_judged(data, la, ind.id, version, selection.level)
    except NoDataError:
        return ExplorerView(selection, la, ind, messages=(
            f"{la.name} has no published figures for {ind.label.lower()} in any year.",))
    except AnalysisError as exc:
        return ExplorerView(selection, la, ind, messages=(str(exc).splitlines()[0],))
    year, why = _choose_year(judged, years, selection.year)
    if year is None:
        return ExplorerView(selection, la, ind, judged=judged, messages=(why,))
    row = judged[judged["year"] == year].iloc[0]
    period = str(row["period"])
    if pd.isna(row["value"]):
        from analysis.data.geography import reorganisation_note

        why_none = reorganisation_note(la, year) or str(row["status"])
        problems.append(f"{la.name} has no published figure for {period} ({why_none}).")
    group, group_problems = comparator_group(data, la, ind.id, year, selection.comparator,
                                             selection.group)
    all_values = data.memo(("all", ind.id, year),
                           lambda: all_la_values(table, ind.id, year, data.catalogue))
    funnel, funnel_text = None, ""
    if ind.unit in KIND_OF_UNIT and pd.notna(row["england"]):
        funnel, why_not = data.memo(("funnel", ind.id, year),
                                    lambda: try_funnel(table, row, data.catalogue))
        funnel_text = funnel_line(funnel, la, ind) if funnel is not None else f"No funnel plot: {why_not}"
    lines = None
    if selection.lines and group is not None:
        from analysis.explorer.neighbour_lines import member_lines

        lines = member_lines(table[table["level"] == "la"], group.members["old_la_code"].tolist())
    view = ExplorerView(selection, la, ind, year, period, judged, row, group, all_values, funnel,
                        funnel_text, source_line(ind, period, data.paths),
                        tuple(problems + group_problems), lines)
    return replace(view, messages=(*view.messages, view.ended)) if view.ended and la.exists_in(year) else view
