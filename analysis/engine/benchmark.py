"""The benchmark engine: an LA against England, its region and its statistical neighbours.

All functions are pure: they take the tidy table (``data/processed/benchmarks.parquet``,
loaded with :func:`load_benchmarks`) and return new DataFrames.

For an LA, indicator and year the engine gives: the LA's value; England; its region; the
statistical-neighbour mean (of the neighbours with a value, with how many had one) and their
median, minimum and maximum; the national rank and quartile band as DfE's LAIT shows them
(see docs/methods/ranking-and-quartiles.md); the difference to each comparator; and the
direction of travel against the previous year; and whether DfE rounded the counts behind the
value (``numerator_rounding``, ``denominator_rounding``: :mod:`analysis.engine.count_rounding`),
so that every product (the quarterly pack, the explorer, the ``benchmark`` command) says
"about" from the same columns.
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.data.catalogue import Catalogue
from analysis.data.geography import (
    LocalAuthority,
    load_neighbours,
    neighbour_version_for_year,
    reorganisation_note,
)
from analysis.engine.count_rounding import ROUNDING_COLUMNS, with_count_rounding
from analysis.engine.ranking import BANDS, cut_points_of_sorted

BENCHMARK_COLUMNS = [
    "indicator", "label", "unit", "polarity", "decimals", "year", "period",
    "la_code", "la_old_code", "la_name", "value", "status", "numerator", "denominator",
    "england", "region", "region_name", "sn_mean", "sn_count", "sn_size", "sn_median",
    "sn_min", "sn_max", "sn_version", "rank", "of", "rank_kind", "rank_from_highest", "quartile",
    "region_rank", "region_of", "diff_england", "diff_region", "diff_sn", "previous_value", "direction",
    *ROUNDING_COLUMNS,
]


def load_benchmarks(paths: Paths | None = None) -> pd.DataFrame:
    """Read the processed table, built by ``python -m analysis prepare``."""
    paths = paths or Paths.for_root()
    path = paths.benchmarks_table
    if not path.exists():
        raise InputDataError(
            "the processed benchmark table does not exist yet", file=path,
            fix="run `python -m analysis prepare` (or `make data`)",
        )
    try:
        return _read_cached(path, path.stat().st_mtime_ns)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputDataError(
            "the processed benchmark table cannot be read (truncated or damaged)", file=path,
            found=str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__,
            fix="rebuild it with `python -m analysis prepare` (or `make data`)",
        ) from None


@lru_cache(maxsize=2)
def _read_cached(path: Path, mtime_ns: int) -> pd.DataFrame:
    import pyarrow.parquet as pq

    # One file read whole: ParquetFile skips pyarrow's dataset layer (and its import), which
    # pd.read_parquet goes through; the frame is the same.
    return pq.ParquetFile(path).read().to_pandas()


def rank_all(table: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """LA rows of ``table`` with ``rank``, ``of`` and ``quartile`` for every indicator-year.

    Vectorised version of :func:`analysis.engine.ranking.rank_and_band` over all groups at once:
    ranks among LAs with a value, 1 = best by polarity, ties share the lowest rank; bands A-D
    from R type-7 cut points, a value on a cut point in the band below it in value terms.

    Indicators with no better direction (polarity "none") get a *position* instead of a rank:
    ``rank`` counted from the lowest value (1 = lowest, ties share the smaller number) over
    the same LAs, ``rank_from_highest`` counted from the highest, and ``rank_kind`` =
    "position" (a rank is "rank"); they never get a quartile band. ``region_rank`` of
    ``region_of`` is the same within the LA's region.
    """
    la = table[table["level"] == "la"].copy()
    polarity = la["indicator"].map({k: v.polarity for k, v in catalogue.indicators.items()})
    no_quartile = la["indicator"].map({k: v.no_quartile for k, v in catalogue.indicators.items()})
    sign = np.where(polarity == "higher_is_better", -1.0, 1.0)
    keyed = la["value"] * sign
    ranks = keyed.groupby([la["indicator"], la["year"]]).rank(method="min", na_option="keep")
    counts = la["value"].notna().groupby([la["indicator"], la["year"]]).transform("sum")
    ranked = polarity != "none"
    by_year = la["value"].groupby([la["indicator"], la["year"]])
    from_lowest = by_year.rank(method="min", ascending=True, na_option="keep")
    from_highest = by_year.rank(method="min", ascending=False, na_option="keep")
    la["rank"] = ranks.where(ranked, from_lowest).astype("Int64")
    la["of"] = counts.astype("Int64")
    la["rank_kind"] = pd.Series(np.where(ranked, "rank", "position"), index=la.index, dtype=object)
    la["rank_from_highest"] = from_highest.where(~ranked).astype("Int64")
    # Within the LA's region, the same way (rank by polarity; position from the lowest).
    region_keys = [la["indicator"], la["year"], la["region_code"]]
    region_rank = keyed.groupby(region_keys).rank(method="min", na_option="keep")
    region_low = la["value"].groupby(region_keys).rank(method="min", ascending=True, na_option="keep")
    la["region_rank"] = region_rank.where(ranked, region_low).astype("Int64")
    la["region_of"] = la["value"].notna().groupby(region_keys).transform("sum").astype("Int64")
    valid = la.dropna(subset=["value"])
    cut = pd.DataFrame(
        [(ind, yr, *cut_points_of_sorted(np.sort(v.to_numpy(dtype=float))))
         for (ind, yr), v in valid.groupby(["indicator", "year"])["value"]],
        columns=["indicator", "year", "q1", "q2", "q3"],
    ).set_index(["indicator", "year"])
    joined = la[["indicator", "year"]].join(cut, on=["indicator", "year"])
    v = la["value"]
    position = np.select(
        [v <= joined["q1"], v <= joined["q2"], v <= joined["q3"], v.notna()], [0, 1, 2, 3], -1
    )
    position = np.where(polarity == "higher_is_better", 3 - position, position)
    bands = pd.Series(np.array((*BANDS, ""))[np.where(position < 0, 4, position)],
                      index=la.index, dtype="string")
    show = ranked & ~no_quartile.astype(bool) & v.notna()
    la["quartile"] = bands.where(show, pd.NA)
    return la


#: :func:`rank_all` of whole loaded tables, by the table's and the catalogue's identity.
_RANKED: dict[tuple[int, int], tuple[weakref.ref[pd.DataFrame], Catalogue, pd.DataFrame]] = {}


def rank_all_once(table: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """:func:`rank_all` of ``table``, worked out once per table object in this process.

    The processed table is read once per process (:func:`load_benchmarks`) and shared, so a
    pack that asks for ranks in several places (its profile, the quarterly pairing, the quoted
    figures) ranks every LA once. Pass the result as ``ranked`` to :func:`benchmark_table`.
    Tables are never changed in place here; a changed copy is a new object and ranked anew.
    """
    key = (id(table), id(catalogue))
    hit = _RANKED.get(key)
    if hit is not None and hit[0]() is table and hit[1] is catalogue:
        return hit[2]
    ranked = rank_all(table, catalogue)

    def forget(_ref: object) -> None:
        _RANKED.pop(key, None)

    _RANKED[key] = (weakref.ref(table, forget), catalogue, ranked)
    return ranked


def direction_of_travel(current: pd.Series, previous: pd.Series, polarity: pd.Series,
                        decimals: pd.Series | int = 1) -> pd.Series:
    """Improved / worsened / no change by polarity; higher / lower / no change without one.

    Values are compared at their published precision (``decimals``), so 27.10 against 27.1
    is "no change". Missing either side gives "no comparison".
    """
    dec = decimals if isinstance(decimals, pd.Series) else pd.Series(decimals, index=current.index)
    scale = np.power(10.0, dec.astype(float))
    delta = np.round(current * scale) - np.round(previous * scale)
    higher_better = polarity == "higher_is_better"
    lower_better = polarity == "lower_is_better"
    out = pd.Series("no comparison", index=current.index, dtype="string")
    out[delta == 0] = "no change"
    up, down = delta > 0, delta < 0
    out[up & higher_better | down & lower_better] = "improved"
    out[down & higher_better | up & lower_better] = "worsened"
    out[up & (polarity == "none")] = "higher"
    out[down & (polarity == "none")] = "lower"
    return out


def _neighbour_stats(table: pd.DataFrame, las: list[LocalAuthority], years: list[int],
                     version: str | None, paths: Paths) -> pd.DataFrame:
    """Each LA's statistical neighbours' mean, count, median, minimum and maximum by
    indicator and year (keyed by ``la_old_code``), with the list's size and version."""
    parts = []
    by_version: dict[str, list[int]] = {}
    for year in years:
        by_version.setdefault(version or neighbour_version_for_year(year, paths.config), []).append(year)
    codes = [la.old_code for la in las]
    for ver, ver_years in by_version.items():
        neighbours = load_neighbours(ver, paths.root)
        pairs = neighbours.loc[neighbours["old_code"].isin(codes), ["old_code", "neighbour_old_code"]]
        rows = table.loc[(table["level"] == "la") & table["old_la_code"].isin(set(pairs["neighbour_old_code"]))
                         & table["year"].isin(ver_years), ["old_la_code", "indicator", "year", "value"]]
        values = pairs.merge(rows, left_on="neighbour_old_code", right_on="old_la_code")
        stats = values.groupby(["old_code", "indicator", "year"])["value"].agg(
            sn_mean="mean", sn_count="count", sn_median="median", sn_min="min", sn_max="max")
        stats = stats.reset_index().rename(columns={"old_code": "la_old_code"})
        stats["sn_size"] = stats["la_old_code"].map(pairs.groupby("old_code").size())
        stats["sn_version"] = ver
        parts.append(stats)
    if not parts:
        return pd.DataFrame(columns=["la_old_code", "indicator", "year", "sn_mean", "sn_count", "sn_median",
                                     "sn_min", "sn_max", "sn_size", "sn_version"])
    return pd.concat(parts, ignore_index=True)


