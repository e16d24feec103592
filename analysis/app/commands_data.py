"""The data commands: prepare, fetch, accept, sources, las, indicators, coverage."""

from __future__ import annotations

from typing import Annotated

import typer

from analysis.app.cli_common import friendly_errors, project_paths


@friendly_errors
def prepare() -> None:
    """Validate the raw DfE files and write data/processed/benchmarks.parquet, and every LA's
    judged figures (95%, the neighbour list in force each year) to data/processed/judged.parquet."""
    import time

    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import las_of, load_areas
    from analysis.data.prepare import prepare_benchmarks
    from analysis.engine.judged_store import write_judged

    paths = project_paths()
    started = time.perf_counter()
    path, table = prepare_benchmarks(paths)
    typer.echo(
        f"Wrote {path} ({len(table):,} rows, {table['indicator'].nunique()} indicators) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    judged_file, judged = write_judged(paths, table, las_of(load_areas(paths.root)),
                                       load_catalogue(paths.config / "indicators.yaml"))
    typer.echo(f"Wrote {judged_file} (every LA's judged figures, {len(judged):,} rows) "
               f"in {time.perf_counter() - started:.1f} s")


@friendly_errors
def fetch(
    only: Annotated[list[str] | None, typer.Option(help="Only these files (paths as in config/sources.yaml).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each download.")] = 60.0,
    accept_new: Annotated[bool, typer.Option(
        "--accept-new", help="Take a download whose sha256 differs from the recorded one (a new "
                             "publication) and record its sha256 in config/sources.yaml.")] = False,
) -> None:
    """Refresh data/raw from the published URLs in config/sources.yaml (atomic per file).

    A download must have the sha256 recorded in config/sources.yaml unless --accept-new.
    """
    from analysis.data.fetch import fetch_sources

    results = fetch_sources(project_paths(), only=only or None, timeout=timeout, accept_new=accept_new)
    failed = 0
    for res in results:
        typer.echo(f"{res.status:>9}  {res.path}" + (f"  ({res.message})" if res.message else ""))
        failed += res.status == "failed"
    if failed:
        typer.secho(f"{failed} file(s) failed; the old copies were kept.", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)


@friendly_errors
def accept(
    files: Annotated[list[str], typer.Argument(help="Raw files (paths as in config/sources.yaml).")],
) -> None:
    """Accept a new publication put in data/raw by hand: record its sha256 in config/sources.yaml."""
    from analysis.data.integrity import accept_files

    for rel, old, new in accept_files(project_paths(), files):
        typer.echo(f"{rel}: " + ("unchanged" if old == new else f"sha256 {old[:12]}... -> {new}"))


@friendly_errors
def sources() -> None:
    """Regenerate the table of raw files in data/raw/dfe/README.md from config/sources.yaml."""
    from analysis.data.integrity import write_readme_table

    changed = write_readme_table(project_paths())
    typer.echo("data/raw/dfe/README.md " + ("updated" if changed else "already current"))


@friendly_errors
def las(
    region: Annotated[str | None, typer.Option(help="Only LAs in this region.")] = None,
    all: Annotated[bool, typer.Option("--all", help="Include former LAs (before reorganisation).")] = False,
) -> None:
    """List local authorities with their codes and regions."""
    from analysis.data.geography import load_areas

    areas = load_areas(project_paths().root)
    if not all:
        areas = areas[areas["status"] == "live"]
    if region:
        areas = areas[areas["region_name"].str.lower() == region.lower()]
    typer.echo(areas[["name", "old_code", "new_code", "region_name", "status"]].to_string(index=False))


@friendly_errors
def indicators() -> None:
    """List the indicators in the catalogue (config/indicators.yaml)."""
    from analysis.data.catalogue import load_catalogue

    catalogue = load_catalogue(project_paths().config / "indicators.yaml")
    for ind in catalogue.indicators.values():
        src = "local only" if ind.source is None else ind.source.kind.upper()
        typer.echo(f"{ind.id:<38} {ind.polarity:<17} {src:<10} {ind.label}")


@friendly_errors
def coverage(
    markdown: Annotated[bool, typer.Option("--markdown", help="Write the table into README.md "
                                            "between its coverage markers.")] = False,
) -> None:
    """The years DfE has published for each indicator (first, last, how many, from which files)."""
    from analysis.core.atomic import atomic_path
    from analysis.data.catalogue import load_catalogue
    from analysis.data.coverage import (
        coverage_markdown,
        indicator_coverage,
        replace_between_markers,
    )
    from analysis.engine.benchmark import load_benchmarks

    paths = project_paths()
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    if not markdown:
        typer.echo(indicator_coverage(table, catalogue).drop(columns=["first_year", "last_year"])
                   .to_string(index=False))
        return
    readme = paths.root / "README.md"
    text = replace_between_markers(readme.read_text(encoding="utf-8"), coverage_markdown(table, catalogue))
    with atomic_path(readme) as tmp:
        tmp.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote the years covered for each indicator into {readme}")
