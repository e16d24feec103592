"""data/raw is read-only and documented: hashes in config, README and on disk agree."""

from __future__ import annotations

import re

from analysis.core.atomic import sha256_file
from analysis.core.config import load_sources


def test_every_source_file_matches_its_hash(paths):
    sources = load_sources(paths.config)
    assert len(sources.files) >= 30
    for rel, spec in sources.files.items():
        path = paths.raw / rel
        assert path.exists(), rel
        assert sha256_file(path) == spec.sha256, f"{rel} changed: data/raw is read-only"


def test_readme_lists_every_file_with_the_same_hash(paths):
    readme = (paths.raw / "dfe" / "README.md").read_text()
    listed = dict(re.findall(r"\| `([^`]+)` \| .*? \| `([0-9a-f]{64})` \|", readme))
    sources = load_sources(paths.config)
    assert listed == {rel: spec.sha256 for rel, spec in sources.files.items()}
    assert "Open Government Licence v3.0" in readme


def test_no_unlisted_files_in_raw_dfe(paths):
    sources = load_sources(paths.config)
    on_disk = {p.relative_to(paths.raw).as_posix() for p in (paths.raw / "dfe").rglob("*")
               if p.is_file() and p.name != "README.md"}
    assert on_disk == {k for k in sources.files if k.startswith("dfe/")}
