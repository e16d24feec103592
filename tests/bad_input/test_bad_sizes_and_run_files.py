"""Run files that are empty or hold a list, and local returns or run files over 50 MB: a plain
message naming the file and what it should hold, before anything is read."""

from __future__ import annotations

import pytest

import analysis.data.readers.local_return
from analysis.core.config import Paths
from analysis.core.errors import InputDataError
from analysis.core.sizes import check_file_size, size_text
from tests.bad_input.conftest import assert_clean_error


def _never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read")

    monkeypatch.setattr(analysis.data.readers.local_return, "read_raw_return", fail)
    monkeypatch.setattr("analysis.app.runs.read_yaml", fail)


@pytest.mark.parametrize(("text", "found"), [
    ("", "found nothing: the file is empty"),
    ("# only a comment\n", "found nothing: the file is empty"),
    ("- Doncaster\n- Rotherham\n", "found a list of 2 item(s)"),
    ("Doncaster\n", "found a single value ('Doncaster')"),
])
def test_a_run_file_that_is_not_a_mapping(cli, tmp_path, text, found):
    path = tmp_path / "nightly.yaml"
    path.write_text(text)
    out = assert_clean_error(cli("run", str(path)), str(path), "the run file does not say what to run",
                             "Expected a YAML mapping of settings, one per line", found,
                             "copy config/runs/quarterly.yaml")
    assert "RunFile" not in out and "instance of" not in out and "Fix: correct ''" not in out


def test_a_run_file_over_50_mb_is_refused_unread(cli, tmp_path, monkeypatch):
    path = tmp_path / "nightly.yaml"
    with path.open("wb") as f:
        f.truncate(200 * 10**6)  # sparse: 200 MB on paper, nothing on disk
    _never_read(monkeypatch)
    assert_clean_error(cli("run", str(path)), str(path), "too large to be a run file", "200.0 MB",
                       "more than the 50 MB", "a run file is a few lines")


def test_a_local_return_over_50_mb_is_refused_unread(project_copy: Paths, cli, bench_table, monkeypatch):
    local = project_copy.raw / "local" / "rotherham_quarterly_return.csv"
    local.unlink()
    with local.open("wb") as f:
        f.truncate(200 * 10**6)
    _never_read(monkeypatch)
    assert_clean_error(cli("quarter", "--la", "Rotherham", "--period", "2016-17 Q4", root=project_copy),
                       "rotherham_quarterly_return.csv", "too large to be a local quarterly return",
                       "200.0 MB", "at most 50 MB", "a quarter's return is a few kilobytes")


def test_the_size_limit(tmp_path):
    path = tmp_path / "return.csv"
    with path.open("wb") as f:
        f.truncate(50 * 10**6)  # exactly 50 MB: read
    check_file_size(path, "a local quarterly return")
    with path.open("ab") as f:
        f.write(b"x")
    with pytest.raises(InputDataError, match=r"50\.0 MB, more than the 50 MB"):
        check_file_size(path, "a local quarterly return")
    assert (size_text(200 * 10**6), size_text(12_300), size_text(10)) == ("200.0 MB", "12 kB", "1 kB")
