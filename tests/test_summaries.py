"""Honest quarterly summaries: measures without a figure counted, reported statuses counted
apart from worked-out ones, direction from statuses where a value is unknown."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.config import Paths
from analysis.data.geography import load_areas, resolve_la
from analysis.measures.local_status import status_direction, summary_text
from analysis.measures.pairing import quarter_report


@pytest.fixture(scope="module")
def q1(paths: Paths) -> dict[str, pd.DataFrame]:
    return quarter_report(resolve_la("Doncaster", load_areas(paths.root)), "2017-18 Q1", paths)


@pytest.fixture(scope="module")
def q4(paths: Paths) -> dict[str, pd.DataFrame]:
    return quarter_report(resolve_la("Doncaster", load_areas(paths.root)), "2017-18 Q4", paths)


def test_q1_summary_says_18_measures_have_no_figure(q1):
    # Seed 000 gives Q1 statuses for A2 (outside tolerance) and A3 (inside), no values; the
    # other 18 of Doncaster's 20 contract measures have no Q1 row at all.
    total = q1["summary"].set_index("area").loc["Total"]
    assert (total["measures"], total["with_figure"], total["without_figure"]) == (20, 0, 20)
    assert (total["outside_tolerance"], total["inside_tolerance"], total["no_value"]) == (1, 1, 18)
    assert (total["status_reported"], total["status_computed"]) == (2, 0)
    text = summary_text(q1["summary"], "2017-18 Q1")
    assert text.startswith("20 contract measures in 2017-18 Q1: 0 with a figure, 20 without.")
    assert "18 with no figure to judge" in text


def test_q4_summary_keeps_the_reports_counts_and_splits_sources(q4):
    total = q4["summary"].set_index("area").loc["Total"]
    # The Q4 2017/18 report's table: 2 outside, 7 inside, 9 on target, 2 with no target.
    assert [int(total[s]) for s in ("outside_tolerance", "inside_tolerance", "on_target", "no_target")] == [2, 7, 9, 2]
    assert (total["with_figure"], total["without_figure"]) == (10, 10)
    # A1 (26 against 22/28) and B8 (76 against 90/80) are worked out; the rest as reported.
    assert (total["status_computed"], total["status_reported"]) == (2, 18)


def test_direction_from_statuses_where_a_value_is_unknown(q4):
    st = q4["status"].set_index("indicator_code")
    # B8: 76 in Q4, only a status (inside tolerance) in Q3; Q4 is outside tolerance.
    assert st.loc["B8", "direction_previous_quarter"] == "status worsened"
    assert st.loc["B8", "direction_basis"] == "statuses"
    assert st.loc["A2", "direction_previous_quarter"] == "status unchanged"
    assert st.loc["A1", "direction_previous_quarter"] == "no comparison"


def test_status_direction_orders_statuses():
    now = pd.Series(["on_target", "inside_tolerance", "outside_tolerance", "no_target", "on_target"])
    before = pd.Series(["inside_tolerance", "inside_tolerance", "on_target", "on_target", None])
    got = status_direction(now, before).tolist()
    assert got[:3] == ["status improved", "status unchanged", "status worsened"]
    assert pd.isna(got[3]) and pd.isna(got[4])
