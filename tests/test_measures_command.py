"""Staging (where, who may read it, removal) and ``python -m analysis measures`` end to end on
the synthetic returns, with a stand-in registry of measures (the real ones are their own
modules' tests)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from analysis.app import commands_measures
from analysis.app.cli import app
from analysis.core.errors import InputDataError, ParameterError
from analysis.data.returns import staging
from analysis.data.synthetic_returns.cin_census import synthetic_cin_records
from analysis.data.synthetic_returns.files import FIRST_YEAR, LAST_YEAR
from analysis.measures.returns.series import quarter_of
from tests.conftest import read_table_csv
from tests.returns_xml import child, details, write_return

LABEL = "Referrals with no further action"  # its label in config/indicators.yaml


@pytest.fixture
def staged_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "staged"
    monkeypatch.setenv("CSC_STAGED_DIR", str(folder))
    return folder


def _returns(folder: Path) -> Path:
    folder.mkdir()
    write_return(folder / "cin_2023.xml", 2023, child("A", details("2022-06-01")),
                 child("B", details("2022-07-01", closed="2022-07-20")))
    return folder


def test_staging_is_owner_only_in_the_named_folder_and_forgotten_in_one_command(
        staged_dir, tmp_path):
    path = staging.stage_returns("999", _returns(tmp_path / "returns"))
    assert path == staged_dir / "999" / "returns.duckdb"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(staged_dir.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["returns.duckdb"]  # nothing left beside
    with staging.connect("999") as con:
        assert con.execute("SELECT count(*) FROM cin_episodes").fetchone() == (2,)
        assert con.execute("SELECT * FROM staged_files").fetchall() == [
            ("cin_2023.xml", "CIN census", 2023, dt.date(2023, 3, 31))]
    result = CliRunner().invoke(app, ["forget-records", "--la", "Synthetic LA"])
    assert result.exit_code == 0, result.output
    assert not (staged_dir / "999").exists() and staged_dir.exists()
    staging.stage_returns("999", tmp_path / "returns")
    (staged_dir / "notes.txt").write_text("not staged data")  # never removed
    (staged_dir / "other").mkdir()
    result = CliRunner().invoke(app, ["forget-records"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in staged_dir.iterdir()) == ["notes.txt", "other"]
    (staged_dir / "notes.txt").unlink()
    (staged_dir / "other").rmdir()
    staging.stage_returns("999", tmp_path / "returns")
    assert CliRunner().invoke(app, ["forget-records"]).exit_code == 0
    assert not staged_dir.exists()
    assert "No staged returns to remove." in CliRunner().invoke(app, ["forget-records"]).output


def test_a_bad_return_leaves_the_staged_database_as_it_was(staged_dir, tmp_path):
    folder = _returns(tmp_path / "returns")
    path = staging.stage_returns("999", folder)
    before = path.read_bytes()
    write_return(folder / "cin_2023.xml", 2023, child("A", details("2022-06-01",
                                                                   closed="2022-05-01")))
    with pytest.raises(InputDataError, match="CINclosureDate is before"):
        staging.stage_returns("999", folder)
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["returns.duckdb"]


def test_another_las_return_is_refused(staged_dir, tmp_path):
    folder = tmp_path / "returns"
    folder.mkdir()
    write_return(folder / "cin_2023.xml", 2023, child("A", details("2022-06-01")), lea="371")
    with pytest.raises(InputDataError, match="another LA's") as info:
        staging.stage_returns("999", folder)
    assert "Expected LA code 999" in str(info.value) and "found 371" in str(info.value)


def test_staged_data_may_not_go_under_outputs(monkeypatch, project_root):
    monkeypatch.setenv("CSC_STAGED_DIR", str(project_root / "outputs" / "staged"))
    with pytest.raises(ParameterError, match="outputs"):
        staging.staged_path("999")


def _referrals_nfa(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    """Stand-in measure: the share of referrals in the 12 months to ``period_end`` with no
    further action."""
    start = period_end.replace(year=period_end.year - 1) + dt.timedelta(days=1)
    row = con.execute("SELECT count(*) FILTER (WHERE referral_nfa), count(*), "
                      "string_agg(DISTINCT source_file, '; ' ORDER BY source_file) "
                      "FROM cin_episodes WHERE referral_date BETWEEN ? AND ?",
                      [start, period_end]).fetchone()
    assert row is not None
    return pd.DataFrame([{
        "indicator_id": "referrals_nfa", "period": quarter_of(period_end).label,
        "period_end": period_end, "basis": "rolling_12_months",
        "value": 100 * row[0] / row[1], "numerator": float(row[0]),
        "denominator": float(row[1]), "unit": "percent", "files": row[2]}])


def _needs_ssda903(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
    con.execute("SELECT count(*) FROM ssda903_episodes")
    raise AssertionError("not reached")


@pytest.mark.e2e
def test_measures_command_writes_the_quarterly_series(staged_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(commands_measures, "measure_registry", lambda: {
        "referrals_nfa": _referrals_nfa, "cla_placements": _needs_ssda903})
    runner = CliRunner()
    out = tmp_path / "synthetic"
    assert runner.invoke(app, ["synthetic", "--returns", "--seed", "2019", "--out", str(out)]).exit_code == 0
    cin_only = tmp_path / "cin_only"  # the SSDA903 files left out: a measure needing them is too
    cin_only.mkdir()
    for path in (out / "returns").glob("*.xml"):
        (cin_only / path.name).write_bytes(path.read_bytes())
    assert list((out / "returns").glob("ssda903_synthetic_2023_episodes.csv"))
    result = runner.invoke(app, ["measures", "--la", "Synthetic LA", "--records",
                                 str(cin_only), "--from", "2021-22 Q3", "--to",
                                 "2022-23 Q4", "--output", str(tmp_path / "measures")])
    assert result.exit_code == 0, result.output
    assert ("Left out cla_placements: it needs the SSDA903 episodes file, which was not in the "
            "folder of returns") in result.output
    assert "table" not in result.output and "ssda903_episodes" not in result.output
    csv = read_table_csv(tmp_path / "measures" / "measures.csv")
    assert csv["Period"].tolist() == ["2021-22 Q3", "2021-22 Q4", "2022-23 Q1", "2022-23 Q2",
                                      "2022-23 Q3", "2022-23 Q4"]
    assert set(csv["Indicator"]) == {LABEL} and set(csv["Indicator code"]) == {"referrals_nfa"}
    # the same figures worked out again from the generator's own records
    eps = synthetic_cin_records(seed=2019, first_year=FIRST_YEAR, last_year=LAST_YEAR).episodes
    for _, row in csv.iterrows():
        end = pd.Timestamp(row["Period end"])
        inside = eps[eps["referral_date"].between(end - pd.DateOffset(years=1)
                                                  + pd.Timedelta(days=1), end)]
        assert row["Denominator"] == len(inside)
        assert row["Numerator"] == inside["referral_nfa"].sum()
        # the value to its unit's decimals (a percentage to 1), beside its exact counts
        assert row["Value"] == round(100 * inside["referral_nfa"].mean(), 1)
    # a year's referrals are all in its own return; a referral of 2021-22 open at 31 March
    # 2022 has the 2022-23 return's version
    assert csv["Returns used"].iloc[-1] == "synthetic_cin_census_2023.xml"
    assert csv["Returns used"].iloc[1] == ("synthetic_cin_census_2022.xml; "
                                           "synthetic_cin_census_2023.xml")
    sheet = openpyxl.load_workbook(tmp_path / "measures" / "measures.xlsx").active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    values = [c.value for c in sheet[2]]
    assert isinstance(values[header.index("Value")], float)
    assert isinstance(values[header.index("Denominator")], int)
    assert sorted(os.listdir(tmp_path / "measures")) == ["measures.csv", "measures.xlsx"]


def test_results_read_back_as_a_local_return(paths, tmp_path):
    """Two hand-made results become context rows of Doncaster's local return, which its
    reader accepts: catalogue label and polarity, values and counts kept, sources named."""
    from analysis.data.catalogue import load_catalogue
    from analysis.data.readers.local_return import read_local_return
    from analysis.measures.local_measures import load_local_measures
    from analysis.measures.returns.local_rows import as_local_return

    catalogue = load_catalogue(paths.config / "indicators.yaml")
    results = pd.DataFrame({
        "indicator_id": ["re_referrals", "re_referrals"], "period": ["2022-23 Q3", "2022-23 Q4"],
        "period_end": [dt.date(2022, 12, 31), dt.date(2023, 3, 31)],
        "basis": ["rolling_12_months"] * 2, "value": [25.0, 26.5],
        "numerator": [1300.0, 1378.0], "denominator": [5200.0, 5200.0],
        "unit": ["percent"] * 2, "files": ["cin_2023.xml", "cin_2023.xml; cin_2024.xml"]})
    rows = as_local_return(results, "E08000017", "Doncaster", catalogue)
    path = commands_measures.write_local_return(results, "Doncaster", tmp_path)
    assert path == tmp_path / "doncaster_returns_return.csv"
    read = read_local_return(path, load_local_measures(paths.config, "doncaster", catalogue))
    assert read["value"].tolist() == [25.0, 26.5]
    assert read["numerator"].tolist() == [1300.0, 1378.0]
    assert set(read["measure_type"]) == {"context"}
    assert set(read["polarity"]) == {"lower_is_better"}
    assert read["period"].astype(str).tolist() == ["2022-23 Q3", "2022-23 Q4"]
    assert rows["indicator_label"].tolist() == ["Re-referrals within 12 months"] * 2
    assert rows["source"].iloc[1] == ("Doncaster's statutory returns "
                                      "(cin_2023.xml; cin_2024.xml)")


def test_no_local_return_for_the_synthetic_la_and_nothing_staged(staged_dir, tmp_path):
    result = CliRunner().invoke(app, ["measures", "--la", "Synthetic LA", "--records",
                                      str(_returns(tmp_path / "returns")), "--output",
                                      str(tmp_path / "out"), "--local-return"])
    assert result.exit_code == 2
    assert "parameter 'local-return': the synthetic LA has no ONS code" in result.output
    assert not staged_dir.exists() and not (tmp_path / "out").exists()


def _files_con(*rows: tuple[int, str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE staged_files (source_file VARCHAR, kind VARCHAR, year INT, "
                "data_end DATE)")
    for year, end in rows:
        con.execute("INSERT INTO staged_files VALUES ('f', 'CIN census', ?, ?)", [year, end])
    return con


def test_default_quarters_run_from_the_first_years_end_to_the_last_whole_quarter():
    labels = lambda qs: [q.label for q in qs]  # noqa: E731
    con = _files_con((2022, "2022-03-31"), (2023, "2023-03-31"), (2024, "2023-11-15"))
    assert labels(commands_measures.chosen_quarters(con, None, None, None)) == [
        "2021-22 Q4", "2022-23 Q1", "2022-23 Q2", "2022-23 Q3", "2022-23 Q4", "2023-24 Q1",
        "2023-24 Q2"]
    con = _files_con((2023, "2023-03-31"), (2024, "2023-12-31"))
    assert labels(commands_measures.chosen_quarters(con, None, "2023-24 Q2", None)) == [
        "2023-24 Q2", "2023-24 Q3"]
    assert labels(commands_measures.chosen_quarters(con, "2022-23Q4", None, None)) == [
        "2022-23 Q4"]
    with pytest.raises(ParameterError, match="either --period or --from/--to"):
        commands_measures.chosen_quarters(con, "2022-23 Q4", "2022-23 Q1", None)
    with pytest.raises(ParameterError, match="comes before the first"):
        commands_measures.chosen_quarters(con, None, "2023-24 Q2", "2023-24 Q1")


def test_a_measure_without_a_figure_for_some_quarters_keeps_the_others():
    """A year-end-only measure (ParameterError before 31 March) keeps its Q4 figures and is
    said to be collected once a year; a measure with no figure at all is left out."""
    from analysis.data.periods import Quarter
    from analysis.measures.returns.series import compute_series, quarters_between

    def year_end_only(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        if (period_end.month, period_end.day) != (3, 31):
            raise ParameterError("collected for the year to 31 March only",
                                 parameter="period_end")
        return pd.DataFrame([{"indicator_id": "cla_health_checks", "period": "x",
                              "period_end": period_end, "basis": "year_to_31_march",
                              "value": 90.0, "numerator": 9.0, "denominator": 10.0,
                              "unit": "percent", "files": "f"}])

    def never(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        raise InputDataError("the staged returns hold no reviews")

    quarters = quarters_between(Quarter(2022, 3), Quarter(2023, 4))
    series = compute_series(duckdb.connect(), {"cla_health_checks": year_end_only,
                                               "never": never}, quarters)
    assert series.results["period_end"].tolist() == [dt.date(2022, 3, 31), dt.date(2023, 3, 31)]
    # the quarters within a year are no gap: the measure is listed as collected once a year
    assert series.gaps == {} and series.year_end_only == ["cla_health_checks"]
    assert series.left_out == {"never": "the staged returns hold no reviews"}


def test_measures_for_a_real_la_load_its_child_population(staged_dir, tmp_path, monkeypatch):
    """Doncaster's returns (LEA 371): the rates' population table holds Doncaster's published
    0-17 estimates (mid-2022: 65,165 in the ONS file)."""
    def population(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        (n,) = con.execute("SELECT population FROM population_0_17 WHERE mid_year = 2022"
                           ).fetchone() or (None,)
        return pd.DataFrame([{"indicator_id": "cin_count", "period": "2022-23",
                              "period_end": period_end, "basis": "at_date", "value": n,
                              "numerator": None, "denominator": None, "unit": "count",
                              "files": "x"}])

    monkeypatch.setattr(commands_measures, "measure_registry", lambda: {"pop": population})
    folder = tmp_path / "returns"
    folder.mkdir()
    write_return(folder / "cin_2023.xml", 2023, child("A", details("2022-06-01")), lea="371")
    result = CliRunner().invoke(app, ["measures", "--la", "Doncaster", "--records", str(folder),
                                      "--period", "2022-23 Q4", "--output", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert (staged_dir / "371" / "returns.duckdb").exists()
    assert read_table_csv(tmp_path / "o" / "measures.csv")["Value"].tolist() == [65165]
