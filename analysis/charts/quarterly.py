"""Quarterly performance charts: one measure's quarters against target, and summary tables.

The quarterly table is tidy: one row per measure and quarter with columns indicator_code,
label, period ("2017-18 Q1"), value, target, tolerance, polarity and status (one of
``on_target``, ``inside_tolerance``, ``outside_tolerance``, ``no_target``); unit and decimals
are used when present. :func:`quarterly_trend_chart` returns a :class:`~analysis.core.blocks.Chart`
(plot function, inputs and the alt text worked out from the same inputs). Summary and
at-a-glance tables are real tables built in :mod:`analysis.quarterly_pack.sections`, not drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

from analysis.charts.style import (
    COLOURS,
    COMPARATOR_STYLE,
    POLARITY_TEXT,
    STATUS_STYLE,
    check_one_series,
    finish,
    format_value,
    get_axes,
    house_style,
    is_missing,
    require_columns,
    right_labels,
    set_value_axis,
    style_axes,
    synthetic_prefix,
)
from analysis.charts.value_axis import zero_based_range
from analysis.core.blocks import Chart
from analysis.core.errors import AnalysisError, InputDataError, ParameterError
from analysis.data.periods import Quarter, parse_quarter

STATUSES = tuple(STATUS_STYLE)  # worst first
COMPARATOR_KEYS = ("england", "region", "sn_mean", "la_outturn")
_COMPARATOR_NAMES = {"england": "England", "region": "Region", "sn_mean": "Neighbours",
                     "la_outturn": "LA outturn"}
_YEAR_KEYS = ("year", "comparator_year", "benchmark_year", "year_label")


_need = require_columns


def _check_statuses(frame: pd.DataFrame, what: str) -> None:
    bad = frame["status"].notna() & ~frame["status"].isin(STATUSES)
    if bad.any():
        raise InputDataError("unknown status", column="status", rows=list(frame.index[bad]),
                             expected=", ".join(STATUSES),
                             found=", ".join(sorted(map(str, frame.loc[bad, "status"].unique()))),
                             fix=f"use the quarterly status codes in the {what} table")


# --- one measure over quarters -------------------------------------------------------------

def _series(series: pd.DataFrame) -> pd.DataFrame:
    _need(series, ["period", "value", "status"], "series")
    check_one_series(series, key="indicator_code", period="period", what="series",
                     period_words="quarter", fix="filter the quarterly table to one indicator_code first")
    _check_statuses(series, "series")
    out = series.sort_values("period", kind="stable").reset_index(drop=True)
    for col in ("target", "tolerance"):
        if col not in out:
            out[col] = np.nan
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    return out


def _first(series: pd.DataFrame, col: str, default: object) -> object:
    if col in series and series[col].notna().any():
        return series[col].dropna().iloc[0]
    return default


def _meta(series: pd.DataFrame, unit: str | None, decimals: int | None) -> dict:
    unit = unit or str(_first(series, "unit", "count"))
    if decimals is None:
        dec = _first(series, "decimals", None)
        if dec is None:
            vals = series[["value", "target", "tolerance"]].stack().dropna()
            dec = 0 if (vals == vals.round()).all() else 1
        decimals = int(cast(float, dec))
    label = str(_first(series, "label", _first(series, "indicator_code", "")))
    code = _first(series, "indicator_code", None)
    return {"unit": unit, "decimals": decimals, "label": label,
            "code": None if code is None else str(code),
            "polarity": str(_first(series, "polarity", "none"))}


def _comparators(series: pd.DataFrame, comparators: object) -> tuple[dict[str, float], str | None]:
    """The comparator values and their year label from ``comparators`` or the series' columns."""
    if comparators is None:
        source: Mapping = {}
        for key in (*COMPARATOR_KEYS, *_YEAR_KEYS):
            if key in series and series[key].notna().any():
                source = {**source, key: series[key].dropna().iloc[-1]}
    elif isinstance(comparators, pd.DataFrame):
        if len(comparators) != 1:
            raise ParameterError("comparators must be one row", parameter="comparators",
                                 found=f"{len(comparators)} rows")
        source = comparators.iloc[0].to_dict()
    elif isinstance(comparators, Mapping | pd.Series):
        source = dict(comparators)
    else:
        raise ParameterError("comparators must be a mapping, a Series or a one-row DataFrame",
                             parameter="comparators", found=type(comparators).__name__)
    values = {}
    for key in COMPARATOR_KEYS:
        v = source.get(key)
        if v is not None and not is_missing(v):
            try:
                values[key] = float(v)
            except (TypeError, ValueError):
                raise ParameterError("a comparator value is not a number", parameter="comparators",
                                     found=f"{key}={v!r}") from None
    year = next((str(source[k]) for k in _YEAR_KEYS if k in source and not is_missing(source[k])),
                None)
    return values, year


