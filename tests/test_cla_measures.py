"""Looked-after measures from the SSDA903 return, worked by hand on a small return with the
edge cases (a placement change on 31 March and on 29 February, same-day episodes, a child
turning 16 on the day, care ending on 31 March, short breaks, adoption placements, care
leavers turning 19 on the first day of the year and the day after it, a 29 February
birthday), and the helpers' date arithmetic."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_ssda903_reader import CONFIG, episode, header, write_return

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.returns.ssda903 import load_ssda903
from analysis.measures.returns.cla_measures import CLA_MEASURES, RESULT_COLUMNS
from analysis.measures.returns.cla_sql import anniversary, throughout_from
from analysis.measures.returns.population import register_population
from analysis.measures.returns.rows import period_label

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"
END = dt.date(2020, 3, 31)
#: ONS mid-2019 estimate of Doncaster's children aged 0-17 (the 2019-20 rate's denominator).
DONCASTER_MID_2019 = 64311


def oc2(child: str, dob: str, health: str, teeth: str, imms: str) -> dict[str, str]:
    return {"CHILD": child, "DOB": dob, "HEALTH_CHECK": health, "TEETH_CHECK": teeth,
            "IMMUNISATIONS": imms}


def oc3(child: str, dob: str, touch: str, activ: str, accom: str) -> dict[str, str]:
    return {"CHILD": child, "DOB": dob, "IN_TOUCH": touch, "ACTIV": activ, "ACCOM": accom}


HEADERS = {"A": "01/05/2010", "B": "28/02/2005", "C": "31/03/2004", "D": "01/01/2010",
           "E": "01/06/2008", "F": "01/07/2012", "G": "01/01/2015", "H": "01/01/2014",
           "L9": "01/12/1999", "L10": "01/11/2000"}

EPISODES = [
    # A: four placements in the year, moving on 29 February and again on 31 March
    episode("A", "10/01/2015", "S", "C2", "U6", "01/06/2019"),
    episode("A", "01/06/2019", "P", "C2", "U4", "29/02/2020"),
    episode("A", "29/02/2020", "P", "C2", "K2", "31/03/2020"),
    episode("A", "31/03/2020", "P", "C2", "U6"),
    # B: one placement since 2016, 15 on the day
    episode("B", "01/04/2016", "S", "C2", "U4"),
    # C: in care since 2016, turns 16 on 31 March 2020
    episode("C", "01/01/2016", "S", "C2", "U4"),
    # D: short breaks only (a V3 agreement to 1 March, then V4 stays)
    episode("D", "10/04/2019", "S", "V3", "K2", "20/04/2019", "E8"),
    episode("D", "01/05/2019", "S", "V3", "K2", "01/03/2020", "E8"),
    episode("D", "28/03/2020", "S", "V4", "K2", "30/03/2020", "E8"),
    episode("D", "31/03/2020", "S", "V4", "K2"),
    # E: care ends on 31 March
    episode("E", "01/01/2018", "S", "V2", "U6", "31/03/2020", "E4A"),
    # F: same-day episodes: a placement that starts and ends on 15 November does not count
    episode("F", "01/09/2019", "S", "C2", "U6", "15/11/2019"),
    episode("F", "15/11/2019", "P", "C2", "K2", "15/11/2019"),
    episode("F", "15/11/2019", "P", "C2", "U4"),
    # G: placed for adoption with new carers in January 2019 (the 2018-19 return has the
    # foster placement before, from March 2017)
    episode("G", "10/01/2019", "T", "E1", "A6"),
    # H: placed for adoption with the foster carers (same carers: the same placement)
    episode("H", "01/06/2017", "S", "C2", "U5", "01/08/2019"),
    episode("H", "01/08/2019", "U", "E1", "A5"),
    # L9: a care leaver who was only ever looked after for short breaks
    episode("L9", "05/04/2019", "S", "V4", "K2", "07/04/2019", "E8"),
    # L10: a care leaver whose care another LA took over
    episode("L10", "01/02/2019", "S", "V2", "P2", "20/04/2019", "E3"),
]

OC2 = [oc2("A", "01/05/2010", "1", "0", "1"), oc2("B", "28/02/2005", "1", "1", "1"),
       oc2("C", "31/03/2004", "0", "1", "1"), oc2("G", "01/01/2015", "1", "0", "0"),
       oc2("F", "01/07/2012", "1", "1", "1"), oc2("D", "01/01/2010", "1", "1", "1")]

OC3 = [
    oc3("L1", "15/06/2000", "YES", "F2", "U1"),   # 19 in June 2019
    oc3("L2", "01/10/1998", "YES", "G5", "S2"),   # 21 in October 2019
    oc3("L3", "29/02/2000", "YES", "F4", "D2"),   # 20 on 29 February 2020
    oc3("L4", "01/04/2001", "YES", "F1", "U1"),   # 19 on 1 April 2020: next year
    oc3("L5", "01/04/2000", "NO", "0", "0"),      # 19 on 1 April 2019: the year's first day
    oc3("L6", "01/08/1999", "DIED", "0", "0"),    # left out: died
    oc3("L7", "01/09/1999", "RHOM", "F2", "U1"),  # left out: home to parents 6 months+
    oc3("L8", "01/05/2002", "YES", "F1", "U1"),   # 18 in the year: not 19-21
    oc3("L9", "01/12/1999", "YES", "F1", "U1"),   # left out: short breaks only
    oc3("L10", "01/11/2000", "YES", "F1", "U1"),  # left out: care taken over by another LA
]


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    # the two years before: long-term stability looks back 30 months
    write_return(tmp_path, 2018, {"episodes": [
        episode("A", "10/01/2015", "S", "C2", "U6"), episode("B", "01/04/2016", "S", "C2", "U4"),
        episode("C", "01/01/2016", "S", "C2", "U4"), episode("G", "01/03/2017", "S", "C2", "U6"),
        episode("H", "01/06/2017", "S", "C2", "U5")]})
    write_return(tmp_path, 2019, {"episodes": [
        episode("A", "10/01/2015", "S", "C2", "U6"), episode("B", "01/04/2016", "S", "C2", "U4"),
        episode("C", "01/01/2016", "S", "C2", "U4"),
        episode("E", "01/01/2018", "S", "V2", "U6"),
        episode("G", "01/03/2017", "S", "C2", "U6", "10/01/2019"),
        episode("G", "10/01/2019", "T", "E1", "A6"), episode("H", "01/06/2017", "S", "C2", "U5")]})
    write_return(tmp_path, 2020, {
        "header": [header(child, dob) for child, dob in HEADERS.items()],
        "episodes": EPISODES, "oc2": OC2, "oc3": OC3})
    connection = duckdb.connect()
    load_ssda903(connection, tmp_path, CONFIG)
    register_population(connection, RAW, "E08000017")
    return connection


def _row(con: duckdb.DuckDBPyConnection, indicator: str, end: dt.date = END) -> pd.Series:
    frame = CLA_MEASURES[indicator](con, end)
    assert list(frame.columns) == RESULT_COLUMNS and len(frame) == 1
    return frame.iloc[0]


@pytest.mark.parametrize(("indicator", "numerator", "denominator", "value"), [
    # looked after on 31 March: A B C F G H (not D: short breaks; not E: left that day)
    ("cla_rate", 6, DONCASTER_MID_2019, 6 / DONCASTER_MID_2019 * 10_000),
    # A had 4 placements (to 31 March); F 2 (the same-day one not counted); the rest 1
    ("cla_3_plus_placements", 1, 6, 100 / 6),
    # under 16, in care since 1 October 2017 or before: A B G H (C is 16 on the day);
    # stable: B (since 2016), G (adoption + the placement before from March 2017), H (the
    # foster placement became the adoption one, same carers)
    ("cla_long_term_stability", 3, 4, 75.0),
    # in care throughout the year: A B C G H (F started in September); H has no OC2 record
    ("cla_health_checks", 3, 5, 60.0),
    ("cla_dental_checks", 2, 5, 40.0),
    ("cla_immunisations", 3, 5, 60.0),
    # 19-21: L1 L2 L3 L5 (L4 is 19 the next day, L8 18; L6 died, L7 home, L9 short breaks,
    # L10 another LA's)
    ("care_leavers_eet", 2, 4, 50.0),
    ("care_leavers_suitable_accommodation", 1, 4, 25.0),
])
def test_measures_worked_by_hand(con: duckdb.DuckDBPyConnection, indicator: str,
                                 numerator: float, denominator: float, value: float) -> None:
    row = _row(con, indicator)
    assert (row["numerator"], row["denominator"]) == (numerator, denominator)
    assert row["value"] == pytest.approx(value)
    assert row["indicator_id"] == indicator and row["period_end"] == END
    assert "2020_episodes.csv" in row["files"] or "2020_oc3.csv" in row["files"]
    assert "2019_episodes.csv" not in row["files"]  # the 2019-20 return completes them


def test_periods_bases_units_and_files(con: duckdb.DuckDBPyConnection) -> None:
    rate = _row(con, "cla_rate")
    assert (rate["period"], rate["basis"], rate["unit"]) == ("2019-20", "at_date",
                                                            "rate_per_10000")
    assert rate["files"] == ("2020_episodes.csv; "
                             "ons_mid-year_population_estimates_2012_to_2024.csv")
    stable = _row(con, "cla_3_plus_placements")
    assert stable["basis"] == "rolling_12_months" and stable["unit"] == "percent"
    health = _row(con, "cla_health_checks")
    assert (health["period"], health["basis"]) == ("2019-20", "year_to_31_march")
    assert health["files"] == "2020_episodes.csv; 2020_oc2.csv"
    assert _row(con, "care_leavers_eet")["files"] == "2020_oc3.csv"


def test_a_quarter_end_within_the_year(con: duckdb.DuckDBPyConnection) -> None:
    # on 29 February 2020 A had moved into K2 that day (3 placements from 1 March 2019); B C
    # E F G H looked after too; D is on a V3 agreement (left out)
    row = _row(con, "cla_3_plus_placements", dt.date(2020, 2, 29))
    assert (row["numerator"], row["denominator"]) == (1, 7)
    assert row["period"] == "2020-02-29"
    dec = _row(con, "cla_rate", dt.date(2019, 12, 31))
    assert dec["period"] == "2019-20 Q3" and dec["numerator"] == 7


def test_oc2_and_oc3_measures_only_at_31_march(con: duckdb.DuckDBPyConnection) -> None:
    for indicator in ("cla_health_checks", "care_leavers_eet"):
        with pytest.raises(ParameterError, match="31 March"):
            CLA_MEASURES[indicator](con, dt.date(2019, 12, 31))


def test_a_period_the_returns_do_not_cover_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    # the returns run from 1 April 2017 to 31 March 2020
    with pytest.raises(InputDataError, match="from 01/04/2017 to 31/03/2020") as caught:
        CLA_MEASURES["cla_long_term_stability"](con, dt.date(2019, 6, 30))
    assert "episodes from 31/12/2016" in str(caught.value)  # 30 December + 1 day
    assert ("a figure at 30/06/2019 looks back to 31/12/2016, before the SSDA903 returns start "
            "(01/04/2017)") in str(caught.value)
    with pytest.raises(InputDataError, match="the SSDA903 returns end on 31/03/2020, before 30/06/2020"):
        CLA_MEASURES["cla_rate"](con, dt.date(2020, 6, 30))
    # 31 March 2018: A B C G H, and E (in care since January 2018), one placement each
    early = _row(con, "cla_3_plus_placements", dt.date(2018, 3, 31))
    assert (early["numerator"], early["denominator"]) == (0, 6)


def test_a_missing_file_names_it() -> None:
    con = duckdb.connect()
    with pytest.raises(InputDataError, match="episodes file: not in the folder of returns"):
        CLA_MEASURES["cla_3_plus_placements"](con, END)


def test_no_child_identifier_in_a_result(con: duckdb.DuckDBPyConnection) -> None:
    text = pd.concat([f(con, END) for f in CLA_MEASURES.values()]).to_csv()
    for child in list(HEADERS) + [r["CHILD"] for r in OC3]:
        assert f",{child}," not in text and f"{child};" not in text


@pytest.mark.parametrize(("end", "months", "first"), [
    (dt.date(2020, 3, 31), 12, dt.date(2019, 4, 1)),
    (dt.date(2020, 3, 31), 24, dt.date(2018, 4, 1)),
    (dt.date(2020, 3, 31), 30, dt.date(2017, 10, 1)),   # 30 September + 1 day
    (dt.date(2020, 2, 29), 12, dt.date(2019, 3, 1)),    # 28 February 2019 + 1 day
    (dt.date(2021, 2, 28), 12, dt.date(2020, 2, 29)),
    (dt.date(2019, 12, 31), 12, dt.date(2019, 1, 1)),
])
def test_the_months_to_a_day(end: dt.date, months: int, first: dt.date) -> None:
    assert throughout_from(end, months) == first


@pytest.mark.parametrize(("dob", "years", "day"), [
    ("2000-02-29", 19, dt.date(2019, 3, 1)),
    ("2000-02-29", 20, dt.date(2020, 2, 29)),
    ("2004-03-31", 16, dt.date(2020, 3, 31)),
    ("1900-02-28", 1, dt.date(1901, 2, 28)),
])
def test_birthdays(dob: str, years: int, day: dt.date) -> None:
    sql = f"SELECT {anniversary(f'DATE {dob!r}', years)}"
    assert duckdb.connect().execute(sql).fetchone() == (day,)


@pytest.mark.parametrize(("end", "label"), [
    (dt.date(2018, 3, 31), "2017-18"),   # a 31 March is the year's, whatever the basis
    (dt.date(2017, 6, 30), "2017-18 Q1"),
    (dt.date(2017, 6, 29), "2017-06-29"),
])
def test_period_labels(end: dt.date, label: str) -> None:
    assert period_label(end) == label


@pytest.mark.parametrize(("year", "looked_after", "published"), [
    (2022, 589, 92), (2023, 540, 83), (2024, 524, 79), (2025, 504, 74),
])
def test_rate_uses_the_population_dfe_uses(year: int, looked_after: int,
                                           published: int) -> None:
    """Doncaster's published count of children looked after on 31 March (LAIT ``LACnum``)
    over the mid-year estimate of the year before gives its published rate (LAIT ``LAC``);
    the same year's estimate would not (2022: 90, 2023: 81, 2024: 77)."""
    con = duckdb.connect()
    con.execute("CREATE TABLE ssda903_episodes AS SELECT 'C' || i AS child, "
                "DATE '2015-01-01' AS decom, CAST(NULL AS DATE) AS dec, 'S' AS rne, 'C2' AS ls,"
                " 'U4' AS place, 'x.csv' AS source_file FROM range($n) t(i)",
                {"n": looked_after})
    con.execute("CREATE TABLE ssda903_files AS SELECT 'episodes' AS kind, "
                "CAST($y AS INTEGER) AS return_year", {"y": year})
    register_population(con, RAW, "E08000017")
    row = _row(con, "cla_rate", dt.date(year, 3, 31))
    assert row["numerator"] == looked_after
    assert round(row["value"]) == published


def test_names_and_units_are_the_catalogues(con: duckdb.DuckDBPyConnection, catalogue) -> None:
    from analysis.measures.returns.cla_measures import NAMES

    assert set(NAMES) == set(CLA_MEASURES)
    for indicator, words in NAMES.items():
        assert words == catalogue.get(indicator).label.lower()
        assert _row(con, indicator)["unit"] == catalogue.get(indicator).unit
