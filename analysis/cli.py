"""The one command-line entry point: ``python -m analysis <command>``.

Every command prints errors from bad input or parameters in one or two lines and exits
with status 2, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import StrEnum
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


class OutputFormat(StrEnum):
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
    level: Annotated[str, typer.Option(help="Confidence level of better/similar/worse: 95 or 99.8.")] = "95",
) -> None:
    """How an LA compares with England, its region and its statistical neighbours.

    With confidence intervals, better / similar / worse at --level, gaps in children and a
    sentence per indicator (docs/methods/statistics.md).
    """
    import textwrap

    from analysis.benchmark import benchmark_table, load_benchmarks
    from analysis.catalogue import load_catalogue
    from analysis.geography import load_areas, resolve_la
    from analysis.judgement import judge_table, parse_level
    from analysis.narrative import sentences
    from analysis.periods import parse_year

    chosen_level = parse_level(level)
    paths = _paths()
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    authority = resolve_la(la, load_areas(paths.root))
    years = [parse_year(y) for y in year] if year else None
    bench = benchmark_table(table, authority, catalogue, indicators=indicator or None,
                            years=years, neighbours_version=neighbours, paths=paths)
    bench = judge_table(bench, catalogue, level=chosen_level)
    bench["sentence"] = sentences(bench)
    if format is OutputFormat.csv:
        text = bench.to_csv(index=False)
    elif format is OutputFormat.json:
        text = json.dumps(json.loads(bench.to_json(orient="records")), indent=2) + "\n"
    else:
        from analysis.render.cli_tables import benchmark_display_table
        from analysis.render.terminal import table_text

        header = (f"{authority.name} ({authority.old_code}, {authority.new_code}), "
                  f"{authority.region_name}\n")
        notes = "\n".join(textwrap.fill(s, width=100, initial_indent="- ", subsequent_indent="  ")
                          for s in bench["sentence"])
        text = header + table_text(benchmark_display_table(bench)) + "\n\n" + notes + "\n"
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


def _print_results(results) -> int:
    failed = [r for r in results if r.status != "ok"]
    for r in results:
        where = r.output if r.status == "ok" else r.message
        typer.echo(f"{r.status:>6}  {r.la:<35} {r.seconds:6.1f} s  {where}")
    typer.echo(f"{len(results) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


@app.command()
@friendly_errors
def pack(
    la: Annotated[list[str] | None, typer.Option(help="LA name or code; repeat for several.")] = None,
    period: Annotated[str, typer.Option(help="Financial-year quarter, e.g. 2017-18Q4.")] = "2017-18 Q4",
    all_las: Annotated[bool, typer.Option("--all-las", help="Every current English LA.")] = False,
    jobs: Annotated[int, typer.Option(help="Packs to run at once.")] = 1,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list (2021 or 2025).")] = None,
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).")] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = True,
) -> None:
    """Run the quarterly chart pack notebook for one LA, a list, or --all-las."""
    from analysis.pack import all_la_names, run_many, run_pack

    paths = _paths()
    if all_las or (la and len(la) > 1):
        names = all_la_names(paths) if all_las else list(la or [])
        raise typer.Exit(_print_results(run_many(names, period, paths, jobs=jobs, outputs_root=output, pdf=pdf)))
    if not la:
        raise typer.BadParameter("give --la NAME (or --all-las)")
    result = run_pack(la[0], period, paths, outputs_root=output, neighbours=neighbours, pdf=pdf)
    typer.echo(f"Pack written to {result.output} ({len(result.files)} files, {result.seconds:.0f} s)")
    typer.echo(f"  open {result.output / 'report.html'}")
    if result.message:
        typer.echo(f"  note: {result.message}")


@app.command()
@friendly_errors
def run(config: Annotated[Path, typer.Argument(help="A run file, e.g. config/runs/quarterly.yaml.")]) -> None:
    """Scheduled runs: run what a YAML run file lists (LAs, period or "latest", output)."""
    from analysis.runs import execute_run

    raise typer.Exit(_print_results(execute_run(config, _paths())))


@app.command()
@friendly_errors
def quarter(
    la: Annotated[str, typer.Option(help="LA name or code.")],
    period: Annotated[str, typer.Option(help="Financial-year quarter, e.g. 2017-18Q4.")],
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
) -> None:
    """Local quarterly figures: status against target and tolerance, summary, benchmark pairing."""
    from analysis.quarterly import quarter_report

    report = quarter_report(la, period, _paths())
    if report["status"].empty:
        typer.echo(f"No local quarterly return for {la}: see README, 'Adding a quarter'.")
        return
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps({k: json.loads(v.drop(columns=["file"], errors="ignore").to_json(orient="records"))
                                     for k, v in report.items()}, indent=2) + "\n")
        return
    if format is OutputFormat.csv:
        for name in ("status", "summary", "pairing", "disagreements"):
            frame = report[name].drop(columns=["file", "row", "source"], errors="ignore")
            sys.stdout.write(f"# {name}\n" + frame.to_csv(index=False))
        return
    from analysis.render.cli_tables import quarter_tables
    from analysis.render.terminal import table_text

    for table in quarter_tables(report):
        typer.echo(f"\n== {table.name}")
        typer.echo(table_text(table))


@app.command()
@friendly_errors
def template(
    output: Annotated[Path, typer.Option(help="Where to write the blank return (.csv or .xlsx).")] = Path("quarterly_return_template.csv"),
    la: Annotated[str | None, typer.Option(help="Carry forward this LA's targets and tolerances.")] = None,
    period: Annotated[str | None, typer.Option(help="Quarter to put in the period column.")] = None,
) -> None:
    """Write a blank local quarterly return with the catalogue's indicators."""
    from analysis.atomic import atomic_path
    from analysis.catalogue import load_catalogue
    from analysis.quarterly import load_local_returns, local_template

    paths = _paths()
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    previous = load_local_returns(paths, la, catalogue) if la else None
    frame = local_template(catalogue, previous, period)
    with atomic_path(output) as tmp:
        if output.suffix.lower() == ".xlsx":
            frame.to_excel(tmp, sheet_name="return", index=False, engine="openpyxl")
        else:
            frame.to_csv(tmp, index=False)
    typer.echo(f"Wrote {output} ({len(frame)} indicators)")


