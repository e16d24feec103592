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
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer

from analysis.core.errors import AnalysisError

if TYPE_CHECKING:
    from analysis.app.runner import PackResult
    from analysis.core.config import Paths

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Benchmarking and quarterly performance toolkit for English children's social care.",
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """The toolkit's own errors (bad input, bad parameters) become their message on stderr and
    exit status 2; any other exception becomes one line pointing at a log file holding the
    traceback, exit status 1. Never a bare traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from analysis.core.errorlog import one_line, write_error_log

        _show_warnings()
        try:
            return func(*args, **kwargs)
        except AnalysisError as exc:
            typer.secho(f"Error: {exc}", err=True, fg=typer.colors.RED)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors: typer shows them
            raise
        except KeyboardInterrupt:
            typer.secho("Interrupted: nothing was replaced (outputs are written whole or not at all).",
                        err=True, fg=typer.colors.RED)
            raise typer.Exit(130) from None
        except Exception as exc:
            log = write_error_log(exc, context=f"`{func.__name__}` command")
            typer.secho(f"Error: {one_line(exc, log)}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _show_warnings() -> None:
    """Show the toolkit's logged warnings (e.g. --jobs capped) on stderr, once."""
    import logging

    class ToStderr(logging.Handler):  # the current stderr at each message
        def emit(self, record: logging.LogRecord) -> None:
            typer.secho(f"Warning: {record.getMessage()}", err=True, fg=typer.colors.YELLOW)

    logger = logging.getLogger("analysis")
    if not any(type(h).__name__ == "ToStderr" for h in logger.handlers):
        logger.addHandler(ToStderr(logging.WARNING))


def _output_path(value: str) -> Path:
    """Parse an --output/--out value: an empty one is refused at once (it would mean '.')."""
    if not value.strip():
        raise typer.BadParameter("the path is empty: give a file or folder name")
    return Path(value)


def _check_output(path: Path | None, kind: Literal["file", "folder"], *, parameter: str = "output",
                  suffixes: tuple[str, ...] | None = None) -> Path | None:
    from analysis.core.outputs import check_output_path

    return None if path is None else check_output_path(path, kind=kind, suffixes=suffixes,
                                                        parameter=parameter)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _paths() -> Paths:
    from analysis.core.config import Paths

    return Paths.for_root()


@app.command()
@friendly_errors
def prepare() -> None:
    """Validate the raw DfE files and write data/processed/benchmarks.parquet."""
    import time

    from analysis.data.prepare import prepare_benchmarks

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
    accept_new: Annotated[bool, typer.Option(
        "--accept-new", help="Take a download whose sha256 differs from the recorded one (a new "
                             "publication) and record its sha256 in config/sources.yaml.")] = False,
) -> None:
    """Refresh data/raw from the published URLs in config/sources.yaml (atomic per file).

    A download must have the sha256 recorded in config/sources.yaml unless --accept-new.
    """
    from analysis.data.fetch import fetch_sources

    results = fetch_sources(_paths(), only=only or None, timeout=timeout, accept_new=accept_new)
    failed = 0
    for res in results:
        typer.echo(f"{res.status:>9}  {res.path}" + (f"  ({res.message})" if res.message else ""))
        failed += res.status == "failed"
    if failed:
        typer.secho(f"{failed} file(s) failed; the old copies were kept.", err=True, fg=typer.colors.RED)
        raise typer.Exit(1)


@app.command()
@friendly_errors
def accept(
    files: Annotated[list[str], typer.Argument(help="Raw files (paths as in config/sources.yaml).")],
) -> None:
    """Accept a new publication put in data/raw by hand: record its sha256 in config/sources.yaml."""
    from analysis.data.integrity import accept_files

    for rel, old, new in accept_files(_paths(), files):
        typer.echo(f"{rel}: " + ("unchanged" if old == new else f"sha256 {old[:12]}... -> {new}"))


@app.command()
@friendly_errors
def sources() -> None:
    """Regenerate the table of raw files in data/raw/dfe/README.md from config/sources.yaml."""
    from analysis.data.integrity import write_readme_table

    changed = write_readme_table(_paths())
    typer.echo("data/raw/dfe/README.md " + ("updated" if changed else "already current"))


