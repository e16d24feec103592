"""Quarterly performance charts: one measure's quarters against target, and summary tables.

The quarterly table is tidy: one row per measure and quarter with columns indicator_code,
label, period ("2017-18 Q1"), value, target, tolerance, polarity and status (one of
``on_target``, ``inside_tolerance``, ``outside_tolerance``, ``no_target``); unit and decimals
are used when present. Plot functions return the Axes; each has an ``*_alt_text`` companion.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.table import Table

from analysis.charts.style import (
    A4_TEXT_WIDTH,
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
from analysis.errors import InputDataError, NoDataError, ParameterError

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
        decimals = int(dec)  # type: ignore[arg-type]
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


def quarterly_trend(series: pd.DataFrame, ax: Axes | None = None,
                    comparators: Mapping | pd.Series | pd.DataFrame | None = None, *,
                    source: str, synthetic: bool = False, title: str | None = None,
                    unit: str | None = None, decimals: int | None = None) -> Axes:
    """One measure's quarters: points coloured and shaped by status, target and tolerance band.

    ``series``: rows of one measure with period, value, status, and target, tolerance, label,
    polarity, unit, decimals when present. ``comparators``: the latest annual outturns
    (keys england, region, sn_mean, la_outturn, and year for their label) drawn as labelled
    reference lines; when None they are read from same-named columns of ``series``.
    """
    data = _series(series)
    meta = _meta(data, unit, decimals)
    comps, comp_year = _comparators(series, comparators)
    n = len(data)
    x = np.arange(n, dtype=float)
    fmt = lambda v: format_value(v, meta["unit"], meta["decimals"])  # noqa: E731
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        target, tol = data["target"].to_numpy(float), data["tolerance"].to_numpy(float)
        edges = np.arange(n + 1) - 0.5
        has_band = ~np.isnan(target) & ~np.isnan(tol)
        if has_band.any():
            low, high = np.fmin(target, tol), np.fmax(target, tol)
            ax.fill_between(edges, np.append(low, low[-1]), np.append(high, high[-1]),
                            step="post", where=np.append(has_band, has_band[-1]), color=COLOURS["tolerance"],
                            alpha=0.16, linewidth=0, gid="tolerance-band", zorder=1)
        if (~np.isnan(target)).any():
            ok = ~np.isnan(target)
            ax.hlines(target[ok], x[ok] - 0.5, x[ok] + 0.5, colors=COLOURS["target"],
                      linewidth=1.6, gid="target-line", zorder=2)
        for key, v in comps.items():
            st = COMPARATOR_STYLE[key]
            ax.axhline(v, color=st["color"], linestyle=st["linestyle"], linewidth=1.1,
                       gid=f"line-{key}", zorder=2)
        values = data["value"].to_numpy(float)
        ax.plot(x, values, color="#7A7A7A", linewidth=1.3, zorder=3, gid="value-line")
        _status_points(ax, x, data)
        bottom, top = _value_range(np.concatenate([values, target, tol, list(comps.values())]),
                                   meta["unit"])
        ax.set_ylim(bottom, top)
        ax.set_xlim(-0.6, n - 0.4)
        for xi, v in zip(x, values, strict=True):
            if np.isnan(v):
                ax.text(xi, bottom + (top - bottom) * 0.03, "no figure", ha="center", va="bottom", fontsize=8,
                        color=COLOURS["muted"], gid="no-figure")
            else:
                ax.annotate(fmt(v), (xi, v), xytext=(0, 9), textcoords="offset points",
                            ha="center", va="bottom", fontsize=8.5, gid="value-label", zorder=6,
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white",
                                  "edgecolor": "none", "alpha": 0.8})
        items = []
        last_t = data["target"].dropna()
        if len(last_t):
            items.append((float(last_t.iloc[-1]), f"Target {fmt(last_t.iloc[-1])}",
                          COLOURS["target"]))
        last_tol = data["tolerance"].dropna()
        if len(last_tol):
            items.append((float(last_tol.iloc[-1]), f"Tolerance {fmt(last_tol.iloc[-1])}",
                          "#A06A00"))
        cfmt = _comparator_format(comps, meta)
        for key, v in comps.items():
            items.append((v, f"{_COMPARATOR_NAMES[key]} {cfmt(v)}",
                          str(COMPARATOR_STYLE[key]["color"])))
        right_labels(ax, items)
        ax.set_xticks(x, [str(p) for p in data["period"]])
        set_value_axis(ax, meta["unit"])
        present = [s for s in STATUSES if (data["status"] == s).any()]
        handles = [Line2D([], [], linestyle="none", marker=STATUS_STYLE[s]["marker"],
                          color=STATUS_STYLE[s]["color"], markersize=7,
                          label=STATUS_STYLE[s]["label"]) for s in present]
        if present:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.1),
                      ncol=min(4, len(handles)), borderaxespad=0, handletextpad=0.3,
                      columnspacing=1.2)
        sub = f"{POLARITY_TEXT.get(meta['polarity'], '')}."
        if has_band.any():
            sub += " Shaded: between target and tolerance."
        if bottom > 0:
            sub += " The axis does not start at zero."
        if comps:
            sub += f" Dashed lines: latest annual outturns{' (' + comp_year + ')' if comp_year else ''}."
        name = meta["label"] if not meta["code"] else f"{meta['code']}: {meta['label']}"
        return finish(ax, source, synthetic, title or name, sub)


def _value_range(values: np.ndarray, unit: str) -> tuple[float, float]:
    """Y limits: from zero unless the figures sit high above it (e.g. 85-92%), then zoomed
    with a margin; never above 100 for percentages by more than the label room."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return 0.0, 1.0
    lo, hi = float(finite.min()), float(finite.max())
    spread = max(hi - lo, abs(hi) * 0.05, 1e-9)
    bottom = 0.0 if lo < 0.5 * hi or lo <= 0 else max(0.0, lo - 0.8 * spread)
    top = hi + 0.3 * spread if bottom > 0 else hi * 1.15
    if unit == "percent" and hi <= 100:
        top = min(top, 100 + 0.3 * spread)
    return bottom, top


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


