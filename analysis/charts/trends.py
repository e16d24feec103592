"""Trend charts: an LA's indicator over the years against England, its region and its
statistical neighbours' mean.

The plot function takes the rows it draws (from :mod:`analysis.engine.benchmark`), an optional
``ax`` and keyword-only ``source`` (the source line, with the data year) and ``synthetic``;
it returns the Axes and reads or writes nothing. Its builder (:func:`annual_trend_chart`)
returns a :class:`~analysis.core.blocks.Chart`: the plot function, its inputs and the alt text
worked out from the same inputs, so picture and description cannot be fed different data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes

from analysis.charts.style import (
    COLOURS,
    COMPARATOR_STYLE,
    finish,
    format_value,
    get_axes,
    house_style,
    right_labels,
    set_value_axis,
    style_axes,
)
from analysis.charts.words import TREND_LINES as _TREND_LINES
from analysis.charts.words import annual_trend_alt_text as _annual_trend_alt_text
from analysis.charts.words import annual_trend_subtitle
from analysis.charts.words import chart_meta as _meta
from analysis.charts.words import line_names as _line_names
from analysis.charts.words import period_label as _period_label
from analysis.charts.words import trend_frame as _trend_frame
from analysis.core.blocks import Chart
from analysis.core.errors import NoDataError
from analysis.data.catalogue import Indicator


def annual_trend(series: pd.DataFrame, indicator: Indicator | None = None, ax: Axes | None = None,
                 *, source: str, synthetic: bool = False, title: str | None = None) -> Axes:
    """Lines over years for the LA, England, region and neighbour mean; gaps where missing.

    ``series`` is the :func:`analysis.engine.benchmark.benchmark_table` rows of one indicator: year,
    value, england, region, sn_mean, and period, la_name, region_name when present. Label,
    unit and polarity come from ``indicator`` or, if None, from the rows.
    """
    frame = _trend_frame(series)
    meta = _meta(indicator, series)
    names = _line_names(series)
    if frame[["value", "england", "region", "sn_mean"]].notna().sum().sum() == 0:
        raise NoDataError(f"no figures to chart for {meta['label']}")
    x = frame["year"].to_numpy()
    with house_style():
        ax = get_axes(ax)
        style_axes(ax, "y")
        ends: list[tuple[float, str, str]] = []
        for col, _ in _TREND_LINES:
            ys = frame[col].astype(float).to_numpy()
            if np.isnan(ys).all():
                continue
            kw: dict[str, Any]
            if col == "value":
                kw = {"color": COLOURS["la"], "linewidth": 2.4, "marker": "o", "markersize": 5,
                      "zorder": 5}
            else:
                st = COMPARATOR_STYLE[col]
                kw = {"color": st["color"], "linestyle": st["linestyle"], "linewidth": 1.5,
                      "marker": "o", "markersize": 2.5, "zorder": 4}
            ax.plot(x, ys, label=names[col], gid=f"line-{col}", **kw)
            last = np.flatnonzero(~np.isnan(ys))[-1]
            ends.append((float(ys[last]), names[col], kw["color"]))
        ax.set_xlim(x.min() - 0.4, x.max() + 0.4)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.05)
        set_value_axis(ax, meta["unit"])
        right_labels(ax, [(v, f"{name} {format_value(v, meta['unit'], meta['decimals'])}", c)
                          for v, name, c in ends], bold_colour=COLOURS["la"])
        periods = dict(zip(frame["year"], frame.get("period", pd.Series([None] * len(frame))),
                           strict=True))
        step = 1 if len(x) <= 7 else 2
        shown = [y for i, y in enumerate(x) if (len(x) - 1 - i) % step == 0]
        ax.set_xticks(shown, [_period_label(int(y), periods.get(y)) for y in shown])
        ax.set_xticks(x, minor=True)
        sub = annual_trend_subtitle(frame, names, meta["polarity"])
        return finish(ax, source, synthetic, title or meta["label"], sub)


#: A trend over the years needs at least this many years with the LA's figure.
MIN_TREND_YEARS = 3


def trend_years(series: pd.DataFrame) -> int:
    """How many years of ``series`` have the LA's figure."""
    return int(pd.to_numeric(series["value"], errors="coerce").notna().sum()) if len(series) else 0


def annual_trend_chart(series: pd.DataFrame, indicator: Indicator | None = None, *, name: str,
                       source: str, synthetic: bool = False, title: str | None = None) -> Chart:
    """The trend over the years (:func:`annual_trend`) as a Chart. Builders check
    :data:`MIN_TREND_YEARS` first (:func:`trend_years`) and give a note instead."""
    inputs = {"series": series, "indicator": indicator, "source": source, "synthetic": synthetic,
              "title": title}
    return Chart(name=name, plot=annual_trend, inputs=inputs,
                 alt_text=_annual_trend_alt_text(series, indicator, synthetic=synthetic), source=source,
                 title=title or str(_meta(indicator, series)["label"]), synthetic=synthetic)
