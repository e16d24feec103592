"""The performance profile (the ``profile`` section): every contract and volume measure of the
quarterly return with its figure, target, status, change since last quarter, and England's
figure, rank and band for the same indicator."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from analysis.core.blocks import Block, Column, Note, Section, Table, Text
from analysis.quarterly_pack.context import (
    PackContext,
    counted,
    is_computed,
    local_document,
    local_left_out,
    local_source,
    measures_word,
    pack_section,
    rows_source,
)
from analysis.quarterly_pack.local_tables import (
    PAIRING_LABELS,
    SHARE_NOTE,
    STATUS_HEADINGS,
    profile_frame,
    quarterly_report,
    status_table,
)

PROFILE_INTRO = ("Every measure the papers give this quarter: the latest figure, its target and tolerance "
                 "(the figure beyond which it is outside tolerance), its status "
                 "(on or better than target, inside tolerance or outside tolerance) and the change "
                 "since last quarter. Where DfE publishes the same indicator: England's figure and the "
                 "LA's own published figure for DfE's latest year, with its rank (1 = best of all LAs) "
                 "and quartile band (A = best), which rank that published figure, not the quarter's. "
                 "Where the papers gave a status but no figure or target, the status is the one reported.")

PROFILE_COLUMNS = (
    Column("area", "Area"),
    Column("measure", "Measure"),
    Column("value_text", "Latest", unit_key="unit", decimals_key="decimals", download=False),
    Column("value", "Latest", kind="number", display=False, unit_key="unit", decimals_key="decimals"),
    Column("approximate_text", "Approximate", display=False),
    Column("children", "Children"),
    Column("target", "Target", kind="number", unit_key="unit", decimals_key="decimals"),
    Column("tolerance", "Tolerance", kind="number", unit_key="unit", decimals_key="decimals"),
    Column("status", "Status", kind="status", download=False),
    Column("status_text", "Status", display=False),
    Column("status_basis", "Status basis"),
    Column("direction", "Since last quarter", kind="direction"),
    Column("england_value", "England", kind="number", unit_key="unit", decimals_key="benchmark_decimals"),
    Column("published_text", "Published (year)"),
    Column("rank", "Rank"),
    Column("band", "Band"),
    Column("published_code", "Code", display=False),
    Column("unit", "Unit", display=False, download=False),
    Column("unit_text", "Unit", display=False),
    Column("benchmark_year", "Published year", display=False),
    *(Column(k, label, kind="number", display=False) for k, label in PAIRING_LABELS.items()
      if k != "england_value"),
)


def _profile_table(frame: pd.DataFrame, name: str, caption: str, source: str,
                   no_direction_note: str | None) -> Table:
    columns = [c for c in PROFILE_COLUMNS
               if not (c.key == "direction" and no_direction_note is not None)]
    for key in ("england_value", "published_text", "rank", "band", "status_basis", "children", "tolerance"):
        values = frame[key]
        if not (values.notna() & (values.astype(str) != "")).any():
            columns = [c for c in columns if c.key != key]
    notes = (no_direction_note,) if no_direction_note else ()
    return Table(name=name, frame=frame, columns=tuple(columns), caption=caption, source=source, notes=notes)


def _status_table(ctx: PackContext, summary: pd.DataFrame) -> Table:
    """The measures by status and area, with the Total and each status's share under it; the
    "No figure" column only where a measure has no figure to judge."""
    frame = status_table(summary)
    counted_as = dict(unit_key="unit", decimals_key="decimals")
    columns = [Column("area", "Area"),
               *(Column(status, heading, kind="count", **counted_as)  # type: ignore[arg-type]
                 for status, heading in STATUS_HEADINGS.items()
                 if status != "no_value" or frame[status].iloc[:-1].sum() > 0),
               Column("measures", "All measures", kind="count", **counted_as),  # type: ignore[arg-type]
               Column("unit", "Unit", display=False, download=False),
               Column("unit_text", "Unit", display=False)]
    frame["unit_text"] = frame["unit"].map({"count": "number", "percent": "percentage"})
    return Table(name="status_summary", frame=frame,
                 caption=f"{measures_word(ctx).capitalize()} by status and area, {ctx.quarter.label}",
                 source=local_source(ctx), columns=tuple(columns), notes=(SHARE_NOTE,))


def profile_section(ctx: PackContext) -> Section:
    """The performance profile: every contract and volume measure with value, target,
    status (as reported marked so), direction, England's figure, rank and band."""
    if not ctx.has_local:
        return pack_section(ctx, "profile", "Performance profile",
                            [Note("left_out", local_left_out(ctx))])
    prof = profile_frame(ctx)
    previous = ctx.quarter.previous().label
    no_dir = None
    if prof.loc[prof["measure_type"] == "contract", "direction"].isna().all():
        no_dir = (f"No figures for {previous} to compare with, so the table has no 'since last "
                  f"quarter' column.")
    contract = prof[prof["measure_type"] == "contract"]
    computed = prof["code"].isin(computed_codes(ctx))
    volumes = prof[(prof["measure_type"] != "contract") & ~computed]
    typed_here = not computed_only(ctx)
    blocks: list[Block] = []
    if typed_here:
        blocks.append(_profile_table(contract, "profile",
                                     f"{measures_word(ctx).capitalize()}, {ctx.quarter.label}",
                                     typed_source(ctx), no_dir))
        summary = quarterly_report(ctx)["summary"]
        if not summary.empty:
            blocks.append(_status_table(ctx, summary))
            from analysis.measures.local_status import summary_text

            blocks.append(Text(summary_text(summary, ctx.quarter.label, measures_word(ctx, 1))))
    else:
        no_dir = None
    if not volumes.empty:
        blocks.append(_volumes_table(volumes.assign(area=""), "volumes", f"Volumes, {ctx.quarter.label}",
                                     typed_source(ctx), directions=False))
    if computed.any():
        from analysis.quarterly_pack.computed import ONCE_A_YEAR, computed_frame

        rows = ctx.local[is_computed(ctx.local) & (ctx.local["period"] == ctx.quarter.label)]
        frame = computed_frame(ctx)
        table = _volumes_table(frame.assign(area=""), "computed_measures",
                               f"{volumes_prefix(ctx)}Measures computed from the LA's returns, "
                               f"{ctx.quarter.label}", rows_source(ctx, rows))
        if (frame["direction"] == ONCE_A_YEAR).any():
            table = replace(table, notes=(*table.notes, ONCE_A_YEAR_NOTE))
        blocks.append(table)
    disagree = quarterly_report(ctx)["disagreements"]
    if not disagree.empty:
        blocks.append(Note("caveat", f"{counted(len(disagree), 'measure')} where the status worked out from "
                                     f"the figures differs from the status the papers gave; the table "
                                     f"shows the one worked out from the figures."))
    if no_dir:
        blocks.append(Note("missing", no_dir))
    return pack_section(ctx, "profile", "Performance profile", blocks, PROFILE_INTRO)


