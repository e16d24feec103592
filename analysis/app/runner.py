"""Run the parameterised notebooks through papermill into finished, versioned chart packs.

``run_pack`` checks the parameters first (a typed model per notebook: unknown parameters,
wrong types, an unknown LA or period are rejected before anything runs) and executes the
notebook into a temporary folder. The notebook itself renders its pack there
(``analysis.render.write(pack, output_dir)``: charts, tables, HTML, Word); the runner prints
the HTML to PDF where Chromium is available, writes ``manifest.json`` (parameters, formats
and files written, inputs with sha256, package versions, git commit, times) and only then
renames the folder into place. A failed run leaves the
previous pack untouched and writes an error log naming the failing cell.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from analysis import __version__
from analysis.core.atomic import atomic_dir, atomic_path, sha256_file
from analysis.core.config import Paths, load_sources, project_relative
from analysis.core.errors import AnalysisError, NoDataError, ParameterError
from analysis.data.geography import LocalAuthority, load_areas, resolve_la, slugify
from analysis.data.periods import Quarter, parse_quarter
from analysis.data.readers.encoding import text_encodings
from analysis.render import formats_in
from analysis.render import pdf as pdf_renderer

NOTEBOOKS = {
    "quarterly_pack": "quarterly_pack.ipynb",
    "benchmark_explorer": "benchmark_explorer.ipynb",
    "rereferrals_deep_dive": "rereferrals_deep_dive.ipynb",
}

PACKAGES = ["pandas", "numpy", "pyarrow", "matplotlib", "seaborn", "scipy", "statsmodels",
            "papermill", "nbconvert", "pandera", "pydantic", "csc-benchmarks"]


class PackError(AnalysisError):
    """A notebook failed while running."""


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class QuarterlyPackParams(_Params):
    la: str
    period: str
    neighbours: str | None = None
    indicators: list[str] | None = None


class BenchmarkExplorerParams(_Params):
    la: str
    years: list[int] | None = None
    indicators: list[str] | None = None
    neighbours: str | None = None
    level: float = 0.95  # confidence of better / similar / worse: 0.95 or 0.998
    overdispersion: Literal["none", "multiplicative", "additive"] = "none"  # funnel limits

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: float) -> float:
        if value not in (0.95, 0.998):
            raise PydanticCustomError("literal_error", "Input should be {expected}",
                                      {"expected": "0.95 or 0.998"})
        return value


class DeepDiveParams(_Params):
    la: str = "Doncaster"
    records: str = "data/raw/synthetic/synthetic_referrals.csv"
    period: str | None = None
    history_start: str | None = None


PARAM_MODELS: dict[str, type[_Params]] = {
    "quarterly_pack": QuarterlyPackParams,
    "benchmark_explorer": BenchmarkExplorerParams,
    "rereferrals_deep_dive": DeepDiveParams,
}


def validate_parameters(notebook: str, params: dict[str, Any]) -> _Params:
    """Check a notebook's parameters against its model: names, types. Raises ParameterError."""
    if notebook not in PARAM_MODELS:
        raise ParameterError(f"unknown notebook '{notebook}'", parameter="notebook",
                             expected=", ".join(PARAM_MODELS), found=notebook)
    model = PARAM_MODELS[notebook]
    try:
        return model.model_validate(params)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"])
        if first["type"] == "extra_forbidden":
            raise ParameterError(
                f"unknown parameter '{name}' for {notebook}", parameter=name,
                expected=", ".join(model.model_fields), found=name,
                fix="remove it or correct its spelling",
            ) from None
        raise ParameterError(
            f"bad value for {notebook}: {first['msg']}", parameter=name,
            found=repr(first.get("input"))[:80], expected=expected_text(first, model, name),
        ) from None


_TYPE_NAMES = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _type_text(annotation: Any) -> str:
    """How a person says what a parameter's type is: int -> 'a whole number' ..."""
    import types
    import typing

    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " or ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_text(a) for a in args) + " (or nothing)"
    if origin is list and args:
        return f"a list of {_type_text(args[0]).removeprefix('a ')}"
    return _TYPE_NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def expected_text(error: Any, model: type[BaseModel], name: str) -> str | None:
    """What a parameter should be, in words, from a pydantic error: the allowed values, the
    bounds, or its type ('0.95 or 0.998', 'a whole number at least 0', ...)."""
    ctx = error.get("ctx") or {}
    if error.get("type") == "literal_error" and "expected" in ctx:
        return str(ctx["expected"]).replace("'", "")
    field_info = model.model_fields.get(name)
    base = _type_text(field_info.annotation) if field_info is not None else None
    bounds = [f"{word} {ctx[key]}" for key, word in (("ge", "at least"), ("gt", "more than"),
                                                    ("le", "at most"), ("lt", "less than")) if key in ctx]
    return " ".join(b for b in [base, " and ".join(bounds)] if b) or None


