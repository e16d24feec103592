"""Notebook renderer: show a pack in Jupyter, section by section, as HTML.

Each section is displayed as it is drawn, so a long pack appears progressively. Problems that
would stop the pack being saved are warnings here (:func:`analysis.render.validate_pack`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analysis.blocks import Pack


def show(pack: Pack, display: Callable[[Any], Any] | None = None) -> None:
    """Display ``pack`` in the notebook: the title block, then each section (core, then
    appendix). ``display``: IPython's by default."""
    from IPython.display import HTML

    from analysis.render import validate_pack
    from analysis.render.html import section_fragment, title_fragment

    if display is None:
        from IPython.display import display as ipython_display

        display = ipython_display
    validate_pack(pack, strict=False)
    display(HTML(title_fragment(pack)))
    ordered = [s for s in pack.sections if not s.appendix] + [s for s in pack.sections if s.appendix]
    for section in ordered:
        display(HTML(section_fragment(section)))
