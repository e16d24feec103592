"""The LA's own quarterly figures as the pack's sections use them, each worked out once per
pack context: every quarter with its status (:func:`quarterly_series`, for the trend and SPC
charts), the quarter's status, summary and benchmark pairing (:func:`quarterly_report`), and
one row per local measure with its figures in words (:func:`profile_frame`)."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.core.blocks import Column
from analysis.engine.ranking import rank_text
from analysis.quarterly_pack.context import PackContext, once, pack_paths
from analysis.quarterly_pack.wording import DOWNLOAD_DECIMALS, plain_label, unit_words


def _row_decimals(unit: str, catalogue: int | None, values: tuple[Any, ...]) -> int:
    """Decimals for one local measure's figures: none for counts, the catalogue's where the
    measure is a catalogue indicator, otherwise as many as the figures have (up to 3), so
    0.04 shows as 0.04."""
    if unit == "count":
        return 0
    if catalogue is not None:
        return catalogue
    found = [float(v) for v in values if v is not None and not pd.isna(v)]
    return max((len(f"{v:.6g}".split(".")[1]) if "." in f"{v:.6g}" else 0 for v in found), default=0) \
        if found else 0


def _value_text(value: Any, unit: str, decimals: int | None) -> str:
    """A local measure's figure as the tables show it (:func:`analysis.render.formats.format_cell`,
    the one formatter): counts whole, others with the measure's decimals, or, where it has
    none, as many as the figure has (0.04 stays 0.04, never "0.0")."""
    from analysis.render.formats import format_cell, kind_for_unit, reported_decimals

    if value is None or pd.isna(value):
        return ""
    v = float(value)
    if decimals is None:
        decimals = 0 if unit == "count" else reported_decimals(v)
    return format_cell(v, Column("value", "value", kind=kind_for_unit(unit),  # type: ignore[arg-type]
                                 decimals=decimals))


#: What the trend and SPC charts need of each measure and quarter.
SERIES_COLUMNS = ["la_code", "la_name", "period", "area", "measure_type", "indicator_code", "indicator",
                  "indicator_label", "unit", "polarity", "value", "target", "tolerance", "status_used",
                  "status_source", "file", "row", "quarter_order"]


def quarterly_series(ctx: PackContext) -> pd.DataFrame:
    """Every quarter up to the pack's quarter with its status, for the trend and SPC charts."""
    from analysis.measures.local_status import quarter_statuses

    def make() -> pd.DataFrame:
        frame = quarter_statuses(ctx.local, ctx.quarter)
        if frame.empty:
            return pd.DataFrame()
        frame = frame[SERIES_COLUMNS].rename(columns={"status_used": "status", "indicator_label": "label"})
        frame["label"] = frame["label"].map(plain_label)
        frame["published_code"] = [published_code(ctx, str(c)) for c in frame["indicator_code"]]
        return frame

    return once(ctx, "series", make)


def quarterly_report(ctx: PackContext) -> dict[str, pd.DataFrame]:
    from analysis.measures.pairing import quarter_report

    if not ctx.has_local:
        return {}
    return once(ctx, "quarterly", lambda: quarter_report(ctx.la, ctx.quarter, pack_paths(ctx),
                                                         local=ctx.local))


def local_decimals(ctx: PackContext, rows: pd.DataFrame) -> dict[str, int | None]:
    """Decimals per local measure: the LA's own (``decimals`` in ``config/local/<la>.yaml``)
    for a measure it defines, so Lancashire's 53.2% stays 53.2% beside DfE's whole-number
    percentages; the catalogue's for a measure computed from the LA's returns; otherwise
    (context figures) worked out from the figures."""
    from analysis.quarterly_pack.context import local_measures_of

    measures = local_measures_of(ctx)
    defined = measures.measures if measures is not None else {}
    def decimals(code: str) -> int | None:
        if code in defined:
            return defined[code].decimals
        indicator = ctx.catalogue.indicators.get(code)  # a measure computed from the returns
        return indicator.decimals if indicator is not None and ctx.records_source else None

    return {str(r.indicator_code): decimals(str(r.indicator_code)) for r in rows.itertuples(index=False)}


def benchmark_pairing(ctx: PackContext) -> pd.DataFrame:
    """The annual benchmarks set beside the local measures, by code. Counts are never paired:
    a local count is not comparable with England's or the region's totals, nor with DfE's
    31 March count of another definition."""
    rep = quarterly_report(ctx)
    pairing = rep.get("pairing", pd.DataFrame())
    if pairing.empty:
        return pd.DataFrame()
    pairing = pairing[pairing["unit"] != "count"]
    return pairing.set_index("indicator_code")