def quarterly_trend_alt_text(series: pd.DataFrame,
                             comparators: Mapping | pd.Series | pd.DataFrame | None = None, *,
                             synthetic: bool = False, unit: str | None = None,
                             decimals: int | None = None) -> str:
    """Alt text for :func:`quarterly_trend`."""
    data = _series(series)
    meta = _meta(data, unit, decimals)
    comps, comp_year = _comparators(series, comparators)
    fmt = lambda v: format_value(v, meta["unit"], meta["decimals"])  # noqa: E731
    quarters = []
    for r in data.itertuples(index=False):
        status = STATUS_STYLE[r.status]["label"].lower() if isinstance(r.status, str) else "no status"
        quarters.append(f"{r.period} {fmt(r.value)} ({status})")
    text = (f"Chart of {meta['label']} by quarter, {data['period'].iloc[0]} to "
            f"{data['period'].iloc[-1]}: " + "; ".join(quarters) + ".")
    t = data["target"].dropna()
    if len(t):
        text += f" Target {fmt(t.iloc[-1])}"
        tol = data["tolerance"].dropna()
        text += (f", tolerance {fmt(tol.iloc[-1])}." if len(tol) else ".")
    if comps:
        cfmt = _comparator_format(comps, meta)
        text += (f" Latest annual outturns{' (' + comp_year + ')' if comp_year else ''}: "
                 + ", ".join(f"{_COMPARATOR_NAMES[k]} {cfmt(v)}" for k, v in comps.items()) + ".")
    text += f" {POLARITY_TEXT.get(meta['polarity'], '')}."
    return synthetic_prefix(synthetic) + text


# --- tables drawn as figures ---------------------------------------------------------------

def _new_table(ax: Axes, cells: list[list[str]], col_labels: list[str],
               col_widths: list[float]) -> Table:
    ax.set_axis_off()
    table = ax.table(cellText=cells, colLabels=col_labels, colWidths=col_widths,
                     cellLoc="center", loc="upper left", bbox=[0, 0, 1, 1])
    table.auto_set_font_size(False)
    table.set_fontsize(8.5)
    for (r, _c), cell in table.get_celld().items():
        cell.set_edgecolor("#D0D0D0")
        cell.set_linewidth(0.6)
        if r == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#F2F2F2")
    table.set_gid("table")
    return table


_SUMMARY_ALIASES = {
    "outside_tolerance": ("outside_tolerance", "outside tolerance"),
    "inside_tolerance": ("inside_tolerance", "inside tolerance", "within tolerance"),
    "on_target": ("on_target", "on or better than target", "on target",
                  "on or above target", "at or better than target"),
    "no_target": ("no_target", "no target"),
}


