"""Run the parameterised notebooks through papermill into finished, versioned chart packs.

``run_pack`` checks the parameters first (a typed model per notebook: unknown parameters,
wrong types, an unknown LA or period are rejected before anything runs) and executes the
notebook into a temporary folder. The notebook itself renders its pack there
(``analysis.render.output.write(pack, output_dir)``: charts, tables, HTML, Word); the runner prints
the HTML to PDF where Chromium is available, writes ``manifest.json`` (parameters, formats
and files written, inputs with sha256, package versions, git commit, times) and only then
renames the folder into place. A failed run leaves the
previous pack untouched and writes an error log naming the failing cell.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.app.kernels import WorkerKernel, kernel_manager_class
from analysis.app.manifest import write_manifest
from analysis.app.params import validate_parameters
from analysis.app.shown_paths import show_in_notebook, shown_parameters
from analysis.core.atomic import atomic_dir, atomic_path
from analysis.core.config import Paths
from analysis.core.errors import AnalysisError, ParameterError
from analysis.data.geography import LocalAuthority, load_areas, resolve_la, slugify
from analysis.data.periods import Quarter, parse_quarter
from analysis.render import pdf as pdf_renderer

NOTEBOOKS = {
    "quarterly_pack": "quarterly_pack.ipynb",
    "benchmark_explorer": "benchmark_explorer.ipynb",
    "rereferrals_deep_dive": "rereferrals_deep_dive.ipynb",
}


class PackError(AnalysisError):
    """A notebook failed while running."""


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


def check_pack_request(authority: LocalAuthority, period: str, paths: Paths) -> Quarter:
    """Check that the quarter exists and that there are figures to show for the LA in it."""
    from analysis.quarterly_pack.context import check_pack_has_data

    quarter = parse_quarter(period)
    check_pack_has_data(authority, quarter, paths)
    return quarter


def run_notebook(notebook: str, params: dict[str, Any], output_dir: Path, paths: Paths,
                 title: str, pdf: bool = True, timeout: int = 600,
                 kernel: WorkerKernel | None = None,
                 check: Callable[[Path], object] | None = None,
                 la_name: str | None = None) -> PackResult:
    """Execute one notebook into ``output_dir`` atomically, with HTML, PDF and manifest.

    ``kernel``: run in this worker's kernel (kept between notebooks of a batch) instead of
    a new one; see :class:`WorkerKernel`. ``check(folder)``: run on the finished temporary
    folder before it is moved into place; if it raises, no pack is left. ``la_name``: the
    LA's name for the PDF's running header and the result (the ``la`` parameter is its
    code); default the ``la`` parameter.
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
            show_in_notebook(executed, shown_parameters({**params, "output_dir": str(output_dir)},
                                                        paths.root), source, paths.root)
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
                                     "analysis.render.output.write(pack, output_dir, formats) including \"html\"",
                            fix="restore the notebook with `git checkout -- notebooks/`, or add "
                                "\"html\" to the formats it writes")
        header = (la_name or params.get("la") or title, params.get("period") or "")
        pdf_note = (html_to_pdf(tmp / "report.html", tmp / "report.pdf", header=header)
                    if pdf else "PDF not requested")
        files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        write_manifest(tmp, paths, notebook_file=NOTEBOOKS[notebook], title=title, params=params,
                       started=started, clock=clock, files=files, pdf_note=pdf_note, kernel=kernel)
        if check is not None:
            check(tmp)  # raises to leave no pack (e.g. the identifier scan)
    error_log.unlink(missing_ok=True)  # another run of this pack may remove it at the same moment
    return PackResult(notebook, la_name or params.get("la", ""), params.get("period") or "", "ok", output_dir,
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
             pdf: bool = True, kernel: WorkerKernel | None = None,
             authority: LocalAuthority | None = None,
             records: str | Path | None = None) -> PackResult:
    """Doncaster-style quarterly chart pack for one LA and quarter, into outputs/<la>/<period>/.

    ``authority``: the LA ``la`` names when the caller has resolved it already (a batch
    does, to merge repeats); it is not resolved again. The notebook is given the LA's code.
    ``records``: a folder of the LA's CIN census and SSDA903 returns; the notebook stages it
    and computes every measure for every quarter they cover up to the pack's; the pack goes
    to ``outputs/<la>/<period>-returns/`` (``-synthetic-returns`` for synthetic returns).
    """
    paths = paths or Paths.for_root()
    validate_parameters("quarterly_pack", {"la": la, "period": period, "neighbours": neighbours,
                                           "indicators": indicators,
                                           "records": None if records is None else str(records)})
    authority = authority or resolve_la(la, load_areas(paths.root))
    if records is None:
        quarter = check_pack_request(authority, period, paths)
        folder = quarter.slug
    else:
        from analysis.data.periods import check_supported_quarter

        records = records_folder(records, paths)
        quarter = check_supported_quarter(parse_quarter(period))
        folder = f"{quarter.slug}-{records_kind(records)}"
    out = safe_output_dir(outputs_root or paths.outputs, authority.slug, folder)
    params = {"la": authority.new_code, "period": quarter.label, "neighbours": neighbours,
              "indicators": indicators}
    if records is not None:
        params["records"] = str(records)
    return run_notebook("quarterly_pack", params, out, paths,
                        title=f"{authority.name}: children's social care performance, {quarter.label}",
                        pdf=pdf, kernel=kernel, la_name=authority.name)


