"""CIN census returns into the staged tables: the synthetic returns (valid, Doncaster-sized,
read back exactly), the combining rule, and messages for bad returns."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import InputDataError
from analysis.data.returns.cin_census import read_cin_returns
from analysis.data.returns.cin_combine import combine_cin
from analysis.data.returns.cin_schema_check import check_return
from analysis.data.synthetic_returns.cin_census import SyntheticCin, synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_cin_returns, write_return
from tests.returns_xml import child, details
from tests.returns_xml import write_return as write_xml

YEARS = range(2019, 2024)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyntheticCin, list[Path]]:
    records = synthetic_cin_records()
    folder = tmp_path_factory.mktemp("synthetic_returns")
    return records, write_cin_returns(records, folder, YEARS)


@pytest.fixture(scope="module")
def staged(synthetic: tuple[SyntheticCin, list[Path]]) -> duckdb.DuckDBPyConnection:
    _, paths = synthetic
    con = duckdb.connect()
    files, raw = read_cin_returns(paths)
    combine_cin(con, files, raw)
    return con


def _stage(paths: list[Path]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    files, raw = read_cin_returns(paths)
    combine_cin(con, files, raw)
    return con


def test_synthetic_returns_are_valid_against_their_own_years_schema(synthetic):
    _, paths = synthetic
    assert [p.name for p in paths] == [f"synthetic_cin_census_{y}.xml" for y in YEARS]
    assert [check_return(p) for p in paths] == list(YEARS)
    # a second, independent validator agrees for the year with CIN plan dates
    from analysis.data.readers.cin_xml_schema import validate_cin_xml

    validate_cin_xml(paths[3], year=2022)
    assert "<CINPlanDates>" in paths[3].read_text() and "<CINPlanDates>" not in paths[2].read_text()


def test_synthetic_returns_are_deterministic_and_say_synthetic(synthetic, tmp_path):
    _, paths = synthetic
    again = write_return(synthetic_cin_records(), 2021, tmp_path / "again.xml")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(
        paths[2].read_bytes()).digest()
    head = paths[0].read_text()[:600]
    assert "<LEA>999</LEA>" in head and "SYNTHETIC" in head


def test_synthetic_returns_are_doncaster_sized(synthetic):
    """About 5,300 referrals a year, ~27% re-referrals, ~3% NFA, ~1,000 s47 enquiries and
    ~350 child protection plans open at 31 March (computed here with pandas)."""
    records, _ = synthetic
    ep = records.episodes.sort_values(["la_child_id", "referral_date"])
    previous = ep.groupby("la_child_id")["referral_date"].shift()
    ep = ep.assign(rereferral=(ep["referral_date"] - previous) <= pd.Timedelta(days=365))
    for year in YEARS:
        start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
        refs = ep[ep["referral_date"].between(start, end)]
        assert 5000 <= len(refs) <= 5700
        assert 0.22 <= refs["rereferral"].mean() <= 0.32
        assert 0.02 <= refs["referral_nfa"].mean() <= 0.05
        s47 = records.s47[records.s47["start_date"].between(start, end)]
        assert 850 <= len(s47) <= 1200
        cp = records.cp_plans
        open_ = cp[(cp["start_date"] <= end) & (cp["end_date"].isna() | (cp["end_date"] > end))]
        assert 280 <= len(open_) <= 420
    assert 0 < len(records.entered_care) < len(records.cp_plans) * 0.2
    entered = records.entered_care
    assert not entered["la_child_id"].duplicated().any()
    assert (entered["date_entered_care"] < entered["birth_date"] + pd.DateOffset(years=17)).all()
    assert list(records.entered_care.columns) == ["la_child_id", "birth_date", "gender",
                                                  "ethnicity", "date_entered_care"]


def test_staged_tables_hold_every_record_once_as_generated(synthetic, staged):
    records, _ = synthetic
    for table, frame in (("cin_children", records.children), ("cin_episodes", records.episodes),
                         ("cin_assessments", records.assessments), ("cin_plans", records.plans),
                         ("cin_s47", records.s47), ("cin_cp_plans", records.cp_plans)):
        assert staged.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == len(frame), table
    got = staged.execute("SELECT episode_id, referral_date, closure_date, referral_nfa, "
                         "reason_for_closure FROM cin_episodes ORDER BY episode_id").df()
    want = records.episodes.sort_values("episode_id")
    assert got["episode_id"].tolist() == want["episode_id"].tolist()
    assert (pd.to_datetime(got["referral_date"]) == want["referral_date"].to_numpy()).all()
    assert got["closure_date"].isna().sum() == want["closure_date"].isna().sum()
    assert got["referral_nfa"].sum() == want["referral_nfa"].sum()
    s47 = staged.execute("SELECT episode_id, start_date, icpc_target_date, icpc_date, "
                         "icpc_not_required FROM cin_s47 ORDER BY episode_id, start_date").df()
    want_s47 = records.s47.sort_values(["episode_id", "start_date"])
    def days(values: pd.Series) -> list[str]:
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("").tolist()

    for col in ("start_date", "icpc_target_date", "icpc_date"):
        assert days(s47[col]) == days(want_s47[col]), col
    assert s47["icpc_not_required"].tolist() == want_s47["icpc_not_required"].tolist()
    cp = staged.execute("SELECT previous_plans, count(*) AS n FROM cin_cp_plans "
                        "GROUP BY 1 ORDER BY 1").df()
    assert cp.set_index("previous_plans")["n"].to_dict() == \
        records.cp_plans["previous_plans"].value_counts().sort_index().to_dict()


def test_staged_tables_have_the_contracts_columns_and_types(staged):
    def cols(table: str) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in staged.execute(f"DESCRIBE {table}").fetchall()]

    tail = [("census_year", "INTEGER"), ("source_file", "VARCHAR")]
    assert cols("cin_children") == [
        ("la_child_id", "VARCHAR"), ("birth_date", "DATE"), ("expected_birth_date", "DATE"),
        ("gender", "VARCHAR"), ("ethnicity", "VARCHAR"), ("death_date", "DATE"),
        ("disabilities", "VARCHAR"), *tail]
    assert cols("cin_episodes") == [
        ("episode_id", "VARCHAR"), ("la_child_id", "VARCHAR"), ("referral_date", "DATE"),
        ("referral_source", "VARCHAR"), ("primary_need", "VARCHAR"), ("closure_date", "DATE"),
        ("reason_for_closure", "VARCHAR"), ("referral_nfa", "BOOLEAN"), *tail]
    assert cols("cin_s47")[-3:] == [("icpc_not_required", "BOOLEAN"), *tail]
    assert cols("cin_cp_plans")[-3:] == [("previous_plans", "INTEGER"), *tail]
    assert cols("cin_assessments")[2:5] == [("start_date", "DATE"),
                                            ("authorisation_date", "DATE"), ("factors", "VARCHAR")]


def test_a_later_extract_replaces_a_childs_records_and_a_later_year_wins(tmp_path):
    """Hand-worked: the 2023 return holds A's referral open at 31 March; an in-year extract
    of 2023-24 (30 September) has A's referral closed on 30 June and B; a later extract
    (31 December) has A only, with an assessment of the referral of 1 May. An amended 2023
    return made after both extracts still does not replace the 2023-24 version."""
    a_open = details("2023-01-10")
    a_closed = details("2023-01-10", closed="2023-06-30")
    a_new = details("2023-05-01", extra="<Assessments><AssessmentActualStartDate>2023-05-02"
                    "</AssessmentActualStartDate><AssessmentAuthorisationDate>2023-05-20"
                    "</AssessmentAuthorisationDate></Assessments>")
    files = [
        write_xml(tmp_path / "cin_2023.xml", 2023, child("A", a_open), made="2023-05-10T10:00:00"),
        write_xml(tmp_path / "extract_dec.xml", 2024, child("A", a_closed, a_new),
                  reference="2023-12-31", made="2024-01-05T10:00:00"),
        write_xml(tmp_path / "extract_sep.xml", 2024,
                  child("A", a_closed, details("2023-05-01")), child("B", details("2023-08-01")),
                  reference="2023-09-30", made="2023-10-05T10:00:00"),
        write_xml(tmp_path / "cin_2023_amended.xml", 2023,
                  child("A", details("2023-01-10", source="2A")), made="2024-02-01T10:00:00"),
    ]
    con = _stage(files)
    episodes = con.execute("SELECT episode_id, closure_date, referral_source, census_year, "
                           "source_file FROM cin_episodes ORDER BY episode_id").fetchall()
    assert episodes == [
        ("A/2023-01-10/1", dt.date(2023, 6, 30), "6", 2024, "extract_dec.xml"),
        ("A/2023-05-01/1", None, "6", 2024, "extract_dec.xml"),
        ("B/2023-08-01/1", None, "6", 2024, "extract_sep.xml"),
    ]
    assert con.execute("SELECT episode_id, authorisation_date, source_file FROM cin_assessments"
                       ).fetchall() == [("A/2023-05-01/1", dt.date(2023, 5, 20), "extract_dec.xml")]
    assert con.execute("SELECT la_child_id, source_file FROM cin_children ORDER BY 1"
                       ).fetchall() == [("A", "extract_dec.xml"), ("B", "extract_sep.xml")]


def test_same_day_referrals_of_a_child_are_numbered_in_file_order(tmp_path):
    path = write_xml(tmp_path / "r.xml", 2023,
                     child("A", details("2022-06-01", source="6"), details("2022-06-01",
                                                                           source="2A")))
    con = _stage([path])
    assert con.execute("SELECT episode_id, referral_source FROM cin_episodes ORDER BY 1"
                       ).fetchall() == [("A/2022-06-01/1", "6"), ("A/2022-06-01/2", "2A")]


def _error(paths: list[Path]) -> str:
    with pytest.raises(InputDataError) as info:
        _stage(paths)
    return str(info.value)


def test_a_year_without_a_shipped_schema_is_named_not_checked_against_another(tmp_path):
    path = write_xml(tmp_path / "cin_2016.xml", 2016, child("A", details("2015-06-01")))
    msg = _error([path])
    assert "cin_2016.xml" in msg and "no CIN census schema for census year 2016" in msg
    assert "2017 to 2024" in msg


def test_an_element_of_a_later_years_schema_is_refused_in_an_earlier_year(tmp_path):
    plan = ("<CINPlanDates><CINPlanStartDate>2018-06-20</CINPlanStartDate></CINPlanDates>")
    path = write_xml(tmp_path / "cin_2019.xml", 2019,
                     child("A", details("2018-06-01")), child("B", details("2018-06-01",
                                                                           extra=plan)))
    msg = _error([path])
    assert "cin_2019.xml" in msg and "2019 CIN census schema (CIN_schema_2019.xsd)" in msg
    assert "CINPlanDates" in msg and "child number 2" in msg


def test_an_unknown_code_names_the_element_the_codes_and_the_child(tmp_path):
    path = write_xml(tmp_path / "cin_2023.xml", 2023, child("SECRET1", details("2022-06-01",
                                                                                source="XX")))
    msg = _error([path])
    assert "ReferralSource" in msg and "'XX'" in msg and "'5D'" in msg and "'1A'" in msg
    assert "child number 1" in msg and "SECRET1" not in msg


def test_dates_out_of_order_name_the_field_and_the_child_not_its_id(tmp_path):
    path = write_xml(tmp_path / "cin_2023.xml", 2023, child("A", details("2022-06-01")),
                     child("SECRET2", details("2022-09-01", closed="2022-08-01")))
    msg = _error([path])
    assert msg.startswith("cin_2023.xml, column 'CINclosureDate': CINclosureDate is before "
                          "CINreferralDate")
    assert "on or after CINreferralDate (2022-09-01)" in msg and "2022-08-01" in msg
    assert "child number 2" in msg and "SECRET2" not in msg


def test_a_child_with_two_birth_dates_is_refused(tmp_path):
    path = write_xml(tmp_path / "cin_2023.xml", 2023,
                     child("SECRET3", details("2022-06-01"), birth="2012-05-01"),
                     child("A", details("2022-06-01")),
                     child("SECRET3", details("2022-07-01"), birth="2013-05-01"))
    msg = _error([path])
    assert "two birth dates" in msg and "column 'PersonBirthDate'" in msg
    assert "child number 3" in msg and "child number 1" in msg and "SECRET3" not in msg


def test_a_referral_after_the_census_date_is_refused(tmp_path):
    path = write_xml(tmp_path / "extract.xml", 2024, child("A", details("2023-10-02")),
                     reference="2023-09-30")
    msg = _error([path])
    assert "CINreferralDate is after the return's census date" in msg
    assert "on or before 2023-09-30" in msg


def test_a_doctype_is_refused_before_parsing(tmp_path):
    path = write_xml(tmp_path / "cin_2023.xml", 2023, child("A", details("2022-06-01")))
    text = path.read_text().replace("<Message>", '<!DOCTYPE Message [<!ENTITY e "x">]><Message>',
                                    1)
    path.write_text(text)
    msg = _error([path])
    assert "refused for safety" in msg and "cin_2023.xml" in msg


def test_a_utf16_return_is_checked_and_read(tmp_path):
    path = write_xml(tmp_path / "cin_2023.xml", 2023, child("A", details("2022-06-01")))
    text = path.read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    path.write_bytes(text.encode("utf-16"))
    con = _stage([path])
    assert con.execute("SELECT episode_id, census_year FROM cin_episodes").fetchall() == [
        ("A/2022-06-01/1", 2023)]


def test_a_bad_birth_or_death_date_is_named_but_never_shown(tmp_path):
    """The schema's message names the element and the child's number, not the value; dates
    of death before birth say so without either date."""
    path = write_xml(tmp_path / "cin_2023.xml", 2023,
                     child("A", details("2022-06-01"), birth="2012-13-45"))
    msg = _error([path])
    assert "Element 'PersonBirthDate': the value (not shown) is not a valid value" in msg
    assert "2012-13-45" not in msg and "child number 1" in msg
    died = child("SECRET4", details("2022-06-01"), birth="2012-05-01").replace(
        "<GenderCurrent>1</GenderCurrent>",
        "<GenderCurrent>1</GenderCurrent><PersonDeathDate>2011-04-03</PersonDeathDate>")
    path = write_xml(tmp_path / "cin_2023.xml", 2023, child("A", details("2022-06-01")), died)
    msg = _error([path])
    assert "PersonDeathDate is before PersonBirthDate" in msg and "child number 2" in msg
    assert "2011-04-03" not in msg and "2012-05-01" not in msg and "SECRET4" not in msg


def test_a_return_whose_census_date_is_not_in_its_year_is_refused(tmp_path):
    """A header saying Year 2023 with the census date of 31 March 2022 is last year's return
    (or a mislabelled one): refused, naming the file and the header's field."""
    path = write_xml(tmp_path / "cin_2023.xml", 2023, child("A", details("2021-06-01")),
                     reference="2022-03-31")
    msg = _error([path])
    assert ("cin_2023.xml, column 'Header/CollectionDetails/ReferenceDate': the return's "
            "census date is not in the census year its header gives") in msg
    assert "a date from 1 April 2022 to 31 March 2023 (Year 2023)" in msg and "2022-03-31" in msg
