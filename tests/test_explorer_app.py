"""The interactive explorer: selection -> view (analysis.explorer.view), the widgets
(analysis.explorer.widgets) driven in-process, and the served app's notebook check.

Figures are DfE's published re-referrals for 2016-17 (CIN census table C1): Doncaster 27.1%
(1,429 of 5,275), ranked 142 of 152; Rotherham 26.1% (1,324 of 5,074), 131 of 152; Barnsley
18.8%. The 15 Yorkshire and The Humber LAs' figures (9.0, 13.3, 15.6, 16.0, 18.8, 19.2, 19.6,
19.9, 20.3, 21.2, 23.5, 25.7, 26.1, 26.8, 27.1) sum to 302.1: a mean of 20.14%.
"""

from __future__ import annotations

import pytest

from analysis.core.errors import ParameterError
from analysis.explorer import bands, groups, search
from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.server import notebook_path

YORKSHIRE = ("Barnsley, Bradford, Calderdale, Doncaster, East Riding of Yorkshire, "
             "Kingston upon Hull, City of, Kirklees, Leeds, North East Lincolnshire, "
             "North Lincolnshire, North Yorkshire, Rotherham, Sheffield, Wakefield, York")


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def _view(data, **kwargs):
    return explorer.explorer_view(data, explorer.ExplorerSelection(**{"year": 2017, **kwargs}))


def test_doncaster_re_referrals_2016_17(data):
    view = _view(data)
    assert view.messages == ()
    assert view.period == "2016-17"
    assert float(view.row["value"]) == 27.1
    assert (int(view.row["rank"]), int(view.row["of"])) == (142, 152)
    assert "Doncaster 27.1% (1,429 of 5,275)" in view.sentence
    assert "ranked 142 of 152 nationally" in view.sentence
    # The statistical neighbours' mean is the engine's: 20.1% from all 10 neighbours.
    assert view.group is not None and round(view.group.mean, 1) == 20.1
    assert (view.group.count, view.group.size) == (10, 10)


def test_la_by_code_and_any_case(data):
    assert _view(data, la="371").la.name == "Doncaster"
    assert _view(data, la="rotherham").row["value"] == 26.1


def test_a_consortium_list_gives_its_mean_and_each_la(data):
    view = _view(data, la="Rotherham", comparator="list", group=search.split_names(YORKSHIRE))
    assert view.messages == ()
    assert view.group.count == 15 and view.group.size == 15
    assert view.group.mean == pytest.approx(302.1 / 15)
    line = groups.group_line(view.group, view.indicator, view.la, float(view.row["value"]))
    assert "Mean of the 15 LAs listed: 20.1%" in line
    assert "Rotherham is 6.0 percentage points above it" in line  # 26.1 - 20.14


def test_consortium_table_value_rank_band_judgement(data):
    view = _view(data, comparator="list", group=("Barnsley", "Rotherham", "Doncaster"))
    table = groups.consortium_table(view.group, view.all_values, view.indicator,
                                    float(view.row["england"]), 0.95)
    assert table["LA"].tolist() == ["Barnsley", "Rotherham", "Doncaster (selected)"]
    assert table["Value"].tolist() == ["18.8%", "26.1%", "27.1%"]
    assert table.loc[2, "National rank"] == "142 of 152"
    assert table.loc[2, "Count"] == "1,429 of 5,275"
    assert table["Band"].tolist() == ["B", "D", "D"]
    # England 21.9%: Barnsley's interval lies below it, Doncaster's (25.9 to 28.3) above.
    assert table["vs England (95%)"].tolist() == ["better", "worse", "worse"]


def test_region_group_is_the_la_s_region(data):
    view = _view(data, comparator="region")
    assert view.group.name == "LAs in Yorkshire and The Humber"
    assert view.group.size == 15 and view.group.mean == pytest.approx(302.1 / 15)


@pytest.mark.parametrize("names", [(), ("Doncaster",), ("Doncastr",)])
def test_a_list_of_one_la_or_none_gets_a_message_not_a_chart(data, names):
    view = _view(data, comparator="list", group=names)
    assert view.group is None
    assert any("A comparator list needs at least 2 LAs" in m for m in view.messages)
    assert view.row is not None  # the LA's own figures still show


