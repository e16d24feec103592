"""raw -> validated -> processed: build the tidy annual benchmark table.

``prepare_benchmarks`` reads every DfE file the catalogue names, turns each indicator into
rows of one long shape (see :mod:`analysis.data.schemas.benchmarks`), checks them and writes
``data/processed/benchmarks.parquet`` atomically, with a JSON record of what went in.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pandera.errors

from analysis.core.atomic import atomic_path, sha256_file
from analysis.core.config import Paths, toolkit_version
from analysis.core.errors import InputDataError
from analysis.data.catalogue import Catalogue, EesSource, Indicator, LaitSource, load_catalogue
from analysis.data.geography import ENGLAND_CODE, ENGLAND_NAME, load_areas
from analysis.data.integrity import verify_raw_files
from analysis.data.periods import period_label
from analysis.data.readers.ees import LEVELS, read_ees_csv
from analysis.data.readers.lait import ENGLAND_NUMBER, REGION_NUMBERS, read_lait
from analysis.data.readers.symbols import split_values
from analysis.data.schemas.benchmarks import COLUMNS, BenchmarkSchema

LAIT_FILE = "dfe/lait/bds_long_0.parquet"
#: Every LAIT version read, newest first. LAIT drops its oldest year when it adds a new one;
#: the older version supplies the years the newer no longer holds, and nothing for a year the
#: newer one holds, not even where the newer one has withdrawn a figure (see
#: :func:`combine_versions`).
LAIT_FILES: tuple[str, ...] = (LAIT_FILE, "dfe/lait/version_2024-11-25/bds_long_0.parquet")


def _numbers(raw: pd.Series, path: Path, column: str) -> tuple[pd.Series, pd.Series]:
    """Parse a published column; text that is neither a number nor a DfE symbol is an error."""
    value, status, bad = split_values(raw)
    if bad.any():
        examples = sorted(set(raw[bad].astype(str)))[:5]
        raise InputDataError(
            "text in a numeric column that is not a DfE symbol", file=path, column=column,
            rows=list(raw.index[bad] + 2),
            expected="a number or one of the DfE symbols c, x, z, k, u, low, :",
            found=", ".join(repr(e) for e in examples),
            fix="correct the cells, or restore the file from the repository",
        )
    return value, status


def _summed_percent(frame: pd.DataFrame, columns: list[str], denominator_column: str,
                    path: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The sum of ``columns`` and 100 x sum / the denominator, with the status of the first
    part not published (a suppressed part leaves the sum and the percentage unknown)."""
    parts = [_numbers(frame[c], path, c) for c in [*columns, denominator_column]]
    denominator = parts.pop()[0]
    total = sum((v for v, _ in parts), start=pd.Series(0.0, index=frame.index))
    status = pd.Series("published", index=frame.index, dtype="string")
    for _, part_status in reversed([*parts, _numbers(frame[denominator_column], path,
                                                     denominator_column)]):
        status = status.mask(part_status != "published", part_status)
    value = (100.0 * total / denominator).where(denominator > 0)
    status = status.mask((status == "published") & (denominator == 0), "z")  # no conferences
    return total.where(status == "published"), value.where(status == "published"), status


def _region_lookup(areas: pd.DataFrame) -> dict[str, tuple[str, str]]:
    return {r.old_code: (r.region_code, r.region_name) for r in areas.itertuples()}


def _ees_rows(ind: Indicator, src: EesSource, raw_dir: Path, areas: pd.DataFrame) -> pd.DataFrame:
    path = raw_dir / "dfe" / src.file
    cols = [c for c in [src.value, src.numerator, *src.numerator_sum, src.denominator,
                        *src.filters] if c]
    frame = read_ees_csv(path, cols)
    for column, wanted in src.filters.items():
        frame = frame[frame[column] == wanted]
    numerator = _numbers(frame[src.numerator], path, src.numerator)[0] if src.numerator else None
    denominator = _numbers(frame[src.denominator], path, src.denominator)[0] if src.denominator else None
    if src.value is not None:
        value, status = _numbers(frame[src.value], path, src.value)
        source = f"dfe/{src.file}:{src.value}"
    else:
        assert src.denominator is not None
        numerator, value, status = _summed_percent(frame, src.numerator_sum, src.denominator, path)
        source = f"dfe/{src.file}:{'+'.join(src.numerator_sum)}"
    level = frame["geographic_level"].map(LEVELS)
    is_la = level == "la"
    is_reg = level == "regional"
    regions = _region_lookup(areas)
    la_region = frame["old_la_code"].map(lambda c: regions.get(c, (None, None)))
    out = pd.DataFrame({
        "indicator": ind.id,
        "year": pd.to_numeric(frame["time_period"], errors="coerce"),
        "level": level,
        "area_code": frame["new_la_code"].where(is_la, frame["region_code"].where(is_reg, frame["country_code"])),
        "old_la_code": frame["old_la_code"].where(is_la, None),
        "area_name": frame["la_name"].where(is_la, frame["region_name"].where(is_reg, ENGLAND_NAME)),
        "region_code": la_region.str[0].where(is_la, frame["region_code"].where(is_reg, None)),
        "region_name": la_region.str[1].where(is_la, frame["region_name"].where(is_reg, None)),
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "status": status,
        "source": source,
    }, index=frame.index)
    bad_year = out["year"].isna()
    if bad_year.any():
        raise InputDataError("time_period is not a year", file=path, column="time_period",
                             rows=list(out.index[bad_year] + 2), expected="a year such as 2017",
                             found=", ".join(sorted(set(frame.loc[bad_year, "time_period"])))[:80])
    unknown = is_la & out["region_code"].isna()
    if unknown.any():
        raise InputDataError(
            "LA code not in the geography lookup", file=path, column="old_la_code",
            rows=list(out.index[unknown] + 2), found=", ".join(sorted(set(frame.loc[unknown, "old_la_code"]))),
            fix="add the LA to data/raw/dfe/la-lookup/las.csv or correct the code",
        )
    return out


