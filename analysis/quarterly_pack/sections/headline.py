"""The headline indicator in detail (the ``headline`` section): the LA against England, the
region and the neighbours, every LA ranked, and the funnel plot (or why there is none)."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Block, Note, Section, Text
from analysis.data.sources import source_line
from analysis.engine.funnel_words import funnel_line
from analysis.engine.funnels import try_funnel
from analysis.quarterly_pack.context import PackContext, pack_paths, pack_section
from analysis.quarterly_pack.wording import latest_sentences

HEADLINE_INTRO = ("The headline indicator in more detail: the LA against England, the region and the "
                  "neighbours; every LA in order with the quartile bands; and, where DfE publishes the "
                  "counts, a funnel plot showing whether the difference from England is more than chance.")


def headline_row(ctx: PackContext) -> pd.Series:
    head = ctx.spec.headline if ctx.spec is not None and ctx.spec.headline in set(ctx.latest["indicator"]) \
        else ctx.latest["indicator"].iloc[0]
    return ctx.latest[ctx.latest["indicator"] == head].iloc[0]


def headline_section(ctx: PackContext, overdispersion: str = "none") -> Section:
    """The headline indicator: comparators, every LA ranked, and the funnel plot (or why not)."""
    from analysis.charts.benchmark import all_las_ranked_chart, comparators_bar_chart
    from analysis.charts.statistics import indicator_funnel_chart
    from analysis.engine.benchmark import all_la_values

    head = headline_row(ctx)
    ind = ctx.catalogue.get(head["indicator"])
    source = source_line(ind, head["period"], pack_paths(ctx))
    sentence = latest_sentences(ctx).loc[head.name]
    blocks: list[Block] = [Text(sentence),
                           comparators_bar_chart(head, name=f"{ind.id}_comparators", source=source)]
    values = all_la_values(ctx.table, head["indicator"], int(head["year"]), ctx.catalogue)
    if values["value"].notna().any():
        blocks.append(all_las_ranked_chart(values, ind, ctx.la.old_code, name=f"{ind.id}_all_las", source=source,
                                           england=head["england"], period=head["period"]))
    funnel, why = try_funnel(ctx.table, head, ctx.catalogue, overdispersion)
    if funnel is None:
        blocks.append(Note("left_out", f"No funnel plot for {ind.label}: {why}"))
    else:
        blocks.append(indicator_funnel_chart(funnel, ind, str(head["period"]), ctx.la, name=f"{ind.id}_funnel",
                                   source=source))
        blocks.append(Text(funnel_line(funnel, ctx.la, ind)))
    return pack_section(ctx, "headline", f"Headline indicator: {ind.label}", blocks, HEADLINE_INTRO)
