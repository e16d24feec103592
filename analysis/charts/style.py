"""The house style shared by every chart: palette, fonts, source line, labels, saving.

Charts are drawn on :class:`matplotlib.figure.Figure` objects made without ``pyplot``, each
with its own Agg canvas: no display is needed, nothing is kept in pyplot's global figure list
(so a batch of hundreds of charts does not leak memory) and the backend a notebook chose is
left alone. Inside a notebook, show a chart with ``display(ax.figure)``.

Colours come from the Okabe-Ito palette, which stays distinguishable with the common forms of
colour blindness. Meaning is never carried by colour alone: statuses have their own marker
shapes and words, and better/worse is always written out. The palette, the number formats
and the input checks live in :mod:`analysis.charts.house` (no matplotlib there, for the
charts drawn in the browser) and are re-exported here.
"""

from __future__ import annotations

import contextlib
import math
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal, cast

import matplotlib as mpl
from cycler import cycler
from matplotlib import ticker

from analysis.charts.house import (  # noqa: F401 (re-exported: the charts import them from here)
    _UNIT_AXIS_LABELS,
    COLOURS,
    COMPARATOR_STYLE,
    OKABE_ITO,
    POLARITY_TEXT,
    check_one_series,
    format_count,
    format_value,
    is_missing,
    require_columns,
    spread_positions,
    synthetic_prefix,
    unit_axis_label,
)
from analysis.core.errors import ParameterError

# Figures, axes and the Agg canvas are imported where a chart is drawn, not here: building a
# pack's chart values (their data, titles and alt text) needs only the names above, so a
# notebook kernel whose charts are drawn by worker processes never loads matplotlib's drawing
# machinery (about half a second).
if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

#: Quarterly status: colour, marker shape, table symbol and words, worst first.
STATUS_STYLE: dict[str, dict[str, str]] = {
    "outside_tolerance": {"color": OKABE_ITO["vermillion"], "marker": "X", "symbol": "✖",
                          "label": "Outside tolerance", "tint": "#F9DCCB"},
    "inside_tolerance": {"color": OKABE_ITO["orange"], "marker": "D", "symbol": "◆",
                         "label": "Inside tolerance", "tint": "#FBEBC8"},
    "on_target": {"color": OKABE_ITO["bluish_green"], "marker": "o", "symbol": "●",
                  "label": "On or better than target", "tint": "#CDEBE1"},
    "no_target": {"color": "#8C8C8C", "marker": "s", "symbol": "■",
                  "label": "No target", "tint": "#EBEBEB"},
}

#: Width of an A4 page's text block (210 mm less two 20 mm margins), in inches.
A4_TEXT_WIDTH = 6.7
DEFAULT_SIZE = (A4_TEXT_WIDTH, 3.9)

HOUSE_RC: dict[str, object] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 9.5,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlecolor": COLOURS["text"],
    "axes.labelsize": 9.5,
    "axes.labelcolor": COLOURS["text"],
    "axes.edgecolor": "#8C8C8C",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "grid.color": COLOURS["grid"],
    "grid.linewidth": 0.8,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "xtick.color": COLOURS["muted"],
    "ytick.color": COLOURS["muted"],
    "xtick.labelcolor": COLOURS["text"],
    "ytick.labelcolor": COLOURS["text"],
    "legend.fontsize": 8.5,
    "legend.frameon": False,
    "text.color": COLOURS["text"],
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",      # text stays text in SVG: searchable and smaller
    "svg.hashsalt": "csc-benchmarks",  # stable ids so the same chart gives the same file
    "axes.prop_cycle": cycler(color=[OKABE_ITO[k] for k in (
        "blue", "orange", "bluish_green", "vermillion", "reddish_purple", "sky_blue", "black")]),
}

PNG_DPI = 150
#: zlib level for PNG files: 1 writes about four times faster than the default 6 for files
#: about a fifth larger (the pixels are the same).
PNG_COMPRESSION = 1

