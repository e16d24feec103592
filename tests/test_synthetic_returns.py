"""The synthetic CIN census journeys look like a real LA's, and a child's first child protection
plan is recorded as DfE's rule 8730 has it: ``NumberOfPreviousCPP`` 0, which the toolkit's
schema check accepts and the measure never counts as a second plan."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import InputDataError
from analysis.data.readers.cin_xml_schema import DEFAULT_XSD_DIR, schema_text
from analysis.data.returns.cin_census import read_cin_returns
from analysis.data.returns.cin_combine import combine_cin
from analysis.data.returns.cin_schema_check import check_return
from analysis.data.synthetic_returns.cin_census import SyntheticCin, synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_return
from analysis.measures.returns import cin_plans
from tests.returns_xml import child, details
from tests.returns_xml import write_return as write_xml

YEARS = range(2019, 2024)


@pytest.fixture(scope="module")
def records() -> SyntheticCin:
    return synthetic_cin_records(first_year=2017, last_year=2023)


def _plan(start: str, previous: str) -> str:
    return (f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>"
            "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
            "<LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse>"
            f"<NumberOfPreviousCPP>{previous}</NumberOfPreviousCPP></ChildProtectionPlans>")


def test_every_shipped_schema_takes_0_previous_plans_and_nothing_else_changes() -> None:
    for year in range(2017, 2025):
        path = DEFAULT_XSD_DIR / f"CIN_schema_{year}.xsd"
        original = path.read_text(encoding="utf-8")
        read = schema_text(path)
        assert '<xs:element name="NumberOfPreviousCPP" type="xs:nonNegativeInteger"' in read, year
        assert read.replace("xs:nonNegativeInteger", "xs:positiveInteger", 1) == original, year


def test_a_first_plan_recorded_as_0_is_read_and_is_not_a_second_plan(tmp_path: Path) -> None:
    path = write_xml(tmp_path / "cin_2018.xml", 2018,
                     child("A", details("2017-05-01", extra=_plan("2017-06-01", "0"))),
                     child("B", details("2017-05-01", extra=_plan("2017-06-01", "2"))),
                     child("C", details("2017-07-01", extra=_plan("2017-08-01", "0"))))
    assert check_return(path) == 2018
    con = duckdb.connect()
    files, raw = read_cin_returns([path])
    combine_cin(con, files, raw)
    assert con.execute("SELECT la_child_id, previous_plans FROM cin_cp_plans ORDER BY 1").fetchall() == [
        ("A", 0), ("B", 2), ("C", 0)]
    second = cin_plans.cpp_second_time(con, dt.date(2018, 3, 31)).iloc[0]
    # B only: 1 of the 3 plans starting in 2017-18 = 33.3%
    assert (second["numerator"], second["denominator"]) == (1, 3)
    assert second["value"] == pytest.approx(100 / 3)


def test_a_negative_count_of_previous_plans_is_still_refused(tmp_path: Path) -> None:
    path = write_xml(tmp_path / "cin_2018.xml", 2018,
                     child("A", details("2017-05-01", extra=_plan("2017-06-01", "-1"))))
    with pytest.raises(InputDataError) as err:
        check_return(path)
    assert "NumberOfPreviousCPP" in str(err.value)


def test_the_synthetic_returns_write_first_plans_as_0(records: SyntheticCin, tmp_path: Path) -> None:
    path = write_return(records, 2021, tmp_path / "synthetic_cin_census_2021.xml")
    counts = re.findall(r"<NumberOfPreviousCPP>(\d+)</NumberOfPreviousCPP>", path.read_text())
    assert "0" in counts and {"1", "2"} <= set(counts)
    assert check_return(path) == 2021


def _starting(cp: pd.DataFrame, year: int) -> pd.DataFrame:
    return cp[cp["start_date"].between(pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31))]


def test_about_a_fifth_of_plans_are_second_some_seen_in_the_files_some_only_counted(
        records: SyntheticCin) -> None:
    """Doncaster's published share 2018-2025: 16.7% to 29.5%."""
    cp = records.cp_plans.sort_values(["la_child_id", "start_date"])
    cp = cp.assign(seen=cp.groupby("la_child_id").cumcount())
    for year in YEARS:
        plans = _starting(cp, year)
        second = (plans["previous_plans"] > 0).mean()
        assert 0.17 <= second <= 0.27, (year, second)
        assert (plans["seen"] > 0).mean() >= 0.05, year  # an earlier plan is in the files
        assert ((plans["seen"] == 0) & (plans["previous_plans"] > 0)).mean() >= 0.05, year


def test_a_childs_plans_hang_together(records: SyntheticCin) -> None:
    """Each later plan of a child counts one more previous plan than the one before, and a
    child's plans do not overlap."""
    cp = records.cp_plans.sort_values(["la_child_id", "start_date"])
    step = cp.groupby("la_child_id")["previous_plans"].diff().dropna()
    assert (step == 1).all()
    before = cp.groupby("la_child_id")["end_date"].shift()
    later = before.notna()
    assert (cp.loc[later, "start_date"] >= before[later]).all()


def test_some_plans_last_two_years_or_more(records: SyntheticCin) -> None:
    """Doncaster: 2.0% to 3.5% of plans ending lasted 2 years or more; 0% to 4% of plans
    open at 31 March."""
    cp = records.cp_plans
    for year in YEARS:
        start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
        ended = cp[cp["end_date"].between(start, end)]
        long_ended = ((ended["end_date"] - ended["start_date"]).dt.days >= 730).mean()
        assert 0.015 <= long_ended <= 0.05, (year, long_ended)
        open_ = cp[(cp["start_date"] <= end) & (cp["end_date"].isna() | (cp["end_date"] > end))]
        long_open = ((end - open_["start_date"]).dt.days >= 730).mean()
        assert 0 < long_open <= 0.05, (year, long_open)
        assert 300 <= len(open_) <= 450, year


def test_synthetic_returns_default_to_the_demos_seed(tmp_path, monkeypatch):
    """`synthetic --returns` with no seed writes the demo's returns (seed 2019); referral records
    keep their own default (2017)."""
    from typer.testing import CliRunner

    from analysis.app.cli import app
    from analysis.data import synthetic
    from analysis.data.synthetic_returns import files

    seen: list[tuple[str, int]] = []
    monkeypatch.setattr(files, "write_synthetic_returns",
                        lambda folder, seed, **_: seen.append(("returns", seed)) or [])
    monkeypatch.setattr(synthetic, "write_synthetic_files",
                        lambda out, seed: seen.append(("records", seed)) or [])
    runner = CliRunner()
    for args in (["--returns"], [], ["--returns", "--seed", "5"]):
        result = runner.invoke(app, ["synthetic", "--out", str(tmp_path), *args])
        assert result.exit_code == 0, result.output
    assert seen == [("returns", 2019), ("records", 2017), ("returns", 5)]