@app.command()
@friendly_errors
def demo() -> None:
    """Produce Doncaster's 2017-18 Q4 pack from the data shipped in the project, then a
    re-referrals deep dive on SYNTHETIC referral records (generated first if missing)."""
    from analysis.pack import run_deep_dive, run_pack
    from analysis.synthetic import write_synthetic_files

    paths = _paths()
    result = run_pack("Doncaster", "2017-18 Q4", paths)
    typer.echo(f"Doncaster 2017-18 Q4 chart pack: {result.output}")
    typer.echo(f"  report: {result.output / 'report.html'}")
    if (result.output / "report.pdf").exists():
        typer.echo(f"  PDF:    {result.output / 'report.pdf'}")
    elif result.message:
        typer.echo(f"  {result.message}")
    typer.echo(f"  charts: {result.output / 'charts'}  tables: {result.output / 'tables'}")
    records = paths.raw / "synthetic" / "synthetic_referrals.csv"
    if not records.exists():  # the CSV only (under a second); `synthetic` also writes the XML
        typer.echo("Generating SYNTHETIC referral records: data/raw/synthetic/synthetic_referrals.csv "
                   "(`python -m analysis synthetic` adds CIN census XML files)")
        write_synthetic_files(paths.raw / "synthetic", xml_years=[])
    dive = run_deep_dive("Doncaster", records, None, paths)
    typer.echo(f"Re-referrals deep dive on SYNTHETIC records: {dive.output}")
    typer.echo(f"  report: {dive.output / 'report.html'}")
    if (dive.output / "report.pdf").exists():
        typer.echo(f"  PDF:    {dive.output / 'report.pdf'}")


@app.command()
@friendly_errors
def synthetic(
    out: Annotated[Path, typer.Option(help="Folder for the files.")] = Path("data/raw/synthetic"),
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 2017,
) -> None:
    """Write deterministic SYNTHETIC referral records (CSV and CIN census XML) for demos and tests."""
    from analysis.synthetic import write_synthetic_files

    written = write_synthetic_files(out, seed=seed)
    typer.echo(f"Wrote synthetic referral records: {written}")


@app.command("deep-dive")
@friendly_errors
def deep_dive(
    la: Annotated[str, typer.Option(help="LA name or code: the title and the DfE comparison.")],
    records: Annotated[Path, typer.Option(help="Referral records: a CSV/XLSX extract, a CIN census XML file or a folder of them.")],
    period: Annotated[str | None, typer.Option(help="Year ending 31 March, e.g. 2016-17; default the latest whole year.")] = None,
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).")] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = True,
    history_start: Annotated[str | None, typer.Option(help="First day the records are complete from (e.g. 2015-04-01), for an extract without earlier history.")] = None,
    validate: Annotated[bool, typer.Option(help="Check each CIN census file against its year's XSD first.")] = False,
    audit_list: Annotated[Path | None, typer.Option(help="Also write the re-referred children (ids, dates, previous closure reason) to this file for case audit: personal data, owner-only, never in the pack.")] = None,
) -> None:
    """Re-referrals deep dive from record-level referral data (small numbers suppressed)."""
    from analysis.pack import run_deep_dive

    result = run_deep_dive(la, records, period, _paths(), outputs_root=output, pdf=pdf,
                           history_start=history_start, validate=validate, audit_list=audit_list)
    if audit_list is not None:
        typer.echo(f"Audit list (personal data, keep on this machine): {audit_list}")
    typer.echo(f"Deep dive written to {result.output} ({len(result.files)} files, {result.seconds:.0f} s)")
    typer.echo(f"  open {result.output / 'report.html'}")
    if result.message:
        typer.echo(f"  note: {result.message}")