def _summary_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """Counts by area (index) and status code (columns), with a Total row last."""
    if not isinstance(summary, pd.DataFrame):
        raise ParameterError("summary must be a pandas DataFrame", parameter="summary",
                             found=type(summary).__name__)
    frame = summary.set_index("area") if "area" in summary.columns else summary.copy()
    lookup = {alias: code for code, aliases in _SUMMARY_ALIASES.items() for alias in aliases}
    renamed = {c: lookup[str(c).strip().lower()] for c in frame.columns
               if str(c).strip().lower() in lookup}
    if not renamed:
        raise InputDataError("the summary has no status columns", column=None,
                             expected="columns " + ", ".join(STATUSES)
                             + " (or their words, e.g. 'Outside tolerance')",
                             found=", ".join(map(str, frame.columns)) or "no columns")
    frame = frame[list(renamed)].rename(columns=renamed)
    frame = frame.T.groupby(level=0).sum().T  # tolerate duplicate spellings of one status
    for code in STATUSES:
        if code not in frame:
            frame[code] = 0
    frame = frame[list(STATUSES)]
    numbers = frame.apply(pd.to_numeric, errors="coerce")
    if numbers.isna().any().any() or (numbers < 0).any().any():
        raise InputDataError("the summary counts must be whole numbers of 0 or more",
                             expected="counts", found="a missing, negative or non-number cell")
    numbers = numbers.astype(int)
    is_total = numbers.index.astype(str).str.strip().str.lower() == "total"
    areas = numbers[~is_total]
    total = areas.sum().rename("Total")
    if is_total.any():
        given = numbers[is_total].iloc[0]
        if len(areas) and not (given == total).all():
            raise InputDataError("the Total row does not equal the sum of the areas",
                                 expected=", ".join(f"{k} {v}" for k, v in total.items()),
                                 found=", ".join(f"{k} {v}" for k, v in given.items()),
                                 fix="correct the counts or drop the Total row")
        total = given.rename("Total")
    return pd.concat([areas, total.to_frame().T])


def _pct(count: int, total: int) -> str:
    return f"{count} ({count / total * 100:.0f}%)" if total else str(count)


def status_summary_table(summary: pd.DataFrame, ax: Axes | None = None, *, source: str,
                         synthetic: bool = False, title: str | None = None,
                         period: str | None = None) -> Axes:
    """The count of measures in each status by area, with a Total row showing percentages.

    ``summary``: one row per area (an ``area`` column or the index) and a column per status,
    named by code (outside_tolerance, inside_tolerance, on_target, no_target) or in words
    ("Outside tolerance", "On or better than target"...). A Total row is added when absent
    and checked against the areas when present.
    """
    frame = _summary_frame(summary)
    grand = int(frame.loc["Total"].sum())
    cols = ["Area"] + [f"{STATUS_STYLE[s]['symbol']} {STATUS_STYLE[s]['label']}"
                       for s in STATUSES] + ["All measures"]
    cells = []
    for area, row in frame.iterrows():
        counts = [int(row[s]) for s in STATUSES]
        if area == "Total":
            cells.append(["Total", *[_pct(c, grand) for c in counts], str(grand)])
        else:
            cells.append([str(area), *map(str, counts), str(sum(counts))])
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, 1.3 + 0.32 * (len(cells) + 1)))
        header = ["\n".join(textwrap.wrap(c, 13)) for c in cols]
        table = _new_table(ax, cells, header, [0.27, 0.15, 0.15, 0.15, 0.14, 0.14])
        for c, status in enumerate(STATUSES, start=1):
            table[0, c].set_facecolor(STATUS_STYLE[status]["tint"])
        for c in range(len(cols)):
            table[len(cells), c].set_text_props(fontweight="bold")
            table[0, c].set_height(table[0, c].get_height() * 1.6)
        for r in range(1, len(cells) + 1):
            table[r, 0].set_text_props(ha="left")
            table[r, 0].PAD = 0.03
        sub = f"Measures by status{', ' + period if period else ''}; the Total row shows the share of all {grand} measures."
        return finish(ax, source, synthetic, title or "Performance against target by area", sub)


def status_summary_table_alt_text(summary: pd.DataFrame, *, synthetic: bool = False,
                                  period: str | None = None) -> str:
    """Alt text for :func:`status_summary_table`."""
    frame = _summary_frame(summary)
    total = frame.loc["Total"]
    grand = int(total.sum())
    text = (f"Table of {grand} measures by status{' for ' + period if period else ''}: "
            + ", ".join(f"{int(total[s])} {STATUS_STYLE[s]['label'].lower()} "
                        f"({(total[s] / grand * 100 if grand else 0):.0f}%)" for s in STATUSES)
            + ".")
    for area, row in frame.drop(index="Total").iterrows():
        text += (f" {area}: " + ", ".join(f"{int(row[s])} {STATUS_STYLE[s]['label'].lower()}"
                                          for s in STATUSES if row[s]) + ".")
    return synthetic_prefix(synthetic) + text


# --- cover table ---------------------------------------------------------------------------

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


