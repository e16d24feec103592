"""The explorer's downloads (analysis.explorer.downloads), read back with openpyxl.

Figures are DfE's published re-referrals (CIN census table C1, the 2025 release): Doncaster
2016-17 27.1% (1,429 of 5,275), ranked 142 of 152, band D; England 21.9%, Yorkshire and The
Humber 21.5%, the statistical neighbours' mean 20.12% (20.1%). Doncaster's referral rate in
2016-17 is 804.1 per 10,000 children, 20th highest of 151 (a position: no better direction).
Doncaster's child protection plans open 2 years or more in 2019-20: "c" in the release.
"""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from analysis.explorer import data as explorer_data
from analysis.explorer import downloads
from analysis.explorer import view as explorer
from analysis.explorer.widgets import ExplorerApp

NUMBER_COLUMNS = ("Value", "Numerator", "Denominator", "England", "Region", "Neighbours' mean",
                  "Rank (1 = best)", "Position (1 = highest)", "Of", "Lower limit", "Upper limit")


@pytest.fixture(scope="module")
def data(bench_table, paths):
    return explorer_data.load_explorer_data(paths)


@pytest.fixture(scope="module")
def view(data):
    return explorer.explorer_view(data, explorer.ExplorerSelection(year=2017))


def _sheet(content: bytes, name: str) -> tuple[list[dict], list[str], object]:
    """A sheet's table as dicts (up to the first empty row), the lines under it, the sheet."""
    ws = load_workbook(io.BytesIO(content))[name]
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    end = next(i for i, r in enumerate(rows) if all(v is None for v in r))
    table = [dict(zip(head, r, strict=True)) for r in rows[1:end]]
    below = [r[0] for r in rows[end + 1:] if r[0] is not None]
    return table, below, ws


