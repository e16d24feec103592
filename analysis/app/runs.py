"""Scheduled runs described by a YAML run file (config/runs/*.yaml)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

from analysis.core.config import Paths, parse_model, read_yaml
from analysis.core.errors import InputDataError, NoDataError
from analysis.data.periods import Quarter

if TYPE_CHECKING:
    import pandas as pd

    from analysis.app.runner import PackResult
    from analysis.data.geography import LocalAuthority

log = logging.getLogger("analysis")


class RunFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    las: list[str] | Literal["all"]
    period: str = "latest"
    notebooks: list[Literal["quarterly_pack", "rereferrals_deep_dive"]] = ["quarterly_pack"]
    output: str = "outputs"
    jobs: int = 1
    pdf: bool = True
    #: rereferrals_deep_dive only: the referral records file (from the project folder);
    #: "{la}" in it becomes each LA's slug (e.g. data/records/{la}_referrals.csv).
    records: str | None = None
    #: quarterly_pack only: a folder of the LA's CIN census and SSDA903 returns (from the
    #: project folder); "{la}" in it becomes each LA's slug. The measures computed from them
    #: join the local sections.
    pack_records: str | None = None
    #: rereferrals_deep_dive only: the year ending 31 March; "latest" for the latest whole year.
    deep_dive_year: str = "latest"
    #: rereferrals_deep_dive only: go on when more than 10% of the rows cannot be used.
    allow_rows_left_out: bool = False


def latest_quarter(paths: Paths) -> Quarter:
    """The latest quarter in any shipped local return."""
    from analysis.measures.local_returns import local_return_files, read_return_file

    quarters = []
    for path in local_return_files(paths):
        frame = read_return_file(path, paths)
        frame = frame[frame["period_type"] == "quarter"]
        quarters += [Quarter(int(y), int(q)) for y, q in zip(frame["year"], frame["quarter"], strict=True)]
    if not quarters:
        raise NoDataError("period 'latest' needs a local return in data/raw/local/",
                          fix="give the period explicitly, e.g. period: 2017-18 Q4")
    return max(quarters)


RUN_FILE_EXAMPLE = "las: [Doncaster], period: 2017-18 Q4, output: outputs (config/runs/quarterly.yaml)"


def read_run_file(config: Path) -> RunFile:
    """A run file, checked in plain words before anything else is read: it must exist, be at
    most 50 MB, and hold a YAML mapping (``las:``, ``period:``, ...), not nothing or a list."""
    from analysis.core.sizes import check_file_size

    if not config.is_file():
        raise InputDataError(
            "run file not found" if not config.exists() else "the run file is not a file", file=config,
            expected="a YAML run file listing las, period and output",
            fix="check the path; config/runs/quarterly.yaml is an example to copy")
    check_file_size(config, "a run file", usual="a run file is a few lines")
    data = read_yaml(config)
    if not isinstance(data, dict):
        found = ("nothing: the file is empty" if data is None
                 else f"a list of {len(data)} item(s)" if isinstance(data, list)
                 else f"a single value ({str(data)[:40]!r})")
        raise InputDataError(
            "the run file does not say what to run", file=config,
            expected=f"a YAML mapping of settings, one per line: {RUN_FILE_EXAMPLE}", found=found,
            fix="write the settings as 'name: value' lines; copy config/runs/quarterly.yaml to start")
    spec: RunFile = parse_model(RunFile, data, config)
    return spec


def execute_run(config: Path, paths: Paths) -> list[PackResult]:
    """Run every pack a run file lists; returns the results (see analysis.app.batch.run_many)."""
    from analysis.app.batch import all_la_names, las_in_period, run_many
    from analysis.core.limits import capped_jobs
    from analysis.core.outputs import check_output_path

    spec = read_run_file(config)
    names = all_la_names(paths) if spec.las == "all" else spec.las
    output = Path(spec.output)
    output = output if output.is_absolute() else paths.root / output
    check_output_path(output, kind="folder", parameter="output")
    spec.jobs = capped_jobs(spec.jobs)
    results = []
    if "quarterly_pack" in spec.notebooks:
        period = latest_quarter(paths).label if spec.period == "latest" else spec.period
        chosen: list[str] | list[LocalAuthority] = names
        if spec.las == "all":  # the LAs that existed in the quarter, and a line for those that did not
            chosen, left_out = las_in_period(period, paths)
            if left_out:
                log.warning(left_out)
        if spec.pack_records:
            results += record_pack_runs(spec, names, period, paths, output, config)
        else:
            results += run_many(chosen, period, paths, jobs=spec.jobs, outputs_root=output,
                                pdf=spec.pdf)
    if "rereferrals_deep_dive" in spec.notebooks:
        results += deep_dive_runs(spec, names, paths, output, config)
    return results


def read_areas(paths: Paths) -> pd.DataFrame | Exception:
    """The LAs' lookup for a whole run, read once; or, where it cannot be read, the error,
    which :func:`areas_or_raise` raises again for each LA of the run, so that each fails
    with it as it would have failed reading the lookup itself."""
    from analysis.data.geography import load_areas

    try:
        return load_areas(paths.root)
    except Exception as exc:  # raised again, for each LA, by areas_or_raise
        return exc


def areas_or_raise(areas: pd.DataFrame | Exception) -> pd.DataFrame:
    """The lookup :func:`read_areas` read, or its error raised."""
    if isinstance(areas, Exception):
        raise areas
    return areas


def check_one_path_per_la(path: str, names: list[str], config: Path, parameter: str, what: str) -> None:
    """Several LAs need a path per LA: ``{la}`` in it, replaced by each LA's slug."""
    from analysis.core.errors import ParameterError

    if len(names) > 1 and "{la}" not in path:
        raise ParameterError(f"{config}: one {what} for {len(names)} LAs", parameter=parameter,
                             found=path, fix="put {la} in the path (each LA's slug), or list one LA")


