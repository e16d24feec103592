"""What the commands of ``python -m analysis`` share: their error handling
(:func:`friendly_errors`), the output options' checks, the project's paths and the lines
saying where a pack was written."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import typer

from analysis.core.errors import AnalysisError

if TYPE_CHECKING:
    from analysis.app.runner import PackResult
    from analysis.core.config import Paths

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


def parse_output_path(value: str | Path) -> Path:
    """Parse an --output/--out value: an empty one is refused at once (it would mean '.').
    An option's default (already a Path) comes through here too."""
    if not str(value).strip():
        raise typer.BadParameter("the path is empty: give a file or folder name")
    return Path(value)


def check_output(path: Path | None, kind: Literal["file", "folder"], *, parameter: str = "output",
                  suffixes: tuple[str, ...] | None = None) -> Path | None:
    from analysis.core.outputs import check_output_path

    return None if path is None else check_output_path(path, kind=kind, suffixes=suffixes,
                                                        parameter=parameter)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def project_paths() -> Paths:
    from analysis.core.config import Paths

    return Paths.for_root()


def written_folder(result: PackResult) -> Path:
    """The folder a finished run wrote (every run that did not raise has one)."""
    if result.output is None:
        raise AnalysisError(f"{result.notebook} for {result.la} finished without an output folder",
                            fix="run it again; if it happens again, report it")
    return result.output


def echo_written(what: str, result: PackResult) -> None:
    """Say where a pack was written and how to open it."""
    folder = written_folder(result)
    typer.echo(f"{what} written to {folder} ({len(result.files)} files, {result.seconds:.0f} s)")
    typer.echo(f"  open {folder / 'report.html'}")
    if result.message:
        typer.echo(f"  note: {result.message}")
