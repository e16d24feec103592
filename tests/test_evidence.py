"""A figure's evidence and how it is shown (analysis/core/evidence.py), with published figures."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.core.blocks import Table, Text
from analysis.core.evidence import Figure, agrees, counts_text, percent_of, statement, value_text

# Doncaster, re-referrals within 12 months, 2016-17 (CIN census 2017, table C1): 1,429 of 5,275.
REREFERRALS = Figure(27.1, "percent", 1, 1429, 5275, period="2016-17",
                     source="Characteristics of children in need 2016-17",
                     published=dt.date(2017, 11, 2))
# Doncaster, care leavers aged 19-21 in education, employment or training, 2016-17 (LAIT): DfE
# shows 47% worked out from exact counts, and the counts rounded to the nearest 5: 75 of 165.
CARE_LEAVERS = Figure(47, "percent", 0, 75, 165, rounded_to=5, period="2016-17")


def test_statement_with_exact_counts():
    assert value_text(REREFERRALS) == "27.1%"
    assert counts_text(REREFERRALS) == "1,429 of 5,275"
    assert statement(REREFERRALS) == "27.1% (1,429 of 5,275)"


def test_rounded_counts_are_shown_as_about():
    assert counts_text(CARE_LEAVERS) == "about 75 of 165"
    assert statement(CARE_LEAVERS) == "47% (about 75 of 165)"
    assert statement(Figure(90, "percent", 0, 150, 165, rounded_to=5)) == "90% (about 150 of 165)"


def test_statement_without_counts_and_a_count_alone():
    assert statement(Figure(85.5)) == "85.5%"
    assert statement(Figure(804.1, "rate_per_10000", 1, 5275)) == "804.1 (5,275)"


def test_percent_of_rounds_half_up_at_the_shown_precision():
    assert percent_of(1429, 5275, 1) == "27.1"
    assert percent_of(75, 165, 0) == "45"      # 45.45...
    assert percent_of(1, 8, 1) == "12.5"
    assert percent_of(1, 16, 2) == "6.25"
    assert percent_of(1, 200, 0) == "1"        # 0.5 rounds up, not to even


def test_an_exact_half_may_be_shown_either_way():
    assert agrees(Figure(46, "percent", 0, 93, 200)) and agrees(Figure(47, "percent", 0, 93, 200))  # 46.5%
    assert not agrees(Figure(45, "percent", 0, 93, 200))


def test_exact_counts_must_give_the_value():
    assert agrees(REREFERRALS)
    assert not agrees(Figure(27.2, "percent", 1, 1429, 5275))
    # 75 of 165 is 45%: with exact counts 47% would be false.
    assert not agrees(Figure(47, "percent", 0, 75, 165))


def test_rounded_counts_must_allow_the_value():
    assert agrees(CARE_LEAVERS)  # 77 of 163 is 47.2%
    assert not agrees(Figure(60, "percent", 0, 75, 165, rounded_to=5))  # at most 77.5/162.5 = 47.7%


@pytest.mark.parametrize("figure", [Figure(804.1, "rate_per_10000", 1, 5275), Figure(85.5)])
def test_figures_without_a_share_agree(figure):
    assert agrees(figure)


def test_blocks_carry_figures_without_changing_equality():
    text = Text("27.1% (1,429 of 5,275)", figures=(REREFERRALS,))
    assert text.figures == (REREFERRALS,)
    assert text == Text("27.1% (1,429 of 5,275)")          # evidence does not change what is said
    assert Text("x").figures == ()
    import pandas as pd

    assert Table("t", pd.DataFrame(), (), "caption").figures == ()
