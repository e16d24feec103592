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
from analysis.data.geography import LocalAuthority, las_of, load_areas, resolve_la
from analysis.data.periods import Quarter, parse_quarter


def run_many(las: list[str] | list[LocalAuthority], period: str, paths: Paths | None = None, *, jobs: int = 1,
             outputs_root: Path | None = None, pdf: bool = True, progress: bool = True) -> list[PackResult]:
    """Run the quarterly pack for many LAs (names or codes, or LAs resolved already, as
    :func:`las_in_period` gives), ``jobs`` at once; carry on past failures."""
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


def unique_las(names: list[str] | list[LocalAuthority], period: str, paths: Paths
               ) -> tuple[list[str], list[PackResult]]:
    """The LAs of a batch once each, by resolved code (``Doncaster``, ``doncaster``, ``371`` and
    ``E08000017`` are one LA), in the order given; and a failed result for each name that is no
    LA, so the others still run."""
    chosen, failed = resolve_las(names, period, paths)
    return list(chosen), failed


def resolve_las(names: list[str] | list[LocalAuthority], period: str, paths: Paths
                ) -> tuple[dict[str, LocalAuthority], list[PackResult]]:
    """As :func:`unique_las`, with each LA resolved (once): the first name given for each LA
    -> the LA. An LA given resolved already is taken as it is (by its name)."""
    areas = load_areas(paths.root)
    chosen: dict[str, tuple[str, LocalAuthority]] = {}
    failed: list[PackResult] = []
    for given in names:
        if isinstance(given, LocalAuthority):
            chosen.setdefault(given.new_code, (given.name, given))
            continue
        name = given
        try:
            authority = resolve_la(name, areas)
        except AnalysisError as exc:
            failed.append(PackResult("quarterly_pack", name, period, "failed",
                                     message=str(exc).splitlines()[0]))
            continue
        chosen.setdefault(authority.new_code, (name, authority))
    return dict(chosen.values()), failed


def all_la_names(paths: Paths) -> list[str]:
    """Every current LA's name."""
    areas = load_areas(paths.root)
    return areas.loc[areas["status"] == "live", "name"].tolist()


def existed_in(la: LocalAuthority, quarter: Quarter) -> bool:
    """Whether an LA existed in a quarter: a successor from its reorganisation's first year, a
    predecessor up to its last year, an LA abolished before the toolkit's data (no last year
    known) never, any other current LA always."""
    if la.status != "live" and la.last_year is None:
        return False
    return la.exists_in(quarter.year)


def las_in_period(period: str | Quarter, paths: Paths) -> tuple[list[LocalAuthority], str | None]:
    """"All LAs" for a quarter: those that existed in it (current LAs and the ones later
    reorganisation abolished, e.g. Dorset county and Poole in 2017-18), and one line naming the
    current LAs left out because they were created after the quarter, with the date of each
    reorganisation (None when none is left out)."""
    from analysis.core.config import load_geography_settings

    quarter = parse_quarter(period) if isinstance(period, str) else period
    las = las_of(load_areas(paths.root))
    existed = [la for la in las if existed_in(la, quarter)]
    later = [la for la in las if la.status == "live" and not existed_in(la, quarter)]
    if not later:
        return existed, None
    created = {code: r.date for r in load_geography_settings(paths.config).reorganisations
               for code in r.successors}
    groups: dict[str, list[str]] = {}
    for la in sorted(later, key=lambda la: (created.get(la.old_code) or quarter.end, la.name)):
        when = created.get(la.old_code)
        groups.setdefault(f"{when.day} {when:%B %Y}" if when else "later", []).append(la.name)
    parts = [f"{_and(names)} (created {when})" for when, names in groups.items()]
    line = (f"{len(later)} current LA{'s' if len(later) > 1 else ''} left out: "
            f"{'they' if len(later) > 1 else 'it'} did not exist in {quarter.label}, being created by "
            f"local government reorganisation after it: {'; '.join(parts)}.")
    return existed, line


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
