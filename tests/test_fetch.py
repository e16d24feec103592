"""fetch: download, check, replace atomically; offline against a local HTTP server."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest
import yaml

from analysis.core.atomic import sha256_file
from analysis.core.config import Paths, load_sources
from analysis.data.fetch import fetch_sources

GOOD = "time_period,la_name,value\n2017,Doncaster,27.1\n"
NEW = "time_period,la_name,value\n2017,Doncaster,27.1\n2018,Doncaster,26.0\n"
LOST_COLUMN = "time_period,la_name\n2017,Doncaster\n"


@pytest.fixture
def server(tmp_path: Path):
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    handler.log_message = lambda *a, **k: None  # type: ignore[assignment]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _project(tmp_path: Path, base_url: str, names: list[str]) -> Paths:
    root = tmp_path / "project"
    (root / "config").mkdir(parents=True)
    (root / "data" / "raw" / "dfe").mkdir(parents=True)
    files = {}
    for name in names:
        path = root / "data" / "raw" / "dfe" / name
        path.write_text(GOOD)
        files[f"dfe/{name}"] = {"publication": "test", "publisher": "DfE", "url": f"{base_url}/{name}",
                                "format": "csv", "sha256": sha256_file(path)}
    files["dfe/local_only.xsd"] = {"publication": "t", "publisher": "DfE", "url": None,
                                   "format": "xsd", "sha256": "0" * 64}
    config = {"licence": {"name": "OGL", "url": "u", "attribution": {}}, "files": files}
    (root / "config" / "sources.yaml").write_text(yaml.safe_dump(config))
    load_sources.cache_clear()
    return Paths.for_root(root)


def test_updates_unchanged_failed_and_skipped(tmp_path, server):
    served, url = server
    paths = _project(tmp_path, url, ["new.csv", "same.csv", "missing.csv", "html.csv", "lost.csv"])
    (served / "new.csv").write_text(NEW)
    (served / "same.csv").write_text(GOOD)
    (served / "html.csv").write_text("<!DOCTYPE html><html>sign in</html>")
    (served / "lost.csv").write_text(LOST_COLUMN)
    results = {r.path: r for r in fetch_sources(paths, timeout=5)}
    # A download whose sha256 is not the recorded one is refused, the old copy kept ...
    changed = results["dfe/new.csv"]
    assert changed.status == "failed" and "differs from the one recorded" in changed.message
    assert "fetch --accept-new --only dfe/new.csv" in changed.message
    assert (paths.raw / "dfe/new.csv").read_text() == GOOD
    # ... unless accepted as a new publication: then its sha256 is recorded.
    accepted = fetch_sources(paths, only=["dfe/new.csv"], timeout=5, accept_new=True)[0]
    assert accepted.status == "updated" and "recorded" in accepted.message
    assert (paths.raw / "dfe/new.csv").read_text() == NEW
    load_sources.cache_clear()
    assert load_sources(paths.config).files["dfe/new.csv"].sha256 == sha256_file(paths.raw / "dfe/new.csv")
    assert results["dfe/same.csv"].status == "unchanged"
    for name, reason in [("missing.csv", "404"), ("html.csv", "web page"), ("lost.csv", "columns missing")]:
        res = results[f"dfe/{name}"]
        assert res.status == "failed" and reason in res.message, res
        assert (paths.raw / "dfe" / name).read_text() == GOOD  # old copy kept
    assert results["dfe/local_only.xsd"].status == "skipped"
    assert not list((paths.raw / "dfe").glob("*.tmp")) and not list((paths.raw / "dfe").glob(".*"))


def test_unknown_file_is_a_parameter_error(tmp_path, server):
    from analysis.core.errors import ParameterError

    paths = _project(tmp_path, server[1], ["a.csv"])
    with pytest.raises(ParameterError, match=r"not in config/sources\.yaml"):
        fetch_sources(paths, only=["dfe/nope.csv"])


def test_every_shipped_source_has_a_url_or_says_why(paths):
    for rel, spec in load_sources(paths.config).files.items():
        assert spec.url or rel.startswith("cin-census-xsd/"), rel