def _comparator_format(comps: dict[str, float], meta: dict):
    """Published outturns keep their own precision: one decimal if any is not whole at the
    measure's precision (21.9 stays 21.9 beside a whole-number local measure)."""
    dec = meta["decimals"]
    if any(round(v, dec) != round(v, max(dec, 1)) for v in comps.values()):
        dec = max(dec, 1)
    return lambda v: format_value(v, meta["unit"], dec)


def _quarter_of(period: object) -> Quarter:
    try:
        return parse_quarter(str(period))
    except AnalysisError:
        raise InputDataError("a period is not a quarter", column="period", found=repr(period),
                             expected='quarters such as "2017-18 Q1"') from None


def _on_time_axis(data: pd.DataFrame) -> pd.DataFrame:
    """Every quarter from the first to the last, each at its middle date (``x``, days);
    quarters the series does not have are rows with no value, so the line breaks there."""
    quarters = [_quarter_of(p) for p in data["period"]]
    data = data.assign(_q=quarters).sort_values("_q", kind="stable")
    first, last = min(quarters), max(quarters)
    every = [first]
    while every[-1] < last:
        every.append(every[-1].next())
    full = pd.DataFrame({"_q": every, "period": [q.label for q in every]})
    out = full.merge(data.drop(columns=["period"]), on="_q", how="left")
    import matplotlib.dates as mdates

    out["start"] = [mdates.date2num(q.start) for q in every]
    out["stop"] = [mdates.date2num(q.end) + 1 for q in every]
    out["x"] = (out["start"] + out["stop"]) / 2
    return out.drop(columns=["_q"]).reset_index(drop=True)


def _tick_label(period: str) -> str:
    """ "2017-18 Q1" -> "Q1\n2017-18" (the year under the quarter)."""
    year, _, q = period.partition(" ")
    return f"{q}\n{year}" if q else period