def profile_frame(ctx: PackContext, measure_types: tuple[str, ...] = ("contract", "volumetric")) -> pd.DataFrame:
    """One row per local measure of ``measure_types``: value (text and number), target,
    status and whether it is as reported, direction since last quarter, England's figure
    for the same indicator, rank and band."""
    rep = quarterly_report(ctx)
    status = rep["status"]
    rows = status[status["measure_type"].isin(measure_types)].copy()
    if rows.empty:
        return rows
    decimals = local_decimals(ctx, rows)
    pairing = benchmark_pairing(ctx)
    out = pd.DataFrame({
        "code": rows["indicator_code"].astype(str),
        "area": rows["area"].fillna("Volumes" if "volumetric" in measure_types else "").astype(str),
        "measure": rows["indicator_label"].map(plain_label),
        "unit": rows["unit"],
        "value": pd.to_numeric(rows["value"], errors="coerce"),
        "target": pd.to_numeric(rows["target"], errors="coerce"),
        "tolerance": pd.to_numeric(rows["tolerance"], errors="coerce"),
        "status": rows["status_used"],
        "status_basis": rows["status_source"].map({"reported": "as reported", "computed": ""}).fillna(""),
        "direction": rows["direction_previous_quarter"].where(
            rows["direction_previous_quarter"] != "no comparison"),
        "direction_year": rows["direction_last_year"].where(rows["direction_last_year"] != "no comparison"),
        "measure_type": rows["measure_type"],
    }).reset_index(drop=True)
    out.loc[out["status"].isin(["no_target", "no_value"]) & (out["status_basis"] == "as reported"),
            "status_basis"] = ""
    out["decimals"] = [_row_decimals(r.unit, decimals[r.code], (r.value, r.target, r.tolerance))
                       for r in out.itertuples(index=False)]
    out["value_text"] = [_value_text(v, u, d) for v, u, d in zip(out["value"], out["unit"], out["decimals"], strict=True)]
    out["target_text"] = [_value_text(v, u, d) for v, u, d in zip(out["target"], out["unit"], out["decimals"], strict=True)]
    england, rank, band, year = [], [], [], []
    numbers: dict[str, list[object]] = {k: [] for k in PAIRING_NUMBERS}
    bench_decimals: list[int | None] = []
    for r in out.itertuples(index=False):
        for key, column in PAIRING_NUMBERS.items():
            numbers[key].append(pairing.loc[r.code, column] if r.code in pairing.index else None)
        if r.code in pairing.index:
            p = pairing.loc[r.code]
            ind = ctx.catalogue.get(str(p["indicator"]))
            bench_decimals.append(ind.decimals)
            england.append(ind.format_value(p["england"]) if pd.notna(p["england"]) else "")
            rank.append(rank_text(p.get("rank"), p.get("of"), p.get("rank_kind", "rank"),
                                  p.get("rank_from_highest")))
            band.append("" if pd.isna(p.get("quartile")) else str(p["quartile"]))
            year.append("" if pd.isna(p.get("benchmark_period")) else str(p["benchmark_period"]))
        else:
            bench_decimals.append(None)
            england.append("")
            rank.append("")
            band.append("")
            year.append("")
    out["england"], out["rank"], out["band"], out["benchmark_year"] = england, rank, band, year
    for key, values in numbers.items():
        out[key] = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").round(DOWNLOAD_DECIMALS)
        if key in ("rank_number", "of_number"):
            out[key] = out[key].astype("Int64")
    out["benchmark_decimals"] = pd.Series(bench_decimals, dtype="Int64")
    # The rank and band rank the LA's published figure for the year, not the quarter's: the
    # published figure stands beside them ("40% (2016-17)").
    out["published_text"] = [
        f"{ctx.catalogue.get(str(pairing.loc[r.code, 'indicator'])).format_value(r.la_annual_value)} "
        f"({r.benchmark_year})" if r.code in pairing.index and pd.notna(r.la_annual_value) else ""
        for r in out.itertuples(index=False)]
    out["status_text"] = out["status"].map(STATUS_WORDS).fillna("")
    out["published_code"] = [published_code(ctx, c) for c in out["code"]]
    out["children"] = _children(ctx, out["code"])
    approximate = _quarter_rows(ctx).get("approximate", pd.Series(dtype=bool))
    out["approximate"] = [bool(approximate.get(c, False)) for c in out["code"]]
    out["value_text"] = [("about " if a and t else "") + t for a, t in zip(out["approximate"], out["value_text"],
                                                                          strict=True)]
    out["approximate_text"] = out["approximate"].map({True: "yes", False: ""})
    out["unit_text"] = out["unit"].map(unit_words)
    return out


