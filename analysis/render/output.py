"""Writing a pack: one pack value in, every output format asked for out.

Each format is one module with ``render(pack) -> {relative path: str | bytes}``, held in
:data:`RENDERERS` by name. Rendering happens in memory; :func:`write` checks the pack
(:func:`validate_pack`: names, alt text, sources; :func:`analysis.render.invariants.assert_true`:
that what it says is true to its figures), renders every format asked for, then writes all
the files at once through :mod:`analysis.core.atomic`, so a failure leaves no half-written output.

A new format is one module with a ``render`` function and one entry in :data:`RENDERERS`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from analysis.core.blocks import Chart, Pack, Section, Table
from analysis.core.errors import AnalysisError, ParameterError
from analysis.render.invariants import PackUntrueError

Rendered = dict[str, str | bytes]
Renderer = Callable[..., Rendered]

#: Formats that show charts as pictures, so share one drawing of each chart.
_DRAWING_FORMATS = frozenset({"files", "html", "docx", "pdf"})


def _files(pack: Pack, **kwargs: Any) -> Rendered:
    from analysis.render import files

    return files.render(pack, **kwargs)


def _html(pack: Pack, **kwargs: Any) -> Rendered:
    from analysis.render import html

    return html.render(pack, **kwargs)


def _docx(pack: Pack, **kwargs: Any) -> Rendered:
    from analysis.render import docx

    return docx.render(pack, **kwargs)


def _pdf(pack: Pack, **kwargs: Any) -> Rendered:
    from analysis.render import pdf

    return pdf.render(pack, **kwargs)


def _terminal(pack: Pack, **kwargs: Any) -> Rendered:
    from analysis.render import terminal

    return terminal.render(pack)


#: Every output format by name: ``RENDERERS[name](pack) -> {relative path: str | bytes}``.
RENDERERS: dict[str, Renderer] = {
    "files": _files,
    "html": _html,
    "docx": _docx,
    "pdf": _pdf,
    "terminal": _terminal,
}


#: The file that shows a format was written (for the runner's manifest).
FORMAT_MARKERS: dict[str, str] = {
    "files": "notes.csv",
    "html": "report.html",
    "docx": "report.docx",
    "pdf": "report.pdf",
    "terminal": "report.txt",
}


def formats_in(files: Iterable[str]) -> list[str]:
    """The formats a folder's file list (relative paths) holds, in :data:`RENDERERS` order."""
    have = set(files)
    return [name for name, marker in FORMAT_MARKERS.items() if marker in have]


class PackInvalidError(AnalysisError):
    """A pack that cannot be saved: duplicate names, a chart without alt text or source."""


def renderer(name: str) -> Renderer:
    """The renderer called ``name``; ParameterError listing the valid names otherwise."""
    try:
        return RENDERERS[name]
    except (KeyError, TypeError):
        raise ParameterError(f"unknown output format {name!r}", parameter="formats",
                             expected="one of " + ", ".join(RENDERERS), found=repr(name),
                             fix="choose formats from the list") from None


def pack_problems(pack: Pack) -> list[str]:
    """What would stop the pack being saved, one line each (empty: nothing)."""
    problems: list[str] = []
    if not isinstance(pack, Pack):
        return [f"not a Pack: {type(pack).__name__}"]
    section_ids = [s.id for s in pack.sections]
    problems += [f"section id {i!r} is used more than once" for i in sorted(set(section_ids))
                 if section_ids.count(i) > 1]
    seen: dict[tuple[str, str], str] = {}
    for section, block in pack.blocks():
        where = f"section {section.id}"
        match block:
            case Chart():
                kind = "chart"
                if not block.alt_text.strip():
                    problems.append(f"{where}, chart {block.name}: no alt text")
                if not block.source.strip():
                    problems.append(f"{where}, chart {block.name}: no source")
            case Table():
                kind = "table"
                if not block.source.strip():
                    problems.append(f"{where}, table {block.name}: no source")
                if not block.caption.strip():
                    problems.append(f"{where}, table {block.name}: no caption")
            case _:
                continue
        key = (kind, block.name)
        if key in seen:
            problems.append(f"{where}: {kind} name {block.name!r} is also used in {seen[key]} "
                            f"(names are file names and must be unique)")
        else:
            seen[key] = where
    return problems