def _plot_quarterly_trend(series: pd.DataFrame, ax: Axes | None = None,
                          comparators: Mapping | pd.Series | pd.DataFrame | None = None, *,
                          source: str, synthetic: bool = False, title: str | None = None,
                          unit: str | None = None, decimals: int | None = None) -> Axes:
    """One measure's quarters on a time axis: points coloured and shaped by status, the value
    line broken at quarters without a figure, target and tolerance per quarter.

    ``series``: rows of one measure with period, value, status, and target, tolerance, label,
    polarity, unit, decimals when present. ``comparators``: the latest annual outturns
    (keys england, region, sn_mean, la_outturn, and year for their label) drawn as labelled
    reference lines; when None they are read from same-named columns of ``series``.
    """
    data = _series(series)
    meta = _meta(data, unit, decimals)
    comps, comp_year = _comparators(series, comparators)
    grid = _on_time_axis(data)
    x = grid["x"].to_numpy(float)
    fmt = lambda v: format_value(v, meta["unit"], meta["decimals"])  # noqa: E731
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        target, tol = grid["target"].to_numpy(float), grid["tolerance"].to_numpy(float)
        has_band = ~np.isnan(target) & ~np.isnan(tol)
        for i in np.flatnonzero(has_band):
            lo, hi = sorted((target[i], tol[i]))
            ax.fill_between([grid["start"][i], grid["stop"][i]], lo, hi, color=COLOURS["tolerance"],
                            alpha=0.16, linewidth=0, gid="tolerance-band", zorder=1)
        ok = ~np.isnan(target)
        if ok.any():
            ax.hlines(target[ok], grid["start"].to_numpy(float)[ok], grid["stop"].to_numpy(float)[ok],
                      colors=COLOURS["target"], linewidth=1.6, gid="target-line", zorder=2)
        for key, v in comps.items():
            st = COMPARATOR_STYLE[key]
            ax.axhline(v, color=st["color"], linestyle=st["linestyle"], linewidth=1.1,
                       gid=f"line-{key}", zorder=2)
        values = grid["value"].to_numpy(float)
        # NaN breaks the line: quarters without a figure are gaps, never joined across.
        ax.plot(x, values, color="#7A7A7A", linewidth=1.3, zorder=3, gid="value-line")
        _status_points(ax, x, grid)
        # From zero: two quarters of 5.3% and 4.9% are close, and must look it.
        bottom, top = zero_based_range(np.concatenate([values, target, tol, list(comps.values())]))
        ax.set_ylim(bottom, top)
        ax.set_xlim(grid["start"].iloc[0] - 10, grid["stop"].iloc[-1] + 10)
        # Over ten quarters, every label would touch the next: label the quarters the axis
        # names (always the latest); the alt text and the table keep every figure.
        step = max(1, int(np.ceil(len(grid) / 10)))
        shown = [i for i in range(len(grid)) if (len(grid) - 1 - i) % step == 0]
        for n, (xi, v) in enumerate(zip(x, values, strict=True)):
            if not np.isnan(v) and n in shown:
                ax.annotate(fmt(v), (xi, v), xytext=(0, 9), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8.5, gid="value-label", zorder=6,
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                                  "edgecolor": "none", "alpha": 0.8})
        items = []
        last_t = grid["target"].dropna()
        if len(last_t):
            items.append((float(last_t.iloc[-1]), f"Target {fmt(last_t.iloc[-1])}",
                          COLOURS["target"]))
        last_tol = grid["tolerance"].dropna()
        if len(last_tol):
            items.append((float(last_tol.iloc[-1]), f"Tolerance {fmt(last_tol.iloc[-1])}",
                          "#A06A00"))
        cfmt = _comparator_format(comps, meta)
        for key, v in comps.items():
            items.append((v, f"{_COMPARATOR_NAMES[key]} {cfmt(v)}",
                          str(COMPARATOR_STYLE[key]["color"])))
        right_labels(ax, items)
        ax.set_xticks(x[shown], [_tick_label(str(grid["period"][i])) for i in shown])
        set_value_axis(ax, meta["unit"])
        present = [s for s in STATUSES
                   if ((grid["status"] == s) & grid["value"].notna()).any()]
        from matplotlib.lines import Line2D

        handles: list[Artist] = [Line2D([], [], linestyle="none", marker=STATUS_STYLE[s]["marker"],
                          color=STATUS_STYLE[s]["color"], markersize=7,
                          label=STATUS_STYLE[s]["label"]) for s in present]
        if ok.any():
            handles.append(Line2D([], [], color=COLOURS["target"], linewidth=1.6, label="Target"))
        if has_band.any():
            from matplotlib.patches import Patch

            handles.append(Patch(color=COLOURS["tolerance"], alpha=0.3, label="Between target and tolerance"))
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.2),
                      ncol=min(3, len(handles)), borderaxespad=0, handletextpad=0.3,
                      columnspacing=1.2)
        sub = f"{POLARITY_TEXT.get(meta['polarity'], '')}."
        gaps = grid.loc[grid["value"].isna(), "period"].tolist()
        if gaps:
            sub += " No figure for " + ", ".join(gaps) + " (a gap in the line)."
        if comps:
            sub += f" Dashed lines: latest annual outturns{' (' + comp_year + ')' if comp_year else ''}."
        return finish(ax, source, synthetic, title or meta["label"], sub)


def _status_points(ax: Axes, x: np.ndarray, data: pd.DataFrame) -> None:
    for status in STATUSES:
        mask = (data["status"] == status).to_numpy() & data["value"].notna().to_numpy()
        if not mask.any():
            continue
        st = STATUS_STYLE[status]
        ax.plot(x[mask], data.loc[mask, "value"].to_numpy(float), linestyle="none",
                marker=st["marker"], markersize=9, color=st["color"],
                markeredgecolor="white", markeredgewidth=0.8, zorder=5, gid=f"status-{status}",
                label=st["label"])
    unknown = data["status"].isna().to_numpy() & data["value"].notna().to_numpy()
    if unknown.any():
        ax.plot(x[unknown], data.loc[unknown, "value"].to_numpy(float), linestyle="none",
                marker="o", markersize=7, markerfacecolor="white", color="#7A7A7A", zorder=5,
                gid="status-unknown")


