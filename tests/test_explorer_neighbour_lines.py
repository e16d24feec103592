"""Each comparator LA's own line on the explorer's trend (analysis.explorer.neighbour_lines).

Figures: DfE's re-referrals in 2024-25 (CIN census table C1, 2025 release): Rotherham 19.6%,
Wakefield 18.5%, Wigan 19.7%, Doncaster 29.4%, Tameside 27.7%. Of Rotherham's ten statistical
neighbours (the 2016-17 list), six are higher than 19.6% in 2024-25: Wigan 19.7, North East
Lincolnshire 21.4, Dudley 22.5, Barnsley 25.5, Tameside 27.7 and Doncaster 29.4.
"""

from __future__ import annotations

import pytest

from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.chart_view import chart_inputs, view_chart
from analysis.explorer.widgets import ExplorerApp


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def _view(data, **kwargs):
    return explorer.explorer_view(data, explorer.ExplorerSelection(**{"year": 2017, **kwargs}))


def _values(chart) -> list[dict]:
    return chart.spec["vconcat"][0]["data"]["values"]


def test_off_by_default_the_trend_has_its_four_lines(data):
    view = _view(data, la="Rotherham")
    assert view.member_lines is None
    assert {r["line"] for r in _values(view_chart(view, "trend"))} == {
        "Rotherham", "England", "Yorkshire and The Humber", "Neighbour mean"}


def test_one_line_per_neighbour_with_its_own_figures(data):
    chart = view_chart(_view(data, la="Rotherham", lines=True), "trend")
    rows = _values(chart)
    assert len({r["name"] for r in rows}) == 11  # Rotherham and its ten neighbours
    latest = {r["name"]: r["value"] for r in rows if r["period"] == "2024-25"}
    assert (latest["Rotherham"], latest["Wakefield"], latest["Wigan"], latest["Doncaster"]) == (
        19.6, 18.5, 19.7, 29.4)
    assert {r["name"] for r in rows if r["is_la"]} == {"Rotherham"}
    labels = [r["text"] for layer in chart.spec["vconcat"][0]["layer"] if "values" in layer.get("data", {})
              for r in layer["data"]["values"]]
    assert "Rotherham 19.6%" in labels and "Tameside 27.7%" in labels and len(labels) == 11


def test_the_alt_text_names_the_neighbours_just_above_and_below(data):
    chart = view_chart(_view(data, la="Rotherham", lines=True), "trend")
    assert chart.alt == (
        "Line chart of re-referrals within 12 months for Rotherham and each of its statistical "
        "neighbours (10 LAs), one line each, 2012-13 to 2024-25. In 2024-25 Rotherham is 19.6%, "
        "between Wakefield (18.5%) just below it and Wigan (19.7%) just above it. 6 of the 10 "
        "with a figure that year are higher.")
    assert chart.spec["description"] == chart.alt
    top = view_chart(_view(data, la="Doncaster", lines=True), "trend")
    assert "In 2024-25 Doncaster is 29.4%, the highest of the group; Tameside (27.7%) is just below it." in top.alt


def test_a_region_or_a_list_draws_its_own_members(data):
    region = view_chart(_view(data, la="Doncaster", lines=True, comparator="region"), "trend")
    assert len({r["name"] for r in _values(region)}) == 15
    assert "each of the LAs in Yorkshire and The Humber (14 LAs)" in region.alt
    listed = _view(data, la="Doncaster", lines=True, comparator="list", group=("Barnsley", "Rotherham"))
    assert "each of the 2 LAs listed (2 LAs)" in view_chart(listed, "trend").alt


def test_the_toggle_redraws_the_trend_only(data):
    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    before = {k: box.outputs for k, box in app.chart_boxes.items()}
    app.lines.value = True
    assert app.chart_boxes["trend"].outputs is not before["trend"]
    assert all(app.chart_boxes[k].outputs is before[k] for k in ("group", "all_las", "funnel"))
    assert "one line each" in app.chart_boxes["trend"].outputs[0]["data"]["text/plain"]
    view = _view(data, lines=True)
    assert chart_inputs(view, "trend") != chart_inputs(_view(data), "trend")
