"""What a pack says is checked before it is written (analysis/render/invariants.py): each
invariant on small hand-made packs that break it, and one that keeps it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.charts.trends import annual_trend
from analysis.core.blocks import Chart, Column, Note, Pack, Section, Table, Text
from analysis.core.evidence import Figure
from analysis.render.invariants import INVARIANTS, PackUntrueError, assert_true, check_pack
from analysis.render.output import write
from analysis.render.statements import period_end

META = {"la": "Doncaster", "period": "2017-18 Q4", "made": "7 December 2026",
        "sources": "Characteristics of children in need 2016-17, published 2 Nov 2017"}


def pack_of(*blocks, meta=None, intro="") -> Pack:
    return Pack("Test pack", dict(META if meta is None else meta),
                (Section("s1", "Section one", tuple(blocks), intro=intro),))


def found(pack: Pack, invariant: str) -> list[str]:
    return [p.line() for p in check_pack(pack, [invariant])]


def glance(rows: list[dict], extra: tuple[Column, ...] = ()) -> Table:
    frame = pd.DataFrame(rows)
    columns = (Column("label", "Indicator"), Column("year", "Year"),
               Column("value", "Doncaster", "number", unit_key="unit", decimals_key="decimals"),
               Column("children", "Children"),
               Column("england", "England", "number", unit_key="unit", decimals_key="decimals"),
               Column("rank", "Rank"), Column("band", "Band"), *extra)
    return Table("at_a_glance", frame, columns, "Published indicators", "Source: DfE.")


RE_REFERRALS = {"label": "Re-referrals within 12 months", "year": "2016-17", "unit": "percent",
                "decimals": 1, "value": 27.1, "children": "1,429 of 5,275", "england": 21.9,
                "rank": "142 of 152", "band": "D"}
CARE_LEAVERS = {"label": "Care leavers aged 19-21 in education, employment or training", "year": "2016-17",
                "unit": "percent", "decimals": 0, "value": 47.0, "children": "75 of 165", "england": 50.0,
                "rank": "96 of 151", "band": "C"}


def true_pack() -> Pack:
    return pack_of(
        Text("Re-referrals within 12 months, 2016-17: Doncaster 27.1% (1,429 of 5,275); "
             "ranked 142 of 152 nationally (best first).", figures=(Figure(27.1, "percent", 1, 1429, 5275),)),
        Text("Care leavers in education, employment or training: 47% (about 75 of 165).",
             figures=(Figure(47, "percent", 0, 75, 165, rounded_to=5),)),
        glance([RE_REFERRALS, {**CARE_LEAVERS, "children": "about 75 of 165"}]),
        Note("caveat", "Counts of care leavers are rounded by DfE to the nearest 5."))


def test_a_true_pack_keeps_every_invariant():
    assert check_pack(true_pack()) == []
    assert_true(true_pack())


# percent_counts ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Care leavers: 47% (75 of 165).",            # 75 of 165 is 45%
    "Care leavers: 75 of 165 (47%).",
    "Re-referrals 27.2% (1,429 of 5,275).",      # is 27.1%
    "Plans 9% (50 of 514)",                      # is 10% (9.73)
])
def test_a_percentage_its_counts_do_not_give_is_found(text):
    problems = found(pack_of(Text(text)), "percent_counts")
    assert len(problems) == 1 and "(if DfE rounded the counts, say \"about\")" in problems[0]


def test_the_message_names_section_place_and_the_worked_percentage():
    [line] = found(pack_of(Text("Care leavers: 47% (75 of 165).")), "percent_counts")
    assert line.startswith("section s1, text: 75 of 165 is 45%, not 47%")
    assert '"47% (75 of 165)"' in line


@pytest.mark.parametrize("text", [
    "27.1% (1,429 of 5,275)", "1,429 of 5,275 (27.1%)", "47% (about 75 of 165)",
    "90% (about 148 of 165)", "ranked 142 of 152 (best first)", "7 of 10 with a figure"])
def test_true_or_approximate_statements_pass(text):
    assert found(pack_of(Text(text)), "percent_counts") == []


def test_about_does_not_excuse_an_impossible_percentage():
    assert found(pack_of(Text("60% (about 75 of 165)")), "percent_counts")


def test_percentages_in_chart_titles_alt_text_and_notes_are_checked():
    chart = Chart("c", annual_trend, {}, alt_text="Doncaster 47% (75 of 165).", source="Source: DfE.",
                  title="Care leavers 75 of 165 (47%)")
    problems = found(pack_of(chart, Note("caveat", "8% (1 of 8)")), "percent_counts")
    assert [p.split(":")[0] for p in problems] == ["section s1, chart c, title", "section s1, chart c, alt text",
                                                   "section s1, note"]


def test_a_table_row_counts_cell_must_give_its_percentage():
    problems = found(pack_of(glance([RE_REFERRALS, CARE_LEAVERS])), "percent_counts")
    assert problems == ['section s1, table at_a_glance, row 2, columns Doncaster and Children: 75 of 165 is 45%, '
                        'not 47% (if DfE rounded the counts, say "about"): "47% (75 of 165)"']


def test_a_figure_with_rounded_counts_must_be_shown_with_about():
    rounded = Figure(47, "percent", 0, 75, 165, rounded_to=5, label="Care leavers EET")
    problems = found(pack_of(Text("Care leavers 47% (75 of 165 rounded).", figures=(rounded,))), "percent_counts")
    assert any("shown without \"about\"" in p for p in problems)
    assert found(pack_of(Text("Care leavers 47% (about 75 of 165).", figures=(rounded,))), "percent_counts") == []


def test_a_figure_whose_value_is_not_its_counts_is_found():
    wrong = Figure(28.0, "percent", 1, 1429, 5275, label="Re-referrals")
    assert found(pack_of(Text("Re-referrals.", figures=(wrong,))), "percent_counts") == [
        'section s1, text: the figure\'s counts 1,429 of 5,275 give 27.1%, not 28.0%: "Re-referrals"']


# sources_published ---------------------------------------------------------------------------

def test_a_source_published_after_the_period_is_found():
    meta = {**META, "period": "2016-17 Q4",
            "sources": "Characteristics of children in need 2015-16, published 3 Nov 2016; "
                       "Youth Justice Statistics 2015-16, published 25 Jan 2018"}
    [line] = found(pack_of(meta=meta), "sources_published")
    assert "Youth Justice Statistics 2015-16" in line and "after the pack's date (31 Mar 2017)" in line


def test_a_source_marked_as_published_later_passes():
    meta = {**META, "sources": "Children's social work workforce Sep 2018, published later (28 Feb 2019)"}
    assert found(pack_of(meta=meta), "sources_published") == []
    meta = {**META, "sources": "Youth Justice Statistics 2016-17, published 25 Jan 2018"}
    assert found(pack_of(meta=meta), "sources_published") == []


def test_first_published_and_approximate_dates_are_read():
    meta = {**META, "period": "2016-17 Q4",
            "sources": "Characteristics of children in need 2015-16, first published about November 2016; "
                       "Youth Justice Statistics 2015-16, first published about January 2018; "
                       "Children's social work workforce Sep 2017, first published 15 February 2018"}
    problems = found(pack_of(meta=meta), "sources_published")
    assert [p.split('"')[1] for p in problems] == ["Youth Justice Statistics 2015-16, first published about January 2018",
                                                   "Children's social work workforce Sep 2017, first published 15 "
                                                   "February 2018"]
    assert "published 01 Jan 2018, after the pack's date (31 Mar 2017)" in problems[0]


def test_a_pack_not_about_a_quarter_needs_its_sources_out_by_the_day_it_was_made():
    sources = "DfE, Children in need: reporting year 2025, table C1, published about October 2025"
    explorer = {**META, "period": "2012-13 to 2024-25", "made": "7 December 2026", "sources": sources}
    assert found(pack_of(meta=explorer), "sources_published") == []
    early = {**explorer, "made": "1 September 2025"}
    assert "after the pack's date (01 Sep 2025)" in found(pack_of(meta=early), "sources_published")[0]


def test_the_versions_the_figures_are_taken_from_are_marked_as_later():
    meta = {**META, "sources": "Characteristics of children in need 2016-17, first published about November 2017; "
                               "figures as they stand in DfE, Children in need: reporting year 2025, tables C1, D3 "
                               "and D5, published about October 2025; DfE, Characteristics of children in need: "
                               "2023, tables C1 and B1, published about October 2023"}
    assert found(pack_of(meta=meta), "sources_published") == []


def test_a_figure_from_a_later_release_is_found():
    late = Figure(12.0, published=dt.date(2018, 5, 10), source="Children looked after 2017-18 (provisional)")
    assert found(pack_of(Text("12.0%", figures=(late,))), "sources_published")
    assert found(pack_of(Text("12.0% (published later than the quarter)", figures=(late,))),
                 "sources_published") == []


@pytest.mark.parametrize(("label", "end"), [
    ("2017-18 Q4", dt.date(2018, 3, 31)), ("2017-18 Q1", dt.date(2017, 6, 30)),
    ("2013-14 Q3", dt.date(2013, 12, 31)), ("2016-17", dt.date(2017, 3, 31)),
    ("Sep 2017", dt.date(2017, 9, 30)), ("2016", dt.date(2016, 12, 31)),
    ("2018-19 (year ending 31 March 2019)", dt.date(2019, 3, 31)), ("2012-13 to 2024-25", dt.date(2025, 3, 31)),
    ("7 December 2026", dt.date(2026, 12, 7)), ("not a period", None)])
def test_period_ends(label, end):
    assert period_end(label) == end


# rank_beside_figure --------------------------------------------------------------------------

def profile(rows: list[dict], year: bool) -> Table:
    columns = (Column("measure", "Measure"),
               Column("value", "Latest", "number", unit_key="unit", decimals_key="decimals"),
               *((Column("benchmark_year", "Benchmark year"),) if year else ()),
               Column("rank", "Rank"), Column("band", "Band"))
    return Table("profile", pd.DataFrame(rows), columns, "Contract measures", "Source: return.")


A1 = {"measure": "Re-referrals within 12 months", "value": 26.0, "unit": "percent", "decimals": 1,
      "benchmark_year": "2016-17", "rank": "142 of 152", "band": "D"}


def test_a_rank_beside_a_figure_of_no_stated_year_is_found():
    problems = found(pack_of(profile([A1], year=False)), "rank_beside_figure")
    assert len(problems) == 2 and all("shows no year" in p for p in problems)
    assert "Re-referrals within 12 months: Rank 142 of 152, beside Latest 26.0" in problems[0]


def test_a_rank_beside_its_figure_with_the_year_in_one_cell_passes():
    columns = (Column("measure", "Measure"), Column("value", "Latest", "number", unit_key="unit", decimals_key="decimals"),
               Column("published_text", "Published (year)"), Column("rank", "Rank"), Column("band", "Band"))
    rows = [{**A1, "published_text": "27.1% (2016-17)"}, {**A1, "value": None, "published_text": "17.3 (Sep 2017)"}]
    table = Table("profile", pd.DataFrame(rows), columns, "Contract measures", "Source: return.")
    assert found(pack_of(table), "rank_beside_figure") == []
    blank = Table("profile", pd.DataFrame([{**A1, "published_text": ""}]), columns, "C", "S.")
    assert len(found(pack_of(blank), "rank_beside_figure")) == 2


def test_a_rank_with_no_figure_is_found():
    problems = found(pack_of(profile([{**A1, "value": None}], year=True)), "rank_beside_figure")
    assert len(problems) == 2 and all("no figure beside it" in p for p in problems)


def test_a_rank_beside_its_figure_and_year_passes():
    assert found(pack_of(profile([A1], year=True)), "rank_beside_figure") == []
    assert found(pack_of(glance([RE_REFERRALS])), "rank_beside_figure") == []


def test_a_funnel_position_in_words_is_not_a_rank():
    frame = pd.DataFrame({"label": ["Care leavers"], "value": [53.0], "position": ["above the 95% limit"]})
    table = Table("funnel_points", frame, (Column("label", "Indicator"), Column("value", "Value", "percent"),
                                           Column("position", "Position")), "Funnel points", "Source: DfE.")
    assert found(pack_of(table), "rank_beside_figure") == []
    ranked = Table("funnel_points", frame.assign(position="20th highest of 151"), table.columns, "F", "S.")
    assert found(pack_of(ranked), "rank_beside_figure")


# series_by_date ------------------------------------------------------------------------------

def trend(frame: pd.DataFrame) -> Chart:
    return Chart("trend", annual_trend, {"series": frame}, alt_text="A trend.", source="Source: DfE.")


def test_a_series_in_label_order_is_found():
    months = pd.DataFrame({"period": ["April 2017", "August 2017", "December 2017", "February 2018",
                                      "January 2018"], "value": [29.8, 26.1, 24.0, 25.3, 28.7]})
    [line] = found(pack_of(trend(months)), "series_by_date")
    assert "chart trend, input series" in line and "not in date order by period" in line


def test_a_financial_year_after_a_month_label_is_found():
    mixed = pd.DataFrame({"indicator": ["x", "x"], "period": ["Sep 2017", "2016-17"], "value": [1.0, 2.0]})
    assert found(pack_of(trend(mixed)), "series_by_date")


def test_series_in_date_order_pass_line_by_line():
    frame = pd.DataFrame({"indicator": ["a", "a", "b", "b"], "year": [2016, 2017, 2016, 2017],
                          "period": ["2015-16", "2016-17", "2015-16", "2016-17"], "value": [1, 2, 3, 4]})
    quarters = pd.DataFrame({"period": ["2017-18 Q3", "2017-18 Q4", "2018-19 Q1"], "value": [1, 2, 3]})
    assert found(pack_of(trend(frame), Chart("q", annual_trend, {"series": quarters}, alt_text="Q.",
                                             source="S.")), "series_by_date") == []


# suppression_words ---------------------------------------------------------------------------

RULE = ('Counts from 1 to 4 are shown as "c" and every other count is rounded to the nearest 5, '
        "with percentages worked out from the rounded counts.")


def suppressed(counts: list[object]) -> Table:
    frame = pd.DataFrame({"group": [f"g{i}" for i in range(len(counts))], "n": counts})
    return Table("groups", frame, (Column("group", "Group"), Column("n", "Referrals", "count")),
                 "Groups", "Source: records.")


def test_words_that_match_the_rule_and_the_tables_pass():
    assert found(pack_of(Text(RULE), suppressed(["c", 0, 15, 1475])), "suppression_words") == []


def test_words_that_do_not_match_the_rule_are_found():
    problems = found(pack_of(Text(RULE.replace("1 to 4", "1 to 9").replace("nearest 5", "nearest 10")),
                             suppressed(["c", 20])), "suppression_words")
    assert any("hides counts from 1 to 4, not 1 to 9" in p for p in problems)
    assert any("rounds to the nearest 5, not 10" in p for p in problems)


def test_a_count_the_words_say_is_hidden_or_rounded_is_found():
    problems = found(pack_of(Text(RULE), suppressed(["c", 3, 17])), "suppression_words")
    assert [p.split(":")[0] for p in problems] == ["section s1, table groups, row 2, column Referrals",
                                                   "section s1, table groups, row 3, column Referrals"]


# counts_not_compared -------------------------------------------------------------------------

def test_a_count_beside_england_or_ranked_is_found():
    row = {"label": "Children in need", "year": "2016-17", "unit": "count", "decimals": 0, "value": 1937.0,
           "children": "", "england": 389040.0, "rank": "12 of 152", "band": ""}
    problems = found(pack_of(glance([row])), "counts_not_compared")
    assert [p.split(":")[0] for p in problems] == ["section s1, table at_a_glance, row 1, column England",
                                                   "section s1, table at_a_glance, row 1, column Rank"]


def test_rates_and_averages_beside_england_pass():
    caseload = {"label": "Average caseload", "year": "Sep 2017", "unit": "count", "decimals": 1, "value": 17.3,
                "children": "", "england": 17.7, "rank": "69 of 151", "band": "B"}
    assert found(pack_of(glance([RE_REFERRALS, caseload])), "counts_not_compared") == []


# no_internal_names ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Status: inside_tolerance", "Neighbours sn_mean_value", "Measure P01_rereferrals is late",
    "England 80.10000000000001", "Value 0.29999999999999993"])
def test_internal_names_and_float_noise_are_found(text):
    assert found(pack_of(Text(text)), "no_internal_names")


def test_internal_names_in_table_cells_and_headings_are_found():
    frame = pd.DataFrame({"status": ["inside_tolerance"], "x": [1.0]})
    table = Table("t", frame, (Column("status", "Status"), Column("x", "sn_mean_value", "number")),
                  "Caption", "Source: return.")
    assert [p.split(":")[0] for p in found(pack_of(table), "no_internal_names")] == [
        "section s1, table t, row 1, column Status", "section s1, table t, heading"]


@pytest.mark.parametrize("text", [
    "Doncaster (E08000017, 371): measures A1, E34 and FO2", "see tables/at_a_glance.csv",
    "Records: file synthetic_referrals.csv", "Re-referrals 27.1%", "Section 47 enquiries"])
def test_official_codes_and_file_names_pass(text):
    assert found(pack_of(Text(text)), "no_internal_names") == []


def test_hidden_columns_are_not_read():
    frame = pd.DataFrame({"measure": ["Re-referrals"], "sn_mean_value": [20.12]})
    table = Table("t", frame, (Column("measure", "Measure"),
                               Column("sn_mean_value", "sn_mean_value", "number", display=False)), "C", "S.")
    assert found(pack_of(table), "no_internal_names") == []


# the check on write --------------------------------------------------------------------------

def test_write_refuses_an_untrue_pack_and_writes_nothing(tmp_path):
    pack = pack_of(Text("Care leavers: 47% (75 of 165)."), Text("Status inside_tolerance"))
    with pytest.raises(PackUntrueError) as err:
        write(pack, tmp_path / "out", formats=("files",))
    message = str(err.value)
    assert "Test pack: the pack says 2 things its figures do not bear out:\n    section s1, text: 75 of 165" in message
    assert "section s1, text: 75 of 165 is 45%, not 47%" in message
    assert "section s1, text: an internal field name (inside_tolerance)" in message
    assert len(err.value.problems) == 2
    assert not (tmp_path / "out").exists()


def test_write_writes_a_true_pack(tmp_path):
    written = write(true_pack(), tmp_path / "out", formats=("files",))
    assert (tmp_path / "out" / "notes.csv") in written


def test_every_invariant_is_listed():
    assert list(INVARIANTS) == ["percent_counts", "sources_published", "rank_beside_figure", "series_by_date",
                                "suppression_words", "counts_not_compared", "no_internal_names"]