@app.command()
@friendly_errors
def benchmark(
    la: Annotated[str, typer.Option(help="LA name (any case), old code (371) or new code (E08000017).")],
    year: Annotated[list[str] | None, typer.Option(help="Year ending 31 March: 2017 or 2016-17. Repeat for several; default all.")] = None,
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id (see `indicators`). Repeat for several; default all.")] = None,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list version (2021 or 2025); default per year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of the screen.",
                                                parser=_output_path)] = None,
    level: Annotated[str, typer.Option(help="Confidence level of better/similar/worse: 95 or 99.8.")] = "95",
) -> None:
    """How an LA compares with England, its region and its statistical neighbours.

    With confidence intervals, better / similar / worse at --level, gaps in children and a
    sentence per indicator (docs/methods/statistics.md).
    """
    import textwrap

    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import load_areas, resolve_la
    from analysis.data.periods import parse_year
    from analysis.engine.benchmark import benchmark_table, load_benchmarks
    from analysis.engine.judgement import judge_table, parse_level
    from analysis.engine.narrative import sentences

    _check_output(output, "file")
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
    # An indicator with no published figure for a year asked for is named, never dropped.
    from analysis.data.coverage import missing_notes

    asked = indicator or [i.id for i in catalogue.benchmarked()]
    gaps = [n.message for y in sorted(set(bench["year"]) | set(years or []))
            for n in missing_notes(table, catalogue,
                                   [i for i in asked if not ((bench["indicator"] == i) & (bench["year"] == y)).any()], y)]
    for message in gaps if format is not OutputFormat.table else []:
        typer.echo(f"Not shown: {message}", err=True)
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
        text = (header + table_text(benchmark_display_table(bench)) + "\n\n" + notes + "\n"
                + "".join(f"\nNot shown: {m}" for m in dict.fromkeys(gaps)) + ("\n" if gaps else ""))
    if output:
        from analysis.core.atomic import atomic_path

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
    from analysis.data.geography import load_areas

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
    from analysis.data.catalogue import load_catalogue

    catalogue = load_catalogue(_paths().config / "indicators.yaml")
    for ind in catalogue.indicators.values():
        src = "local only" if ind.source is None else ind.source.kind.upper()
        typer.echo(f"{ind.id:<38} {ind.polarity:<17} {src:<10} {ind.label}")


def _print_results(results: list[PackResult]) -> int:
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
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).",
                                                parser=_output_path)] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = True,
) -> None:
    """Run the quarterly chart pack notebook for one LA, a list, or --all-las."""
    from analysis.app.batch import all_la_names, run_many
    from analysis.app.runner import run_pack
    from analysis.core.limits import capped_jobs

    _check_output(output, "folder")
    jobs = capped_jobs(jobs)
    paths = _paths()
    if all_las or (la and len(la) > 1):
        names = all_la_names(paths) if all_las else list(la or [])
        raise typer.Exit(_print_results(run_many(names, period, paths, jobs=jobs, outputs_root=output, pdf=pdf)))
    if not la:
        raise typer.BadParameter("give --la NAME (or --all-las)")
    result = run_pack(la[0], period, paths, outputs_root=output, neighbours=neighbours, pdf=pdf)
    _echo_written("Pack", result)


def _folder(result: PackResult) -> Path:
    """The folder a finished run wrote (every run that did not raise has one)."""
    if result.output is None:
        raise AnalysisError(f"{result.notebook} for {result.la} finished without an output folder",
                            fix="run it again; if it happens again, report it")
    return result.output


def _echo_written(what: str, result: PackResult) -> None:
    """Say where a pack was written and how to open it."""
    folder = _folder(result)
    typer.echo(f"{what} written to {folder} ({len(result.files)} files, {result.seconds:.0f} s)")
    typer.echo(f"  open {folder / 'report.html'}")
    if result.message:
        typer.echo(f"  note: {result.message}")


@app.command()
@friendly_errors
def run(config: Annotated[Path, typer.Argument(help="A run file, e.g. config/runs/quarterly.yaml.")]) -> None:
    """Scheduled runs: run what a YAML run file lists (LAs, period or "latest", output)."""
    from analysis.app.runs import execute_run

    raise typer.Exit(_print_results(execute_run(config, _paths())))


@app.command()
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

    paths = _paths()
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


@app.command()
@friendly_errors
def quarter(
    la: Annotated[str, typer.Option(help="LA name or code.")],
    period: Annotated[str, typer.Option(help="Financial-year quarter, e.g. 2017-18Q4.")],
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
) -> None:
    """Local quarterly figures: status against target and tolerance, summary, benchmark pairing."""
    from analysis.measures.local_status import quarter_report

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
    from analysis.measures.local_status import summary_text

    typer.echo("\n" + summary_text(report["summary"], report["status"]["period"].iloc[0]))


