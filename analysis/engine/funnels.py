"""Funnel plots of every LA for one indicator and year: the points and their control limits.

The points are each LA's published value with the denominator behind it, published or
derived from a published count by the rules of :func:`analysis.engine.judgement.interval_counts`
(so an LA is plotted exactly when the benchmark table can give it an interval). The limits
are drawn around England's value, exact binomial / Poisson at 95% and 99.8%, optionally
widened for over-dispersion (docs/methods/statistics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import pandas as pd

from analysis.core.errors import AnalysisError, NoDataError, ParameterError
from analysis.data.catalogue import Catalogue
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.engine.benchmark import all_la_values
from analysis.engine.funnel_limits import denominator_grid, funnel_flags, funnel_limits
from analysis.engine.judgement import PER_OF_UNIT, interval_counts

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

    ``values``: rows of :func:`analysis.engine.benchmark.all_la_values`.
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


#: Ways of widening funnel limits (docs/methods/statistics.md).
OVERDISPERSION_METHODS: tuple[str, ...] = ("none", "multiplicative", "additive")


#: More than this share of LAs outside the 95% limits (where 5% would be expected by chance)
#: suggests over-dispersion; the funnel line then says so.
OVERDISPERSED_SHARE: float = 0.1


def parse_overdispersion(value: str) -> Overdispersion:
    """'none', 'multiplicative' or 'additive' (any case); ParameterError for anything else."""
    text = str(value).strip().lower()
    if text not in OVERDISPERSION_METHODS:
        raise ParameterError("unknown over-dispersion method", parameter="overdispersion",
                             expected=" | ".join(OVERDISPERSION_METHODS), found=repr(value),
                             fix="use none (exact limits), multiplicative or additive")
    return cast(Overdispersion, text)


def england_value(table: pd.DataFrame, indicator: str, year: int) -> float:
    """England's published value for one indicator and year; NoDataError when there is none."""
    rows = table[(table["indicator"] == indicator) & (table["level"] == "national")]
    found = rows.loc[rows["year"] == year, "value"].dropna()
    if found.empty:
        years = sorted(int(y) for y in rows.loc[rows["value"].notna(), "year"].unique())
        raise NoDataError(
            f"no England figure for {indicator} in {financial_year_label(year)} to centre the "
            f"funnel on", expected=(f"a year from {years[0]} to {years[-1]}" if years
                                    else "an indicator DfE publishes for England"),
            found=str(year), fix="choose another year or indicator",
        )
    return float(found.iloc[0])


def try_funnel(table: pd.DataFrame, row: pd.Series, catalogue: Catalogue,
               overdispersion: str = "none") -> tuple[Funnel | None, str]:
    """The funnel for a benchmark-table row's indicator and year, or None and why there is none."""
    try:
        funnel = funnel_for(table, str(row["indicator"]), int(row["year"]), catalogue,
                            england=float(row["england"]),
                            overdispersion=parse_overdispersion(overdispersion))
    except AnalysisError as exc:
        return None, str(exc).splitlines()[0]
    return funnel, ""


def funnel_points_table(funnel: Funnel, period: str, la: LocalAuthority | None = None) -> pd.DataFrame:
    """The funnel's points for a CSV: one row per LA with its denominator and position."""
    points = funnel.points
    out = pd.DataFrame({
        "indicator": funnel.indicator, "year": funnel.year, "period": period,
        "name": points["name"], "old_la_code": points["old_la_code"],
        "value": points["value"], "denominator": points["denominator"],
        "denominator_source": points["denominator_source"], "position": points["position"],
        "england": funnel.england, "overdispersion": funnel.overdispersion,
    })
    out["highlighted"] = (points["old_la_code"].astype(str) == str(la.old_code)) if la else False
    return out.reset_index(drop=True)


def funnel_file_name(indicator: str, year: int, la: LocalAuthority | None = None,
                     overdispersion: str = "none") -> str:
    """The file name (no suffix) of a funnel chart: re_referrals_2017_funnel_doncaster."""
    parts = [indicator, str(year), "funnel"]
    if la is not None:
        parts.append(la.slug)
    if overdispersion != "none":
        parts.append(overdispersion)
    return "_".join(parts)
