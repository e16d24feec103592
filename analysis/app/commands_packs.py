"""The pack commands: pack, run, quarter, template, demo, synthetic, deep-dive."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from analysis.app.cli_common import (
    OutputFormat,
    check_output,
    echo_written,
    friendly_errors,
    parse_output_path,
    project_paths,
    written_folder,
)

if TYPE_CHECKING:
    import pandas as pd

    from analysis.app.runner import PackResult
    from analysis.core.config import Paths


def _print_results(results: list[PackResult]) -> int:
    failed = [r for r in results if r.status != "ok"]
    for r in results:
        where = r.output if r.status == "ok" else r.message
        typer.echo(f"{r.status:>6}  {r.la:<35} {r.seconds:6.1f} s  {where}")
    typer.echo(f"{len(results) - len(failed)} ok, {len(failed)} failed")
    return 1 if failed else 0


@friendly_errors
def pack(
    la: Annotated[list[str] | None, typer.Option(help="LA: any part of its name or a short name (Hull, BCP), or a code; repeat for several.")] = None,
    period: Annotated[str, typer.Option(help="Financial-year quarter, e.g. 2017-18Q4.")] = "2017-18 Q4",
    all_las: Annotated[bool, typer.Option("--all-las", help="Every English LA that existed in the period.")] = False,
    jobs: Annotated[int, typer.Option(help="Packs to run at once.")] = 1,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list (2021 or 2025).")] = None,
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).",
                                                parser=parse_output_path)] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = True,
    records: Annotated[Path | None, typer.Option(help="Folder of the LA's CIN census XML and SSDA903 CSV returns: the measures computed from them, every quarter, join the local sections (one LA).")] = None,
) -> None:
    """Run the quarterly chart pack notebook for one LA, a list, or --all-las."""
    from analysis.app.batch import las_in_period, run_many
    from analysis.app.runner import run_pack
    from analysis.core.limits import capped_jobs

    check_output(output, "folder")
    jobs = capped_jobs(jobs)
    paths = project_paths()
    if records is not None and (all_las or (la and len(la) > 1)):
        from analysis.core.errors import ParameterError

        raise ParameterError("--records is one LA's returns", parameter="records",
                             found="several LAs", fix="give one --la with --records")
    if all_las:  # the LAs that existed in the quarter, and a line for those that did not
        existing, left_out = las_in_period(period, paths)
        if left_out:
            typer.echo(left_out)
        raise typer.Exit(_print_results(run_many(existing, period, paths, jobs=jobs, outputs_root=output,
                                                 pdf=pdf)))
    if la and len(la) > 1:
        raise typer.Exit(_print_results(run_many(list(la), period, paths, jobs=jobs, outputs_root=output,
                                                 pdf=pdf)))
    if not la:
        raise typer.BadParameter("give --la NAME (or --all-las)")
    result = run_pack(la[0], period, paths, outputs_root=output, neighbours=neighbours, pdf=pdf,
                      records=records)
    echo_written("Pack", result)


@friendly_errors
def run(config: Annotated[Path, typer.Argument(help="A run file, e.g. config/runs/quarterly.yaml.")]) -> None:
    """Scheduled runs: run what a YAML run file lists (LAs, period or "latest", output)."""
    from analysis.app.runs import execute_run

    raise typer.Exit(_print_results(execute_run(config, project_paths())))


@friendly_errors
def quarter(
    la: Annotated[str, typer.Option(help="LA: any part of its name or a short name (Hull, BCP), old code (371) or ONS code (E08000017).")],
    period: Annotated[str, typer.Option(help="Financial-year quarter, e.g. 2017-18Q4.")],
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
) -> None:
    """Local quarterly figures: status against target and tolerance, summary, benchmark pairing."""
    from analysis.data.geography import load_areas, resolve_la
    from analysis.data.periods import parse_quarter
    from analysis.measures.pairing import quarter_report

    paths = project_paths()
    chosen = parse_quarter(period)  # a bad period is refused before the LA is looked up
    authority = resolve_la(la, load_areas(paths.root))
    report = quarter_report(authority, chosen, paths)
    if report["status"].empty:
        typer.echo(f"No local quarterly return for {la}: see README, 'Adding a quarter'.")
        return
    report = _readers_codes(report, paths, authority.slug)
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
    from analysis.measures.local_measures import load_local_measures
    from analysis.measures.local_status import summary_text

    noun = load_local_measures(paths.config, authority.slug).measure_noun  # the return exists, so they do
    typer.echo("\n" + summary_text(report["summary"], report["status"]["period"].iloc[0], noun))


def _readers_codes(report: dict[str, pd.DataFrame], paths: Paths, slug: str) -> dict[str, pd.DataFrame]:
    """The quarter's tables with the council's own codes only (a code this toolkit gave a
    figure is blank) and each measure's name as a reader sees it."""
    from analysis.measures.local_measures import load_local_measures
    from analysis.quarterly_pack.wording import plain_label

    measures = load_local_measures(paths.config, slug)
    out = {}
    for name, frame in report.items():
        frame = frame.copy()
        if "indicator_label" in frame.columns:
            frame.insert(frame.columns.get_loc("indicator_code") + 1, "measure",
                         frame["indicator_label"].map(plain_label))
        if "indicator_code" in frame.columns:
            frame["indicator_code"] = frame["indicator_code"].map(measures.published_code)
        out[name] = frame
    return out


