"""Quoted figures checked (the ``quoted`` section, appendix): the benchmarks the LA's earlier
reports quoted, each beside the published figure it should match (the comparison itself is
:func:`analysis.quarterly_pack.quoted.quoted_vs_computed`)."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Column, Note, Section, Table
from analysis.data.periods import Quarter, as_quarter
from analysis.quarterly_pack.context import PackContext, pack_paths, pack_section
from analysis.quarterly_pack.local_tables import published_code


def quoted_by(quoted: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The quotes of reports for ``quarter`` or earlier: a pack sets beside its figures only
    what had been quoted by then (the 2018 report's quotes are not in a 2017-18 Q1 pack)."""
    if quoted.empty:
        return quoted
    keep = [as_quarter(p) <= quarter for p in quoted["report_period"]]
    return quoted[keep].reset_index(drop=True)


def _measure_names(ctx: PackContext, quoted: pd.DataFrame) -> list[str]:
    """What each quote is about: the DfE indicator it stands beside, else the measure as the
    papers name it (the care proceedings' duration has no DfE indicator), else ""."""
    from analysis.quarterly_pack.wording import plain_label

    labels = dict(zip(ctx.local["indicator_code"], ctx.local["indicator_label"], strict=True)) \
        if not ctx.local.empty else {}
    return [ctx.catalogue.get(i).label if isinstance(i, str) else plain_label(labels.get(code, ""))
            for i, code in zip(quoted["indicator"], quoted["indicator_code"], strict=True)]


def quoted_section(ctx: PackContext) -> Section:
    """Benchmarks the LA's own earlier reports quoted, each beside the published figure it
    should match, with any difference explained (appendix; left out where there are none)."""
    from analysis.quarterly_pack.quoted import quoted_vs_computed

    quoted = quoted_by(quoted_vs_computed(ctx.la, pack_paths(ctx)), ctx.quarter)
    names = _measure_names(ctx, quoted)
    quoted = quoted[[n != "" for n in names]]
    names = [n for n in names if n]
    if quoted.empty:
        return pack_section(ctx, "quoted", "Quoted figures checked",
                            [Note("left_out", f"No benchmarks quoted in {ctx.la.name}'s reports up to "
                                              f"{ctx.quarter.label} to check.")],
                            appendix=True)
    def figure(value: object, rank: object) -> str:
        bits = [] if pd.isna(value) else [f"{float(value):g}"]  # type: ignore[arg-type]
        bits += [] if rank is None or pd.isna(rank) or not str(rank) else [f"rank {rank}"]
        return ", ".join(bits)

    frame = quoted.drop(columns=["source"]).assign(
        measure=names,
        comparator=quoted["comparator"].map(
            {"la_outturn": ctx.la.name, "england": "England", "region": "Region",
             "statistical_neighbours": "Neighbours' average"}).fillna(quoted["comparator"]),
        quoted=[figure(v, r) for v, r in zip(quoted["quoted_value"], quoted["quoted_rank"], strict=True)],
        published=[figure(v, r) for v, r in zip(quoted["computed_value"], quoted["computed_rank"],
                                                 strict=True)],
        agrees=quoted["agrees"].map({True: "yes", False: "no"}).fillna(""),
        published_code=[published_code(ctx, c) for c in quoted["indicator_code"]])
    table = Table(
        name="quoted_benchmarks", frame=frame,
        caption=f"Benchmarks quoted in {ctx.la.name}'s reports up to {ctx.quarter.label} beside the "
                f"published figures",
        source="Sources: the LA's published reports; DfE's published statistics.",
        columns=(Column("measure", "Measure"), Column("comparator", "Figure for"),
                 Column("benchmark_year", "Year"), Column("quoted", "Quoted"),
                 Column("published", "Published"), Column("agrees", "Agrees"),
                 Column("explanation", "Explanation"),
                 Column("quoted_value", "Quoted value", kind="number", display=False),
                 Column("computed_value", "Published value", kind="number", display=False),
                 Column("quoted_rank", "Quoted rank", display=False),
                 Column("computed_rank", "Published rank", display=False),
                 Column("published_code", "Local code", display=False),
                 Column("report_period", "Report period", display=False)))
    return pack_section(ctx, "quoted", "Quoted figures checked", [table], appendix=True)
