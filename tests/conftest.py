"""Shared fixtures: the project's real configuration and a processed table built once."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from analysis.core.config import Paths
from analysis.data.catalogue import Catalogue, load_catalogue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The project as the tests see it: a temporary folder whose files (config, raw data,
    notebooks, sources, git history) are the checkout's own, linked, with data/processed and
    outputs of its own, so no test writes into the checkout's data/processed or outputs.
    ``CSC_PROJECT_ROOT`` points every process the tests start (kernels included) at it."""
    root = tmp_path_factory.mktemp("project")
    for entry in ROOT.iterdir():
        if entry.name not in ("data", "outputs"):
            (root / entry.name).symlink_to(entry)
    (root / "data").mkdir()
    (root / "data" / "raw").symlink_to(ROOT / "data" / "raw")
    (root / "data" / "processed").mkdir()
    (root / "outputs").mkdir()
    before = os.environ.get("CSC_PROJECT_ROOT")
    os.environ["CSC_PROJECT_ROOT"] = str(root)
    yield root
    if before is None:
        os.environ.pop("CSC_PROJECT_ROOT", None)
    else:
        os.environ["CSC_PROJECT_ROOT"] = before


@pytest.fixture(scope="session")
def paths(project_root: Path) -> Paths:
    return Paths.for_root(project_root)


def require_chromium() -> str:
    """The Chromium to drive: skip the test where there is none, but fail where
    ``CSC_REQUIRE_BROWSER`` is set (as in CI), where browser tests must run."""
    from analysis.render.pdf import find_chromium

    path = find_chromium()
    if path is None:
        if os.environ.get("CSC_REQUIRE_BROWSER"):
            pytest.fail("CSC_REQUIRE_BROWSER is set but no Chromium was found")
        pytest.skip("no Chromium on this machine (Debian package 'chromium'); CI installs it")
    return path


@pytest.fixture(scope="session")
def catalogue(paths: Paths) -> Catalogue:
    return load_catalogue(paths.config / "indicators.yaml")


@pytest.fixture(scope="session")
def bench_table(paths: Paths) -> pd.DataFrame:
    """The processed benchmark table, built from data/raw (written to the tests' own
    data/processed, see :func:`project_root`)."""
    from analysis.data.prepare import prepare_benchmarks

    _, table = prepare_benchmarks(paths)
    return table


@pytest.fixture
def stub_pack_notebook(tmp_path: Path, paths: Paths):
    """Make a stand-in quarterly_pack notebook: a parameters cell (``la``, ``output_dir``)
    then one code cell per source given, then (``report``) a cell writing a small
    report.html where the cells have not written one, as every pack notebook writes its own.
    Returns the project's Paths pointing at it."""
    import nbformat

    def make(*sources: str, report: bool = True) -> Paths:
        nb = nbformat.v4.new_notebook()
        last = ("import pathlib\nreport = pathlib.Path(output_dir, 'report.html')\n"
                "if not report.exists():\n    report.write_text('<!doctype html><title>t</title>')")
        nb.cells = [nbformat.v4.new_code_cell("la = 'x'\noutput_dir = 'x'", metadata={"tags": ["parameters"]}),
                    *(nbformat.v4.new_code_cell(src) for src in [*sources, *([last] if report else [])])]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        notebooks = tmp_path / "notebooks"
        notebooks.mkdir()
        nbformat.write(nb, notebooks / "quarterly_pack.ipynb")
        return Paths(**{**paths.model_dump(), "notebooks": notebooks})

    return make


@pytest.fixture
def previous_pack(tmp_path: Path) -> Path:
    """Doncaster's 2017-18 Q4 pack folder under ``tmp_path/outputs``, holding one file
    (``previous.txt``) from an earlier run, for tests of a run that fails over it."""
    out = tmp_path / "outputs" / "doncaster" / "2017-18-q4"
    out.mkdir(parents=True)
    (out / "previous.txt").write_text("last quarter's pack")
    return out


