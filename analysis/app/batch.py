"""Batches: the quarterly pack for many LAs, a few at once, carrying on past failures."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from analysis.app.kernels import WorkerKernel
from analysis.app.runner import PackResult, run_pack
from analysis.core.config import Paths
from analysis.core.errors import AnalysisError
from analysis.data.geography import LocalAuthority, load_areas, resolve_la
from analysis.data.periods import parse_quarter


def run_many(las: list[str], period: str, paths: Paths | None = None, *, jobs: int = 1,
             outputs_root: Path | None = None, pdf: bool = True, progress: bool = True) -> list[PackResult]:
    """Run the quarterly pack for many LAs, ``jobs`` at once; carry on past failures."""
    from tqdm import tqdm

    from analysis.core.errorlog import one_line, write_error_log
    from analysis.core.limits import capped_jobs

    paths = paths or Paths.for_root()
    parse_quarter(period)  # a bad period is one error, before anything runs
    jobs = capped_jobs(jobs)
    chosen, unresolved = resolve_las(las, period, paths)
    jobs = min(jobs, max(1, len(chosen)))
    local = threading.local()
    kernels: list[WorkerKernel] = []
    lock = threading.Lock()

    def worker_kernel() -> WorkerKernel:
        if not hasattr(local, "kernel"):
            local.kernel = WorkerKernel()
            with lock:
                kernels.append(local.kernel)
        return local.kernel

    def one(name: str) -> PackResult:
        started = time.perf_counter()
        try:
            return run_pack(name, period, paths, outputs_root=outputs_root, pdf=pdf,
                            kernel=worker_kernel() if len(chosen) > 1 else None,
                            authority=chosen[name])
        except AnalysisError as exc:
            return PackResult("quarterly_pack", name, period, "failed", message=str(exc).splitlines()[0],
                              seconds=round(time.perf_counter() - started, 2))
        except Exception as exc:  # one LA's fault never stops the others
            if hasattr(local, "kernel"):
                local.kernel.restart()
            log = write_error_log(exc, context=f"quarterly pack for {name}, {period}")
            return PackResult("quarterly_pack", name, period, "failed", message=one_line(exc, log),
                              seconds=round(time.perf_counter() - started, 2))

    results: list[PackResult] = list(unresolved)
    try:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(one, name) for name in chosen]
            for future in tqdm(as_completed(futures), total=len(futures), disable=not progress,
                               desc=f"packs {period}", unit="LA"):
                results.append(future.result())
    finally:
        for kernel in kernels:
            kernel.shutdown()
    return sorted(results, key=lambda r: r.la)


def unique_las(names: list[str], period: str, paths: Paths) -> tuple[list[str], list[PackResult]]:
    """The LAs of a batch once each, by resolved code (``Doncaster``, ``doncaster``, ``371`` and
    ``E08000017`` are one LA), in the order given; and a failed result for each name that is no
    LA, so the others still run."""
    chosen, failed = resolve_las(names, period, paths)
    return list(chosen), failed


def resolve_las(names: list[str], period: str, paths: Paths
                ) -> tuple[dict[str, LocalAuthority], list[PackResult]]:
    """As :func:`unique_las`, with each LA resolved (once): the first name given for each LA
    -> the LA."""
    areas = load_areas(paths.root)
    chosen: dict[str, tuple[str, LocalAuthority]] = {}
    failed: list[PackResult] = []
    for name in names:
        try:
            authority = resolve_la(name, areas)
        except AnalysisError as exc:
            failed.append(PackResult("quarterly_pack", name, period, "failed",
                                     message=str(exc).splitlines()[0]))
            continue
        chosen.setdefault(authority.new_code, (name, authority))
    return dict(chosen.values()), failed


def all_la_names(paths: Paths) -> list[str]:
    areas = load_areas(paths.root)
    return areas.loc[areas["status"] == "live", "name"].tolist()
