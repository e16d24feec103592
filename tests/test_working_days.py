"""England's working days: weekends, bank holidays (moved and one-off days included), and the
count DfE's timescales use (days after the start up to and including the end)."""

from __future__ import annotations

import datetime as dt

import pytest

from analysis.data.working_days import (
    ONE_OFF_DAYS,
    bank_holidays,
    calendar_table,
    is_working_day,
    working_days_between,
)

D = dt.date


@pytest.mark.parametrize("day", sorted(ONE_OFF_DAYS), ids=str)
def test_one_off_bank_holidays_are_not_working_days(day: dt.date) -> None:
    assert day in bank_holidays()
    assert day.weekday() < 5 and not is_working_day(day)


def test_the_list_of_one_off_days() -> None:
    assert sorted(ONE_OFF_DAYS) == [D(2011, 4, 29), D(2012, 6, 5), D(2022, 6, 3), D(2022, 9, 19),
                                    D(2023, 5, 8)]


def test_moved_bank_holidays() -> None:
    # 2020's early May bank holiday moved to Friday 8 May (VE Day 75); Monday 4 May was worked
    assert not is_working_day(D(2020, 5, 8)) and is_working_day(D(2020, 5, 4))
    # 2012's spring bank holiday moved to Monday 4 June beside the jubilee on the 5th
    assert not is_working_day(D(2012, 6, 4)) and is_working_day(D(2012, 5, 28))
    # Christmas Day 2022 fell on a Sunday: Tuesday 27 December was the substitute day
    assert not is_working_day(D(2022, 12, 27))


@pytest.mark.parametrize(("start", "end", "days"), [
    (D(2018, 3, 23), D(2018, 3, 23), 0),   # same day
    (D(2018, 3, 23), D(2018, 3, 26), 1),   # Friday to Monday
    (D(2018, 1, 6), D(2018, 1, 8), 1),     # from a Saturday
    (D(2018, 3, 29), D(2018, 4, 3), 1),    # across Good Friday and Easter Monday 2018
    (D(2022, 12, 23), D(2022, 12, 30), 3),  # Boxing Day and the Christmas substitute day
    (D(2022, 9, 16), D(2022, 9, 20), 1),   # the Queen's funeral
    (D(2023, 5, 5), D(2023, 5, 9), 1),     # the coronation
    (D(2011, 4, 21), D(2011, 5, 3), 4),    # Easter, the royal wedding and May Day 2011
    (D(2018, 1, 8), D(2018, 3, 12), 45),   # nine full weeks
    (D(2018, 1, 8), D(2018, 3, 13), 46),
    (D(2017, 3, 20), D(2017, 5, 19), 41),  # Easter 2017 and May Day
    (D(2018, 3, 26), D(2018, 3, 23), -1),  # end before start
])
def test_working_days_between(start: dt.date, end: dt.date, days: int) -> None:
    assert working_days_between(start, end) == days


def test_calendar_table_gives_the_same_counts() -> None:
    cal = calendar_table(D(2011, 1, 1), D(2023, 12, 31)).set_index("day")["working_days_to"]
    for start, end in [(D(2011, 4, 21), D(2011, 5, 3)), (D(2022, 12, 23), D(2022, 12, 30)),
                       (D(2018, 1, 8), D(2018, 3, 12))]:
        assert cal[end] - cal[start] == working_days_between(start, end)
        assert cal[start] - cal[end] == working_days_between(end, start)
    assert cal[D(2011, 1, 1)] == 0  # a Saturday