def _lait_rows(ind: Indicator, src: LaitSource, lait: pd.DataFrame, path: Path,
               areas: pd.DataFrame, file: str = LAIT_FILE) -> pd.DataFrame:
    def measure(code: str) -> pd.DataFrame:
        part = lait[lait["Short Desc"] == code]
        if part.empty:
            return pd.DataFrame({"number": pd.Series(dtype="Int64"), "year_text": pd.Series(dtype=str),
                                 "value": pd.Series(dtype=float), "status": pd.Series(dtype=str)})
        value, status = _numbers(part["Values"], path, f"Values ({code})")
        return pd.DataFrame({"number": part["LA Number"], "year_text": part["Years"],
                             "value": value, "status": status}, index=part.index)

    main = measure(src.measure)
    for role, code in (("numerator", src.numerator_measure), ("denominator", src.denominator_measure)):
        if code:
            extra = measure(code)[["number", "year_text", "value"]].rename(columns={"value": role})
            main = main.merge(extra, on=["number", "year_text"], how="left")
        else:
            main[role] = float("nan")
    bad_year = ~main["year_text"].str.fullmatch(r"\d{4}")
    if bad_year.any():
        raise InputDataError(f"Years for measure {src.measure} is not a 4-digit year", file=path,
                             column="Years", found=", ".join(sorted(set(main.loc[bad_year, "year_text"])))[:80])
    by_old = areas.set_index("old_code")
    region_codes = {"North East": "E12000001", "North West": "E12000002",
                    "Yorkshire and The Humber": "E12000003", "East Midlands": "E12000004",
                    "West Midlands": "E12000005", "East of England": "E12000006",
                    "London": "E12000007", "South East": "E12000008", "South West": "E12000009",
                    "Inner London": "E13000001", "Outer London": "E13000002"}
    number = main["number"].astype("Int64")
    old = number.astype(str)
    is_la = number < ENGLAND_NUMBER
    is_eng = number == ENGLAND_NUMBER
    region_name = number.map(REGION_NUMBERS)
    unknown = is_la & ~old.isin(by_old.index)
    if unknown.any():
        raise InputDataError("LAIT LA Number not in the geography lookup", file=path, column="LA Number",
                             found=", ".join(sorted(set(old[unknown]))),
                             fix="add the LA to data/raw/dfe/la-lookup/las.csv")
    la_info = by_old.reindex(old.where(is_la))
    out = pd.DataFrame({
        "indicator": ind.id,
        "year": main["year_text"].astype(int),
        "level": pd.Series("regional", index=main.index).mask(is_la, "la").mask(is_eng, "national"),
        "area_code": pd.Series(la_info["new_code"].values, index=main.index)
        .where(is_la, region_name.map(region_codes).where(~is_eng, ENGLAND_CODE)),
        "old_la_code": old.where(is_la, None),
        "area_name": pd.Series(la_info["name"].values, index=main.index)
        .where(is_la, region_name.where(~is_eng, ENGLAND_NAME)),
        "region_code": pd.Series(la_info["region_code"].values, index=main.index)
        .where(is_la, region_name.map(region_codes).where(~is_eng, None)),
        "region_name": pd.Series(la_info["region_name"].values, index=main.index)
        .where(is_la, region_name.where(~is_eng, None)),
        "value": main["value"], "numerator": main["numerator"], "denominator": main["denominator"],
        "status": main["status"],
        "source": f"{file}:{src.measure}",
    })
    return out


