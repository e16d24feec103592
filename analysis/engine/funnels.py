"""Funnel plots of every LA for one indicator and year: the points and their control limits.

The points are each LA's published value with the denominator behind it, published or
derived from a published count by the rules of :func:`analysis.judgement.interval_counts`
(so an LA is plotted exactly when the benchmark table can give it an interval). The limits
are drawn around England's value, exact binomial / Poisson at 95% and 99.8%, optionally
widened for over-dispersion (docs/methods/statistics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.benchmark import all_la_values
from analysis.catalogue import Catalogue
from analysis.errors import NoDataError, ParameterError
from analysis.judgement import PER_OF_UNIT, interval_counts
from analysis.stats import denominator_grid, funnel_flags, funnel_limits

Overdispersion = Literal["none", "multiplicative", "additive"]

#: The kind of funnel each unit takes.
KIND_OF_UNIT: dict[str, Literal["proportion", "rate"]] = {"percent": "proportion", "rate_per_10000": "rate",
                                "rate_per_100000": "rate"}


@dataclass
class Funnel:
    """What a funnel plot of one indicator and year shows."""

    indicator: str
    year: int
    kind: str  # proportion | rate
    per: float
    england: float
    points: pd.DataFrame  # name, old_la_code, denominator, value, denominator_source, position
    limits: pd.DataFrame  # denominator, target, lower_95, upper_95, lower_99_8, upper_99_8
    overdispersion: str
    left_out: int  # LAs with a value but no denominator

    def position_of(self, old_la_code: int) -> str | None:
        """inside, above_95, above_99_8, below_95, below_99_8, or None when not plotted."""
        row = self.points[self.points["old_la_code"] == old_la_code]
        return None if row.empty else str(row["position"].iloc[0])


def funnel_kind(unit: str) -> Literal["proportion", "rate"]:
    """'proportion' or 'rate' for a unit; ParameterError for a unit a funnel cannot show."""
    if unit not in KIND_OF_UNIT:
        raise ParameterError("a funnel plot needs a percentage or a rate per 10,000 or 100,000",
                             parameter="indicator", expected=", ".join(KIND_OF_UNIT), found=unit,
                             fix="choose a percentage or rate indicator (python -m analysis indicators)")
    return KIND_OF_UNIT[unit]


def funnel_points(values: pd.DataFrame, indicator: str, catalogue: Catalogue) -> pd.DataFrame:
    """Each LA's value with its denominator (published or derived); LAs without one dropped.

    ``values``: rows of :func:`analysis.benchmark.all_la_values`.
    """
    frame = values.assign(indicator=indicator)
    counts = interval_counts(frame, catalogue)
    # A derived denominator (count x per / value) is not a whole number; the children it
    # counts are, and the exact limits need whole numbers.
    denominator = counts["ci_denominator"].where(counts["denominator_source"] != "derived",
                                                 counts["ci_denominator"].round())
    out = pd.DataFrame({
        "name": frame["area_name"], "old_la_code": frame["old_la_code"],
        "denominator": denominator, "value": frame["value"],
        "denominator_source": counts["denominator_source"],
    })
    return out.dropna(subset=["value", "denominator"]).reset_index(drop=True)


def funnel_for(table: pd.DataFrame, indicator: str, year: int, catalogue: Catalogue,
               england: float, overdispersion: Overdispersion = "none") -> Funnel:
    """The funnel of every LA for ``indicator`` in ``year`` around England's value."""
    ind = catalogue.get(indicator)
    kind = funnel_kind(ind.unit)
    per = PER_OF_UNIT[ind.unit]
    if england is None or not np.isfinite(england):
        raise NoDataError(f"no England figure for {indicator} in {year} to centre the funnel on")
    values = all_la_values(table, indicator, year, catalogue)
    points = funnel_points(values, indicator, catalogue)
    if points.empty:
        raise NoDataError(f"no LA has a denominator for {ind.label} in {year}, so there is no "
                          f"funnel plot", fix="see docs/methods/statistics.md, 'derived denominators'")
    grid = denominator_grid(float(points["denominator"].max()) * 1.05)
    limits = funnel_limits(england, grid, kind=kind, per=per, overdispersion=overdispersion,
                           values=points["value"] if overdispersion != "none" else None,
                           value_denominators=points["denominator"] if overdispersion != "none" else None)
    flags = funnel_flags(points["value"], points["denominator"], england, kind=kind, per=per,
                         overdispersion=overdispersion)
    points["position"] = pd.Series(np.asarray(flags), index=points.index, dtype=object)
    left_out = int(values["value"].notna().sum() - len(points))
    return Funnel(indicator, year, kind, per, float(england), points, limits, overdispersion, left_out)