def _row(table: list[dict], **match) -> tuple[int, dict]:
    found = [(i, r) for i, r in enumerate(table) if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def test_the_view_workbook_holds_doncaster_every_year_numbers_as_numbers(view, data):
    content = downloads.view_workbook(view, data)
    assert load_workbook(io.BytesIO(content)).sheetnames == ["Figures", "Comparator LAs", "Notes"]
    table, below, ws = _sheet(content, "Figures")
    assert [r["Year"] for r in table][:2] == ["2012-13", "2013-14"] and table[-1]["Year"] == "2024-25"
    i, row = _row(table, Year="2016-17")
    assert {k: row[k] for k in ("LA code (ONS)", "LA code (DfE)", "LA", "Indicator", "Unit", "Value",
                                "Status", "Numerator", "Denominator", "England", "Region",
                                "Rank (1 = best)", "Position (1 = highest)", "Of", "Band")} == {
        "LA code (ONS)": "E08000017", "LA code (DfE)": "371", "LA": "Doncaster",
        "Indicator": "Re-referrals within 12 months", "Unit": "per cent", "Value": 27.1,
        "Status": "published", "Numerator": 1429, "Denominator": 5275, "England": 21.9,
        "Region": 21.5, "Rank (1 = best)": 142, "Position (1 = highest)": None, "Of": 152, "Band": "D"}
    assert row["Neighbours' mean"] == pytest.approx(20.12)
    # Wilson 95% interval for 1,429 of 5,275: 25.9 to 28.3 (README); judged worse than England
    assert (round(row["Lower limit"], 1), round(row["Upper limit"], 1)) == (25.9, 28.3)
    assert row["Against England"] == "worse"
    assert row["Release (publication date)"] == "Children in need: reporting year 2025 (about October 2025)"
    assert row["Year first published"] == "about November 2017"
    head = [c.value for c in ws[1]]
    cells = {name: ws.cell(row=i + 2, column=head.index(name) + 1) for name in head}
    assert cells["Value"].number_format == "#,##0.0" and cells["England"].number_format == "#,##0.0"
    assert cells["Numerator"].number_format == "#,##0" and cells["Rank (1 = best)"].number_format == "0"
    assert below[0].startswith("Source: DfE, Children in need: reporting year 2025, table C1")
    assert below[0].endswith("Open Government Licence v3.0.")
    assert "95% confidence" in below[1]


def test_the_view_workbook_has_each_neighbours_own_figures_and_notes(view, data):
    content = downloads.view_workbook(view, data)
    table, below, _ = _sheet(content, "Comparator LAs")
    assert table[0]["LA"] == "Doncaster" and table[0]["Selected LA"] == "yes"
    assert len({r["LA"] for r in table}) == 11  # Doncaster and its 10 neighbours in 2016-17
    _, rotherham = _row(table, LA="Rotherham", Year="2016-17")
    assert (rotherham["Value"], rotherham["Numerator"], rotherham["Denominator"]) == (26.1, 1324, 5074)
    assert (rotherham["Rank (1 = best)"], rotherham["Of"], rotherham["LA code (ONS)"]) == (131, 152, "E08000018")
    assert below[0].startswith("Source: DfE")
    notes = dict(load_workbook(io.BytesIO(content))["Notes"].iter_rows(min_row=2, values_only=True))
    assert notes["Re-referrals within 12 months"] == data.catalogue.get("re_referrals").definition
    assert "27.1 for 27.1%" in notes["Numbers"] and "rank 1 is the best" in notes["Ranks and bands"]
    assert "(the list in force for each year)" in notes["Statistical neighbours"]
    on_2025 = explorer.explorer_view(data, explorer.ExplorerSelection(year=2017, comparator="sn2025"))
    notes = dict(load_workbook(io.BytesIO(downloads.view_workbook(on_2025, data)))["Notes"].iter_rows(
        min_row=2, values_only=True))
    assert "(the 2025 list)" in notes["Statistical neighbours"]


def test_the_profile_has_every_indicator_and_year_and_never_text_in_a_number_column(data, view):
    content = downloads.profile_workbook(data, view.la)
    table, below, ws = _sheet(content, "Profile")
    assert len({r["Indicator"] for r in table}) == 35
    _, row = _row(table, Indicator="Re-referrals within 12 months", Year="2016-17")
    assert (row["Value"], row["Numerator"], row["Denominator"], row["Rank (1 = best)"], row["Of"],
            row["Band"]) == (27.1, 1429, 5275, 142, 152, "D")
    _, rate = _row(table, Indicator="Referrals per 10,000 children", Year="2016-17")
    assert (rate["Value"], rate["Rank (1 = best)"], rate["Position (1 = highest)"], rate["Of"],
            rate["Band"], rate["Unit"]) == (804.1, None, 20, 151, None, "per 10,000 children")
    hidden_at, hidden = _row(table, Indicator="Child protection plans open 2 years or more", Year="2019-20")
    assert hidden["Value"] is None and hidden["Status"].startswith("c: hidden by DfE")
    for r in table:
        for name in NUMBER_COLUMNS:
            assert r.get(name) is None or isinstance(r[name], int | float), (name, r[name])
    head = [c.value for c in ws[1]]
    assert ws.cell(row=hidden_at + 2, column=head.index("Value") + 1).value is None  # an empty cell
    assert below[0].startswith("Source: DfE's published figures")
    notes = dict(load_workbook(io.BytesIO(content))["Notes"].iter_rows(min_row=2, values_only=True))
    assert notes["What this is"].startswith("Doncaster (371, E08000017)")
    # A caveat naming another indicator names it in words, never by its key
    assert "referral_rate_rebased" not in notes["Referrals per 10,000 children"]
    assert "Referrals per 10,000 children (rebased population)" in notes["Referrals per 10,000 children"]


def test_the_csv_keeps_numbers_as_numbers_with_the_source_under_each_table(view, data):
    text = downloads.view_csv(view, data).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    head = rows[0]
    mine = next(r for r in rows if r[:1] == ["E08000017"] and r[head.index("Year")] == "2016-17")
    assert [mine[head.index(k)] for k in ("Value", "Numerator", "Denominator", "Rank (1 = best)", "Of",
                                         "Band")] == ["27.1", "1429", "5275", "142", "152", "D"]
    assert "%" not in "".join(mine[head.index("Value"):head.index("Band")])
    assert sum(1 for r in rows if r[:1] == ["LA code (ONS)"]) == 2  # the LA's table, the neighbours'
    assert sum(1 for r in rows if r[:1] and r[0].startswith("Source: DfE")) == 2


def test_text_that_looks_like_a_formula_is_not_run(data, view):
    frame = downloads.view_frame(view, data).assign(LA="=HYPERLINK(\"x\")")
    sheet = downloads.Sheet("Figures", frame, ("+1 source",), (view.indicator,) * len(frame))
    ws = load_workbook(io.BytesIO(downloads.workbook_bytes([sheet], [("@note", "-x")])))["Figures"]
    assert ws["C2"].value == "'=HYPERLINK(\"x\")" and ws.cell(row=len(frame) + 3, column=1).value == "'+1 source"


def test_the_page_makes_its_files_when_asked_and_drops_them_on_a_change(data):
    app = ExplorerApp(data, explorer.ExplorerSelection(year=2017))
    assert app.csv_link.value == ""
    app.make_files.click()
    links = app.csv_link.value
    for name in ('download="doncaster_re_referrals_2016-17.xlsx"', 'download="doncaster_re_referrals_2016-17.csv"',
                 'download="doncaster_profile.xlsx"'):
        assert name in links
    assert "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," in links
    app.la.value = "Rotherham"
    assert app.csv_link.value == ""  # never a file for the view before
    app.make_files.click()
    assert 'download="rotherham_re_referrals_2016-17.xlsx"' in app.csv_link.value


def test_the_status_column_says_why_a_value_is_empty():
    assert downloads.status_words("published", 27.1) == "published"
    assert downloads.status_words(None, 27.1) == "published"
    assert downloads.status_words(float("nan"), None) == "not published"
    assert downloads.status_words("-", None) == "not published"
    assert downloads.status_words("c", None) == "c: hidden by DfE to protect children's confidentiality"
    assert downloads.status_words("x", None) == "not available"
    assert downloads.number_format(data_indicator := _indicator(decimals=1)) == "#,##0.0"
    assert downloads.number_format(data_indicator.model_copy(update={"decimals": 0})) == "#,##0"


def _indicator(**changes):
    from analysis.data.catalogue import Indicator

    return Indicator(id="x_rate", label="A rate", topic="T", unit="percent", polarity="none",
                     definition="A rate of things in the year.", **changes)