def combine_versions(versions: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per indicator, year and area from several versions of the same source.

    ``versions`` newest first. An older version fills only the years a newer one no longer
    holds (no row at all for that indicator and year); for a year a newer version holds, its
    rows stand as they are, blank or not, so a figure it withdrew (LAIT's '-', EES's 'z') is
    never brought back from an older version. The ``source`` column says which file each row
    came from.
    """
    frames = [v for v in versions if not v.empty]
    if not frames:
        return versions[0] if versions else pd.DataFrame()
    kept: list[pd.DataFrame] = []
    held: set[tuple[str, int]] = set()
    for frame in frames:
        keys = pd.Series(list(zip(frame["indicator"], frame["year"].astype(int), strict=True)),
                         index=frame.index)
        kept.append(frame[~keys.isin(held)])
        held |= set(keys)
    return pd.concat(kept).sort_index() if len(kept) > 1 else kept[0]


def _drop_non_existent(rows: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Drop LA rows for years an LA did not exist (reorganisations); LAIT lists them with '-'."""
    first = rows["old_la_code"].map(areas.set_index("old_code")["first_year"])
    last = rows["old_la_code"].map(areas.set_index("old_code")["last_year"])
    gone = (rows["level"] == "la") & (
        (first.notna() & (rows["year"] < first)) | (last.notna() & (rows["year"] > last))
    )
    return rows[~gone.fillna(False).astype(bool)]


def build_benchmarks(catalogue: Catalogue, paths: Paths) -> pd.DataFrame:
    """Every benchmarked indicator as rows of the tidy table, validated."""
    areas = load_areas(paths.root)
    lait_codes = sorted({
        code for ind in catalogue.benchmarked() if isinstance(ind.source, LaitSource)
        for code in (ind.source.measure, ind.source.numerator_measure, ind.source.denominator_measure)
        if code
    })
    laits = ([read_lait(paths.raw / f, lait_codes, allow_absent=n > 0) for n, f in enumerate(LAIT_FILES)]
             if lait_codes else [])
    parts = []
    for ind in catalogue.benchmarked():
        src = ind.source
        if isinstance(src, EesSource):
            rows = _ees_rows(ind, src, paths.raw, areas)
        else:
            assert isinstance(src, LaitSource) and laits
            rows = combine_versions([
                _drop_non_existent(_lait_rows(ind, src, lait, paths.raw / f, areas, f), areas)
                for f, lait in zip(LAIT_FILES, laits, strict=True)])
        rows = rows[~rows["level"].isin(ind.exclude_levels)]
        rows = _drop_non_existent(rows, areas)
        rows["period"] = rows["year"].map(lambda y, t=ind.year_type: period_label(int(y), t))
        parts.append(rows)
    table = pd.concat(parts, ignore_index=True)[COLUMNS]
    dup = table.duplicated(["indicator", "year", "area_code"], keep=False)
    if dup.any():
        first = table[dup].iloc[0]
        raise InputDataError(
            "duplicate rows: the same indicator, year and area appear more than once",
            file=paths.raw / first["source"].split(":")[0],
            found=f"{int(dup.sum())} rows, e.g. {first['indicator']} {first['year']} {first['area_name']}",
            fix="remove the repeated rows (or correct the filters for this indicator in config/indicators.yaml)",
        )
    try:
        table = BenchmarkSchema.validate(table, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        raise InputDataError(
            f"the prepared table failed validation ({len(cases)} problem(s))",
            column=str(first.get("column")), found=str(first.get("failure_case")),
            expected=str(first.get("check")),
            fix="check the raw files named in config/indicators.yaml",
        ) from None
    return table.sort_values(["indicator", "year", "level", "area_code"]).reset_index(drop=True)


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write a parquet file via a temporary file, then rename: never a half-written file."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def prepare_benchmarks(paths: Paths | None = None) -> tuple[Path, pd.DataFrame]:
    """Build and write ``benchmarks.parquet`` plus ``benchmarks.manifest.json``."""
    paths = paths or Paths.for_root()
    started = dt.datetime.now(dt.UTC)
    verify_raw_files(paths)  # every raw file is the published copy recorded in config/sources.yaml
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = build_benchmarks(catalogue, paths)
    out = paths.benchmarks_table
    out.parent.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(table, out)
    inputs = sorted({s.split(":")[0] for s in table["source"]} | {
        "dfe/la-lookup/las.csv", "dfe/la-lookup/regions.csv"})
    manifest = {
        "table": out.name, "rows": len(table), "package_version": toolkit_version(),
        "created": started.isoformat(timespec="seconds"),
        "indicators": sorted(table["indicator"].unique()),
        "inputs": {p: sha256_file(paths.raw / p) for p in inputs},
        "config": {p: sha256_file(paths.config / p) for p in ("indicators.yaml", "geography.yaml")},
    }
    with atomic_path(out.with_suffix(".manifest.json")) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return out, table
