"""`pack --all-las` means the LAs that existed in the period: LAs created by a later
reorganisation are left out with one line saying so, not reported as failed packs."""

from __future__ import annotations

import threading

import pytest

import analysis.app.batch
from analysis.app.batch import las_in_period
from analysis.app.runner import PackResult

CREATED_AFTER_2018 = ("6 current LAs left out: they did not exist in 2017-18 Q4, being created by local "
                      "government reorganisation after it: Bournemouth, Christchurch and Poole and Dorset "
                      "(created 1 April 2019); North Northamptonshire and West Northamptonshire (created "
                      "1 April 2021); Cumberland and Westmorland and Furness (created 1 April 2023).")



@pytest.fixture
def packs_run(monkeypatch, tmp_path) -> list[str]:
    """The old codes of the LAs a batch runs a pack for (each pack stood in for, so none runs)."""
    calls: list[str] = []
    lock = threading.Lock()

    def run_pack(name, period, paths, **kwargs):
        with lock:
            calls.append(kwargs["authority"].old_code)
        return PackResult("quarterly_pack", name, period, "ok", tmp_path / name)

    monkeypatch.setattr(analysis.app.batch, "run_pack", run_pack)
    return calls

def test_the_las_that_existed_in_2017_18_q4(paths):
    existing, left_out = las_in_period("2017-18 Q4", paths)
    codes = {la.old_code for la in existing}
    # 153 LAs today, less the 6 created since 2019, plus the 5 they replaced: 152, as DfE
    # ranked in 2017-18 (re-referrals 2016-17: "142/152 nationally").
    assert len(existing) == 152
    assert {"835", "836", "837", "928", "909"} <= codes  # Dorset county, Poole, Bournemouth, ...
    assert not codes & {"838", "839", "940", "941", "942", "943"}
    assert not codes & {"820", "875"}  # Bedfordshire and Cheshire, gone in 2009
    assert left_out == CREATED_AFTER_2018


@pytest.mark.parametrize(("period", "count", "gone", "new"), [
    ("2021-22 Q4", 152, {"909"}, {"838", "839", "940", "941"}),  # Cumbria still, Northamptonshire split
    ("2024-25 Q1", 153, set(), {"942", "943"}),
])
def test_the_las_of_later_periods(paths, period, count, gone, new):
    existing, left_out = las_in_period(period, paths)
    codes = {la.old_code for la in existing}
    assert len(existing) == count and gone <= codes and new <= codes
    assert (left_out is None) == (period == "2024-25 Q1")


def test_pack_all_las_runs_the_las_of_the_period_and_exits_0(cli, paths, packs_run, tmp_path):
    calls = packs_run
    result = cli("pack", "--all-las", "--period", "2017-18Q4", "--no-pdf", "--output", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0] == CREATED_AFTER_2018
    assert lines[-1] == "152 ok, 0 failed"
    assert len(calls) == 152 and "835" in calls and "839" not in calls
    assert "failed" not in "\n".join(lines[1:-1])


def test_a_run_file_with_las_all_runs_the_las_of_the_period(paths, packs_run, tmp_path, caplog):
    calls = packs_run
    from analysis.app.runs import execute_run

    config = tmp_path / "all.yaml"
    config.write_text(f"las: all\nperiod: 2017-18 Q4\noutput: {tmp_path / 'out'}\npdf: false\n")
    with caplog.at_level("WARNING", logger="analysis"):
        results = execute_run(config, paths)
    assert len(results) == 152 and all(r.status == "ok" for r in results)
    assert sorted(calls) == sorted(la.old_code for la in las_in_period("2017-18 Q4", paths)[0])
    assert CREATED_AFTER_2018 in caplog.text