def validate_pack(pack: Pack, *, strict: bool = True) -> None:
    """Check the pack before any renderer runs: unique chart and table names, alt text and
    sources present. ``strict`` (saving files) raises; otherwise (notebook display) warns."""
    problems = pack_problems(pack)
    if not problems:
        return
    shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
    if strict:
        raise PackInvalidError("the pack cannot be saved", where=getattr(pack, "title", None),
                               found=shown, fix="give every chart and table a unique name, "
                                                "alt text and a source line")
    warnings.warn(f"{getattr(pack, 'title', 'pack')}: {shown}", UserWarning, stacklevel=3)


def resolve_output_dir(output_dir: str | Path) -> Path:
    """A relative folder is taken from the project's root, not the working folder (a notebook
    in JupyterLab runs in notebooks/ but writes to the project's outputs/)."""
    from analysis.core.config import project_root

    path = Path(output_dir).expanduser()
    return path if path.is_absolute() else project_root() / path


def start_chart_workers() -> bool:
    """Get the chart workers ready before a pack is built (see
    :func:`analysis.render.files.start_workers`); returns whether any will be used."""
    from analysis.render.files import start_workers

    return start_workers()


def draw_ahead(section: Section) -> None:
    """Hand a section's charts to the workers :func:`start_chart_workers` started, to be drawn
    while the rest of the pack is built (pass it as ``on_section`` to a pack builder). Does
    nothing without started workers."""
    from analysis.render.files import draw_ahead as hand_over

    hand_over(section)


def render_all(pack: Pack, formats: Iterable[str] = ("files", "html", "docx"),
               workers: int | None = None) -> Rendered:
    """Every format asked for, in memory, each chart drawn once. Raises before drawing
    anything when a format is unknown or the pack is invalid."""
    names = list(dict.fromkeys(formats))
    chosen = [renderer(n) for n in names]
    validate_pack(pack)
    if "pdf" in names:
        from analysis.render.pdf import unavailable

        reason = unavailable()
        if reason:  # the PDF is optional: the other formats are still made
            warnings.warn(f"no report.pdf: {reason}", UserWarning, stacklevel=3)
            chosen.pop(names.index("pdf"))
            names.remove("pdf")
    kwargs: dict[str, Any] = {}
    if _DRAWING_FORMATS & set(names):
        from analysis.render.files import draw_charts

        kwargs["drawings"] = draw_charts(pack.charts(), workers)
    out: Rendered = {}
    for name, render in zip(names, chosen, strict=True):
        for path, content in (render(pack, **kwargs) if name in _DRAWING_FORMATS else render(pack)).items():
            if path in out and out[path] != content:
                raise AnalysisError(f"two formats both write {path}", where=f"format {name}")
            out[path] = content
    return out


def write_files(rendered: Mapping[str, str | bytes], output_dir: Path) -> list[Path]:
    """Write rendered files under ``output_dir``, each atomically (temporary file, rename).
    Every path is checked to stay inside ``output_dir`` before anything is written."""
    from analysis.core.atomic import atomic_path

    root = output_dir.resolve()
    targets = []
    for rel in rendered:
        target = (root / rel).resolve()
        if not target.is_relative_to(root) or target == root:
            raise ParameterError("a rendered file would land outside the output folder",
                                 parameter="output_dir", found=rel)
        targets.append(target)
    written = []
    for target, content in zip(targets, rendered.values(), strict=True):
        with atomic_path(target) as tmp:
            if isinstance(content, bytes):
                tmp.write_bytes(content)
            else:
                tmp.write_text(content, encoding="utf-8")
        written.append(target)
    return written


def write(pack: Pack, output_dir: str | Path, formats: Iterable[str] = ("files", "html", "docx"),
          *, workers: int | None = None) -> list[Path]:
    """Check ``pack`` says only what its figures bear out
    (:func:`analysis.render.invariants.assert_true`: :class:`PackUntrueError` lists every
    problem), render it in every format asked for, then write the files under ``output_dir``
    (relative folders from the project root). Nothing is written unless the pack is true and
    every format rendered. Returns the paths written, in order."""
    from analysis.render.invariants import assert_true

    validate_pack(pack)
    assert_true(pack)
    rendered = render_all(pack, formats, workers)
    return write_files(rendered, resolve_output_dir(output_dir))


__all__ = ["FORMAT_MARKERS", "RENDERERS", "PackInvalidError", "PackUntrueError", "draw_ahead", "formats_in", "render_all", "renderer", "resolve_output_dir",
           "validate_pack", "write", "write_files"]
