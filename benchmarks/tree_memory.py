"""Peak memory of a command's whole process tree, per process and summed (for the benchmarks).

:func:`run_sampled` starts a command and samples every process of its tree every 50 ms
with psutil: resident memory (RSS) and proportional set size (PSS: each shared page
counted once, split between the processes sharing it; from ``/proc/PID/smaps_rollup``).
Summed RSS counts a page shared by the chart workers' server and the workers it forks once
per process: the stricter reading, and the one the targets are stated in. Summed PSS is
what the tree really takes from the machine.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MB = 2**20


@dataclass
class ProcessPeak:
    """One process of the tree: what it is, its own peaks (MB) and when it was seen (s)."""

    pid: int
    role: str
    rss: float = 0.0
    pss: float = 0.0
    first: float = 0.0
    last: float = 0.0


@dataclass
class TreeRun:
    """A sampled run: wall seconds, exit status, the peaks of the summed RSS and PSS of the
    tree (MB; each the highest sum at one moment) and each process's own peaks."""

    seconds: float
    returncode: int
    rss: float
    pss: float
    processes: list[ProcessPeak] = field(default_factory=list)
    stderr: str = ""
    #: each process's RSS (MB) at the moment the summed RSS peaked, by pid
    at_peak: dict[int, float] = field(default_factory=dict)


def role(proc: psutil.Process, top: int) -> str:
    """What a process of the deep dive's tree is, from its command line."""
    if proc.pid == top:
        return "command"
    try:
        line = " ".join(proc.cmdline())
    except psutil.Error:
        return "?"
    if "ipykernel" in line:
        return "notebook kernel"
    if "resource_tracker" in line:
        return "resource tracker"
    if "forkserver" in line:  # the server, or a worker it forked (same command line)
        try:
            parent = proc.parent()
            forked = parent is not None and "forkserver" in " ".join(parent.cmdline())
        except psutil.Error:
            forked = False
        return "chart worker" if forked else "chart workers' server"
    try:
        return proc.name()[:22] or "?"
    except psutil.Error:
        return "?"


def run_sampled(cmd: Sequence[str], cwd: Path, every: float = 0.05) -> TreeRun:
    """Run ``cmd`` in ``cwd`` and sample its process tree until it ends."""
    t = time.perf_counter()
    proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    top = psutil.Process(proc.pid)
    seen: dict[int, ProcessPeak] = {}
    peak_rss = peak_pss = 0.0
    at_peak: dict[int, float] = {}
    while proc.poll() is None:
        try:
            members = [top, *top.children(recursive=True)]
        except psutil.Error:
            break
        now = time.perf_counter() - t
        rss = pss = 0.0
        now_rss: dict[int, float] = {}
        for p in members:
            with contextlib.suppress(psutil.Error):
                info = p.memory_full_info()
                entry = seen.get(p.pid)
                if entry is None:
                    entry = seen[p.pid] = ProcessPeak(p.pid, role(p, proc.pid), first=now)
                entry.rss = max(entry.rss, info.rss / MB)
                entry.pss = max(entry.pss, info.pss / MB)
                entry.last = now
                rss += info.rss / MB
                pss += info.pss / MB
                now_rss[p.pid] = info.rss / MB
        if rss > peak_rss:
            peak_rss, at_peak = rss, now_rss
        peak_pss = max(peak_pss, pss)
        time.sleep(every)
    _, err = proc.communicate()
    return TreeRun(time.perf_counter() - t, proc.returncode, peak_rss, peak_pss,
                   sorted(seen.values(), key=lambda e: e.first), err.decode(errors="replace"),
                   at_peak)


def describe(run: TreeRun) -> list[str]:
    """Lines for a report: each process's peaks and lifetime."""
    return [f"    {e.role:<22} peak RSS {e.rss:6,.0f} MB, PSS {e.pss:6,.0f} MB;"
            f" RSS {run.at_peak.get(e.pid, 0.0):6,.0f} MB when the sum peaked"
            f" (alive {e.first:5.1f} s to {e.last:5.1f} s)" for e in run.processes]
