"""What a pack says about its releases is true: which years were out by the end of the quarter,
approximate dates printed as approximate, and the release each figure is actually taken from."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.data.geography import resolve_la
from analysis.data.periods import parse_quarter
from analysis.data.publications import PublishedDate, load_publications, published_text
from analysis.data.sources import figure_files, source_line, taken_from, year_of_period
from analysis.quarterly_pack.context import indicator_years
from analysis.quarterly_pack.report import build_pack_context
from analysis.quarterly_pack.sections.cover import data_sources

C1_2025 = "dfe/cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"
LAIT = "dfe/lait/bds_long_0.parquet"
LAIT_OLD = "dfe/lait/version_2024-11-25/bds_long_0.parquet"


@pytest.fixture(scope="module")
def rotherham_q4(bench_table, paths):
    return build_pack_context(resolve_la("Rotherham"), parse_quarter("2016-17 Q4"), paths=paths)


@pytest.fixture(scope="module")
def doncaster_q4(bench_table, paths):
    return build_pack_context(resolve_la("Doncaster"), parse_quarter("2017-18 Q4"), paths=paths)


# --- dates: approximate ones printed as approximate -----------------------------------------------

def test_an_approximate_date_is_printed_as_its_month_only():
    assert published_text(PublishedDate(date=dt.date(2017, 11, 2), approximate=True)) == "about November 2017"
    assert published_text(PublishedDate(date=dt.date(2018, 10, 25))) == "25 October 2018"


def test_dates_confirmed_from_the_files_metadata(paths):
    pubs = load_publications(paths.config)
    cin, cla = pubs.releases["cin"].published, pubs.releases["cla"].published
    # LAIT's data dictionary: CIN measures last updated October 2025; SOURCES.md: the 2025
    # CLA files were in DfE's dashboard repository on 27 November 2025. Both stay approximate.
    assert (cin[2025].date, cin[2025].approximate) == (dt.date(2025, 10, 31), True)
    assert (cla[2025].date, cla[2025].approximate) == (dt.date(2025, 11, 27), True)
    # Confirmed dates (each with its source in config/publications.yaml) are printed as days.
    assert published_text(cin[2018]) == "25 October 2018"
    assert published_text(pubs.releases["workforce"].published[2017]) == "15 February 2018"
    dates = [p for r in pubs.releases.values() for p in r.published.values()]
    assert (sum(p.approximate for p in dates), len(dates)) == (45, 54)


def test_no_printed_date_of_an_approximate_release_names_a_day(doncaster_q4):
    sources = data_sources(doncaster_q4)
    assert "Characteristics of children in need 2016-17, first published about November 2017" in sources
    assert "Children's social work workforce Sep 2017, first published 15 February 2018" in sources
    assert "2 Nov 2017" not in sources and "published 2 November" not in sources


# --- years published by the end of the quarter ---------------------------------------------------

def test_a_year_published_after_the_quarter_is_not_used(rotherham_q4, paths):
    """Re-offending 2015-16 first came out about January 2018, after 2016-17 Q4 (31 March 2017):
    the pack shows no re-offending figure and says when the first year came out."""
    years = indicator_years(parse_quarter("2016-17 Q4"), ["yj_reoffending_15_17", "re_referrals"], paths)
    assert years == {"yj_reoffending_15_17": None, "re_referrals": 2016}
    assert "yj_reoffending_15_17" not in set(rotherham_q4.latest["indicator"])
    assert "Youth Justice Statistics" not in data_sources(rotherham_q4)
    notes = [n.message for n in rotherham_q4.missing if n.indicator == "yj_reoffending_15_17"]
    assert notes == ["Proven re-offending by young people aged 15-17: left out; none of this pack's figures "
                     "had been published by the end of 2016-17 Q4 (they start with 2015-16, first "
                     "published about January 2018)."]


def test_lancashire_2017_18_q2_uses_no_release_published_later(bench_table, paths):
    ctx = build_pack_context(resolve_la("Lancashire"), parse_quarter("2017-18 Q2"), paths=paths)
    pubs = load_publications(paths.config)
    for row in ctx.latest.itertuples():
        first = pubs.first_published(row.indicator, int(row.year))
        assert first is not None and first.date <= dt.date(2017, 9, 30), row.indicator
    assert "Youth Justice Statistics" not in data_sources(ctx)


def test_every_pack_year_was_out_by_the_quarter_end(doncaster_q4, paths):
    pubs = load_publications(paths.config)
    for row in doncaster_q4.latest.itertuples():
        first = pubs.first_published(row.indicator, int(row.year))
        assert first is not None and first.date <= dt.date(2018, 3, 31), row.indicator


# --- the release the figures are taken from -------------------------------------------------------

def test_year_of_period():
    assert [year_of_period(p) for p in ("2016-17", "2016/17", "Sep 2016", "2015", "Q4")] == [
        2017, 2017, 2016, 2015, None]


def test_source_line_names_the_release_the_figures_come_from(catalogue, paths):
    line = source_line(catalogue.get("re_referrals"), "2016-17", paths)
    assert line == ("Source: DfE, Children in need: reporting year 2025, table C1, published about October "
                    "2025; figures for 2016-17, first published about November 2017 (Characteristics of "
                    "children in need). Open Government Licence v3.0.")
    # The looked-after rate of 2014-15 is read from the older LAIT version, 2016-17 from the current one.
    assert figure_files(catalogue.get("cla_rate"), 2015, paths) == (LAIT_OLD,)
    assert figure_files(catalogue.get("cla_rate"), 2017, paths) == (LAIT,)
    assert "version of 25 November 2024" in source_line(catalogue.get("cla_rate"), "2014-15", paths)
    assert "version of 8 April 2026" in source_line(catalogue.get("cla_rate"), "2016-17", paths)


def test_tables_of_one_release_are_named_once(paths):
    files = [C1_2025, LAIT, "dfe/cin/d3_cpps_subsequent_plan_2013_to_2025.csv"]
    assert taken_from(files, paths) == ("DfE, Children in need: reporting year 2025, tables C1 and D3, "
                                        "published about October 2025; DfE, Local Authority Interactive "
                                        "Tool (LAIT), version of 8 April 2026")


def test_the_cover_names_the_later_release_the_figures_are_taken_from(doncaster_q4):
    sources = data_sources(doncaster_q4)
    assert "figures as they stand in DfE, Children in need: reporting year 2025" in sources
    assert "Local Authority Interactive Tool (LAIT), version of 8 April 2026" in sources
    # 2014-15 figures are not shown in a 2017-18 Q4 pack: the older LAIT version is not named.
    assert "25 November 2024" not in sources


def test_the_deep_dive_names_the_release_its_comparators_come_from(tmp_path, paths, bench_table):
    import pandas as pd
    from test_deep_dive import COLUMNS, _rows

    from analysis.data.geography import load_areas
    from analysis.deep_dive.build import build_deep_dive

    records = tmp_path / "referrals.csv"
    pd.DataFrame(_rows(), columns=COLUMNS).to_csv(records, index=False)
    dive = build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), records, None, paths=paths,
                           today="2020-01-01")
    period = dive.tables["neighbours"]["dfe_year"].iloc[0]
    assert dive.dfe_source_only == (
        "Source: DfE, Children in need: reporting year 2025, table C1, published about October 2025 "
        f"(published figures, not from the records); figures for {period}, first published "
        f"{published_text(load_publications(paths.config).first_published('re_referrals', year_of_period(period)))} "
        "(Characteristics of children in need). Open Government Licence v3.0.")
    assert "Comparators: DfE, Children in need: reporting year 2025, table C1" in dive.dfe_source


def test_a_quarter_before_any_year_in_the_data_says_so_truly(bench_table, paths):
    """2013-14 Q3 ends 31 December 2013: DfE had published looked-after figures by then (for
    2012-13), but the toolkit's data start with 2014-15, first published about October 2015."""
    ctx = build_pack_context(resolve_la("Doncaster"), parse_quarter("2013-14 Q3"), paths=paths)
    notes = {n.indicator: n.message for n in ctx.missing}
    assert notes["cla_rate"] == ("Children looked after per 10,000 children: left out; none of this pack's "
                                 "figures had been published by the end of 2013-14 Q3 (they start with "
                                 "2014-15, first published about October 2015).")
    assert "cla_rate" not in set(ctx.latest["indicator"])


def test_one_source_line_for_several_indicators(catalogue, paths):
    from analysis.data.sources import combined_source_line

    items = [(catalogue.get("re_referrals"), "2016-17"), (catalogue.get("cpp_second_time"), "2016-17"),
             (catalogue.get("cla_rate"), "2016-17"), (catalogue.get("sw_turnover"), "Sep 2016")]
    assert combined_source_line(items, paths) == (
        "Source: DfE, Children in need: reporting year 2025, tables C1 and D3, published about October "
        "2025; DfE, Local Authority Interactive Tool (LAIT), version of 8 April 2026; figures for "
        "Characteristics of children in need 2016-17 first published about November 2017, Children looked "
        "after in England including adoptions 2016-17 first published about September 2017, Children's "
        "social work workforce Sep 2016 first published about February 2017. Open Government Licence v3.0.")
