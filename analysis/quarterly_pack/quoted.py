"""Benchmarks a council's papers quote, beside the figure the toolkit computes from DfE's data.

``data/raw/local/<la>_quoted_benchmarks.csv`` holds every comparator figure an LA's papers
quote (England, region, statistical neighbours, the LA's own published outturn and ranks).
:func:`quoted_vs_computed` sets each beside the toolkit's figure for the same indicator and
year and says whether they agree, and if not, by how much: a quote rounded from the published
figure agrees; anything else is a difference worth knowing about.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import InputDataError
from analysis.data.catalogue import load_catalogue
from analysis.data.geography import LocalAuthority
from analysis.data.periods import parse_year
from analysis.data.sources import release_names
from analysis.engine.benchmark import (
    benchmark_table,
    load_benchmarks,
    neighbour_values,
    rank_all_once,
)
from analysis.measures.local_measures import load_local_measures, measures_path

QUOTED_COLUMNS = ["indicator_code", "indicator", "report_period", "comparator", "benchmark_year",
                  "quoted_value", "computed_value", "quoted_rank", "computed_rank", "agrees",
                  "explanation", "source"]

_COMPARATOR_COLUMN = {"england": "england", "region": "region",
                      "statistical_neighbours": "sn_mean", "la_outturn": "value"}


def quoted_file(paths: Paths, la: LocalAuthority) -> Path:
    return paths.raw / "local" / f"{la.slug}_quoted_benchmarks.csv"


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def compare_value(quoted_text: str, computed: float | None, release: str = "") -> tuple[bool | None, str]:
    """Whether a quoted figure (as written) is the computed one, rounded; and why not.

    ``release``: the release the computed figure is taken from (and when its year was first
    published), named when the two differ."""
    if computed is None or (isinstance(computed, float) and math.isnan(computed)):
        return None, "no published figure in the toolkit's data to compare"
    quoted = float(quoted_text)
    dec = _decimals(quoted_text)
    if round(computed, dec) == quoted or abs(computed - quoted) <= 0.5 * 10 ** -dec + 1e-9:
        same = abs(computed - quoted) < 1e-9
        return True, "the same figure" if same else f"the published {computed:g}, rounded"
    if dec == 0 and math.trunc(computed) == quoted:
        return True, f"the published {computed:g} with its decimals cut off (not rounded)"
    why = (f"the toolkit's figure is from {release}, later than the report, which may hold a revised "
           f"figure; or the quote is from another table" if release
           else "the quote and the toolkit's figure may come from different releases or tables")
    return False, f"differs from DfE's published {computed:g} by {quoted - computed:+.{max(dec, 1)}f}: {why}"


def _sn_rank(table: pd.DataFrame, la: LocalAuthority, indicator: str, year: int, polarity: str,
             paths: Paths) -> tuple[int | None, int]:
    """The LA's rank among itself and its statistical neighbours with a value (1 = best)."""
    rows = neighbour_values(table, la, indicator, year, paths=paths).dropna(subset=["value"])
    if rows.empty or not rows["is_la"].any() or polarity == "none":
        return None, len(rows)
    ascending = polarity == "lower_is_better"
    ranks = rows["value"].rank(method="min", ascending=ascending)
    return int(ranks[rows["is_la"]].iloc[0]), len(rows)


