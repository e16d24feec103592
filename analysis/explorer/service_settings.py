"""How many kernels the served explorer may run and how long an idle one is kept: one place.

Every page of the explorer runs in its own notebook kernel (about 450 MB once the data is
loaded; starting one and running the notebook takes about 6 s of one core). The server keeps
``pool_size`` kernels warm (the notebook already run), so that many visitors arriving at once
each open a page at once; a kernel taken from the pool is replaced ``fill_delay`` seconds
later, so the replacements do not compete for the cores with those visitors' first charts.
The server runs at most ``max_kernels`` kernels, the warm ones included; past that a visitor
gets a short "busy" page at once. A kernel that has done nothing for ``cull_idle_timeout``
seconds is shut down, whether or not a page is still connected to it (a page left open, a
browser closed without saying so); the check runs every ``cull_interval`` seconds (the warm
ones are never culled). The defaults suit a 2-core, 24 GB server shared with other work: five
warm kernels (with the server, about 2.3 GB when nobody is visiting), at most 12 kernels
(about 5.4 GB), ten idle minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.core.errors import ParameterError


@dataclass(frozen=True)
class ServiceSettings:
    """The served explorer's bounds (module docstring)."""

    max_kernels: int = 12
    cull_idle_timeout: int = 600
    cull_interval: int = 60
    pool_size: int = 5
    fill_delay: int = 20

    def __post_init__(self) -> None:
        for name, value, least in (("max-kernels", self.max_kernels, 1),
                                   ("cull-idle-timeout", self.cull_idle_timeout, 1),
                                   ("cull-interval", self.cull_interval, 1),
                                   ("pool-size", self.pool_size, 0),
                                   ("fill-delay", self.fill_delay, 0)):
            if value < least:
                raise ParameterError("out of range", parameter=name,
                                     expected=f"a whole number of at least {least}",
                                     found=str(value), fix=f"give --{name} {least} or more")
        if self.pool_size >= self.max_kernels:
            raise ParameterError("the warm pool would take every kernel", parameter="pool-size",
                                 expected=f"fewer than --max-kernels ({self.max_kernels})",
                                 found=str(self.pool_size),
                                 fix="raise --max-kernels or lower --pool-size")

    def voila_args(self) -> list[str]:
        """The Voilà options that apply these bounds."""
        return [
            f"--ExplorerVoila.max_kernels={self.max_kernels}",
            f"--MappingKernelManager.cull_idle_timeout={self.cull_idle_timeout}",
            f"--MappingKernelManager.cull_interval={self.cull_interval}",
            "--MappingKernelManager.cull_connected=True",
            f"--preheat_kernel={self.pool_size > 0}",
            f"--pool_size={self.pool_size}",
            f"--VoilaKernelManager.fill_delay={self.fill_delay}",
        ]


#: What one warm kernel holds once the notebook has run (MB; measured, docs/performance.md).
KERNEL_MB = 450


def idle_memory_mb(pool_size: int) -> int:
    """The server's memory with nobody visiting: the server itself and its warm kernels (MB)."""
    return 100 + KERNEL_MB * pool_size


def kernels_in_use(running: set[str], starting: set[str], pool_filling: int, admitting: int) -> int:
    """Kernels counted against the cap: those running or starting, the warm pool's kernels
    still to be started, and the page requests let in that have not yet been answered.

    Conservative: a pool kernel already starting may be counted twice for a moment.
    """
    return len(running | starting) + pool_filling + admitting
