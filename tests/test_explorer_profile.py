"""The explorer's LA profile: every indicator for an LA on one screen
(analysis.explorer.profile, profile_page, profile_spec, profile_view), the judged figures
``prepare`` works out once (analysis.engine.judged_store), the profile in the page's address
and the widgets that show it.

Figures: DfE's re-referrals for 2016-17 (CIN census table C1). Doncaster 27.1% (1,429 of
5,275), ranked 142 of 152, band D, 23.0% the year before; England 21.9%, Yorkshire and The
Humber 21.5%. Doncaster's ten statistical neighbours: Rotherham 26.1, Barnsley 18.8, North East
Lincolnshire 9.0, Wigan 22.9, Wakefield 26.8, Tameside 14.6, North Lincolnshire 19.6, Redcar and
Cleveland 15.0, Dudley 26.6, Telford and Wrekin 21.8: 201.2 / 10 = 20.12%. The 15 Yorkshire and
The Humber LAs' figures sum to 302.1: 20.14%. Barnsley 18.8% and Rotherham 26.1%: 22.45%.
Doncaster's re-referrals from 2012-13: 23.7%, then 2024-25: 29.4%. Children looked after with an
up-to-date dental check are published from 2017-18. Rotherham's child protection plans open two
years or more in 2016-17 are hidden by DfE ("c").
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.explorer import data as explorer_data
from analysis.explorer import view as explorer
from analysis.explorer.address import profile_address, selection_from_address
from analysis.explorer.profile import COLUMNS, group_means_of, profile_rows, trend_rows
from analysis.explorer.profile_page import (
    change_text,
    counts_text,
    judgement_text,
    opened_indicator,
    profile_html,
    sorted_profile,
    value_text,
)
from analysis.explorer.profile_spec import national_totals, profile_trend_spec
from analysis.explorer.profile_view import explorer_profile, indicators_in_order

YORKSHIRE_OLD_CODES = ("370", "380", "381", "371", "811", "810", "382", "383", "812", "813",
                       "815", "372", "373", "384", "816")


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


def _doncaster_rows(data, version=None):
    return explorer_data.la_judged_rows(data, "E08000017", version, 0.95)


def _profile(data, year=2017, **kwargs):
    return explorer_profile(data, explorer.ExplorerSelection(la="Doncaster", year=year, shows="profile",
                                                             **kwargs))


def test_doncaster_profile_2016_17_has_every_indicator_with_its_evidence(data):
    rows = profile_rows(_doncaster_rows(data), indicators_in_order(data), 2017,
                        releases=lambda ind, year: f"release of {ind.id} {year}")
    assert list(rows.columns) == list(COLUMNS)
    benchmarked = [i.id for i in data.catalogue.benchmarked()]
    assert sorted(rows["indicator"]) == sorted(benchmarked) and len(rows) == 35
    topics = list(rows["topic"])
    assert topics == sorted(topics, key=topics.index)  # each topic's rows together
    assert topics[0] == "Children in need and child protection" and topics[-1] == "Workforce"
    r = rows.set_index("indicator").loc["re_referrals"]
    assert (r["period"], r["value"], r["numerator"], r["denominator"]) == ("2016-17", 27.1, 1429, 5275)
    assert (r["england"], r["region"], round(r["group_mean"], 2)) == (21.9, 21.5, 20.12)
    assert (r["rank"], r["of"], r["band"], r["direction"], r["previous_value"]) == (142, 152, "D", "worsened", 23.0)
    assert (r["vs_england"], r["vs_region"], r["vs_neighbours"]) == ("worse", "worse", "worse")
    assert r["release"] == "release of re_referrals 2017" and r["status"] == "published"
    dental = rows.set_index("indicator").loc["cla_dental_checks"]  # first published for 2017-18
    assert pd.isna(dental["value"]) and dental["status"] == "not published" and dental["period"] == "2016-17"


def test_latest_year_of_each_indicator_when_no_year_is_chosen(data):
    rows = profile_rows(_doncaster_rows(data), indicators_in_order(data), None).set_index("indicator")
    assert (rows.loc["re_referrals", "period"], rows.loc["re_referrals", "value"]) == ("2024-25", 29.4)
    assert rows["value"].notna().all()  # each indicator in its own latest year with a figure


def test_a_hidden_figure_reads_c_and_a_missing_one_not_published(data):
    rotherham = explorer_data.la_judged_rows(data, "E08000018", None, 0.95)
    rows = profile_rows(rotherham, indicators_in_order(data), 2017).set_index("indicator")
    hidden = rows.loc["cpp_2_years_open"]
    assert hidden["status"] == "c" and value_text(hidden) == "c" and counts_text(hidden) == "–"
    assert value_text(rows.loc["cla_dental_checks"]) == "not published"
    assert judgement_text(rows.loc["cla_dental_checks"]) == "–"


def test_region_and_list_means(data, bench_table):
    years = {"re_referrals": 2017, "cla_dental_checks": None}
    region = group_means_of(bench_table, list(YORKSHIRE_OLD_CODES), years)
    assert round(region["re_referrals"], 2) == 20.14 and region["cla_dental_checks"] is None
    listed = group_means_of(bench_table, ["370", "372"], years)
    assert round(listed["re_referrals"], 2) == 22.45
    view = _profile(data, comparator="region")
    assert view.group_heading == "Mean of the region's LAs"
    assert round(view.rows.set_index("indicator").loc["re_referrals", "group_mean"], 2) == 20.14
    view = _profile(data, comparator="list", group=("Barnsley", "Rotherham"))
    assert round(view.rows.set_index("indicator").loc["re_referrals", "group_mean"], 2) == 22.45
    assert view.listed == ("370", "372")
    short = _profile(data, comparator="list", group=("Barnsley",))
    assert "needs at least 2 LAs" in short.messages[-1]


def test_the_profile_table_is_a_real_table_in_words(data):
    view = _profile(data)
    page = profile_html(view.rows, la_name="Doncaster", group_heading=view.group_heading, caption="Doncaster")
    assert page.startswith('<table class="explorer-profile-table explorer-grid"><caption>Doncaster</caption>')
    assert page.count('<th scope="col">') == 11 and page.count('<th scope="row">') == 35
    assert page.count('<th scope="rowgroup"') == 4 and page.count("<tbody>") == 4
    row = page[page.index('<tr data-indicator="re_referrals">'):]
    row = row[:row.index("</tr>")]
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells == ["2016-17", "27.1%", "1,429 of 5,275", "21.9%", "21.5%", "20.1%", "142 of 152", "D",
                     "▼ Worsened from 23.0%", "▼ Worse / ▼ Worse / ▼ Worse"]
    assert 'data-indicator="re_referrals"' in row and ">Re-referrals within 12 months</button>" in row
    r = view.rows.set_index("indicator")
    assert change_text(r.loc["cla_dental_checks"]) == "–"
    # a rate with no better direction: a position, no band, the change as higher or lower
    assert "20th highest of 151" in page and "↑ Higher from 685.6" in page


def test_sorting_keeps_topics_and_orders_within_each(data):
    rows = _profile(data).rows
    by_band = sorted_profile(rows, "band")
    cin = by_band[by_band["topic"] == "Children in need and child protection"]
    assert cin["indicator"].iloc[0] == "re_referrals"  # the only D in the topic in 2016-17
    assert list(cin["band"].iloc[:5]) == ["D", "B", "B", "B", "B"]
    assert list(by_band["topic"].drop_duplicates()) == list(rows["topic"].drop_duplicates())
    by_name = sorted_profile(rows, "name")
    workforce = list(by_name.loc[by_name["topic"] == "Workforce", "label"])
    assert workforce == sorted(workforce, key=str.lower)
    by_rank = sorted_profile(rows, "rank")
    assert by_rank["indicator"].iloc[0] == "re_referrals"  # 142 of 152: the worst share in the topic
    worse = sorted_profile(rows, "judgement")
    assert worse["indicator"].iloc[0] == "re_referrals"


def test_one_chart_for_every_indicator_trend(data):
    trend = trend_rows(_doncaster_rows(data), indicators_in_order(data))
    re = trend[trend["indicator"] == "re_referrals"]
    assert list(re["period"].iloc[:5]) == ["2012-13", "2013-14", "2014-15", "2015-16", "2016-17"]
    assert (re["value"].iloc[0], re["value"].iloc[4], re["value"].iloc[-1]) == (23.7, 27.1, 29.4)
    assert "cin_count" in national_totals(trend) and "re_referrals" not in national_totals(trend)
    chart = profile_trend_spec(trend, "Doncaster", decimals={"re_referrals": 1}, source="Source: DfE.",
                               file_name="doncaster_profile")
    main = chart.spec["vconcat"][0]
    assert main["facet"]["field"] == "panel" and main["columns"] == 5
    assert len(main["facet"]["sort"]) == trend["indicator"].nunique() == 35
    assert main["resolve"]["scale"]["y"] == "independent"
    assert not [v for v in main["data"]["values"] if v["panel"] == "Children in need at 31|March"
                and v["line"] == "England"]
    assert chart.alt.startswith("Small line charts of Doncaster's figure each year for each of its 35 "
                                "indicators with figures, with England's beside it (not for counts")
    assert "Re-referrals within 12 months: 23.7% in 2012-13, 29.4% in 2024-25;" in chart.alt
    assert chart.spec["description"] == chart.alt
    empty = profile_trend_spec(trend.iloc[:0], "Doncaster", decimals={}, source="", file_name="x")
    assert empty.spec is None and empty.note == "No figures to chart for Doncaster."


def test_the_profile_in_the_address(data):
    view = _profile(data)
    assert profile_address(view) == "la=E08000017&view=profile&year=2016-17&group=neighbours&level=95"
    latest = _profile(data, year=None, comparator="list", group=("Barnsley", "Rotherham"))
    assert profile_address(latest) == "la=E08000017&view=profile&group=list&level=95&list=370,372"
    landing = explorer.ExplorerSelection(shows="profile")
    chosen, problems = selection_from_address("la=Rotherham&view=profile&year=2016-17", data, explorer.ExplorerSelection())
    assert problems == () and (chosen.la, chosen.year, chosen.shows) == ("Rotherham", 2017, "profile")
    chosen, _ = selection_from_address("la=Rotherham", data, landing)  # the landing view: the profile
    assert chosen.shows == "profile"
    chosen, _ = selection_from_address("la=Rotherham&indicator=dental", data, landing)  # links shared before
    assert chosen.shows == "indicator"
    chosen, problems = selection_from_address("la=Rotherham&view=table", data, landing)
    assert chosen.shows == "profile" and problems == (
        "The address's view=table is not used (the views are profile and indicator); the default is shown.",)
    assert opened_indicator("cla_dental_checks 1733") == "cla_dental_checks" and opened_indicator("") == ""


def test_the_widgets_show_the_profile_open_an_indicator_and_come_back(data):
    from analysis.explorer.widgets import ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017, shows="profile"))
    assert app.body.children == app.sections["profile"]
    assert app.status.value.startswith('Showing Doncaster · profile · 2016-17<span class="explorer-update" '
                                       'hidden> · update 2 in ')
    assert "<td>142 of 152</td>" in app.profile.table.value
    assert app.address.value == "la=E08000017&amp;view=profile&amp;year=2016-17&amp;group=neighbours&amp;level=95"
    spec = app.profile.chart.outputs[0]["data"]["application/vnd.vegalite.v5+json"]
    assert spec["description"].startswith("Small line charts of Doncaster's")
    assert "explorer-update-2" in app.profile.chart._dom_classes
    app.profile.sort.value = "name"
    assert "sorted: indicator name, A to Z" in app.profile.table.value
    app.profile.open.value = "cla_dental_checks 1"  # a click on its name; not published in 2016-17
    assert app.body.children == app.sections["indicator"]
    assert app.status.value.startswith("Showing Doncaster · Children looked after with an up-to-date "
                                       "dental check · 2024-25")
    assert app.address.value.startswith("la=E08000017&amp;indicator=cla_dental_checks&amp;year=2024-25")
    app.back.click()  # the profile again, in its year
    assert app.status.value.startswith("Showing Doncaster · profile · 2016-17")
    app.la.value = "Rotherham"
    assert app.status.value.startswith("Showing Rotherham · profile · 2016-17")
    assert "<td>c</td>" in app.profile.table.value
    app.profile.open.value = "re_referrals 2"
    assert "Rotherham 26.1% (1,324 of 5,074)" in app.sentence.value
    assert app.address.value.startswith("la=E08000018&amp;indicator=re_referrals&amp;year=2016-17")
    app.back.click()
    app.la.value = "Rotherhm"  # the last profile stays, the line says why
    assert "did you mean 'Rotherham'" in app.messages.value
    assert app.status.value.startswith("Showing Rotherham · profile")
    app.indicator.value = "Referrals per 10,000 children"  # an indicator chosen: its detail
    assert app.body.children == app.sections["indicator"]


def test_prepared_judged_figures_equal_those_worked_out_per_la(data, paths, bench_table, tmp_path):
    from analysis.data.geography import las_of
    from analysis.engine.benchmark import benchmark_table
    from analysis.engine.judged_store import judged_path, read_judged, write_judged
    from analysis.engine.judgement import judge_table

    processed = tmp_path / "processed"
    processed.mkdir()
    shutil.copy(paths.benchmarks_table, processed / paths.benchmarks_table.name)
    mine = paths.model_copy(update={"processed": processed})
    assert read_judged(mine) is None  # not prepared
    _, written = write_judged(mine, bench_table, las_of(data.areas), data.catalogue)
    prepared = read_judged(mine)
    assert prepared is not None and len(prepared) == len(written)
    for name in ("Doncaster", "Rotherham", "Cumbria", "North Northamptonshire", "Isles of Scilly"):
        la = next(x for x in data.all_las if x.name == name)
        own = judge_table(benchmark_table(bench_table, la, data.catalogue, paths=paths), data.catalogue,
                          level=0.95).reset_index(drop=True)
        pd.testing.assert_frame_equal(prepared[prepared["la_code"] == la.new_code].reset_index(drop=True), own)
    # a table rebuilt since: the prepared figures are not used
    bench_table.iloc[:-1].to_parquet(mine.benchmarks_table, index=False)
    assert read_judged(mine) is None
    assert judged_path(mine).exists()


def test_latest_stays_latest_and_an_abolished_la_says_its_last_year(data):
    from analysis.explorer.widgets import ExplorerApp

    app = ExplorerApp(data, explorer.ExplorerSelection(shows="profile"))  # Year: Latest
    assert app.year.value == 0 and "the latest year published for each indicator" in app.status.value
    app.la.value = "Rotherham"
    assert app.status.value.startswith("Showing Rotherham · profile · the latest year published")
    app.profile.open.value = "re_referrals 1"
    assert app.status.value.startswith("Showing Rotherham · Re-referrals within 12 months · 2024-25")
    app.back.click()  # the profile's "Latest" again, not the detail's year
    assert app.year.value == 0 and "the latest year published for each indicator" in app.status.value
    app.la.value = "Cumbria"
    assert app.messages.value == ("2022-23 is Cumbria's last year, before it was replaced by Cumberland "
                                  "and by Westmorland and Furness.")
    cumbria = app.profile_view.rows.set_index("indicator")
    assert cumbria.loc["re_referrals", "period"] == "2022-23"
