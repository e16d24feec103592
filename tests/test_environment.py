"""environment.yml (conda users) lists the same packages and bounds as pyproject.toml (pip)."""

from __future__ import annotations

import re
import tomllib

import yaml


def _split(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    assert m, req
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_environment_matches_pyproject(paths):
    project = tomllib.loads((paths.root / "pyproject.toml").read_text())["project"]
    pip_reqs = dict(_split(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((paths.root / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str) and d not in ("pip",))
    conda.pop("python")
    assert conda == pip_reqs


def test_python_bound_matches(paths):
    project = tomllib.loads((paths.root / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((paths.root / "environment.yml").read_text())
    assert f"python{project['requires-python']}" in env["dependencies"]