@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Apply the house rcParams for the duration of a ``with`` block."""
    with mpl.rc_context(HOUSE_RC):
        yield


def new_figure(figsize: tuple[float, float] = DEFAULT_SIZE) -> Figure:
    """A figure with its own Agg canvas and constrained layout (no pyplot, no display)."""
    with house_style():
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, layout="constrained")
        FigureCanvasAgg(fig)
    return fig


def get_axes(ax: Axes | None, figsize: tuple[float, float] = DEFAULT_SIZE) -> Axes:
    """``ax`` itself, or the Axes of a new house-style figure when ``ax`` is None."""
    if ax is not None:
        from matplotlib.axes import Axes

        if not isinstance(ax, Axes):
            raise ParameterError("ax must be a matplotlib Axes or None", parameter="ax",
                                 found=type(ax).__name__)
        return ax
    with house_style():
        return new_figure(figsize).add_subplot()


def style_axes(ax: Axes, grid: Literal["x", "y", "both"] | None = "y") -> None:
    """Hide the top and right spines and draw a light grid on ``grid`` ("x", "y" or None)."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    # Set here as well as in HOUSE_RC: an Axes the caller made outside house_style() has
    # the caller's defaults.
    ax.tick_params(labelsize=HOUSE_RC["xtick.labelsize"], colors=COLOURS["muted"],
                   labelcolor=COLOURS["text"])
    ax.xaxis.label.set_fontsize(cast(float, HOUSE_RC["axes.labelsize"]))
    ax.yaxis.label.set_fontsize(cast(float, HOUSE_RC["axes.labelsize"]))
    if grid:
        ax.grid(True, axis=grid, color=COLOURS["grid"], linewidth=0.8)
        ax.set_axisbelow(True)


# --- numbers -------------------------------------------------------------------------------

class UnitFormatter(ticker.Formatter):
    """Tick labels by unit: ``20%`` for percent, ``1,200`` otherwise, decimals from the step."""

    def __init__(self, unit: str = "count") -> None:
        self.unit = unit

    def set_locs(self, locs: list[float]) -> None:
        self._tick_values = [float(v) for v in locs]
        super().set_locs(locs)

    def _decimals(self) -> int:
        """The fewest decimals (up to 3) that show every tick value exactly."""
        locs = [v for v in getattr(self, "_tick_values", []) if math.isfinite(v)]
        for d in range(4):
            if all(abs(v - round(v, d)) < 1e-9 * max(1.0, abs(v)) for v in locs):
                return d
        return 3

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_value(x, self.unit, self._decimals(), missing="")


def set_value_axis(ax: Axes, unit: str, axis: str = "y", label: bool = True) -> None:
    """Format the value axis for ``unit`` and label it."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(UnitFormatter(unit))
    if label:
        target.set_label_text(unit_axis_label(unit))


# --- text on the chart ---------------------------------------------------------------------

def text_width_chars(ax: Axes, fontsize: float) -> int:
    """About how many characters of ``fontsize`` text fit from the axes' left edge to the
    figure's right edge once the layout is done (estimated from the y tick labels' width).

    Measuring the tick labels is the dear part, so the width is measured once per Axes and
    kept while the figure size and the y limits (so the tick labels) stay the same."""
    key = (tuple(root_figure(ax).get_size_inches()), ax.get_ylim(), ax.axison, ax.yaxis.get_visible())
    cached = getattr(ax, "_csc_text_width", None)
    if cached is None or cached[0] != key:
        cached = (key, _available_points(ax))
        setattr(ax, "_csc_text_width", cached)  # noqa: B010 (a private attribute on a matplotlib object)
    return max(30, int(cached[1] / (fontsize * 0.6)))


def root_figure(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn on (the whole figure when ``ax`` is in a subfigure)."""
    from matplotlib.figure import Figure

    fig = ax.figure
    return fig if isinstance(fig, Figure) else fig.figure


