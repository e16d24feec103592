"""Data that lies: a raw file changed by one byte is refused; the hashes live in one place."""

from __future__ import annotations

from analysis.core.atomic import sha256_file
from analysis.core.config import load_sources
from analysis.data.integrity import readme_with_table, verify_raw_files
from tests.bad_input.conftest import assert_clean_error, snapshot
from tests.conftest import replace_raw

C1 = "dfe/cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"


def _change_one_byte(project_copy) -> None:
    text = (project_copy.raw / C1).read_text(encoding="utf-8")
    assert text.count(",1664,29.4,") == 1  # Doncaster's 2025 re-referrals
    replace_raw(project_copy, C1, text.replace(",1664,29.4,", ",1664,19.4,"), record=False)


def test_prepare_refuses_a_changed_raw_file(project_copy, cli):
    (project_copy.processed / "benchmarks.parquet").write_bytes(b"previous table")
    before = snapshot(project_copy.processed)
    _change_one_byte(project_copy)
    result = cli("prepare", root=project_copy)
    text = assert_clean_error(result, f"data/raw/{C1}", "differs from the published copy",
                              load_sources(project_copy.config).files[C1].sha256,
                              f"fetch --accept-new --only {C1}", f"fetch --only {C1}")
    assert sha256_file(project_copy.raw / C1) in text
    assert snapshot(project_copy.processed) == before  # nothing replaced, nothing left behind


def test_accepting_the_new_publication_records_its_hash(project_copy, cli):
    _change_one_byte(project_copy)
    result = cli("accept", C1, root=project_copy)
    assert result.exit_code == 0, result.output
    load_sources.cache_clear()
    recorded = load_sources(project_copy.config).files[C1].sha256
    assert recorded == sha256_file(project_copy.raw / C1)
    # the README's table is regenerated from config/sources.yaml (a file, no longer the link)
    readme = (project_copy.raw / "dfe" / "README.md")
    assert not readme.is_symlink() and f"`{recorded}`" in readme.read_text()
    assert verify_raw_files(project_copy)[C1] == recorded


def test_a_missing_raw_file_is_named(project_copy, cli):
    (project_copy.raw / C1).unlink()
    assert_clean_error(cli("prepare", root=project_copy), "raw data file not found", C1,
                       f"fetch --only {C1}")


def test_accept_an_unknown_file_is_a_parameter_error(project_copy, cli):
    assert_clean_error(cli("accept", "dfe/nope.csv", root=project_copy),
                       "not in config/sources.yaml: dfe/nope.csv")


def test_readme_table_is_generated_from_sources_and_current(paths):
    readme = (paths.raw / "dfe" / "README.md").read_text(encoding="utf-8")
    assert readme_with_table(readme, load_sources(paths.config)) == readme


def test_readme_table_follows_a_changed_hash(project_copy):
    sources = load_sources(project_copy.config)
    readme = (project_copy.raw / "dfe" / "README.md").read_text(encoding="utf-8")
    spec = sources.files[C1]
    changed = sources.model_copy(update={"files": {**sources.files, C1: spec.model_copy(update={"sha256": "f" * 64})}})
    assert f"| `{C1}` |" in readme_with_table(readme, changed)
    assert f"`{'f' * 64}`" in readme_with_table(readme, changed)
    assert spec.sha256 not in readme_with_table(readme, changed)


def test_fetch_refuses_a_download_with_another_hash_until_accepted(tmp_path, cli, server):
    from tests.test_fetch import GOOD, NEW, _project

    served, url = server
    paths = _project(tmp_path, url, ["c1.csv"])
    (served / "c1.csv").write_text(NEW)
    before = snapshot(paths.raw)
    result = cli("fetch", "--only", "dfe/c1.csv", "--timeout", "5", root=paths.root)
    assert result.exit_code == 1 and "differs from the one recorded" in result.output
    assert "fetch --accept-new --only dfe/c1.csv" in result.output and "Traceback" not in result.output
    assert snapshot(paths.raw) == before and (paths.raw / "dfe" / "c1.csv").read_text() == GOOD
    result = cli("fetch", "--only", "dfe/c1.csv", "--timeout", "5", "--accept-new", root=paths.root)
    assert result.exit_code == 0 and "updated" in result.output, result.output
    load_sources.cache_clear()
    assert load_sources(paths.config).files["dfe/c1.csv"].sha256 == sha256_file(paths.raw / "dfe" / "c1.csv")
