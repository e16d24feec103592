"""Notebook renderer: show a pack in Jupyter, section by section, as HTML.

The charts are drawn first, all at once (in the files renderer's worker pool inside a
notebook kernel), then each section is displayed. Problems that would stop the pack being
saved are warnings here (:func:`analysis.render.output.validate_pack`). Importing this module also lets a
pack or section at the end of a cell show itself (:data:`analysis.core.blocks.NOTEBOOK_HTML`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analysis.core.blocks import Pack
from analysis.render.html import section_fragment, title_fragment


def show(pack: Pack, display: Callable[[Any], Any] | None = None) -> None:
    """Display ``pack`` in the notebook: the title block, then each section (core, then
    appendix). ``display``: IPython's by default."""
    from IPython.display import HTML

    from analysis.render.files import draw_charts
    from analysis.render.output import validate_pack

    if display is None:
        from IPython.display import display as ipython_display

        display = ipython_display
    validate_pack(pack, strict=False)
    # Every chart drawn at once, by the files renderer's pool where there is one (a kernel).
    drawings = draw_charts(pack.charts())
    display(HTML(title_fragment(pack)))
    ordered = [s for s in pack.sections if not s.appendix] + [s for s in pack.sections if s.appendix]
    for section in ordered:
        display(HTML(section_fragment(section, drawings)))