@app.command()
@friendly_errors
def template(
    output: Annotated[Path, typer.Option(help="Where to write the blank return (.csv or .xlsx).",
                                         parser=_output_path)] = Path("quarterly_return_template.csv"),
    la: Annotated[str, typer.Option(help="The LA (with its own measures in config/local/); its "
                                         "latest targets and tolerances are carried forward.")] = "",
    period: Annotated[str | None, typer.Option(help="Quarter to put in the period column.")] = None,
) -> None:
    """Write a blank local quarterly return with an LA's own measures."""
    from analysis.core.atomic import atomic_path
    from analysis.core.errors import ParameterError
    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import load_areas, resolve_la
    from analysis.measures.local_measures import defined_slugs, load_local_measures
    from analysis.measures.local_status import load_local_returns, local_template

    _check_output(output, "file", suffixes=(".csv", ".xlsx"))
    paths = _paths()
    if not la:
        raise ParameterError("--la is required", parameter="la",
                             expected=f"an LA with its own measures ({', '.join(defined_slugs(paths.config))})",
                             found="nothing", fix="add --la Doncaster (or another LA with config/local/<la>.yaml)")
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    authority = resolve_la(la, load_areas(paths.root))
    measures = load_local_measures(paths.config, authority.slug, catalogue)
    previous = load_local_returns(paths, authority, catalogue)
    frame = local_template(measures, previous, period)
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
    from analysis.app.runner import run_deep_dive, run_pack
    from analysis.data.synthetic import write_synthetic_files

    paths = _paths()
    result = run_pack("Doncaster", "2017-18 Q4", paths)
    folder = _folder(result)
    typer.echo(f"Doncaster 2017-18 Q4 chart pack: {folder}")
    typer.echo(f"  report: {folder / 'report.html'}")
    if (folder / "report.pdf").exists():
        typer.echo(f"  PDF:    {folder / 'report.pdf'}")
    elif result.message:
        typer.echo(f"  {result.message}")
    typer.echo(f"  charts: {folder / 'charts'}  tables: {folder / 'tables'}")
    records = paths.raw / "synthetic" / "synthetic_referrals.csv"
    if not records.exists():  # the CSV only (under a second); `synthetic` also writes the XML
        typer.echo("Generating SYNTHETIC referral records: data/raw/synthetic/synthetic_referrals.csv "
                   "(`python -m analysis synthetic` adds CIN census XML files)")
        write_synthetic_files(paths.raw / "synthetic", xml_years=[])
    dive = run_deep_dive("Doncaster", records, None, paths)
    dive_folder = _folder(dive)
    typer.echo(f"Re-referrals deep dive on SYNTHETIC records: {dive_folder}")
    typer.echo(f"  report: {dive_folder / 'report.html'}")
    if (dive_folder / "report.pdf").exists():
        typer.echo(f"  PDF:    {dive_folder / 'report.pdf'}")


@app.command()
@friendly_errors
def synthetic(
    out: Annotated[Path, typer.Option(help="Folder for the files.", parser=_output_path)] = Path("data/raw/synthetic"),
    seed: Annotated[int, typer.Option(help="Random seed (0 or more): the same seed gives the same files.",
                                      min=0, max=2**32 - 1)] = 2017,
) -> None:
    """Write deterministic SYNTHETIC referral records (CSV and CIN census XML) for demos and tests."""
    from analysis.data.synthetic import write_synthetic_files

    _check_output(out, "folder", parameter="out")

    written = write_synthetic_files(out, seed=seed)
    typer.echo(f"Wrote synthetic referral records: {written}")


