"""Scheduled runs described by a YAML run file (config/runs/*.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from analysis.config import Paths, parse_model, read_yaml
from analysis.errors import NoDataError
from analysis.periods import Quarter


class RunFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    las: list[str] | Literal["all"]
    period: str = "latest"
    notebooks: list[Literal["quarterly_pack"]] = ["quarterly_pack"]
    output: str = "outputs"
    jobs: int = 1
    pdf: bool = True


def latest_quarter(paths: Paths) -> Quarter:
    """The latest quarter in any shipped local return."""
    from analysis.catalogue import load_catalogue
    from analysis.quarterly import local_return_files
    from analysis.readers.local_return import read_local_return

    catalogue = load_catalogue(paths.config / "indicators.yaml")
    quarters = []
    for path in local_return_files(paths):
        frame = read_local_return(path, catalogue)
        frame = frame[frame["period_type"] == "quarter"]
        quarters += [Quarter(int(y), int(q)) for y, q in zip(frame["year"], frame["quarter"], strict=True)]
    if not quarters:
        raise NoDataError("period 'latest' needs a local return in data/raw/local/",
                          fix="give the period explicitly, e.g. period: 2017-18 Q4")
    return max(quarters)


def execute_run(config: Path, paths: Paths):
    """Run every pack a run file lists; returns the results (see analysis.pack.run_many)."""
    from analysis.pack import all_la_names, run_many

    spec: RunFile = parse_model(RunFile, read_yaml(config), config)
    period = latest_quarter(paths).label if spec.period == "latest" else spec.period
    names = all_la_names(paths) if spec.las == "all" else spec.las
    output = Path(spec.output)
    output = output if output.is_absolute() else paths.root / output
    return run_many(names, period, paths, jobs=spec.jobs, outputs_root=output, pdf=spec.pdf)
