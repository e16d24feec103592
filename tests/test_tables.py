"""Tables a clerk would publish as they are: the contract-measure tables' tolerance column and
status shares (Doncaster 2017-18 Q4 against the council's report, seed 001 para 2.2), one number
format per column in the three packs with local sections, numbers as numbers in CSV and XLSX
with hidden counts as "c" and a source line under every table, "c" (never "suppressed") in the
deep dive, and notes.csv naming indicators in the reader's words."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

from analysis.core.blocks import Column, Pack, Table
from analysis.engine.tables import shares_adding_to_100
from analysis.render import files
from analysis.render.formats import (
    column_decimals,
    decimals_for,
    download_cell,
    download_label,
    excel_format,
    format_cell,
    formatted_rows,
    is_numeric,
    row_column,
)

PACKS = [("Doncaster", "2017-18 Q4"), ("Rotherham", "2016-17 Q4"), ("Lancashire", "2017-18 Q2")]


@pytest.fixture(scope="module")
def packs(checked_packs) -> dict[str, Pack]:
    """The three packs, by LA: the session's checked packs (tests/conftest.py), built once."""
    return {la: checked_packs[f"{la.lower()}-{period.lower().replace(' ', '-')}"] for la, period in PACKS}


def _table(pack: Pack, name: str) -> Table:
    return next(t for t in pack.tables() if t.name == name)


def _shown(table: Table) -> list[dict[str, str]]:
    columns = [c for c in table.columns if c.display]
    return [dict(zip([c.label for c in columns], row, strict=True))
            for row in formatted_rows(table.frame, columns)]


# --- shares that add up to 100 -------------------------------------------------------------

@pytest.mark.parametrize(("counts", "shares"), [
    ([2, 7, 9, 2], [10, 35, 45, 10]),   # Doncaster 2017-18 Q4, seed 001 para 2.2
    ([1, 1, 1], [34, 33, 33]),          # 33.3 each: the first remainder tie rounds up
    ([1, 2], [33, 67]),                 # 33.3 and 66.7: the larger remainder rounds up
    ([3, 3, 1], [43, 43, 14]),          # 42.86, 42.86, 14.29: 42+42+14 = 98, two more
    ([0, 5, 0], [0, 100, 0]),
    ([0, 0], [0, 0]),                   # nothing to share
])
def test_shares_add_up_to_100_by_largest_remainder(counts, shares):
    assert shares_adding_to_100(counts) == shares
    assert sum(shares) in (0, 100)


# --- the contract-measure tables: tolerance and status shares -------------------------------

def test_doncaster_tolerance_column_holds_the_reports_tolerances(packs):
    """Seed 001 'Areas for improvement': A1 26%, target 22%, tolerance 28%; B8 76%, target 90%,
    tolerance 80%."""
    profile = _table(packs["Doncaster"], "profile")
    rows = {r["Measure"]: r for r in _shown(profile)}
    a1 = rows["Re-referrals within 12 months"]
    b8 = rows["Care proceedings on track to finish within 26 weeks"]
    assert (a1["Latest"], a1["Target"], a1["Tolerance"]) == ("26%", "22%", "28%")
    assert (b8["Latest"], b8["Target"], b8["Tolerance"]) == ("76%", "90%", "80%")
    labels = [c.label for c in profile.columns if c.display]
    assert labels.index("Tolerance") == labels.index("Target") + 1
    down = files.download_frame(profile).set_index("Code")
    assert (down.at["A1", "Tolerance"], down.at["B8", "Tolerance"]) == (28, 80)


