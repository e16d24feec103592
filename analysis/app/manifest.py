"""A pack's ``manifest.json``: what was run, on which inputs, with which software.

The parameters, the formats and files written, every input with its sha256, the package
versions, the git commit and the times of the run.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.core.atomic import sha256_file
from analysis.core.config import Paths, load_sources, project_relative, toolkit_version
from analysis.data.readers.encoding import text_encodings
from analysis.render.output import formats_in

if TYPE_CHECKING:
    from analysis.app.kernels import WorkerKernel

PACKAGES = ["pandas", "numpy", "pyarrow", "matplotlib", "seaborn", "scipy", "statsmodels",
            "papermill", "nbconvert", "pandera", "pydantic", "csc-benchmarks"]


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def input_files(paths: Paths, extra: list[Path] | None = None) -> dict[str, str]:
    """Every input a pack can read, with its sha256: raw sources, local returns, processed table."""
    files: dict[str, str] = {}
    for rel in load_sources(paths.config).files:
        path = paths.raw / rel
        if path.exists() and rel.startswith("dfe/"):
            files[f"data/raw/{rel}"] = sha256_file(path)
    # A records folder (several CIN census XML files) counts file by file.
    wanted = [p for e in extra or [] for p in (sorted(e.glob("*.*")) if e.is_dir() else [e])]
    for path in sorted((paths.raw / "local").glob("*.*")) + wanted:
        if path.is_file() and path.suffix in {".csv", ".xlsx", ".xml"}:
            files[project_relative(path, paths.root)] = sha256_file(path)
    for path in [paths.benchmarks_table, paths.config / "indicators.yaml", paths.config / "publications.yaml"]:
        if path.exists():
            files[path.relative_to(paths.root).as_posix()] = sha256_file(path)
    return files


def write_manifest(folder: Path, paths: Paths, *, notebook_file: str, title: str,
                   params: dict[str, Any], started: dt.datetime, clock: float, files: list[str],
                   pdf_note: str | None, kernel: WorkerKernel | None) -> None:
    """Write ``folder/manifest.json`` for a finished run: ``files`` are the ones it wrote,
    ``started`` when it began, ``clock`` its ``time.perf_counter()`` then. Paths are shown
    relative to the project, or by file name only when outside it
    (:mod:`analysis.app.shown_paths`; ``outside_project`` lists those)."""
    from analysis.app.shown_paths import PATHS_NOTE, outside_files, shown_parameters

    finished = dt.datetime.now(dt.UTC)
    manifest = {
        "notebook": notebook_file, "title": title,
        "parameters": shown_parameters(params, paths.root),
        "paths": PATHS_NOTE, "outside_project": outside_files(params, paths.root),
        "package_version": toolkit_version(), "git_commit": _git_commit(paths.root),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "duration_seconds": round(time.perf_counter() - clock, 2),
        "formats": formats_in(files),
        "pdf": None if pdf_note else "report.pdf", "pdf_note": pdf_note,
        "inputs": input_files(paths, [paths.root / params["records"]] if "records" in params else None),
        "encodings": text_encodings(paths.root, [paths.raw / "local", *(
            [paths.root / params["records"]] if "records" in params else [])]),
        "packages": _versions(), "outputs": [*files, "manifest.json"],
        "kernel": (f"shared: notebook {kernel.used} run in this batch worker's kernel"
                   if kernel else "fresh kernel for this notebook"),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
