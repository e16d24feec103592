"""Each indicator in detail (the appendix): the ``indicator_detail`` opening section, then one
section per indicator with its sentence, its neighbours ranked and its trend over the years."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Block, Note, Section, Text
from analysis.data.sources import source_line
from analysis.quarterly_pack.context import PackContext, counted, pack_paths, pack_section
from analysis.quarterly_pack.evidence import latest_figures
from analysis.quarterly_pack.wording import latest_sentences


def indicator_section(ctx: PackContext, indicator: str) -> Section:
    """Appendix: one indicator's sentence, its neighbours ranked and its trend over the years
    (only with at least three years; otherwise a note saying what is missing)."""
    from analysis.charts.benchmark import neighbours_ranked_chart
    from analysis.charts.trends import MIN_TREND_YEARS, annual_trend_chart, trend_years
    from analysis.engine.benchmark import neighbour_values

    row = ctx.latest[ctx.latest["indicator"] == indicator].iloc[0]
    ind = ctx.catalogue.get(indicator)
    source = source_line(ind, row["period"], pack_paths(ctx))
    figure = latest_figures(ctx).get(indicator)
    blocks: list[Block] = [Text(latest_sentences(ctx).loc[row.name], figures=(figure,) if figure else ())]
    nb = neighbour_values(ctx.table, ctx.la, indicator, int(row["year"]),
                          neighbours_version=row.get("sn_version") if pd.notna(row.get("sn_version")) else None)
    if nb["value"].notna().any():
        blocks.append(neighbours_ranked_chart(nb, ind, name=f"{indicator}_neighbours", source=source,
                                              england=row["england"], sn_mean=row["sn_mean"], period=row["period"]))
    else:
        blocks.append(Note("missing", f"No neighbour figures for {ind.label} in {row['period']}.", indicator))
    series = ctx.bench[ctx.bench["indicator"] == indicator]
    years = trend_years(series)
    if years >= MIN_TREND_YEARS:
        blocks.append(annual_trend_chart(series, ind, name=f"{indicator}_trend", source=source))
    else:
        have = ", ".join(str(p) for p in series.loc[series["value"].notna(), "period"]) or "none"
        blocks.append(Note("left_out", f"No trend over the years: {ctx.la.name} has a published figure for "
                                       f"{counted(years, 'year')} ({have}), and a trend needs at least "
                                       f"{MIN_TREND_YEARS}.",
                           indicator))
    return Section(id=f"indicator_{indicator}", title=ind.label, blocks=tuple(blocks), intro=ind.definition,
                   appendix=True)


def indicator_detail_section(ctx: PackContext) -> Section:
    """A short appendix opener; the per-indicator sections follow it (see :func:`quarterly_pack`)."""
    return pack_section(ctx, "indicator_detail", "Each indicator in detail",
                        [Text("For each published indicator: what it measures, the sentence the pack writes "
                              "about it, the LA among its statistical neighbours, and the trend over the years "
                              "where there are at least three years of figures.")], appendix=True)