@friendly_errors
def template(
    output: Annotated[Path, typer.Option(help="Where to write the blank return (.csv or .xlsx).",
                                         parser=parse_output_path)] = Path("quarterly_return_template.csv"),
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
    from analysis.measures.local_returns import load_local_returns, local_template

    check_output(output, "file", suffixes=(".csv", ".xlsx"))
    paths = project_paths()
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


@friendly_errors
def demo() -> None:
    """Produce Doncaster's 2017-18 Q4 pack from the data shipped in the project, a
    re-referrals deep dive on SYNTHETIC referral records, and Doncaster's 2022-23 Q4 pack with
    its local sections computed from SYNTHETIC statutory returns (generated first if missing)."""
    from analysis.app.runner import run_deep_dive, run_pack
    from analysis.data.synthetic import write_synthetic_files

    paths = project_paths()
    result = run_pack("Doncaster", "2017-18 Q4", paths)
    folder = written_folder(result)
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
    dive_folder = written_folder(dive)
    typer.echo(f"Re-referrals deep dive on SYNTHETIC records: {dive_folder}")
    typer.echo(f"  report: {dive_folder / 'report.html'}")
    if (dive_folder / "report.pdf").exists():
        typer.echo(f"  PDF:    {dive_folder / 'report.pdf'}")
    returns_pack(paths)


#: The quarter of the demo's pack on SYNTHETIC returns (the returns' last year).
DEMO_RETURNS_QUARTER = "2022-23 Q4"


def returns_pack(paths: Paths) -> None:
    """The demo's third product: Doncaster's pack for 2022-23 Q4 with its local sections
    computed from SYNTHETIC CIN census and SSDA903 returns carrying Doncaster's code
    (generated first if missing), every quarter of the five years from 2018-19 Q1."""
    from analysis.app.runner import run_pack
    from analysis.data.geography import resolve_la
    from analysis.data.synthetic_returns.files import write_synthetic_returns

    folder = paths.raw / "synthetic" / "returns-doncaster"
    if not folder.exists() or not any(folder.iterdir()):
        typer.echo("Generating SYNTHETIC statutory returns for Doncaster: data/raw/synthetic/returns-doncaster "
                   "(`python -m analysis synthetic --returns --la Doncaster`)")
        write_synthetic_returns(folder, la_code=resolve_la("Doncaster").old_code)
    result = run_pack("Doncaster", DEMO_RETURNS_QUARTER, paths, records=folder)
    pack_folder = written_folder(result)
    typer.echo(f"Doncaster {DEMO_RETURNS_QUARTER} chart pack from SYNTHETIC returns: {pack_folder}")
    typer.echo(f"  report: {pack_folder / 'report.html'}")


@friendly_errors
def synthetic(
    out: Annotated[Path, typer.Option(help="Folder for the files.", parser=parse_output_path)] = Path("data/raw/synthetic"),
    seed: Annotated[int | None, typer.Option(help="Random seed (0 or more): the same seed gives the same files. Default: the demo's, 2017 for referral records and 2019 for returns.",
                                             min=0, max=2**32 - 1)] = None,
    returns: Annotated[bool, typer.Option("--returns", help="Instead, write a synthetic LA's statutory returns (CIN census XML 2016-17 to 2022-23, SSDA903 files 2017-18 to 2022-23) to <out>/returns.")] = False,
    la: Annotated[str | None, typer.Option(help="With --returns: a real LA whose code the synthetic returns carry (its pack then shows them), written to <out>/returns-<la>.")] = None,
) -> None:
    """Write deterministic SYNTHETIC referral records (CSV and CIN census XML) for demos and tests."""
    from analysis.data.synthetic import write_synthetic_files

    check_output(out, "folder", parameter="out")
    if returns:
        from analysis.data.synthetic_returns.files import RETURNS_SEED, write_synthetic_returns

        seed = RETURNS_SEED if seed is None else seed

        if la is not None:
            from analysis.data.geography import resolve_la

            authority = resolve_la(la)
            written = write_synthetic_returns(out / f"returns-{authority.slug}", seed=seed,
                                              la_code=authority.old_code)
            typer.echo(f"Wrote synthetic returns carrying {authority.name}'s code: "
                       f"{[str(p) for p in written]}")
            return
        written = write_synthetic_returns(out / "returns", seed=seed)
        typer.echo(f"Wrote a synthetic LA's returns: {[str(p) for p in written]}")
        return
    written = write_synthetic_files(out, seed=2017 if seed is None else seed)
    typer.echo(f"Wrote synthetic referral records: {written}")


@friendly_errors
def deep_dive(
    la: Annotated[str, typer.Option(help="LA (any part of its name, a short name or a code): the title and the DfE comparison.")],
    records: Annotated[Path, typer.Option(help="Referral records: a CSV/XLSX extract, a CIN census XML file or a folder of them.")],
    period: Annotated[str | None, typer.Option(help="Year ending 31 March, e.g. 2016-17; default the latest whole year.")] = None,
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/).",
                                                parser=parse_output_path)] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = True,
    history_start: Annotated[str | None, typer.Option(help="First day the records are complete from (e.g. 2015-04-01), for an extract without earlier history.")] = None,
    validate: Annotated[bool, typer.Option(help="Check each CIN census file against its year's XSD first.")] = False,
    audit_list: Annotated[Path | None, typer.Option(help="Also write the re-referred children (ids, dates, previous closure reason) to this file for case audit: personal data, owner-only, never in the pack.")] = None,
    allow_rows_left_out: Annotated[bool, typer.Option("--allow-rows-left-out", help="Go on when more than 10% of the rows cannot be used (refused otherwise); page 1 says how many were left out and why.")] = False,
) -> None:
    """Re-referrals deep dive from record-level referral data (small numbers suppressed)."""
    from analysis.app.runner import run_deep_dive

    check_output(output, "folder")
    check_output(audit_list, "file", parameter="audit-list")
    result = run_deep_dive(la, records, period, project_paths(), outputs_root=output, pdf=pdf,
                           history_start=history_start, validate=validate, audit_list=audit_list,
                           allow_rows_left_out=allow_rows_left_out)
    if audit_list is not None:
        typer.echo(f"Audit list (personal data, keep on this machine): {audit_list}")
    echo_written("Deep dive", result)  # says the note (e.g. why there is no PDF) once