def record_pack_runs(spec: RunFile, names: list[str], period: str, paths: Paths, output: Path,
                     config: Path) -> list[PackResult]:
    """Run the quarterly pack with each LA's returns (``pack_records``), one after another."""
    from analysis.app.runner import PackResult, run_pack
    from analysis.core.errors import AnalysisError
    from analysis.data.geography import resolve_la

    assert spec.pack_records is not None
    check_one_path_per_la(spec.pack_records, names, config, "pack_records", "folder of returns")
    results = []
    areas = read_areas(paths)
    for name in names:
        try:
            authority = resolve_la(name, areas_or_raise(areas))
            results.append(run_pack(name, period, paths, outputs_root=output, pdf=spec.pdf,
                                    authority=authority,
                                    records=spec.pack_records.replace("{la}", authority.slug)))
        except AnalysisError as exc:
            results.append(PackResult("quarterly_pack", name, period, "failed",
                                      message=str(exc).splitlines()[0]))
    return results


def deep_dive_runs(spec: RunFile, names: list[str], paths: Paths, output: Path,
                   config: Path) -> list[PackResult]:
    """Run the re-referrals deep dive for each LA of a run file; carry on past failures."""
    from analysis.app.runner import PackResult, run_deep_dive
    from analysis.core.errorlog import one_line, write_error_log
    from analysis.core.errors import AnalysisError, ParameterError
    from analysis.data.geography import resolve_la

    if not spec.records:
        raise ParameterError(f"{config}: rereferrals_deep_dive needs 'records'",
                             parameter="records", expected="the referral records file",
                             fix="add e.g. records: data/raw/synthetic/synthetic_referrals.csv")
    check_one_path_per_la(spec.records, names, config, "records", "records file")
    results = []
    areas = read_areas(paths)
    for name in names:
        try:
            authority = resolve_la(name, areas_or_raise(areas))
            records = Path(spec.records.replace("{la}", authority.slug))
            records = records if records.is_absolute() else paths.root / records
            results.append(run_deep_dive(name, records, spec.deep_dive_year, paths,
                                         outputs_root=output, pdf=spec.pdf, authority=authority,
                                         allow_rows_left_out=spec.allow_rows_left_out))
        except AnalysisError as exc:
            results.append(PackResult("rereferrals_deep_dive", name, spec.deep_dive_year,
                                      "failed", message=str(exc).splitlines()[0]))
        except Exception as exc:  # one LA's fault never stops the others
            log = write_error_log(exc, context=f"re-referrals deep dive for {name}")
            results.append(PackResult("rereferrals_deep_dive", name, spec.deep_dive_year,
                                      "failed", message=one_line(exc, log)))
    return results
