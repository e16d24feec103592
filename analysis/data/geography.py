"""Local authorities, regions, statistical neighbours and reorganisations.

An LA can be named by any part of its name as a person types it, a short name (Hull, BCP), its
old 3-digit DfE code (371) or its 9-character ONS code (E08000017): :func:`resolve_la` accepts
them all (the matching is :mod:`analysis.data.la_names`) and lists the choices when several match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
    replaced_by: tuple[str, ...] = ()  # the names of the LAs that took over an abolished one

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
    geography = load_geography_settings(paths.config)
    live_names = areas[areas["status"] == "live"].set_index("old_code")["name"]
    successors = {code: ";".join(str(live_names[s]) for s in reorg.replaced_by.get(code, reorg.successors))
                  for reorg in geography.reorganisations for code in reorg.predecessors}
    areas["replaced_by"] = areas["old_code"].map(successors).where(areas["status"] == "terminated").fillna("")
    shorts: dict[str, list[str]] = {}
    for short, code in geography.short_names.items():
        shorts.setdefault(code, []).append(short)
    areas["short_names"] = areas["new_code"].map(lambda c: ";".join(shorts.get(c, [])))
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
        replaced_by=tuple(n for n in str(row.get("replaced_by", "") or "").split(";") if n),
    )


def las_of(areas: pd.DataFrame) -> list[LocalAuthority]:
    """Every LA of an areas table, in its order."""
    return [_as_la(row) for _, row in areas.iterrows()]


LA_EXPECTED = "an English LA's name or part of it, a short name (Hull), old code (371) or ONS code (E08000017)"


def find_las(query: str | int, areas: pd.DataFrame | None = None) -> tuple[LocalAuthority | None, list[LocalAuthority], str]:
    """The LA meant by what was typed, or None with the LAs it could mean (best first) and a line
    saying so: several matches are choices, no match gives the nearest names."""
    from analysis.data.la_names import choices_text, search_las

    if areas is None:
        areas = load_areas()
    text = " ".join(str(query).split())
    if not text:
        return None, [], "Type an LA's name or code (e.g. Doncaster or 371)."
    found = search_las(text, areas)
    by_code = areas.set_index("old_code", drop=False)
    if found.resolved:
        return _as_la(by_code.loc[found.codes[0]]), [], ""
    if found.codes:
        choices = [_as_la(by_code.loc[c]) for c in found.codes]
        shown = [f"{la.name} ({la.new_code})" for la in choices[:8]]
        more = f" and {len(choices) - 8} more" if len(choices) > 8 else ""
        return None, choices, (f"{len(choices)} local authorities match '{text}': "
                               f"{', '.join(shown)}{more}; choose one.")
    near = [f"'{by_code.loc[c, 'name']}'" for c in found.nearest]
    return None, [], (f"No local authority matches '{text}'"
                      + (f"; did you mean {choices_text(near)}?" if near else "."))


def resolve_la(query: str | int, areas: pd.DataFrame | None = None) -> LocalAuthority:
    """The LA meant by a name (any part of it, any case), short name, old code or ONS code.

    Raises :class:`ParameterError` listing the choices when several LAs match, or suggesting
    the closest names when none does.
    """
    la, choices, why = find_las(query, areas)
    if la is not None:
        return la
    text = " ".join(str(query).split())
    raise ParameterError(
        (f"unknown local authority '{text}'" if not choices else f"'{text}' matches several local authorities")
        if text else "no local authority given",
        parameter="la", expected=LA_EXPECTED, found=text or "an empty value",
        fix=why + " Run `python -m analysis las` to list them all.",
    )


def reorganisation_note(la: LocalAuthority, year: int) -> str | None:
    """Why an LA has no figures for a year because of reorganisation, or None."""
    if la.exists_in(year):
        return None
    if la.first_year is not None and year < la.first_year:
        return (f"{la.name} was created by local government reorganisation and first reports "
                f"for the year ending March {la.first_year}")
    return (f"{la.name} was abolished by local government reorganisation; its last year is "
            f"the year ending March {la.last_year}"
            + (f", and it was replaced by {successors_text(la)}" if la.replaced_by else ""))


def last_year_text(la: LocalAuthority, period: str) -> str:
    """``"2022-23 is Cumbria's last year, before it was replaced by Cumberland and by Westmorland
    and Furness."``, for an LA abolished by reorganisation ("" for any other); ``period`` is its
    last year as the indicator's data label it."""
    if la.last_year is None or not la.replaced_by:
        return ""
    return f"{period} is {la.name}'s last year, before it was replaced by {successors_text(la)}."


def successors_text(la: LocalAuthority) -> str:
    """``"Cumberland and by Westmorland and Furness"``: the LAs that replaced an abolished one."""
    names = list(la.replaced_by)
    return " and by ".join(names) if len(names) <= 2 else ", ".join(names[:-1]) + " and " + names[-1]


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