#: The note under the computed measures where some are counted at 31 March only.
ONCE_A_YEAR_NOTE = ("Measures counted once a year are counted at 31 March only (health and dental "
                    "checks of children looked after for a year, care leavers aged 19-21), so they "
                    "have no figure for the quarters between; their change is since the year before.")


def volumes_prefix(ctx: PackContext) -> str:
    """ "SYNTHETIC DATA: " in front of the volumes table's caption when it holds figures
    computed from synthetic returns."""
    return "SYNTHETIC DATA: " if ctx.synthetic else ""


def computed_codes(ctx: PackContext) -> set[str]:
    """The codes of the measures computed from the LA's returns."""
    return set(ctx.local.loc[is_computed(ctx.local), "indicator_code"].astype(str))


def computed_only(ctx: PackContext) -> bool:
    """Whether the quarter's local figures all come from the LA's returns (no typed return)."""
    here = ctx.local[ctx.local["period"] == ctx.quarter.label]
    return bool(ctx.records_source) and bool(is_computed(here).all())


def typed_source(ctx: PackContext) -> str:
    """The source line of a table of the typed local return's figures."""
    here = ctx.local[(ctx.local["period"] == ctx.quarter.label) & ~is_computed(ctx.local)]
    return f"Source: {local_document(ctx, here)}, {ctx.quarter.label}."


def _volumes_table(frame: pd.DataFrame, name: str, caption: str, source: str, *,
                   directions: bool = True) -> Table:
    """Measures without targets: the latest figure; with ``directions``, its direction since
    the last quarter and since the same quarter a year before, and the LA's published figure
    where there is one (the typed return's volumes show the figure alone)."""
    optional = (("direction", Column("direction", "Since last quarter", kind="direction")),
                ("direction_year", Column("direction_year", "Since a year before", kind="direction")))
    return Table(
        name=name, frame=frame, caption=caption, source=source,
        columns=(Column("measure", "Measure"),
                 Column("value_text", "Latest", unit_key="unit", decimals_key="decimals", download=False),
                 Column("value", "Latest", kind="number", display=False, unit_key="unit",
                        decimals_key="decimals"),
                 *(column for key, column in optional if directions and frame[key].notna().any()),
                 *((Column("published_text", "Published (year)"),)
                   if directions and (frame["published_text"] != "").any() else ()),
                 Column("published_code", "Code", display=False),
                 Column("unit", "Unit", display=False, download=False), Column("unit_text", "Unit", display=False)))
