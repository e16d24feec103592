"""The house style's colours, words and number formats, without matplotlib.

Shared by the matplotlib charts (:mod:`analysis.charts.style` re-exports everything here) and
by the charts the interactive explorer draws in the browser (:mod:`analysis.explorer.specs`),
which must not import matplotlib.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness. Meaning is never carried by colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analysis.core.errors import InputDataError, NoDataError, ParameterError

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: The role of each colour in every chart.
COLOURS: dict[str, str] = {
    "la": OKABE_ITO["blue"],            # the LA the pack is about
    "other": "#BDBDBD",                 # other LAs, comparators drawn as bars
    "england": OKABE_ITO["black"],
    "region": OKABE_ITO["orange"],
    "neighbours": OKABE_ITO["reddish_purple"],
    "target": "#333333",
    "tolerance": OKABE_ITO["orange"],
    "better": OKABE_ITO["blue"],
    "worse": OKABE_ITO["vermillion"],
    "neutral": "#8C8C8C",
    "text": "#222222",
    "muted": "#595959",
    "grid": "#E6E6E6",
    "band_light": "#F4F4F4",
    "band_dark": "#E8E8E8",
    "synthetic": OKABE_ITO["vermillion"],
}

#: Line style of each comparator (colour, dash) so lines differ in more than colour.
COMPARATOR_STYLE: dict[str, dict[str, object]] = {
    "england": {"color": COLOURS["england"], "linestyle": (0, (5, 3)), "label": "England"},
    "region": {"color": COLOURS["region"], "linestyle": (0, (6, 2, 1.5, 2)), "label": "Region"},
    "sn_mean": {"color": COLOURS["neighbours"], "linestyle": (0, (1.5, 1.5)),
                "label": "Statistical neighbours"},
    "la_outturn": {"color": COLOURS["la"], "linestyle": (0, (3, 1.5)), "label": "LA annual outturn"},
}

_UNIT_AXIS_LABELS = {
    "percent": "Per cent",
    "rate_per_10000": "Rate per 10,000 children",
    "rate_per_100000": "Rate per 100,000",
    "count": "Number",
    "days": "Days",
    "weeks": "Weeks",
    "score": "Score",
    "rate": "Rate",
}

POLARITY_TEXT = {
    "lower_is_better": "Lower is better",
    "higher_is_better": "Higher is better",
    "none": "No better or worse direction",
}


# --- numbers -------------------------------------------------------------------------------

def is_missing(value: object) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pd.NA
        return True


def format_value(value: object, unit: str = "count", decimals: int = 1,
                 missing: str = "no figure") -> str:
    """``27.1`` -> ``"27.1%"`` for percent; thousands separators for everything."""
    if is_missing(value):
        return missing
    text = f"{float(value):,.{int(decimals)}f}"  # type: ignore[arg-type]
    return f"{text}%" if unit == "percent" else text


def format_count(value: object) -> str:
    """A whole number with thousands separators, or an empty string when missing."""
    return "" if is_missing(value) else f"{float(value):,.0f}"  # type: ignore[arg-type]


def unit_axis_label(unit: str) -> str:
    """The axis label for a unit: "Per cent", "Rate per 10,000 children"..."""
    return _UNIT_AXIS_LABELS.get(unit, "")


def synthetic_prefix(synthetic: bool) -> str:
    """The words alt text starts with when the chart shows generated data."""
    return "SYNTHETIC DATA (illustrative figures, not real): " if synthetic else ""


def spread_positions(values: list[float], min_gap: float) -> list[float]:
    """Move label positions apart so neighbours are at least ``min_gap`` apart, keeping order.

    Used for direct labels at the end of lines, so close lines do not print labels on top of
    each other. The order of the input is kept; the mean position of each cluster is kept.
    """
    if not values:
        return []
    order = sorted(range(len(values)), key=lambda i: values[i])
    groups: list[list[int]] = []
    for i in order:
        groups.append([i])
        while len(groups) > 1:
            a, b = groups[-2], groups[-1]
            centre_a = sum(values[j] for j in a) / len(a)
            centre_b = sum(values[j] for j in b) / len(b)
            top_a = centre_a + (len(a) - 1) * min_gap / 2
            bottom_b = centre_b - (len(b) - 1) * min_gap / 2
            if bottom_b - top_a >= min_gap:
                break
            groups[-2:] = [a + b]
    out = [0.0] * len(values)
    for g in groups:
        centre = sum(values[j] for j in g) / len(g)
        start = centre - (len(g) - 1) * min_gap / 2
        for k, j in enumerate(sorted(g, key=lambda j: values[j])):
            out[j] = start + k * min_gap
    return out


# --- input checks shared by the plot functions ------------------------------------------------

def require_columns(frame: object, columns: Iterable[str], what: str, *, fix: str | None = None,
                    series_ok: bool = False) -> None:
    """The rows a chart draws: a DataFrame (or, with ``series_ok``, one row as a Series)
    holding ``columns``. ParameterError for another type, InputDataError naming the first
    missing column."""
    kinds = (pd.DataFrame, pd.Series) if series_ok else (pd.DataFrame,)
    if not isinstance(frame, kinds):
        raise ParameterError(f"{what} must be a pandas DataFrame", parameter=what,
                             found=type(frame).__name__)
    have = frame.index if isinstance(frame, pd.Series) else frame.columns
    columns = list(columns)
    missing = [c for c in columns if c not in have]
    if missing:
        raise InputDataError(f"the {what} table lacks a column the chart needs",
                             column=missing[0], expected=", ".join(columns),
                             found=", ".join(map(str, have)) or "no columns", fix=fix)


def check_one_series(series: pd.DataFrame, *, key: str, period: str, what: str,
                     period_words: str, fix: str, noun: str = "measure") -> None:
    """A trend chart's rows: not empty, one ``noun`` (column ``key``), each ``period`` once."""
    if series.empty:
        raise NoDataError(f"there are no {period_words}s to chart")
    if key in series and series[key].nunique() > 1:
        raise InputDataError(f"the {what} holds more than one {noun}", column=key,
                             expected=f"the rows of one {noun}",
                             found=", ".join(map(str, series[key].unique()[:5])), fix=fix)
    if series[period].duplicated().any():
        raise InputDataError(f"a {period_words} appears more than once", column=period,
                             rows=list(series.index[series[period].duplicated(keep=False)]),
                             expected=f"one row per {period_words}")
