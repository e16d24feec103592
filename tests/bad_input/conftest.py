"""Helpers for the bad-input cases: run the CLI in a throwaway project, snapshot folders."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from analysis.app.cli import app
from analysis.core.config import Paths
from tests.test_fetch import server  # noqa: F401 (fixture: a local HTTP server for fetch)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under ``folder`` (hidden ones too), with a hash of each file."""
    found: dict[str, str] = {}
    if not folder.exists():
        return found
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink() or path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "link"
        elif path.is_dir():
            found[rel] = "dir"
    return found


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the CLI writes the log of an unexpected error (never the checkout's outputs/)."""
    folder = tmp_path / "logs"
    monkeypatch.setenv("CSC_LOG_DIR", str(folder))
    return folder


@pytest.fixture
def cli(log_dir: Path) -> Callable[..., Result]:
    """Run ``python -m analysis ARGS`` in-process; ``root``: the project folder to use."""
    runner = CliRunner()

    def invoke(*args: str, root: Paths | Path | None = None) -> Result:
        env = {"CSC_LOG_DIR": str(log_dir)}
        if root is not None:
            env["CSC_PROJECT_ROOT"] = str(root.root if isinstance(root, Paths) else root)
        return runner.invoke(app, list(args), env=env)

    return invoke


def assert_clean_error(result: Result, *needles: str, exit_code: int = 2) -> str:
    """The command failed with ``exit_code``, a message holding every needle and no traceback."""
    text = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == exit_code, text
    assert "Traceback" not in text, text
    flat = " ".join(re.sub("[│╭╮╰╯─]", " ", text).split())  # typer's boxed usage errors wrap
    for needle in needles:
        assert " ".join(needle.split()) in flat, (needle, text)
    return text
