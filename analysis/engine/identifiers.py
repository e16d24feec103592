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

import duckdb
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

#: :data:`_TOKEN`'s pattern for DuckDB (RE2): ids made only of token characters.
_TOKEN_SQL = "'[A-Za-z0-9_\\-/.]+'"

#: What :meth:`str.strip` removes from an id (ASCII whitespace), for DuckDB's ``trim``.
_BLANKS_SQL = r"E' \t\n\x0b\x0c\r'"


def _load_ids(con: duckdb.DuckDBPyConnection, ids: Iterable[object] | Path, min_length: int) -> None:
    """Tables ``wanted`` (the ids to look for: as text, stripped, at least ``min_length``
    characters, each once) and ``odd`` (those of them with characters no token has)."""
    if isinstance(ids, Path):
        con.execute(f"""CREATE TABLE wanted AS SELECT id FROM (
            SELECT DISTINCT trim(CAST(id AS VARCHAR), {_BLANKS_SQL}) AS id FROM read_parquet(?)
            WHERE id IS NOT NULL) WHERE length(id) >= ?""", [str(ids), min_length])
    else:
        given = {str(i).strip() for i in ids if i is not None and not pd.isna(i)}
        frame = pd.DataFrame({"id": sorted(i for i in given if len(i) >= min_length)}, dtype=object)
        con.register("given", frame)
        con.execute("CREATE TABLE wanted AS SELECT CAST(id AS VARCHAR) AS id FROM given")
        con.unregister("given")
    con.execute(f"CREATE TABLE odd AS SELECT id FROM wanted WHERE NOT regexp_full_match(id, {_TOKEN_SQL})")


def _tokens(text: str) -> set[str]:
    """The tokens of ``text`` an id is looked for among: each run of letters, digits and
    ``_-/.`` with those marks stripped from its ends, and each ``/``-separated part of it."""
    tokens = set()
    for t in _TOKEN.findall(text):
        t = t.strip(".-/")
        tokens.add(t)
        if "/" in t:
            tokens.update(t.split("/"))
    return tokens


def _found(con: duckdb.DuckDBPyConnection, files: list[Path]) -> list[list[str]]:
    """For each of ``files``, the ids of :func:`_load_ids` in it: whole tokens (an id with
    other characters is never one), then other ids anywhere in the text. The tokens of
    every file are matched in one join."""
    any_odd = con.execute("SELECT count(*) > 0 FROM odd").fetchall() == [(True,)]
    anywhere: list[list[str]] = []
    frames = []
    for n, f in enumerate(files):
        text = _text(f)
        anywhere.append(sorted(r[0] for r in con.execute(
            "SELECT id FROM odd WHERE contains(?, id)", [text]).fetchall()) if any_odd else [])
        frames.append(pd.DataFrame({"f": n, "t": sorted(_tokens(text))}))
    whole: list[list[str]] = [[] for _ in files]
    if frames:
        con.register("tokens", pd.concat(frames, ignore_index=True).astype({"t": object}))
        try:
            for n, i in con.execute("SELECT DISTINCT t.f, w.id FROM tokens t JOIN wanted w "
                                    "ON w.id = CAST(t.t AS VARCHAR)").fetchall():
                whole[n].append(i)
        finally:
            con.unregister("tokens")
    return [sorted(w) + a for w, a in zip(whole, anywhere, strict=True)]


def assert_no_identifiers(paths: Iterable[str | Path], ids: Iterable[object] | Path,
                          min_length: int = 4) -> list[Path]:
    """Raise :class:`InputDataError` if any output file contains any of the input ``ids``.

    ``paths``: files or folders (folders are searched for csv, xlsx, html, json, svg,
    ipynb, txt, md and similar). ``ids``: the input's child and referral ids, or a Parquet
    file of them (column ``id``; a million ids are held by DuckDB, not as Python strings).
    An id is found when it appears as a whole token (or a ``/``-separated part of one); an
    id with other characters (a space, say) is found anywhere in the text. Ids shorter than
    ``min_length`` are skipped, as they match ordinary numbers. The first file with any id
    is named. Returns the files scanned.
    """
    files = _files(paths)
    con = duckdb.connect()
    try:
        _load_ids(con, ids, min_length)
        hits = _found(con, files)
    finally:
        con.close()
    for f, found in zip(files, hits, strict=True):
        if found:
            raise InputDataError(
                f"output contains {len(found)} identifier(s) from the input data",
                file=f, found=", ".join(found[:3]) + (" ..." if len(found) > 3 else ""),
                fix="drop identifier columns with analysis.engine.identifiers.drop_identifiers "
                    "and regenerate the output; do not share this file")
    return files
