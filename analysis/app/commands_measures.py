"""``python -m analysis measures`` (the quarterly series of measures computed from an LA's
own returns) and ``python -m analysis forget-records`` (remove the staged returns)."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from analysis.app.cli_common import check_output, friendly_errors, parse_output_path

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from analysis.core.blocks import Table
    from analysis.data.periods import Quarter
    from analysis.measures.returns.series import Measure

#: The modules holding the registries of measures on staged returns, and their names.
REGISTRIES: tuple[tuple[str, str], ...] = (
    ("analysis.measures.returns.cin_measures", "CIN_MEASURES"),
    ("analysis.measures.returns.cla_measures", "CLA_MEASURES"),
)
#: Made-up LA of the synthetic returns (``python -m analysis synthetic --returns``).
SYNTHETIC_LA = ("999", "Synthetic LA (synthetic data)")


def measure_registry() -> dict[str, Measure]:
    """Every measure on staged returns the toolkit has, by catalogue id."""
    out: dict[str, Measure] = {}
    for module, name in REGISTRIES:
        try:
            out.update(getattr(importlib.import_module(module), name))
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return out


def la_code_and_name(la: str) -> tuple[str, str]:
    """The LA's code as its returns' headers give it (the old DfE code) and its name."""
    if la.strip().lower() in (SYNTHETIC_LA[0], "synthetic la"):
        return SYNTHETIC_LA
    from analysis.data.geography import resolve_la

    authority = resolve_la(la)
    return authority.old_code, authority.name


def write_local_return(results: pd.DataFrame, la: str, output: Path) -> Path:
    """The results as a local return (``<la>_returns_return.csv``, the format of
    ``docs/data-formats/local-return.md``) in ``output``, written atomically."""
    from analysis.app.cli_common import project_paths
    from analysis.data.catalogue import load_catalogue
    from analysis.data.geography import resolve_la
    from analysis.measures.returns.local_rows import as_local_return
    from analysis.render.output import write_files

    authority = resolve_la(la)
    catalogue = load_catalogue(project_paths().config / "indicators.yaml")
    rows = as_local_return(results, authority.new_code, authority.name, catalogue)
    name = f"{authority.slug}_returns_return.csv"
    csv = rows.to_csv(index=False, lineterminator="\n").encode("utf-8")
    return write_files({name: csv}, output)[0]


def chosen_quarters(con: duckdb.DuckDBPyConnection, period: str | None, first: str | None,
                    last: str | None) -> list[Quarter]:
    """The quarters asked for; by default every quarter from the end of the first year the
    returns cover to the last quarter they hold whole."""
    from analysis.core.errors import NoDataError, ParameterError
    from analysis.data.periods import Quarter, parse_quarter
    from analysis.measures.returns.series import quarter_of, quarters_between

    if period is not None:
        if first is not None or last is not None:
            raise ParameterError("give either --period or --from/--to", parameter="period",
                                 found="both", fix="drop one of them")
        return [parse_quarter(period)]
    span = con.execute("SELECT min(year), max(data_end) FROM staged_files").fetchone()
    if span is None or span[0] is None:
        raise NoDataError("no returns were staged, so there is no period to compute")
    end: dt.date = span[1]
    to = quarter_of(end)
    if to.end != end:
        to = to.previous()
    start = parse_quarter(first, "from") if first else Quarter(int(span[0]), 4)
    return quarters_between(start, parse_quarter(last, "to") if last else to)


def series_table(results: pd.DataFrame, names: dict[str, str], la_name: str) -> Table:
    """The results as a table whose CSV and XLSX keep numbers as numbers."""
    from analysis.core.blocks import Column, Table

    frame = results.copy()
    frame.insert(1, "indicator", frame["indicator_id"].map(names).fillna(frame["indicator_id"]))
    frame["period_end"] = frame["period_end"].map(lambda d: f"{d:%Y-%m-%d}")
    cols = (Column("indicator_id", "Indicator code"), Column("indicator", "Indicator"),
            Column("period", "Period"), Column("period_end", "Period end"),
            Column("basis", "Basis"), Column("value", "Value", "number", unit_key="unit"),
            Column("numerator", "Numerator", "count"),
            Column("denominator", "Denominator", "count"), Column("unit", "Unit"),
            Column("files", "Returns used"))
    return Table("measures", frame, cols, caption=f"{la_name}: measures computed from the LA's "
                                                  "own returns, by quarter",
                 source=f"Source: {la_name}'s CIN census and SSDA903 returns")


def write_series(table: Table, output: Path) -> list[Path]:
    """``measures.csv`` and ``measures.xlsx`` in ``output``, each written atomically."""
    from analysis.render.files import table_csv, workbook
    from analysis.render.output import write_files

    return write_files({"measures.csv": table_csv(table), "measures.xlsx": workbook([table])},
                       output)


def _names() -> dict[str, str]:
    from analysis.app.cli_common import project_paths
    from analysis.data.catalogue import load_catalogue

    catalogue = load_catalogue(project_paths().config / "indicators.yaml")
    return {k: v.label for k, v in catalogue.indicators.items()}


@friendly_errors
def measures(
    la: Annotated[str, typer.Option(help="LA name or code (the code in its returns' headers); 'Synthetic LA' for the synthetic returns.")],
    records: Annotated[Path, typer.Option(help="Folder of the LA's returns: CIN census XML files and SSDA903 CSV files.")],
    output: Annotated[Path, typer.Option(help="Folder for measures.csv and measures.xlsx.", parser=parse_output_path)],
    period: Annotated[str | None, typer.Option(help="One quarter, e.g. 2022-23 Q4.")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First quarter (default: the end of the first year the returns cover).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last quarter (default: the last the returns hold whole).")] = None,
    local_return: Annotated[bool, typer.Option("--local-return", help="Also write the series as a local return (<la>_returns_return.csv) for the quarterly pack.")] = False,
) -> None:
    """Stage an LA's returns and write the quarterly series of every measure computed from them."""
    from analysis.data.returns.staging import connect, stage_returns
    from analysis.measures.returns.series import compute_series

    check_output(output, "folder")
    code, name = la_code_and_name(la)
    if local_return and code == SYNTHETIC_LA[0]:
        from analysis.core.errors import ParameterError

        raise ParameterError("the synthetic LA has no ONS code, so no local return can be "
                             "written for it", parameter="local-return",
                             fix="leave out --local-return for the synthetic returns")
    staged = stage_returns(code, records)
    typer.echo(f"Staged the returns (personal data, owner-only): {staged}")
    with connect(code, read_only=False) as con:
        if code != SYNTHETIC_LA[0]:  # the rates' child population, from the ONS estimates
            from analysis.app.cli_common import project_paths
            from analysis.measures.returns.population import register_population

            register_population(con, project_paths().raw, code)
        quarters = chosen_quarters(con, period, first, last)
        series = compute_series(con, measure_registry(), quarters)
    names = _names()
    for indicator, why in series.left_out.items():
        typer.echo(f"Left out {names.get(indicator, indicator)}: {why}")
    if series.year_end_only:
        typer.echo("Collected for the year to 31 March only (a figure for each Q4): "
                   + ", ".join(names.get(i, i) for i in series.year_end_only))
    for indicator, (skipped, why) in series.gaps.items():
        typer.echo(f"{names.get(indicator, indicator)}: no figure for {len(skipped)} of "
                   f"{len(quarters)} quarters ({', '.join(skipped)}): {why}")
    written = write_series(series_table(series.results, names, name), output)
    if local_return:
        written.append(write_local_return(series.results, la, output))
    typer.echo(f"Wrote {series.results['indicator_id'].nunique()} measures for "
               f"{quarters[0].label} to {quarters[-1].label}: "
               + ", ".join(str(p) for p in written))


@friendly_errors
def forget_records(
    la: Annotated[str | None, typer.Option(help="LA name or code; without it, every LA's staged returns.")] = None,
) -> None:
    """Remove staged record-level returns (an LA's, or all)."""
    from analysis.data.returns.staging import forget_records as forget

    removed = forget(la_code_and_name(la)[0] if la is not None else None)
    typer.echo("Removed " + ", ".join(str(p) for p in removed) if removed
               else "No staged returns to remove.")
