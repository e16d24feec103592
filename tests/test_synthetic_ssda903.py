"""The synthetic SSDA903 returns: the same seed gives the same files, every file says
synthetic in its name, the reader accepts them all (codes, dates, years, one date of birth),
the LA is Doncaster-sized, and the CIN side's children entering care carry on into them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.core.errors import ParameterError
from analysis.data.returns.ssda903 import load_ssda903
from analysis.data.synthetic_returns.ssda903 import (
    YEARS,
    synthetic_ssda903,
    write_synthetic_ssda903,
)

CONFIG = Path(__file__).resolve().parents[1] / "config"


@pytest.fixture(scope="module")
def files() -> dict[tuple[int, str], pd.DataFrame]:
    return synthetic_ssda903()


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    folder = tmp_path_factory.mktemp("synthetic_903")
    written = write_synthetic_ssda903(folder)
    assert len(written) == 7 * len(YEARS)
    assert all("synthetic" in p.name for p in written)
    connection = duckdb.connect()
    load_ssda903(connection, folder, CONFIG)  # every code, date, year and birth date checked
    return connection


def test_same_seed_same_returns(files: dict[tuple[int, str], pd.DataFrame]) -> None:
    again = synthetic_ssda903()
    assert files.keys() == again.keys()
    for key, frame in files.items():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True),
                                      again[key].reset_index(drop=True))
    other = synthetic_ssda903(seed=1)[(2020, "episodes")]
    assert not other.equals(files[(2020, "episodes")])


def test_five_return_years_2018_19_to_2022_23(files: dict[tuple[int, str], pd.DataFrame]
                                               ) -> None:
    assert sorted({year for year, _ in files}) == [2019, 2020, 2021, 2022, 2023]
    assert sorted({name for _, name in files}) == ["episodes", "header", "missing", "oc2",
                                                    "oc3", "reviews", "uasc"]


def _count(con: duckdb.DuckDBPyConnection, sql: str, day: dt.date) -> int:
    row = con.execute(sql, {"d": day}).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("year", YEARS)
def test_doncaster_sized(con: duckdb.DuckDBPyConnection, year: int) -> None:
    end = dt.date(year, 3, 31)
    looked_after = _count(con, "SELECT count(DISTINCT child) FROM ssda903_episodes "
                               "WHERE ls NOT IN ('V3', 'V4') AND decom <= $d "
                               "AND (dec IS NULL OR dec > $d)", end)
    starts = _count(con, "SELECT count(*) FROM ssda903_episodes WHERE rne = 'S' "
                         "AND ls NOT IN ('V3', 'V4') AND decom BETWEEN $d - INTERVAL 1 YEAR "
                         "+ INTERVAL 1 DAY AND $d", end)
    short_breaks = _count(con, "SELECT count(DISTINCT child) FROM ssda903_episodes "
                               "WHERE ls IN ('V3', 'V4') AND return_year = year($d)", end)
    assert 480 <= looked_after <= 650
    assert 190 <= starts <= 310
    assert short_breaks >= 20


def test_about_one_in_ten_has_three_placements(con: duckdb.DuckDBPyConnection) -> None:
    from analysis.measures.returns.cla_measures import CLA_MEASURES

    shares = [CLA_MEASURES["cla_3_plus_placements"](con, dt.date(y, 3, 31))["value"].iloc[0]
              for y in YEARS]
    assert all(6 <= s <= 15 for s in shares), shares


def test_oc2_and_oc3_cohorts(files: dict[tuple[int, str], pd.DataFrame]) -> None:
    oc3 = files[(2021, "oc3")]
    ages = (pd.Timestamp("2021-03-31") - pd.to_datetime(oc3["DOB"], format="%d/%m/%Y")).dt.days
    assert ((ages >= 19 * 365) & (ages < 22 * 365 + 6)).sum() >= 60
    assert len(files[(2021, "oc2")]) >= 250


def test_cin_entrants_carry_on(tmp_path: Path) -> None:
    entrants = pd.DataFrame({
        "la_child_id": ["CIN000001", "CIN000002"], "birth_date": ["2012-05-04", "2016-02-29"],
        "gender": ["2", "1"], "ethnicity": ["MWBC", "WBRI"],
        "date_entered_care": ["2019-06-10", "2020-01-15"]})
    made = synthetic_ssda903(entrants=entrants)
    header = made[(2020, "header")].set_index("CHILD")
    assert header.loc["CIN000001", ["SEX", "DOB", "ETHNIC"]].tolist() == [
        "2", "04/05/2012", "MWBC"]
    assert header.loc["CIN000002", "DOB"] == "29/02/2016"
    eps = made[(2020, "episodes")]
    first = eps[eps["CHILD"] == "CIN000001"].iloc[0]
    assert (first["DECOM"], first["RNE"]) == ("10/06/2019", "S")
    # the generator's own children (other ways into care) keep arriving after the CIN side's
    # first entrant: 2 entrants over the 3.8 years from 10 June 2019 to 31 March 2023 are
    # about 0.5 a year, so about 232 - 0.5 of the 232 a year still come
    own = made[(2022, "episodes")]
    starts = own[(own["RNE"] == "S") & own["CHILD"].str.startswith("SYNC")]
    started = pd.to_datetime(starts["DECOM"], format="%d/%m/%Y")
    in_year = started.between(pd.Timestamp("2021-04-01"), pd.Timestamp("2022-03-31"))
    assert 180 <= in_year.sum() <= 290


def test_years_out_of_order_are_refused() -> None:
    with pytest.raises(ParameterError, match="in order"):
        synthetic_ssda903(years=(2020, 2019))
