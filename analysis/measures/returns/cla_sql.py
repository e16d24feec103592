"""The SQL every looked-after measure starts from (DuckDB, over the staged SSDA903 tables).

:func:`journey_ctes` gives, for the period ends asked for, the children's episodes with series
of short breaks left out, numbered into periods of care and placements (DfE's rules, see
``docs/methods/looked-after-measures.md``):

* ``ends``: the period ends asked for, with the first days of the 12, 24 and 30 months to each.
* ``eps``: episodes; legal status V3 or V4 (an agreed series of short breaks) left out.
* ``numbered``: each episode with its ``period_no`` (a new period of care starts with reason
  S, or where the episode does not follow on the day the previous one ended) and
  ``placement_no`` (a new placement starts with a new period, or reason P or T: a change of
  carer; B, U and L keep the placement, and temporary placements T0-T4 never start one).
* ``periods`` and ``placements``: their start and, for placements, end (NULL while open).
* ``looked_after``: per period end, each child's episode open at it (started by it, not
  ended by it) with its period's start.

Parameters: those of :func:`end_params`. Every period end is worked out in the same query.
Dates are DATE; nothing leaves DuckDB row by row.
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


#: A date no episode reaches: an open episode's end, for range joins.
OPEN_END = "DATE '9999-12-31'"

#: The period ends as a table: ``period_end`` and the first days of the 12, 24 and 30 months
#: ending it (``from_12``, ``from_24``, ``from_30``), from the parameters of :func:`end_params`.
ENDS = """ends AS (
        SELECT unnest($ends::DATE[]) AS period_end, unnest($from_12::DATE[]) AS from_12,
               unnest($from_24::DATE[]) AS from_24, unnest($from_30::DATE[]) AS from_30
    )"""


def end_params(ends: list[dt.date]) -> dict[str, object]:
    """The parameters of :data:`ENDS` for ``ends``."""
    return {"ends": ends, **{f"from_{m}": [throughout_from(e, m) for e in ends]
                             for m in (12, 24, 30)}}


def journey_ctes() -> str:
    """The ``WITH`` clause's common tables (without ``WITH``): ends, eps, marked, numbered,
    periods, placements, looked_after.

    The numbering does not depend on the period end: an episode's period and placement
    follow from the episodes before it, and (episodes of a child never overlapping) an
    episode starting by a period end follows one that ended by it. So it is worked out once,
    and each period end takes what had started by it: a period or placement whose end is
    after the period end (or blank) was still open at it.
    """
    return f"""
    {ENDS},
    eps AS (
        SELECT child, decom, dec, rne, ls, place, source_file,
               row_number() OVER (PARTITION BY child ORDER BY decom, dec NULLS LAST) AS seq
        FROM ssda903_episodes
        WHERE coalesce(ls, '') NOT IN {sql_list(SHORT_BREAKS)}
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
        SELECT child, period_no, min(decom) AS period_start
        FROM numbered GROUP BY child, period_no
    ),
    placements AS (
        SELECT child, period_no, placement_no, min(decom) AS placement_start,
               CASE WHEN bool_or(dec IS NULL) THEN NULL ELSE max(dec) END AS placement_end
        FROM numbered GROUP BY child, period_no, placement_no
    ),
    looked_after AS (
        SELECT e.period_end, n.child, n.period_no, n.placement_no, n.place, n.source_file,
               p.period_start
        FROM ends e
        JOIN numbered n ON n.decom <= e.period_end AND coalesce(n.dec, {OPEN_END}) > e.period_end
        JOIN periods p USING (child, period_no)
    )"""
