"""Refresh data/raw from the published URLs in config/sources.yaml.

Each file is downloaded (pooch) to a temporary folder beside its target, checked (format,
columns, the sha256 recorded in config/sources.yaml), and only then moved over the old copy,
so a failed, partial or changed download never replaces a good file. ``accept_new`` takes a
new publication and records its sha256 (:mod:`analysis.data.integrity`).
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.core.atomic import sha256_file
from analysis.core.config import Paths, SourceFile, load_sources
from analysis.core.errors import ParameterError


@dataclass(frozen=True)
class FetchResult:
    path: str
    status: str  # unchanged | updated | skipped | failed
    message: str = ""
    sha256: str | None = None


def check_download(data_path: Path, fmt: str, old_path: Path | None) -> None:
    """Raise ValueError if a downloaded file is not a usable copy of the old one."""
    size = data_path.stat().st_size
    if size == 0:
        raise ValueError("the download is empty")
    head = data_path.read_bytes()[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise ValueError("the download is a web page, not data")
    if fmt == "csv":
        new = pd.read_csv(data_path, dtype=str, nrows=5, encoding="utf-8-sig")
        if old_path is not None and old_path.exists():
            old = pd.read_csv(old_path, dtype=str, nrows=0, encoding="utf-8-sig")
            lost = [c for c in old.columns if c not in new.columns]
            if lost:
                raise ValueError(f"columns missing compared with the current file: {', '.join(lost[:5])}")
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        pq.read_metadata(data_path)
    elif fmt == "xlsx":
        import openpyxl

        openpyxl.load_workbook(io.BytesIO(data_path.read_bytes()), read_only=True).close()


def _download(url: str, folder: Path, name: str, timeout: float) -> Path:
    """Download ``url`` into ``folder`` with pooch (streamed to a temporary file, then moved)."""
    import logging

    import pooch

    pooch.get_logger().setLevel(logging.WARNING)
    downloader = pooch.HTTPDownloader(timeout=timeout, progressbar=False)
    return Path(pooch.retrieve(url, known_hash=None, fname=name, path=folder, downloader=downloader))


def fetch_one(rel_path: str, spec: SourceFile, paths: Paths, timeout: float = 60.0,
              accept_new: bool = False) -> FetchResult:
    """Download one file, check it and its sha256, and replace the copy in data/raw atomically.

    A download whose sha256 differs from the one recorded in config/sources.yaml is refused
    (the old copy kept) unless ``accept_new``: then it replaces the old copy and its sha256
    is recorded (config/sources.yaml and the table in data/raw/dfe/README.md).
    """
    from analysis.data.integrity import record_hash

    if not spec.url:
        return FetchResult(rel_path, "skipped", "no published URL (shipped with the project)")
    target = paths.raw / rel_path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=f".{target.name}.", suffix=".tmp",
                                         dir=target.parent) as folder:
            downloaded = _download(spec.url, Path(folder), target.name, timeout)
            check_download(downloaded, spec.format, target)
            new_sha = sha256_file(downloaded)
            if new_sha != spec.sha256 and not accept_new:
                return FetchResult(
                    rel_path, "failed",
                    f"the download's sha256 {new_sha} differs from the one recorded in "
                    f"config/sources.yaml; if it is a new publication you mean to use, "
                    f"`python -m analysis fetch --accept-new --only {rel_path}` records it",
                    sha256=new_sha)
            if target.is_file() and sha256_file(target) == new_sha:
                status = "unchanged"
            else:
                os.chmod(downloaded, 0o644)
                os.replace(downloaded, target)
                status = "updated"
    except (OSError, ValueError, pd.errors.ParserError) as exc:  # requests' errors are OSErrors
        response = getattr(exc, "response", None)
        if response is not None:
            return FetchResult(rel_path, "failed",
                               f"HTTP {response.status_code} {response.reason} from {spec.url}")
        reason = getattr(exc, "reason", None) or exc
        return FetchResult(rel_path, "failed", f"{type(exc).__name__}: {reason}")
    if new_sha != spec.sha256:
        record_hash(paths, rel_path, new_sha)
        return FetchResult(rel_path, status, f"new publication: sha256 {new_sha} recorded in "
                           "config/sources.yaml", sha256=new_sha)
    return FetchResult(rel_path, status, sha256=new_sha)


def fetch_sources(paths: Paths, only: list[str] | None = None, timeout: float = 60.0,
                  accept_new: bool = False) -> list[FetchResult]:
    """Fetch every file with a URL in config/sources.yaml (or just ``only``)."""
    sources = load_sources(paths.config)
    names = only or list(sources.files)
    unknown = [n for n in names if n not in sources.files]
    if unknown:
        raise ParameterError(
            f"not in config/sources.yaml: {', '.join(unknown)}", parameter="only",
            expected="paths as listed in config/sources.yaml, e.g. dfe/cin/c1_...csv",
        )
    return [fetch_one(n, sources.files[n], paths, timeout, accept_new) for n in names]