def safe_output_dir(outputs_root: Path, *parts: str) -> Path:
    """``outputs_root/part/...`` with every part slugified; never escapes ``outputs_root``."""
    clean = [slugify(p) for p in parts]
    if any(not c for c in clean):
        raise ParameterError("an output folder name is empty after cleaning", parameter="output",
                             found=repr(parts))
    root = outputs_root.resolve()
    target = root.joinpath(*clean).resolve()
    if not target.is_relative_to(root):
        raise ParameterError("output folder escapes the outputs folder", parameter="output",
                             found=str(target))
    return target


def check_writable(folder: Path) -> None:
    """Raise ParameterError unless ``folder`` exists (or can be made) and is writable."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError("cannot create the output folder", parameter="output",
                             found=f"{folder}: {exc.strerror}",
                             fix="choose a folder you can write to with --output") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ParameterError("the output folder is not writable", parameter="output",
                             found=str(folder), fix="choose a folder you can write to with --output")


def _git_commit(root: Path) -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                             text=True, timeout=10, check=False)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def input_files(paths: Paths, extra: list[Path] | None = None) -> dict[str, str]:
    """Every input a pack can read, with its sha256: raw sources, local returns, processed table."""
    files: dict[str, str] = {}
    for rel in load_sources(paths.config).files:
        path = paths.raw / rel
        if path.exists() and rel.startswith("dfe/"):
            files[f"data/raw/{rel}"] = sha256_file(path)
    # A records folder (several CIN census XML files) counts file by file.
    wanted = [p for e in extra or [] for p in (sorted(e.glob("*.*")) if e.is_dir() else [e])]
    for path in sorted((paths.raw / "local").glob("*.*")) + wanted:
        if path.is_file() and path.suffix in {".csv", ".xlsx", ".xml"}:
            files[project_relative(path, paths.root)] = sha256_file(path)
    for path in [paths.benchmarks_table, paths.config / "indicators.yaml", paths.config / "publications.yaml"]:
        if path.exists():
            files[path.relative_to(paths.root).as_posix()] = sha256_file(path)
    return files


#: Kept here for callers of the runner; the PDF renderer owns them.
find_chromium = pdf_renderer.find_chromium
html_to_pdf = pdf_renderer.html_to_pdf

def _failing_cell(exc: Exception, executed: Path) -> str:
    """Describe the failing cell from papermill's error and the partly executed notebook."""
    lines = [f"{type(exc).__name__}: {getattr(exc, 'ename', '')} {getattr(exc, 'evalue', exc)}".strip()]
    try:
        import nbformat

        nb = nbformat.read(executed, as_version=4)
        for index, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    lines.insert(0, f"Failing cell: {index} (code cell with execution count "
                                    f"{cell.get('execution_count')})\n--- cell source ---\n{cell.source}\n---")
                    break
    except Exception:  # the notebook may not have been written at all
        pass
    return "\n".join(lines)


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


@dataclass
class PackResult:
    notebook: str
    la: str
    period: str
    status: str  # ok | failed
    output: Path | None = None
    message: str = ""
    seconds: float = 0.0
    files: list[str] = field(default_factory=list)


def resolve_pack_request(la: str, period: str, paths: Paths) -> tuple[LocalAuthority, Quarter]:
    """Check that an LA and quarter exist and that there are figures to show for them."""
    from analysis.quarterly_pack.report import check_pack_has_data

    authority = resolve_la(la, load_areas(paths.root))
    quarter = parse_quarter(period)
    check_pack_has_data(authority, quarter, paths)
    return authority, quarter


