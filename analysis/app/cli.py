"""The one command-line entry point: ``python -m analysis <command>``.

Every command prints errors from bad input or parameters in one or two lines and exits
with status 2, never a traceback (:func:`analysis.app.cli_common.friendly_errors`).
The commands are written in ``commands_data.py``, ``commands_benchmark.py``,
``commands_packs.py``, ``commands_measures.py`` and ``commands_check.py``, and registered here, in the order ``--help`` lists them.
"""

from __future__ import annotations

import typer

from analysis.app import (
    commands_benchmark,
    commands_check,
    commands_data,
    commands_measures,
    commands_packs,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Benchmarking and quarterly performance toolkit for English children's social care.",
    pretty_exceptions_enable=False,
)

for command in (
    commands_data.prepare,
    commands_data.fetch,
    commands_data.accept,
    commands_data.sources,
    commands_benchmark.benchmark,
    commands_data.las,
    commands_data.indicators,
    commands_packs.pack,
    commands_packs.run,
    commands_data.coverage,
    commands_packs.quarter,
    commands_packs.template,
    commands_packs.demo,
    commands_packs.synthetic,
    commands_packs.deep_dive,  # `deep-dive`
    commands_measures.measures,
    commands_measures.forget_records,  # `forget-records`
    commands_benchmark.explore,
    commands_benchmark.funnel,
    commands_benchmark.serve,
    commands_check.check_packs,  # `check-packs`
):
    app.command()(command)


def main() -> None:  # console script
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
