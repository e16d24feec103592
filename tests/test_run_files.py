"""Run files (config/runs/*.yaml, ``python -m analysis run``) naming several LAs: each LA's
pack or deep dive is run or fails on its own; an unknown LA, or a lookup of LAs that cannot be
read, fails the LAs it concerns with one line each, never the run; the LAs' lookup
(data/raw/dfe/la-lookup) is read once for the whole run, not once per LA."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.core.config import Paths
from tests.conftest import replace_raw

#: The quarterly pack with each LA's returns, and the deep dive on each LA's records.
RUNS = {
    "pack": "notebooks: [quarterly_pack]\npack_records: records/{la}\n",
    "deep dive": "notebooks: [rereferrals_deep_dive]\nrecords: records/{la}.csv\n",
}


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Runs started, as (notebook, LA's slug, its records), with the packs themselves faked."""
    from analysis.app import runner

    seen: list[tuple[str, str, str]] = []

    def fake_pack(la, period, paths, **kw):
        seen.append(("quarterly_pack", kw["authority"].slug, kw["records"]))
        return runner.PackResult("quarterly_pack", la, period, "ok")

    def fake_dive(la, records, period, paths, **kw):
        seen.append(("rereferrals_deep_dive", kw["authority"].slug, Path(records).name))
        return runner.PackResult("rereferrals_deep_dive", la, period, "ok")

    monkeypatch.setattr(runner, "run_pack", fake_pack)
    monkeypatch.setattr(runner, "run_deep_dive", fake_dive)
    return seen


def _run(paths: Paths, tmp_path: Path, las: str, kind: str):
    from analysis.app.runs import execute_run

    config = tmp_path / "run.yaml"
    config.write_text(f"las: [{las}]\nperiod: 2022-23 Q4\n{RUNS[kind]}output: {tmp_path / 'out'}\n",
                      encoding="utf-8")
    return execute_run(config, paths)


@pytest.mark.parametrize("kind", RUNS)
def test_an_unknown_la_fails_alone_and_the_others_run(paths, tmp_path, started, kind):
    results = _run(paths, tmp_path, "Doncaster, Nowhereshire, Rotherham", kind)
    assert [(r.la, r.status) for r in results] == [
        ("Doncaster", "ok"), ("Nowhereshire", "failed"), ("Rotherham", "ok")]
    assert results[1].message == "parameter 'la': unknown local authority 'Nowhereshire'"
    assert [slug for _, slug, _ in started] == ["doncaster", "rotherham"]
    assert started[0][2] == ("records/doncaster" if kind == "pack" else "doncaster.csv")


@pytest.mark.parametrize("kind", RUNS)
def test_a_lookup_of_las_that_cannot_be_read_fails_every_la_with_its_file_named(
        project_copy, tmp_path, started, kind):
    lookup = replace_raw(project_copy, "dfe/la-lookup/las.csv", "la_name,old_la_code\nDoncaster,371\n")
    results = _run(project_copy, tmp_path, "Doncaster, Rotherham", kind)
    expected = f"{lookup}, column 'new_la_code': column missing: new_la_code, parent_geography_code, entity_code, status"
    assert [(r.la, r.status, r.message) for r in results] == [
        ("Doncaster", "failed", expected), ("Rotherham", "failed", expected)]
    assert started == []


@pytest.mark.parametrize("kind", RUNS)
def test_the_lookup_of_las_is_read_once_for_the_whole_run(paths, tmp_path, started, monkeypatch, kind):
    from analysis.data import geography

    reads: list[Path | None] = []
    real = geography.load_areas

    def counted(root=None):
        reads.append(root)
        return real(root)

    monkeypatch.setattr(geography, "load_areas", counted)
    results = _run(paths, tmp_path, "Doncaster, Rotherham, Lancashire", kind)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert [slug for _, slug, _ in started] == ["doncaster", "rotherham", "lancashire"]
    assert reads == [paths.root]


@pytest.mark.parametrize(("parameter", "what"), [("pack_records", "folder of returns"),
                                                  ("records", "records file")])
def test_several_las_need_a_path_each(parameter, what, tmp_path):
    """One path for several LAs is refused, naming the run file, the field and the fix; one LA,
    or a path with {la}, is fine."""
    from analysis.app.runs import check_one_path_per_la
    from analysis.core.errors import ParameterError

    config = tmp_path / "run.yaml"
    with pytest.raises(ParameterError) as caught:
        check_one_path_per_la("returns/", ["Doncaster", "Rotherham"], config, parameter, what)
    text = str(caught.value)
    assert f"{config}: one {what} for 2 LAs" in text and f"'{parameter}'" in text
    assert "put {la} in the path" in text
    check_one_path_per_la("returns/", ["Doncaster"], config, parameter, what)
    check_one_path_per_la("returns/{la}/", ["Doncaster", "Rotherham"], config, parameter, what)
