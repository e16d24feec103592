"""Paths as a pack shows them (in ``manifest.json`` and the executed notebook): a path
inside the project relative to it, a path outside it by its file name only, so no
absolute input or temporary path leaves the machine in a pack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.core.config import project_relative

#: What the manifest says about paths.
PATHS_NOTE = ("Paths inside the project folder are relative to it; a file outside it is "
              "named by its file name only.")


def shown_path(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` where it lies inside it, else its file name only."""
    return project_relative(Path(path), root)


def is_outside(path: str | Path, root: Path) -> bool:
    """Whether an absolute ``path`` lies outside ``root`` (relative paths are inside)."""
    p = Path(path)
    return p.is_absolute() and not p.absolute().is_relative_to(root)


def _is_path(value: object) -> bool:
    return isinstance(value, str) and Path(value).is_absolute()


def shown_parameters(params: dict[str, Any], root: Path) -> dict[str, Any]:
    """The parameters with every absolute path shown by :func:`shown_path`."""
    return {k: shown_path(v, root) if _is_path(v) else v for k, v in params.items()}


def outside_files(params: dict[str, Any], root: Path) -> list[str]:
    """The file names of parameters that are paths outside the project."""
    return [Path(v).name for v in params.values() if _is_path(v) and is_outside(v, root)]


def show_in_notebook(executed: Path, shown: dict[str, Any], source: Path, root: Path) -> None:
    """Rewrite an executed notebook so its parameters (the injected cell and papermill's
    record of the run) show ``shown`` and its own paths are shown by :func:`shown_path`."""
    import nbformat
    from papermill.translators import translate_parameters

    nb = nbformat.read(executed, as_version=4)
    meta = nb.metadata.get("papermill")
    if meta is not None:
        meta["parameters"] = shown
        meta["input_path"] = shown_path(source, root)
        meta["output_path"] = executed.name
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = translate_parameters("python", "python", shown, "Parameters")
    nbformat.write(nb, executed)


__all__ = [
    "PATHS_NOTE",
    "is_outside",
    "outside_files",
    "show_in_notebook",
    "shown_parameters",
    "shown_path",
]
