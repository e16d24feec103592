"""Atomic writes under faults and concurrency: never over a device, never a lost race."""

from __future__ import annotations

import multiprocessing
import os
import socket
import stat
import time
from pathlib import Path

import pytest

from analysis.core.atomic import atomic_dir, atomic_path, sweep_stale
from analysis.core.errors import OutputError, ParameterError


def _write_pack(target: str, marker: str, barrier) -> None:
    barrier.wait()
    for _ in range(20):
        with atomic_dir(Path(target)) as tmp:
            for i in range(20):
                (tmp / f"file{i}.txt").write_text(marker)


def test_four_processes_writing_one_folder_all_succeed(tmp_path):
    target = tmp_path / "outputs" / "doncaster" / "2017-18-q4"
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(4)
    procs = [ctx.Process(target=_write_pack, args=(str(target), f"writer {n}", barrier)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    # one complete pack from one writer, nothing else beside it
    markers = {f.read_text() for f in target.iterdir()}
    assert len(list(target.iterdir())) == 20 and len(markers) == 1
    assert sorted(p.name for p in target.parent.iterdir()) == ["2017-18-q4"]


def test_last_complete_run_wins(tmp_path):
    target = tmp_path / "pack"
    with atomic_dir(target) as first:
        (first / "a.txt").write_text("first")
        with atomic_dir(target) as second:
            (second / "a.txt").write_text("second")
        assert (target / "a.txt").read_text() == "second"
    assert (target / "a.txt").read_text() == "first"  # finished last
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


def test_stale_temporary_folders_of_a_killed_run_are_swept(tmp_path):
    target = tmp_path / "2017-18-q4"
    stale = tmp_path / ".2017-18-q4.abc123.tmp"
    (stale / "charts").mkdir(parents=True)
    (stale / "charts" / "x.png").write_bytes(b"half a chart")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".2017-18-q4.fresh.tmp"  # a run that started a moment ago
    fresh.mkdir()
    other = tmp_path / ".2016-17-q4.abc.tmp"  # another pack's: not ours to touch
    other.mkdir()
    os.utime(other, (old, old))
    with atomic_dir(target) as tmp:
        (tmp / "report.html").write_text("new")
    assert not stale.exists() and fresh.exists() and other.exists()
    assert (target / "report.html").read_text() == "new"


def test_a_locked_temporary_folder_is_never_swept(tmp_path):
    target = tmp_path / "pack"
    with atomic_dir(target) as tmp:
        old = time.time() - 3600
        os.utime(tmp, (old, old))  # looks old, but its run is alive
        assert sweep_stale(target) == [] and tmp.exists()


def make_device(folder: Path, name: str, minor: int = 3) -> Path:
    """A character device like /dev/null (1, 3) or /dev/full (1, 7) in a test folder, so a
    broken check replaces a throwaway node, never the system's."""
    path = folder / name
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


@pytest.mark.parametrize("minor", [3, 7])  # like /dev/null, /dev/full
def test_atomic_path_never_renames_over_a_device(tmp_path, minor):
    device = make_device(tmp_path, "out.csv", minor)
    before = os.stat(device)
    with pytest.raises(ParameterError, match="is a device"), atomic_path(device) as tmp:
        tmp.write_text("x")
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_atomic_path_never_renames_over_a_socket_or_folder(tmp_path):
    sock_path = tmp_path / "s.csv"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        with pytest.raises(ParameterError, match="is a socket"), atomic_path(sock_path) as tmp:
            tmp.write_text("x")
        assert stat.S_ISSOCK(sock_path.stat().st_mode)
    finally:
        sock.close()
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(ParameterError, match="is a folder"), atomic_path(tmp_path / "folder.csv") as tmp:
        tmp.write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.csv", "s.csv"]


def test_a_previous_pack_that_cannot_be_moved_is_an_output_error(tmp_path, monkeypatch):
    target = tmp_path / "pack"
    target.mkdir()
    (target / "old.txt").write_text("previous")
    real_rename = os.rename

    def immutable(src, dst):
        if Path(src) == target:
            raise PermissionError(1, "Operation not permitted")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", immutable)
    with pytest.raises(OutputError, match="cannot replace the previous folder") as err, \
            atomic_dir(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert "Operation not permitted" in str(err.value) and "Fix:" in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]
    assert [p.name for p in target.iterdir()] == ["old.txt"]


def test_sweeping_leaves_temporary_files_alone(tmp_path):
    target = tmp_path / "2017-18-q4"
    other_write = tmp_path / ".2017-18-q4.error.log.abc.tmp"  # atomic_path's, of a live run
    other_write.write_text("being written")
    old = time.time() - 3600
    os.utime(other_write, (old, old))
    assert sweep_stale(target) == [] and other_write.exists()


def test_the_folder_of_a_run_killed_with_sigkill_is_swept_by_the_next(tmp_path):
    import signal
    import subprocess
    import sys

    target = tmp_path / "2017-18-q4"
    code = ("import sys, time; from pathlib import Path; from analysis.core.atomic import atomic_dir\n"
            f"with atomic_dir(Path({str(target)!r})) as tmp:\n"
            "    (tmp / 'chart.png').write_bytes(b'half a chart'); print(tmp, flush=True); time.sleep(120)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        left = Path(child.stdout.readline().strip())
        assert left.is_dir() and sweep_stale(target, older_than=0) == []  # alive: locked
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert left.is_dir()  # what a killed run leaves behind ...
    os.utime(left, (time.time() - 3600,) * 2)
    with atomic_dir(target) as tmp:  # ... the next run sweeps
        (tmp / "report.html").write_text("new")
    assert not left.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["2017-18-q4"]
