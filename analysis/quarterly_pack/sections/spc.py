"""Statistical process control (the ``spc`` section): an XmR chart of each local measure with
at least six quarters of figures, with its variation and assurance in words."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Block, Note, Section, Text
from analysis.data.catalogue import Polarity
from analysis.quarterly_pack.context import (
    PackContext,
    counted,
    is_computed,
    local_document,
    local_left_out,
    pack_section,
)
from analysis.quarterly_pack.local_tables import chart_slug, quarterly_series
from analysis.quarterly_pack.wording import plain_label

#: An SPC (XmR) chart of a local measure needs at least this many quarters with a value.
#: Limits from fewer than 12 points are trial limits and are marked so on the chart.
MIN_SPC_POINTS = 6

#: The SPC icons (NHS "Making Data Count") in words.
SPC_WORDS: dict[str, str] = {
    "special_cause_improving": "special cause, improving",
    "special_cause_concerning": "special cause, concerning",
    "special_cause_neither": "special cause (the measure has no better or worse direction)",
    "common_cause": "common cause (ordinary variation)",
    "consistently_passes": "will consistently meet the target",
    "hit_and_miss": "hit and miss: the target lies inside the process limits",
    "consistently_fails": "will consistently miss the target unless the process changes",
    "no_target": "no target to judge against",
}

SPC_INTRO = ("Each local measure with at least six quarters of figures, on an XmR chart: is the latest "
             "quarter a signal or ordinary variation, and will the measure meet its target reliably?")


def spc_blocks(series: pd.DataFrame, *, source: str, synthetic: bool = False,
               min_points: int = MIN_SPC_POINTS) -> list[Block]:
    """XmR charts (with variation and assurance in words) of each measure with enough
    quarters, or ONE note line when none has.

    ``series``: one row per measure and quarter with indicator_code, label, unit, polarity,
    period, quarter_order, value and target (as :func:`quarterly_series` gives).
    """
    from analysis.charts.statistics import xmr_chart_block
    from analysis.engine.spc import xmr_table

    blocks: list[Block] = []
    taken: set[str] = set()
    short: list[tuple[int, str]] = []
    for code, rows in series.groupby("indicator_code", sort=False):
        rows = rows.sort_values("quarter_order").dropna(subset=["value"])
        if len(rows) < min_points:
            short.append((len(rows), str(rows["label"].iloc[0]) if len(rows) else str(code)))
            continue
        first = rows.iloc[-1]
        polarity: Polarity = ("higher_is_better" if first["polarity"] == "higher_is_better" else
                              "lower_is_better" if first["polarity"] == "lower_is_better" else "none")
        target = float(first["target"]) if pd.notna(first.get("target")) else None
        frame = rows.assign(period=pd.Categorical(rows["period"], categories=rows["period"], ordered=True))
        table = xmr_table(frame[["period", "value"]], polarity=polarity, target=target)
        table["period"] = table["period"].astype(str)
        unit = str(first["unit"])
        slug = chart_slug(rows, taken)
        blocks.append(xmr_chart_block(table, name=f"spc_{slug}", source=source, synthetic=synthetic, unit=unit,
                                      decimals=0 if unit == "count" else 1, polarity=polarity, target=target,
                                      title=f"{plain_label(first['label'])}: statistical process control"))
        latest = table.iloc[-1]
        blocks.append(Text(f"**Variation:** {SPC_WORDS[latest['variation_icon']]}. "
                           f"**Assurance:** {SPC_WORDS[latest['assurance_icon']]}."))
    if not blocks:
        longest = max(short) if short else (0, "")
        tail = f"; the longest so far has {longest[0]}" if longest[0] else ""
        return [Note("left_out", f"No SPC chart yet: no measure has {min_points} quarters of figures{tail}.")]
    if short:
        blocks.append(Note("left_out", f"{counted(len(short), 'other measure has', 'other measures have')} fewer "
                                       f"than {min_points} quarters of figures, too few for process limits."))
    return blocks


def spc_section(ctx: PackContext) -> Section:
    """SPC charts of local measures with enough quarters, or one note line."""
    if not ctx.has_local:
        return pack_section(ctx, "spc", "Statistical process control",
                            [Note("left_out", local_left_out(ctx))])
    series = quarterly_series(ctx)
    blocks = spc_blocks(series, source=f"Source: {local_document(ctx, series)}, to {ctx.quarter.label}.",
                        synthetic=ctx.synthetic and bool(is_computed(series).any()))
    return pack_section(ctx, "spc", "Statistical process control", blocks, SPC_INTRO)
