"""CIN census measures on hand-made staged records, each expected value worked by hand, with
the edge cases DfE's guidance names: 12 months inclusive, leap days, same-day episodes, working
days across bank holidays and weekends, plans starting or ending on 31 March."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from analysis.core.errors import InputDataError, NoDataError
from analysis.measures.returns import cin_plans, cin_referrals, cin_timeliness
from analysis.measures.returns.rows import RESULT_COLUMNS, period_label, window_start
from tests.cin_staged import d, stage, stage_population

D = dt.date
YEAR_END = D(2018, 3, 31)


def ep(child: str, referral: str, closure: str | None = None, nfa: bool = False,
       n: int = 1) -> dict[str, object]:
    return {"episode_id": f"{child}/{referral}/{n}", "la_child_id": child,
            "referral_date": d(referral), "closure_date": d(closure), "referral_nfa": nfa}


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    stage_population(con, {2016: 40_000.0, 2017: 60_000.0, 2018: 61_000.0})
    return con


@pytest.mark.parametrize(("end", "label", "start"), [
    (D(2018, 3, 31), "2017-18", D(2017, 4, 1)),
    (D(2017, 12, 31), "2017-18 Q3", D(2017, 1, 1)),
    (D(2018, 6, 30), "2018-19 Q1", D(2017, 7, 1)),
    (D(2017, 2, 28), "2017-02-28", D(2016, 2, 29)),   # a window starting on a leap day
    (D(2020, 2, 29), "2020-02-29", D(2019, 3, 1)),    # a window ending on one
])
def test_period_labels_and_windows(end: dt.date, label: str, start: dt.date) -> None:
    assert period_label(end) == label
    assert window_start(end) == start


@pytest.fixture
def referrals() -> duckdb.DuckDBPyConnection:
    con = _con()
    stage(con, "cin_episodes", [
        ep("A", "2017-03-31", "2017-05-01"), ep("A", "2018-03-31"),   # exactly 12 months: re
        ep("B", "2017-03-30", "2017-03-30"), ep("B", "2018-03-31"),   # 12 months and a day
        ep("D", "2017-05-01", "2017-05-20"),
        ep("D", "2017-06-01", n=1), ep("D", "2017-06-01", "2017-06-01", nfa=True, n=2),
        ep("E", "2017-10-10", "2017-10-10", nfa=True),
    ], years=range(2017, 2019))
    return con


def test_referrals_re_referrals_and_nfa(referrals: duckdb.DuckDBPyConnection) -> None:
    # in 2017-18: A 31 Mar, B 31 Mar, D 1 May, D 1 Jun (two episodes, one referral), E = 5
    rate = cin_referrals.referral_rate(referrals, YEAR_END)
    assert list(rate.columns) == RESULT_COLUMNS
    row = rate.iloc[0]
    assert (row["indicator_id"], row["period"], row["basis"]) == (
        "referral_rate_rebased", "2017-18", "year_to_31_march")
    assert (row["numerator"], row["denominator"]) == (5, 60_000)  # mid-2017 for 2017-18
    assert row["value"] == pytest.approx(5 / 6)
    assert row["files"] == "cin_census_2017.xml; cin_census_2018.xml; population.csv"
    re = cin_referrals.re_referrals(referrals, YEAR_END).iloc[0]
    assert (re["numerator"], re["denominator"], re["value"]) == (2, 5, 40.0)  # A and D 1 Jun
    nfa = cin_referrals.referrals_nfa(referrals, YEAR_END).iloc[0]
    assert (nfa["numerator"], nfa["denominator"], nfa["value"]) == (1, 5, 20.0)  # E only


def test_rolling_12_months_to_a_quarter(referrals: duckdb.DuckDBPyConnection) -> None:
    # 1 January to 31 December 2017: B 30 Mar, A 31 Mar, D 1 May, D 1 Jun, E 10 Oct; the
    # population is 2017-18's (mid-2017), the year that holds the quarter
    row = cin_referrals.referral_rate(referrals, D(2017, 12, 31)).iloc[0]
    assert (row["period"], row["basis"]) == ("2017-18 Q3", "rolling_12_months")
    assert (row["numerator"], row["denominator"]) == (5, 60_000)


def test_re_referrals_across_29_february() -> None:
    con = _con()
    stage(con, "cin_episodes", [
        ep("G", "2014-06-01", "2015-01-01"),                       # the 2014-15 history only
        ep("C", "2016-02-29", "2016-03-01"), ep("C", "2017-02-28"),  # 29 Feb + 12 months = 28 Feb
        ep("F", "2016-02-28", "2016-03-01"), ep("F", "2017-02-28"),
        ep("H", "2016-03-01", "2016-03-02"), ep("H", "2017-03-01"),  # outside the window
    ], years=range(2015, 2018))
    row = cin_referrals.re_referrals(con, D(2017, 2, 28)).iloc[0]
    # window 29 Feb 2016 to 28 Feb 2017: C 29 Feb, H 1 Mar, C 28 Feb, F 28 Feb
    assert (row["period"], row["basis"]) == ("2017-02-28", "rolling_12_months")
    assert (row["numerator"], row["denominator"]) == (2, 4)


@pytest.mark.parametrize(("end", "referrals", "mid_year"), [
    (D(2020, 2, 29), 3, 2019),   # 1 March 2019 to 29 February 2020: X, Z, W
    (D(2020, 3, 31), 4, 2019),   # 2019-20: Z, W, Y, Y2
    (D(2021, 2, 28), 3, 2020),   # 29 February 2020 to 28 February 2021: W, Y, Y2
])
def test_twelve_month_windows_across_a_leap_day(end: dt.date, referrals: int,
                                                mid_year: int) -> None:
    con = duckdb.connect()
    stage_population(con, {2019: 10_000.0, 2020: 20_000.0})
    stage(con, "cin_episodes", [
        ep("X", "2019-03-01", "2019-03-01"), ep("Z", "2019-04-01", "2019-05-01"),
        ep("W", "2020-02-29", "2020-03-05"), ep("Y", "2020-03-01"), ep("Y2", "2020-03-31"),
    ], years=range(2019, 2022))
    row = cin_referrals.referral_rate(con, end).iloc[0]
    assert row["numerator"] == referrals
    assert row["denominator"] == {2019: 10_000, 2020: 20_000}[mid_year]


def test_a_year_without_its_history_has_no_re_referral_figure(
        referrals: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NoDataError, match="from 1 January 2016 to 31 December 2017 needs the "
                                          "CIN census of 2015-16"):
        cin_referrals.re_referrals(referrals, D(2017, 12, 31))  # history from January 2016


def test_a_missing_table_is_named() -> None:
    with pytest.raises(InputDataError, match="hold no section 47 enquiries, needed for Section "
                                             "47 enquiries per 10,000 children"):
        cin_timeliness.s47_rate(_con(), YEAR_END)


def test_assessments_within_45_working_days() -> None:
    con = _con()
    rows = [
        ("a1", "2018-01-08", "2018-03-12"),   # 45 working days: within
        ("a2", "2018-01-08", "2018-03-13"),   # 46
        ("a3", "2018-03-29", "2018-04-03"),   # authorised after the year
        ("a4", "2017-03-20", "2017-05-19"),   # 41 across Easter and May Day 2017: within
        ("a5", "2017-12-01", None),           # not completed
        ("a6", "2017-11-10", "2017-11-09"),   # authorised before it started: left out
        ("a7", "2017-06-01", "2017-06-01"),   # same day: 0
    ]
    stage(con, "cin_assessments", [
        {"episode_id": f"{k}/x/1", "la_child_id": k, "start_date": d(s), "authorisation_date": d(a)}
        for k, s, a in rows], years=range(2017, 2020))
    row = cin_timeliness.assessments_45_days(con, YEAR_END).iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 4, 75.0)


@pytest.fixture
def enquiries() -> duckdb.DuckDBPyConnection:
    con = _con()
    rows = [
        ("s1", "2017-12-15", "2018-01-08"),   # 13 working days over Christmas and New Year
        ("s2", "2017-12-15", "2018-01-10"),   # 15: within
        ("s3", "2017-12-15", "2018-01-11"),   # 16
        ("s4", "2018-03-20", "2018-03-19"),   # conference dated before the enquiry
        ("s5", "2018-03-01", None),
        ("s6", "2017-03-28", "2017-04-10"),   # 9, enquiry started the year before
        ("s8", "2018-03-26", None),
    ]
    stage(con, "cin_s47", [
        {"episode_id": f"{k}/x/1", "la_child_id": k, "start_date": d(s), "icpc_date": d(i)}
        for k, s, i in rows], years=range(2017, 2019))
    return con


def test_section_47_enquiries_and_conferences(enquiries: duckdb.DuckDBPyConnection) -> None:
    rate = cin_timeliness.s47_rate(enquiries, YEAR_END).iloc[0]
    assert (rate["numerator"], rate["denominator"]) == (6, 60_000)  # s1-s5, s8
    assert rate["value"] == pytest.approx(1.0)
    assert cin_timeliness.s47_count(enquiries, YEAR_END).iloc[0]["value"] == 6
    assert cin_timeliness.icpc_count(enquiries, YEAR_END).iloc[0]["value"] == 5  # s1-s4, s6
    icpc = cin_timeliness.icpc_15_days(enquiries, YEAR_END).iloc[0]
    assert (icpc["numerator"], icpc["denominator"], icpc["value"]) == (3, 4, 75.0)


def cp(child: str, start: str, end: str | None, previous: int | None = None) -> dict[str, object]:
    return {"episode_id": f"{child}/{start}/1", "la_child_id": child, "start_date": d(start),
            "end_date": d(end), "previous_plans": previous}


@pytest.fixture
def plans() -> duckdb.DuckDBPyConnection:
    con = _con()
    stage(con, "cin_cp_plans", [
        cp("K", "2016-03-31", None),            # open, exactly 2 years on 31 March 2018
        cp("L", "2016-04-01", None),            # open, a day short of 2 years
        cp("M", "2017-06-01", "2018-03-31"),    # ended on 31 March: not open then
        cp("N", "2018-03-31", None, previous=1),  # started on 31 March: open; a second plan
        cp("O", "2015-05-01", "2017-05-01"),    # ceased after exactly 2 years
        cp("O", "2017-09-01", None, previous=0),  # second: the earlier plan is in the returns
        cp("P", "2017-10-01", "2017-12-01"),
        cp("Q", "2016-02-29", "2018-02-28"),    # 29 Feb + 2 years = 28 Feb: 2 years
    ], years=range(2016, 2019))
    return con


def test_child_protection_plans(plans: duckdb.DuckDBPyConnection) -> None:
    rate = cin_plans.cpp_rate(plans, YEAR_END).iloc[0]
    assert (rate["numerator"], rate["basis"], rate["period"]) == (4, "at_date", "2017-18")  # K L N O
    assert rate["value"] == pytest.approx(4 / 6)
    still = cin_plans.cpp_2_years_open(plans, YEAR_END).iloc[0]
    assert (still["numerator"], still["denominator"], still["value"]) == (1, 4, 25.0)  # K
    ceased = cin_plans.cpp_2_years_ceased(plans, YEAR_END).iloc[0]
    assert (ceased["numerator"], ceased["denominator"]) == (2, 4)  # O and Q of M O P Q
    second = cin_plans.cpp_second_time(plans, YEAR_END).iloc[0]
    assert (second["numerator"], second["denominator"]) == (2, 4)  # N and O of M N O P


def test_children_in_need_at_31_march() -> None:
    con = _con()
    stage(con, "cin_episodes", [
        ep("R", "2018-03-31"),                  # referred on 31 March: in need
        ep("S", "2017-01-01", "2018-03-31"),    # closed on 31 March: not
        ep("T", "2017-01-01", "2018-04-01"), ep("T", "2018-02-01"),  # one child, twice
        ep("U", "2016-05-05", "2016-06-01"),
        ep("V", "2017-02-01", "2017-12-01"),
    ], years=range(2017, 2019))
    # the 2017 return had V's episode still open; the 2018 return's closure date wins
    con.execute("UPDATE cin_episodes SET closure_date = NULL "
                "WHERE la_child_id = 'V' AND census_year = 2017")
    assert cin_plans.cin_count(con, YEAR_END).iloc[0]["value"] == 2  # R and T
    rate = cin_plans.cin_rate(con, YEAR_END).iloc[0]
    assert (rate["indicator_id"], rate["numerator"], rate["denominator"]) == (
        "cin_rate_rebased", 2, 60_000)


def test_a_percentage_with_nothing_counted_has_no_figure(plans: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(NoDataError, match="so Child protection plans ceasing after 2 years"):
        cin_plans.cpp_2_years_ceased(plans, D(2016, 3, 31))


def test_working_days_skip_one_off_bank_holidays() -> None:
    """The Queen's funeral (19 September 2022) and the coronation (8 May 2023) are not
    working days. Counted by hand: an enquiry started Thursday 8 September 2022 with its
    conference on Friday 30 September has 15 working days (9, 12-16, 20-23, 26-30 September),
    within 15 only because the funeral is left out; one with its conference on Monday 3
    October has 16. An assessment started Monday 13 March 2023 and authorised Friday 19 May
    has 45 working days (Good Friday, Easter Monday, 1 May and the coronation left out),
    within 45 only because of the coronation; one authorised Monday 22 May has 46."""
    con = _con()
    stage(con, "cin_s47", [
        {"episode_id": f"{k}/x/1", "la_child_id": k, "start_date": d(s), "icpc_date": d(i)}
        for k, s, i in (("f1", "2022-09-08", "2022-09-30"), ("f2", "2022-09-08", "2022-10-03"))],
        years=range(2022, 2024))
    icpc = cin_timeliness.icpc_15_days(con, D(2023, 3, 31)).iloc[0]
    assert (icpc["numerator"], icpc["denominator"]) == (1, 2)
    stage(con, "cin_assessments", [
        {"episode_id": f"{k}/x/1", "la_child_id": k, "start_date": d(s),
         "authorisation_date": d(a)}
        for k, s, a in (("c1", "2023-03-13", "2023-05-19"), ("c2", "2023-03-13", "2023-05-22"))],
        years=range(2023, 2025))
    done = cin_timeliness.assessments_45_days(con, D(2024, 3, 31)).iloc[0]
    assert (done["numerator"], done["denominator"]) == (1, 2)