def test_unknown_la_and_indicator_name_the_nearest(data):
    view = _view(data, la="Doncastr")
    assert view.row is None
    assert view.messages[0].startswith("No local authority matches 'Doncastr'; did you mean 'Doncaster'")
    view = _view(data, indicator="rereferals")
    assert view.messages[0].startswith("No indicator matches 'rereferals'. Nearest: Re-referrals within 12 months")


def test_year_not_published_lists_the_years(data):
    view = _view(data, year=2005)
    assert view.row is None
    years = explorer.published_years(data.table, "re_referrals")
    assert view.messages == (f"2004-05 is not published for this indicator; years published: "
                             f"{explorer.years_text(years)}.",)
    assert 2017 in years and 2005 not in years


def test_indicator_by_label_id_or_unique_part(data):
    cat = data.catalogue
    assert search.find_indicator("Re-referrals within 12 months", cat)[0].id == "re_referrals"
    assert search.find_indicator("RE_REFERRALS", cat)[0].id == "re_referrals"
    assert search.find_indicator("dental check", cat)[0].label.endswith("up-to-date dental check")
    assert search.find_indicator("referrals", cat)[0] is None  # several labels hold it


def test_indicator_choices_are_grouped_by_topic(catalogue):
    topics = [t for t, _ in search.indicator_choices(catalogue)]
    # each topic's indicators together: the topic never comes back once left
    runs = [t for i, t in enumerate(topics) if i == 0 or topics[i - 1] != t]
    assert len(runs) == len(set(topics)) > 1


def test_years_text_and_split_names():
    assert explorer.years_text([2013, 2014, 2015, 2017]) == "2012-13 to 2014-15 and 2016-17"
    assert explorer.years_text([2020]) == "2019-20"
    assert search.split_names("Barnsley, Kingston upon Hull, City of;York\nBristol, City of") == (
        "Barnsley", "Kingston upon Hull, City of", "York", "Bristol, City of")


def test_nearest_is_case_blind():
    assert search.nearest("DONCASTR", ["Doncaster", "Lancashire", "Leeds"])[0] == "Doncaster"
    assert search.nearest("zzzz", ["Doncaster"]) == []


def test_csv_has_the_row_the_group_and_the_source(data):
    # Numbers as numbers (the download once held "142/152" and "18.8%" as text).
    from analysis.explorer.downloads import view_csv

    view = _view(data, comparator="list", group=("Barnsley", "Rotherham"))
    text = view_csv(view, data).decode("utf-8")
    assert "Re-referrals within 12 months,per cent,2016-17,27.1,published,1429,5275,21.9" in text
    assert ",142,,152,D," in text and "Barnsley,no,Re-referrals within 12 months,per cent,2016-17,18.8," in text
    assert "Source: DfE, Children in need" in text and "Open Government Licence" in text


# --- the widgets, in-process (no browser) --------------------------------------------------

def _chart_data(box):
    """What a chart box holds: (the Vega-Lite spec or None, the HTML shown or "")."""
    from analysis.explorer.spec_style import MIME

    bundles = [o["data"] for o in box.outputs]
    spec = next((b[MIME] for b in bundles if MIME in b), None)
    return spec, " ".join(b.get("text/html", "") for b in bundles)


