"""The package stays laid out as docs/architecture.md says: small modules, few of them at the
top, package ``__init__`` files with nothing to run, and the products where a newcomer looks."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "analysis"
MODULES = sorted(PACKAGE.rglob("*.py"))

#: "No module over about 500 lines".
MAX_LINES = 500

#: "At most a dozen modules directly in analysis/".
MAX_TOP_LEVEL = 12


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_is_over_500_lines(module: Path) -> None:
    lines = len(module.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module.relative_to(PACKAGE)} has {lines} lines: split it by concern"


def test_few_modules_directly_in_the_package() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


@pytest.mark.parametrize("init", sorted(PACKAGE.rglob("__init__.py")),
                         ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_package_init_files_hold_nothing_to_run(init: Path) -> None:
    """At most a docstring: importing a package costs nothing and re-exports nothing."""
    body = ast.parse(init.read_text(encoding="utf-8")).body
    code = [n for n in body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                                    and isinstance(n.value.value, str))]
    assert code == [], f"{init.relative_to(PACKAGE)} holds code: move it into a module of its own"


@pytest.mark.parametrize("path", [
    "app/cli.py",                          # the one command-line entry point
    "app/runner.py",                       # notebooks run into packs
    "quarterly_pack/sections/cover.py",    # the quarterly pack's page 1
    "deep_dive/suppression.py",            # the deep dive's suppression
    "explorer/server.py",                  # the explorer's server
    "engine/suppress.py",                  # the one place small numbers are hidden
    "engine/ranking.py",                   # LAIT's ranks and quartile bands
    "measures/rereferrals.py",             # the DfE re-referral rule
])
def test_a_newcomer_finds_each_part_by_its_path(path: str) -> None:
    assert (PACKAGE / path).is_file(), path
