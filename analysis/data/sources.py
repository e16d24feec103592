"""Source lines: which release a figure is taken from, and when its year was first published.

The one resolver for every source line a reader sees (packs, deep dives, the explorer, the
command line). A published figure is read from a data file in ``data/raw/`` (the prepared
table's ``source`` column says which); that file is one DfE release (``files`` in
``config/publications.yaml``), often a later one than the release that first published the
year (the 2025 release holds the whole 2013-2025 series). A source line names both: the
release the figures are taken from, with its date, and when the year shown was first published.
A date that could not be confirmed is printed as "about <month> <year>".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from analysis.core.config import Paths, load_sources
from analysis.data.catalogue import EesSource, Indicator, LaitSource
from analysis.data.publications import Publications, load_publications, published_text

#: The current LAIT file (the prepared table reads an older version for earlier years).
LAIT_FILE = "dfe/lait/bds_long_0.parquet"

LICENCE = "Open Government Licence v3.0."


def year_of_period(period: str) -> int | None:
    """The table's year for a period as documents show it: "2016-17" and "2016/17" -> 2017,
    "Sep 2016" and "2016" -> 2016; None for anything else."""
    text = str(period).strip()
    fy = re.fullmatch(r"(\d{4})[-/](\d{2})", text)
    if fy:
        return int(fy.group(1)) + 1
    year = re.fullmatch(r"(?:Sep )?(\d{4})", text)
    return int(year.group(1)) if year else None


@lru_cache(maxsize=4)
def _files_by_year(table: Path, stamp: int) -> dict[tuple[str, int], tuple[str, ...]]:
    del stamp  # part of the cache key only: a rewritten table is read again
    frame = pd.read_parquet(table, columns=["indicator", "year", "source"])
    files = frame.assign(file=frame["source"].str.split(":").str[0]).drop_duplicates(
        ["indicator", "year", "file"])
    out: dict[tuple[str, int], tuple[str, ...]] = {}
    for (ind, year), part in files.groupby(["indicator", "year"], sort=False):
        out[(str(ind), int(year))] = tuple(sorted(part["file"]))
    return out


def catalogue_file(indicator: Indicator) -> str | None:
    """The data file the catalogue names for an indicator (the current LAIT file for LAIT)."""
    if isinstance(indicator.source, EesSource):
        return f"dfe/{indicator.source.file}"
    if isinstance(indicator.source, LaitSource):
        return LAIT_FILE
    return None


def figure_files(indicator: Indicator, year: int | None, paths: Paths) -> tuple[str, ...]:
    """The data files an indicator's figures for ``year`` were read from (the prepared table's
    ``source`` column); the catalogue's file when the table has none for that year."""
    table = paths.benchmarks_table
    if year is not None and table.exists():
        found = _files_by_year(table, table.stat().st_mtime_ns).get((indicator.id, int(year)))
        if found:
            return found
    default = catalogue_file(indicator)
    return (default,) if default else ()


def file_release_text(file: str, paths: Paths, publications: Publications | None = None) -> str:
    """The release a data file was taken from and its date ("DfE, Children in need: reporting
    year 2025, table C1, published about October 2025")."""
    publications = publications or load_publications(paths.config)
    text = publications.file_text(file)
    if text is not None:
        return text
    entry = load_sources(paths.config).files.get(file)
    return entry.publication if entry is not None else file


def first_published_text(indicator: Indicator, year: int | None, paths: Paths,
                         publications: Publications | None = None) -> str | None:
    """"first published about November 2017 (Characteristics of children in need)", or None
    when the release dates do not list the year."""
    if year is None:
        return None
    publications = publications or load_publications(paths.config)
    found = publications.release_of(indicator.id)
    date = publications.first_published(indicator.id, int(year))
    if found is None or date is None:
        return None
    return f"first published {published_text(date)} ({found[1].short_title})"


