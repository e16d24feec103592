"""Batches: repeated LAs merged, one LA's failure of any kind never stops the others, --jobs
between 1 and the cores."""

from __future__ import annotations

import json
import logging
import threading

import pytest

import analysis.app.batch
from analysis.app.batch import run_many, unique_las
from analysis.app.runner import PackResult
from analysis.core.errors import NoDataError, ParameterError
from analysis.core.limits import KERNEL_MEMORY_MB, check_jobs
from tests.bad_input.conftest import assert_clean_error


def test_repeats_are_merged_by_resolved_code(paths):
    names, failed = unique_las(["Doncaster", "doncaster", "371", "E08000017", "Rotherham", "Nowhere"],
                               "2017-18 Q4", paths)
    assert names == ["Doncaster", "Rotherham"]
    assert [(r.la, r.status) for r in failed] == [("Nowhere", "failed")]


@pytest.fixture
def fake_packs(monkeypatch, tmp_path):
    """run_pack replaced: records the LAs run; 'Leeds' hits a fault, 'Wakefield' a user error."""
    calls: list[str] = []
    lock = threading.Lock()

    def run_pack(name, period, paths, **kwargs):
        with lock:
            calls.append(name)
        if name == "Leeds":
            raise FileNotFoundError(2, "No such file or directory", "outputs/leeds/.x.tmp")
        if name == "Wakefield":
            raise NoDataError("no figures for Wakefield in 2017-18 Q4")
        return PackResult("quarterly_pack", name, period, "ok", tmp_path / name.lower())

    monkeypatch.setattr(analysis.app.batch, "run_pack", run_pack)
    monkeypatch.setenv("CSC_LOG_DIR", str(tmp_path / "logs"))
    return calls


def test_one_las_failure_of_any_kind_never_stops_the_others(paths, fake_packs, tmp_path):
    results = run_many(["Doncaster", "doncaster", "371", "E08000017", "Leeds", "Wakefield", "Rotherham"],
                       "2017-18 Q4", paths, jobs=2, progress=False)
    assert sorted(fake_packs) == ["Doncaster", "Leeds", "Rotherham", "Wakefield"]  # each LA once
    status = {r.la: (r.status, r.message) for r in results}
    assert status["Doncaster"][0] == status["Rotherham"][0] == "ok"
    assert status["Wakefield"] == ("failed", "no figures for Wakefield in 2017-18 Q4")
    leeds = status["Leeds"]
    assert leeds[0] == "failed" and "unexpected error (FileNotFoundError" in leeds[1]
    logs = list((tmp_path / "logs").glob("error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in leeds[1] and "Traceback" in logs[0].read_text()


def test_a_bad_period_is_one_error_before_any_pack(paths, fake_packs):
    with pytest.raises(ParameterError, match="2017-18 Q5"):
        run_many(["Doncaster", "Rotherham", "Leeds"], "2017-18 Q5", paths, progress=False)
    assert fake_packs == []


@pytest.mark.parametrize("jobs", [0, -1])
def test_jobs_zero_or_negative_is_an_error(jobs):
    with pytest.raises(ParameterError, match="at least 1") as err:
        check_jobs(jobs, available=2)
    assert "from 1 to 2" in str(err.value)


def test_jobs_above_the_cores_are_capped_with_the_memory_named():
    assert check_jobs(2, available=2) == (2, None)
    jobs, warning = check_jobs(10000, available=2)
    assert jobs == 2 and f"{KERNEL_MEMORY_MB} MB" in warning and "4300.0 GB" in warning


def test_run_many_caps_jobs(paths, fake_packs, caplog):
    with caplog.at_level(logging.WARNING, logger="analysis"):
        results = run_many(["Doncaster", "Rotherham"], "2017-18 Q4", paths, jobs=10000, progress=False)
    assert [r.status for r in results] == ["ok", "ok"]
    assert any("--jobs 10000 is more than" in m for m in caplog.messages)


@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_cli_jobs_zero_or_negative(cli, fake_packs, jobs, tmp_path):
    assert_clean_error(cli("pack", "--la", "Doncaster", "--la", "Rotherham", "--jobs", jobs,
                           "--output", str(tmp_path / "out")),
                       "parameter 'jobs'", "at least 1", f"found {jobs}")
    assert fake_packs == [] and not (tmp_path / "out").exists()


def test_cli_jobs_10000_warns_and_runs(cli, fake_packs, tmp_path, monkeypatch):
    monkeypatch.setattr("analysis.core.limits.cores", lambda: 2)
    result = cli("pack", "--la", "Doncaster", "--la", "doncaster", "--la", "371", "--la", "E08000017",
                 "--jobs", "10000", "--output", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "Warning: --jobs 10000 is more than the 2 core(s)" in result.output
    assert fake_packs == ["Doncaster"] and "1 ok, 0 failed" in result.output


def test_two_runs_of_the_same_pack_at_once_both_finish(stub_pack_notebook, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from analysis.app.runner import run_notebook

    paths = stub_pack_notebook(
        "import pathlib, time\n"
        "for i in range(30):\n"
        "    pathlib.Path(output_dir, f'part{i}.txt').write_text(la)\n"
        "    time.sleep(0.01)")
    out = tmp_path / "outputs" / "doncaster" / "2017-18-q4"
    out.mkdir(parents=True)
    (out / "previous.txt").write_text("last quarter's pack")

    def one(label: str) -> PackResult:
        return run_notebook("quarterly_pack", {"la": label}, out, paths, title=label, pdf=False)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(one, ["first run", "second run"]))
    assert [r.status for r in results] == ["ok", "ok"]
    parts = {p.read_text() for p in out.glob("part*.txt")}
    assert len(list(out.glob("part*.txt"))) == 30 and len(parts) == 1  # one whole pack
    assert not (out / "previous.txt").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["encodings"]["data/raw/local/doncaster_quarterly_return.csv"] == "UTF-8"
    assert sorted(p.name for p in out.parent.iterdir()) == ["2017-18-q4"]  # nothing left beside it