def _check_request(table: pd.DataFrame, catalogue: Catalogue, indicators: list[str] | None,
                   years: list[int] | None) -> tuple[list[str], list[int]]:
    ids = indicators or [i.id for i in catalogue.benchmarked()]
    for ind in ids:
        catalogue.get(ind)
        if catalogue.indicators[ind].source is None:
            raise ParameterError(
                f"indicator '{ind}' is a local-only measure with no DfE benchmark",
                parameter="indicator", fix="use `python -m analysis quarter` for local measures",
            )
    available = sorted(table.loc[table["indicator"].isin(ids), "year"].unique().tolist())
    if years:
        missing = [y for y in years if y not in available]
        if missing:
            raise ParameterError(
                f"year {', '.join(map(str, missing))} is not in the data for "
                f"{'this indicator' if len(ids) == 1 else 'these indicators'}"
                + (f" (published for {available[0]} to {available[-1]})" if available else ""),
                parameter="year", expected=f"one of {available[0]}-{available[-1]}",
                found=", ".join(map(str, missing)),
                fix="choose a year in range (years end 31 March: 2017 means 2016-17)",
            )
    return ids, (years or available)


def benchmark_rows(
    table: pd.DataFrame,
    las: list[LocalAuthority],
    catalogue: Catalogue,
    *,
    indicators: list[str] | None = None,
    years: list[int] | None = None,
    neighbours_version: str | None = None,
    paths: Paths | None = None,
    ranked: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`benchmark_table`'s rows for every LA in ``las`` at once, one LA after another in
    ``las`` order; an LA with no figures has rows with no values (never an error). Worked
    out in one pass for all of them: the explorer judges an indicator for every LA once."""
    paths = paths or Paths.for_root()
    ids, years = _check_request(table, catalogue, indicators, years)
    # Only the rows asked for (and the year before each, for the direction of travel).
    table = table[table["indicator"].isin(ids) & table["year"].isin(years + [y - 1 for y in years])]
    if ranked is None:
        ranked = rank_all(table, catalogue)
    who = pd.DataFrame({"la_code": [la.new_code for la in las], "la_old_code": [la.old_code for la in las],
                        "la_name": [la.name for la in las], "region_code": [la.region_code for la in las],
                        "region_name": [la.region_name for la in las], "la_order": range(len(las))})
    # Every indicator-year that exists in the data, for every LA, whether or not it has a figure.
    grid = table[["indicator", "year", "period"]].drop_duplicates(["indicator", "year"])
    out = who.merge(grid, how="cross")
    mine = ranked.loc[ranked["old_la_code"].isin(who["la_old_code"]),
                      ["old_la_code", "indicator", "year", "value", "status", "numerator", "denominator",
                       "rank", "of", "rank_kind", "rank_from_highest", "quartile", "region_rank",
                       "region_of"]].rename(columns={"old_la_code": "la_old_code"})
    key = ["la_old_code", "indicator", "year"]
    out = out.merge(mine, on=key, how="left")
    out["status"] = out["status"].fillna("not in data")
    nat = table.loc[table["level"] == "national", ["indicator", "year", "value"]]
    reg = table.loc[table["area_code"].isin(who["region_code"]), ["area_code", "indicator", "year", "value"]]
    out = out.merge(nat.rename(columns={"value": "england"}), on=["indicator", "year"], how="left")
    out = out.merge(reg.rename(columns={"value": "region", "area_code": "region_code"}),
                    on=["region_code", "indicator", "year"], how="left")
    sn = _neighbour_stats(table, las, sorted(out["year"].unique().tolist()), neighbours_version, paths)
    out = out.merge(sn, on=key, how="left")
    meta = pd.DataFrame([
        {"indicator": i, "label": catalogue.indicators[i].label, "unit": catalogue.indicators[i].unit,
         "polarity": catalogue.indicators[i].polarity, "decimals": catalogue.indicators[i].decimals,
         "indicator_order": n}
        for n, i in enumerate(ids)
    ])
    out = out.merge(meta, on="indicator", how="left")
    out = out.sort_values(["la_order", "indicator", "year"]).reset_index(drop=True)
    prev = out.groupby(["la_order", "indicator"])["value"].shift(1)
    prev_year = out.groupby(["la_order", "indicator"])["year"].shift(1)
    out["previous_value"] = prev.where(prev_year == out["year"] - 1)
    out["direction"] = direction_of_travel(out["value"], out["previous_value"], out["polarity"],
                                           out["decimals"])
    for comp in ("england", "region", "sn_mean"):
        out[f"diff_{'sn' if comp == 'sn_mean' else comp}"] = out["value"] - out[comp]
    out["sn_count"] = out["sn_count"].fillna(0).astype("Int64")
    out["sn_size"] = out["sn_size"].astype("Int64")
    out["rank_kind"] = np.where(out["polarity"] == "none", "position", "rank")
    out = out[out["year"].isin(years)]
    out = out.sort_values(["la_order", "indicator_order", "year"])
    # Where DfE rounded the counts (every product says "about" from these columns).
    out = with_count_rounding(out, table)
    return out[BENCHMARK_COLUMNS].reset_index(drop=True)


def benchmark_table(
    table: pd.DataFrame,
    la: LocalAuthority,
    catalogue: Catalogue,
    *,
    indicators: list[str] | None = None,
    years: list[int] | None = None,
    neighbours_version: str | None = None,
    paths: Paths | None = None,
    ranked: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per indicator and year for ``la``: value, comparators, rank, band, gaps, trend.

    ``years`` defaults to every year in the data; ``neighbours_version`` to the documented
    default for each year (config/benchmarks.yaml). Pass ``ranked`` (from :func:`rank_all`)
    to reuse ranks across many calls. Raises NoDataError when the LA has no figures at all
    for the years asked.
    """
    out = benchmark_rows(table, [la], catalogue, indicators=indicators, years=years,
                         neighbours_version=neighbours_version, paths=paths, ranked=ranked)
    if out["value"].notna().sum() == 0:
        raise no_figures_error(la, *_check_request(table, catalogue, indicators, years))
    return out


def no_figures_error(la: LocalAuthority, ids: list[str], years: list[int]) -> NoDataError:
    """The error for an LA with no published figure for any of ``ids`` in ``years`` (saying
    why where the LA did not exist in a year asked for)."""
    notes = [n for y in years if (n := reorganisation_note(la, y))]
    return NoDataError(
        f"{la.name} has no published figures for "
        f"{'these indicators' if len(ids) > 1 else ids[0]} in "
        f"{', '.join(map(str, years)) if len(years) < 6 else f'{years[0]}-{years[-1]}'}",
        found=notes[0] if notes else "every value is missing or suppressed",
        fix="choose another year or indicator",
    )


def latest_rows(bench: pd.DataFrame, ids: list[str] | None = None, *,
                keep_blank: bool = False) -> pd.DataFrame:
    """One row per indicator of a benchmark table: its latest year with a value.

    In ``ids`` order (default: the table's order). An indicator with no value in any year is
    left out, or with ``keep_blank`` given its latest year's row, so that a pack can still
    list it and say why it is blank (figures suppressed, e.g. "c" for a small LA).
    """
    ids = list(dict.fromkeys(bench["indicator"])) if ids is None else ids
    ordered = bench.sort_values("year", kind="stable")
    parts = [ordered.dropna(subset=["value"]).groupby("indicator").tail(1)]
    if keep_blank:
        parts.append(ordered[~ordered["indicator"].isin(parts[0]["indicator"])].groupby("indicator").tail(1))
    latest = pd.concat(parts).set_index("indicator")
    return latest.reindex([i for i in ids if i in latest.index]).reset_index()


def neighbour_values(table: pd.DataFrame, la: LocalAuthority, indicator: str, year: int,
                     *, neighbours_version: str | None = None, paths: Paths | None = None) -> pd.DataFrame:
    """The LA and each of its statistical neighbours for one indicator and year, in list order.

    Columns: old_la_code, area_name, sn_rank (0 for the LA itself), closeness, value, status,
    numerator, denominator, is_la.
    """
    paths = paths or Paths.for_root()
    version = neighbours_version or neighbour_version_for_year(year, paths.config)
    nb = load_neighbours(version, paths.root)
    nb = nb[nb["old_code"] == la.old_code][["rank", "neighbour_old_code", "closeness"]]
    members = pd.concat([pd.DataFrame({"rank": [0], "neighbour_old_code": [la.old_code],
                                       "closeness": ["(this LA)"]}), nb], ignore_index=True)
    rows = table[(table["indicator"] == indicator) & (table["year"] == year) & (table["level"] == "la")]
    out = members.merge(rows, left_on="neighbour_old_code", right_on="old_la_code", how="left")
    from analysis.data.geography import load_areas

    names = load_areas(paths.root).set_index("old_code")["name"]
    out["area_name"] = out["neighbour_old_code"].map(names)
    out["status"] = out["status"].fillna("not in data")
    out = out.rename(columns={"rank": "sn_rank"})
    out["old_la_code"] = out["neighbour_old_code"]
    out["is_la"] = out["sn_rank"] == 0
    return out[["old_la_code", "area_name", "sn_rank", "closeness", "value", "status",
                "numerator", "denominator", "is_la"]]


def all_la_values(table: pd.DataFrame, indicator: str, year: int, catalogue: Catalogue) -> pd.DataFrame:
    """Every LA's value, rank and quartile band for one indicator and year, best first."""
    rows = table[(table["indicator"] == indicator) & (table["year"] == year)]
    if rows.empty:
        raise NoDataError(f"no figures for {indicator} in {year}")
    ranked = rank_all(rows, catalogue)
    polarity = catalogue.get(indicator).polarity
    ascending = polarity != "higher_is_better"
    ranked = ranked.sort_values("value", ascending=ascending, na_position="last")
    return ranked[["old_la_code", "area_code", "area_name", "region_name", "value", "status",
                   "numerator", "denominator", "rank", "of", "rank_kind", "rank_from_highest",
                   "quartile"]].reset_index(drop=True)
