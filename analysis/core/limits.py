"""How much may run at once: ``--jobs`` between 1 and the machine's cores."""

from __future__ import annotations

import logging
import os

from analysis.core.errors import ParameterError

#: Memory one batch job's notebook kernel takes (pandas, matplotlib, the benchmark table and
#: its charts), measured on a quarterly pack.
KERNEL_MEMORY_MB = 430

log = logging.getLogger("analysis")


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def check_jobs(jobs: int, available: int | None = None, parameter: str = "jobs") -> tuple[int, str | None]:
    """``(jobs to run, warning or None)``: 0 or negative is a ParameterError; more than the
    cores is capped at the cores, with a warning naming the memory a kernel needs."""
    available = available or cores()
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise ParameterError("the number of packs to run at once must be at least 1",
                             parameter=parameter, expected=f"a whole number from 1 to {available} "
                             f"(the cores of this machine)", found=repr(jobs),
                             fix=f"give --{parameter} 1 (one pack at a time) up to {available}")
    if jobs <= available:
        return jobs, None
    return available, (
        f"--{parameter} {jobs} is more than the {available} core(s) of this machine: running "
        f"{available} at once. Each job runs a notebook kernel of about {KERNEL_MEMORY_MB} MB, so "
        f"{jobs} would need about {jobs * KERNEL_MEMORY_MB / 1000:.1f} GB and run no faster.")


def capped_jobs(jobs: int, parameter: str = "jobs") -> int:
    """:func:`check_jobs`, logging the warning (the CLI shows it on stderr)."""
    chosen, warning = check_jobs(jobs, parameter=parameter)
    if warning:
        log.warning(warning)
    return chosen