@app.command("deep-dive")
@friendly_errors
def deep_dive(
    la: Annotated[str, typer.Option(help="LA name or code: the title and the DfE comparison.")],
    records: Annotated[Path, typer.Option(help="Referral records: a CSV/XLSX extract, a CIN census XML file or a folder of them.")],
    period: Annotated[str | None, typer.Option(help="Year ending 31 March, e.g. 2016-17; default the latest whole year.")] = None,
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).",
                                                parser=_output_path)] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = True,
    history_start: Annotated[str | None, typer.Option(help="First day the records are complete from (e.g. 2015-04-01), for an extract without earlier history.")] = None,
    validate: Annotated[bool, typer.Option(help="Check each CIN census file against its year's XSD first.")] = False,
    audit_list: Annotated[Path | None, typer.Option(help="Also write the re-referred children (ids, dates, previous closure reason) to this file for case audit: personal data, owner-only, never in the pack.")] = None,
) -> None:
    """Re-referrals deep dive from record-level referral data (small numbers suppressed)."""
    from analysis.app.runner import run_deep_dive

    _check_output(output, "folder")
    _check_output(audit_list, "file", parameter="audit-list")
    result = run_deep_dive(la, records, period, _paths(), outputs_root=output, pdf=pdf,
                           history_start=history_start, validate=validate, audit_list=audit_list)
    if audit_list is not None:
        typer.echo(f"Audit list (personal data, keep on this machine): {audit_list}")
    _echo_written("Deep dive", result)
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
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/); the explorer goes to <output>/<la>/explorer.",
                                                parser=_output_path)] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = False,
) -> None:
    """Benchmark explorer for one LA: judged table, sentences, trend, neighbours, funnel plots."""
    from analysis.app.runner import run_explorer
    from analysis.data.periods import parse_year
    from analysis.engine.funnels import parse_overdispersion

    _check_output(output, "folder")
    _check_level(level)
    years = [parse_year(y) for y in year] if year else None
    result = run_explorer(la, indicators=indicator or None, years=years, neighbours=neighbours,
                          level=level, overdispersion=parse_overdispersion(overdispersion),
                          paths=_paths(), outputs_root=output, pdf=pdf)
    if not pdf:
        result.message = ""
    _echo_written("Explorer", result)


def _check_level(level: str) -> float:
    """--level as a proportion: only 95 and 99.8 have limits and judgements."""
    from analysis.core.errors import ParameterError
    from analysis.engine.judgement import parse_level

    chosen = parse_level(level)
    if chosen not in (0.95, 0.998):
        raise ParameterError("the confidence level is not one the explorer draws", parameter="level",
                             expected="95 or 99.8 (per cent)", found=repr(level),
                             fix="use --level 95 (the default) or --level 99.8")
    return chosen


@app.command()
@friendly_errors
def funnel(
    indicator: Annotated[str, typer.Option(help="A percentage or rate indicator id (see `indicators`).")],
    year: Annotated[str, typer.Option(help="Year ending 31 March: 2017 or 2016-17.")],
    la: Annotated[str | None, typer.Option(help="LA to highlight: name or code (optional).")] = None,
    overdispersion: Annotated[str, typer.Option(help="Funnel limits: none (exact), multiplicative or additive.")] = "none",
    output: Annotated[Path | None, typer.Option(help="Folder for charts/ and tables/ (default outputs/funnels).",
                                                parser=_output_path)] = None,
) -> None:
    """Funnel plot of every LA for one indicator and year, with 95% and 99.8% limits around England.

    Writes the chart (PNG, SVG, alt text) and a CSV of every LA's value, denominator and
    position, and prints where the LA sits.
    """
    from dataclasses import replace

    from analysis import render
    from analysis.app.runner import check_writable
    from analysis.charts.statistics import indicator_funnel_chart
    from analysis.core.blocks import Pack, Section
    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import load_areas, resolve_la
    from analysis.data.periods import parse_year
    from analysis.data.sources import source_line
    from analysis.engine.benchmark import load_benchmarks
    from analysis.engine.funnel_words import funnel_line
    from analysis.engine.funnels import (
        england_value,
        funnel_file_name,
        funnel_for,
        funnel_kind,
        funnel_points_table,
        parse_overdispersion,
    )
    from analysis.explorer.view import funnel_points_block, period_label

    _check_output(output, "folder")
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
    source = source_line(ind, period, paths)
    name = funnel_file_name(indicator, chosen_year, authority, method)
    chart = indicator_funnel_chart(found, ind, period, authority, name=name, source=source)
    points = funnel_points_block([funnel_points_table(found, period, authority)], catalogue, source)
    assert points is not None  # a funnel has points
    points = replace(points, name=name)
    pack = Pack(chart.title, {}, (Section("funnel", chart.title, (chart, points)),))
    # Only this funnel's own files: the folder collects many funnels, so no notes.csv or workbook.
    rendered = {path: content for path, content in render.render_all(pack, ["files"]).items()
                if path.startswith("charts/") or path == f"tables/{name}.csv"}
    written = render.write_files(rendered, folder)
    typer.echo(f"{ind.label}, {period}")
    typer.echo(funnel_line(found, authority, ind))
    for path in written:
        typer.echo(f"  wrote {path}")


def main() -> None:  # console script
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
