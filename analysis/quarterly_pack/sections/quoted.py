"""Quoted figures checked (the ``quoted`` section, appendix): the benchmarks the LA's earlier
reports quoted, each beside the published figure it should match (the comparison itself is
:func:`analysis.quarterly_pack.quoted.quoted_vs_computed`)."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Column, Note, Section, Table
from analysis.quarterly_pack.context import PackContext, pack_paths, pack_section


def quoted_section(ctx: PackContext) -> Section:
    """Benchmarks the LA's own earlier reports quoted, each beside the published figure it
    should match, with any difference explained (appendix; left out where there are none)."""
    from analysis.quarterly_pack.quoted import quoted_vs_computed

    quoted = quoted_vs_computed(ctx.la, pack_paths(ctx))
    if quoted.empty:
        return pack_section(ctx, "quoted", "Quoted figures checked",
                            [Note("left_out", f"No earlier quoted benchmarks for {ctx.la.name} to check.")],
                            appendix=True)
    def figure(value: object, rank: object) -> str:
        bits = [] if pd.isna(value) else [f"{float(value):g}"]  # type: ignore[arg-type]
        bits += [] if rank is None or pd.isna(rank) or not str(rank) else [f"rank {rank}"]
        return ", ".join(bits)

    frame = quoted.drop(columns=["source"]).assign(
        measure=[ctx.catalogue.get(i).label if isinstance(i, str) else "no published indicator"
                 for i in quoted["indicator"]],
        comparator=quoted["comparator"].map(
            {"la_outturn": ctx.la.name, "england": "England", "region": "Region",
             "statistical_neighbours": "Neighbours' average"}).fillna(quoted["comparator"]),
        quoted=[figure(v, r) for v, r in zip(quoted["quoted_value"], quoted["quoted_rank"], strict=True)],
        published=[figure(v, r) for v, r in zip(quoted["computed_value"], quoted["computed_rank"],
                                                 strict=True)],
        agrees=quoted["agrees"].map({True: "yes", False: "no"}).fillna(""))
    table = Table(
        name="quoted_benchmarks", frame=frame,
        caption=f"Benchmarks quoted in {ctx.la.name}'s earlier reports beside the published figures",
        source="Sources: the LA's published reports; DfE's published statistics.",
        columns=(Column("measure", "Measure"), Column("comparator", "Figure for"),
                 Column("benchmark_year", "Year"), Column("quoted", "Quoted"),
                 Column("published", "Published"), Column("agrees", "Agrees"),
                 Column("explanation", "Explanation"),
                 Column("quoted_value", "Quoted value", kind="number", display=False),
                 Column("computed_value", "Published value", kind="number", display=False),
                 Column("quoted_rank", "Quoted rank", display=False),
                 Column("computed_rank", "Published rank", display=False),
                 Column("indicator_code", "Local code", display=False),
                 Column("indicator", "Indicator id", display=False),
                 Column("report_period", "Report period", display=False)))
    return pack_section(ctx, "quoted", "Quoted figures checked", [table], appendix=True)
