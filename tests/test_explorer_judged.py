"""The explorer's judged figures (analysis.explorer.data): every indicator at once for the list
and level a page starts on; a first switch to another neighbour list or level works out the
indicator shown only, with the same figures."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data.geography import resolve_la
from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.widgets import ExplorerApp


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


@pytest.mark.parametrize(("indicator", "version", "level"), [
    ("re_referrals", "2025", 0.998), ("cla_rate", None, 0.95), ("cla_dental_checks", "2021", 0.95)])
def test_one_indicator_alone_is_the_same_as_every_indicator_at_once(data, indicator, version, level):
    alone = explorer_data.judged_all(data, indicator, version, level)
    assert ("judged_all", version, level) not in data.cache
    explorer_data.judge_every(data, version, level)
    together = explorer_data.judged_all(data, indicator, version, level)
    assert together is not alone
    pd.testing.assert_frame_equal(alone, together)
    assert len(alone) > 1000


def test_a_first_switch_of_neighbour_list_or_level_works_out_the_indicator_shown(bench_table, paths):
    data = explorer_data.load_explorer_data(paths)  # nothing worked out yet
    explorer_data.judge_every(data, None, 0.95)  # as the page starts
    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    app.comparator.value = "sn2025"
    assert ("judged_one", "re_referrals", "2025", 0.95) in data.cache
    assert ("judged_all", "2025", 0.95) not in data.cache
    assert [k[1] for k in data.cache if k[:1] == ("judged_one",) and k[2:] == ("2025", 0.95)] == ["re_referrals"]
    # Doncaster's 2016-17 re-referrals are the same figure on any list: 27.1%, 142 of 152
    assert app.view.row["value"] == 27.1 and int(app.view.row["rank"]) == 142
    app.level.value = 0.998
    assert ("judged_one", "re_referrals", "2025", 0.998) in data.cache
    mine = explorer_data.la_judged(data, resolve_la("Doncaster"), "re_referrals", "2025", 0.998)
    assert mine.loc[mine["year"] == 2017, "vs_england"].item() == "worse"  # 25.9-28.3 at 95%; above at 99.8% too


@pytest.mark.parametrize(("indicator", "version"), [("re_referrals", None), ("cla_rate", "2021"),
                                                    ("cpp_second_time", "2025")])
def test_a_switch_of_level_judges_again_the_figures_worked_out_at_the_other(data, indicator, version):
    from analysis.engine.benchmark import benchmark_rows
    from analysis.engine.judgement import judge_table, judged_at

    explorer_data.judge_every(data, version, 0.95)
    relevelled = explorer_data.judged_all(data, indicator, version, 0.998)
    bench = benchmark_rows(data.rows(indicator), data.all_las, data.catalogue, indicators=[indicator],
                           neighbours_version=version, paths=data.paths)
    fresh = judge_table(bench, data.catalogue, level=0.998).reset_index(drop=True)
    pd.testing.assert_frame_equal(relevelled, fresh)
    assert (relevelled["vs_england"] != explorer_data.judged_all(data, indicator, version, 0.95)["vs_england"]).any()
    assert judged_at(fresh.drop(columns=["ci_low_95", "ci_high_95"]), 0.95) is None