def _available_points(ax: Axes) -> float:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = root_figure(ax)
    renderer = cast(FigureCanvasAgg, fig.canvas).get_renderer()
    left = ax.bbox.x0
    if ax.axison and ax.yaxis.get_visible():
        yb = ax.yaxis.get_tightbbox(renderer)
        if yb is not None:
            labels_width = ax.bbox.x0 - yb.x0
            left = max(labels_width + 6 * fig.dpi / 72, min(left, fig.bbox.width * 0.5))
    return (fig.bbox.x1 - left) * 72 / fig.dpi - 6


def add_title(ax: Axes, title: str | None, subtitle: str | None = None,
              reserve: int = 0) -> None:
    """A bold left-aligned title with an optional smaller subtitle under it.

    Both are wrapped to fit between the axes' left edge and the figure's right edge;
    ``reserve`` keeps that many characters free at the end of the title's line (for the
    synthetic-data label).
    """
    sub_lines = textwrap.wrap(" ".join(subtitle.split()), text_width_chars(ax, 8.5)) \
        if subtitle else []
    pad = 6 + 12.5 * len(sub_lines)
    title_width = max(20, text_width_chars(ax, 11) - reserve)
    text = ax.set_title("\n".join(textwrap.wrap(title, title_width)) if title else " ",
                        loc="left", pad=pad, fontsize=11, fontweight="bold",
                        y=1.0)  # a fixed height: matplotlib skips its costly search above the axes
    if sub_lines:
        ax.annotate("\n".join(sub_lines), xy=(0, 0), xycoords=text, xytext=(0, -3),
                    textcoords="offset points", va="top", ha="left", fontsize=8.5,
                    color=COLOURS["muted"], annotation_clip=False, gid="subtitle")


