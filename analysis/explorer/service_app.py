"""The explorer's Voilà server with its bounds: a request without the explorer's cookie gets a
small page and no kernel (:mod:`analysis.explorer.first_visit`), a cap on kernels with a busy
page past it, and a health URL that starts nothing (settings:
:mod:`analysis.explorer.service_settings`).

Run by :mod:`analysis.explorer.server` as ``python -m analysis.explorer.service_app NOTEBOOK
[Voilà options]``.
"""

from __future__ import annotations

import contextvars
import functools
import json
import sys
from datetime import UTC, datetime
from typing import Any

import tornado.web
from jupyter_server.utils import url_path_join
from traitlets import Int
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from analysis.explorer.first_visit import first_visit_page, has_script_cookie
from analysis.explorer.service_settings import ServiceSettings, kernels_in_use

#: What a visitor sees past the cap (HTTP 503, "Retry-After: 60").
BUSY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Benchmark explorer: busy</title></head>
<body style="font-family: sans-serif; margin: 3em;">
<h1>The benchmark explorer is busy</h1>
<p>Every place is taken just now. Please try again in a minute.</p>
</body></html>
"""


class _Admission:
    """One page request let in: counted until it has taken its kernel."""

    def __init__(self) -> None:
        self.counted = True


#: The page request being answered (set by CappedVoilaHandler, read in the kernel manager).
_ADMISSION: contextvars.ContextVar[_Admission | None] = contextvars.ContextVar("admission", default=None)


class KernelGate:
    """Counts the server's kernels against the cap and lets page requests in below it.

    A request let in counts until it has taken its kernel: from then on its kernel is running
    and the warm pool's refill it caused is counted as filling. A warm kernel taken while it is
    still starting counts meanwhile too (``holding``).
    """

    def __init__(self, kernel_manager: Any, max_kernels: int) -> None:
        self.kernel_manager = kernel_manager
        self.max_kernels = max_kernels
        self.admitting = 0
        self.holding = 0
        taking = getattr(kernel_manager, "get_rendered_notebook", None)
        if taking is not None:  # the warm pool is on
            kernel_manager.get_rendered_notebook = self._counted_taking(taking)

    def _counted_taking(self, taking: Any) -> Any:
        @functools.wraps(taking)
        async def take(notebook_name: str, *args: Any, **kwargs: Any) -> Any:
            pool = self.kernel_manager._pools.get(notebook_name, [])
            unresolved = int(bool(pool) and not pool[0].done())
            self.holding += unresolved
            try:
                taken = await taking(notebook_name, *args, **kwargs)
                # A warm kernel may have waited in the pool for longer than the idle timeout
                # (the pool is never culled): its visitor's time starts now, or the culler
                # would shut it down under the page just opened.
                kernel = self.kernel_manager._kernels.get(taken[2])
                if kernel is not None:
                    kernel.last_activity = datetime.now(UTC)
                return taken
            finally:
                self.holding -= unresolved
                admission = _ADMISSION.get()
                if admission is not None and admission.counted:
                    admission.counted = False
                    self.admitting -= 1

        return take

    def in_use(self) -> int:
        km = self.kernel_manager
        pools = getattr(km, "_pools", {})
        filling = sum(1 for pool in pools.values() for task in pool if not task.done())
        return kernels_in_use(set(km._kernels), set(km._pending_kernels), filling + self.holding,
                              self.admitting)

    def running(self) -> int:
        return len(set(self.kernel_manager._kernels) | set(self.kernel_manager._pending_kernels))

    def admit(self) -> _Admission | None:
        """Let one page request in (it will take a kernel), unless the cap is reached."""
        if self.in_use() >= self.max_kernels:
            return None
        self.admitting += 1
        admission = _Admission()
        _ADMISSION.set(admission)
        return admission

    def done(self, admission: _Admission) -> None:
        if admission.counted:
            admission.counted = False
            self.admitting -= 1


class CappedVoilaHandler(TornadoVoilaHandler):
    """The explorer page; the small first-visit page for a request without the explorer's
    cookie (no kernel: a browser comes back with the cookie, a plain request stops there); or
    the busy page when the server's kernels are at the cap."""

    async def get(self, path: str | None = None) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("Vary", "Cookie")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        if not has_script_cookie({name: morsel.value for name, morsel in self.request.cookies.items()}):
            self.finish(first_visit_page(self.request.uri or "/", self.base_url))
            return
        gate: KernelGate = self.settings["explorer_gate"]
        admission = gate.admit()
        if admission is None:
            self.set_status(503)
            self.set_header("Retry-After", "60")
            self.finish(BUSY_PAGE)
            return
        # The page shuts its kernel when it is closed (Voilà's page posts to /voila/api/shutdown
        # as it unloads, with the _xsrf cookie's token); Voilà's page itself never sets that
        # cookie, so without this every closed page's kernel would wait to be culled.
        self.xsrf_token  # noqa: B018 - reading it sets the _xsrf cookie
        try:
            await super().get(path)
        finally:
            gate.done(admission)


class HealthHandler(tornado.web.RequestHandler):
    """``/health``: the server answers; it reads the kernel count and starts nothing."""

    def get(self) -> None:
        gate: KernelGate = self.settings["explorer_gate"]
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"status": "ok", "kernels": gate.running(),
                                "max_kernels": gate.max_kernels}))


class ExplorerVoila(Voila):
    """Voilà with the explorer's bounds: the cap checked before a page starts a kernel."""

    max_kernels = Int(ServiceSettings.max_kernels, config=True,
                      help="Most kernels at once, the warm pool's included; past it, a busy page.")

    def init_handlers(self) -> list[Any]:
        gate = KernelGate(self.kernel_manager, self.max_kernels)
        self.app.settings["explorer_gate"] = gate
        handlers: list[Any] = [(url_path_join(self.server_url, r"/health"), HealthHandler)]
        for handler in super().init_handlers():
            if len(handler) > 1 and handler[1] is TornadoVoilaHandler:
                handler = (handler[0], CappedVoilaHandler, *handler[2:])
            handlers.append(handler)
        return handlers


def main(argv: list[str] | None = None) -> None:
    ExplorerVoila.launch_instance(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