def test_doncaster_status_table_has_the_reports_shares_under_the_counts(packs):
    """Seed 001 para 2.2: Total 2 / 7 / 9 / 2, and under it 10% / 35% / 45% / 10%."""
    table = _table(packs["Doncaster"], "status_summary")
    rows = _shown(table)
    total, share = rows[-2], rows[-1]
    statuses = ["Outside tolerance", "Inside tolerance", "On target", "No target"]
    assert [total[s] for s in statuses] == ["2", "7", "9", "2"] and total["All measures"] == "20"
    assert share["Area"] == "Per cent of all measures"
    assert [share[s] for s in statuses] == ["10%", "35%", "45%", "10%"] and share["All measures"] == "100%"
    assert any("add up to 100" in n for n in table.notes)
    assert "No figure" not in total  # every measure has a status: no empty column
    down = files.download_frame(table).set_index("Area")
    assert down.loc["Per cent of all measures", statuses].tolist() == [10, 35, 45, 10]
    assert down.loc["Per cent of all measures", "Unit"] == "percentage"
    assert down.loc["Total", "Unit"] == "number"


@pytest.mark.parametrize("la", ["Rotherham", "Lancashire"])
def test_every_packs_status_shares_add_up_to_100(packs, la):
    rows = _shown(_table(packs[la], "status_summary"))
    share = rows[-1]
    assert share["Area"] == "Per cent of all measures"
    values = [int(v.rstrip("%")) for k, v in share.items() if k not in ("Area", "All measures")]
    assert sum(values) == 100


# --- one number format per column ------------------------------------------------------------

_NUMBER = re.compile(r"^(?:about )?[<>]?-?[\d,]+(?:\.(\d+))?(%?)(?: \(.*\))?$")


@pytest.mark.parametrize("la", [la for la, _ in PACKS])
def test_every_column_has_one_format_per_measure(packs, la):
    """Every number a table shows has the decimals its column (or, in a column of several
    measures, its row's measure) gives, and "%" exactly where it is a percentage: "439" never
    "439.0", "26%" never "26.0%" beside "99%"; a column of one measure has one format."""
    checked = 0
    for table in packs[la].tables():
        columns = [c for c in table.columns if c.display and (is_numeric(c) or c.unit_key)]
        for column in columns:
            fixed = column_decimals(table.frame, column)
            formats = set()
            for record, (text,) in zip(table.frame.to_dict("records"),
                                       formatted_rows(table.frame, [column]), strict=True):
                match = _NUMBER.match(text)
                if not match:
                    continue
                col = row_column(fixed, record)
                value = record.get(column.key)
                number = float(value) if isinstance(value, int | float) else None
                places = (col.decimals or 0) if col.kind == "count" else decimals_for(col, number)
                assert len(match.group(1) or "") == places, (table.name, column.label, text)
                assert (match.group(2) == "%") == (col.kind == "percent"), (table.name, column.label, text)
                formats.add((col.kind, places))
                checked += 1
            if not column.unit_key:
                assert len(formats) <= 1, (table.name, column.label, formats)
    assert checked > 20


def test_doncaster_figures_as_the_report_gives_them(packs):
    """E35 439 (seed 001: "Rate = 439"), A6 1.6% ("= 1.6%"), volumes whole."""
    volumes = {r["Measure"]: r["Latest"] for r in _shown(_table(packs["Doncaster"], "volumes"))}
    assert volumes == {"Contacts to children's social care (monthly average)": "1,789",
                       "Children in need (quarter average)": "1,937",
                       "Children in need per 10,000 children (quarter average)": "439"}
    profile = {r["Measure"]: r["Latest"] for r in _shown(_table(packs["Doncaster"], "profile"))}
    assert profile["Child protection plans lasting 2 years or more"] == "1.6%"
    assert profile["Youth offending custody rate"] == "0.04"
    assert profile["Re-referrals within 12 months"] == "26%"


def test_a_number_column_takes_the_decimals_its_figures_need_for_every_row():
    frame = pd.DataFrame({"v": [439.0, 27.5, 1789.0]})
    assert formatted_rows(frame, [Column("v", "V", "number")]) == [["439.0"], ["27.5"], ["1,789.0"]]
    assert formatted_rows(frame, [Column("v", "V", "number", 0)]) == [["439"], ["28"], ["1,789"]]


# --- downloads: numbers as numbers, "c", a unit in the heading, a source line ---------------