@pytest.fixture
def project_copy(tmp_path: Path) -> Paths:
    """A throwaway project: config copied, raw files linked (replace one to corrupt it)."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    for src in (ROOT / "data" / "raw").rglob("*"):
        if src.is_file():
            dest = tmp_path / "data" / "raw" / src.relative_to(ROOT / "data" / "raw")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.symlink_to(src)
    (tmp_path / "data" / "processed").mkdir(parents=True)
    return Paths.for_root(tmp_path)


def replace_raw(paths: Paths, rel: str, text: str | bytes, *, record: bool = True) -> Path:
    """Replace a linked raw file in a project copy with new content; ``record``: record its
    sha256 in the copy's config/sources.yaml, as accepting a new publication does (otherwise
    ``prepare`` refuses the changed file before reading it)."""
    from analysis.core.atomic import sha256_file
    from analysis.data.integrity import record_hash

    target = paths.raw / rel
    target.unlink()
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    if record:
        record_hash(paths, rel, sha256_file(target))
    return target


#: The packs every page and chart of which is checked by eye and by test: the three LAs with a
#: quarterly return, each at the quarter it has, and the deep dive on synthetic records.
CHECKED_PACKS = (("doncaster-2017-18-q4", "Doncaster", "2017-18 Q4"),
                 ("rotherham-2016-17-q4", "Rotherham", "2016-17 Q4"),
                 ("lancashire-2017-18-q2", "Lancashire", "2017-18 Q2"))


@pytest.fixture(scope="session")
def checked_contexts(paths: Paths, bench_table: pd.DataFrame) -> dict:
    """The pack contexts of :data:`CHECKED_PACKS`, by name, built once (read them, never
    change them: every test of the session shares them)."""
    from analysis.data.geography import load_areas, resolve_la
    from analysis.data.periods import parse_quarter
    from analysis.quarterly_pack import report

    areas = load_areas(paths.root)
    return {name: report.build_pack_context(resolve_la(la, areas), parse_quarter(period), paths=paths)
            for name, la, period in CHECKED_PACKS}


@pytest.fixture(scope="session")
def checked_packs(paths: Paths, checked_contexts: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The packs of :data:`CHECKED_PACKS` (from :func:`checked_contexts`) and
    ``deep-dive-synthetic`` (Doncaster's deep dive on the synthetic records), built in memory
    once, by name."""
    from analysis.data.geography import load_areas, resolve_la
    from analysis.data.synthetic import generate_referrals
    from analysis.deep_dive.build import build_deep_dive
    from analysis.deep_dive.report import deep_dive_pack
    from analysis.quarterly_pack import report

    areas = load_areas(paths.root)
    packs = {name: report.quarterly_pack(ctx) for name, ctx in checked_contexts.items()}
    records = tmp_path_factory.mktemp("synthetic") / "synthetic_referrals.csv"
    generate_referrals(seed=2017, start="2014-04-01", end="2019-03-31").to_csv(
        records, index=False, date_format="%Y-%m-%d")
    packs["deep-dive-synthetic"] = deep_dive_pack(build_deep_dive(resolve_la("Doncaster", areas), records,
                                                                  paths=paths))
    return packs


@pytest.fixture(scope="session")
def checked_documents(checked_packs: dict) -> Callable[[str, str], dict[str, str | bytes]]:
    """A pack of :func:`checked_packs` rendered in memory in one format, each pack and format
    once for the whole session: ``checked_documents("doncaster-2017-18-q4", "pdf")`` is
    ``{"report.pdf": ...}``, as ``render_all(pack, ["pdf"], workers=0)`` gives it (``{}``, with a
    warning, where there is no Chromium to print it). Each chart is drawn once (drawings are
    kept with the chart values) and shared by every format."""
    from analysis.render import output

    done: dict[tuple[str, str], dict[str, str | bytes]] = {}

    def rendered(name: str, fmt: str) -> dict[str, str | bytes]:
        if (name, fmt) not in done:
            done[name, fmt] = output.render_all(checked_packs[name], [fmt], workers=0)
        return done[name, fmt]

    return rendered


def read_table_csv(path: Path, **kwargs: object) -> pd.DataFrame:
    """A pack's ``tables/<name>.csv`` as a frame: the rows above the empty row that parts the
    table from its source line (checked to be there), read with ``pd.read_csv(**kwargs)``."""
    import io

    text = path.read_text(encoding="utf-8")
    table, _, below = text.partition("\n\n")
    assert below.lstrip('"').startswith("Source"), f"{path.name}: no source line under the table"
    return pd.read_csv(io.StringIO(table + "\n"), **kwargs)  # type: ignore[call-overload]
