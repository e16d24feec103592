"""The indicator catalogue (``config/indicators.yaml``) as typed models."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from analysis.core.config import parse_model, read_yaml
from analysis.core.errors import ParameterError

Unit = Literal["percent", "rate_per_10000", "rate_per_100000", "count", "days", "weeks", "score", "rate", "unspecified"]
Polarity = Literal["lower_is_better", "higher_is_better", "none"]
YearType = Literal["financial", "calendar", "september", "academic"]
Level = Literal["national", "regional", "la"]

UNIT_LABELS: dict[str, str] = {
    "percent": "%",
    "rate_per_10000": "per 10,000 children",
    "rate_per_100000": "per 100,000",
    "count": "",
    "days": "days",
    "weeks": "weeks",
    "score": "",
    "rate": "",
    "unspecified": "",
}


class EesSource(BaseModel):
    """A published EES file's columns. Where DfE publishes the counts but not the percentage,
    ``numerator_sum`` names the count columns to add up and ``value`` is left out: the value is
    100 x their sum / ``denominator`` (suppressed where any of them is)."""

    kind: Literal["ees"]
    file: str
    value: str | None = None
    numerator: str | None = None
    numerator_sum: list[str] = Field(default_factory=list)
    denominator: str | None = None
    filters: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _value_or_sum(self) -> EesSource:
        if (self.value is None) == (not self.numerator_sum) or (
                self.numerator_sum and (self.denominator is None or self.numerator)):
            raise ValueError("give either value, or numerator_sum with a denominator")
        return self


class LaitSource(BaseModel):
    kind: Literal["lait"]
    measure: str
    numerator_measure: str | None = None
    denominator_measure: str | None = None


class Indicator(BaseModel):
    id: str
    label: str
    topic: str
    unit: Unit
    polarity: Polarity
    decimals: int = 1
    year_type: YearType = "financial"
    definition: str
    source: EesSource | LaitSource | None = Field(default=None, discriminator="kind")
    lait_code: str | None = None
    notes: str | None = None
    exclude_levels: list[Level] = Field(default_factory=list)
    no_quartile: bool = False  # LAIT data dictionary "No_Quartile = N": rank but no band

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.unit]

    def format_value(self, value: float | None) -> str:
        """The value as a person reads it: rounded to the catalogue's decimals, with the unit."""
        if value is None or value != value:  # NaN
            return "no value"
        text = f"{value:,.{self.decimals}f}"
        return f"{text}%" if self.unit == "percent" else text


class Catalogue(BaseModel):
    indicators: dict[str, Indicator]

    @model_validator(mode="before")
    @classmethod
    def _fill_ids(cls, data: dict) -> dict:
        if isinstance(data, dict) and isinstance(data.get("indicators"), dict):
            data = dict(data)
            data["indicators"] = {
                key: ({**value, "id": key} if isinstance(value, dict) else value)
                for key, value in data["indicators"].items()
            }
        return data

    def get(self, indicator_id: str) -> Indicator:
        """The indicator with this id, or a ParameterError listing the close ones."""
        try:
            return self.indicators[indicator_id]
        except KeyError:
            from difflib import get_close_matches

            close = get_close_matches(indicator_id, list(self.indicators), n=3, cutoff=0.5)
            raise ParameterError(
                f"unknown indicator '{indicator_id}'", parameter="indicator",
                expected="an id from config/indicators.yaml",
                found=indicator_id,
                fix=(f"did you mean {', '.join(close)}? " if close else "")
                + "run `python -m analysis indicators` to list them",
            ) from None

    def benchmarked(self) -> list[Indicator]:
        """Indicators with a DfE source, in catalogue order."""
        return [i for i in self.indicators.values() if i.source is not None]


@lru_cache(maxsize=8)
def load_catalogue(path: Path) -> Catalogue:
    """Load and validate the catalogue YAML."""
    return parse_model(Catalogue, read_yaml(path), path)