def _hidden_table() -> Table:
    frame = pd.DataFrame({"band": ["0-7 days", "8-30 days", "Total"],
                          "rereferrals": [845.0, "c", 1475.0],
                          "percent": [57.3, "c", 100.0],
                          "rate": [26.04, 3.0, float("nan")],
                          "rate_reason": [None, None, "x"]})
    columns = (Column("band", "Band"), Column("rereferrals", "Re-referrals", "count"),
               Column("percent", "Share", "percent", 1), Column("rate", "Rate", "percent", 0))
    return Table("hidden_counts", frame, columns, caption="Re-referrals by band",
                 source="Source: SYNTHETIC records, file synthetic_referrals.csv.",
                 notes=("c: hidden, a count of 1 to 4.",))


def test_download_cells_are_numbers_in_the_columns_format():
    count, pct1, pct0 = Column("v", "V", "count"), Column("v", "V", "percent", 1), Column("v", "V", "percent", 0)
    assert download_cell(845.0, count) == 845 and isinstance(download_cell(845.0, count), int)
    assert download_cell(26.04, pct1) == 26.0 and download_cell(26.04, pct0) == 26
    assert download_cell("c", count) == "c" and download_cell(float("nan"), pct1, "c") == "c"
    assert download_cell(None, pct1, "not published") is None
    assert download_cell(0.04, Column("v", "V", "rate_per_10000", 1)) == 0.04  # never rounded to 0
    assert download_cell("C", Column("band", "Band")) == "C"  # a quartile band is not a symbol
    assert excel_format(count, 845) == "#,##0" and excel_format(pct1, 26.0) == "#,##0.0"
    assert excel_format(count, "c") is None
    assert download_label(pct1) == "V (%)" and download_label(Column("p", "Per cent", "percent")) == "Per cent"
    assert download_label(Column("v", "Latest", "number", unit_key="u")) == "Latest"


def test_csv_holds_numbers_c_and_the_source_line_under_the_table():
    out = files._csv(files.download_frame(_hidden_table()), files.source_lines(_hidden_table())).decode()
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["Band", "Re-referrals", "Share (%)", "Rate (%)"]
    assert rows[1:4] == [["0-7 days", "845", "57.3", "26"], ["8-30 days", "c", "c", "3"],
                         ["Total", "1475", "100.0", "x"]]
    assert rows[4:] == [[], ["Source: SYNTHETIC records, file synthetic_referrals.csv."],
                        ["c: hidden, a count of 1 to 4."]]
    assert "845.0" not in out and "26%" not in out


def test_xlsx_cells_are_numeric_with_number_formats_and_a_source_row():
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(files.workbook([_hidden_table()])))["hidden_counts"]
    assert [c.value for c in sheet[1]] == ["Band", "Re-referrals", "Share (%)", "Rate (%)"]
    assert (sheet["B2"].value, sheet["B2"].data_type, sheet["B2"].number_format) == (845, "n", "#,##0")
    assert (sheet["C2"].value, sheet["C2"].data_type, sheet["C2"].number_format) == (57.3, "n", "#,##0.0")
    assert (sheet["D2"].value, sheet["D2"].number_format) == (26, "#,##0")
    assert (sheet["B3"].value, sheet["B3"].data_type) == ("c", "s")
    assert sheet["A6"].value == "Source: SYNTHETIC records, file synthetic_referrals.csv."
    assert sheet["A7"].value == "c: hidden, a count of 1 to 4."


@pytest.mark.parametrize("la", [la for la, _ in PACKS])
def test_pack_xlsx_numbers_are_numbers_and_every_table_has_its_source(packs, la):
    from openpyxl import load_workbook

    tables = packs[la].tables()
    book = load_workbook(io.BytesIO(files.workbook(tables)))
    for table, sheet in zip(tables, book.worksheets, strict=True):
        frame = files.download_frame(table)
        numeric = [is_numeric(c) for c in table.columns if c.download]
        for c, name in enumerate(frame.columns, start=1):
            for r, value in enumerate(frame[name], start=2):
                cell = sheet.cell(row=r, column=c)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    assert cell.data_type == "n", (table.name, name, value)
                    assert not isinstance(cell.value, str)
                elif isinstance(value, str) and numeric[c - 1]:  # a number column: no number as text
                    assert not re.fullmatch(r"-?[\d,]+(\.\d+)?%?", value), (table.name, name, value)
        assert table.source and sheet.cell(row=len(frame) + 3, column=1).value == table.source
        text = files._csv(frame, files.source_lines(table)).decode()
        assert text.rstrip("\n").splitlines()[len(frame) + 2].strip('"') == table.source


