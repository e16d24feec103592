"""The code passes ruff with the project's configuration (pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_ruff_clean(paths):
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    result = subprocess.run([ruff, "check", "analysis", "tests", "benchmarks", "notebooks"],
                            cwd=paths.root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]


def test_layers_kept(paths):
    """The package's layers and the products' independence (pyproject.toml, import-linter)."""
    lint = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(lint).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]')")
    result = subprocess.run([lint, "--no-cache"], cwd=paths.root, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout[-3000:]