class _BelowAxes:
    """A bbox from the axes' left edge to its right, ending below the x axis and any legend
    (a class, not a closure, so that a figure using it can be pickled for a worker)."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax

    def __call__(self, renderer: RendererBase) -> Bbox:
        ax = self.ax
        bottom = ax.bbox.y0
        if ax.axison and ax.xaxis.get_visible():
            xb = ax.xaxis.get_tightbbox(renderer)
            if xb is not None:
                bottom = min(bottom, xb.y0)
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            bottom = min(bottom, legend.get_window_extent(renderer).y0)
        for child in ax.texts:
            if child.get_gid() == "below-note":
                bottom = min(bottom, child.get_window_extent(renderer).y0)
        from matplotlib.transforms import Bbox

        return Bbox.from_extents(ax.bbox.x0, bottom, ax.bbox.x1, ax.bbox.y1)


def add_source(ax: Axes, text: str) -> None:
    """Write the source line (with the data year) under the chart, left-aligned, wrapped.

    ``text`` is required and must not be empty: every chart says where its figures came from.
    """
    if not isinstance(text, str) or not text.strip():
        raise ParameterError(
            "every chart needs a source line", parameter="source",
            expected="text naming the publication and the data year",
            found=repr(text),
            fix='pass e.g. source="Source: DfE, Children in need 2016-17 (table C1)"',
        )
    wrapped = "\n".join(textwrap.wrap(" ".join(text.split()), text_width_chars(ax, 7.5)))
    ax.annotate(wrapped, xy=(0, 0), xycoords=_BelowAxes(ax), xytext=(0, -6),
                textcoords="offset points", va="top", ha="left", fontsize=7.5,
                color=COLOURS["muted"], annotation_clip=False, gid="source")


def mark_synthetic(ax: Axes) -> None:
    """Label the chart "SYNTHETIC DATA": a boxed label above the plot and a light watermark."""
    title: Text | None = getattr(ax, "_left_title", None)  # the left title add_title writes
    on_title = title is not None and bool(title.get_text().strip())
    # At the figure's right edge, level with the title: the title is wrapped to leave room
    # for it there (add_title's reserve), whatever sits right of the axes (value labels).
    ax.annotate("SYNTHETIC DATA", xy=(0.995, 1.0) if on_title else (1.0, 1.02),
                xycoords=("figure fraction", title) if on_title and title is not None
                else ("axes fraction", "axes fraction"),
                ha="right", va="top" if on_title else "bottom", fontsize=8.5,
                fontweight="bold", color=COLOURS["synthetic"], gid="synthetic",
                annotation_clip=False, zorder=10,
                bbox={"boxstyle": "square,pad=0.25", "facecolor": "white",
                      "edgecolor": COLOURS["synthetic"], "linewidth": 1.0})
    ax.text(0.5, 0.5, "SYNTHETIC DATA", transform=ax.transAxes, ha="center", va="center",
            fontsize=30, fontweight="bold", color=COLOURS["synthetic"], alpha=0.10,
            rotation=20, gid="synthetic-watermark", zorder=0, in_layout=False)


def finish(ax: Axes, source: str, synthetic: bool = False, title: str | None = None,
           subtitle: str | None = None) -> Axes:
    """Add title and subtitle, the source line and, for generated data, the synthetic label.

    Returns ``ax``. The source is checked first so a missing one fails before drawing text.
    """
    if not isinstance(source, str) or not source.strip():
        add_source(ax, source)  # raises the ParameterError
    if title is not None or subtitle is not None:
        add_title(ax, title, subtitle, reserve=18 if synthetic else 0)
    if synthetic:
        mark_synthetic(ax)
    add_source(ax, source)
    return ax


def right_labels(ax: Axes, items: list[tuple[float, str, str]], bold_colour: str | None = None,
                 fontsize: float = 8) -> None:
    """Direct labels in the right margin at data heights ``(y, text, colour)``, spread apart
    so none overlap. Call after the y limits are final."""
    if not items:
        return
    lo, hi = ax.get_ylim()
    height_in = root_figure(ax).get_figheight() * ax.get_position().height
    gap = (hi - lo) * ((fontsize + 3.5) / 72) / max(height_in, 0.5)
    ys = spread_positions([y for y, _, _ in items], gap)
    for (y0, text, colour), y in zip(items, ys, strict=True):
        ax.annotate(text, xy=(1.0, y0), xycoords=("axes fraction", "data"),
                    xytext=(1.0, y), textcoords=("axes fraction", "data"),
                    ha="left", va="center", fontsize=fontsize, color=colour,
                    fontweight="bold" if colour == bold_colour else "normal",
                    annotation_clip=False, gid="end-label")


def legend_below(ax: Axes, below: float, **kwargs: Any) -> None:
    """A legend whose top is ``below`` points under the axes' bottom edge, whatever the
    axes' height (an offset in axes fractions moves with it and can land on the x axis label):
    ``below`` is the height of what the x axis shows (tick labels, axis label) plus a gap."""
    from matplotlib.transforms import ScaledTranslation

    shift = ScaledTranslation(0, -below / 72, root_figure(ax).dpi_scale_trans)
    ax.legend(loc="upper left", bbox_to_anchor=(0, 0), bbox_transform=ax.transAxes + shift,
              borderaxespad=0, **kwargs)


# --- saving --------------------------------------------------------------------------------

def settle_layout(fig: Figure) -> None:
    """Work out the figure's layout once, then fix it.

    With a layout engine attached, every ``savefig`` first runs a whole extra draw to redo
    the layout; a chart saved as PNG and SVG would pay for that twice. Positions are in
    figure fractions, so one layout serves both formats. The figure keeps no engine after.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    engine = fig.get_layout_engine()
    if engine is None:
        return
    if not isinstance(engine, PlaceHolderLayoutEngine):
        fig.set_dpi(PNG_DPI)
        engine.execute(fig)
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)


# --- dates on a time axis ----------------------------------------------------------------------

def mark_axis_break(ax: Axes) -> None:
    """Mark on the value axis that it does not start at zero: a zig-zag at its foot. The words
    saying so go in the chart's subtitle and alt text (:func:`analysis.charts.value_axis.axis_note`),
    never on the plot, where they would cover the lowest tick label."""
    kw: dict[str, Any] = {"transform": ax.transAxes, "color": COLOURS["muted"], "clip_on": False, "linewidth": 1.0,
          "gid": "axis-break"}
    ax.plot([-0.012, 0.012], [0.010, 0.030], **kw)
    ax.plot([-0.012, 0.012], [0.035, 0.055], **kw)
