"""Outputs that would destroy: every --output/--out is checked before any work."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from analysis.core.errors import OutputError, ParameterError
from analysis.core.outputs import check_output_path
from tests.bad_input.conftest import assert_clean_error, snapshot
from tests.bad_input.test_bad_atomic import make_device

BENCH = ("benchmark", "--la", "Doncaster", "--year", "2017", "--indicator", "re_referrals")


@pytest.fixture(autouse=True)
def _processed(bench_table):
    """data/processed/benchmarks.parquet exists, so only the output can be at fault."""


@pytest.mark.parametrize(("path", "needle"), [
    ("/dev/null", "/dev, a folder of the running system"),
    ("/dev/full", "/dev, a folder of the running system"),
    ("/proc/x.csv", "/proc, a folder of the running system"),
    ("/sys/x.csv", "/sys, a folder of the running system"),
    ("", "the output path is empty"),
    ("   ", "the output path is empty"),
])
def test_system_places_and_empty_paths_are_refused(path, needle):
    # checked only: nothing here ever opens the real /dev/null for writing
    with pytest.raises(ParameterError, match=needle):
        check_output_path(path, kind="file")


def test_benchmark_output_a_device_is_refused_and_left_alone(tmp_path, cli):
    device = make_device(tmp_path, "null.csv")  # like /dev/null
    before = os.stat(device)
    text = assert_clean_error(cli(*BENCH, "--output", str(device)), "is a device", "parameter 'output'")
    assert "Wrote" not in text
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino
    assert [p.name for p in tmp_path.iterdir() if p.name != "logs"] == ["null.csv"]


@pytest.mark.parametrize("what", ["folder", "socket", "fifo", "empty", "proc", "under a file"])
def test_benchmark_output_not_a_file_is_refused(tmp_path, cli, what):
    target = tmp_path / "out.csv"
    sock = None
    if what == "folder":
        target.mkdir()
        needle = "is a folder"
    elif what == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
        needle = "is a socket"
    elif what == "fifo":
        os.mkfifo(target)
        needle = "is a named pipe"
    elif what == "empty":
        target, needle = "", "the path is empty"
    elif what == "proc":
        target, needle = "/proc/x.csv", "a folder of the running system"
    else:
        (tmp_path / "file.txt").write_text("mine")
        target, needle = tmp_path / "file.txt" / "out.csv", "not a folder"
    before = snapshot(tmp_path)
    try:
        assert_clean_error(cli(*BENCH, "--output", str(target)), needle)
    finally:
        if sock:
            sock.close()
    assert snapshot(tmp_path) == before


def test_template_with_a_wrong_suffix_is_refused(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_clean_error(cli("template", "--la", "Doncaster", "--output", "t.pdf"), "t.pdf does not end in .csv or .xlsx",
                       "Fix: name the file e.g. t.csv")
    assert not [p for p in tmp_path.iterdir() if p.name != "logs"]


def test_template_to_a_file_that_cannot_be_replaced(tmp_path, cli, monkeypatch):
    target = tmp_path / "t.csv"
    target.write_text("the previous template")
    real_replace = os.replace

    def immutable(src, dst):  # as `chattr +i` would (tests run as root: chmod does not stop root)
        if Path(dst) == target:
            raise PermissionError(1, "Operation not permitted")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", immutable)
    assert_clean_error(cli("template", "--la", "Doncaster", "--output", str(target)), "cannot replace the file",
                       "Operation not permitted", "Fix:")
    assert target.read_text() == "the previous template"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "logs") == ["t.csv"]


@pytest.mark.parametrize("command", [
    ("pack", "--la", "Doncaster"), ("explore", "--la", "Doncaster"),
    ("deep-dive", "--la", "Doncaster", "--records", "data/raw/synthetic/synthetic_referrals.csv"),
    ("funnel", "--indicator", "re_referrals", "--year", "2017"),
])
def test_output_folder_that_is_a_file_is_refused_before_any_work(tmp_path, cli, command):
    existing = tmp_path / "outputs"
    existing.write_text("a file of mine")
    assert_clean_error(cli(*command, "--output", str(existing)), "is a regular file",
                       "a folder or a new folder name")
    assert existing.read_text() == "a file of mine"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "logs") == ["outputs"]


@pytest.mark.parametrize(("args", "needle"), [
    (("--seed", "-1"), "Invalid value for '--seed': Input should be greater than or equal to 0"),
    (("--out", "/proc/x"), "a folder of the running system"),
    (("--out", "FILE"), "is a regular file"),
    (("--out", ""), "the path is empty"),
])
def test_synthetic_bad_seed_or_out(tmp_path, cli, args, needle):
    existing = tmp_path / "existing.csv"
    existing.write_text("mine")
    args = tuple(str(existing) if a == "FILE" else a for a in args)
    out = () if "--out" in args else ("--out", str(tmp_path / "new"))
    before = snapshot(tmp_path)
    assert_clean_error(cli("synthetic", *args, *out), needle)
    assert snapshot(tmp_path) == before


def test_an_output_error_is_an_analysis_error_with_exit_status_2():
    from analysis.core.errors import AnalysisError

    assert issubclass(OutputError, AnalysisError) and OutputError("x").exit_code == 2
