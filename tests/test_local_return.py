"""The local quarterly return reader: accepted forms, cleaning, and every rejection.

Fixture files are in tests/fixtures/local/ (one problem each). Row numbers in the expected
errors are spreadsheet rows: the header is row 1, so the first figure is row 2.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.readers.local_return import normalise_code, parse_period, read_local_return
from analysis.data.schemas.local_return import COLUMNS, FILE_COLUMNS
from analysis.measures.local_measures import LocalMeasures, load_local_measures

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "local"
SHIPPED = ROOT / "data" / "raw" / "local" / "doncaster_quarterly_return.csv"


@pytest.fixture(scope="module")
def cat() -> LocalMeasures:
    return load_local_measures(ROOT / "config", "doncaster")


def _error(path: Path, cat: LocalMeasures) -> InputDataError:
    with pytest.raises(InputDataError) as info:
        read_local_return(path, cat)
    return info.value


# --- the shipped Doncaster return ---------------------------------------------------------

def test_shipped_return_reads_cleanly(cat: LocalMeasures) -> None:
    table = read_local_return(SHIPPED, cat)
    # 79 data lines in the file (80 lines with the header).
    assert len(table) == 79
    assert list(table.columns) == COLUMNS
    assert table["period_type"].value_counts().to_dict() == {"quarter": 71, "year": 7, "month": 1}
    a1 = table[(table["indicator_code"] == "A1") & (table["period"] == "2017-18 Q4")].iloc[0]
    assert (a1["value"], a1["target"], a1["tolerance"]) == (26.0, 22.0, 28.0)
    assert a1["indicator"] == "re_referrals" and a1["row"] == 2
    # FS1/FS2 have an empty unit in the file: filled from the catalogue.
    assert set(table.loc[table["indicator_code"].isin(["FS1", "FS2"]), "unit"]) == {"unspecified"}


def test_every_contract_and_volumetric_code_is_catalogued(cat: LocalMeasures) -> None:
    table = read_local_return(SHIPPED, cat)
    coded = table[table["measure_type"].isin(["contract", "volumetric"])]
    assert coded["indicator"].notna().all()
    # Context figures stay out of the catalogue by decision (docs/data-formats/local-return.md).
    assert table.loc[table["measure_type"] == "context", "indicator"].isna().all()


# --- accepted forms and cleaning ------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("2017-18 Q4", ("2017-18 Q4", "quarter", 2018, 4, None)),
    ("2017-18Q4", ("2017-18 Q4", "quarter", 2018, 4, None)),
    ("2017/18 Q4", ("2017-18 Q4", "quarter", 2018, 4, None)),
    ("2017/18 Quarter 4", ("2017-18 Q4", "quarter", 2018, 4, None)),
    ("2017-18 q1", ("2017-18 Q1", "quarter", 2018, 1, None)),
    ("2018-03", ("2018-03", "month", 2018, None, 3)),        # March 2018 is in 2017-18
    ("2018-04", ("2018-04", "month", 2019, None, 4)),        # April 2018 starts 2018-19
    ("2018-03-31", ("2018-03", "month", 2018, None, 3)),
    ("2017-18", ("2017-18", "year", 2018, None, None)),
    ("2017/18", ("2017-18", "year", 2018, None, None)),
    ("2017-2018", ("2017-18", "year", 2018, None, None)),
])
def test_period_forms_accepted(text: str, expected: tuple) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2017-18 Q5", "Q5", "Q4", "2017", "March 2018", "2018-13",
                                  "2017-19", "2011-12", ""])
def test_period_forms_rejected(text: str) -> None:
    # 2011-12 could be December 2011 or the financial year 2011-12: refused, not guessed.
    with pytest.raises(ParameterError):
        parse_period(text)


@pytest.mark.parametrize(("code", "expected"), [("A1", "A1"), ("a01", "A1"), ("A 08", "A8"),
                                                 ("FO 1", "FO1"), ("P01_CIN_END", "P01_CIN_END")])
def test_codes_normalised(code: str, expected: str) -> None:
    assert normalise_code(code) == expected


def test_variants_are_cleaned(cat: LocalMeasures) -> None:
    table = read_local_return(FIXTURES / "variants_ok.csv", cat)
    by = table.set_index(["indicator_code", "period"])
    assert by.loc[("A1", "2017-18 Q4"), "value"] == 26.0            # "26%"
    assert by.loc[("A1", "2017-18 Q4"), "reported_status"] == "inside_tolerance"  # "Within tolerance"
    assert by.loc[("A1", "2017-18 Q3"), "unit"] == "percent"         # empty: from the catalogue
    assert by.loc[("A1", "2017-18 Q3"), "polarity"] == "lower_is_better"
    assert by.loc[("B8", "2017-18 Q4"), "target"] == 90.0            # "90%"
    assert by.loc[("B8", "2017-18 Q4"), "reported_status"] == "outside_tolerance"
    assert by.loc[("E1", "2017-18 Q4"), "value"] == 1789.0           # "1,789"
    assert by.loc[("P04_AGENCY_STAFF", "2013-11"), "period_type"] == "month"
    assert by.loc[("P01_CARE_PROC_ISSUED", "2017-18"), "period_type"] == "year"
    # The trailing empty line is dropped, not reported; rows keep their spreadsheet numbers.
    assert len(table) == 7
    assert table["row"].tolist() == [2, 3, 4, 5, 6, 7, 8]


# --- rejections -------------------------------------------------------------------------------

def test_bad_period_rows_named(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "bad_period.csv", cat)
    assert err.column == "period" and err.rows == [3, 4]
    assert "bad_period.csv" in str(err) and "2017-18 Q5" in str(err)


def test_unknown_code_names_file_rows_and_fix(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "unknown_code.csv", cat)
    # A99 (row 3, contract) and E99 (row 4, volumetric); the context row 5 is allowed.
    assert err.rows == [3, 4]
    assert err.file.endswith("unknown_code.csv")
    assert "A99" in str(err) and "E99" in str(err)
    assert "config/local/doncaster.yaml" in err.fix


def test_duplicate_indicator_period_after_normalising(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "duplicate.csv", cat)
    # "2017-18 Q4" (row 2) and "2017/18 Quarter 4" (row 4) are the same quarter.
    assert err.rows == [2, 4]
    assert "more than once" in err.problem


def test_percentage_outside_0_100(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "percent_out_of_range.csv", cat)
    assert err.column == "value" and err.rows == [3, 4]


def test_tolerance_on_the_wrong_side(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "tolerance_wrong_side.csv", cat)
    # Row 2: lower is better with tolerance 22 below target 28; row 4: higher is better with
    # tolerance 75 above target 70. Row 3 (B8 90/80, higher is better) is right.
    assert err.column == "tolerance" and err.rows == [2, 4]


def test_non_numeric_values(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "non_numeric.csv", cat)
    assert err.column == "value" and err.rows == [3, 4, 5]
    assert "about 90" in str(err) and "£1789" in str(err)


def test_percent_sign_on_a_count(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "percent_sign_on_count.csv", cat)
    assert err.rows == [2] and "%" in err.problem


def test_missing_column_with_hint(cat: LocalMeasures) -> None:
    err = _error(FIXTURES / "missing_column.csv", cat)
    assert err.column == "period" and "periods" in str(err)


def test_missing_file_and_wrong_type(cat: LocalMeasures, tmp_path: Path) -> None:
    assert "not found" in _error(tmp_path / "nope.csv", cat).problem
    other = tmp_path / "return.txt"
    other.write_text("x")
    assert "unsupported" in _error(other, cat).problem


def test_empty_and_header_only(cat: LocalMeasures, tmp_path: Path) -> None:
    empty = tmp_path / "empty_return.csv"
    empty.write_text("")
    assert "empty" in _error(empty, cat).problem
    header = tmp_path / "header_return.csv"
    header.write_text(",".join(FILE_COLUMNS) + "\n")
    assert "no figures" in _error(header, cat).problem


def test_a_contract_measure_needs_an_area(cat: LocalMeasures, tmp_path: Path) -> None:
    path = tmp_path / "no_area_return.csv"
    path.write_text(",".join(FILE_COLUMNS) + "\n"
                    "E08000017,Doncaster,A1,x,2017-18 Q4,26,,,percent,22,28,lower_is_better,,contract,,\n")
    err = _error(path, cat)
    assert err.column == "area" and err.rows == [2]


def test_unit_clashing_with_catalogue(cat: LocalMeasures, tmp_path: Path) -> None:
    path = tmp_path / "unit_return.csv"
    path.write_text(",".join(FILE_COLUMNS) + "\n"
                    "E08000017,Doncaster,E1,x,2017-18 Q4,26,,,percent,,,none,,volumetric,,\n")
    err = _error(path, cat)
    assert err.column == "unit" and "E1: count" in str(err)


def test_nothing_written_when_rejected(cat: LocalMeasures, tmp_path: Path) -> None:
    bad = tmp_path / "bad_return.csv"
    bad.write_bytes((FIXTURES / "duplicate.csv").read_bytes())
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(InputDataError):
        read_local_return(bad, cat)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


# --- XLSX -------------------------------------------------------------------------------------

def _workbook(path: Path, sheets: dict[str, list[list]], percent_cells: tuple[str, ...] = ()) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for ref in percent_cells:
            sheet[ref].number_format = "0%"
    book.save(path)
    return path


ROWS = [
    FILE_COLUMNS,
    ["E08000017", "Doncaster", "A1", "Re-referrals", "2017-18 Q4", 0.26, None, None, "percent",
     22, 28, "lower_is_better", "Social Care Pathway", "contract", "inside_tolerance", "fixture"],
    ["E08000017", "Doncaster", "E1", "Contacts", dt.datetime(2018, 3, 1), 1789, None, None,
     "count", None, None, "none", None, "volumetric", None, "fixture: a date typed as period"],
]


def test_xlsx_named_sheet_among_others(cat: LocalMeasures, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "r.xlsx", {"notes": [["anything"]], "return": ROWS},
                     percent_cells=("F2",))
    table = read_local_return(path, cat).set_index("indicator_code")
    assert table.loc["A1", "value"] == 26.0          # a 26% cell is stored as 0.26
    assert table.loc["E1", "period"] == "2018-03"     # a date in the period column
    assert table.loc["A1", "row"] == 2


def test_xlsx_single_sheet_any_name(cat: LocalMeasures, tmp_path: Path) -> None:
    rows = [ROWS[0], [*ROWS[1][:5], 26, *ROWS[1][6:]]]
    table = read_local_return(_workbook(tmp_path / "r.xlsx", {"Q4 figures": rows}), cat)
    assert table["value"].tolist() == [26.0]


def test_xlsx_ambiguous_sheets_rejected(cat: LocalMeasures, tmp_path: Path) -> None:
    path = _workbook(tmp_path / "r.xlsx", {"Q3": ROWS, "Q4": ROWS})
    err = _error(path, cat)
    assert "'Q3', 'Q4'" in str(err) and "return" in err.fix
