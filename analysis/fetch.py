"""Refresh data/raw from the published URLs in config/sources.yaml.

Each file is downloaded to a temporary file beside its target, checked, and only then moved
over the old copy, so a failed or partial download never replaces a good file.
"""

from __future__ import annotations

import io
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.atomic import atomic_path, sha256_file
from analysis.config import Paths, SourceFile, load_sources
from analysis.errors import ParameterError


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


def fetch_one(rel_path: str, spec: SourceFile, paths: Paths, timeout: float = 60.0) -> FetchResult:
    """Download one file and replace it atomically if it passes the checks."""
    if not spec.url:
        return FetchResult(rel_path, "skipped", "no published URL (shipped with the project)")
    target = paths.raw / rel_path
    try:
        with atomic_path(target) as tmp:
            with urllib.request.urlopen(spec.url, timeout=timeout) as response, tmp.open("wb") as out:
                shutil.copyfileobj(response, out)
            check_download(tmp, spec.format, target)
            new_sha = sha256_file(tmp)
            if target.exists() and sha256_file(target) == new_sha:
                return FetchResult(rel_path, "unchanged", sha256=new_sha)
    except urllib.error.HTTPError as exc:
        return FetchResult(rel_path, "failed", f"HTTP {exc.code} {exc.reason} from {spec.url}")
    except (urllib.error.URLError, OSError, ValueError, pd.errors.ParserError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return FetchResult(rel_path, "failed", f"{type(exc).__name__}: {reason}")
    note = "" if new_sha == spec.sha256 else "new content: update sha256 in config/sources.yaml and data/raw/dfe/README.md"
    return FetchResult(rel_path, "updated", note + (f" ({new_sha})" if note else ""), sha256=new_sha)


def fetch_sources(paths: Paths, only: list[str] | None = None, timeout: float = 60.0) -> list[FetchResult]:
    """Fetch every file with a URL in config/sources.yaml (or just ``only``)."""
    sources = load_sources(paths.config)
    names = only or list(sources.files)
    unknown = [n for n in names if n not in sources.files]
    if unknown:
        raise ParameterError(
            f"not in config/sources.yaml: {', '.join(unknown)}", parameter="only",
            expected="paths as listed in config/sources.yaml, e.g. dfe/cin/c1_...csv",
        )
    return [fetch_one(n, sources.files[n], paths, timeout) for n in names]
