"""The explorer's view in the page's address (analysis.explorer.address) and the widgets that
read and write it.

Figures: children looked after with an up-to-date dental check, LAIT's LACDental% for
Rotherham (372): 71% in 2017-18, 91% in 2024-25; re-referrals 2016-17 (CIN census table C1):
Rotherham 26.1% (1,324 of 5,074).
"""

from __future__ import annotations

import pytest

from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.address import selection_from_address, view_address

DEFAULT = explorer.ExplorerSelection()


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def test_a_view_as_an_address(data):
    view = explorer.explorer_view(data, explorer.ExplorerSelection(
        la="Rotherham", indicator="cla_dental_checks", year=2018, comparator="sn2021", level=0.998))
    assert view_address(view) == ("la=E08000018&indicator=cla_dental_checks&year=2017-18"
                                  "&group=neighbours-2021&level=99.8")
    latest = explorer.explorer_view(data, explorer.ExplorerSelection(la="Rotherham", indicator="cla_dental_checks"))
    assert view_address(latest).startswith("la=E08000018&indicator=cla_dental_checks&year=2024-25&")
    assert view_address(explorer.explorer_view(data, explorer.ExplorerSelection(la="Nowhere"))) == ""


def test_a_list_of_las_in_the_address(data):
    view = explorer.explorer_view(data, explorer.ExplorerSelection(
        la="Rotherham", year=2017, comparator="list", group=("Doncaster", "Barnsley", "Hull")))
    address = view_address(view)
    assert address == "la=E08000018&indicator=re_referrals&year=2016-17&group=list&level=95&list=371,370,810"
    chosen, problems = selection_from_address(address, data, DEFAULT)
    assert problems == ()
    assert chosen == explorer.ExplorerSelection(
        la="Rotherham", indicator="Re-referrals within 12 months", year=2017, comparator="list",
        group=("Doncaster", "Barnsley", "Kingston upon Hull, City of"), level=0.95)


@pytest.mark.parametrize("query", [
    "la=E08000018&indicator=cla_dental_checks&year=2017-18&group=neighbours&level=95",
    "?la=Rotherham&indicator=dental&year=2018",  # readable values
    "la=372&indicator=Children+looked+after+with+an+up-to-date+dental+check&year=2017%2F18&level=95%25",
])
def test_an_address_as_a_view(data, query):
    chosen, problems = selection_from_address(query, data, DEFAULT)
    assert problems == ()
    view = explorer.explorer_view(data, chosen)
    assert (view.la.name, view.indicator.id, view.period, float(view.row["value"])) == (
        "Rotherham", "cla_dental_checks", "2017-18", 71.0)


def test_each_bad_value_gets_a_line_and_the_default(data):
    chosen, problems = selection_from_address(
        "la=Nowhere&indicator=cla_dental_checks&year=1999&group=friends&level=90&utm=x", data, DEFAULT)
    assert chosen == explorer.ExplorerSelection(indicator="Children looked after with an up-to-date dental check")
    assert problems == (
        "The address's la=Nowhere is not used (no local authority matches 'Nowhere'); the default is shown.",
        "The address's year=1999 is not used (not a year in the data: 2012-13 to 2024-25); the default is shown.",
        "The address's group=friends is not used (the groups are neighbours, neighbours-2021, "
        "neighbours-2025, region, list); the default is shown.",
        "The address's level=90 is not used (the levels are 95 and 99.8); the default is shown.",
    )
    assert selection_from_address("", data, DEFAULT) == (DEFAULT, ())


def test_the_page_opens_on_its_address_and_writes_every_change_back(data):
    from analysis.explorer.widgets import ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection())
    assert app.address.value.startswith("la=E08000017&amp;indicator=re_referrals&amp;")
    app.open_address("?la=Rotherham&indicator=cla_dental_checks")
    assert "Rotherham 91%" in app.sentence.value and app.view.period == "2024-25"
    assert (app.la.value, app.year.label) == ("Rotherham", "2024-25")
    assert app.address.value == ("la=E08000018&amp;indicator=cla_dental_checks&amp;year=2024-25"
                                 "&amp;group=neighbours&amp;level=95")
    app.la.value = "Doncaster"
    assert app.address.value.startswith("la=E08000017&amp;indicator=cla_dental_checks&amp;year=2024-25")
    app.la.value = "Nowhere"  # nothing shown for it: the address stays on the view shown
    assert app.address.value.startswith("la=E08000017&amp;")


def test_a_bad_address_value_is_named_over_the_default_view(data):
    from analysis.explorer.widgets import ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    app.open_address("la=Rotherhm&year=2016-17")
    assert app.messages.value == ("The address's la=Rotherhm is not used (no local authority matches "
                                  "'Rotherhm'; did you mean 'Rotherham'?); the default is shown.")
    assert app.status.value.startswith("Showing Doncaster · Re-referrals within 12 months · 2016-17")
    app.la.value = "Rotherham"  # the line goes with the first change
    assert app.messages.value == "" and "Rotherham 26.1% (1,324 of 5,074)" in app.sentence.value


def test_a_list_in_the_address_that_names_no_la(data):
    chosen, problems = selection_from_address("group=list&list=Atlantis,371", data, DEFAULT)
    assert (chosen.comparator, chosen.group) == ("list", ("Doncaster",))
    assert problems == ("The address's list=Atlantis,371: No local authority matches 'Atlantis'. "
                        "Left out of the list.",)
