"""The deep dive beside DfE's published figures: the records' re-referral, NFA and
not-in-need counts for the year (:func:`dfe_raw`, a raw table like those of
:mod:`analysis.deep_dive.tables`), with DfE's published percentages for the LA, England,
the region and each statistical neighbour.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import AnalysisError
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.deep_dive.tables import RawTable, Scope, raw_table

#: DfE indicators (config/indicators.yaml) that publish the same ratio as a funnel stage.
DFE_MEASURES: dict[str, str] = {
    "re_referrals": "Re-referrals within 12 months",
    "referrals_nfa": "No further action at referral",
    "assessed_not_in_need": "Assessed: not in need",
}


def dfe_raw(s: Scope, year: int, la: LocalAuthority, paths: Paths
            ) -> tuple[RawTable | None, pd.DataFrame | None, str, pd.DataFrame | None]:
    """The year's re-referral, NFA and not-in-need counts from the records (as masks), with
    DfE's published figures for the LA, England, the region and each statistical neighbour
    for the same year (or the latest published year before it). DfE publishes these three
    as percentages of referrals (table C1); it publishes no contacts and no share of
    referrals assessed in need. Returns ``(raw table, neighbours table, note, DfE's
    evidence)``: the evidence (:func:`dfe_evidence`) is DfE's published value, counts,
    release and publication date for the LA, one row per measure."""
    from analysis.data.catalogue import load_catalogue
    from analysis.engine.benchmark import benchmark_table, load_benchmarks

    try:
        table = load_benchmarks(paths)
        catalogue = load_catalogue(paths.config / "indicators.yaml")
        have = sorted(int(y) for y in table.loc[table["indicator"].isin(list(DFE_MEASURES)),
                                                "year"].unique())
        if not have:
            return None, None, "No DfE figures for these measures in data/processed.", None
        earlier = [y for y in have if y <= year]
        dfe_year = year if year in have else (max(earlier) if earlier else have[0])
        bench = benchmark_table(table, la, catalogue, indicators=list(DFE_MEASURES),
                                years=[dfe_year], paths=paths)
        neighbours = _neighbour_rates(table, la, dfe_year, paths)
        evidence = dfe_evidence(table, la, dfe_year, paths)
    except AnalysisError as exc:
        return None, None, f"No DfE comparison: {str(exc).splitlines()[0]}", None
    oc = s.flagged["assessment_outcome"].astype(object)
    nfa = s.flagged["referral_nfa"].fillna(False).astype(bool).to_numpy()
    ours = {"re_referrals": s.year_re, "referrals_nfa": s.year & nfa,
            "assessed_not_in_need": s.year & oc.isin(["not_in_need", "early_help"]).to_numpy()}
    rows, masks = [], []
    for ind, measure in DFE_MEASURES.items():
        b = bench.loc[bench["indicator"] == ind]
        b = b.iloc[0] if len(b) else pd.Series(dtype=object)
        rows.append({"measure": measure, "records_year": financial_year_label(year),
                     "dfe_year": financial_year_label(dfe_year),
                     "la_published": b.get("value", np.nan),
                     "england": b.get("england", np.nan), "region": b.get("region", np.nan),
                     "neighbours_mean": round(float(b["sn_mean"]), 1)
                     if pd.notna(b.get("sn_mean", np.nan)) else np.nan})
        masks.append({"numerator": ours[ind], "denominator": s.year})
    raw = raw_table(s.weight, "dfe_comparison", rows, masks, ["numerator", "denominator"],
                    {"percent": ("numerator", "denominator")})
    cols = ["measure", "records_year", "numerator", "denominator", "percent", "dfe_year",
            "la_published", "england", "region", "neighbours_mean"]
    raw.frame = raw.frame[cols]
    note = ("" if dfe_year == year else
            f"DfE figures for {financial_year_label(year)} are not in data/processed: the "
            f"comparison uses {financial_year_label(dfe_year)}.")
    return raw, neighbours, note, evidence


def dfe_evidence(table: pd.DataFrame, la: LocalAuthority, year: int, paths: Paths
                 ) -> pd.DataFrame:
    """DfE's published figures for ``la`` in ``year``, one row per measure of
    :data:`DFE_MEASURES`: value, numerator, denominator, whether the counts are known not to
    be rounded (False when either is not a whole multiple of 5, else None: not known), the
    release and its publication date."""
    from analysis.core.config import load_sources
    from analysis.data.publications import load_publications

    sources = load_sources(paths.config).files
    releases = load_publications(paths.config)
    rows = []
    for ind, measure in DFE_MEASURES.items():
        hit = table.loc[(table["indicator"] == ind) & (table["year"] == year)
                        & (table["area_code"] == la.new_code)]
        row = hit.iloc[0] if len(hit) else pd.Series(dtype=object)
        num = pd.to_numeric(row.get("numerator"), errors="coerce")
        den = pd.to_numeric(row.get("denominator"), errors="coerce")
        known = pd.notna(num) and pd.notna(den)
        src = sources.get(str(row.get("source", "")).split(":")[0])  # file:column
        release = releases.release_of(ind)
        published = release[1].published.get(year) if release else None
        rows.append({
            "measure": measure, "dfe_year": financial_year_label(year),
            "value": pd.to_numeric(row.get("value"), errors="coerce"),
            "numerator": num, "denominator": den,
            "counts_rounded": (False if known and (num % 5 or den % 5) else None),
            "source": (src.publication if src else
                       f"DfE, Children in need {financial_year_label(year)}, table C1"),
            "published": published.date if published else None,
            "published_approximate": bool(published.approximate) if published else None})
    return pd.DataFrame(rows)


def _neighbour_rates(table: pd.DataFrame, la: LocalAuthority, year: int, paths: Paths
                     ) -> pd.DataFrame | None:
    """DfE's published re-referral rate of the LA and each statistical neighbour in
    ``year`` (lowest first), or None when none is published."""
    from analysis.engine.benchmark import neighbour_values

    nb = neighbour_values(table, la, "re_referrals", year, paths=paths)
    nb = nb.loc[pd.to_numeric(nb["value"], errors="coerce").notna()]
    if nb.empty:
        return None
    out = pd.DataFrame({"area": nb["area_name"].fillna(nb["old_la_code"]).astype(str),
                        "published_percent": pd.to_numeric(nb["value"]).round(1),
                        "is_la": nb["is_la"].astype(bool)})
    out = out.sort_values(["published_percent", "area"], ignore_index=True)
    out["dfe_year"] = financial_year_label(year)
    return out


__all__ = ["DFE_MEASURES", "dfe_evidence", "dfe_raw"]
