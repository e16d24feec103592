"""The one command-line entry point: ``python -m analysis <command>``.

Every command prints errors from bad input or parameters in one or two lines and exits
with status 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from analysis.errors import AnalysisError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Benchmarking and quarterly performance toolkit for English children's social care.",
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn the toolkit's own errors into a short message on stderr and exit status 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AnalysisError as exc:
            typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


class OutputFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _paths():
    from analysis.config import Paths

    return Paths.for_root()


@app.command()
@friendly_errors
def prepare() -> None:
    """Validate the raw DfE files and write data/processed/benchmarks.parquet."""
    import time

    from analysis.prepare import prepare_benchmarks

    started = time.perf_counter()
    path, table = prepare_benchmarks(_paths())
    typer.echo(
        f"Wrote {path} ({len(table):,} rows, {table['indicator'].nunique()} indicators) "
        f"in {time.perf_counter() - started:.1f} s"
    )


@app.command()
@friendly_errors
def fetch(
    only: Annotated[list[str] | None, typer.Option(help="Only these files (paths as in config/sources.yaml).")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each download.")] = 60.0,
) -> None:
    """Refresh data/raw from the published URLs in config/sources.yaml (atomic per file)."""
    from analysis.fetch import fetch_sources

    results = fetch_sources(_paths(), only=only or None, timeout=timeout)
    failed = 0
    for res in results:
        typer.echo(f"{res.status:>9}  {res.path}" + (f"  ({res.message})" if res.message else ""))
        failed += res.status == "failed"
    if failed:
        typer.secho(f"{failed} file(s) failed; the old copies were kept.", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)


@app.command()
@friendly_errors
def benchmark(
    la: Annotated[str, typer.Option(help="LA name (any case), old code (371) or new code (E08000017).")],
    year: Annotated[list[str] | None, typer.Option(help="Year ending 31 March: 2017 or 2016-17. Repeat for several; default all.")] = None,
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id (see `indicators`). Repeat for several; default all.")] = None,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list version (2021 or 2025); default per year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of the screen.")] = None,
) -> None:
    """How an LA compares with England, its region and its statistical neighbours."""
    from analysis.benchmark import benchmark_table, load_benchmarks
    from analysis.catalogue import load_catalogue
    from analysis.geography import load_areas, resolve_la
    from analysis.periods import parse_year
    from analysis.tables import format_benchmark_table

    paths = _paths()
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    authority = resolve_la(la, load_areas(paths.root))
    years = [parse_year(y) for y in year] if year else None
    bench = benchmark_table(table, authority, catalogue, indicators=indicator or None,
                            years=years, neighbours_version=neighbours, paths=paths)
    if format is OutputFormat.csv:
        text = bench.to_csv(index=False)
    elif format is OutputFormat.json:
        text = json.dumps(json.loads(bench.to_json(orient="records")), indent=2) + "\n"
    else:
        header = (f"{authority.name} ({authority.old_code}, {authority.new_code}), "
                  f"{authority.region_name}\n")
        text = header + format_benchmark_table(bench).to_string(index=False) + "\n"
    if output:
        from analysis.atomic import atomic_path

        with atomic_path(output) as tmp:
            tmp.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {output}")
    else:
        sys.stdout.write(text)


@app.command()
@friendly_errors
def las(
    region: Annotated[str | None, typer.Option(help="Only LAs in this region.")] = None,
    all: Annotated[bool, typer.Option("--all", help="Include former LAs (before reorganisation).")] = False,
) -> None:
    """List local authorities with their codes and regions."""
    from analysis.geography import load_areas

    areas = load_areas(_paths().root)
    if not all:
        areas = areas[areas["status"] == "live"]
    if region:
        areas = areas[areas["region_name"].str.lower() == region.lower()]
    typer.echo(areas[["name", "old_code", "new_code", "region_name", "status"]].to_string(index=False))


@app.command()
@friendly_errors
def indicators() -> None:
    """List the indicators in the catalogue (config/indicators.yaml)."""
    from analysis.catalogue import load_catalogue

    catalogue = load_catalogue(_paths().config / "indicators.yaml")
    for ind in catalogue.indicators.values():
        src = "local only" if ind.source is None else ind.source.kind.upper()
        codes = f" [{', '.join(ind.local_codes)}]" if ind.local_codes else ""
        typer.echo(f"{ind.id:<38} {ind.polarity:<17} {src:<10} {ind.label}{codes}")


def main() -> None:  # console script
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
