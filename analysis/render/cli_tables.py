"""The command line's tables as :class:`~analysis.core.blocks.Table` values, for
:func:`analysis.render.terminal.table_text`: the same formats as every other output
(percentages with their decimals, counts as whole numbers, blanks with a reason, statuses and
directions as words), never raw ``14.285714``, ``NaN`` or ``outside_tolerance``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analysis.core.blocks import Column, Table
from analysis.render.formats import format_cell, row_column

_STATUS_SOURCE = {"computed": "computed", "reported": "as reported"}


def _status_columns(frame: pd.DataFrame) -> tuple[Column, ...]:
    label = (Column("measure", "Measure"),) if "measure" in frame.columns else ()
    return (Column("indicator_code", "Code"),
            *label,
            Column("area", "Area"),
            Column("value", "Value", "number", unit_key="unit", decimals_key="decimals"),
            Column("target", "Target", "number", unit_key="unit", decimals_key="decimals"),
            Column("tolerance", "Tolerance", "number", unit_key="unit", decimals_key="decimals"),
            Column("status_used", "Status", "status"),
            Column("status_from", "Status from"),
            Column("agrees", "Agrees"),
            Column("direction_previous_quarter", "Since last quarter", "direction"))


def _status_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The status rows with each row's figures shown with the decimals the papers gave (26%,
    never "26.0%"; 0.04 stays 0.04)."""
    from analysis.render.formats import reported_decimals

    out = frame.copy()
    out["decimals"] = [max((reported_decimals(float(v)) for v in (r["value"], r["target"], r["tolerance"])
                            if pd.notna(v)), default=0) for r in out.to_dict("records")]
    out["status_from"] = out["status_source"].map(_STATUS_SOURCE).fillna(out["status_source"])
    out["agrees"] = out["agrees"].astype(object).where(out["agrees"].notna(), None)
    return out


def status_table(frame: pd.DataFrame, name: str = "status", caption: str = "Status against target and tolerance") -> Table:
    return Table(name, _status_frame(frame), _status_columns(frame), caption=caption)


def summary_table(frame: pd.DataFrame) -> Table:
    from analysis.measures.local_status import (
        SUMMARY_STATUSES,  # here: the quarterly module loads pandera
    )

    statuses = [s for s in SUMMARY_STATUSES if s in frame.columns]
    columns = [Column("area", "Area"), Column("measures", "Measures", "count")]
    columns += [Column(s, s.replace("_", " ").capitalize(), "count") for s in statuses]
    columns += [Column(f"pct_{s}", f"% {s.replace('_', ' ')}", "percent", 1)
                for s in statuses if f"pct_{s}" in frame.columns]
    return Table("summary", frame, tuple(columns), caption="Measures by status")


def _rank_texts(frame: pd.DataFrame) -> list[str]:
    """Each row's rank as the pack words it: "142 of 152" (1 = best) or, for an indicator with
    no better direction, its position ("20th highest of 151")."""
    from analysis.engine.ranking import rank_text

    return [rank_text(r.get("rank"), r.get("of"), r.get("rank_kind", "rank"), r.get("rank_from_highest"))
            for r in frame.to_dict("records")]


def pairing_table(frame: pd.DataFrame) -> Table:
    """The quarter's figures beside DfE's: the LA's published figure with its rank and band
    beside it (they rank that figure, not the quarter's), then the comparators."""
    from analysis.render.formats import reported_decimals

    frame = frame.assign(
        rank_of=_rank_texts(frame),
        value_decimals=[reported_decimals(float(v)) if pd.notna(v) else None for v in frame["value"]])
    columns = (Column("indicator_code", "Code"),
               Column("value", "This quarter", "number", unit_key="unit", decimals_key="value_decimals"),
               Column("benchmark_period", "Published year"),
               Column("la_annual_value", "LA (published)", "number", unit_key="unit"),
               Column("rank_of", "Rank"),
               Column("quartile", "Quartile"),
               Column("england", "England", "number", unit_key="unit"),
               Column("region", "Region", "number", unit_key="unit"),
               Column("sn_mean", "Neighbours", "number", unit_key="unit"))
    return Table("pairing", frame, columns, caption="Quarterly figures beside the latest published benchmarks")


def quarter_tables(report: dict[str, pd.DataFrame]) -> list[Table]:
    """The ``quarter`` command's tables (status, summary, pairing, disagreements)."""
    tables = [status_table(report["status"]), summary_table(report["summary"]),
              pairing_table(report["pairing"])]
    if "disagreements" in report:
        tables.append(status_table(report["disagreements"], "disagreements",
                                   "Reported statuses that disagree with the figures"))
    return tables


def benchmark_display_table(bench: pd.DataFrame) -> Table:
    """The ``benchmark`` command's table: one row per indicator and year."""
    frame = bench.copy()
    la_name = str(frame["la_name"].iloc[0]) if len(frame) else "LA"
    value: dict[str, Any] = {"unit_key": "unit", "decimals_key": "decimals"}
    mean = Column("sn_mean", "Neighbours", "number", **value)
    frame["neighbours_n"] = [
        f"{format_cell(r['sn_mean'], row_column(mean, r))} ({r['sn_count']}/{r['sn_size']})"
        if pd.notna(r["sn_mean"]) else None for r in frame.to_dict("records")]
    frame["rank_of"] = _rank_texts(frame)
    columns = [Column("label", "Indicator"), Column("period", "Year"),
               Column("value", la_name, "number", reason_key="status", **value),
               Column("england", "England", "number", **value),
               Column("region", "Region", "number", **value),
               Column("neighbours_n", "Neighbours (n)", "number"),
               Column("rank_of", "Rank"),
               Column("quartile", "Quartile"),
               Column("direction", "Since last year", "direction")]
    if {"ci_low", "ci_high", "level"} <= set(frame.columns) and len(frame):
        level = float(frame["level"].iloc[0]) * 100
        bound = Column("ci_low", "", "number", decimals_key="decimals")
        frame["interval"] = [
            f"{format_cell(r['ci_low'], row_column(bound, r))} to {format_cell(r['ci_high'], row_column(bound, r))}"
            if pd.notna(r["ci_low"]) and pd.notna(r["ci_high"]) else None for r in frame.to_dict("records")]
        columns.append(Column("interval", f"{level:g}% interval", "number"))
        columns += [Column(key, label, "direction") for key, label in
                    (("vs_england", "vs England"), ("vs_region", "vs region"),
                     ("vs_neighbours", "vs neighbours")) if key in frame.columns]
    return Table("benchmark", frame, tuple(columns), caption="")
