"""What a widget event that goes wrong shows: one plain line on the page, never a traceback.

An error in a widget's callback (or in a widget message the page sent) is written to the
server's log with its traceback; the page gets one plain line. A notebook kernel's standard
error is sent to the page, so the kernel's log records and warnings go to the process's own
standard error instead (:func:`log_to_server`), which is the server's log. On a served page
(Voilà) the kernel's traceback display, which ipywidgets calls for a widget message that
fails, logs there too instead of sending the traceback to the page (:func:`quiet_tracebacks`).
"""

from __future__ import annotations

import functools
import html
import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, Concatenate, ParamSpec, Protocol, TextIO

from analysis.core.errors import AnalysisError

log = logging.getLogger("analysis.explorer")

#: The line shown for an error that is not the analyst's to fix.
PLAIN_ERROR = "Something went wrong with that change; the page shows the last good view. Try again."

P = ParamSpec("P")


class HasMessages(Protocol):
    messages: Any  # the widget whose value is the page's message line


def plain_message(exc: BaseException) -> str:
    """The one line a page shows for ``exc``: the toolkit's own problem text, else a plain one."""
    if isinstance(exc, AnalysisError):
        return exc.problem
    return PLAIN_ERROR


def guarded(method: Callable[Concatenate[Any, P], object]) -> Callable[Concatenate[Any, P], None]:
    """A widget callback that logs an error server-side and shows one plain line instead."""

    @functools.wraps(method)
    def wrapper(self: HasMessages, *args: P.args, **kwargs: P.kwargs) -> None:
        try:
            method(self, *args, **kwargs)
        except Exception as exc:
            if not isinstance(exc, AnalysisError):
                log.exception("explorer callback %s failed", method.__name__)
            self.messages.value = html.escape(plain_message(exc))

    return wrapper


class _ServerLog(logging.StreamHandler):  # type: ignore[type-arg, unused-ignore]
    """Log records to the process's own standard error (the server's log), not the page."""


def server_stream() -> TextIO:
    """The standard error the kernel process was started with (the server's log).

    ipykernel points file descriptor 2 at a pipe whose text goes to the page and keeps a copy
    of the original descriptor (``_original_stdstream_copy``); outside a kernel, stderr itself.
    """
    original = getattr(sys.stderr, "_original_stdstream_copy", None)
    if isinstance(original, int):
        return os.fdopen(original, "w", closefd=False, buffering=1)
    return sys.__stderr__ or sys.stderr


def log_to_server() -> None:
    """Send the kernel's log records and warnings to the server's log (once per kernel), and
    on a served page its tracebacks too."""
    from IPython import get_ipython

    quiet_tracebacks(get_ipython())
    root = logging.getLogger()
    if not any(isinstance(h, _ServerLog) for h in root.handlers):
        handler = _ServerLog(server_stream())
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    logging.captureWarnings(True)


def served_page(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this kernel runs a Voilà page (Voilà sets VOILA_PREHEAT in every kernel it starts)."""
    return "VOILA_PREHEAT" in (os.environ if environ is None else environ)


def log_traceback(exc_tuple: Any = None, *_args: Any, **_kwargs: Any) -> None:
    """Stands in for IPython's ``showtraceback`` on a served page: to the server's log only."""
    exc_info = exc_tuple if isinstance(exc_tuple, tuple) else sys.exc_info()
    log.error("error in a widget message from the page", exc_info=exc_info)


def quiet_tracebacks(shell: Any, environ: Mapping[str, str] | None = None) -> bool:
    """On a served page, make ``shell`` (the kernel's IPython) log tracebacks server-side
    instead of sending them to the page; True when it did. In JupyterLab nothing changes."""
    if shell is None or not served_page(environ):
        return False
    shell.showtraceback = log_traceback
    return True