def _cover_cells(rows: pd.DataFrame) -> list[dict[str, str]]:
    _need(rows, ["label", "value"], "rows")
    if rows.empty:
        raise NoDataError("there are no measures for the cover table")
    if "status" in rows:
        _check_statuses(rows, "rows")
    out = []
    for r in rows.to_dict("records"):
        unit = str(r.get("unit") or "count")
        dec = r.get("decimals")
        dec = 1 if is_missing(dec) else int(dec)
        status = r.get("status")
        rank, of = r.get("rank"), r.get("of")
        out.append({
            "label": str(r["label"]),
            "value": format_value(r["value"], unit, dec),
            "target": format_value(r.get("target"), unit, dec, missing="–"),
            "status": (f"{STATUS_STYLE[status]['symbol']} {STATUS_STYLE[status]['label']}"
                       if isinstance(status, str) else "–"),
            "status_code": status if isinstance(status, str) else "",
            "direction": direction_text(r.get("direction"), r.get("polarity"), r["value"],
                                        r.get("previous_value")),
            "rank": (_rank_cell(rank, of, r.get("rank_kind"), r.get("rank_from_highest"))
                     if not is_missing(rank) and not is_missing(of)
                     else (str(int(rank)) if not is_missing(rank) else "–")),
            "quartile": "–" if is_missing(r.get("quartile")) else str(r.get("quartile")),
            "period": "" if is_missing(r.get("period")) else str(r.get("period")),
        })
    return out


def cover_table(rows: pd.DataFrame, ax: Axes | None = None, *, source: str,
                synthetic: bool = False, title: str | None = None,
                period: str | None = None) -> Axes:
    """An at-a-glance table, one line per measure: latest value, target, status, direction,
    rank and quartile.

    ``rows`` columns: label and value (required); unit, decimals, target, status, direction
    (improved / worsened / no change / higher / lower), polarity, previous_value, rank, of and
    quartile when present. Missing cells print as "–".
    """
    cells = _cover_cells(rows)
    cols = ["Measure", "Latest", "Target", "Status", "Since last", "Rank", "Band"]
    body = [["\n".join(textwrap.wrap(c["label"], 32)), c["value"], c["target"],
             "\n".join(textwrap.wrap(c["status"], 16)),
             "\n".join(textwrap.wrap(c["direction"], 11)),  # "no comparison" on two lines
             c["rank"], c["quartile"]]
            for c in cells]
    lines = [max(b[0].count("\n"), b[3].count("\n"), b[4].count("\n")) + 1 for b in body]
    with house_style():
        ax = get_axes(ax, (A4_TEXT_WIDTH, 1.2 + 0.22 * (sum(lines) + len(lines)) + 0.35))
        table = _new_table(ax, body, cols, [0.32, 0.09, 0.09, 0.18, 0.13, 0.11, 0.08])
        total = sum(lines) + len(lines) + 1.6
        table[0, 0].set_height(1.6 / total)
        for c in range(1, len(cols)):
            table[0, c].set_height(1.6 / total)
        for r, (n_lines, cell) in enumerate(zip(lines, cells, strict=True), start=1):
            for c in range(len(cols)):
                table[r, c].set_height((n_lines + 1) / total)
            table[r, 0].set_text_props(ha="left")
            table[r, 0].PAD = 0.02
            if cell["status_code"]:
                table[r, 3].set_facecolor(STATUS_STYLE[cell["status_code"]]["tint"])
        table[0, 0].set_text_props(ha="left")
        table[0, 0].PAD = 0.02
        sub = ("Latest figure for each measure" + (f", {period}" if period else "")
               + ". Arrows show whether the figure went up or down; the word says if that is "
               "better or worse.")
        return finish(ax, source, synthetic, title or "At a glance", sub)


def cover_table_alt_text(rows: pd.DataFrame, *, synthetic: bool = False,
                         period: str | None = None) -> str:
    """Alt text for :func:`cover_table`."""
    cells = _cover_cells(rows)
    parts = []
    for c in cells:
        bits = [f"{c['label']}: {c['value']}"]
        if c["target"] != "–":
            bits.append(f"target {c['target']}")
        if c["status"] != "–":
            bits.append(STATUS_STYLE[c["status_code"]]["label"].lower())
        if c["direction"] != "–":
            bits.append(c["direction"].split(" ", 1)[-1] + " since last period")
        if c["rank"] != "–":
            bits.append(c["rank"] if "highest" in c["rank"] or "lowest" in c["rank"] else f"rank {c['rank']}")
        if c["quartile"] != "–":
            bits.append(f"quartile {c['quartile']}")
        parts.append(", ".join(bits))
    text = (f"Table of {len(cells)} measures{' for ' + period if period else ''}. "
            + "; ".join(parts) + ".")
    return synthetic_prefix(synthetic) + text


def _rank_cell(rank: object, of: object, kind: object, from_highest: object) -> str:
    """"142 of 152" for a rank (1 = best); "20th highest of 151" for a position (an indicator
    without a better direction: not a judgement)."""
    from analysis.ranking import rank_text

    kind = "position" if kind == "position" else "rank"
    return rank_text(rank, of, kind, None if is_missing(from_highest) else from_highest)