def run_notebook(notebook: str, params: dict[str, Any], output_dir: Path, paths: Paths,
                 title: str, pdf: bool = True, timeout: int = 600,
                 kernel: WorkerKernel | None = None,
                 check: Callable[[Path], object] | None = None) -> PackResult:
    """Execute one notebook into ``output_dir`` atomically, with HTML, PDF and manifest.

    ``kernel``: run in this worker's kernel (kept between notebooks of a batch) instead of
    a new one; see :class:`WorkerKernel`. ``check(folder)``: run on the finished temporary
    folder before it is moved into place; if it raises, no pack is left.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    source = paths.notebooks / NOTEBOOKS[notebook]
    if not source.exists():
        raise ParameterError(f"notebook file missing: {source}", parameter="notebook",
                             fix="restore it with `git checkout -- notebooks/`")
    check_writable(output_dir.parent)
    error_log = output_dir.parent / f"{output_dir.name}.error.log"
    with atomic_dir(output_dir) as tmp:
        executed = tmp / NOTEBOOKS[notebook]
        try:
            papermill.execute_notebook(
                str(source), str(executed), parameters={**params, "output_dir": str(tmp)},
                kernel_name="python3", progress_bar=False, log_output=False, cwd=str(paths.root),
                # Written once at the end (or at the failing cell), not after every cell: the
                # charts make the notebook a few MB, and rewriting it per cell cost ~0.7 s a pack.
                request_save_on_cell_execute=False,
                # Once the last cell has run, every output is in hand and every chart written:
                # a graceful kernel shutdown only waits (about a second). Where the kernel and
                # any processes it started share a process group (POSIX), stop them all at once.
                shutdown_kernel="immediate" if hasattr(os, "killpg") else "graceful",
                execution_timeout=timeout,
                **(kernel.engine_kwargs() if kernel else {"kernel_manager_class": kernel_manager_class()}),
            )
            if kernel:
                kernel.used += 1
        except (PapermillExecutionError, RuntimeError, OSError) as exc:
            if kernel:
                kernel.restart()
            with atomic_path(error_log) as log:
                log.write_text(f"{notebook} with {json.dumps(params)} failed at "
                               f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}\n"
                               + _failing_cell(exc, executed) + "\n", encoding="utf-8")
            raise notebook_failure(notebook, exc, output_dir, error_log) from None
        if not (tmp / "report.html").exists():
            raise PackError(f"{NOTEBOOKS[notebook]} ran but wrote no report.html; the previous pack "
                            f"(if any) is untouched", where=str(source),
                            expected="a notebook that builds its pack and writes it with "
                                     "analysis.render.write(pack, output_dir, formats) including \"html\"",
                            fix="restore the notebook with `git checkout -- notebooks/`, or add "
                                "\"html\" to the formats it writes")
        header = (params.get("la") or title, params.get("period") or "")
        pdf_note = (html_to_pdf(tmp / "report.html", tmp / "report.pdf", header=header)
                    if pdf else "PDF not requested")
        finished = dt.datetime.now(dt.UTC)
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        manifest = {
            "notebook": NOTEBOOKS[notebook], "title": title, "parameters": params,
            "package_version": __version__, "git_commit": _git_commit(paths.root),
            "started": started.isoformat(timespec="seconds"),
            "finished": finished.isoformat(timespec="seconds"),
            "duration_seconds": round(time.perf_counter() - clock, 2),
            "formats": formats_in(files),
            "pdf": None if pdf_note else "report.pdf", "pdf_note": pdf_note,
            "inputs": input_files(paths, [paths.root / params["records"]] if "records" in params else None),
            "encodings": text_encodings(paths.root, [paths.raw / "local", *(
                [paths.root / params["records"]] if "records" in params else [])]),
            "packages": _versions(), "outputs": [*files, "manifest.json"],
            "kernel": (f"shared: notebook {kernel.used} run in this batch worker's kernel"
                       if kernel else "fresh kernel for this notebook"),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        if check is not None:
            check(tmp)  # raises to leave no pack (e.g. the identifier scan)
    error_log.unlink(missing_ok=True)  # another run of this pack may remove it at the same moment
    return PackResult(notebook, params.get("la", ""), params.get("period") or "", "ok", output_dir,
                      pdf_note or "", round(time.perf_counter() - clock, 2), files)


def notebook_failure(notebook: str, exc: BaseException, output_dir: Path, error_log: Path) -> PackError:
    """The error to show for a notebook that stopped: the notebook's own message whole, once.

    An AnalysisError raised inside the notebook (bad input) keeps its message and exit
    status 2; anything else (a fault) is one line pointing at the error log, exit status 1.
    """
    ename = str(getattr(exc, "ename", type(exc).__name__))
    evalue = str(getattr(exc, "evalue", exc)).strip()
    user_error = ename in _error_names(AnalysisError)
    intro = (f"{notebook} stopped; the previous pack (if any) is untouched; "
             f"the failing cell is in {error_log}")
    if user_error:
        failure = PackError(f"{evalue}\n  ({intro})")
    else:
        line = next((s.strip() for s in evalue.splitlines() if s.strip()), "")
        failure = PackError(f"{notebook} stopped with an unexpected error ({ename}: {line}); the "
                            f"previous pack (if any) is untouched; the details are in {error_log}",
                            where=str(output_dir))
        failure.exit_code = 1
    return failure


def _error_names(cls: type[Exception]) -> set[str]:
    """The names of ``cls`` and every subclass of it defined so far."""
    names = {cls.__name__}
    for sub in cls.__subclasses__():
        names |= _error_names(sub)
    return names


def run_pack(la: str, period: str, paths: Paths | None = None, *, outputs_root: Path | None = None,
             neighbours: str | None = None, indicators: list[str] | None = None,
             pdf: bool = True, kernel: WorkerKernel | None = None) -> PackResult:
    """Doncaster-style quarterly chart pack for one LA and quarter, into outputs/<la>/<period>/."""
    paths = paths or Paths.for_root()
    validate_parameters("quarterly_pack", {"la": la, "period": period, "neighbours": neighbours,
                                           "indicators": indicators})
    authority, quarter = resolve_pack_request(la, period, paths)
    out = safe_output_dir(outputs_root or paths.outputs, authority.slug, quarter.slug)
    params = {"la": authority.name, "period": quarter.label, "neighbours": neighbours,
              "indicators": indicators}
    return run_notebook("quarterly_pack", params, out, paths,
                        title=f"{authority.name}: children's social care performance, {quarter.label}",
                        pdf=pdf, kernel=kernel)


def run_explorer(la: str, *, indicators: list[str] | None = None, years: list[int] | None = None,
                 neighbours: str | None = None, level: float | str = 0.95, overdispersion: str = "none",
                 paths: Paths | None = None, outputs_root: Path | None = None,
                 pdf: bool = False) -> PackResult:
    """The benchmark explorer for one LA (notebook benchmark_explorer), into outputs/<la>/explorer/.

    ``indicators`` default to :data:`analysis.explorer.report.DEFAULT_INDICATORS`, ``years`` to every
    year; ``level`` 0.95 or 0.998 (also "95", "99.8"); ``overdispersion`` "none",
    "multiplicative" or "additive" for the funnel plots. Bad parameters, an unknown LA,
    indicator or year raise before anything runs.
    """
    from analysis.data.catalogue import load_catalogue
    from analysis.engine.benchmark import load_benchmarks
    from analysis.engine.judgement import parse_level
    from analysis.explorer.report import DEFAULT_INDICATORS, explorer_table

    paths = paths or Paths.for_root()
    params: dict[str, Any] = {"la": la, "years": years, "indicators": indicators or list(DEFAULT_INDICATORS),
                              "neighbours": neighbours, "level": parse_level(level),
                              "overdispersion": overdispersion}
    validate_parameters("benchmark_explorer", params)
    authority = resolve_la(la, load_areas(paths.root))
    params["la"] = authority.name
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    explorer_table(load_benchmarks(paths), authority, catalogue, indicators=params["indicators"],
                   years=years, neighbours=neighbours, level=params["level"], paths=paths)
    out = safe_output_dir(outputs_root or paths.outputs, authority.slug, "explorer")
    return run_notebook("benchmark_explorer", params, out, paths,
                        title=f"{authority.name}: benchmark explorer", pdf=pdf)


def run_deep_dive(la: str, records: str | Path, period: str | None = None,
                  paths: Paths | None = None, *, outputs_root: Path | None = None,
                  pdf: bool = True, history_start: str | None = None, validate: bool = False,
                  audit_list: str | Path | None = None) -> PackResult:
    """Re-referrals deep dive of one LA's referral records (notebook rereferrals_deep_dive).

    ``records``: a CSV/XLSX extract, a CIN census XML file or a folder of them (relative paths
    from the current folder, else the project folder). ``period``: the year ending 31 March
    (``"2016-17"`` or ``"2017"``); None or "latest" for the latest whole year in the records.
    Output: ``outputs/<la>/rereferrals-<year|latest>/``, ``rereferrals-synthetic-...`` when the
    records' file name says synthetic (and every chart and table file inside is named
    ``synthetic_...``).

    The records are read and checked here first (``validate``: each census file against its
    year's XSD), so a refusal is stated in full before anything runs. Every file the run
    writes is scanned for the input's child and referral ids before the folder is moved into
    place; a hit fails the run and leaves no pack. ``audit_list``: also write the year's
    re-referred children to that file (personal data, 0600, never among the outputs).
    """
    from analysis.core.errors import InputDataError
    from analysis.data.periods import financial_year_label, parse_year
    from analysis.deep_dive.report import EXTRACT_SUFFIXES, XML_SUFFIXES, is_synthetic, prepare
    from analysis.engine.suppress import assert_no_identifiers

    paths = paths or Paths.for_root()
    given = Path(records)
    path = given if given.is_absolute() or (Path.cwd() / given).exists() else paths.root / given
    path = path.resolve()
    if not path.exists():
        raise InputDataError("records file not found", file=given,
                             fix="give the path of the extract (CSV/XLSX) or CIN census XML; for "
                                 "the synthetic records run `python -m analysis synthetic`")
    if path.is_file() and path.suffix.lower() not in EXTRACT_SUFFIXES + XML_SUFFIXES:
        raise InputDataError("unsupported records file type", file=path,
                             expected="a .csv or .xlsx extract, or CIN census .xml",
                             found=path.suffix or "no extension")
    latest = period is None or str(period).strip().lower() in ("", "latest")
    year = None if latest else parse_year(str(period), parameter="period")
    label = financial_year_label(year) if year else "latest"
    stored = path.relative_to(paths.root).as_posix() if path.is_relative_to(paths.root) else str(path)
    params: dict[str, Any] = {"la": la, "records": stored, "period": None if latest else label,
                              "history_start": history_start}
    validate_parameters("rereferrals_deep_dive", params)
    authority = resolve_la(la, load_areas(paths.root))
    params["la"] = authority.name
    prepared = prepare(authority.name, path, year, paths=paths, history_start=history_start,
                       validate=validate)
    # numeric ids under 6 digits would match ordinary counts in the tables: not scanned for
    ids = {i for i in prepared.ids() if not (i.isdigit() and len(i) < 6)}
    synthetic = is_synthetic(path)
    folder = "rereferrals-" + ("synthetic-" if synthetic else "") + label
    root = outputs_root or paths.outputs
    out = safe_output_dir(root, authority.slug, folder)
    if audit_list is not None:
        from analysis.deep_dive.report import write_audit_list

        write_audit_list(prepared, audit_list, forbidden=[root, paths.outputs, out])
    title = (("SYNTHETIC DATA: " if synthetic else "")
             + f"{authority.name}: re-referrals deep dive, {financial_year_label(prepared.year)}")
    return run_notebook("rereferrals_deep_dive", params, out, paths, title=title, pdf=pdf,
                        check=lambda tmp: assert_no_identifiers([tmp], ids))


def run_many(las: list[str], period: str, paths: Paths | None = None, *, jobs: int = 1,
             outputs_root: Path | None = None, pdf: bool = True, progress: bool = True) -> list[PackResult]:
    """Run the quarterly pack for many LAs, ``jobs`` at once; carry on past failures."""
    from tqdm import tqdm

    from analysis.core.errorlog import one_line, write_error_log
    from analysis.core.limits import capped_jobs

    paths = paths or Paths.for_root()
    parse_quarter(period)  # a bad period is one error, before anything runs
    jobs = capped_jobs(jobs)
    las, unresolved = unique_las(las, period, paths)
    jobs = min(jobs, max(1, len(las)))
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
                            kernel=worker_kernel() if len(las) > 1 else None)
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
            futures = [pool.submit(one, name) for name in las]
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
    areas = load_areas(paths.root)
    chosen: dict[str, str] = {}
    failed: list[PackResult] = []
    for name in names:
        try:
            authority = resolve_la(name, areas)
        except AnalysisError as exc:
            failed.append(PackResult("quarterly_pack", name, period, "failed",
                                     message=str(exc).splitlines()[0]))
            continue
        chosen.setdefault(authority.new_code, name)
    return list(chosen.values()), failed


def all_la_names(paths: Paths) -> list[str]:
    areas = load_areas(paths.root)
    return areas.loc[areas["status"] == "live", "name"].tolist()


__all__ = ["NoDataError", "PackResult", "run_many", "run_notebook", "run_pack", "validate_parameters"]
