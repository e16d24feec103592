"""The DfE re-referral rule, edge case by edge case, and the rates and breakdowns."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.measures.rereferral_breakdowns import (
    by_assessment_factor,
    by_locality,
    by_previous_outcome,
    by_referral_source,
    conversion_funnel,
    early_help_share,
    share_within,
    time_since_previous,
)
from analysis.measures.rereferrals import (
    annual_rate,
    flag_rereferrals,
    monthly_rate,
    rolling_rate,
)


def refs(rows: list[tuple[str, str]], **extra) -> pd.DataFrame:
    """A referral table from (child, date) pairs; ids R1, R2... in the order given."""
    df = pd.DataFrame({
        "child_id": [c for c, _ in rows],
        "referral_id": [f"R{i + 1}" for i in range(len(rows))],
        "referral_date": pd.to_datetime([d for _, d in rows]),
    })
    for k, v in extra.items():
        df[k] = v
    return df


def flags(rows, start="2010-04-01"):
    return flag_rereferrals(refs(rows), history_start=start)


# ----------------------------------------------------------------- the rule


def test_second_referral_within_12_months_is_rereferral():
    f = flags([("A", "2017-01-10"), ("A", "2017-06-01")])
    assert f["is_rereferral"].tolist() == [False, True]
    # 2017-01-10 to 2017-06-01: 21 + 28 + 31 + 30 + 31 + 1 = 142 days
    assert f["days_since_previous"].tolist() == [pd.NA, 142]
    assert f.loc[1, "previous_referral_date"] == pd.Timestamp("2017-01-10")


def test_exactly_12_months_later_counts_as_within():
    # decided rule: p < d <= p + 12 calendar months, so the anniversary itself is within
    f = flags([("A", "2017-03-31"), ("A", "2018-03-31"), ("B", "2017-03-31"),
               ("B", "2018-04-01")])
    assert f["is_rereferral"].tolist() == [False, True, False, False]
    assert f["days_since_previous"].tolist()[1] == 365


def test_29_february_anniversary_is_28_february():
    # 2016-02-29 + 12 months = 2017-02-28 (month arithmetic clamps to month end)
    f = flags([("A", "2016-02-29"), ("A", "2017-02-28"),
               ("B", "2016-02-29"), ("B", "2017-03-01")])
    assert f["is_rereferral"].tolist() == [False, True, False, False]
    # across a leap day, 12 months can be 366 days and still count
    g = flags([("C", "2015-03-31"), ("C", "2016-03-31")])
    assert g["days_since_previous"].tolist()[1] == 366
    assert g["is_rereferral"].tolist() == [False, True]


def test_same_day_referrals_count_once():
    f = flags([("A", "2017-05-01"), ("A", "2017-05-01"), ("A", "2017-07-01")])
    assert f["same_day_duplicate"].tolist() == [False, True, False]
    assert f["is_rereferral"].tolist() == [False, False, True]
    # the July referral looks back to 1 May (61 days), not to the duplicate (0 days)
    assert f["days_since_previous"].tolist()[2] == 61
    a = annual_rate(f)
    # counted referrals: 2 (duplicate left out), re-referrals: 1
    assert a[["referrals", "rereferrals"]].values.tolist() == [[2, 1]]


def test_same_day_duplicate_is_the_later_referral_id():
    df = refs([("A", "2017-05-01"), ("A", "2017-05-01")])
    df["referral_id"] = ["R9", "R2"]  # R2 sorts first, so R9 is the duplicate
    f = flag_rereferrals(df, history_start="2010-01-01")
    assert f["same_day_duplicate"].tolist() == [True, False]


def test_unknown_history_in_first_12_months_of_data():
    # data starts 2016-04-01; a first-seen referral before 2017-04-01 may have had an
    # earlier referral we cannot see: NA, not False
    f = flags([("A", "2016-06-01"), ("B", "2017-04-01"), ("C", "2016-05-01"),
               ("C", "2016-08-01")], start="2016-04-01")
    assert f["history_complete"].tolist() == [False, True, False, False]
    assert f["is_rereferral"].tolist() == [pd.NA, False, pd.NA, True]


def test_history_start_defaults_to_first_referral():
    f = flag_rereferrals(refs([("A", "2016-04-05"), ("B", "2017-04-05")]))
    assert f["history_complete"].tolist() == [False, True]


def test_row_order_and_other_columns_are_kept():
    df = refs([("B", "2018-01-01"), ("A", "2017-01-01"), ("A", "2017-02-01")],
              locality=["x", "y", "z"])
    f = flag_rereferrals(df, history_start="2010-01-01")
    assert f["locality"].tolist() == ["x", "y", "z"]
    assert f["is_rereferral"].tolist() == [False, False, True]
    assert "is_rereferral" not in df.columns  # input not changed


def test_missing_column_is_a_clear_error():
    with pytest.raises(InputDataError, match="child_id"):
        flag_rereferrals(pd.DataFrame({"referral_date": ["2017-01-01"]}))


# ----------------------------------------------------------------- rates


def test_annual_rate_hand_worked():
    # 2016-17 (1 Apr 2016 - 31 Mar 2017): A 2016-05-01 (first), A 2016-09-01 (re),
    #   B 2017-03-31 (first), C 2016-04-01 (re of C 2015-06-01) -> 4 referrals, 2 re = 50%
    # 2017-18: A 2017-08-31 (re: within 12 months of 2016-09-01), B 2018-04-01 is 2018-19
    #   -> 1 referral, 1 re = 100%; 2018-19: B 2018-04-01 (re of 2017-03-31? 366 days,
    #   past the anniversary 2018-03-31) -> 1 referral, 0 re
    f = flags([("C", "2015-06-01"), ("A", "2016-05-01"), ("A", "2016-09-01"),
               ("B", "2017-03-31"), ("C", "2016-04-01"), ("A", "2017-08-31"),
               ("B", "2018-04-01")], start="2014-04-01")
    a = annual_rate(f).set_index("year")
    assert a.loc["2016-17", ["referrals", "rereferrals"]].tolist() == [4, 2]
    assert a.loc["2016-17", "percent"] == pytest.approx(50.0)
    assert a.loc["2017-18", "percent"] == pytest.approx(100.0)
    assert a.loc["2018-19", "percent"] == pytest.approx(0.0)
    assert a.loc["2016-17", "year_end"] == pd.Timestamp("2017-03-31")


def test_annual_rate_matches_doncaster_published_ratio():
    # DfE table C1, Doncaster 2016-17: 5,275 referrals, 1,429 re-referrals -> 27.1%
    n, r = 5275, 1429
    rows = [(f"X{i}", "2016-06-01") for i in range(n - r)]
    rows += [(f"Y{i}", d) for i in range(r) for d in ("2015-12-01", "2016-06-01")]
    a = annual_rate(flags(rows, start="2014-04-01")).set_index("year")
    assert a.loc["2016-17", "referrals"] == 5275
    assert round(a.loc["2016-17", "percent"], 1) == 27.1


def test_incomplete_year_has_no_percent_unless_asked():
    f = flags([("A", "2016-06-01"), ("A", "2016-07-01")], start="2016-04-01")
    a = annual_rate(f)
    assert a["unknown_history"].tolist() == [1]
    assert a["percent"].isna().all()
    b = annual_rate(f, include_incomplete=True)
    assert b["percent"].tolist() == [50.0]  # a lower bound: 1 known of 2


def test_calendar_year_ending_december():
    f = flags([("A", "2017-01-10"), ("A", "2017-06-01")], start="2010-01-01")
    a = annual_rate(f, year_end_month=12)
    assert a["year"].tolist() == ["2017"]
    with pytest.raises(ParameterError):
        annual_rate(f, year_end_month=13)


def test_rolling_rate_quarter_ends():
    # data 1 Apr 2015 - 31 Mar 2017. One referral a month for child M from Apr 2015:
    # every referral after the first is a re-referral (30/31 days after the last).
    dates = pd.date_range("2015-04-01", "2017-03-01", freq="MS")
    f = flags([("M", d.strftime("%Y-%m-%d")) for d in dates], start="2015-04-01")
    q = rolling_rate(f, freq="Q")
    # first full 12-month window ends 31 Mar 2016 (Apr 2015 - Mar 2016): 12 referrals,
    # 11 re-referrals (the first has unknown history -> incomplete, percent NaN)
    first = q.iloc[0]
    assert first["period_end"] == pd.Timestamp("2016-03-31")
    assert (first["referrals"], first["rereferrals"], first["unknown_history"]) == (12, 11, 1)
    assert pd.isna(first["percent"])
    # window ending 31 Mar 2017: 12 referrals, all re-referrals
    last = q.iloc[-1]
    assert last["period_end"] == pd.Timestamp("2017-03-31")
    assert (last["referrals"], last["rereferrals"], last["percent"]) == (12, 12, 100.0)
    assert q["period_end"].dt.month.isin([3, 6, 9, 12]).all()
    assert len(rolling_rate(f, freq="M")) == 13  # Mar 2016 .. Mar 2017
    with pytest.raises(ParameterError):
        rolling_rate(f, freq="W")


def test_monthly_rate_skips_unknown_history():
    f = flags([("A", "2016-04-10"), ("A", "2016-05-10"), ("B", "2017-05-01"),
               ("B", "2017-05-20")], start="2016-04-01")
    m = monthly_rate(f)
    # History is complete from 1 April 2017 (12 months after the data starts). A's May 2016
    # referral is a known re-referral, but counting it against the one referral of May 2016
    # whose flag is known would show 100%: the first year is left out altogether.
    may17 = m.loc[m["month"] == pd.Timestamp("2017-05-01")].iloc[0]
    assert (may17["referrals"], may17["rereferrals"], may17["percent"]) == (2, 1, 50.0)
    assert m["month"].tolist() == [pd.Timestamp("2017-05-01")]


def test_no_referrals_is_no_data():
    empty = refs([])
    with pytest.raises(NoDataError):
        annual_rate(empty)


# ----------------------------------------------------------------- breakdowns


@pytest.fixture
def deep() -> pd.DataFrame:
    df = refs(
        [("A", "2016-05-01"), ("A", "2016-05-31"), ("A", "2016-09-30"), ("B", "2016-06-01"),
         ("B", "2017-05-01"), ("C", "2016-07-01")],
        referral_source=["Police", "Police", "Schools", "Health: GP", "Police", "Schools"],
        referral_nfa=[True, False, False, False, False, False],
        assessment_outcome=["no_assessment", "not_in_need", "cin_plan", "early_help",
                            "cp_plan", "cin_plan"],
        closure_date=pd.to_datetime(["2016-05-01", "2016-06-10", None, "2016-06-20",
                                     None, "2016-12-01"]),
        closure_reason=["RC8", "RC8", None, "RC8", None, "RC7"],
        prior_early_help=pd.array([False, False, True, None, True, False], dtype="boolean"),
        locality=["N", "N", "N", "S", "S", "S"],
        primary_need=[None, "N1", "N1", "N4", "N4", "N5"],
        assessment_factors=[None, "3A;4B", "3A", "21", "16A;3A", "4B"],
    )
    return flag_rereferrals(df, history_start="2015-04-01")


def test_time_since_previous_bands(deep):
    # re-referrals: A 2016-05-31 (30 days after 1 May), A 2016-09-30 (122 days after
    # 31 May), B 2017-05-01 (334 days after 1 Jun 2016)
    t = time_since_previous(deep).set_index("band")
    assert t.loc["8-30 days", "rereferrals"] == 1
    assert t.loc["92-182 days (to 6 months)", "rereferrals"] == 1
    assert t.loc["183 days to 12 months", "rereferrals"] == 1
    assert t["rereferrals"].sum() == 3
    s = share_within(deep).set_index("days")
    assert s.loc[60, "percent"] == pytest.approx(100 / 3)
    assert s.loc[182, "percent"] == pytest.approx(200 / 3)


def test_by_referral_source(deep):
    t = by_referral_source(deep).set_index("referral_source")
    # Police: 3 referrals (A1 first, A2 re, B2 re) -> 2 re, 66.7%; Schools: 2, 1 re
    assert t.loc["Police", ["referrals", "rereferrals"]].tolist() == [3, 2]
    assert t.loc["Police", "rate_percent"] == pytest.approx(200 / 3)
    assert t.loc["Schools", "share_of_rereferrals_percent"] == pytest.approx(100 / 3)
    g = by_referral_source(deep, grouped=True).set_index("source_group")
    assert g.loc["Health", "referrals"] == 1


def test_by_previous_outcome(deep):
    t = by_previous_outcome(deep).set_index("previous_outcome")["rereferrals"]
    # A2 follows A1 (NFA); A3 follows A2 (assessed not in need, closed 10 Jun);
    # B2 follows B1 (early help step-down)
    assert t["NFA at referral"] == 1
    assert t["Assessed: not in need"] == 1
    assert t["Stepped down to early help"] == 1
    assert t.sum() == 3
    only_1718 = by_previous_outcome(deep, year_end="2018-03-31").set_index("previous_outcome")
    assert only_1718["rereferrals"].sum() == 1


def test_previous_case_open_at_rereferral_is_still_open():
    df = refs([("A", "2016-05-01"), ("A", "2016-06-01")], referral_nfa=[False, False],
              assessment_outcome=["cin_plan", "cin_plan"],
              closure_date=pd.to_datetime(["2016-07-01", None]))
    f = flag_rereferrals(df, history_start="2015-01-01")
    t = by_previous_outcome(f).set_index("previous_outcome")["rereferrals"]
    assert t["Still open"] == 1


def test_by_assessment_factor_explodes(deep):
    t = by_assessment_factor(deep).set_index("assessment_factor")
    # 3A on A2 (re), A3 (re), B2 (re) -> 3 referrals, 3 re; 4B on A2 (re), C1 -> 2, 1
    assert t.loc["3A", ["referrals", "rereferrals"]].tolist() == [3, 3]
    assert t.loc["4B", ["referrals", "rereferrals"]].tolist() == [2, 1]
    assert t.loc["3A", "label"].startswith("Domestic abuse")


def test_early_help_share(deep):
    t = early_help_share(deep).set_index("group")
    # all: 2 yes of 5 known (1 not recorded); re-referrals A2, A3, B2: 2 yes of 3
    assert t.loc["all referrals", ["with_prior_early_help", "known", "not_recorded"]
                 ].tolist() == [2, 5, 1]
    assert t.loc["re-referrals", "percent"] == pytest.approx(200 / 3)


def test_by_locality_numerator_denominator(deep):
    t = by_locality(deep).set_index("locality")
    assert t.loc["N", ["numerator", "denominator"]].tolist() == [2, 3]
    assert t.loc["S", ["numerator", "denominator"]].tolist() == [1, 3]
    assert t["overall_percent"].iloc[0] == pytest.approx(50.0)
    y = by_locality(deep, year_end="2017-03-31")
    assert y["denominator"].sum() == 5


def test_conversion_funnel(deep):
    t = conversion_funnel(deep).set_index("stage")
    # 6 referrals; 1 NFA; assessed 5; not in need 2 (not_in_need + early_help); CIN 3
    assert t.loc["Referrals", "count"] == 6
    assert t.loc["Assessed", "count"] == 5
    assert t.loc["Assessed: not in need", "count"] == 2
    assert t.loc["Assessed: not in need", "percent_of_assessed"] == pytest.approx(40.0)
    assert t.loc["Assessed: child in need", "percent_of_referrals"] == pytest.approx(50.0)


def test_flags_do_not_depend_on_the_rows_order():
    # Three same-day referrals of one child among other children's: whatever the rows'
    # order, the lowest referral id is the one kept and the others are the duplicates.
    df = refs([("A", "2017-05-01"), ("B", "2017-05-01"), ("A", "2017-05-01"), ("A", "2017-05-01"),
               ("B", "2017-06-01"), ("A", "2017-09-01")])
    df["referral_id"] = ["R5", "R1", "R3", "R4", "R2", "R6"]
    expected = flag_rereferrals(df, history_start="2010-01-01").set_index("referral_id")
    assert expected.loc[["R3", "R4", "R5"], "same_day_duplicate"].tolist() == [False, True, True]
    for seed in range(5):
        shuffled = flag_rereferrals(df.sample(frac=1, random_state=seed), history_start="2010-01-01")
        pd.testing.assert_frame_equal(shuffled.set_index("referral_id").loc[expected.index], expected)