def test_widgets_redraw_in_place(data):
    from analysis.explorer.widgets import ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    assert "27.1" in app.table.value and "142/152" in app.table.value
    specs = {key: _chart_data(box)[0] for key, box in app.chart_boxes.items()}
    assert all(spec is not None for spec in specs.values())
    assert specs["funnel"]["description"].endswith("Doncaster: 27.1% from 5,275, above the 99.8% limit.")
    assert "The chart in words" in app.chart_words["funnel"].value
    assert all("explorer-update-1" in box._dom_classes for box in app.chart_boxes.values())
    assert "Doncaster" in app.funnel_text.value
    app.la.value = "Rotherham"
    assert "Rotherham 26.1% (1,324 of 5,074)" in app.sentence.value
    assert "Rotherham is 26.1%" in _chart_data(app.chart_boxes["group"])[0]["description"]
    assert all("explorer-update-2" in box._dom_classes and "explorer-update-1" not in box._dom_classes
               for box in app.chart_boxes.values())
    shown = {key: box.outputs for key, box in app.chart_boxes.items()}
    app.la.value = "Rotherhm"  # matches nothing: Rotherham's view stays, the message says why
    assert app.messages.value == "No local authority matches 'Rotherhm'; did you mean 'Rotherham'?"
    assert "Rotherham 26.1% (1,324 of 5,074)" in app.sentence.value and "26.1" in app.table.value
    assert all(box.outputs is shown[key] for key, box in app.chart_boxes.items())
    assert app.status.value.startswith("Showing Rotherham · Re-referrals within 12 months · 2016-17")
    app.la.value = "Doncaster"
    app.comparator.value = "list"
    assert "needs at least 2 LAs" in app.messages.value
    spec, shown = _chart_data(app.chart_boxes["group"])
    assert spec is None and "No comparator group to chart." in shown
    funnel = app.chart_boxes["funnel"].outputs
    app.fill_region.click()
    assert "Mean of the 15 LAs listed: 20.1%" in app.group_text.value
    assert app.messages.value == ""
    assert app.chart_boxes["funnel"].outputs is funnel  # the same chart: not sent again
    assert "explorer-bands" in app.bands.value and ">D</td>" in app.bands.value
    app.make_files.click()  # the files are made when asked for
    assert 'download="doncaster_re_referrals_2016-17.csv"' in app.csv_link.value
    assert app.status.value.startswith("Showing Doncaster · Re-referrals within 12 months · 2016-17")


# --- serving -------------------------------------------------------------------------------

def test_only_notebooks_in_notebooks_are_served(paths):
    assert notebook_path("notebooks/explorer.ipynb", paths) == (paths.notebooks / "explorer.ipynb").resolve()
    for bad in ("README.md", "notebooks/../README.md", "/etc/passwd", "notebooks/explorer.py",
                "../shared/explorer.ipynb", "notebooks/missing.ipynb"):
        with pytest.raises(ParameterError) as info:
            notebook_path(bad, paths)
        assert info.value.parameter == "notebook"


@pytest.mark.e2e
def test_notebook_runs_in_a_kernel_and_shows_the_explorer(paths, bench_table, tmp_path):
    """What JupyterLab does with notebooks/explorer.ipynb: run it (parameters set after its
    parameters cell, as papermill would); its output is the widget."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(paths.notebooks / "explorer.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('la = "Rotherham"\nyear = 2017'))
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 1
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    texts = " ".join(str(m["state"].get("value", "")) for m in state.values())
    assert "Rotherham 26.1% (1,324 of 5,074)" in texts


def test_band_grid_letters_and_colours(data):
    ind = data.catalogue.get("re_referrals")
    # Barnsley (18.8%), Rotherham (26.1%), Doncaster (27.1%) in 2016-17: bands B, D, D;
    # an LA code with no figures gets "-".
    grid = bands.band_grid(data, ["370", "372", "371", "999"], [ind], 2017)
    assert grid["LA"].tolist()[:3] == ["Barnsley", "Rotherham", "Doncaster"]
    assert grid[ind.label].tolist() == ["B", "D", "D", "-"]
    html = bands.band_grid_html(grid)
    assert html.count(">D</td>") == 2 and f"background:{bands.BAND_COLOURS['B']}" in html


def test_la_created_later_and_empty_boxes_get_a_line(data):
    view = _view(data, la="Dorset")  # the unitary Dorset reports from 2019-20
    assert any("Dorset has no published figure for 2016-17" in m and "reorganisation" in m
               for m in view.messages)
    assert _view(data, la="  ").messages == ("Type an LA's name or code (e.g. Doncaster or 371).",)
    assert _view(data, indicator="").messages == (
        "Type an indicator's name, or pick one from the list.",)