@app.command()
@friendly_errors
def explore(
    la: Annotated[str, typer.Option(help="LA name (any case), old code (371) or new code (E08000017).")],
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id (see `indicators`). Repeat for several; default re_referrals, cin_rate, cpp_second_time.")] = None,
    year: Annotated[list[str] | None, typer.Option(help="Year ending 31 March: 2017 or 2016-17. Repeat for several; default all.")] = None,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list version (2021 or 2025); default per year.")] = None,
    level: Annotated[str, typer.Option(help="Confidence level of better/similar/worse: 95 or 99.8.")] = "95",
    overdispersion: Annotated[str, typer.Option(help="Funnel limits: none (exact), multiplicative or additive.")] = "none",
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/); the explorer goes to <output>/<la>/explorer.")] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = False,
) -> None:
    """Benchmark explorer for one LA: judged table, sentences, trend, neighbours, funnel plots."""
    from analysis.explorer import parse_overdispersion
    from analysis.pack import run_explorer
    from analysis.periods import parse_year

    years = [parse_year(y) for y in year] if year else None
    result = run_explorer(la, indicators=indicator or None, years=years, neighbours=neighbours,
                          level=level, overdispersion=parse_overdispersion(overdispersion),
                          paths=_paths(), outputs_root=output, pdf=pdf)
    typer.echo(f"Explorer written to {result.output} ({len(result.files)} files, {result.seconds:.0f} s)")
    typer.echo(f"  open {result.output / 'report.html'}")
    if result.message and pdf:
        typer.echo(f"  note: {result.message}")


@app.command()
@friendly_errors
def funnel(
    indicator: Annotated[str, typer.Option(help="A percentage or rate indicator id (see `indicators`).")],
    year: Annotated[str, typer.Option(help="Year ending 31 March: 2017 or 2016-17.")],
    la: Annotated[str | None, typer.Option(help="LA to highlight: name or code (optional).")] = None,
    overdispersion: Annotated[str, typer.Option(help="Funnel limits: none (exact), multiplicative or additive.")] = "none",
    output: Annotated[Path | None, typer.Option(help="Folder for charts/ and tables/ (default outputs/funnels).")] = None,
) -> None:
    """Funnel plot of every LA for one indicator and year, with 95% and 99.8% limits around England.

    Writes the chart (PNG, SVG, alt text) and a CSV of every LA's value, denominator and
    position, and prints where the LA sits.
    """
    from analysis.atomic import atomic_path
    from analysis.benchmark import load_benchmarks
    from analysis.catalogue import load_catalogue
    from analysis.explorer import (
        england_value,
        funnel_chart,
        funnel_file_name,
        funnel_line,
        funnel_points_table,
        parse_overdispersion,
        period_label,
    )
    from analysis.funnels import funnel_for, funnel_kind
    from analysis.geography import load_areas, resolve_la
    from analysis.pack import check_writable
    from analysis.periods import parse_year
    from analysis.report import save_chart, source_line

    paths = _paths()
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    ind = catalogue.get(indicator)
    funnel_kind(ind.unit)
    chosen_year = parse_year(year)
    method = parse_overdispersion(overdispersion)
    authority = resolve_la(la, load_areas(paths.root)) if la else None
    table = load_benchmarks(paths)
    found = funnel_for(table, indicator, chosen_year, catalogue,
                       england=england_value(table, indicator, chosen_year), overdispersion=method)
    folder = output or paths.outputs / "funnels"
    check_writable(folder)
    period = period_label(table, indicator, chosen_year)
    ax, alt = funnel_chart(found, ind, period, authority, source=source_line(ind, period, paths))
    name = funnel_file_name(indicator, chosen_year, authority, method)
    written = save_chart(ax, name, alt, folder)
    csv = folder / "tables" / f"{name}.csv"
    csv.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(csv) as tmp:
        funnel_points_table(found, period, authority).to_csv(tmp, index=False)
    typer.echo(f"{ind.label}, {period}")
    typer.echo(funnel_line(found, authority, ind))
    for path in [*written, csv]:
        typer.echo(f"  wrote {path}")


def main() -> None:  # console script
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
