"""Measures computed from an LA's own returns as the quarterly pack's local table.

:func:`computed_local` stages a folder of returns (CIN census XML, SSDA903 CSV), computes
every measure for every quarter of the five years to the pack's quarter (from the end of the
returns' first year where they start later), hides small counts (:mod:`analysis.engine.suppress`, the one place) and turns the
results into rows of the tidy local table (``analysis.data.schemas.local_return.COLUMNS``)
directly, without a file in between: the code is the catalogue id, the label, polarity and
unit the catalogue's, no target, the measure type ``volumetric`` (no status against a target;
its direction since the last quarter is shown), and the source names the returns. Each year
ending 31 March is also set beside DfE's published figure for the LA
(:mod:`analysis.measures.returns.published_check`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import NoDataError
from analysis.data.catalogue import Catalogue
from analysis.data.geography import LocalAuthority
from analysis.data.periods import Quarter, financial_year_label
from analysis.data.schemas.local_return import COLUMNS

if TYPE_CHECKING:
    from analysis.measures.returns.series import MeasureSeries

__all__ = ["ComputedLocal", "computed_local", "local_table", "records_source", "series_notes", "suppress_small"]

#: Counts under this are hidden before anything is shown (as everywhere in the toolkit).
THRESHOLD = 5
#: How many quarters the pack shows at most, ending with its own: five years.
SHOWN_QUARTERS = 20

#: The line under the tables when some quarters' figures were hidden.
SUPPRESSED_NOTE = ("Figures computed from the returns that rest on fewer than {n} children are "
                   "not shown (a gap in the series).")


@dataclass(frozen=True)
class ComputedLocal:
    """The computed measures as local table rows, their source line, and lines for the notes."""

    table: pd.DataFrame
    source: str
    synthetic: bool
    notes: tuple[str, ...] = ()


def is_synthetic(folder: Path, files: list[str]) -> bool:
    """Whether the returns are generated ones: "synthetic" in the folder's or a file's name."""
    return "synthetic" in folder.name.lower() or any("synthetic" in f.lower() for f in files)


def records_source(years: list[int], synthetic: bool) -> str:
    """``Computed from the LA's CIN census and SSDA903 returns, 2018-19 to 2022-23`` (with
    "synthetic" in front of "CIN" when they are generated)."""
    kind = "synthetic " if synthetic else ""
    span = ""
    if years:
        first, last = financial_year_label(min(years)), financial_year_label(max(years))
        span = f", {first}" if first == last else f", {first} to {last}"
    return f"computed from the LA's {kind}CIN census and SSDA903 returns{span}"


def suppress_small(results: pd.DataFrame, threshold: int = THRESHOLD) -> pd.DataFrame:
    """``results`` with every figure resting on fewer than ``threshold`` children hidden
    (value, numerator and denominator empty): a percentage or rate whose numerator or
    denominator is small, a count that is small. Zero is shown."""
    from analysis.engine.suppress import suppress_counts

    counts = pd.DataFrame({
        "numerator": pd.to_numeric(results["numerator"], errors="coerce"),
        "denominator": pd.to_numeric(results["denominator"], errors="coerce"),
        "count": pd.to_numeric(results["value"], errors="coerce").where(results["unit"] == "count"),
    }, index=results.index)
    shown = suppress_counts(counts, ["numerator", "denominator", "count"], threshold, secondary="none")
    hidden = (shown == "c").any(axis=1)
    out = results.copy()
    for column in ("value", "numerator", "denominator"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
        out.loc[hidden, column] = np.nan
    out.attrs["suppressed"] = int(hidden.sum())
    return out


def first_shown(last: Quarter, returns_start: Quarter) -> Quarter:
    """The first quarter the pack shows: :data:`SHOWN_QUARTERS` quarters ending with ``last``
    (2018-19 Q1 for 2022-23 Q4), or ``returns_start`` where the returns start later."""
    back = last.year * 4 + last.quarter - 1 - (SHOWN_QUARTERS - 1)
    five_years = Quarter(back // 4, back % 4 + 1)
    return max(five_years, returns_start, key=lambda q: (q.year, q.quarter))


def _quarter(period_end: dt.date) -> Quarter:
    from analysis.measures.returns.series import quarter_of

    return quarter_of(period_end)


def local_table(results: pd.DataFrame, la: LocalAuthority, catalogue: Catalogue,
                source: str) -> pd.DataFrame:
    """``results`` (``RESULT_COLUMNS``, one row per measure and quarter end) as tidy local
    table rows for ``la``: every quarter's figure under its quarter (``2022-23 Q4`` for the
    year to 31 March 2023)."""
    from analysis.data.readers.local_return import empty_local_table, validate_local_table

    if results.empty:
        return empty_local_table()
    quarters = [_quarter(d) for d in results["period_end"]]
    indicators = [catalogue.indicators.get(str(i)) for i in results["indicator_id"]]
    frame = pd.DataFrame({
        "la_code": la.new_code,
        "la_name": la.name,
        "indicator_code": results["indicator_id"].astype(str).to_numpy(),
        "indicator": [str(i) if ind is not None else None
                      for i, ind in zip(results["indicator_id"], indicators, strict=True)],
        "indicator_label": [ind.label if ind is not None else str(i).replace("_", " ").capitalize()
                            for i, ind in zip(results["indicator_id"], indicators, strict=True)],
        "period": [q.label for q in quarters],
        "period_type": "quarter",
        "year": np.array([q.year for q in quarters], dtype="int64"),
        "quarter": pd.array([q.quarter for q in quarters], dtype="Int64"),
        "month": pd.array([None] * len(results), dtype="Int64"),
        "value": pd.to_numeric(results["value"], errors="coerce").astype(float).to_numpy(),
        "numerator": pd.to_numeric(results["numerator"], errors="coerce").astype(float).to_numpy(),
        "denominator": pd.to_numeric(results["denominator"], errors="coerce").astype(float).to_numpy(),
        "unit": results["unit"].astype(str).to_numpy(),
        "target": np.nan,
        "tolerance": np.nan,
        "polarity": [ind.polarity if ind is not None else "none" for ind in indicators],
        "area": None,
        "measure_type": "volumetric",
        "reported_status": None,
        "source": source,
        "approximate": False,
        "file": "",
        "row": np.arange(2, len(results) + 2, dtype="int64"),  # as if one row each
    })
    return validate_local_table(frame[COLUMNS], "measures computed from the returns")


def published_notes(results: pd.DataFrame, published: pd.DataFrame, la: LocalAuthority,
                    catalogue: Catalogue, synthetic: bool) -> list[str]:
    """One line for each computed year ending 31 March that differs from DfE's published
    figure for the LA by more than rounding; for synthetic returns, one line saying why
    they differ."""
    from analysis.measures.returns.published_check import compare_with_published
    from analysis.measures.returns.rows import YEAR_TO_31_MARCH

    years = results[(results["basis"] == YEAR_TO_31_MARCH) & results["value"].notna()]
    lines: list[str] = []
    for _, row in years.iterrows():
        indicator = catalogue.indicators.get(str(row["indicator_id"]))
        if indicator is None:
            continue
        found = compare_with_published(row.to_frame().T, published, la.new_code, indicator)
        if found.beyond_rounding:
            lines.append(found.sentence)
    if synthetic and lines:
        return [f"The returns are synthetic (made up for a demonstration), so their figures differ "
                f"from {la.name}'s published ones for every year ending 31 March "
                f"({len(lines)} {'figure' if len(lines) == 1 else 'figures'})."]
    return lines


def series_notes(series: MeasureSeries, catalogue: Catalogue) -> list[str]:
    """One line per measure left out of the pack (a return it needs is missing) and per measure
    with quarters left out of its series (the returns do not reach back far enough)."""

    def name(indicator: str) -> str:
        ind = catalogue.indicators.get(indicator)
        return ind.label if ind is not None else indicator.replace("_", " ").capitalize()

    lines = [f"{name(i)}: not computed; {why}." for i, why in series.left_out.items()]
    for i, (skipped, why) in series.gaps.items():
        span = ", ".join(skipped) if len(skipped) <= 3 else f"{skipped[0]} to {skipped[-1]}"
        lines.append(f"{name(i)}: no figure for {len(skipped)} of the quarters shown "
                     f"({span}); {why}.")
    return lines


def computed_local(la: LocalAuthority, quarter: Quarter, folder: str | Path, paths: Paths,
                   catalogue: Catalogue, published: pd.DataFrame) -> ComputedLocal:
    """Stage ``folder``'s returns for ``la`` (owner-only, outside ``outputs/``) and compute
    every measure for every quarter of the five years to ``quarter`` (or to the last quarter
    they hold whole, if earlier), from the end of the returns' first year where that is
    later (:func:`first_shown`)."""
    from analysis.data.returns.staging import connect, stage_returns
    from analysis.measures.returns.cin_measures import CIN_MEASURES
    from analysis.measures.returns.cla_measures import CLA_MEASURES
    from analysis.measures.returns.population import register_population
    from analysis.measures.returns.series import compute_series, quarter_of, quarters_between

    folder = Path(folder)
    stage_returns(la.old_code, folder)
    with connect(la.old_code, read_only=False) as con:
        register_population(con, paths.raw, la.old_code)
        span = con.execute("SELECT min(year), max(year), max(data_end) FROM staged_files").fetchone()
        names = [str(r[0]) for r in con.execute("SELECT source_file FROM staged_files").fetchall()]
        if span is None or span[0] is None:
            raise NoDataError(f"{folder}: no CIN census or SSDA903 returns in the folder",
                              fix="give the folder holding the LA's CIN census XML and SSDA903 CSV files")
        last = quarter_of(span[2])
        if last.end != span[2]:
            last = last.previous()
        last = min(last, quarter, key=lambda q: (q.year, q.quarter))
        first = Quarter(int(span[0]), 4)
        if (last.year, last.quarter) < (first.year, first.quarter):
            raise NoDataError(f"{folder}: the returns start after {quarter.label}",
                              expected=f"returns covering {first.label} or earlier",
                              fix=f"choose {first.label} or later")
        series = compute_series(con, {**CIN_MEASURES, **CLA_MEASURES},
                                quarters_between(first_shown(last, first), last))
    synthetic = is_synthetic(folder, names)
    source = records_source(list(range(int(span[0]), int(span[1]) + 1)), synthetic)
    notes = published_notes(series.results, published, la, catalogue, synthetic)
    notes += series_notes(series, catalogue)
    shown = suppress_small(series.results)
    if shown.attrs["suppressed"]:
        notes.append(SUPPRESSED_NOTE.format(n=THRESHOLD))
    return ComputedLocal(local_table(shown, la, catalogue, source), source, synthetic, tuple(notes))
