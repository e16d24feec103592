"""What the benchmark explorer shows: the judged table, the latest year, funnel plots.

Used by ``notebooks/benchmark_explorer.py`` (run by :func:`analysis.pack.run_explorer` and the
``explore`` command) and by the ``funnel`` command. Every function is small and pure apart
from :func:`funnel_chart`, which draws a chart and returns its Axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import pandas as pd
from matplotlib.axes import Axes

from analysis.benchmark import (
    benchmark_table,
    latest_rows,  # the explorer leaves blank indicators out
)
from analysis.catalogue import Catalogue, Indicator
from analysis.config import Paths
from analysis.errors import AnalysisError, NoDataError, ParameterError
from analysis.funnels import KIND_OF_UNIT, Funnel, Overdispersion, funnel_for
from analysis.geography import LocalAuthority
from analysis.judgement import judge_table, level_text
from analysis.narrative import sentences
from analysis.periods import financial_year_label

__all__ = [
    "DEFAULT_INDICATORS",
    "EXPLORER_LEVELS",
    "OVERDISPERSION_METHODS",
    "england_value",
    "explorer_table",
    "explorer_tables",
    "funnel_chart",
    "funnel_file_name",
    "funnel_indicators",
    "funnel_line",
    "funnel_points_table",
    "latest_rows",
    "level_heading",
    "parse_overdispersion",
    "period_label",
    "position_text",
    "try_funnel",
]

#: The explorer's indicators when none are chosen (the notebook's default too).
DEFAULT_INDICATORS: list[str] = ["re_referrals", "cin_rate", "cpp_second_time"]

#: Confidence levels the explorer offers for better / similar / worse.
EXPLORER_LEVELS: tuple[float, ...] = (0.95, 0.998)

#: Ways of widening funnel limits (docs/methods/statistics.md).
OVERDISPERSION_METHODS: tuple[str, ...] = ("none", "multiplicative", "additive")

#: A funnel position (:func:`analysis.stats.funnel_flags`) in words.
POSITION_WORDS: dict[str, str] = {
    "inside": "inside the 95% limits",
    "above_95": "above the 95% limit but inside the 99.8% limit",
    "above_99_8": "above the 99.8% limit",
    "below_95": "below the 95% limit but inside the 99.8% limit",
    "below_99_8": "below the 99.8% limit",
}


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


def explorer_table(table: pd.DataFrame, la: LocalAuthority, catalogue: Catalogue, *,
                   indicators: Sequence[str] | None = None, years: Sequence[int] | None = None,
                   neighbours: str | None = None, level: float = 0.95,
                   paths: Paths | None = None) -> pd.DataFrame:
    """The LA's benchmark table judged at ``level``, with a sentence on every row.

    ``indicators`` default to :data:`DEFAULT_INDICATORS`; ``years`` to every year in the data.
    Raises ParameterError / NoDataError as :func:`analysis.benchmark.benchmark_table` does.
    """
    bench = benchmark_table(table, la, catalogue,
                            indicators=list(indicators or DEFAULT_INDICATORS),
                            years=list(years) if years else None, neighbours_version=neighbours,
                            paths=paths)
    judged = judge_table(bench, catalogue, level=level)
    judged["sentence"] = sentences(judged)
    return judged


def funnel_indicators(latest: pd.DataFrame) -> list[str]:
    """The indicators in ``latest`` that a funnel plot can show (percentages and rates)."""
    return [str(i) for i, unit in zip(latest["indicator"], latest["unit"], strict=True)
            if unit in KIND_OF_UNIT]


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


def period_label(table: pd.DataFrame, indicator: str, year: int) -> str:
    """How the data names an indicator's year ("2016-17"; calendar years as published)."""
    found = table.loc[(table["indicator"] == indicator) & (table["year"] == year), "period"].dropna()
    return str(found.iloc[0]) if not found.empty else financial_year_label(year)


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


def position_text(position: str | None) -> str:
    """A funnel position in words; None (not plotted) says why."""
    if position is None:
        return "not plotted (no denominator to place it by)"
    return POSITION_WORDS.get(position, position)


def _limits_text(funnel: Funnel) -> str:
    if funnel.overdispersion == "none":
        return f"exact {'binomial' if funnel.kind == 'proportion' else 'Poisson'} limits"
    text = f"limits widened for {funnel.overdispersion} over-dispersion"
    if "phi" in funnel.limits.columns and funnel.overdispersion == "multiplicative":
        text += f", phi = {float(funnel.limits['phi'].iloc[0]):.1f}"
    elif "tau2" in funnel.limits.columns:
        text += f", tau² = {float(funnel.limits['tau2'].iloc[0]):.2g}"
    return text


