"""Page 1 of the quarterly pack (the ``cover`` section): the key messages (contract measures
outside tolerance or worse than last quarter, with the count of measures by status, where the
LA's typed return gives figures; measures computed from its returns worse than last quarter
and a year before, with their count; published indicators worse than England, the region or
the neighbours, or worse than the year before),
and the facts printed in every format's header (:func:`pack_meta`: LA, period, date made and
the data sources with their dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from analysis.core.blocks import Block, Note, Section, Text
from analysis.quarterly_pack.computed import WORSE
from analysis.quarterly_pack.context import (
    PackContext,
    is_computed,
    local_document,
    measures_word,
    pack_paths,
    pack_section,
)
from analysis.quarterly_pack.local_tables import profile_frame, quarterly_report
from analysis.quarterly_pack.wording import children_text

_STATUS_WORDS = {"outside_tolerance": "outside tolerance", "inside_tolerance": "inside tolerance",
                 "on_target": "on or better than target", "no_target": "no target",
                 "no_value": "no figure"}


def _comparator_phrase(row: pd.Series, judgement: str) -> str:
    """ "England (21.9%), the region (21.5%) and statistical neighbours (20.1%)" for the
    comparators judged ``judgement``."""
    ind_fmt = lambda v: _fmt_latest(row, v)  # noqa: E731
    names = []
    for col, value_col, word in (("vs_england", "england", "England"), ("vs_region", "region", "the region"),
                                 ("vs_neighbours", "sn_mean", "statistical neighbours")):
        if row.get(col) == judgement and pd.notna(row.get(value_col)):
            names.append(f"{word} ({ind_fmt(row[value_col])})")
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _fmt_latest(row: pd.Series, value: Any) -> str:
    if value is None or pd.isna(value):
        return "no figure"
    text = f"{float(value):,.{int(row['decimals'])}f}"
    return text + ("%" if row["unit"] == "percent" else "")


def benchmark_messages(ctx: PackContext) -> list[str]:
    """One line per DfE indicator worse than England, the region or the neighbours (at the
    pack's confidence), or worse than the year before."""
    lines = []
    for _, row in ctx.latest.iterrows():
        worse = _comparator_phrase(row, "worse")
        worsened = row.get("direction") == "worsened" and pd.notna(row.get("previous_value"))
        if not worse and not worsened:
            continue
        children = children_text(row)
        text = f"**{row['label']}**: {_fmt_latest(row, row['value'])}"
        text += f" ({children})" if children else ""
        text += f" in {row['period']}"
        bits = []
        if worse:
            bits.append(f"worse than {worse}")
        if pd.notna(row.get("rank")) and pd.notna(row.get("of")) and row.get("rank_kind", "rank") == "rank":
            band = f", band {row['quartile']}" if pd.notna(row.get("quartile")) else ""
            bits.append(f"ranked {int(row['rank'])} of {int(row['of'])}{band}")
        if worsened:
            bits.append(f"worse than the year before ({_fmt_latest(row, row['previous_value'])})")
        lines.append(text + ", " + "; ".join(bits) + ".")
    return lines


def local_messages(ctx: PackContext) -> list[str]:
    """One line per contract measure outside tolerance or worse than last quarter."""
    if not ctx.has_local:
        return []
    prof = profile_frame(ctx, ("contract",))
    lines = []
    for r in prof.itertuples(index=False):
        outside = r.status == "outside_tolerance"
        worsened = r.direction in WORSE
        if not outside and not worsened:
            continue
        text = f"**{r.measure}**: "
        if r.value_text:
            text += r.value_text
            if r.target_text:
                text += f" against a target of {r.target_text}"
        else:
            text += "no figure given"
        bits = []
        by_status = r.direction == "status worsened"
        if outside:
            bits.append("outside tolerance" + (" (as reported)" if r.status_basis else "")
                        + (", a worse status than last quarter's" if by_status else ""))
        if worsened and not (outside and by_status):
            bits.append("a worse status than last quarter's" if by_status else "worse than last quarter")
        lines.append(text + ", " + " and ".join(bits) + ".")
    return lines


def status_counts(ctx: PackContext) -> dict[str, int]:
    """Contract measures by status (worst first), only statuses that occur."""
    if not ctx.has_local:
        return {}
    summary = quarterly_report(ctx)["summary"]
    total = summary[summary["area"] == "Total"]
    if total.empty:
        return {}
    row = total.iloc[0]
    return {s: int(row[s]) for s in _STATUS_WORDS if s in row and int(row[s])}


def data_sources(ctx: PackContext) -> str:
    """The data behind the pack and their dates: the local return; each DfE release with the
    year shown and when that year was first published (on or before the quarter's end, or
    plainly marked as later); then the releases the figures are taken from, with their dates
    (often later releases, which hold the whole series)."""
    from analysis.data.publications import load_publications, published_text
    from analysis.data.sources import figure_files, taken_from

    paths = pack_paths(ctx)
    pubs = load_publications(paths.config)
    shown = ctx.latest.dropna(subset=["year"])
    years = dict(zip(shown["indicator"], shown["year"].astype(int), strict=True))
    periods = dict(zip(shown["indicator"], shown["period"], strict=True))
    document = local_document(ctx)
    parts = [f"{document[:1].upper()}{document[1:]}, {ctx.quarter.label}"] if ctx.has_local else []
    files: list[str] = []
    for release in pubs.releases.values():
        used = [i for i in release.indicators if i in years]
        if not used:
            continue
        year = max(years[i] for i in used)
        period = next(periods[i] for i in used if years[i] == year)
        when = release.published.get(year)
        text = f"{release.short_title} {period}"
        if when is not None:
            text += f", first published {published_text(when)}"
            if when.date > ctx.quarter.end:
                text += f" (after the end of {ctx.quarter.label})"
        parts.append(text)
        for ind in used:
            files += figure_files(ctx.catalogue.get(ind), years[ind], paths)
    if files:
        parts.append("figures as they stand in " + taken_from(files, paths, pubs))
    return "; ".join(parts)


def pack_meta(ctx: PackContext) -> dict[str, str]:
    """The facts printed on page 1 and in every format's header: LA, period, date made and
    the data sources with their dates."""
    today = dt.date.today()
    return {"la": f"{ctx.la.name} ({ctx.la.region_name})", "period": ctx.quarter.label,
            "made": f"{today.day} {today:%B %Y}", "sources": data_sources(ctx)}


COVER_INTRO = ("What to ask about first: the measures outside tolerance or worse than last quarter, "
               "and the published indicators worse than England, the region or the statistical "
               "neighbours (allowing for chance) or worse than the year before. Published figures are "
               "the latest DfE statistics out by the end of the quarter.")
#: Page 1's introduction where the local figures are all computed from the LA's returns.
COMPUTED_INTRO = ("What to ask about first: the measures computed from the LA's returns that are worse "
                  "than last quarter and worse than a year before, and the published indicators worse "
                  "than England, the region or the statistical neighbours (allowing for chance) or worse "
                  "than the year before. Published figures are the latest DfE statistics out by the end "
                  "of the quarter.")


def has_typed_figures(ctx: PackContext) -> bool:
    """Whether the LA's typed return gives a figure or a status for the quarter (not only
    measures computed from its returns)."""
    if not ctx.has_local:
        return False
    local = ctx.local
    here = local[(local["period"] == ctx.quarter.label) & ~is_computed(local)]
    return bool((here["value"].notna() | here["reported_status"].notna()).any())


def _computed_blocks(ctx: PackContext) -> list[Block]:
    """The count of the measures computed from the returns and the ones to ask about."""
    from analysis.quarterly_pack.computed import computed_frame, computed_messages, computed_summary

    if computed_frame(ctx).empty:
        return []
    blocks: list[Block] = [Text(computed_summary(ctx))]
    asks = computed_messages(ctx)
    if asks:
        blocks.append(Text("**Computed measures to ask about**\n\n" + "\n".join(f"- {m}" for m, _ in asks),
                           figures=tuple(f for _, f in asks)))
    else:
        blocks.append(Text("No measure computed from the returns is worse than both last quarter and a "
                           "year before."))
    return blocks


def cover_section(ctx: PackContext) -> Section:
    """Page 1: the facts about the pack, then the key messages and the count by status."""
    blocks: list[Block] = []
    typed = has_typed_figures(ctx)
    counts = status_counts(ctx) if typed else {}
    local = local_messages(ctx) if typed else []
    bench = benchmark_messages(ctx)
    if counts:
        total = sum(counts.values())
        blocks.append(Text(f"**{total} {measures_word(ctx, total)} this quarter:** "
                           + ", ".join(f"{n} {_STATUS_WORDS[s]}" for s, n in counts.items()) + "."))
    if local:
        blocks.append(Text("**Local measures to ask about**\n\n" + "\n".join(f"- {m}" for m in local)))
    elif typed:
        blocks.append(Text(f"No {measures_word(ctx, 1)} is outside tolerance or worse than last quarter."))
    blocks += _computed_blocks(ctx)
    if bench:
        blocks.append(Text("**Published indicators to ask about**\n\n" + "\n".join(f"- {m}" for m in bench)))
    else:
        blocks.append(Text("No published indicator is worse than England, the region or the neighbours, "
                           "or worse than the year before."))
    blocks += [Note("missing", note) for note in ctx.notes]  # old figures: beside the benchmarks
    intro = COMPUTED_INTRO if ctx.records_source and not typed else COVER_INTRO
    return pack_section(ctx, "cover", "Key messages", blocks, intro)
