"""The Jupyter kernels the runner executes notebooks in: encrypted where possible, and one
kept per batch worker (:class:`WorkerKernel`)."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def kernel_manager_class() -> type:
    """The kernel manager for every notebook the runner executes: jupyter_client's, with the
    kernel's connection encrypted (CurveZMQ) wherever pyzmq and the kernel support it.

    A kernel talks to the runner over local TCP sockets; unencrypted, any process on the
    machine could read the code and outputs going by, and a deep dive's come from
    record-level data about children. ipykernel also warns on every start without it.
    """
    import zmq
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    if "transport_encryption" not in AsyncKernelManager.class_trait_names():  # jupyter_client < 8.9
        return AsyncKernelManager

    class EncryptedKernelManager(AsyncKernelManager):
        @default("transport_encryption")
        def _encrypt_where_possible(self) -> str:
            # "auto": keys are made when the kernelspec says it supports them
            return "auto" if zmq.has("curve") else "disabled"

    return EncryptedKernelManager


class WorkerKernel:
    """One Python kernel kept for the notebooks a batch worker runs one after another.

    Starting a kernel and importing pandas, matplotlib and this package takes a few seconds:
    more than a quarter of a benchmark-only pack. A batch worker therefore starts its kernel
    once and papermill runs each of its notebooks in it (every notebook sets all of its own
    variables from its parameters cell down, so nothing carries over but the imports, the
    cached benchmark table). After a failed notebook the kernel is replaced, so an error
    in one LA's pack cannot leave state behind for the next. The manifest says which
    packs shared a kernel. Used by :func:`run_many`; a single pack gets a fresh kernel.
    """

    def __init__(self) -> None:
        self.km: Any = None
        self.used = 0

    def engine_kwargs(self) -> dict[str, Any]:
        if self.km is None:
            self.km = kernel_manager_class()(kernel_name="python3")
        return {"km": self.km}

    def shutdown(self) -> None:
        """Stop the kernel (if started)."""
        if self.km is None:
            return
        from jupyter_core.utils import run_sync

        km, self.km = self.km, None
        try:
            if run_sync(km.is_alive)():
                run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # a kernel that is already gone needs no stopping
            pass

    def restart(self) -> None:
        """Throw the kernel away after a failure; the next notebook starts a new one."""
        self.shutdown()
        self.used = 0
