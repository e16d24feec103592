"""Tracebacks instead of messages: every user error an AnalysisError (exit 2), any other
exception one line with a log (exit 1), a notebook's error shown whole, once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analysis.core.errors import AnalysisError, InputDataError
from tests.bad_input.conftest import assert_clean_error, snapshot

BENCH = ("benchmark", "--la", "Doncaster", "--year", "2017", "--indicator", "re_referrals")


@pytest.fixture
def with_table(project_copy, bench_table, paths):
    """A project copy whose data/processed holds a real benchmarks.parquet."""
    shutil.copy(paths.benchmarks_table, project_copy.benchmarks_table)
    return project_copy


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_damaged_benchmarks_parquet(with_table, cli, damage):
    table = with_table.benchmarks_table
    data = table.read_bytes()
    table.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"PAR1 not a table at all",
                       "empty": b""}[damage])
    before = snapshot(with_table.processed)
    assert_clean_error(cli(*BENCH, root=with_table), "benchmarks.parquet",
                       "cannot be read (truncated or damaged)", "python -m analysis prepare")
    assert snapshot(with_table.processed) == before


def test_an_unexpected_exception_is_one_line_and_a_log(cli, log_dir, monkeypatch, bench_table):
    import analysis.data.geography

    def broken(*args, **kwargs):
        raise RuntimeError("the lookup broke\nsecond line of detail")

    monkeypatch.setattr(analysis.data.geography, "load_areas", broken)
    result = cli("las")
    text = assert_clean_error(result, "unexpected error (RuntimeError: the lookup broke)",
                              str(log_dir), exit_code=1)
    assert len(text.strip().splitlines()) == 1 and "second line" not in text
    logs = list(log_dir.glob("error-*.log"))
    assert len(logs) == 1
    log = logs[0].read_text()
    assert "Traceback" in log and "the lookup broke" in log and "second line of detail" in log
    assert oct(logs[0].stat().st_mode & 0o777) == "0o600"


def test_explore_level_not_offered(cli, bench_table, tmp_path):
    text = assert_clean_error(cli("explore", "--la", "Doncaster", "--level", "99.9",
                                  "--output", str(tmp_path / "out")),
                              "parameter 'level'", "95 or 99.8", "'99.9'")
    assert "typing" not in text and "Literal" not in text
    assert not (tmp_path / "out").exists()


def _run_file(tmp_path: Path, **fields: str) -> Path:
    spec = {"las": "[Doncaster, Rotherham, Leeds]", "period": "'2017-18 Q5'",
            "output": str(tmp_path / "out"), "pdf": "false", **fields}
    path = tmp_path / "run.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in spec.items()))
    return path


def test_run_with_a_bad_period_says_so_once(cli, tmp_path, bench_table):
    text = assert_clean_error(cli("run", str(_run_file(tmp_path))), "period", "Q5")
    assert text.count("cannot read '2017-18 Q5'") == 1 and text.count("Error:") == 1
    assert not (tmp_path / "out").exists()


def test_run_file_missing(cli, tmp_path):
    text = assert_clean_error(cli("run", str(tmp_path / "nightly.yaml")), "run file not found",
                              "nightly.yaml", "config/runs/quarterly.yaml is an example")
    assert "restore it from the repository" not in text


def test_run_output_that_is_a_file(cli, tmp_path, bench_table):
    (tmp_path / "out").write_text("mine")
    assert_clean_error(cli("run", str(_run_file(tmp_path, period="'2017-18 Q4'"))),
                       "is a regular file")
    assert (tmp_path / "out").read_text() == "mine"


def test_a_return_with_an_unknown_la_code_is_an_error(project_copy, cli, bench_table):
    local = project_copy.raw / "local" / "doncaster_quarterly_return.csv"
    lines = local.read_text(encoding="utf-8").splitlines()
    lines.append(lines[1].replace("E08000017", "E08000099", 1).replace("2017-18 Q4", "2016-17 Q4", 1))
    local.unlink()
    local.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = assert_clean_error(cli("quarter", "--la", "Doncaster", "--period", "2017-18 Q4",
                                  root=project_copy),
                              "doncaster_quarterly_return.csv", "column 'la_code'", f"row {len(lines)}",
                              "E08000099", "a row for another LA")
    assert "No local quarterly return" not in text


def test_a_notebook_error_is_shown_whole_once(stub_pack_notebook, bench_table, tmp_path):
    from analysis.app.runner import run_pack

    found = "x" * 150 + " the end of a long found text that must not be cut mid-word " + "y" * 40
    paths = stub_pack_notebook(
        "from analysis.core.errors import InputDataError\n"
        f"raise InputDataError('a bad cell in the return', file='r.csv', found={found!r}, fix='correct it')")
    with pytest.raises(AnalysisError) as err:
        run_pack("Doncaster", "2017-18 Q4", paths, outputs_root=tmp_path / "outputs", pdf=False)
    msg = str(err.value)
    assert msg.count("Fix:") == 1 and found in msg and "r.csv: a bad cell in the return" in msg
    assert "the previous pack (if any) is untouched" in msg and err.value.exit_code == 2
    log = tmp_path / "outputs" / "doncaster" / "2017-18-q4.error.log"
    assert log.exists() and str(log) in msg


def test_a_notebook_fault_is_exit_status_1(stub_pack_notebook, bench_table, tmp_path):
    from analysis.app.runner import run_pack

    paths = stub_pack_notebook("{}['missing key']")
    with pytest.raises(AnalysisError) as err:
        run_pack("Doncaster", "2017-18 Q4", paths, outputs_root=tmp_path / "outputs", pdf=False)
    assert err.value.exit_code == 1 and "unexpected error (KeyError" in str(err.value)
    assert not isinstance(err.value, InputDataError)


def test_an_immutable_previous_pack_is_a_message(stub_pack_notebook, bench_table, previous_pack,
                                                  monkeypatch, cli):
    import os

    paths = stub_pack_notebook("import pathlib; pathlib.Path(output_dir, 'new.txt').write_text('new')")
    monkeypatch.setenv("CSC_PROJECT_ROOT", str(paths.root))
    monkeypatch.setattr("analysis.app.commands_packs.project_paths", lambda: paths)
    real_rename = os.rename

    def immutable(src, dst):  # as `chattr +i` on the previous pack would (root ignores chmod)
        if Path(src) == previous_pack:
            raise PermissionError(1, "Operation not permitted")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", immutable)
    before = snapshot(previous_pack.parent)
    assert_clean_error(cli("pack", "--la", "Doncaster", "--no-pdf",
                           "--output", str(previous_pack.parents[1])),
                       "cannot replace the previous folder", str(previous_pack),
                       "Operation not permitted", "Fix:")
    assert snapshot(previous_pack.parent) == before  # the previous pack as it was, nothing beside it
