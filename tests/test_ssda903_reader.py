"""The SSDA903 reader: files recognised by their columns, DD/MM/YYYY dates, codes checked
against DfE's lists, several years combined into one version of each record, and bad input
refused with the file, column and rows named (never a child's identifier)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import InputDataError
from analysis.data.returns.ssda903 import KINDS, load_ssda903, read_ssda903

CONFIG = Path(__file__).resolve().parents[1] / "config"


def write_return(folder: Path, year: int, files: dict[str, list[dict[str, str]]],
                 names: dict[str, str] | None = None) -> None:
    """Write one return year's files (each a list of rows; columns left out are blank) as
    ``<year>_<file>.csv`` or the name given in ``names``."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, rows in files.items():
        columns = [c for c in KINDS[kind][0]]
        frame = pd.DataFrame(rows, columns=columns, dtype=object).fillna("")
        name = (names or {}).get(kind, f"{year}_{kind}.csv")
        frame.to_csv(folder / name, index=False)


def episode(child: str, decom: str, rne: str, ls: str, place: str, dec: str = "",
            rec: str = "") -> dict[str, str]:
    provider = "PR0" if place == "P1" else "PR1"
    change = "CARPL" if rne in ("P", "T", "B", "U") else ""
    return {"CHILD": child, "DECOM": decom, "RNE": rne, "LS": ls, "CIN": "N1", "PLACE": place,
            "PLACE_PROVIDER": provider, "DEC": dec, "REC": rec or ("X1" if dec else ""),
            "REASON_PLACE_CHANGE": change, "HOME_POST": "DN1 3", "PL_POST": "DN4 5",
            "URN": "XXXXXXX"}


def header(child: str, dob: str, sex: str = "1") -> dict[str, str]:
    return {"CHILD": child, "SEX": sex, "DOB": dob, "ETHNIC": "WBRI", "UPN": "", "MOTHER": "",
            "MC_DOB": ""}


def _error(tmp_path: Path) -> InputDataError:
    with pytest.raises(InputDataError) as caught:
        read_ssda903(tmp_path, CONFIG)
    return caught.value


def test_reads_dates_day_first_and_recognises_files_by_their_columns(tmp_path: Path) -> None:
    names = {"header": "2020_children.csv", "episodes": "2020_export_b.csv"}
    write_return(tmp_path, 2020, {
        "header": [header("C1", "03/02/2010")],
        "episodes": [episode("C1", "05/04/2019", "S", "C2", "U6")]}, names)
    tables = read_ssda903(tmp_path, CONFIG)
    assert sorted(tables) == ["ssda903_episodes", "ssda903_files", "ssda903_header"]
    assert tables["ssda903_files"].sort_values("kind").values.tolist() == [
        ["episodes", 2020, "2020_export_b.csv", 1], ["header", 2020, "2020_children.csv", 1]]
    eps = tables["ssda903_episodes"]
    assert eps["decom"].iloc[0] == pd.Timestamp("2019-04-05")  # 5 April, not 4 May
    assert tables["ssda903_header"]["dob"].iloc[0] == pd.Timestamp("2010-02-03")
    assert eps["return_year"].iloc[0] == 2020
    assert eps["source_file"].iloc[0] == "2020_export_b.csv"


def test_year_from_the_folder_and_a_later_year_completes_an_episode(tmp_path: Path) -> None:
    write_return(tmp_path / "2019", 0, {
        "header": [header("C1", "03/02/2010")],
        "episodes": [episode("C1", "05/04/2018", "S", "C2", "U6")]},
        {"header": "header.csv", "episodes": "episodes.csv"})
    write_return(tmp_path / "2020", 0, {
        "header": [header("C1", "03/02/2010", sex="1")],
        "episodes": [episode("C1", "05/04/2018", "S", "C2", "U6", "01/06/2019"),
                     episode("C1", "01/06/2019", "P", "C2", "U4")]},
        {"header": "header.csv", "episodes": "episodes.csv"})
    con = duckdb.connect()
    assert "ssda903_episodes" in load_ssda903(con, tmp_path, CONFIG)
    rows = con.execute("SELECT decom, dec, return_year FROM ssda903_episodes "
                       "ORDER BY decom").fetchall()
    assert rows == [(dt.date(2018, 4, 5), dt.date(2019, 6, 1), 2020),
                    (dt.date(2019, 6, 1), None, 2020)]
    assert con.execute("SELECT count(*) FROM ssda903_header").fetchone() == (1,)
    types = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'ssda903_episodes'").fetchall())
    assert types["decom"] == "DATE" and types["return_year"] == "INTEGER"
    assert types["rne"] == "VARCHAR"


def test_same_day_episodes_are_both_kept(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"episodes": [
        episode("C1", "01/09/2019", "S", "C2", "U6", "15/11/2019"),
        episode("C1", "15/11/2019", "P", "C2", "K2", "15/11/2019"),
        episode("C1", "15/11/2019", "P", "C2", "U4")]})
    assert len(read_ssda903(tmp_path, CONFIG)["ssda903_episodes"]) == 3


def test_an_unknown_code_names_file_row_column_and_the_codes(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"episodes": [
        episode("CHILD0001", "05/04/2019", "S", "C2", "U6"),
        episode("CHILD0002", "05/04/2019", "S", "C2", "U9")]})
    error = _error(tmp_path)
    text = str(error)
    assert error.file == "2020_episodes.csv" and error.column == "PLACE" and error.rows == [3]
    assert "U9" in text and "U6" in text and "K2" in text  # found, and the expected codes
    assert "CHILD0002" not in text


def test_dates_out_of_order_are_refused(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"episodes": [
        episode("CHILD0001", "05/06/2019", "S", "C2", "U6", "01/05/2019", "E4A")]})
    error = _error(tmp_path)
    assert (error.file, error.column, error.rows) == ("2020_episodes.csv", "DEC", [2])
    assert "CHILD0001" not in str(error)


