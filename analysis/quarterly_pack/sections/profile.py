"""The performance profile (the ``profile`` section): every contract and volume measure of the
quarterly return with its figure, target, status, change since last quarter, and England's
figure, rank and band for the same indicator."""

from __future__ import annotations

import pandas as pd

from analysis.core.blocks import Block, Column, Note, Section, Table, Text
from analysis.quarterly_pack.context import PackContext, local_source, pack_section
from analysis.quarterly_pack.local_tables import PAIRING_NUMBERS, profile_frame, quarterly_report

PROFILE_INTRO = ("Every measure in the quarterly return: the latest figure, its target, its status "
                 "(on or better than target, inside tolerance or outside tolerance), the change "
                 "since last quarter, and England's figure, the rank (1 = best of all LAs) and quartile "
                 "band (A = best) for the same indicator in DfE's latest published year. Where the "
                 "return gave a status but no figure or target, the status is the one reported.")

PROFILE_COLUMNS = (
    Column("area", "Area"),
    Column("measure", "Measure"),
    Column("value", "Latest", kind="number", unit_key="unit", decimals_key="decimals"),
    Column("target", "Target", kind="number", unit_key="unit", decimals_key="decimals"),
    Column("status", "Status", kind="status"),
    Column("status_basis", "Status basis"),
    Column("direction", "Since last quarter", kind="direction"),
    Column("england_value", "England", kind="number", unit_key="unit", decimals_key="benchmark_decimals"),
    Column("rank", "Rank"),
    Column("band", "Band"),
    Column("code", "Code", display=False),
    Column("unit", "Unit", display=False),
    Column("tolerance", "Tolerance", kind="number", display=False),
    Column("benchmark_year", "Benchmark year", display=False),
    *(Column(k, k, kind="number", display=False) for k in PAIRING_NUMBERS if k != "england_value"),
)


def _profile_table(frame: pd.DataFrame, name: str, caption: str, source: str,
                   no_direction_note: str | None) -> Table:
    columns = [c for c in PROFILE_COLUMNS
               if not (c.key == "direction" and no_direction_note is not None)]
    for key in ("england_value", "rank", "band", "status_basis"):
        values = frame[key]
        if not (values.notna() & (values.astype(str) != "")).any():
            columns = [c for c in columns if c.key != key]
    notes = (no_direction_note,) if no_direction_note else ()
    return Table(name=name, frame=frame, columns=tuple(columns), caption=caption, source=source, notes=notes)


def profile_section(ctx: PackContext) -> Section:
    """The performance profile: every contract and volume measure with value, target,
    status (as reported marked so), direction, England's figure, rank and band."""
    if not ctx.has_local:
        return pack_section(ctx, "profile", "Performance profile",
                            [Note("left_out", f"No profile: {ctx.la.name} has no local quarterly figures in "
                                              f"this toolkit.")])
    prof = profile_frame(ctx)
    previous = ctx.quarter.previous().label
    no_dir = None
    if prof.loc[prof["measure_type"] == "contract", "direction"].isna().all():
        no_dir = (f"No figures for {previous} to compare with, so the table has no 'since last "
                  f"quarter' column.")
    contract = prof[prof["measure_type"] == "contract"]
    volumes = prof[prof["measure_type"] != "contract"]
    blocks: list[Block] = [_profile_table(contract, "profile", f"Contract measures, {ctx.quarter.label}",
                                          local_source(ctx), no_dir)]
    summary = quarterly_report(ctx)["summary"]
    if not summary.empty:
        blocks.append(Table(
            name="status_summary", frame=summary, caption=f"Contract measures by status and area, {ctx.quarter.label}",
            source=local_source(ctx),
            columns=(Column("area", "Area"), Column("outside_tolerance", "Outside tolerance", kind="count"),
                     Column("inside_tolerance", "Inside tolerance", kind="count"),
                     Column("on_target", "On target", kind="count"), Column("no_target", "No target", kind="count"),
                     Column("measures", "All measures", kind="count"))))
        from analysis.measures.local_status import summary_text

        blocks.append(Text(summary_text(summary, ctx.quarter.label)))
    if not volumes.empty:
        vol = volumes.assign(area="")
        blocks.append(Table(
            name="volumes", frame=vol, caption=f"Volumes, {ctx.quarter.label}", source=local_source(ctx),
            columns=(Column("measure", "Measure"),
                     Column("value", "Latest", kind="number", unit_key="unit", decimals_key="decimals"),
                     Column("code", "Code", display=False), Column("unit", "Unit", display=False))))
    disagree = quarterly_report(ctx)["disagreements"]
    if not disagree.empty:
        blocks.append(Note("caveat", f"{len(disagree)} measure(s) where the status worked out from the figures "
                                     f"differs from the status the return gave; the table shows the one "
                                     f"worked out from the figures."))
    if no_dir:
        blocks.append(Note("missing", no_dir))
    return pack_section(ctx, "profile", "Performance profile", blocks, PROFILE_INTRO)
