"""The one place where small numbers are hidden and identifiers dropped before output.

Rules (see ``docs/methods/rereferrals.md``, "Suppression"):

* **Primary**: a count from 1 to ``threshold - 1`` (default 1-4) is shown as ``"c"``.
  A true 0 stays 0, as in DfE children's social care tables: a zero says no child is in
  that cell, which is not information about an individual child. (Pass
  ``suppress_zero=True`` where even that is disclosive, e.g. a group known to the reader.)
* **Secondary**: a row or column of the count columns with exactly one suppressed cell
  would let a reader recover it from the total, so the next smallest non-zero cell in
  that row/column is suppressed too (a zero if there is no other), repeated until no
  row or column has a lone suppressed cell.
* **Percentages** are recomputed from the suppressed counts: ``"c"`` if the numerator or
  denominator is suppressed.
* **Running totals** of a column with hidden parts are shown only where two of them cannot
  be subtracted to give back a hidden part (:func:`shown_running_totals`).
* :func:`drop_identifiers` removes child and referral ids, names, dates of birth,
  addresses; :func:`assert_no_identifiers` scans the files written for any input id.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import InputDataError, ParameterError

MARKER = "c"

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


def _secondary(mask: np.ndarray, values: np.ndarray, axis: int) -> bool:
    """Suppress one more cell in each line (row if axis=1) with a lone suppressed cell."""
    changed = False
    lines = mask if axis == 1 else mask.T
    vals = values if axis == 1 else values.T
    for i in range(lines.shape[0]):
        if lines[i].sum() != 1 or lines.shape[1] < 2:
            continue
        free = ~lines[i] & ~np.isnan(vals[i])
        if not free.any():
            continue
        cand = np.where(free & (vals[i] > 0), vals[i], np.inf)
        if np.isinf(cand).all():
            cand = np.where(free, vals[i], np.inf)
        lines[i, int(np.argmin(cand))] = True
        changed = True
    return changed


def suppression_mask(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = 5,
    secondary: str = "both",
    suppress_zero: bool = False,
) -> pd.DataFrame:
    """Boolean table (same index, the count columns): True where a cell is to be hidden."""
    if threshold < 1:
        raise ParameterError("threshold must be at least 1", parameter="threshold",
                             expected="an integer >= 1 (5 hides 1-4)", found=repr(threshold))
    if secondary not in ("both", "rows", "columns", "none"):
        raise ParameterError("unknown secondary suppression", parameter="secondary",
                             expected="'both', 'rows', 'columns' or 'none'",
                             found=repr(secondary))
    missing = [c for c in count_columns if c not in table.columns]
    if missing:
        raise ParameterError("count column not in the table", parameter="count_columns",
                             expected=", ".join(map(str, table.columns)),
                             found=", ".join(missing))
    try:
        values = table[list(count_columns)].apply(pd.to_numeric).to_numpy(dtype=float)
    except (ValueError, TypeError):
        raise ParameterError("count columns must hold numbers", parameter="count_columns",
                             found="text (already suppressed?)",
                             fix="suppress the original counts once") from None
    low = 0 if suppress_zero else 1
    mask = (values >= low) & (values < threshold)
    while secondary != "none":
        changed = False
        if secondary in ("both", "rows"):
            changed |= _secondary(mask, values, axis=1)
        if secondary in ("both", "columns"):
            changed |= _secondary(mask, values, axis=0)
        if not changed:
            break
    return pd.DataFrame(mask, index=table.index, columns=list(count_columns))


def suppress_counts(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    threshold: int = 5,
    *,
    percent_columns: Mapping[str, tuple[str, str]] | None = None,
    secondary: str = "both",
    suppress_zero: bool = False,
    decimals: int = 1,
) -> pd.DataFrame:
    """A copy of ``table`` with small counts shown as ``"c"`` (primary and secondary).

    ``percent_columns`` maps a percentage column to its ``(numerator, denominator)``
    count columns; it is recomputed from the suppressed counts and rounded to
    ``decimals``. Any other column whose name contains "percent" or "rate" is refused
    unless listed, so an unsuppressed percentage cannot leak a hidden count.
    The number of cells hidden is in ``result.attrs["suppressed"]``.

    >>> t = pd.DataFrame({"a": [3, 10, 20], "b": [12, 15, 30]})
    >>> suppress_counts(t, ["a", "b"])["a"].tolist()
    ['c', 'c', 20]
    """
    percent_columns = dict(percent_columns or {})
    leaky = [c for c in table.columns if c not in percent_columns
             and re.search(r"percent|rate|share|pct", str(c), re.I)]
    if leaky:
        raise ParameterError("percentage columns would not be suppressed",
                             parameter="percent_columns",
                             expected="each percentage mapped to (numerator, denominator)",
                             found=", ".join(map(str, leaky)),
                             fix="pass percent_columns={...} or drop those columns first")
    mask = suppression_mask(table, count_columns, threshold, secondary, suppress_zero)
    out = table.copy()
    for col in count_columns:
        vals = pd.to_numeric(table[col])
        shown = [MARKER if m else (int(v) if pd.notna(v) and float(v).is_integer() else v)
                 for v, m in zip(vals, mask[col], strict=True)]
        out[col] = pd.Series(shown, index=table.index, dtype=object)
    for pcol, (num, den) in percent_columns.items():
        if num not in count_columns or den not in count_columns:
            raise ParameterError(f"percentage '{pcol}' must come from count columns",
                                 parameter="percent_columns",
                                 expected=f"numerator and denominator in {list(count_columns)}",
                                 found=f"({num!r}, {den!r})")
        n = pd.to_numeric(table[num])
        d = pd.to_numeric(table[den])
        hidden = mask[num] | mask[den]
        pct = (n / d.where(d > 0) * 100).round(decimals)
        out[pcol] = pd.Series([MARKER if h else p for p, h in zip(pct, hidden, strict=True)],
                              index=table.index, dtype=object)
    out.attrs["suppressed"] = int(mask.to_numpy().sum())
    return out


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
                fix="drop identifier columns with analysis.suppress.drop_identifiers and "
                    "regenerate the output; do not share this file")
    return files


# --- reading published cells back ------------------------------------------------------------

def number(value: object) -> float:
    """A published cell as a float: NaN for "c", blank or missing."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return float("nan")
    if isinstance(value, str):
        if value == MARKER:
            return float("nan")
        try:
            return float(value)
        except ValueError:
            return float("nan")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def is_suppressed(value: object) -> bool:
    return isinstance(value, str) and value == MARKER


def shown_running_totals(hidden: Sequence[bool]) -> list[bool]:
    """Which running totals of a column of parts can be shown without giving back a hidden
    part (``hidden[i]``: part ``i`` is hidden). The last running total is the grand total,
    which is always shown.

    Two shown running totals reveal the sum of the parts between them; each such stretch
    must hold no hidden part or at least two. Running totals are shown left to right while
    the stretch since the last shown one is safe, then the last ones are withdrawn while the
    stretch from there to the grand total is not.
    """
    shown, since = [], 0
    for h in hidden[:-1]:
        since += bool(h)
        ok = since != 1
        shown.append(ok)
        if ok:
            since = 0
    while True:
        last = max((i for i, ok in enumerate(shown) if ok), default=-1)
        if last < 0 or sum(bool(h) for h in hidden[last + 1:]) != 1:
            return [*shown, True]
        shown[last] = False
