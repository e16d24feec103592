"""Publication dates of DfE's annual releases, and the year a quarter pairs with.

``config/publications.yaml`` lists each release, the indicators it carries and the day each
year was first published (:class:`Publications`); :func:`benchmark_year_for_quarter` gives
the latest annual year of an indicator published by the end of a quarter. Method:
``docs/methods/quarterly-status.md``.
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


class Release(BaseModel):
    title: str
    publisher: str
    covers: str
    indicators: list[str]
    published: dict[int, PublishedDate]
    notes: str | None = None


class PairingRule(BaseModel):
    as_of: Literal["quarter_end"] = "quarter_end"


class Publications(BaseModel):
    """``config/publications.yaml``: publication dates of the annual releases."""

    pairing: PairingRule = Field(default_factory=PairingRule)
    releases: dict[str, Release]

    @model_validator(mode="after")
    def _one_release_per_indicator(self) -> Publications:
        seen: dict[str, str] = {}
        for name, rel in self.releases.items():
            for ind in rel.indicators:
                if ind in seen:
                    raise ValueError(f"indicator {ind} is in both {seen[ind]} and {name}")
                seen[ind] = name
        return self

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
