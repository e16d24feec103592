"""What the interactive explorer answers from: the data, loaded once, and the figures worked
out from it once (every LA judged and ranked) and kept, so a change of LA or indicator only
picks rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import pandas as pd

from analysis.core.config import Paths
from analysis.data.catalogue import Catalogue
from analysis.data.geography import LocalAuthority
from analysis.engine.narrative import sentences


@dataclass(frozen=True)
class ExplorerData:
    """Everything the explorer answers from, loaded once at start-up."""

    table: pd.DataFrame
    catalogue: Catalogue
    areas: pd.DataFrame
    paths: Paths
    #: What does not depend on the LA (ranks, funnels), worked out once per indicator and year.
    cache: dict[tuple[object, ...], object] = field(default_factory=dict, compare=False, repr=False)

    def memo(self, key: tuple[object, ...], make: Callable[[], object]) -> Any:
        """``make()``, worked out the first time ``key`` is asked for."""
        if key not in self.cache:
            self.cache[key] = make()
        return self.cache[key]

    def rows(self, indicator: str) -> pd.DataFrame:
        """The table's rows for one indicator (kept: a view filters a thirtieth of the table,
        not all of it, each time)."""
        return cast(pd.DataFrame, self.memo(("rows", indicator),
                                            lambda: self.table[self.table["indicator"] == indicator]))

    @property
    def all_las(self) -> list[LocalAuthority]:
        """Every LA in the areas list (kept)."""
        from analysis.data.geography import las_of

        return cast(list[LocalAuthority], self.memo(("all_las",), lambda: las_of(self.areas)))

    @property
    def la_names(self) -> list[str]:
        """Every LA name with figures in the table, in alphabetical order."""
        codes = set(self.table.loc[self.table["level"] == "la", "old_la_code"].dropna().astype(str))
        return sorted(self.areas.loc[self.areas["old_code"].isin(codes), "name"].astype(str).unique())


def load_explorer_data(paths: Paths | None = None) -> ExplorerData:
    """Read the processed table, the catalogue and the LA list once."""
    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import load_areas
    from analysis.engine.benchmark import load_benchmarks

    paths = paths or Paths.for_root()
    return ExplorerData(load_benchmarks(paths), load_catalogue(paths.config / "indicators.yaml"),
                        load_areas(paths.root), paths)


def _judged(data: ExplorerData, indicator: str, version: str | None,
            level: float) -> dict[str, pd.DataFrame]:
    """Every LA's judged rows of one indicator: its rows and ranks only (the same figures as
    :func:`judge_every` gives it, a thirtieth of the work)."""
    from analysis.engine.benchmark import benchmark_rows
    from analysis.engine.judgement import judge_table

    bench = benchmark_rows(data.rows(indicator), data.all_las, data.catalogue, indicators=[indicator],
                           neighbours_version=version, paths=data.paths,
                           ranked=ranked_indicator(data, indicator))
    judged = judge_table(bench, data.catalogue, level=level)
    return {str(ind): rows.reset_index(drop=True) for ind, rows in judged.groupby("indicator", sort=False)}


def judge_every(data: ExplorerData, version: str | None, level: float) -> dict[str, pd.DataFrame]:
    """Every LA's judged rows for every indicator, by indicator id (kept): for the list in force
    each year at 95%, read from what ``python -m analysis prepare`` wrote
    (:func:`analysis.engine.judged_store.read_judged`) while it matches the table; otherwise
    worked out here (a few seconds). For the neighbour list and level a page starts on
    (:func:`analysis.explorer.widgets.build`), a whole profile and its download;
    :func:`judged_all` then only picks them."""
    from analysis.engine.judged_store import (
        PREPARED_LEVEL,
        PREPARED_VERSION,
        judge_every_la,
        read_judged,
    )

    def make() -> dict[str, pd.DataFrame]:
        judged = None
        if version == PREPARED_VERSION and level == PREPARED_LEVEL:
            judged = read_judged(data.paths)
        if judged is None:
            judged = judge_every_la(data.table, data.all_las, data.catalogue, data.paths, version, level)
        return {str(ind): rows.reset_index(drop=True) for ind, rows in judged.groupby("indicator", sort=False)}

    return cast(dict[str, pd.DataFrame], data.memo(("judged_all", version, level), make))


def judged_all(data: ExplorerData, indicator: str, version: str | None, level: float) -> pd.DataFrame:
    """Every LA's benchmark rows for one indicator, every year, judged at ``level``.

    Picked from :func:`judge_every` when that has been worked out for ``version`` and
    ``level``; otherwise (the first switch to another neighbour list or level) worked out for
    this indicator alone, once, so a change answers at once and the other indicators are
    worked out when they are shown."""
    every = data.cache.get(("judged_all", version, level))
    parts = cast(dict[str, pd.DataFrame], every if every is not None else data.memo(
        ("judged_one", indicator, version, level),
        lambda: _at_other_level(data, indicator, version, level) or _judged(data, indicator, version, level)))
    return parts.get(indicator, pd.DataFrame(columns=["la_code", "year", "value"]))


def _at_other_level(data: ExplorerData, indicator: str, version: str | None,
                    level: float) -> dict[str, pd.DataFrame] | None:
    """The indicator's rows judged at ``level`` from its rows judged at another level for the
    same neighbour list (their intervals are kept at both levels), when worked out before."""
    from analysis.engine.intervals import COMPARISON_LEVELS
    from analysis.engine.judgement import judged_at

    for other in (lv for lv in COMPARISON_LEVELS if lv != level):
        for key in (("judged_all", version, other), ("judged_one", indicator, version, other)):
            parts = cast(dict[str, pd.DataFrame] | None, data.cache.get(key))
            if parts is not None and indicator in parts:
                again = judged_at(parts[indicator], level)
                if again is not None:
                    return {indicator: again}
    return None


def la_judged(data: ExplorerData, la: LocalAuthority, indicator: str, version: str | None,
              level: float) -> pd.DataFrame:
    """:func:`analysis.explorer.report.explorer_table` of one LA and indicator, every year,
    from :func:`judged_all`. Raises NoDataError when the LA has no figure in any year."""
    from analysis.engine.benchmark import no_figures_error

    rows = judged_all(data, indicator, version, level)
    mine = rows[rows["la_code"] == la.new_code].reset_index(drop=True)
    if mine["value"].notna().sum() == 0:
        raise no_figures_error(la, [indicator], sorted(int(y) for y in mine["year"]))
    mine["sentence"] = sentences(mine)
    return mine


def ranked_indicator(data: ExplorerData, indicator: str) -> pd.DataFrame:
    """Every LA's rank and band for every year of one indicator, from the one ranking of the
    whole table that :func:`judged_all` uses too."""
    from analysis.engine.benchmark import rank_all_once

    def make() -> pd.DataFrame:
        ranked = rank_all_once(data.table, data.catalogue)
        return ranked[ranked["indicator"] == indicator]

    return cast(pd.DataFrame, data.memo(("ranked", indicator), make))


def la_judged_rows(data: ExplorerData, la_code: str, version: str | None, level: float,
                   columns: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One LA's judged rows (:func:`judged_all`'s ``columns``, default all), every indicator and
    year. Every indicator's rows are put together once per neighbour list, level and columns,
    with where each LA's rows are; an LA's rows are taken from them the first time (kept)."""
    def make() -> tuple[pd.DataFrame, dict[str, Any]]:
        whole = pd.concat(judge_every(data, version, level).values(), ignore_index=True)
        whole = whole[list(columns)] if columns is not None else whole
        return whole, {str(code): rows for code, rows in whole.groupby("la_code", sort=False).indices.items()}

    def take() -> pd.DataFrame:
        whole, where = cast(tuple[pd.DataFrame, dict[str, Any]],
                            data.memo(("judged_by_la", version, level, columns), make))
        return whole.take(where[la_code]).reset_index(drop=True) if la_code in where else whole.iloc[:0]

    return cast(pd.DataFrame, data.memo(("la_judged_rows", la_code, version, level, columns), take))
