"""Publication dates of DfE's annual releases, and the year a quarter pairs with.

``config/publications.yaml`` lists each release, the indicators it carries and the day each
year was first published (:class:`Publications`), and which release each data file was taken
from; :func:`benchmark_year_for_quarter` gives the latest annual year of an indicator published
by the end of a quarter, and :func:`published_text` how a date is printed (an approximate one as
"about November 2017", never as a day). Method: ``docs/methods/quarterly-status.md``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from analysis.core.config import parse_model, read_yaml
from analysis.data.catalogue import Indicator
from analysis.data.periods import Quarter, as_quarter


class PublishedDate(BaseModel):
    date: dt.date
    approximate: bool = False


def published_text(published: PublishedDate) -> str:
    """A publication date as a document prints it: "25 October 2018", or "about November 2017"
    for a date that could not be confirmed (the day is then a guess, so it is not printed)."""
    if published.approximate:
        return f"about {published.date:%B %Y}"
    return f"{published.date.day} {published.date:%B %Y}"


class Release(BaseModel):
    title: str
    publisher: str
    covers: str
    indicators: list[str]
    published: dict[int, PublishedDate]
    notes: str | None = None

    @property
    def short_title(self) -> str:
        """The title without its bracketed detail ("Characteristics of children in need")."""
        return self.title.split(" (")[0]


class FileRelease(BaseModel):
    """The release one data file was taken from: an annual release (``release`` and ``year``
    name its date in ``releases``) or a tool with a dated ``version`` (LAIT)."""

    title: str
    publisher: str = "DfE"
    release: str | None = None
    year: int | None = None
    table: str | None = None
    version: PublishedDate | None = None


class PairingRule(BaseModel):
    as_of: Literal["quarter_end"] = "quarter_end"


class Publications(BaseModel):
    """``config/publications.yaml``: publication dates of the annual releases."""

    pairing: PairingRule = Field(default_factory=PairingRule)
    releases: dict[str, Release]
    files: dict[str, FileRelease] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_release_per_indicator(self) -> Publications:
        seen: dict[str, str] = {}
        for name, rel in self.releases.items():
            for ind in rel.indicators:
                if ind in seen:
                    raise ValueError(f"indicator {ind} is in both {seen[ind]} and {name}")
                seen[ind] = name
        for file, source in self.files.items():
            if source.version is None and (source.release not in self.releases
                                           or source.year not in self.releases[source.release].published):
                raise ValueError(f"files.{file}: give a version date, or a release and year listed "
                                 f"under releases (found {source.release} {source.year})")
        return self

    def first_published(self, indicator_id: str, year: int) -> PublishedDate | None:
        """When ``year`` of an indicator was first published (None when not listed)."""
        found = self.release_of(indicator_id)
        return None if found is None else found[1].published.get(year)

    def file_text(self, file: str) -> str | None:
        """The release a data file was taken from, with its date, e.g. "DfE, Children in need:
        reporting year 2025, table C1, published about October 2025" (None when not listed)."""
        rel = self.files.get(file)
        if rel is None:
            return None
        table = f", table {rel.table}" if rel.table else ""
        if rel.version is not None:
            return f"{rel.publisher}, {rel.title}{table}, version of {published_text(rel.version)}"
        assert rel.release is not None and rel.year is not None  # checked when loaded
        date = self.releases[rel.release].published[rel.year]
        return f"{rel.publisher}, {rel.title}{table}, published {published_text(date)}"

    def release_of(self, indicator_id: str) -> tuple[str, Release] | None:
        for name, rel in self.releases.items():
            if indicator_id in rel.indicators:
                return name, rel
        return None


@lru_cache(maxsize=4)
def load_publications(config_dir: Path) -> Publications:
    """Load ``config/publications.yaml`` from ``config_dir``."""
    path = config_dir / "publications.yaml"
    return parse_model(Publications, read_yaml(path), path)


def benchmark_year_for_quarter(quarter: Quarter | str, indicator: Indicator | str,
                               publications: Publications, as_of: dt.date | None = None) -> int | None:
    """The latest annual year of ``indicator`` published on or before the end of ``quarter``.

    ``as_of`` replaces the quarter's last day (e.g. the date of the committee meeting). None
    when the indicator has no release in ``publications`` or nothing was out yet.

    >>> # 2017-18 Q4 ends 31 March 2018: CIN 2016-17 was out (Nov 2017), 2017-18 was not.
    """
    q = as_quarter(quarter)
    ind_id = indicator.id if isinstance(indicator, Indicator) else str(indicator)
    found = publications.release_of(ind_id)
    if found is None:
        return None
    day = as_of or q.end
    years = [y for y, p in found[1].published.items() if p.date <= day]
    return max(years) if years else None
