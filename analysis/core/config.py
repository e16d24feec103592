"""Project paths and the YAML configuration files, loaded as typed models."""

from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError

from analysis.core.errors import InputDataError

PACKAGE_DIR = Path(__file__).resolve().parents[1]

#: The distribution the toolkit is installed as (pyproject.toml's name).
DISTRIBUTION = "csc-benchmarks"


@lru_cache(maxsize=1)
def toolkit_version() -> str:
    """The installed toolkit's version (pyproject.toml's, the one place it is written)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # a checkout used without installing it
        return "not installed"


def project_root() -> Path:
    """The project folder: ``$CSC_PROJECT_ROOT`` if set, else the folder holding the package.

    The toolkit is installed in editable mode from a clone, so the package sits in the project
    folder beside ``config/`` and ``data/``.
    """
    env = os.environ.get("CSC_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    return PACKAGE_DIR.parent


def project_relative(path: Path, root: Path) -> str:
    """``path`` as the manifest names it: relative to the project folder where it lies inside
    it (as given, so a linked data folder keeps its project name), else its file name only
    (no absolute path of the machine leaves it in a pack)."""
    absolute = path.absolute()
    return absolute.relative_to(root).as_posix() if absolute.is_relative_to(root) else path.name


class Paths(BaseModel):
    """Where things live. Every path is absolute."""

    root: Path
    config: Path
    raw: Path
    processed: Path
    outputs: Path
    notebooks: Path

    @classmethod
    def for_root(cls, root: Path | None = None) -> Paths:
        root = (root or project_root()).resolve()
        return cls(
            root=root,
            config=root / "config",
            raw=root / "data" / "raw",
            processed=root / "data" / "processed",
            outputs=root / "outputs",
            notebooks=root / "notebooks",
        )

    @property
    def benchmarks_table(self) -> Path:
        return self.processed / "benchmarks.parquet"


#: libyaml's safe loader when PyYAML was built with it (several times faster), else Python's.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Read a YAML file, turning a missing file or bad syntax into an InputDataError."""
    if not path.exists():
        raise InputDataError(
            "configuration file not found", file=path,
            fix="restore it from the repository (git checkout -- <file>)",
        )
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputDataError(
            f"not valid YAML{where}", file=path, found=str(getattr(exc, "problem", exc)),
            fix="correct the YAML syntax (indentation, colons, quotes)",
        ) from None


def parse_model(model: type[BaseModel], data: Any, path: Path) -> Any:
    """Validate ``data`` into ``model``, reporting problems against the file they came from."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InputDataError(
            f"entry '{loc}' is not valid: {first['msg']}", file=path,
            found=repr(first.get("input"))[:120],
            fix=f"correct '{loc}' (there are {exc.error_count()} problem(s) in all)",
        ) from None


class SourceFile(BaseModel):
    publication: str
    publisher: str
    url: str | None = None
    repository: str | None = None
    commit: str | None = None
    repository_path: str | None = None
    format: str
    sha256: str


class Licence(BaseModel):
    name: str
    url: str
    attribution: dict[str, str]


class Sources(BaseModel):
    licence: Licence
    files: dict[str, SourceFile]


@lru_cache(maxsize=8)
def load_sources(config_dir: Path) -> Sources:
    path = config_dir / "sources.yaml"
    return parse_model(Sources, read_yaml(path), path)


class SnVersion(BaseModel):
    label: str
    file: str
    layout: str


class SnDefault(BaseModel):
    up_to_year: int
    version: str


class SnSettings(BaseModel):
    versions: dict[str, SnVersion]
    default_by_year: list[SnDefault]


class RankingSettings(BaseModel):
    exclude_old_la_codes: list[str] = []


class BenchmarkSettings(BaseModel):
    statistical_neighbours: SnSettings
    ranking: RankingSettings = RankingSettings()


@lru_cache(maxsize=8)
def load_benchmark_settings(config_dir: Path) -> BenchmarkSettings:
    path = config_dir / "benchmarks.yaml"
    return parse_model(BenchmarkSettings, read_yaml(path), path)


class Reorganisation(BaseModel):
    name: str
    date: dt.date
    first_year: int
    predecessors: list[str]
    successors: list[str]
    #: Which successors took over each predecessor, where not all of them did (old codes).
    replaced_by: dict[str, list[str]] = Field(default_factory=dict)


class GeographySettings(BaseModel):
    reorganisations: list[Reorganisation]
    #: Short names a person types for an LA -> its ONS code (e.g. Hull -> E06000010).
    short_names: dict[str, str] = Field(default_factory=dict)


@lru_cache(maxsize=8)
def load_geography_settings(config_dir: Path) -> GeographySettings:
    path = config_dir / "geography.yaml"
    return parse_model(GeographySettings, read_yaml(path), path)
