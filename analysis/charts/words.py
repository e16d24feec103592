"""What the benchmark and funnel charts say in words: subtitles and alt text.

Worked out from the rows a chart draws, without matplotlib, so that the matplotlib charts
(:mod:`analysis.charts.benchmark`, :mod:`analysis.charts.trends`, :mod:`analysis.charts.statistics`)
and the charts the interactive explorer draws in the browser (:mod:`analysis.explorer.specs`)
say the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.charts.house import (
    POLARITY_TEXT,
    check_one_series,
    format_count,
    format_value,
    is_missing,
    require_columns,
    synthetic_prefix,
)
from analysis.charts.value_axis import FUNNEL_REASON, axis_note, funnel_value_range
from analysis.core.errors import InputDataError, NoDataError
from analysis.data.catalogue import Indicator

# --- benchmark charts -----------------------------------------------------------------------

def need_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    require_columns(frame, columns, what, series_ok=True,
                    fix=f"pass the rows as returned by analysis.engine.benchmark ({what})")


def chart_meta(indicator: Indicator | None, rows: pd.DataFrame | pd.Series) -> dict:
    """label, unit, polarity, decimals from the catalogue entry or the rows themselves."""
    if indicator is not None:
        return {"label": indicator.label, "unit": indicator.unit,
                "polarity": indicator.polarity, "decimals": indicator.decimals}
    first = rows if isinstance(rows, pd.Series) else (rows.iloc[0] if len(rows) else None)
    if first is None:
        raise NoDataError("there are no rows to chart")
    return {"label": str(first.get("label", first.get("indicator", ""))),
            "unit": str(first.get("unit", "count")),
            "polarity": str(first.get("polarity", "none")),
            "decimals": int(first.get("decimals", 1))}


def best_first(values: pd.Series, polarity: str) -> pd.Series:
    """Sort values best first by polarity (highest first when there is no polarity)."""
    return values.sort_values(ascending=polarity == "lower_is_better", na_position="last",
                              kind="stable")


def order_words(polarity: str) -> str:
    return "best to worst" if polarity != "none" else "highest to lowest"


def rank_words(row: pd.Series | Mapping[str, Any]) -> str:
    """"rank 142 of 152" (1 = best), or "20th highest of 151" for an indicator without a
    better direction (a position, not a judgement)."""
    from analysis.engine.ranking import rank_text

    kind = row.get("rank_kind", "rank")
    text = rank_text(row["rank"], row["of"], kind, row.get("rank_from_highest"))
    return text if kind == "position" else f"rank {text}"


def neighbour_label(value: object, numerator: object, unit: str, decimals: int) -> str:
    text = format_value(value, unit, decimals)
    if not is_missing(value) and not is_missing(numerator):
        text += f" ({format_count(numerator)})"
    return text


def neighbours_sorted(nb_values: pd.DataFrame, polarity: str) -> pd.DataFrame:
    order = best_first(nb_values["value"], polarity).index
    return nb_values.loc[order].reset_index(drop=True)


def neighbours_ranked_alt_text(nb_values: pd.DataFrame, indicator: Indicator,
                               england: float | None = None, sn_mean: float | None = None, *,
                               synthetic: bool = False, period: str | None = None) -> str:
    """Alt text for :func:`analysis.charts.benchmark.neighbours_ranked`."""
    need_columns(nb_values, ["area_name", "value", "is_la"], "nb_values")
    rows = neighbours_sorted(nb_values, indicator.polarity)
    fmt = lambda v: format_value(v, indicator.unit, indicator.decimals)  # noqa: E731
    with_value = rows[rows["value"].notna()]
    la_rows = rows[rows["is_la"].fillna(False).astype(bool)]
    la = la_rows.iloc[0] if len(la_rows) else None
    when = f" in {period}" if period else ""
    text = (f"Bar chart of {indicator.label.lower()}{when} for "
            f"{la['area_name'] if la is not None else 'the LA'} and its statistical neighbours, "
            f"sorted {order_words(indicator.polarity)}.")
    if la is not None and not is_missing(la["value"]):
        position = int(with_value.index.get_loc(la_rows.index[0])) + 1
        text += (f" {la['area_name']} is {fmt(la['value'])}, {position} of {len(with_value)} "
                 f"with a figure.")
    if len(with_value):
        first, last = with_value.iloc[0], with_value.iloc[-1]
        word = ("Best" if indicator.polarity != "none" else "Highest",
                "worst" if indicator.polarity != "none" else "lowest")
        text += (f" {word[0]} is {first['area_name']} ({fmt(first['value'])}), {word[1]} "
                 f"{last['area_name']} ({fmt(last['value'])}).")
    refs = [f"{name} {fmt(v)}" for name, v in (("England", england), ("neighbour mean", sn_mean))
            if v is not None and not is_missing(v)]
    if refs:
        text += " Reference lines: " + ", ".join(refs) + "."
    missing = rows.loc[rows["value"].isna(), "area_name"].astype(str).tolist()
    if missing:
        text += " No figure for " + ", ".join(missing) + "."
    return synthetic_prefix(synthetic) + text


TREND_LINES = (
    ("value", None),
    ("england", "England"),
    ("region", None),
    ("sn_mean", "Neighbour mean"),
)


def trend_frame(series: pd.DataFrame) -> pd.DataFrame:
    need_columns(series, ["year", "value", "england", "region", "sn_mean"], "series")
    check_one_series(series, key="indicator", period="year", what="trend series", period_words="year",
                     fix="filter the benchmark table to one indicator first", noun="indicator")
    years = series["year"].astype(int)
    full = pd.DataFrame({"year": range(int(years.min()), int(years.max()) + 1)})
    return full.merge(series.assign(year=years), on="year", how="left")


def period_label(year: int, period: object) -> str:
    if isinstance(period, str) and period:
        return period
    return f"{year - 1}-{year % 100:02d}"


def line_names(series: pd.DataFrame) -> dict[str, str]:
    la = series["la_name"].dropna() if "la_name" in series else pd.Series(dtype=str)
    region = series["region_name"].dropna() if "region_name" in series else pd.Series(dtype=str)
    return {"value": str(la.iloc[0]) if len(la) else "LA", "england": "England",
            "region": str(region.iloc[0]) if len(region) else "Region",
            "sn_mean": "Neighbour mean"}


def annual_trend_alt_text(series: pd.DataFrame, indicator: Indicator | None = None, *,
                          synthetic: bool = False) -> str:
    """Alt text for :func:`analysis.charts.trends.annual_trend`."""
    frame = trend_frame(series)
    meta = chart_meta(indicator, series)
    names = line_names(series)
    fmt = lambda v: format_value(v, meta["unit"], meta["decimals"])  # noqa: E731
    rows = frame.to_dict("records")  # a row a year, a few of them: plain Python from here
    periods = {int(r["year"]): period_label(int(r["year"]), r.get("period")) for r in rows}
    first_year, last_year = min(periods), max(periods)
    with_value = [r for r in rows if not is_missing(r["value"])]
    text = (f"Line chart of {meta['label'].lower()} from {periods[first_year]} to "
            f"{periods[last_year]} for {names['value']}, England, "
            f"{names['region']} and the statistical-neighbour mean.")
    if with_value:
        first, last = with_value[0], with_value[-1]
        text += (f" {names['value']} went from {fmt(first['value'])} in "
                 f"{periods[int(first['year'])]} to {fmt(last['value'])} in "
                 f"{periods[int(last['year'])]}.")
        comps = [f"{names[c]} {fmt(last[c])}" for c in ("england", "region", "sn_mean")
                 if not is_missing(last[c])]
        if comps:
            text += f" In {periods[int(last['year'])]}: " + ", ".join(comps) + "."
    gaps = [periods[int(r["year"])] for r in rows if is_missing(r["value"])]
    if gaps:
        text += f" No figure for {names['value']} in " + ", ".join(gaps) + "."
    text += f" {POLARITY_TEXT.get(meta['polarity'], '')}."
    return synthetic_prefix(synthetic) + text


def all_sorted(all_values: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    need_columns(all_values, ["old_la_code", "area_name", "value"], "all_values")
    rows = all_values[all_values["value"].notna()]
    if rows.empty:
        raise NoDataError(f"no LA figures to chart for {indicator.label}")
    return rows.loc[best_first(rows["value"], indicator.polarity).index].reset_index(drop=True)


def la_row(rows: pd.DataFrame, la_old_code: str) -> pd.Series | None:
    hit = rows[rows["old_la_code"].astype(str) == str(la_old_code)]
    return hit.iloc[0] if len(hit) else None


def all_las_ranked_alt_text(all_values: pd.DataFrame, indicator: Indicator, la_old_code: str, *,
                            synthetic: bool = False, england: float | None = None,
                            period: str | None = None) -> str:
    """Alt text for :func:`analysis.charts.benchmark.all_las_ranked`."""
    rows = all_sorted(all_values, indicator)
    fmt = lambda v: format_value(v, indicator.unit, indicator.decimals)  # noqa: E731
    la = la_row(rows, la_old_code)
    text = (f"Bar chart of {indicator.label.lower()}{' in ' + period if period else ''} for "
            f"all {len(rows)} local authorities with a figure, sorted "
            f"{order_words(indicator.polarity)}, from {rows['area_name'].iloc[0]} "
            f"({fmt(rows['value'].iloc[0])}) to {rows['area_name'].iloc[-1]} "
            f"({fmt(rows['value'].iloc[-1])}).")
    if la is not None:
        text += f" {la['area_name']} is {fmt(la['value'])}"
        if "rank" in la and not is_missing(la["rank"]):
            text += f", {'ranked ' + rank_words(la)[5:] if la.get('rank_kind', 'rank') != 'position' else rank_words(la)}"
        if "quartile" in la and not is_missing(la["quartile"]):
            text += f", quartile band {la['quartile']}"
        text += "."
    else:
        text += f" The LA (code {la_old_code}) has no figure."
    if england is not None and not is_missing(england):
        text += f" England is {fmt(england)}."
    text += f" {POLARITY_TEXT.get(indicator.polarity, '')}."
    return synthetic_prefix(synthetic) + text


def neighbours_ranked_subtitle(rows: pd.DataFrame, indicator: Indicator, period: str | None) -> str:
    """The subtitle of the LA-and-neighbours chart (``rows``: :func:`neighbours_sorted`)."""
    la_name = rows.loc[rows["is_la"].fillna(False).astype(bool), "area_name"]
    who = str(la_name.iloc[0]) if len(la_name) else "The LA"
    sub = f"{who} and its statistical neighbours"
    sub += f", {period}" if period else ""
    sub += (f", sorted {order_words(indicator.polarity)}. "
            f"{POLARITY_TEXT.get(indicator.polarity, '')}.")
    if "numerator" in rows and rows["numerator"].notna().any():
        sub += " Numbers in brackets are counts."
    return sub


def annual_trend_subtitle(frame: pd.DataFrame, names: dict[str, str], polarity: str) -> str:
    """The subtitle of the trend chart (``frame``: :func:`trend_frame`; ``names``:
    :func:`line_names`)."""
    sub = f"{names['value']} with England, region and statistical neighbours. "
    sub += f"{POLARITY_TEXT.get(polarity, '')}."
    if frame["value"].isna().any():
        sub += " Gaps are years without a figure."
    return sub


def all_las_ranked_subtitle(all_values: pd.DataFrame, rows: pd.DataFrame, indicator: Indicator,
                            period: str | None) -> str:
    """The subtitle of the every-LA chart (``rows``: :func:`all_sorted`)."""
    missing = int(all_values["value"].isna().sum())
    sub = (f"Every LA{', ' + period if period else ''}. "
           f"{POLARITY_TEXT.get(indicator.polarity, '')}.")
    if "quartile" in rows and rows["quartile"].notna().any():
        sub += " Shading shows quartile bands A (best) to D."
    if missing:
        sub += f" {missing} LA{'s' if missing > 1 else ''} with no figure not shown."
    return sub


# --- funnel plot ---------------------------------------------------------------------------

LIMIT_ALIASES = {
    "centre": ("centre", "center", "target", "mean"),
    "lower_95": ("lower_95",),
    "upper_95": ("upper_95",),
    "lower_998": ("lower_998", "lower_99_8"),
    "upper_998": ("upper_998", "upper_99_8"),
}


def _frame(obj: object, name: str) -> pd.DataFrame:
    require_columns(obj, [], name)
    return obj


_need = require_columns


def funnel_limits_frame(limits: pd.DataFrame) -> pd.DataFrame:
    limits = _frame(limits, "limits")
    out = pd.DataFrame()
    if "denominator" not in limits:
        _need(limits, ["denominator"], "limits")
    out["denominator"] = pd.to_numeric(limits["denominator"], errors="coerce")
    for key, aliases in LIMIT_ALIASES.items():
        col = next((a for a in aliases if a in limits.columns), None)
        if col is None:
            raise InputDataError("the limits table lacks a column the chart needs", column=key,
                                 expected="denominator, centre, lower_95, upper_95, lower_998, "
                                          "upper_998", found=", ".join(map(str, limits.columns)))
        out[key] = pd.to_numeric(limits[col], errors="coerce")
    out = out.dropna(subset=["denominator"]).sort_values("denominator").reset_index(drop=True)
    if out.empty:
        raise NoDataError("the limits table has no rows")
    return out


def funnel_points_frame(points: pd.DataFrame) -> pd.DataFrame:
    points = _frame(points, "points")
    _need(points, ["name", "denominator", "value"], "points")
    out = points[["name", "denominator", "value"]].copy()
    out["denominator"] = pd.to_numeric(out["denominator"], errors="coerce")
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out = out.dropna(subset=["denominator", "value"]).reset_index(drop=True)
    if out.empty:
        raise NoDataError("there are no units with a value and a denominator to plot")
    return out


def funnel_positions(points: pd.DataFrame, limits: pd.DataFrame) -> pd.Series:
    """Where each unit sits: inside, above_95, above_998, below_95, below_998."""
    d = points["denominator"].to_numpy(float)
    at = {k: np.interp(d, limits["denominator"], limits[k]) for k in
          ("lower_95", "upper_95", "lower_998", "upper_998")}
    v = points["value"].to_numpy(float)
    pos = np.select([v > at["upper_998"], v > at["upper_95"], v < at["lower_998"],
                     v < at["lower_95"]], ["above_998", "above_95", "below_998", "below_95"],
                    "inside")
    return pd.Series(pos, index=points.index)


def funnel_plot_alt_text(points: pd.DataFrame, limits: pd.DataFrame, la_name: str | None = None,
                         *, synthetic: bool = False, unit: str = "percent",
                         decimals: int = 1, noun: str = "units") -> str:
    """Alt text for :func:`analysis.charts.statistics.funnel_plot`; ``noun``: what the points
    are ("local authorities", "localities")."""
    pts, lim = funnel_points_frame(points), funnel_limits_frame(limits)
    pos = funnel_positions(pts, lim)
    fmt = lambda v: format_value(v, unit, decimals)  # noqa: E731
    counts = pos.value_counts()
    above = int(counts.get("above_95", 0) + counts.get("above_998", 0))
    below = int(counts.get("below_95", 0) + counts.get("below_998", 0))
    one = {"local authorities": "local authority", "localities": "locality"}.get(noun, noun.rstrip("s"))
    text = (f"Funnel plot of {len(pts)} {noun} around an average of "
            f"{fmt(lim['centre'].iloc[-1])}, with 95% and 99.8% control limits. "
            f"{above} {noun if above != 1 else one} above the 95% limit "
            f"({int(counts.get('above_998', 0))} above 99.8%) and {below} below it "
            f"({int(counts.get('below_998', 0))} below 99.8%).")
    if la_name:
        hit = pts[pts["name"].astype(str) == str(la_name)]
        if len(hit):
            where = {"inside": "inside the 95% limits", "above_95": "above the 95% limit",
                     "above_998": "above the 99.8% limit", "below_95": "below the 95% limit",
                     "below_998": "below the 99.8% limit"}[pos[hit.index[0]]]
            text += (f" {la_name}: {fmt(hit['value'].iloc[0])} from "
                     f"{hit['denominator'].iloc[0]:,.0f}, {where}.")
        else:
            text += f" {la_name} has no figure."
    note = axis_note(funnel_value_range(pts, lim)[0], FUNNEL_REASON)
    return synthetic_prefix(synthetic) + text + (f" {note}" if note else "")


def funnel_plot_subtitle(points: pd.DataFrame, noun: str = "units") -> str:
    """The subtitle of the funnel plot (``points``: :func:`funnel_points_frame`)."""
    return (f"{len(points)} {noun}; points outside the funnel differ from the average by more "
            "than chance would explain.")