#: The statuses the status table counts, in the council's order, with their headings.
STATUS_HEADINGS = {"outside_tolerance": "Outside tolerance", "inside_tolerance": "Inside tolerance",
                   "on_target": "On target", "no_target": "No target",
                   "no_value": "No figure"}
#: The row under the Total that gives each status's share of the measures.
SHARE_ROW = "Per cent of all measures"
#: How the shares are rounded, said under the table.
SHARE_NOTE = ("Percentages are of all measures, rounded to whole numbers so that they add up to "
              "100 (the largest remainders are rounded up).")


def status_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary's counts by area and status, with the Total and, under it, each status's
    share of all measures as a whole-number percentage, the shares adding up to 100 as in
    the council's report (Doncaster 2017-18 Q4: 10%, 35%, 45%, 10%). Columns: ``area``, one
    per status of :data:`STATUS_HEADINGS`, ``measures``, and ``unit`` / ``decimals`` saying
    how each row's figures are shown (counts, or percentages)."""
    from analysis.engine.tables import shares_adding_to_100

    statuses = list(STATUS_HEADINGS)
    frame = summary[["area", *statuses, "measures"]].copy()
    for column in (*statuses, "measures"):
        frame[column] = frame[column].astype(int)
    total = frame.loc[frame["area"] == "Total"].iloc[0]
    shares = shares_adding_to_100([int(total[s]) for s in statuses])
    share_row = {"area": SHARE_ROW, **dict(zip(statuses, shares, strict=True)),
                 "measures": 100 if int(total["measures"]) else 0}
    frame = pd.concat([frame, pd.DataFrame([share_row])], ignore_index=True)
    frame["unit"] = ["count"] * (len(frame) - 1) + ["percent"]
    frame["decimals"] = 0
    return frame


def _quarter_rows(ctx: PackContext) -> pd.DataFrame:
    """The quarter's rows of the LA's return, by code."""
    local = ctx.local
    return local[(local["period_type"] == "quarter") & (local["period"] == ctx.quarter.label)].set_index(
        "indicator_code")


#: Statuses in words, for downloads (the page shows them with their symbols).
STATUS_WORDS = {"on_target": "on or better than target", "inside_tolerance": "inside tolerance",
                "outside_tolerance": "outside tolerance", "no_target": "no target", "no_value": "no figure"}


def published_code(ctx: PackContext, code: str) -> str:
    """A measure's code as a reader may see it: the council's own published code (A1, E34),
    or "" for a code this toolkit gave a figure (context figures, Rotherham's, FS1)."""
    from analysis.quarterly_pack.context import local_measures_of

    measures = local_measures_of(ctx)
    return measures.published_code(code) if measures is not None else ""


def _children(ctx: PackContext, codes: pd.Series) -> list[str]:
    """The children behind each local percentage the papers give counts for ("1 of 2, small
    number"), from the quarter's rows of the return."""
    from analysis.quarterly_pack.wording import local_children_text

    rows = _quarter_rows(ctx)
    rows = rows[rows["unit"] == "percent"]
    return [local_children_text(rows.at[c, "numerator"], rows.at[c, "denominator"]) if c in rows.index else ""
            for c in codes]


#: The annual benchmarks paired with a local measure, kept as numbers for download, with
#: their headings there.
PAIRING_NUMBERS = {"england_value": "england", "region_value": "region", "sn_mean_value": "sn_mean",
                    "la_annual_value": "la_annual_value", "rank_number": "rank", "of_number": "of"}
PAIRING_LABELS = {"england_value": "England (published year)", "region_value": "Region (published year)",
                  "sn_mean_value": "Neighbours' average (published year)",
                  "la_annual_value": "LA's published figure", "rank_number": "Rank of the published figure",
                  "of_number": "Ranked among"}


def chart_slug(rows: pd.DataFrame, taken: set[str]) -> str:
    """The part of a chart's file name that names one measure's series (``rows``): the
    council's own published code (``a1``), else the measure's name in words, so a code the
    toolkit gave a figure never reaches a file a reader downloads; unique among ``taken``
    (which it joins). A series made outside a pack (no ``published_code`` column) uses its
    codes as given."""
    first = rows.iloc[0]
    if "published_code" in rows.columns:
        text = str(first["published_code"] or "") or str(first["label"])
    else:
        text = str(first["indicator_code"])
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "measure"
    if len(slug) > 48:  # a long name, cut at a word
        slug = slug[:49].rsplit("_", 1)[0]
    name, n = slug, 1
    while name in taken:
        n += 1
        name = f"{slug}_{n}"
    taken.add(name)
    return name
