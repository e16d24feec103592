"""The benchmark commands: benchmark (one LA's table), explore (its explorer report),
funnel (every LA for one indicator), serve (the explorer as a web page)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from analysis.app.cli_common import (
    OutputFormat,
    check_output,
    echo_written,
    friendly_errors,
    parse_output_path,
    project_paths,
)


@friendly_errors
def benchmark(
    la: Annotated[str, typer.Option(help="LA: any part of its name or a short name (Hull, BCP), old code (371) or ONS code (E08000017).")],
    year: Annotated[list[str] | None, typer.Option(help="Year ending 31 March: 2017 or 2016-17. Repeat for several; default all.")] = None,
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id (see `indicators`). Repeat for several; default all.")] = None,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list version (2021 or 2025); default per year.")] = None,
    format: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = OutputFormat.table,
    output: Annotated[Path | None, typer.Option(help="Write to this file instead of the screen.",
                                                parser=parse_output_path)] = None,
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

    check_output(output, "file")
    chosen_level = parse_level(level)
    paths = project_paths()
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    authority = resolve_la(la, load_areas(paths.root))
    years = [parse_year(y) for y in year] if year else None
    bench = benchmark_table(table, authority, catalogue, indicators=indicator or None,
                            years=years, neighbours_version=neighbours, paths=paths)
    bench = judge_table(bench, catalogue, level=chosen_level)  # DfE's rounding: benchmark_rows
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


@friendly_errors
def explore(
    la: Annotated[str, typer.Option(help="LA: any part of its name or a short name (Hull, BCP), old code (371) or ONS code (E08000017).")],
    indicator: Annotated[list[str] | None, typer.Option(help="Indicator id (see `indicators`). Repeat for several; default re_referrals, cin_rate, cpp_second_time.")] = None,
    year: Annotated[list[str] | None, typer.Option(help="Year ending 31 March: 2017 or 2016-17. Repeat for several; default all.")] = None,
    neighbours: Annotated[str | None, typer.Option(help="Statistical neighbour list version (2021 or 2025); default per year.")] = None,
    level: Annotated[str, typer.Option(help="Confidence level of better/similar/worse: 95 or 99.8.")] = "95",
    overdispersion: Annotated[str, typer.Option(help="Funnel limits: none (exact), multiplicative or additive.")] = "none",
    output: Annotated[Path | None, typer.Option(help="Output folder (default outputs/); the explorer goes to <output>/<la>/explorer.",
                                                parser=parse_output_path)] = None,
    pdf: Annotated[bool, typer.Option(help="Also print the report to PDF (needs Chromium).")] = False,
) -> None:
    """Benchmark explorer for one LA: judged table, sentences, trend, neighbours, funnel plots."""
    from analysis.app.runner import run_explorer
    from analysis.data.periods import parse_year
    from analysis.engine.funnels import parse_overdispersion

    check_output(output, "folder")
    _check_level(level)
    years = [parse_year(y) for y in year] if year else None
    result = run_explorer(la, indicators=indicator or None, years=years, neighbours=neighbours,
                          level=level, overdispersion=parse_overdispersion(overdispersion),
                          paths=project_paths(), outputs_root=output, pdf=pdf)
    if not pdf:
        result.message = ""
    echo_written("Explorer", result)


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


@friendly_errors
def funnel(
    indicator: Annotated[str, typer.Option(help="A percentage or rate indicator id (see `indicators`).")],
    year: Annotated[str, typer.Option(help="Year ending 31 March: 2017 or 2016-17.")],
    la: Annotated[str | None, typer.Option(help="LA to highlight: name or code (optional).")] = None,
    overdispersion: Annotated[str, typer.Option(help="Funnel limits: none (exact), multiplicative or additive.")] = "none",
    output: Annotated[Path | None, typer.Option(help="Folder for charts/ and tables/ (default outputs/funnels).",
                                                parser=parse_output_path)] = None,
) -> None:
    """Funnel plot of every LA for one indicator and year, with 95% and 99.8% limits around England.

    Writes the chart (PNG, SVG, alt text) and a CSV of every LA's value, denominator and
    position, and prints where the LA sits.
    """
    from dataclasses import replace

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
    from analysis.explorer.report import funnel_points_block, period_label
    from analysis.render.output import render_all, write_files

    check_output(output, "folder")
    paths = project_paths()
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
    rendered = {path: content for path, content in render_all(pack, ["files"]).items()
                if path.startswith("charts/") or path == f"tables/{name}.csv"}
    written = write_files(rendered, folder)
    typer.echo(f"{ind.label}, {period}")
    typer.echo(funnel_line(found, authority, ind))
    for path in written:
        typer.echo(f"  wrote {path}")


@friendly_errors
def serve(
    notebook: Annotated[str | None, typer.Argument(help="The notebook to serve, inside notebooks/ (default notebooks/explorer.ipynb).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8866).")] = None,
    ip: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    base_url: Annotated[str | None, typer.Option(help="Path prefix behind a reverse proxy (default /).")] = None,
    screenshot: Annotated[Path | None, typer.Option(help="Save a screenshot of the served page to this PNG, then stop.")] = None,
    max_kernels: Annotated[int | None, typer.Option(help="Most kernels at once, the warm ones included; past it visitors get a busy page (default 12).")] = None,
    cull_idle_timeout: Annotated[int | None, typer.Option(help="Seconds before an idle kernel is shut down, even with its page open (default 600).")] = None,
    cull_interval: Annotated[int | None, typer.Option(help="Seconds between checks for idle kernels (default 60).")] = None,
    pool_size: Annotated[int | None, typer.Option(help="Kernels kept warm for the next visitors, about 450 MB each whether or not anyone visits (the server idles at about 2,350 MB with the default); 0: none (default 5).")] = None,
    fill_delay: Annotated[int | None, typer.Option(help="Seconds before a warm kernel taken by a visitor is replaced (default 20).")] = None,
) -> None:
    """Serve the benchmark explorer as a web page: Voilà, read-only, code hidden (`make explorer`)."""
    from analysis.explorer.server import main as server_main

    # The explorer server's own command line, with only the options given: its defaults apply.
    argv: list[str] = []
    for flag, value in (("--port", port), ("--ip", ip), ("--base-url", base_url),
                        ("--screenshot", screenshot), ("--max-kernels", max_kernels),
                        ("--cull-idle-timeout", cull_idle_timeout),
                        ("--cull-interval", cull_interval), ("--pool-size", pool_size),
                        ("--fill-delay", fill_delay)):
        if value is not None:
            argv += [flag, str(value)]
    if notebook is not None:
        argv += ["--", notebook]
    raise typer.Exit(server_main(argv))