def records_folder(records: str | Path, paths: Paths) -> Path:
    """The folder of an LA's returns (from the project folder when relative); refused when it
    is not a folder."""
    folder = Path(records)
    folder = folder if folder.is_absolute() else paths.root / folder
    if not folder.is_dir():
        raise ParameterError(f"{folder}: no such folder of returns", parameter="records",
                             expected="a folder holding the LA's CIN census XML and SSDA903 CSV files",
                             found=str(records) if not folder.exists() else "a file",
                             fix="give the folder the returns are in")
    return folder


def records_kind(folder: Path) -> str:
    """``synthetic-returns`` for generated returns ("synthetic" in the folder's or a file's
    name), else ``returns``: the end of the pack's folder name."""
    from analysis.measures.returns.pack_table import is_synthetic

    names = [p.name for p in folder.iterdir() if p.is_file()]
    return "synthetic-returns" if is_synthetic(folder, names) else "returns"


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
    params["la"] = authority.new_code
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    explorer_table(load_benchmarks(paths), authority, catalogue, indicators=params["indicators"],
                   years=years, neighbours=neighbours, level=params["level"], paths=paths)
    out = safe_output_dir(outputs_root or paths.outputs, authority.slug, "explorer")
    return run_notebook("benchmark_explorer", params, out, paths,
                        title=f"{authority.name}: benchmark explorer", pdf=pdf,
                        la_name=authority.name)


def run_deep_dive(la: str, records: str | Path, period: str | None = None,
                  paths: Paths | None = None, *, outputs_root: Path | None = None,
                  pdf: bool = True, history_start: str | None = None, validate: bool = False,
                  audit_list: str | Path | None = None,
                  authority: LocalAuthority | None = None,
                  allow_rows_left_out: bool = False) -> PackResult:
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
    ``authority``: the LA ``la`` names when the caller has resolved it already; it is not
    resolved again. The notebook is given the LA's code. ``allow_rows_left_out``: go on when
    more than 10% of the rows cannot be used (refused otherwise).
    """
    from analysis.core.errors import InputDataError
    from analysis.data.periods import financial_year_label, parse_year
    from analysis.deep_dive.build import prepare
    from analysis.deep_dive.records import EXTRACT_SUFFIXES, XML_SUFFIXES, is_synthetic
    from analysis.engine.identifiers import assert_no_identifiers

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
                              "history_start": history_start,
                              "allow_rows_left_out": allow_rows_left_out}
    validate_parameters("rereferrals_deep_dive", params)
    authority = authority or resolve_la(la, load_areas(paths.root))
    params["la"] = authority.new_code
    prepared = prepare(authority, path, year, paths=paths, history_start=history_start,
                       validate=validate, allow_rows_left_out=allow_rows_left_out)
    # The ids wait for the scan on disk, in a folder only this user can read, not in memory
    # while the notebook runs (a million referrals have some 1.7 million ids).
    with tempfile.TemporaryDirectory(prefix="csc-ids-") as private:
        try:
            ids = prepared.write_ids(Path(private) / "ids.parquet")
            synthetic = is_synthetic(path)
            folder = "rereferrals-" + ("synthetic-" if synthetic else "") + label
            root = outputs_root or paths.outputs
            out = safe_output_dir(root, authority.slug, folder)
            if audit_list is not None:
                from analysis.deep_dive.audit import write_audit_list

                write_audit_list(prepared, audit_list, forbidden=[root, paths.outputs, out])
            title = (("SYNTHETIC DATA: " if synthetic else "") + f"{authority.name}: "
                     f"re-referrals deep dive, {financial_year_label(prepared.year)}")
        finally:
            prepared.close()  # the notebook reads the records itself: let this copy go
        return run_notebook("rereferrals_deep_dive", params, out, paths, title=title, pdf=pdf,
                            check=lambda tmp: assert_no_identifiers([tmp], ids),
                            la_name=authority.name)