def funnel_line(funnel: Funnel, la: LocalAuthority | None, indicator: Indicator) -> str:
    """One line: where the LA sits on the funnel and how many LAs lie outside the limits."""
    points = funnel.points
    outside_95 = int((points["position"] != "inside").sum())
    outside_998 = int(points["position"].isin(["above_99_8", "below_99_8"]).sum())
    text = ""
    if la is not None:
        hit = points[points["old_la_code"].astype(str) == str(la.old_code)]
        where = position_text(None if hit.empty else str(hit["position"].iloc[0]))
        size = "" if hit.empty else f"{float(hit['denominator'].iloc[0]):,.0f}"
        figure = ("" if hit.empty else f" ({indicator.format_value(float(hit['value'].iloc[0]))} "
                  + (f"of {size})" if funnel.kind == "proportion"
                     else f"{indicator.unit_label}, population {size})"))
        text = f"{la.name}{figure} is {where} around England's {indicator.format_value(funnel.england)}. "
    else:
        text = f"Limits around England's {indicator.format_value(funnel.england)}. "
    text += (f"{outside_95} of {len(points)} LAs lie outside the 95% limits, {outside_998} of them "
             f"outside the 99.8% limits ({_limits_text(funnel)}).")
    if funnel.overdispersion == "none" and outside_95 > OVERDISPERSED_SHARE * len(points):
        text += (" So many outside suggests real differences between LAs beyond chance "
                 "(over-dispersion): the multiplicative or additive option widens the limits for it.")
    if funnel.left_out:
        text += (f" {funnel.left_out} LA{'s' if funnel.left_out != 1 else ''} with a value but no "
                 f"denominator {'are' if funnel.left_out != 1 else 'is'} not plotted.")
    return text


def funnel_chart(funnel: Funnel, indicator: Indicator, period: str, la: LocalAuthority | None,
                 *, source: str, ax: Axes | None = None) -> tuple[Axes, str]:
    """The funnel plot (the LA highlighted when given) and its alt text."""
    from analysis.charts.statistics import funnel_plot, funnel_plot_alt_text

    name = None
    if la is not None:
        hit = funnel.points[funnel.points["old_la_code"].astype(str) == str(la.old_code)]
        name = None if hit.empty else str(hit["name"].iloc[0])
    x_label = ("Children aged under 18 (the rate's population)" if funnel.kind == "rate"
               else "Denominator (the number the percentage is of)")
    widened = "" if funnel.overdispersion == "none" else f", {funnel.overdispersion} over-dispersion"
    ax = funnel_plot(funnel.points, funnel.limits, centre_label="England", ax=ax, source=source, x_label=x_label,
                     title=f"{indicator.label}, {period}: every LA against its size{widened}",
                     la_name=name, unit=indicator.unit, decimals=indicator.decimals)
    alt = funnel_plot_alt_text(funnel.points, funnel.limits, la_name=name, unit=indicator.unit,
                               decimals=indicator.decimals)
    if funnel.overdispersion != "none":
        alt += f" The limits are widened for {funnel.overdispersion} over-dispersion."
    return ax, alt


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


def explorer_tables(judged: pd.DataFrame, latest: pd.DataFrame,
                    funnel_points: Sequence[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables the explorer saves: the judged table, the latest sentences, funnel points."""
    keep = ["indicator", "label", "period", "value", "numerator", "denominator", "level",
            "ci_low", "ci_high", "england", "region", "sn_mean", "vs_england", "vs_region",
            "vs_neighbours", "gap_children_england", "gap_children_neighbours", "sentence"]
    tables = {"benchmarks": judged, "sentences": latest[[c for c in keep if c in latest.columns]]}
    frames = [f for f in funnel_points if not f.empty]
    if frames:
        tables["funnel_points"] = pd.concat(frames, ignore_index=True)
    return tables


def level_heading(level: float) -> str:
    """The explorer's note on how better / similar / worse is decided at ``level``."""
    lv = level_text(level)
    return (f"Judged at {lv} confidence: better or worse when England, the region or the "
            f"neighbours' average lies outside the LA's {lv} interval, similar when inside it; "
            f"\"not compared\" where DfE publishes no counts (docs/methods/statistics.md).")

