"""The check command: build every pack a user can make as a value and check what it says."""

from __future__ import annotations

from typing import Annotated

import typer

from analysis.app.cli_common import friendly_errors, project_paths


@friendly_errors
def check_packs(
    sample: Annotated[bool, typer.Option(
        "--sample", help="Only the named sample CI checks (a dozen packs) instead of every LA and period.")] = False,
    la: Annotated[list[str] | None, typer.Option(help="Only these LAs (name or code); repeatable.")] = None,
    all_quarters: Annotated[bool, typer.Option(
        "--all-quarters", help="Every LA at every quarter (about ten times as many packs).")] = False,
    show: Annotated[int, typer.Option(help="Print at most this many problems for each pack.")] = 20,
) -> None:
    """Build pack values (no files, no PDF) for every LA over a spread of quarters from 2013-14 Q3
    to the latest (each quarter checked for some LAs; --all-quarters: every LA at every
    quarter), each local return's quarters, explorer reports and deep dives on the synthetic
    extracts, and
    check each against the invariants a pack guarantees (docs/pack-invariants.md). Prints each
    pack's problems and a summary by invariant; exit status 1 when any pack has a problem."""
    from analysis.app.pack_matrix import SAMPLE, Outcome, full_matrix, run_matrix, summary

    paths = project_paths()
    cases = list(SAMPLE) if sample else full_matrix(paths, all_quarters=all_quarters)
    if la:
        wanted = {name.lower() for name in la}
        cases = [c for c in cases if c.la.lower() in wanted]
    typer.echo(f"Checking {len(cases)} pack(s).", err=True)

    def report(outcome: Outcome) -> None:
        if outcome.problems:
            typer.echo(f"{outcome.case.label}: {len(outcome.problems)} problem(s)")
            for problem in outcome.problems[:show]:
                typer.echo(f"  [{problem.invariant}] {problem.line()}")
            if len(outcome.problems) > show:
                typer.echo(f"  ... and {len(outcome.problems) - show} more")

    outcomes = run_matrix(cases, paths, report)
    typer.echo(summary(outcomes))
    if any(o.problems for o in outcomes):
        raise typer.Exit(1)