def _quarterly_trend_alt_text(series: pd.DataFrame,
                              comparators: Mapping | pd.Series | pd.DataFrame | None = None, *,
                              synthetic: bool = False, unit: str | None = None,
                              decimals: int | None = None, title: str | None = None) -> str:
    data = _series(series)
    meta = _meta(data, unit, decimals)
    comps, comp_year = _comparators(series, comparators)
    grid = _on_time_axis(data)
    fmt = lambda v: format_value(v, meta["unit"], meta["decimals"])  # noqa: E731
    quarters = []
    for r in grid.itertuples(index=False):
        if is_missing(r.value):
            quarters.append(f"{r.period} no figure")
            continue
        status = STATUS_STYLE[r.status]["label"].lower() if isinstance(r.status, str) else "no status"
        quarters.append(f"{r.period} {fmt(r.value)} ({status})")
    text = (f"Chart of {title or meta['label']} by quarter, {grid['period'].iloc[0]} to "
            f"{grid['period'].iloc[-1]}: " + "; ".join(quarters) + ".")
    t = grid["target"].dropna()
    if len(t):
        text += f" Target {fmt(t.iloc[-1])}"
        tol = grid["tolerance"].dropna()
        text += (f", tolerance {fmt(tol.iloc[-1])}." if len(tol) else ".")
    if comps:
        cfmt = _comparator_format(comps, meta)
        text += (f" Latest annual outturns{' (' + comp_year + ')' if comp_year else ''}: "
                 + ", ".join(f"{_COMPARATOR_NAMES[k]} {cfmt(v)}" for k, v in comps.items()) + ".")
    text += f" {POLARITY_TEXT.get(meta['polarity'], '')}."
    return synthetic_prefix(synthetic) + text


def quarterly_trend_chart(series: pd.DataFrame,
                          comparators: Mapping | pd.Series | pd.DataFrame | None = None, *,
                          name: str, source: str, synthetic: bool = False, title: str | None = None,
                          unit: str | None = None, decimals: int | None = None) -> Chart:
    """The :class:`~analysis.core.blocks.Chart` of one measure's quarters (see
    :func:`_plot_quarterly_trend`), its alt text worked out from the same inputs."""
    inputs = {"series": series, "comparators": comparators, "source": source, "synthetic": synthetic,
              "title": title, "unit": unit, "decimals": decimals}
    alt = _quarterly_trend_alt_text(series, comparators, synthetic=synthetic, unit=unit,
                                    decimals=decimals, title=title)
    return Chart(name=name, plot=_plot_quarterly_trend, inputs=inputs, alt_text=alt, source=source,
                 title=title or str(_meta(_series(series), unit, decimals)["label"]), synthetic=synthetic)


#: The plot function behind :func:`quarterly_trend_chart` (draws on ``ax``, returns the Axes).
quarterly_trend = _plot_quarterly_trend


# --- direction words -------------------------------------------------------------------------

_WORDS = {"improved": "improved", "worsened": "worse", "no change": "no change",
          "higher": "higher", "lower": "lower", "no comparison": "no comparison",
          "improving": "improved", "worsening": "worse",
          # worked out from the two quarters' statuses where a value is unknown
          "status improved": "status improved", "status worsened": "status worse",
          "status unchanged": "status unchanged"}


def direction_text(direction: object, polarity: object = None, value: object = None,
                   previous: object = None) -> str:
    """"↓ improved", "↑ worse", "→ no change": the arrow is the value's move, the word the
    judgement. The arrow comes from value and previous when both are given, else from the
    direction and polarity."""
    word = _WORDS.get(str(direction), "") if not is_missing(direction) else ""
    arrow = ""
    if not is_missing(value) and not is_missing(previous):
        diff = float(value) - float(previous)  # type: ignore[arg-type]
        arrow = "↑" if diff > 0 else "↓" if diff < 0 else "→"
    elif word in ("higher", "lower"):
        arrow = "↑" if word == "higher" else "↓"
    elif word in ("improved", "worse") and polarity in ("higher_is_better", "lower_is_better"):
        up = (word == "improved") == (polarity == "higher_is_better")
        arrow = "↑" if up else "↓"
    elif word == "no change":
        arrow = "→"
    if not word and arrow:
        word = {"↑": "higher", "↓": "lower", "→": "no change"}[arrow]
    return f"{arrow} {word}".strip() if word else "–"