def test_overlapping_episodes_are_refused(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"episodes": [
        episode("CHILD0001", "05/04/2019", "S", "C2", "U6", "01/08/2019"),
        episode("CHILD0001", "01/07/2019", "P", "C2", "U4")]})
    error = _error(tmp_path)
    assert (error.column, error.rows) == ("DECOM", [3])
    assert "CHILD0001" not in str(error)


def test_a_child_with_two_dates_of_birth_is_refused(tmp_path: Path) -> None:
    write_return(tmp_path, 2019, {"header": [header("CHILD0001", "03/02/2010")]})
    write_return(tmp_path, 2020, {"header": [header("CHILD0001", "02/03/2010")]})
    error = _error(tmp_path)
    text = str(error)
    assert error.column == "DOB"
    assert "2019_header.csv row 2" in text and "2020_header.csv row 2" in text
    assert "CHILD0001" not in text


def test_a_file_of_the_wrong_year_is_refused(tmp_path: Path) -> None:
    # the 2019-20 return's episodes saved under 2018-19's name
    write_return(tmp_path, 2019, {"episodes": [
        episode("CHILD0001", "05/04/2018", "S", "C2", "U6", "10/10/2018"),
        episode("CHILD0002", "05/05/2019", "S", "C2", "U6")]})
    error = _error(tmp_path)
    assert (error.file, error.column, error.rows) == ("2019_episodes.csv", "DECOM", [3])
    assert "31 March 2019" in str(error) and "05/05/2019" in str(error)


def test_a_file_without_the_returns_columns_is_refused(tmp_path: Path) -> None:
    pd.DataFrame({"name": ["x"], "value": ["1"]}).to_csv(tmp_path / "notes_2020.csv",
                                                         index=False)
    error = _error(tmp_path)
    assert error.file == "notes_2020.csv" and "episodes" in str(error)


def test_a_file_without_a_year_is_refused(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"header": [header("C1", "03/02/2010")]},
                 {"header": "header.csv"})
    error = _error(tmp_path)
    assert error.file == "header.csv" and "year" in str(error)


def test_unreadable_dates_name_the_row(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"header": [header("C1", "03/02/2010"),
                                             header("C2", "31/02/2010")]})
    error = _error(tmp_path)
    assert (error.column, error.rows) == ("DOB", [3])


def test_two_files_of_one_kind_for_a_year_are_refused(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"header": [header("C1", "03/02/2010")]},
                 {"header": "2020_header.csv"})
    write_return(tmp_path, 2020, {"header": [header("C1", "03/02/2010")]},
                 {"header": "2020_header_again.csv"})
    error = _error(tmp_path)
    assert "two header files" in str(error) and "2020_header_again.csv" in str(error)


def test_a_blank_child_or_start_is_refused(tmp_path: Path) -> None:
    write_return(tmp_path, 2020, {"episodes": [
        episode("C1", "05/04/2019", "S", "C2", "U6"), episode("C2", "", "S", "C2", "U6")]})
    error = _error(tmp_path)
    assert (error.column, error.rows) == ("DECOM", [3])


def test_an_earlier_return_running_into_a_later_one_is_refused(tmp_path: Path) -> None:
    # the 2018-19 return has an episode from 05/04/2018, still open; the 2019-20 return starts
    # the child's episodes on 07/04/2018 without it: which is right cannot be told
    write_return(tmp_path, 2019, {"episodes": [
        episode("C1", "10/01/2017", "S", "C2", "U6", "05/04/2018"),
        episode("C1", "05/04/2018", "P", "C2", "U4")]})
    write_return(tmp_path, 2020, {"episodes": [
        episode("C1", "07/04/2018", "P", "C2", "U4", "01/06/2019"),
        episode("C1", "01/06/2019", "P", "C2", "K2")]})
    with pytest.raises(InputDataError) as caught:
        read_ssda903(tmp_path, CONFIG)
    assert caught.value.file == "2019_episodes.csv"
    assert "2020_episodes.csv" in str(caught.value)


def test_earlier_history_is_kept_and_later_versions_win(tmp_path: Path) -> None:
    write_return(tmp_path, 2019, {"episodes": [
        episode("C1", "10/01/2017", "S", "C2", "U6", "05/04/2018"),
        episode("C1", "05/04/2018", "P", "C2", "U4")]})
    write_return(tmp_path, 2020, {"episodes": [
        episode("C1", "05/04/2018", "P", "C2", "U4", "01/06/2019"),
        episode("C1", "01/06/2019", "P", "C2", "K2")]})
    eps = read_ssda903(tmp_path, CONFIG)["ssda903_episodes"]
    assert eps[["decom", "return_year"]].astype(str).values.tolist() == [
        ["2017-01-10", "2019"], ["2018-04-05", "2020"], ["2019-06-01", "2020"]]


def test_an_unreadable_date_of_birth_is_not_shown(tmp_path: Path) -> None:
    """A date of birth could identify a child: the message names the file, column and row,
    never the value; other dates are shown so they can be found."""
    write_return(tmp_path, 2020, {"header": [header("C1", "03/02/2010"),
                                             header("C2", "31/02/2010")]})
    error = _error(tmp_path)
    assert "31/02/2010" not in str(error) and "C2" not in str(error)
    assert "a value that is not a date (not shown) in row 3" in str(error)
    assert "2020_header.csv" in str(error)
    folder = tmp_path / "episodes"
    write_return(folder, 2020, {"episodes": [episode("C1", "32/01/2020", "S", "C2", "U1")]})
    assert "'32/01/2020' in row 2" in str(_error(folder))