# --- "c", never "suppressed" -------------------------------------------------------------------

def test_a_hidden_figure_shows_as_c():
    assert format_cell(float("nan"), Column("v", "V", "percent", 1), "c") == "c"
    assert format_cell("c", Column("v", "V", "count")) == "c"
    assert format_cell(None, Column("v", "V", "count"), "suppressed") == "c"


# --- notes.csv ---------------------------------------------------------------------------------

def test_notes_csv_names_indicators_in_the_readers_words(packs, catalogue):
    ids = set(catalogue.indicators)
    for la, pack in packs.items():
        notes = files.notes_frame(pack)
        named = [n for n in notes["indicator"] if n]
        assert not ids & set(notes["indicator"]), la
        # the section by its title as the pack prints it, never its id ("at_a_glance")
        assert list(notes.columns) == ["section", "indicator", "kind", "message"], la
        assert set(notes["section"]) <= {s.title for s in pack.sections}, la
        assert not {s.id for s in pack.sections} & set(notes["section"]), la
        assert set(notes["kind"]) <= {"missing", "left out", "caveat", "stale"}, la
        assert all(re.search(r"[A-Z ]", n) for n in named), la
    names = set(files.notes_frame(packs["Doncaster"])["indicator"])
    assert "left out" in set(files.notes_frame(packs["Doncaster"])["kind"])
    # B10 is Doncaster's own code for the placement-moves measure the DfE indicator pairs with
    assert "Children looked after with 3 or more placements in the year (B10)" in names
    assert "Proven re-offending by young people aged 15-17" in names


def test_what_c_means_is_said_once_under_the_first_table_that_shows_one():
    from analysis.core.blocks import Section
    from analysis.render.formats import explain_hidden_once

    plain = Table("plain", pd.DataFrame({"n": [12]}), (Column("n", "N", "count"),), caption="No c")
    first = _hidden_table()
    second = Table("again", first.frame, first.columns, caption="Again", source=first.source)
    sections = (Section("a", "A", (plain,)), Section("b", "B", (first, second)))
    noted = explain_hidden_once(sections, "c: hidden.")
    tables = [b for s in noted for b in s.blocks]
    assert [t.notes.count("c: hidden.") for t in tables] == [0, 1, 0]
    assert explain_hidden_once(noted, "c: hidden.") == noted  # said once, even when asked twice
    assert explain_hidden_once(sections[:1], "c: hidden.") == sections[:1]
    assert explain_hidden_once(sections[:1], "c: hidden.", lambda t: True)[0].blocks[0].notes == ("c: hidden.",)


def test_at_a_glance_shows_a_figure_dfe_hid_as_c_and_says_what_c_means():
    from analysis.quarterly_pack.sections.benchmarks import HIDDEN_NOTE, _explain_hidden

    frame = pd.DataFrame({"label": ["Child protection plans open 2 years or more", "Re-referrals"],
                          "value": [float("nan"), 27.1], "value_reason": ["c", None],
                          "unit": ["percent", "percent"], "decimals": [1, 1]})
    table = Table("at_a_glance", frame, (Column("label", "Indicator"),
                                         Column("value", "LA", "number", unit_key="unit", decimals_key="decimals")),
                  caption="At a glance", source="Source: DfE.")
    assert formatted_rows(frame, list(table.columns)) == [
        ["Child protection plans open 2 years or more", "c"], ["Re-referrals", "27.1%"]]
    assert _explain_hidden(table).notes == (HIDDEN_NOTE,)
    assert files.download_frame(table)["LA"].tolist() == ["c", 27.1]
    shown = Table("t", frame.assign(value_reason=None, value=[1.5, 27.1]), table.columns, caption="c", source="s")
    assert _explain_hidden(shown).notes == ()
