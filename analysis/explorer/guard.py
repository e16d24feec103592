"""What a widget event that goes wrong shows: one plain line on the page, never a traceback.

An error in a widget's callback (or in a widget message the page sent) is written to the
server's log with its traceback; the page gets one plain line. A notebook kernel's standard
error is sent to the page, so the kernel's log records and warnings go to the process's own
standard error instead (:func:`log_to_server`), which is the server's log.
"""

from __future__ import annotations

import functools
import html
import logging
import sys
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol

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


def log_to_server() -> None:
    """Send the kernel's log records and warnings to the server's log (once per kernel)."""
    root = logging.getLogger()
    if not any(isinstance(h, _ServerLog) for h in root.handlers):
        handler = _ServerLog(sys.__stderr__)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    logging.captureWarnings(True)
