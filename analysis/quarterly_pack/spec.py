"""What a pack holds, from ``config/packs/<name>.yaml``: sections in order, indicators, headline.

The YAML names things; Python computes them. Sections are names of builders in a registry
(``analysis.quarterly_pack.report.QUARTERLY_SECTIONS``), indicators are ids of the catalogue
(``config/indicators.yaml``). Both are checked when the file is loaded, so a misspelt name
is an :class:`~analysis.core.errors.InputDataError` naming the file and the entry, before any
section is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from analysis.core.config import parse_model, read_yaml
from analysis.core.errors import InputDataError
from analysis.data.catalogue import Catalogue


class SectionOverride(BaseModel):
    """A section's title or introduction replaced for this pack."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    intro: str | None = None


class PackSpec(BaseModel):
    """One pack's contents: ``sections`` (registry names, in order), ``indicators``
    (catalogue ids, in table order), the ``headline`` indicator, optional title and
    per-section overrides."""

    model_config = ConfigDict(extra="forbid")

    sections: list[str] = Field(min_length=1)
    indicators: list[str] = Field(min_length=1)
    headline: str
    title: str | None = None
    overrides: dict[str, SectionOverride] = Field(default_factory=dict)


def _unknown(names: Iterable[str], known: Iterable[str]) -> list[str]:
    have = set(known)
    return [n for n in names if n not in have]


def check_pack_spec(spec: PackSpec, path: Path, sections: Iterable[str], catalogue: Catalogue) -> PackSpec:
    """Cross-check a spec against the section registry and the catalogue."""
    sections = list(sections)
    for field, names, known, what in (
        ("sections", spec.sections, sections, "a section the pack knows"),
        ("overrides", list(spec.overrides), sections, "a section the pack knows"),
        ("indicators", spec.indicators, catalogue.indicators, "an indicator of config/indicators.yaml"),
        ("headline", [spec.headline], spec.indicators, "one of this file's indicators"),
    ):
        bad = _unknown(names, known)
        if bad:
            raise InputDataError(f"entry '{field}' names {bad[0]!r}, which is not {what}", file=path,
                                 expected=", ".join(sorted(known)) if len(list(known)) < 40 else what,
                                 found=", ".join(map(repr, bad)),
                                 fix=f"correct the spelling in '{field}' or remove the entry")
    for field, names in (("sections", spec.sections), ("indicators", spec.indicators)):
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InputDataError(f"entry '{field}' lists {dupes[0]!r} more than once", file=path,
                                 found=", ".join(dupes), fix="list each once")
    return spec


def load_pack_spec(path: Path, sections: Iterable[str], catalogue: Catalogue) -> PackSpec:
    """Read, validate and cross-check ``config/packs/<name>.yaml``."""
    spec = parse_model(PackSpec, read_yaml(path), path)
    return check_pack_spec(spec, path, sections, catalogue)