def quoted_vs_computed(la: LocalAuthority, paths: Paths | None = None) -> pd.DataFrame:
    """Every quoted benchmark of ``la`` beside the computed one (empty when it has none).

    ``indicator`` is the DfE indicator the quote stands beside: the ``pairs_with`` of the LA's
    measure, or its ``context_pairs`` entry for a figure with no code of its own. A quote with
    no year is compared with the year published by the end of the report's quarter. Ranks are
    compared with the national rank (or position), the rank in the region, or the rank among
    the statistical neighbours, whichever group the quote names.
    """
    from analysis.data.publications import benchmark_year_for_quarter, load_publications

    paths = paths or Paths.for_root()
    path = quoted_file(paths, la)
    if not path.exists() or not measures_path(paths.config, la.slug).exists():
        return pd.DataFrame(columns=QUOTED_COLUMNS)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputDataError("cannot be read as CSV", file=path, found=str(exc).splitlines()[0][:160],
                             fix="save the file as CSV (UTF-8)") from None
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    measures = load_local_measures(paths.config, la.slug, catalogue)
    pairs = {code: m.pairs_with for code, m in measures.measures.items() if m.pairs_with}
    pairs.update(measures.context_pairs)
    table = load_benchmarks(paths)
    publications = load_publications(paths.config)
    # Every quote's indicator and year first, then one benchmark table for all of them (every
    # LA ranked once per loaded table, shared with the rest of the pack).
    out = []
    todo: list[tuple[dict[str, object], dict[str, str], str, int]] = []
    for r in raw.to_dict("records"):
        ind = pairs.get(r["indicator_code"])
        rec = {"indicator_code": r["indicator_code"], "indicator": ind, "report_period": r["report_period"],
               "comparator": r["comparator"], "benchmark_year": r["benchmark_year"],
               "quoted_value": float(r["value"]) if r["value"] else None, "computed_value": None,
               "quoted_rank": r["rank"] + (f" of {r['rank_of']}" if r["rank_of"] else "") if r["rank"] else "",
               "computed_rank": "", "agrees": None, "explanation": "", "source": r["source"]}
        out.append(rec)
        if ind is None:
            rec["explanation"] = "DfE publishes no figure for this measure in this pack's data"
            continue
        year = (parse_year(r["benchmark_year"]) if r["benchmark_year"]
                else benchmark_year_for_quarter(r["report_period"], ind, publications))
        if year is None:
            rec["explanation"] = "no DfE year published by the report's quarter"
            continue
        if rec["benchmark_year"] == "":
            rec["benchmark_year"] = f"{year - 1}-{year % 100:02d} (published by the report's quarter)"
        todo.append((rec, r, ind, year))
    benches = (benchmark_table(table, la, catalogue, indicators=sorted({t[2] for t in todo}),
                               years=sorted({t[3] for t in todo}), paths=paths,
                               ranked=rank_all_once(table, catalogue)).set_index(["indicator", "year"])
               if todo else pd.DataFrame())
    for rec, r, ind, year in todo:
        if (ind, year) not in benches.index:
            rec["explanation"] = f"DfE published no figures for this indicator in {year - 1}-{year % 100:02d}"
            continue
        bench = benches.loc[(ind, year)]
        notes = []
        if r["value"]:
            column = _COMPARATOR_COLUMN.get(r["comparator"])
            computed = None if column is None or pd.isna(bench[column]) else float(bench[column])
            rec["computed_value"] = computed
            release = release_names(catalogue.get(ind), year, paths)
            agrees, why = compare_value(r["value"], computed, release)
            rec["agrees"] = agrees
            notes.append(why)
        if r["rank"]:
            quoted_rank = int(r["rank"])
            source = r["source"].lower()
            if "region" in source:
                rank, of, group = bench["region_rank"], bench["region_of"], "in the region"
            elif "neighbour" in source:
                rank, of = _sn_rank(table, la, ind, year, str(bench["polarity"]), paths)
                group = "among the LA and its statistical neighbours"
            elif bench["rank_kind"] == "position":
                rank, of, group = bench["rank_from_highest"], bench["of"], "nationally, counted from the highest"
            else:
                rank, of, group = bench["rank"], bench["of"], "nationally"
            if rank is None or pd.isna(rank):
                notes.append("no computed rank")
            else:
                rec["computed_rank"] = f"{int(rank)} of {int(of)} {group}"
                same = int(rank) == quoted_rank and (not r["rank_of"] or int(r["rank_of"]) == int(of))
                rec["agrees"] = same if rec["agrees"] is None else (rec["agrees"] and same)
                notes.append("the same rank" if same else "a different rank: the quote may rank a "
                                                          "different release or group")
        rec["explanation"] = "; ".join(notes)
    return pd.DataFrame(out, columns=QUOTED_COLUMNS)
