"""The SQL every looked-after measure starts from (DuckDB, over the staged SSDA903 tables).

:func:`journey_ctes` gives, for a period end, a child's episodes up to that day with series
of short breaks left out, numbered into periods of care and placements (DfE's rules, see
``docs/methods/looked-after-measures.md``):

* ``eps``: episodes starting on or before the period end; legal status V3 or V4 (an agreed
  series of short breaks) left out; an end after the period end read as still open.
* ``numbered``: each episode with its ``period_no`` (a new period of care starts with reason
  S, or where the episode does not follow on the day the previous one ended) and
  ``placement_no`` (a new placement starts with a new period, or reason P or T: a change of
  carer; B, U and L keep the placement, and temporary placements T0-T4 never start one).
* ``periods`` and ``placements``: their start, end (NULL while open) and, for placements,
  the placement type at the end.

Parameters: ``$end`` (the period end). Dates are DATE; nothing leaves DuckDB row by row.
"""

from __future__ import annotations

import calendar
import datetime as dt

TEMPORARY_PLACES = ("T0", "T1", "T2", "T3", "T4")
SHORT_BREAKS = ("V3", "V4")
NEW_CARER = ("S", "P", "T")
ADOPTION_PLACES = ("A3", "A4", "A5", "A6")


def sql_list(codes: tuple[str, ...]) -> str:
    """``('A', 'B')`` as SQL."""
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")"


def anniversary(dob: str, years: int) -> str:
    """SQL for the day a child born on ``dob`` turns ``years`` (a 29 February birthday falls
    on 1 March in other years, as in English law)."""
    y = f"(year({dob}) + {years})"
    leap = f"(({y} % 4 = 0 AND {y} % 100 <> 0) OR {y} % 400 = 0)"
    return (f"(CASE WHEN month({dob}) = 2 AND day({dob}) = 29 AND NOT {leap} "
            f"THEN make_date({y}, 3, 1) ELSE make_date({y}, month({dob}), day({dob})) END)")


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` months earlier (the month's last day where it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def throughout_from(period_end: dt.date, months: int) -> dt.date:
    """The first day of the ``months`` months ending on ``period_end``: a child looked after
    (or placed) from this day or earlier was so throughout them."""
    return months_before(period_end, months) + dt.timedelta(days=1)


def journey_ctes() -> str:
    """The ``WITH`` clause's common tables (without ``WITH``): eps, marked, numbered,
    periods, placements."""
    return f"""
    eps AS (
        SELECT child, decom, CASE WHEN dec > $end THEN NULL ELSE dec END AS dec, rne, ls,
               place, source_file,
               row_number() OVER (PARTITION BY child ORDER BY decom, dec NULLS LAST) AS seq
        FROM ssda903_episodes
        WHERE decom <= $end AND coalesce(ls, '') NOT IN {sql_list(SHORT_BREAKS)}
    ),
    marked AS (
        SELECT *,
               CASE WHEN rne = 'S' OR lag(dec) OVER w IS NULL OR lag(dec) OVER w <> decom
                    THEN 1 ELSE 0 END AS new_period
        FROM eps WINDOW w AS (PARTITION BY child ORDER BY seq)
    ),
    numbered AS (
        SELECT *,
               sum(new_period) OVER w AS period_no,
               sum(CASE WHEN (new_period = 1 OR rne IN {sql_list(NEW_CARER)})
                         AND coalesce(place, '') NOT IN {sql_list(TEMPORARY_PLACES)}
                        THEN 1 ELSE 0 END) OVER w AS placement_no
        FROM marked WINDOW w AS (PARTITION BY child ORDER BY seq ROWS UNBOUNDED PRECEDING)
    ),
    periods AS (
        SELECT child, period_no, min(decom) AS period_start,
               CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS period_end
        FROM numbered GROUP BY child, period_no
    ),
    placements AS (
        SELECT child, period_no, placement_no, min(decom) AS placement_start,
               CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS placement_end,
               arg_max(place, seq) AS place_now
        FROM numbered GROUP BY child, period_no, placement_no
    ),
    looked_after AS (
        SELECT n.child, n.period_no, n.placement_no, n.source_file, p.period_start
        FROM numbered n JOIN periods p USING (child, period_no)
        WHERE n.dec IS NULL
    )"""
