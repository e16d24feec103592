"""England's working days: Monday to Friday less the bank holidays of England and Wales.

The bank holidays come from the ``holidays`` package (``holidays.country_holidays("GB",
subdiv="ENG")``), which follows the dates GOV.UK publishes (www.gov.uk/bank-holidays),
including the days moved (VE Day's 75th anniversary moved 2020's early May bank holiday to
8 May; the 2012 and 2022 jubilees moved the spring bank holiday) and the one-off days:

* 29 April 2011, the wedding of Prince William and Catherine Middleton;
* 5 June 2012, the Queen's Diamond Jubilee;
* 3 June 2022, the Queen's Platinum Jubilee;
* 19 September 2022, the State Funeral of Queen Elizabeth II;
* 8 May 2023, the Coronation of King Charles III.

``ONE_OFF_DAYS`` lists them; a test checks the package still gives them.

A duration in working days, as DfE counts the time to complete an assessment or to hold an
initial child protection conference, is the number of working days after the start date up to
and including the end date: an assessment started and authorised on the same day took 0
working days; one started on a Friday and authorised on the Monday after took 1.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

ONE_OFF_DAYS: dict[dt.date, str] = {
    dt.date(2011, 4, 29): "Royal wedding",
    dt.date(2012, 6, 5): "Diamond Jubilee",
    dt.date(2022, 6, 3): "Platinum Jubilee",
    dt.date(2022, 9, 19): "State Funeral of Queen Elizabeth II",
    dt.date(2023, 5, 8): "Coronation of King Charles III",
}

#: The years the calendar covers (the CIN census began in 2008-09; dates before or after
#: are still counted, as weekdays less these years' holidays).
FIRST_YEAR = 2000
LAST_YEAR = 2040


@lru_cache(maxsize=1)
def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> tuple[dt.date, ...]:
    """England's bank holidays from ``first_year`` to ``last_year``, in date order."""
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(sorted(days))


def _holiday_array() -> np.ndarray:
    return np.array(bank_holidays(), dtype="datetime64[D]")


def is_working_day(day: dt.date) -> bool:
    """True on a weekday that is not a bank holiday in England."""
    return bool(np.is_busday(np.datetime64(day, "D"), holidays=_holiday_array()))


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
    before ``start``: minus the working days after ``end`` up to and including ``start``)."""
    if end < start:
        return -working_days_between(end, start)
    s = np.datetime64(start, "D") + 1
    e = np.datetime64(end, "D") + 1
    return int(np.busday_count(s, e, holidays=_holiday_array()))


def calendar_table(first: dt.date, last: dt.date) -> pd.DataFrame:
    """One row per day from ``first`` to ``last``: ``day`` and ``working_days_to``, the
    working days from ``first`` up to and including ``day``. The working days after a start
    ``s`` up to and including an end ``e`` are ``working_days_to[e] - working_days_to[s]``."""
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    working = np.is_busday(days, holidays=_holiday_array())
    return pd.DataFrame({"day": pd.to_datetime(days).date,
                         "working_days_to": np.cumsum(working).astype("int64")})
