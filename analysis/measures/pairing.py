"""Local quarterly measures beside the DfE benchmarks, and everything for one LA and quarter.

:func:`pair_with_benchmarks` sets each local measure with a DfE equivalent beside the
benchmark of the latest annual year published by the end of the quarter
(:mod:`analysis.data.publications`); :func:`quarter_report` loads the LA's return and
returns its status table, summary, pairing and disagreements. Methods:
``docs/methods/quarterly-status.md``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import NoDataError, ParameterError
from analysis.data.catalogue import Catalogue, load_catalogue
from analysis.data.periods import Quarter, as_quarter
from analysis.data.publications import Publications, benchmark_year_for_quarter, load_publications
from analysis.measures.local_returns import load_local_returns
from analysis.measures.local_status import (
    add_missing_measures,
    quarter_rows,
    status_disagreements,
    status_summary,
    status_table,
)

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority


PAIRING_COLUMNS = [
    "indicator_code", "indicator", "label", "unit", "polarity", "period", "value", "status_used",
    "benchmark_year", "benchmark_period", "release", "published", "published_approximate",
    "la_annual_value", "england", "region", "sn_mean", "sn_count", "rank", "of", "rank_kind",
    "rank_from_highest", "quartile", "value_minus_england", "note",
]

BenchmarkFn = Callable[[str, int], pd.DataFrame]


def comparable_units(local_unit: str, dfe_unit: str) -> bool:
    """Whether a local figure can stand beside DfE's figure, rank and band: the same unit,
    and not a count (England's figure for a count is the national total, and a count of
    one LA ranked against other LAs' counts ranks their sizes, not their performance)."""
    return local_unit == dfe_unit and local_unit != "count"


def pair_with_benchmarks(local: pd.DataFrame, quarter: Quarter | str, benchmark_fn: BenchmarkFn,
                         catalogue: Catalogue, publications: Publications,
                         as_of: dt.date | None = None) -> pd.DataFrame:
    """Each local measure of ``quarter`` with a DfE equivalent, beside the benchmark of the
    latest annual year published by the end of the quarter.

    ``benchmark_fn(indicator_id, year)`` returns the benchmark row(s) for the LA (the columns
    of :func:`analysis.engine.benchmark.benchmark_table`); it may raise :class:`ParameterError` or
    :class:`NoDataError` when that year is not in the data, which is reported in ``note``.
    One row per local measure with a benchmarked catalogue entry of the same unit, in return
    order; counts are never paired (:func:`comparable_units`).
    """
    q = as_quarter(quarter)
    if local.empty:
        return pd.DataFrame(columns=PAIRING_COLUMNS)
    rows = quarter_rows(local, q)
    status = status_table(local, q).set_index("indicator_code")["status_used"] if not rows.empty else None
    out = []
    for _, r in rows.iterrows():
        if not isinstance(r["indicator"], str) or not r["indicator"]:
            continue
        if r["indicator"] not in catalogue.indicators:
            continue  # a local measure with no DfE equivalent
        ind = catalogue.indicators[r["indicator"]]
        if ind.source is None or not comparable_units(str(r["unit"]), ind.unit):
            continue  # a count is never set beside England's total, nor ranked against it
        year = benchmark_year_for_quarter(q, ind, publications, as_of=as_of)
        rel = publications.release_of(ind.id)
        rec: dict[str, Any] = {
            "indicator_code": r["indicator_code"], "indicator": ind.id, "label": ind.label,
            "unit": ind.unit, "polarity": ind.polarity, "period": q.label, "value": r["value"],
            "status_used": status.get(r["indicator_code"]) if status is not None else None,
            "benchmark_year": year, "release": rel[0] if rel else None,
            "published": rel[1].published[year].date if rel and year else None,
            "published_approximate": rel[1].published[year].approximate if rel and year else None,
            "note": None,
        }
        if rel is None:
            rec["note"] = "no publication dates for this indicator in config/publications.yaml"
        elif year is None:
            rec["note"] = f"no {rel[1].title} release out by {(as_of or q.end).isoformat()}"
        else:
            try:
                bench = benchmark_fn(ind.id, year)
                hit = bench[bench["year"] == year]
            except (ParameterError, NoDataError) as exc:
                hit = pd.DataFrame()
                rec["note"] = f"benchmark {year} not available: {exc.problem}"
            if not hit.empty:
                b = hit.iloc[0]
                rec.update({
                    "benchmark_period": b["period"], "la_annual_value": b["value"],
                    "england": b["england"], "region": b["region"], "sn_mean": b["sn_mean"],
                    "sn_count": b["sn_count"], "rank": b["rank"], "of": b["of"],
                    "rank_kind": b.get("rank_kind"), "rank_from_highest": b.get("rank_from_highest"),
                    "quartile": b["quartile"],
                })
            elif rec["note"] is None:
                rec["note"] = f"benchmark {year} not in the data"
        out.append(rec)
    frame = pd.DataFrame(out, columns=PAIRING_COLUMNS)
    for col in ("value", "la_annual_value", "england", "region", "sn_mean"):
        frame[col] = frame[col].astype(float)
    for col in ("benchmark_year", "sn_count", "rank", "of", "rank_from_highest"):
        frame[col] = frame[col].astype("Int64")
    frame["value_minus_england"] = frame["value"] - frame["england"]
    return frame


def quarter_report(la: LocalAuthority, quarter: Quarter | str, paths: Paths | None = None,
                   as_of: dt.date | None = None, local: pd.DataFrame | None = None,
                   ) -> dict[str, pd.DataFrame]:
    """Everything the pack and the CLI show for one LA and quarter.

    Returns ``{"status": status_table, "summary": status_summary, "pairing":
    pair_with_benchmarks, "disagreements": status_disagreements}``. An LA with no local
    return gets four empty tables; a return without that quarter raises NoDataError.
    ``local``: the LA's local return rows when the caller has read them already.
    """
    from analysis.engine.benchmark import benchmark_table, load_benchmarks, rank_all_once

    paths = paths or Paths.for_root()
    q = as_quarter(quarter)
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    publications = load_publications(paths.config)
    if local is None:
        local = load_local_returns(paths, la, catalogue)
    status = status_table(local, q)
    if not local.empty:
        from analysis.measures.local_measures import load_local_measures, measures_path

        if measures_path(paths.config, la.slug).exists():
            status = add_missing_measures(status, load_local_measures(paths.config, la.slug), q)
    if local.empty:
        return {"status": status, "summary": status_summary(status),
                "pairing": pd.DataFrame(columns=PAIRING_COLUMNS), "disagreements": status.copy()}
    table = load_benchmarks(paths)
    # One benchmark table for every DfE indicator the return has (all years), worked out on
    # first use and then looked up per measure: one ranking pass instead of one per measure.
    published = set(table["indicator"].unique())
    wanted = sorted({i for i in local["indicator"].dropna().unique()
                     if i in published and catalogue.get(i).source is not None})
    cache: dict[str, pd.DataFrame] = {}

    def bench(indicator_id: str, year: int) -> pd.DataFrame:
        if "all" not in cache and indicator_id in wanted:
            cache["all"] = benchmark_table(table, la, catalogue, indicators=wanted, paths=paths,
                                           ranked=rank_all_once(table, catalogue))
        found = cache.get("all", pd.DataFrame(columns=["indicator", "year"]))
        found = found[(found["indicator"] == indicator_id) & (found["year"] == year)]
        if found.empty:
            # the same error benchmark_table gives for an indicator or year it does not have
            return benchmark_table(table, la, catalogue, indicators=[indicator_id], years=[year],
                                   paths=paths)
        return found

    return {
        "status": status,
        "summary": status_summary(status),
        "pairing": pair_with_benchmarks(local, q, bench, catalogue, publications, as_of=as_of),
        "disagreements": status_disagreements(status),
    }
