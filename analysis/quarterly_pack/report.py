"""The quarterly pack as a value: its context, its section registry and the pack itself.

:func:`build_pack_context` works out everything the pack shows for one LA and quarter (the
:class:`~analysis.quarterly_pack.context.PackContext`); the builders in :data:`QUARTERLY_SECTIONS`
(one module per section in ``analysis/quarterly_pack/sections/``) turn it into
:class:`~analysis.core.blocks.Section` values and write nothing; :func:`quarterly_pack` puts the
sections ``config/packs/quarterly.yaml`` names, in its order, into a
:class:`~analysis.core.blocks.Pack`. Renderers (``analysis.render``) turn the pack into notebook
display, files, HTML, PDF and Word.

The context is built here rather than in ``context.py`` because it loads the spec, which is
checked against this registry: the sections import ``context.py``, so it must not import them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from analysis.core.blocks import Note, Pack, Section, SectionBuilder
from analysis.core.config import Paths
from analysis.data.catalogue import Catalogue, load_catalogue
from analysis.data.geography import LocalAuthority
from analysis.data.periods import Quarter, check_supported_quarter, financial_year_label
from analysis.data.publications import load_publications
from analysis.engine.benchmark import benchmark_table, latest_rows, load_benchmarks, rank_all_once
from analysis.engine.judgement import judge_table
from analysis.engine.narrative import sentences
from analysis.quarterly_pack.context import (
    PackContext,
    check_pack_has_data,
    indicator_years,
    latest_published_year,
    local_returns,
    pack_paths,
)
from analysis.quarterly_pack.missing import missing_figure_notes, no_england_notes, unique
from analysis.quarterly_pack.sections.benchmarks import benchmarks_section
from analysis.quarterly_pack.sections.cover import cover_section, pack_meta
from analysis.quarterly_pack.sections.headline import headline_section
from analysis.quarterly_pack.sections.indicators import indicator_detail_section, indicator_section
from analysis.quarterly_pack.sections.profile import profile_section
from analysis.quarterly_pack.sections.quoted import quoted_section
from analysis.quarterly_pack.sections.spc import spc_section
from analysis.quarterly_pack.sections.trends import quarterly_detail_section, quarterly_section
from analysis.quarterly_pack.spec import PackSpec, load_pack_spec

#: The quarterly pack's specification: sections in order, indicators, headline.
PACK_SPEC = "quarterly.yaml"

#: The confidence level of the pack's better / similar / worse judgements.
PACK_LEVEL = 0.95

#: A latest figure for a year more than this many years before the quarter's is flagged stale.
STALE_YEARS = 2


def build_pack_context(la: LocalAuthority, quarter: Quarter, *, neighbours: str | None = None,
                       indicators: list[str] | None = None, paths: Paths | None = None,
                       records: str | Path | None = None) -> PackContext:
    """Compute the pack's benchmark tables for an LA and quarter (resolved by the caller).

    ``records``: a folder of the LA's CIN census and SSDA903 returns; the measures computed
    from them join the local sections (beside any typed local return, each with its source)."""
    paths = paths or Paths.for_root()
    quarter = check_supported_quarter(quarter)
    local = local_returns(la, paths)
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    computed = None
    if records is not None:
        from analysis.measures.returns.pack_table import computed_local

        computed = computed_local(la, quarter, records, paths, catalogue, table)
        # The typed return joins them when it has the quarter (both shown, each with its
        # source); a typed return of other years only would fill the sections with old series.
        typed_here = not local.empty and (local["period"] == quarter.label).any()
        local = pd.concat([local, computed.table], ignore_index=True) if typed_here else computed.table
    check_pack_has_data(la, quarter, paths, local)
    spec = load_quarterly_spec(paths, catalogue)
    ids = indicators or spec.indicators
    for ind in ids:
        catalogue.get(ind)
    year = latest_published_year(quarter)
    # Each indicator shows the latest year published by the quarter's end (the release dates
    # in config/publications.yaml, as for the quarterly pairing). Indicators with no figure
    # for that year (e.g. a measure LAIT starts later) fall back to their latest year before
    # it; the table says which year each row is.
    cutoff = indicator_years(quarter, ids, paths)
    bench = benchmark_table(table, la, catalogue, indicators=ids, neighbours_version=neighbours,
                            paths=paths, ranked=rank_all_once(table, catalogue))
    # DfE's count rounding comes with the rows (benchmark_rows), as for every product.
    bench = bench[bench["year"] <= bench["indicator"].map(cutoff)]
    # An indicator the LA has no figure for in any year (suppressed, small LA) stays in the
    # pack, blank and "not compared".
    latest = latest_rows(bench, [i for i in ids if i in set(bench["indicator"])], keep_blank=True)
    latest = judge_table(latest, catalogue, level=PACK_LEVEL)
    latest["sentence"] = sentences(latest)
    # A latest figure more than two years older than the quarter's year is flagged in its row.
    latest["stale"] = (quarter.year - latest["year"]) > STALE_YEARS
    notes: list[str] = []
    reason = local_reason(la, quarter, local)
    if reason:
        notes.append(reason)
        local = local.iloc[0:0]
    shown = set(latest["indicator"])
    missing = missing_figure_notes(table, catalogue, [i for i in ids if i not in shown], cutoff,
                                   quarter=quarter, publications=load_publications(paths.config))
    notes += [n.message for n in missing] + [n.message for n in no_england_notes(latest)]
    older = [Note("stale", f"{row.label}: latest figure published by the end of {quarter.label} is for "
                           f"{row.period}, not {financial_year_label(year)}"
                           + (" (more than two years old)." if row.stale else "."), row.indicator)
             for row in latest[latest["year"] < year].itertuples()]
    if computed is not None:
        notes += list(computed.notes)
    return PackContext(la, quarter, year, catalogue, ids, table, bench, latest, local, unique(notes),
                       missing, older, spec=spec, paths=paths, local_reason=reason,
                       records_source=computed.source if computed is not None else "",
                       synthetic=computed.synthetic if computed is not None else False)


def local_reason(la: LocalAuthority, quarter: Quarter, local: pd.DataFrame) -> str:
    """The one line saying why the pack has no local sections, or "" when it has them."""
    from analysis.measures.local_status import month_rows_in, quarter_rows

    if local.empty:
        return f"No local measures: there is no quarterly return for {la.name} in this toolkit."
    if not quarter_rows(local, quarter).empty:
        return ""
    months = month_rows_in(local, quarter)
    only = ""
    if not months.empty:
        named = sorted({dt.date(int(p[:4]), int(p[5:]), 1).strftime("%B %Y") for p in months["period"]})
        only = f" (only {'a figure' if len(months) == 1 else 'figures'} for {' and '.join(named)})"
    return f"No local measures: {la.name}'s return has no figures for {quarter.label}{only}."


# --- the spec and the title ---------------------------------------------------------------

def load_quarterly_spec(paths: Paths, catalogue: Catalogue | None = None) -> PackSpec:
    """``config/packs/quarterly.yaml``, checked against the section registry and catalogue."""
    catalogue = catalogue or load_catalogue(paths.config / "indicators.yaml")
    return load_pack_spec(paths.config / "packs" / PACK_SPEC, QUARTERLY_SECTION_NAMES, catalogue)


def pack_title(ctx: PackContext) -> str:
    """The pack's title ("SYNTHETIC DATA: " in front when its local figures are computed
    from synthetic returns)."""
    prefix = "SYNTHETIC DATA: " if ctx.synthetic else ""
    if ctx.spec is not None and ctx.spec.title:
        return prefix + ctx.spec.title.format(la=ctx.la.name, period=ctx.quarter.label)
    return f"{prefix}{ctx.la.name}: children's social care performance, {ctx.quarter.label}"


# --- the pack ---------------------------------------------------------------------------------------

#: Section builders by the name config/packs/quarterly.yaml uses.
QUARTERLY_SECTIONS: dict[str, SectionBuilder] = {
    "cover": cover_section,
    "profile": profile_section,
    "benchmarks": benchmarks_section,
    "quarterly": quarterly_section,
    "spc": spc_section,
    "headline": headline_section,
    "indicator_detail": indicator_detail_section,
    "quarterly_detail": quarterly_detail_section,
    "quoted": quoted_section,
}
QUARTERLY_SECTION_NAMES = tuple(QUARTERLY_SECTIONS)


def quarterly_sections(ctx: PackContext) -> Iterator[Section]:
    """The spec's sections in order, each built when it is asked for; the indicator detail
    section is followed by one section per indicator."""
    from analysis.quarterly_pack.context import local_measures_of
    from analysis.quarterly_pack.missing import council_codes, with_indicator_names

    spec = ctx.spec or load_quarterly_spec(pack_paths(ctx), ctx.catalogue)
    codes = council_codes(local_measures_of(ctx))
    for name in spec.sections:
        yield with_indicator_names(QUARTERLY_SECTIONS[name](ctx), ctx.catalogue, codes)
        if name == "indicator_detail":
            yield from (with_indicator_names(indicator_section(ctx, i), ctx.catalogue, codes)
                        for i in ctx.latest["indicator"])


def quarterly_pack(ctx: PackContext, on_section: Callable[[Section], object] | None = None) -> Pack:
    """The quarterly pack: the spec's sections in order (the indicator detail section is
    followed by one appendix section per indicator). Writes nothing.

    ``on_section`` is called with each section as soon as it is built (a notebook passes
    :func:`analysis.render.output.draw_ahead`, so that its charts are drawn while the rest is built)."""
    sections: list[Section] = []
    for section in quarterly_sections(ctx):
        if on_section is not None:
            on_section(section)
        sections.append(section)
    core = [s for s in sections if not s.appendix]
    appendix = [s for s in sections if s.appendix]
    return Pack(title=pack_title(ctx), meta=pack_meta(ctx), sections=tuple(core + appendix),
                synthetic=ctx.synthetic)
