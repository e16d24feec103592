"""The explorer finds what is typed with the shared resolver, keeps the last good view when a
name matches nothing, shows the year it shows, and labels an abolished LA's last year.

Figures: DfE's published re-referrals (CIN census table C1): Doncaster 2016-17 27.1% (1,429 of
5,275); Rotherham 26.1% (1,324 of 5,074); Kingston upon Hull 19.2% (907 of 4,725); Cumbria
2022-23, its last year before reorganisation, 22.0% (658 of 2,989).
"""

from __future__ import annotations

import pytest

from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.chart_view import view_chart


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def _view(data, **kwargs):
    return explorer.explorer_view(data, explorer.ExplorerSelection(**{"year": 2017, **kwargs}))


@pytest.mark.parametrize("typed", ["Hull", "Kingston upon Hull", "hull", "E06000010", "810"])
def test_hull_is_kingston_upon_hull(data, typed):
    view = _view(data, la=typed)
    assert view.la.name == "Kingston upon Hull, City of" and view.messages == ()
    assert "Kingston upon Hull, City of 19.2% (907 of 4,725)" in view.sentence


@pytest.mark.parametrize(("typed", "name"), [
    ("Bristol", "Bristol, City of"), ("Southend", "Southend-on-Sea"),
    ("Herefordshire", "Herefordshire, County of"), ("Brighton", "Brighton and Hove"),
    ("Durham", "County Durham"), ("Telford", "Telford and Wrekin"),
])
def test_the_issues_names_are_found(data, typed, name):
    assert _view(data, la=typed).la.name == name


def test_bcp_from_its_first_year(data):
    assert _view(data, la="BCP", year=2020).la.name == "Bournemouth, Christchurch and Poole"


def test_several_matches_are_listed(data):
    view = _view(data, la="Kingston")
    assert view.row is None
    assert view.messages == ("2 local authorities match 'Kingston': Kingston upon Hull, City of "
                             "(E06000010), Kingston upon Thames (E09000021); choose one.",)
    view = _view(data, indicator="care leavers")
    assert view.messages == (
        "4 indicators match 'care leavers': Care leavers aged 19-21 in education, employment or "
        "training; Care leavers aged 19-21 in suitable accommodation; Care leavers aged 19-21 not "
        "in education, employment or training; Care leavers the LA is not in touch with. Choose one.",)


def test_keeps_last_view_only_for_a_view_with_nothing_to_show(data):
    good, bad = _view(data), _view(data, la="Nowhere")
    assert explorer.keeps_last_view(good, bad)
    assert not explorer.keeps_last_view(None, bad)  # nothing shown yet: show the message
    assert not explorer.keeps_last_view(good, _view(data, la="Rotherham"))
    assert not explorer.keeps_last_view(bad, bad)


def test_the_year_box_shows_the_year_on_opening(data):
    from analysis.explorer.widgets import LATEST, ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection(la="Doncaster", indicator="cla_dental_checks"))
    assert app.year.label == "2024-25" and app.view.period == "2024-25"
    app.year.value = LATEST  # "Latest" is a choice that shows, not a blank box
    assert app.year.label == "Latest" and app.view.period == "2024-25"


def test_an_abolished_las_trend_ends_where_it_ends_and_names_its_successors(data):
    view = _view(data, la="Cumbria", year=None)
    assert (view.period, float(view.row["value"])) == ("2022-23", 22.0)
    ended = ("2022-23 is Cumbria's last year, before it was replaced by Cumberland and by "
             "Westmorland and Furness.")
    assert view.messages == (ended,)
    chart = view_chart(view, "trend")
    assert " ".join(chart.spec["title"]["subtitle"]).endswith(
        "2022-23 is Cumbria's last year, before it was replaced by Cumberland and by Westmorland and Furness.")
    assert chart.alt.endswith(ended)
    labels = [r for layer in _layers(chart.spec) for r in layer.get("data", {}).get("values", [])
              if isinstance(r, dict) and "text" in r]
    cumbria = next(r for r in labels if r["text"].startswith("Cumbria"))
    assert cumbria == {**cumbria, "period": "2022-23", "text": "Cumbria 22.0% (2022-23, its last year)"}
    assert all(r["period"] == "2024-25" for r in labels if r is not cumbria)
    # a year after it: the message names the LAs that replaced it
    after = _view(data, la="Cumbria", year=2025)
    assert after.messages[0] == (
        "Cumbria has no published figure for 2024-25 (Cumbria was abolished by local government "
        "reorganisation; its last year is the year ending March 2023, and it was replaced by "
        "Cumberland and by Westmorland and Furness).")


def _layers(spec):
    for layer in spec.get("layer", []):
        yield layer
        yield from _layers(layer)
    for key in ("hconcat", "vconcat"):
        for part in spec.get(key, []):
            yield from _layers(part)


def test_the_status_line_names_the_view_shown_never_what_was_typed(data):
    from analysis.explorer.widgets import ExplorerApp, status_text

    assert status_text(_view(data)) == "Showing Doncaster · Re-referrals within 12 months · 2016-17"
    assert status_text(_view(data, la="Doncster")) == "Nothing shown"
    assert status_text(None) == "Nothing shown"
    app = ExplorerApp(data, explorer.ExplorerSelection(la="Doncster", year=2017))  # nothing good yet
    # what the page shows, with the update's number hidden (for the page's scripts)
    assert app.status.value.startswith('Nothing shown<span class="explorer-update" hidden> · update 1 in ')
    assert app.messages.value == "No local authority matches 'Doncster'; did you mean 'Doncaster' or 'Manchester'?"
    app.la.value = "Rotherham"
    assert app.status.value.startswith("Showing Rotherham · Re-referrals within 12 months · 2016-17")
