"""Identifiers kept out of every output: dropped from tables, and scanned for in the files written.

* :func:`drop_identifiers` removes child and referral ids, names, dates of birth,
  addresses; :func:`assert_no_identifiers` scans the files written for any input id.

Small numbers are hidden by :mod:`analysis.engine.suppress` (see ``docs/methods/rereferrals.md``,
"Suppression").
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.core.errors import InputDataError

#: Column names (lower case, spaces as underscores) that identify a person or a record.
IDENTIFIER_COLUMNS: frozenset[str] = frozenset({
    "child_id", "referral_id", "lachildid", "la_child_id", "person_id", "client_id",
    "upn", "formerupn", "former_upn", "uln", "nhs_number", "name", "first_name", "forename",
    "forenames", "surname", "last_name", "family_name", "full_name", "child_name",
    "dob", "date_of_birth", "birth_date", "personbirthdate", "person_birth_date",
    "expectedpersonbirthdate", "expected_person_birth_date", "address", "postcode",
    "post_code",
})

#: File types :func:`assert_no_identifiers` reads.
SCANNED_SUFFIXES: frozenset[str] = frozenset({
    ".csv", ".tsv", ".txt", ".md", ".html", ".htm", ".json", ".svg", ".ipynb", ".xml",
    ".xlsx", ".xlsm", ".py", ".yaml", ".yml",
})


def drop_identifiers(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` without identifier columns (ids, names, dates of birth, addresses)."""
    drop = [c for c in df.columns
            if re.sub(r"[\s\-]+", "_", str(c).strip().lower()) in IDENTIFIER_COLUMNS]
    return df.drop(columns=drop)


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file()
                          and f.suffix.lower() in SCANNED_SUFFIXES)
        elif p.is_file():
            out.append(p)
        else:
            raise InputDataError("output file not found", file=p, fix="check the path")
    return out


def _text(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                             if n.endswith(".xml"))
    # notebooks, JSON, SVG and HTML are searched as text: ids in them are plain tokens
    return path.read_text(encoding="utf-8", errors="replace")


_TOKEN = re.compile(r"[A-Za-z0-9_\-/.]+")


def assert_no_identifiers(paths: Iterable[str | Path], ids: Iterable[object],
                          min_length: int = 4) -> list[Path]:
    """Raise :class:`InputDataError` if any output file contains any of the input ``ids``.

    ``paths``: files or folders (folders are searched for csv, xlsx, html, json, svg,
    ipynb, txt, md and similar). ``ids``: the input's child and referral ids. An id is
    found when it appears as a whole token (or a ``/``-separated part of one); ids shorter
    than ``min_length`` are skipped, as they match ordinary numbers. Returns the files
    scanned.
    """
    wanted = {str(i).strip() for i in ids if i is not None and not pd.isna(i)}
    wanted = {i for i in wanted if len(i) >= min_length}
    simple = {i for i in wanted if _TOKEN.fullmatch(i)}
    odd = wanted - simple
    files = _files(paths)
    for f in files:
        text = _text(f)
        tokens = set()
        for t in _TOKEN.findall(text):
            t = t.strip(".-/")
            tokens.add(t)
            if "/" in t:
                tokens.update(t.split("/"))
        found = sorted(simple & tokens) + sorted(i for i in odd if i in text)
        if found:
            raise InputDataError(
                f"output contains {len(found)} identifier(s) from the input data",
                file=f, found=", ".join(found[:3]) + (" ..." if len(found) > 3 else ""),
                fix="drop identifier columns with analysis.engine.identifiers.drop_identifiers and "
                    "regenerate the output; do not share this file")
    return files
