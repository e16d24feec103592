"""The published indicators at a glance (the ``benchmarks`` section): one row per DfE indicator
with the comparators, rank, band, change since the year before and the judgements, and a
chart of every indicator against England."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Block, Column, Note, Section, Table
from analysis.engine.judgement import judgement_cell
from analysis.engine.ranking import rank_text
from analysis.quarterly_pack.context import PackContext, pack_section
from analysis.quarterly_pack.evidence import latest_figures
from analysis.quarterly_pack.wording import (
    SMALL_NUMBER,
    children_text,
    download_number,
    latest_sentences,
    unit_words,
)


def overview_source(ctx: PackContext) -> str:
    """Source line of a chart that spans the pack's indicators (several DfE releases)."""
    return (f"Source: DfE children in need, looked-after children, workforce and youth justice "
            f"statistics (LAIT and Explore Education Statistics); for each indicator the latest "
            f"year published by the end of {ctx.quarter.label}. Open Government Licence v3.0.")


BENCHMARKS_INTRO = ("The latest published figure for each indicator with the comparators, the national "
                    "rank (1 = best) and quartile band (A = best quarter), and the change since the year "
                    "before. The judgement says whether the LA is better, similar or worse than England, "
                    "the region and the neighbours once chance is allowed for (95% confidence); 'higher' or "
                    "'lower' where neither is better; 'not compared' where DfE publishes no counts. Where "
                    "fewer than 10 children are behind a percentage, one child more or less moves it a lot.")


def benchmarks_frame(ctx: PackContext) -> pd.DataFrame:
    """The at-a-glance rows: one per indicator, numbers kept, value text with the
    catalogue's decimals (each row has its own unit)."""
    rows = []
    for _, r in ctx.latest.iterrows():
        ind = ctx.catalogue.get(r["indicator"])
        fmt = lambda v, ind=ind: "" if pd.isna(v) else ind.format_value(float(v))  # noqa: E731
        prev = r.get("previous_value")
        rows.append({
            "indicator": r["indicator"], "label": ind.label,
            "year": f"{r['period']} (over two years old)" if bool(r.get("stale", False)) else r["period"],
            "unit": ind.unit, "unit_text": unit_words(ind.unit), "decimals": ind.decimals,
            "value": download_number(r["value"]), "value_text": fmt(r["value"]), "children": children_text(r),
            # why a figure is blank, in DfE's symbol ("c": hidden to protect small numbers)
            "value_reason": None if pd.notna(r["value"]) or r.get("status") in (None, "published")
            else r.get("status"),
            "small": bool(ind.unit == "percent" and pd.notna(r.get("ci_denominator"))
                          and r["ci_denominator"] < SMALL_NUMBER),
            "england": download_number(r["england"]), "england_text": fmt(r["england"]),
            "region": download_number(r["region"]), "region_text": fmt(r["region"]),
            "sn_mean": download_number(r["sn_mean"]), "sn_text": fmt(r["sn_mean"]),
            "rank": rank_text(r.get("rank"), r.get("of"), r.get("rank_kind", "rank"), r.get("rank_from_highest")),

            "band": "" if pd.isna(r.get("quartile")) else str(r["quartile"]),
            "direction": None if pd.isna(prev) or r.get("direction") in (None, "no comparison") else r["direction"],
            "previous_text": fmt(prev),
            "judgement": judgement_cell([str(r.get(c)) for c in ("vs_england", "vs_region", "vs_neighbours")]),
            "previous_value": download_number(prev),
            **{c: download_number(r.get(c)) for c in _GLANCE_DOWNLOADS},
        })
    frame = pd.DataFrame(rows)
    frame["sentence"] = latest_sentences(ctx).to_numpy()
    return frame


#: Figures the at-a-glance table keeps for download (CSV/XLSX) beside what it shows, with
#: their headings there.
_GLANCE_DOWNLOADS: dict[str, str] = {
    "numerator": "DfE's published count", "denominator": "DfE's published denominator",
    "numerator_rounding": "Count rounded by DfE to the nearest",
    "denominator_rounding": "Denominator rounded by DfE to the nearest",
    "ci_numerator": "Children (count used)", "ci_denominator": "Children (denominator used)",
    "ci_low": "Interval low", "ci_high": "Interval high", "level": "Confidence level",
    "vs_england": "Against England", "vs_region": "Against the region",
    "vs_neighbours": "Against the neighbours",
    "gap_children_england": "Gap in children to England's rate",
    "gap_children_neighbours": "Gap in children to the neighbours' average",
}


#: The kinds of the download-only figures that are not plain numbers: DfE's counts (whole, with
#: "c" where DfE hid them) and the judgements (words).
_GLANCE_KINDS = {"numerator": "count", "denominator": "count", "numerator_rounding": "count",
                 "denominator_rounding": "count", "vs_england": "text", "vs_region": "text",
                 "vs_neighbours": "text"}


def _measure_column(key: str, label: str) -> Column:
    """A column of figures in each row's own unit and catalogue decimals."""
    return Column(key, label, kind="number", unit_key="unit", decimals_key="decimals")


#: What "c" means where the published table hides a figure, said under the table.
HIDDEN_NOTE = ("c: not published by DfE, to protect small numbers (DfE's symbol for a hidden "
               "figure).")


def _explain_hidden(table: Table) -> Table:
    """``table`` with :data:`HIDDEN_NOTE` under it where it shows a "c"."""
    from dataclasses import replace

    from analysis.render.formats import shows_hidden

    return replace(table, notes=(*table.notes, HIDDEN_NOTE)) if shows_hidden(table.frame, table.columns) \
        else table


def benchmarks_section(ctx: PackContext) -> Section:
    """The published indicators at a glance (a real table) and every indicator against England."""
    from analysis.charts.benchmark import comparators_overview_chart

    frame = benchmarks_frame(ctx)
    table = Table(
        name="at_a_glance", frame=frame, caption=f"Published indicators for {ctx.la.name}, latest year by "
                                                 f"the end of {ctx.quarter.label}",
        source=overview_source(ctx),
        columns=(Column("label", "Indicator"), Column("year", "Year"),
                 _measure_column("value", ctx.la.name), Column("children", "Children"),
                 _measure_column("england", "England"), _measure_column("region", "Region"),
                 _measure_column("sn_mean", "Neighbours"), Column("rank", "Rank"),
                 Column("band", "Band"),
                 Column("direction", "Since last year", kind="direction"),
                 Column("judgement", "England / region / neighbours"),
                 Column("indicator", "Indicator id", display=False, download=False),
                 Column("unit", "Unit", display=False, download=False),
                 Column("unit_text", "Unit", display=False),
                 Column("previous_value", "Year before", kind="number", display=False),
                 *(Column(c, label, kind=_GLANCE_KINDS.get(c, "number"), display=False)  # type: ignore[arg-type]
                   for c, label in _GLANCE_DOWNLOADS.items()),
                 Column("sentence", "Sentence", display=False)),
        figures=tuple(latest_figures(ctx).values()))
    table = _explain_hidden(table)
    blocks: list[Block] = [table]
    with_england = ctx.latest[ctx.latest["england"].notna() & ctx.latest["value"].notna()]
    if len(with_england):
        blocks.append(comparators_overview_chart(with_england, source=overview_source(ctx)))
    blocks += ctx.stale
    missing = ctx.latest.loc[ctx.latest["england"].isna(), "label"].tolist()
    if missing:
        blocks.append(Note("missing", "Not in the chart (no England figure published): " + ", ".join(missing) + "."))
    return pack_section(ctx, "benchmarks", "How the published indicators compare", blocks, BENCHMARKS_INTRO)
