"""Local authorities, regions, statistical neighbours and reorganisations.

An LA can be named three ways: its name (any case), its old 3-digit DfE code (371) or its
9-character ONS code (E08000017). :func:`resolve_la` accepts all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import cast

import pandas as pd

from analysis.core.config import Paths, load_benchmark_settings, load_geography_settings
from analysis.core.errors import InputDataError, NoDataError, ParameterError

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
LA_ENTITY_CODES = ("E06", "E08", "E09", "E10")


@dataclass(frozen=True)
class LocalAuthority:
    """One local authority with children's services responsibilities."""

    new_code: str
    old_code: str
    name: str
    region_code: str
    region_name: str
    status: str  # live | terminated
    first_year: int | None = None  # first year-end it reports (None: before our data)
    last_year: int | None = None  # last year-end it reports (None: still reporting)

    @property
    def slug(self) -> str:
        """A file-system-safe name: lower case, words joined by hyphens."""
        return slugify(self.name)

    def exists_in(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


def slugify(text: str) -> str:
    """``"Bristol, City of"`` -> ``"bristol-city-of"``; only [a-z0-9-] survive."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _normalise_name(text: str) -> str:
    text = text.lower().replace("&", "and")
    text = re.sub(r"\(pre lg\)", "", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _read_csv(path: Path, needed: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise InputDataError("raw data file not found", file=path,
                             fix="restore data/raw from the repository, or run `python -m analysis fetch`")
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputDataError(f"column missing: {', '.join(missing)}", file=path, column=missing[0],
                             expected=", ".join(needed), found=", ".join(frame.columns),
                             fix="restore the file from the repository")
    return frame


@lru_cache(maxsize=4)
def load_areas(root: Path | None = None) -> pd.DataFrame:
    """One row per LA (current and former): new_code, old_code, name, region, status, years.

    Built from DfE's geography lookup (``las.csv`` and ``regions.csv``) and the
    reorganisations in ``config/geography.yaml``.
    """
    paths = Paths.for_root(root)
    las = _read_csv(paths.raw / "dfe/la-lookup/las.csv",
                    ["new_la_code", "la_name", "parent_geography_code", "entity_code", "status", "old_la_code"])
    regions = _read_csv(paths.raw / "dfe/la-lookup/regions.csv", ["region_code", "region_name"])
    las = las[las["entity_code"].isin(LA_ENTITY_CODES) & las["old_la_code"].str.fullmatch(r"\d{3}")]
    las = las.merge(regions, left_on="parent_geography_code", right_on="region_code", how="left")
    areas = pd.DataFrame({
        "new_code": las["new_la_code"], "old_code": las["old_la_code"], "name": las["la_name"],
        "region_code": las["region_code"], "region_name": las["region_name"], "status": las["status"],
    })
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for reorg in load_geography_settings(paths.config).reorganisations:
        for code in reorg.successors:
            first[code] = reorg.first_year
        for code in reorg.predecessors:
            last[code] = reorg.first_year - 1
    areas["first_year"] = areas["old_code"].map(first).astype("Int64")
    areas["last_year"] = areas["old_code"].map(last).astype("Int64")
    # An LA whose ONS code changed (e.g. Barnsley E08000016 -> E08000038 in 2019) appears
    # twice with one old code: keep the live row and remember the former code.
    former = (areas[areas["status"] == "terminated"].groupby("old_code")["new_code"]
              .agg(";".join))
    areas = areas.sort_values("status").drop_duplicates("old_code")  # "live" sorts first
    areas["former_codes"] = areas["old_code"].map(former).where(
        lambda s: s != areas["new_code"], None).fillna("")
    return areas.sort_values("name").reset_index(drop=True)


def _as_la(row: pd.Series) -> LocalAuthority:
    def _opt(v: object) -> int | None:
        return None if pd.isna(v) else int(cast(float, v))

    return LocalAuthority(
        new_code=row["new_code"], old_code=row["old_code"], name=row["name"],
        region_code=row["region_code"], region_name=row["region_name"], status=row["status"],
        first_year=_opt(row["first_year"]), last_year=_opt(row["last_year"]),
    )


def las_of(areas: pd.DataFrame) -> list[LocalAuthority]:
    """Every LA of an areas table, in its order."""
    return [_as_la(row) for _, row in areas.iterrows()]


def resolve_la(query: str | int, areas: pd.DataFrame | None = None) -> LocalAuthority:
    """Find an LA by name (case-insensitive), old 3-digit code or 9-character code.

    Raises :class:`ParameterError` suggesting the closest names when nothing matches.
    """
    if areas is None:
        areas = load_areas()
    text = str(query).strip()
    if not text:
        raise ParameterError("no local authority given", parameter="la",
                             expected="an LA name, old code (e.g. 371) or new code (e.g. E08000017)",
                             found="an empty value")
    if re.fullmatch(r"\d{3}", text):
        hit = areas[areas["old_code"] == text]
    elif re.fullmatch(r"[Ee]\d{8}", text):
        code = text.upper()
        hit = areas[(areas["new_code"] == code) | areas["former_codes"].str.split(";").map(
            lambda codes: code in codes)]
    else:
        norm = _normalise_name(text)
        names = areas["name"].map(_normalise_name)
        hit = areas[names == norm]
        if len(hit) > 1:  # e.g. Dorset county (to 2019) and Dorset unitary (from 2019)
            live = hit[hit["status"] == "live"]
            hit = live if len(live) == 1 else hit
    if len(hit) == 1:
        return _as_la(hit.iloc[0])
    close = get_close_matches(text, list(areas["name"]), n=3, cutoff=0.6) if not text[:1].isdigit() else []
    raise ParameterError(
        f"unknown local authority '{text}'", parameter="la",
        expected="an English LA name, old code (e.g. 371) or new code (e.g. E08000017)",
        found=text,
        fix=(f"did you mean {', '.join(repr(c) for c in close)}? " if close else "")
        + "run `python -m analysis las` to list them",
    )


def reorganisation_note(la: LocalAuthority, year: int) -> str | None:
    """Why an LA has no figures for a year because of reorganisation, or None."""
    if la.exists_in(year):
        return None
    if la.first_year is not None and year < la.first_year:
        return (f"{la.name} was created by local government reorganisation and first reports "
                f"for the year ending March {la.first_year}")
    return (f"{la.name} was abolished by local government reorganisation; its last year is "
            f"the year ending March {la.last_year}")


def neighbour_version_for_year(year: int, config_dir: Path) -> str:
    """The statistical-neighbour list version used by default for a data year."""
    settings = load_benchmark_settings(config_dir).statistical_neighbours
    for rule in settings.default_by_year:
        if year <= rule.up_to_year:
            return rule.version
    return settings.default_by_year[-1].version


@lru_cache(maxsize=8)
def load_neighbours(version: str, root: Path | None = None) -> pd.DataFrame:
    """A statistical-neighbour list as long rows: old_code, rank (1-10), neighbour_old_code, closeness."""
    paths = Paths.for_root(root)
    settings = load_benchmark_settings(paths.config).statistical_neighbours
    if version not in settings.versions:
        raise ParameterError(
            f"unknown statistical neighbour list '{version}'", parameter="neighbours",
            expected=" or ".join(settings.versions), found=version,
        )
    spec = settings.versions[version]
    path = paths.raw / spec.file
    if spec.layout == "csnbt_2021":
        wide = _read_csv(path, ["LA number", "SN1", "SN10"])
        code_col = "LA number"
        wide = wide[wide[code_col].str.fullmatch(r"\d{3}")]
        sn_cols = [f"SN{i}" for i in range(1, 11)]
        # The closeness column after each SNn is "SNP", "SNP.1", ... as pandas dedupes names.
        cols = list(wide.columns)
        closeness_cols = [cols[cols.index(c) + 1] for c in sn_cols]
    elif spec.layout == "csnbt_2025":
        wide = _read_csv(path, ["old_la_code", "SN_1", "SN_10"])
        code_col = "old_la_code"
        wide = wide[wide[code_col].str.fullmatch(r"\d{3}")]
        sn_cols = [f"SN_{i}" for i in range(1, 11)]
        closeness_cols = [f"SN_{i}P" for i in range(1, 11)]
    else:  # pragma: no cover - guarded by the config model
        raise InputDataError(f"unknown neighbour file layout '{spec.layout}'", file=paths.config / "benchmarks.yaml")
    rows = []
    for rank, (sn, close) in enumerate(zip(sn_cols, closeness_cols, strict=True), start=1):
        rows.append(pd.DataFrame({
            "old_code": wide[code_col].values, "rank": rank,
            "neighbour_old_code": wide[sn].str.strip().values,
            "closeness": wide[close].str.strip().values,
        }))
    long = pd.concat(rows, ignore_index=True)
    long = long[long["neighbour_old_code"].str.fullmatch(r"\d{3}")]
    return long.sort_values(["old_code", "rank"]).reset_index(drop=True)


def neighbours_of(la: LocalAuthority, version: str, root: Path | None = None) -> pd.DataFrame:
    """The LA's neighbours in order: rank, neighbour_old_code, closeness."""
    table = load_neighbours(version, root)
    mine = table[table["old_code"] == la.old_code]
    if mine.empty:
        raise NoDataError(
            f"{la.name} ({la.old_code}) has no statistical neighbours in list {version}",
            fix="choose another neighbour list with --neighbours",
        )
    return mine[["rank", "neighbour_old_code", "closeness"]].reset_index(drop=True)