def taken_from(files: Iterable[str], paths: Paths, publications: Publications | None = None) -> str:
    """The releases several files were taken from, each once, tables gathered:
    "DfE, Children in need: reporting year 2025, tables C1 and D3, published about October 2025"."""
    publications = publications or load_publications(paths.config)
    groups: dict[str, list[str]] = {}  # release text without its table -> tables
    for file in dict.fromkeys(files):
        rel = publications.files.get(file)
        text = file_release_text(file, paths, publications)
        table = rel.table if rel is not None else None
        key = text.replace(f", table {table}", "") if table else text
        groups.setdefault(key, []).extend([table] if table else [])
    parts = []
    for text, tables in groups.items():
        if not tables:
            parts.append(text)
            continue
        word = "table" if len(tables) == 1 else "tables"
        listed = tables[0] if len(tables) == 1 else ", ".join(tables[:-1]) + " and " + tables[-1]
        head, sep, date = text.rpartition(", published ")
        parts.append(f"{head}, {word} {listed}{sep}{date}" if sep else f"{text}, {word} {listed}")
    return "; ".join(parts)


def release_text(indicator: Indicator, period: str, paths: Paths, *, year: int | None = None) -> str:
    """What a source line says of a published figure, without "Source:" and the licence: the
    release the figures are taken from (and its date), and when ``period`` was first published."""
    publications = load_publications(paths.config)
    year = year if year is not None else year_of_period(period)
    files = figure_files(indicator, year, paths)
    first = first_published_text(indicator, year, paths, publications)
    return f"{taken_from(files, paths, publications)}; figures for {period}" + (f", {first}" if first else "")


def release_names(indicator: Indicator, year: int, paths: Paths) -> str:
    """The releases an indicator's figures for ``year`` are taken from, briefly, each with its
    date: "Children in need: reporting year 2025 (about October 2025)"."""
    publications = load_publications(paths.config)
    names = []
    for file in figure_files(indicator, year, paths):
        rel = publications.files.get(file)
        if rel is None:
            names.append(file_release_text(file, paths, publications))
            continue
        date = rel.version if rel.version is not None else (
            publications.releases[rel.release].published[rel.year]
            if rel.release is not None and rel.year is not None else None)
        names.append(rel.title + (f" ({published_text(date)})" if date is not None else ""))
    return "; ".join(dict.fromkeys(names))


def source_line(indicator: Indicator, period: str, paths: Paths, *, year: int | None = None) -> str:
    """The source line printed under a chart or table of ``indicator`` for ``period``: the
    release the figures are taken from (and its date), and when the period's figures were
    first published. ``year`` is the table's year (worked out from ``period`` when not given)."""
    if indicator.source is None:
        return f"Source: local quarterly return, {period}."
    return f"Source: {release_text(indicator, period, paths, year=year)}. {LICENCE}"


def indicator_source_line(indicator_id: str, period: str, paths: Paths | None = None) -> str:
    """:func:`source_line` for an indicator named by its id (the catalogue read here)."""
    from analysis.data.catalogue import load_catalogue

    paths = paths or Paths.for_root()
    return source_line(load_catalogue(paths.config / "indicators.yaml").get(indicator_id), period, paths)


def combined_source_line(items: Iterable[tuple[Indicator, str]], paths: Paths) -> str:
    """One source line for several indicators (each with the period shown): the releases the
    figures are taken from, each once, then when each release's period was first published."""
    publications = load_publications(paths.config)
    files: list[str] = []
    firsts: dict[str, str] = {}
    local = False
    for indicator, period in items:
        if indicator.source is None:
            local = True
            continue
        year = year_of_period(period)
        files += figure_files(indicator, year, paths)
        found = publications.release_of(indicator.id)
        date = publications.first_published(indicator.id, year) if year is not None else None
        if found is not None and date is not None:
            firsts.setdefault(f"{found[1].short_title} {period}", published_text(date))
    parts = [taken_from(files, paths, publications)] if files else []
    parts += ["the local quarterly return"] if local else []
    when = ", ".join(f"{what} first published {date}" for what, date in firsts.items())
    return "Source: " + "; ".join(parts) + (f"; figures for {when}" if when else "") + f". {LICENCE}"
