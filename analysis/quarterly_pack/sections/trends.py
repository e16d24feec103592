"""Quarterly trends: a chart of each local measure with figures for two or more quarters (the
``quarterly`` section), and the return's context figures in the appendix (the
``quarterly_detail`` section)."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Block, Column, Note, Section, Table
from analysis.quarterly_pack.context import (
    PackContext,
    counted,
    is_computed,
    local_left_out,
    local_source,
    pack_section,
    rows_source,
)
from analysis.quarterly_pack.local_tables import (
    benchmark_pairing,
    chart_slug,
    local_decimals,
    profile_frame,
    quarterly_series,
)

#: A quarterly trend chart needs at least this many quarters with a figure: one quarter on
#: its own is in the profile table, not a chart.
MIN_TREND_POINTS = 2

QUARTERLY_INTRO = ("Each measure with figures for at least two quarters so far, placed at its quarter "
                   "on a time axis: a gap in the line is a quarter without a figure. Targets and the "
                   "tolerance band are drawn for each quarter they apply to.")


def _trend_blocks(ctx: PackContext, measure_types: tuple[str, ...]) -> tuple[list[Block], list[str]]:
    from analysis.charts.quarterly import quarterly_trend_chart

    series = quarterly_series(ctx)
    if series.empty:
        return [], []
    series = series[series["measure_type"].isin(measure_types)]
    comps = benchmark_pairing(ctx)
    blocks: list[Block] = []
    taken: set[str] = set()
    short: list[str] = []
    decimals = local_decimals(ctx, series.drop_duplicates("indicator_code"))
    for code, rows in series.groupby("indicator_code", sort=False):
        points = int(rows["value"].notna().sum())
        if points < MIN_TREND_POINTS:
            short.append(str(rows["label"].iloc[0]))
            continue
        comparators = None
        if code in comps.index:
            c = comps.loc[code]
            comparators = {"england": c["england"], "region": c["region"], "sn_mean": c["sn_mean"],
                           "year": c["benchmark_period"]}
        rows = rows.sort_values("quarter_order")
        unit = str(rows["unit"].iloc[0])
        dec = 0 if unit == "count" else decimals.get(str(code))
        slug = chart_slug(rows, taken)
        blocks.append(quarterly_trend_chart(rows, comparators, name=f"quarterly_{slug}",
                                            source=rows_source(ctx, rows),
                                            title=str(rows["label"].iloc[0]), decimals=dec,
                                            synthetic=ctx.synthetic and bool(is_computed(rows).any())))
    return blocks, short


def quarterly_section(ctx: PackContext) -> Section:
    """Trend charts of the contract and volume measures with two or more quarters."""
    if not ctx.has_local:
        return pack_section(ctx, "quarterly", "Quarterly trends",
                            [Note("left_out", local_left_out(ctx))])
    blocks, short = _trend_blocks(ctx, ("contract", "volumetric"))
    if short:
        blocks.append(Note("left_out", f"No trend chart for {counted(len(short), 'measure')} with a figure for "
                                       f"only one quarter so far (or none); the latest figures are in the "
                                       f"profile table."))
    return pack_section(ctx, "quarterly", "Quarterly trends", blocks, QUARTERLY_INTRO)


def _month_figures(ctx: PackContext) -> list[Block]:
    """The figures the LA's papers give for a month within the quarter (seed 004's agency staff
    at the end of November 2013 in 2013-14 Q3), as a table; none when there are none."""
    import datetime as dt

    from analysis.measures.local_status import month_rows_in
    from analysis.quarterly_pack.context import local_returns, pack_paths
    from analysis.quarterly_pack.local_tables import _value_text
    from analysis.quarterly_pack.wording import plain_label

    rows = month_rows_in(local_returns(ctx.la, pack_paths(ctx)), ctx.quarter)
    if rows.empty:
        return []
    frame = pd.DataFrame({
        "measure": rows["indicator_label"].map(plain_label).to_numpy(),
        "month": [dt.date(int(p[:4]), int(p[5:]), 1).strftime("%B %Y") for p in rows["period"]],
        "value": rows["value"].to_numpy(),
        "value_text": [_value_text(v, u, None) for v, u in zip(rows["value"], rows["unit"], strict=True)],
        "unit": rows["unit"].to_numpy()})
    return [Table(name="month_figures", frame=frame, caption=f"Figures for a month within {ctx.quarter.label}",
                  source=f"Source: {ctx.la.name}'s published papers.",
                  columns=(Column("measure", "Measure"), Column("month", "Month"),
                           Column("value_text", "Figure", unit_key="unit", download=False),
                           Column("value", "Figure", kind="number", display=False)))]


def quarterly_detail_section(ctx: PackContext) -> Section:
    """Appendix: the other local figures the return gives (context measures) as a table,
    with trend charts of those with two or more quarters."""
    title = "Other local figures"
    if not ctx.has_local:
        return pack_section(ctx, "quarterly_detail", title,
                            [Note("left_out", local_left_out(ctx)), *_month_figures(ctx)], appendix=True)
    prof = profile_frame(ctx, ("context",))
    blocks: list[Block] = []
    if not prof.empty:
        blocks.append(Table(name="context_measures", frame=prof, caption=f"Context figures, {ctx.quarter.label}",
                            source=local_source(ctx),
                            columns=(Column("measure", "Measure"),
                                     Column("value_text", "Latest", unit_key="unit", decimals_key="decimals", download=False),
                                     Column("value", "Latest", kind="number", display=False, unit_key="unit",
                                            decimals_key="decimals"),
                                     Column("approximate_text", "Approximate", display=False),
                                     Column("published_code", "Code", display=False),
                                     Column("unit", "Unit", display=False, download=False),
                                     Column("unit_text", "Unit", display=False))))
    charts, _ = _trend_blocks(ctx, ("context",))
    blocks += charts
    if not blocks:
        blocks.append(Note("missing", f"The return has no other figures for {ctx.quarter.label}."))
    return pack_section(ctx, "quarterly_detail", title, blocks,
                        "Figures the papers give for context, without targets.", appendix=True)
