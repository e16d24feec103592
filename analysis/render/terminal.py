"""Terminal renderer: plain text for a console, with the same cell formats as every output.

Tables are aligned columns (numbers to the right, long text wrapped), charts are replaced by
their alt text, notes are listed where they arise. :func:`table_text` is what the CLI's
commands print.
"""

from __future__ import annotations

import shutil
import textwrap

from analysis.core.blocks import META_LABELS, Chart, Note, Pack, Section, Table, Text
from analysis.render.formats import formatted_rows, is_numeric

#: Text columns wider than this are wrapped.
MAX_CELL_WIDTH = 40

_NOTE_LABELS = {"missing": "Not available", "left_out": "Left out", "caveat": "Note",
                "stale": "Older figure"}


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def grid_text(headers: list[str], rows: list[list[str]], numeric: list[bool],
              max_width: int = MAX_CELL_WIDTH) -> str:
    """Rows under headers in aligned columns; numbers right-aligned, long text wrapped."""
    widths = []
    for i, header in enumerate(headers):
        longest = max([len(header), *(len(r[i]) for r in rows)])
        widths.append(min(longest, max(max_width, len(header)) if not numeric[i] else longest))

    def lines(cells: list[str]) -> list[str]:
        wrapped = [_wrap(c, w) if len(c) > w else [c] for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        out = []
        for k in range(height):
            parts = []
            for j, w in enumerate(wrapped):
                piece = w[k] if k < len(w) else ""
                parts.append(piece.rjust(widths[j]) if numeric[j] else piece.ljust(widths[j]))
            out.append("  ".join(parts).rstrip())
        return out

    text = lines(headers)
    text.append("  ".join("-" * w for w in widths))
    for row in rows:
        text += lines(row)
    return "\n".join(text)


def table_text(table: Table) -> str:
    """A table as plain text: caption, aligned display columns, source and notes."""
    columns = [c for c in table.columns if c.display]
    rows = formatted_rows(table.frame, columns)
    parts = [table.caption] if table.caption else []
    parts.append(grid_text([c.label for c in columns], rows, [is_numeric(c) for c in columns])
                 if rows else "(no rows)")
    parts += [*table.notes, table.source] if table.source else list(table.notes)
    return "\n".join(p for p in parts if p)


def _paragraph(text: str, width: int, prefix: str = "") -> str:
    return textwrap.fill(" ".join(text.split()), width, initial_indent=prefix,
                         subsequent_indent=" " * len(prefix))


def note_text(note: Note, width: int = 100) -> str:
    return _paragraph(note.message, width, prefix=f"{_NOTE_LABELS.get(note.kind, 'Note')}: ")


def section_text(section: Section, width: int = 100) -> str:
    title = f"Appendix: {section.title}" if section.appendix else section.title
    parts = [f"{title}\n{'=' * len(title)}"]
    if section.intro:
        parts.append(section.intro.strip())
    for block in section.blocks:
        match block:
            case Text():
                parts.append(block.markdown.strip())
            case Table():
                parts.append(table_text(block))
            case Chart():
                head = f"[Chart: {block.title}]" if block.title else "[Chart]"
                parts.append(head + "\n" + _paragraph(block.alt_text, width)
                             + (f"\n{block.source}" if block.source else ""))
            case Note():
                parts.append(note_text(block, width))
    return "\n\n".join(parts)


def pack_text(pack: Pack, width: int | None = None) -> str:
    """The whole pack as plain text."""
    width = width or min(100, shutil.get_terminal_size((100, 24)).columns)
    meta = dict(pack.meta)
    facts = [f"{label}: {meta.pop(key)}" for key, label in META_LABELS.items() if meta.get(key)]
    facts += [f"{key.replace('_', ' ').capitalize()}: {value}" for key, value in meta.items() if value]
    head = "\n".join([pack.title, "#" * len(pack.title), *facts])
    ordered = [s for s in pack.sections if not s.appendix] + [s for s in pack.sections if s.appendix]
    return "\n\n\n".join([head, *(section_text(s, width) for s in ordered)]) + "\n"


def render(pack: Pack) -> dict[str, str | bytes]:
    """``report.txt``: the pack as plain text."""
    return {"report.txt": pack_text(pack, width=100)}
