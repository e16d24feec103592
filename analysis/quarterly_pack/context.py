"""What the quarterly pack shows for one LA and quarter, and the helpers every section uses.

:class:`PackContext` holds the LA, the quarter, the benchmark tables and the local return
(:func:`analysis.quarterly_pack.report.build_pack_context` works it out); the section builders
in :mod:`analysis.quarterly_pack.sections` read it and build their sections with
:func:`pack_section`. Also here: which DfE year a quarter shows (:func:`latest_published_year`,
:func:`indicator_years`), the LA's local return (:func:`local_returns`) and the check that there
is something to show (:func:`check_pack_has_data`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analysis.core.blocks import Block, Note, Section
from analysis.core.config import Paths
from analysis.core.errors import NoDataError
from analysis.data.catalogue import Catalogue
from analysis.data.geography import LocalAuthority
from analysis.data.periods import Quarter, check_supported_quarter, financial_year_label
from analysis.engine.benchmark import load_benchmarks
from analysis.quarterly_pack.spec import PackSpec


def latest_published_year(quarter: Quarter) -> int:
    """The latest DfE annual year published by the end of a quarter.

    Children in need and looked-after statistics for the year ending 31 March come out in
    the autumn (October to December), so from a quarter ending 31 December onwards the year
    just ended is available; before that, the one before. A quarter ending 31 March 2018
    (2017-18 Q4) pairs with 2016-17 (2017).
    """
    end = quarter.end
    return end.year if end.month == 12 else end.year - 1


def has_local_return(la: LocalAuthority, paths: Paths) -> bool:
    return not local_returns(la, paths).empty


def local_returns(la: LocalAuthority, paths: Paths) -> pd.DataFrame:
    """All local quarterly figures shipped for an LA (empty when there are none)."""
    try:
        from analysis.measures.local_returns import load_local_returns
    except ImportError:  # pragma: no cover - during development only
        return pd.DataFrame()
    return load_local_returns(paths, la)


def indicator_years(quarter: Quarter, indicators: list[str], paths: Paths) -> dict[str, int | None]:
    """For each indicator, the latest annual year published by the end of ``quarter``.

    From the release dates in ``config/publications.yaml`` (the rule the quarterly pairing
    uses). None when the release lists no year published by then (the pack shows no figure
    for it and says when its first year came out); an indicator with no release listed there
    falls back to :func:`latest_published_year`.
    """
    from analysis.data.publications import benchmark_year_for_quarter, load_publications

    publications = load_publications(paths.config)
    default = latest_published_year(quarter)
    years: dict[str, int | None] = {}
    for ind in indicators:
        listed = publications.release_of(ind) is not None
        found = benchmark_year_for_quarter(quarter, ind, publications)
        years[ind] = found if listed else default
    return years


def check_pack_has_data(la: LocalAuthority, quarter: Quarter, paths: Paths,
                        local: pd.DataFrame | None = None) -> None:
    """Raise when there is nothing to show for this LA and quarter.

    ``local``: the LA's local return rows when the caller has read them already.
    """
    check_supported_quarter(quarter)
    table = load_benchmarks(paths)
    year = latest_published_year(quarter)
    local = local_returns(la, paths) if local is None else local
    here = local[(local["period_type"] == "quarter") & (local["period"] == quarter.label)] if not local.empty else local
    mine = table[(table["old_la_code"] == la.old_code) & (table["year"] <= year)]
    if here.empty and mine["value"].notna().sum() == 0:
        years = sorted(table["year"].unique())
        first = financial_year_label(years[0])
        if year >= years[0]:
            raise NoDataError(
                f"{la.name} has no figures for {quarter.label}: no local return for the quarter, and no "
                f"DfE figures for {financial_year_label(year)} or earlier (the latest year published by "
                f"{quarter.end:%d %B %Y})",
                expected=f"a quarter from {financial_year_label(years[0] + 1)} Q3 to "
                         f"{financial_year_label(years[-1] + 1)} Q4 for which {la.name} has figures",
                fix="choose another period or LA",
            )
        raise NoDataError(
            f"{la.name} has no figures for {quarter.label}: no local return for the quarter, and no "
            f"DfE figures published by {quarter.end:%d %B %Y} (the toolkit's DfE data start with {first}, "
            f"published in the autumn of {years[0]})",
            expected="a quarter whose end follows the first DfE release in the data, or a local return "
                     "for the quarter",
            fix=f"choose {financial_year_label(years[0] + 1)} Q3 or later",
        )


@dataclass
class PackContext:
    """Everything the quarterly pack shows for one LA and quarter."""

    la: LocalAuthority
    quarter: Quarter
    benchmark_year: int
    catalogue: Catalogue
    indicators: list[str]
    table: pd.DataFrame
    bench: pd.DataFrame  # all years for the pack's indicators
    latest: pd.DataFrame  # the benchmark year's rows, one per indicator
    local: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: One Note per pack indicator with no published figure up to its year (each also in notes).
    missing: list[Note] = field(default_factory=list)
    #: One Note per indicator whose latest figure is older than the pack's year (each also in notes).
    stale: list[Note] = field(default_factory=list)
    #: Tables several sections use, worked out once (see once()).
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    #: What the pack holds (config/packs/quarterly.yaml).
    spec: PackSpec | None = None
    paths: Paths | None = None
    #: Why the local sections are left out (one line, the same in every section), or "".
    local_reason: str = ""
    #: Where the measures computed from the LA's own returns come from ("computed from the
    #: LA's CIN census and SSDA903 returns, ..."), or "" when the pack has none; their rows
    #: of ``local`` are those with no ``file``.
    records_source: str = ""
    #: Whether those returns are synthetic (every chart and table from them says so).
    synthetic: bool = False

    @property
    def has_local(self) -> bool:
        return not self.local.empty

    @property
    def benchmark_period(self) -> str:
        return financial_year_label(self.benchmark_year)


def pack_paths(ctx: PackContext) -> Paths:
    return ctx.paths or Paths.for_root()


def once(ctx: PackContext, key: str, make: Callable[[], Any]) -> Any:
    """``make()`` worked out once per pack context (several sections use the same tables)."""
    if key not in ctx.cache:
        ctx.cache[key] = make()
    return ctx.cache[key]


def local_source(ctx: PackContext) -> str:
    return f"Source: {local_document(ctx)}, {ctx.quarter.label}."


def local_document(ctx: PackContext, rows: pd.DataFrame | None = None) -> str:
    """What the LA's own figures come from, as its definitions name it
    (``config/local/<la>.yaml``: Doncaster's quarterly performance report, Rotherham's select
    commission minutes); with measures computed from its returns among ``rows`` (default the
    quarter's), those returns too, each source named."""
    measures = local_measures_of(ctx)
    typed = (measures.document if measures is not None and measures.document
             else f"{ctx.la.name} quarterly performance return")
    if not ctx.records_source:
        return typed
    if rows is None:
        rows = ctx.local[ctx.local["period"] == ctx.quarter.label]
    computed = is_computed(rows)
    if not computed.any():
        return typed
    if computed.all():
        return ctx.records_source
    return f"{typed}; {ctx.records_source}"


def is_computed(rows: pd.DataFrame) -> pd.Series:
    """Which local rows were computed from the LA's returns (they have no return file)."""
    return rows["file"].fillna("").astype(str) == ""


def rows_source(ctx: PackContext, rows: pd.DataFrame, to: str = "") -> str:
    """The source line of a chart or table drawn from ``rows`` of the local table."""
    return f"Source: {local_document(ctx, rows)}, {to}{ctx.quarter.label}."


def local_measures_of(ctx: PackContext) -> Any:
    """The LA's own measure definitions (``config/local/<la>.yaml``), or None."""
    from analysis.measures.local_measures import load_local_measures, measures_path

    config = pack_paths(ctx).config
    if not measures_path(config, ctx.la.slug).exists():
        return None
    return once(ctx, "local_measures", lambda: load_local_measures(config, ctx.la.slug))


def local_left_out(ctx: PackContext) -> str:
    """Why a local section is empty: the pack's one line for it."""
    return ctx.local_reason or f"No local figures for {ctx.la.name} for {ctx.quarter.label}."


def pack_section(ctx: PackContext, id: str, title: str, blocks: list[Block], intro: str = "",
                 appendix: bool = False) -> Section:
    """A section with the spec's title / intro overrides applied."""
    over = ctx.spec.overrides.get(id) if ctx.spec is not None else None
    if over is not None:
        title = over.title or title
        intro = over.intro if over.intro is not None else intro
    return Section(id=id, title=title, blocks=tuple(blocks), intro=intro, appendix=appendix)


def measures_word(ctx: PackContext, n: int | None = None) -> str:
    """What the LA's papers call its measures with a status: "contract measures" for Doncaster
    (its contract with the Trust), "measures" elsewhere; singular when ``n`` is 1."""
    measures = local_measures_of(ctx)
    noun = measures.measure_noun if measures is not None else "measure"
    return noun if n == 1 else noun + "s"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 measure", "3 measures": never "measure(s)"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
