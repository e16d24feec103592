"""Statistical judgement of a benchmark table: intervals, better / similar / worse, gaps.

Takes the table :func:`analysis.engine.benchmark.benchmark_table` returns (one row per LA,
indicator and year) and adds, for every percentage or rate with the counts behind it:

* the counts the interval uses (``ci_numerator``, ``ci_denominator``) and where each came
  from (``numerator_source``, ``denominator_source``: "published", "derived" or "none"), with
  ``ci_note`` saying how, or why no interval could be made;
* the 95% and 99.8% intervals (``ci_low_95``, ``ci_high_95``, ``ci_low_99_8``,
  ``ci_high_99_8``): Wilson score for percentages, Byar's method (the exact Poisson interval
  below 10 events) for rates; ``ci_method`` names the method;
* ``level`` (the chosen level, 0.95 by default) with ``ci_low`` / ``ci_high`` at that level,
  and the judgements ``vs_england``, ``vs_region``, ``vs_neighbours``: better / similar /
  worse by polarity ("higher" / "similar" / "lower" for indicators without one), or
  "not compared";
* the gaps in children: ``gap_children_england`` and ``gap_children_neighbours``, the LA's
  count minus the count it would have had at the comparator's rate on its own denominator
  (positive: the LA had more).

Every function is pure: it returns a new DataFrame and leaves its input alone. The rules are
in docs/methods/statistics.md ("Judging an LA's figures").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.catalogue import Catalogue
from analysis.engine.comparisons import POLARITIES, compare_to
from analysis.engine.intervals import (
    COMPARISON_LEVELS,
    EXACT_BELOW,
    level_label,
    proportion_ci,
    rate_ci,
)

__all__ = [
    "COMPARATORS",
    "DEFAULT_LEVEL",
    "JUDGEMENT_COLUMNS",
    "MAX_DERIVATION_ERROR",
    "PER_OF_UNIT",
    "add_intervals",
    "gaps_in_children",
    "interval_counts",
    "judge",
    "judge_table",
    "judged_at",
    "level_text",
    "parse_level",
]

DEFAULT_LEVEL: float = 0.95

#: The multiplier behind each unit that can have an interval: a percentage is a count per
#: 100, a rate per 10,000 a count per 10,000. Other units (counts, days, scores) have none.
PER_OF_UNIT: dict[str, float] = {
    "percent": 100.0,
    "rate_per_10000": 10_000.0,
    "rate_per_100000": 100_000.0,
}

#: A denominator is derived from a published count and value only when rounding the value
#: to its shown decimals can move the result by at most this fraction (5%): half a unit of
#: the last shown digit divided by the value. 9% shown as a whole number is too coarse
#: (0.5 / 9 = 5.6%); 10% is just fine (5%); 27.1% is very fine (0.2%).
MAX_DERIVATION_ERROR: float = 0.05

#: Judgement column -> the benchmark-table column holding that comparator.
COMPARATORS: dict[str, str] = {
    "vs_england": "england",
    "vs_region": "region",
    "vs_neighbours": "sn_mean",
}

#: Gap column -> the benchmark-table column holding that comparator.
GAPS: dict[str, str] = {
    "gap_children_england": "england",
    "gap_children_neighbours": "sn_mean",
}

#: The columns :func:`judge_table` adds, in order.
JUDGEMENT_COLUMNS: list[str] = [
    "ci_numerator", "ci_denominator", "numerator_source", "denominator_source", "ci_method",
    "ci_note", "ci_low_95", "ci_high_95", "ci_low_99_8", "ci_high_99_8", "level", "ci_low",
    "ci_high", "vs_england", "vs_region", "vs_neighbours", "gap_children_england",
    "gap_children_neighbours",
]

#: The columns the counts behind a figure need; judging it needs the comparators as well.
_COUNT_COLUMNS = ["indicator", "value", "numerator", "denominator"]
_REQUIRED = [*_COUNT_COLUMNS, "england", "region", "sn_mean"]
_FROM_CATALOGUE = ["unit", "polarity", "decimals"]

# Why a row has no interval (ci_note), kept free of figures so sentences can quote them.
NOTE_PUBLISHED = "published count and denominator"
NOTE_NUMERATOR_DERIVED = "count derived from the published value and denominator"
NOTE_INCONSISTENT = ("the published count and denominator do not give the published value, "
                     "so the count is derived from the published value and denominator")
NOTE_DENOMINATOR_DERIVED = "denominator derived from the published count and value"
NOTE_NO_VALUE = "no published value"
NOTE_NOT_SCALABLE = "not a percentage or a rate, so there is no count to test"
NOTE_OUT_OF_RANGE = "the published value is outside the possible range"
NOTE_NO_COUNTS = "DfE publishes no count or denominator for this figure"
NOTE_ZERO_VALUE = "a value of 0 with no published denominator gives no denominator to test"
NOTE_TOO_COARSE = "the published value is too rounded to derive a denominator from it"
NOTE_BAD_COUNT = "the published count cannot give the published value"


# --------------------------------------------------------------------------------------------
# Levels
# --------------------------------------------------------------------------------------------

def parse_level(level: str | float) -> float:
    """A confidence level from how people write it: "95", "99.8", 95, 0.95 or "95%".

    Returns the level as a proportion (0.95, 0.998). Numbers above 1 are read as percentages.
    Raises ParameterError for anything outside 50-100% or not a number.
    """
    text = str(level).strip().rstrip("%").strip()
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if value > 1:
        value = value / 100
    if not 0.5 < value < 1:
        raise ParameterError(
            "the confidence level is not one that can be used", parameter="level",
            expected="95 or 99.8 (per cent), or 0.95 / 0.998", found=repr(level),
            fix="use --level 95 (the default) or --level 99.8",
        )
    return round(value, 6)


def level_text(level: float) -> str:
    """A level as people read it: 0.95 -> "95%", 0.998 -> "99.8%"."""
    return f"{level * 100:g}%"


# --------------------------------------------------------------------------------------------
# Counts behind each value
# --------------------------------------------------------------------------------------------

def _with_metadata(bench: pd.DataFrame, catalogue: Catalogue | None,
                   required: list[str] = _REQUIRED) -> pd.DataFrame:
    missing = [c for c in required if c not in bench.columns]
    if missing:
        raise InputDataError(
            "the benchmark table lacks columns the judgement needs", column=missing[0],
            expected=", ".join(required + _FROM_CATALOGUE),
            found=f"no {', '.join(missing)}",
            fix="pass the table from analysis.engine.benchmark.benchmark_table",
        )
    out = bench.copy()
    lacking = [c for c in _FROM_CATALOGUE if c not in out.columns]
    if lacking:
        if catalogue is None:
            raise ParameterError(
                "the benchmark table has no unit, polarity or decimals and no catalogue was given",
                parameter="catalogue", expected="the indicator catalogue", found="None",
                fix="pass load_catalogue(paths.config / 'indicators.yaml')",
            )
        for column in lacking:
            out[column] = out["indicator"].map(
                {k: getattr(i, column) for k, i in catalogue.indicators.items()})
    bad = ~out["polarity"].isin(POLARITIES)
    if bad.any():
        raise InputDataError(
            "an indicator has an unknown polarity", column="polarity",
            rows=out.index[bad].tolist(), expected=" | ".join(POLARITIES),
            found=repr(out.loc[bad, "polarity"].iloc[0]),
        )
    return out


def _floats(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def interval_counts(bench: pd.DataFrame, catalogue: Catalogue | None = None) -> pd.DataFrame:
    """The counts each row's interval uses, where they came from, and why, on ``bench``'s index.

    Columns: ``ci_numerator``, ``ci_denominator`` (floats; a derived one is not rounded, so
    the interval stays centred on the published value), ``numerator_source``,
    ``denominator_source`` ("published" / "derived" / "none"), ``ci_note``.

    Rules, for a percentage or a rate with a published value (``per`` = 100, 10,000, 100,000):

    1. a published count and denominator that give the published value (within half a unit
       of its shown decimals) are used as they are;
    2. otherwise a published denominator is used with the count it implies,
       value x denominator / per ("derived" count) - also when the published count does not
       give the published value (DfE rounds some counts to the nearest 5);
    3. otherwise a published count is used with the denominator it implies,
       count x per / value ("derived" denominator), provided the value is above 0 and precise
       enough (see MAX_DERIVATION_ERROR);
    4. otherwise there is no interval and the row is "not compared".
    """
    frame = _with_metadata(bench, catalogue, _COUNT_COLUMNS)
    unit = frame["unit"].astype(str)
    per = unit.map(PER_OF_UNIT).astype(float)
    v, n, d = _floats(frame, "value"), _floats(frame, "numerator"), _floats(frame, "denominator")
    half = 0.5 * np.power(10.0, -_floats(frame, "decimals").fillna(1))
    is_pct = unit == "percent"

    scalable = per.notna()
    has_v = v.notna()
    in_range = (v >= 0) & (~is_pct | (v <= 100))
    usable = scalable & has_v & in_range
    has_n, has_d = n.notna() & (n >= 0), d.notna() & (d > 0)

    with np.errstate(divide="ignore", invalid="ignore"):
        implied = n / d * per
        rel_error = half / v
    consistent = (usable & has_n & has_d & ((implied - v).abs() <= half + 1e-9)
                  & (~is_pct | (n <= d)))
    from_den = usable & ~consistent & has_d
    from_num = (usable & ~consistent & ~from_den & has_n & (v > 0) & (n > 0)
                & (rel_error <= MAX_DERIVATION_ERROR))

    num = pd.Series(np.nan, index=frame.index)
    den = pd.Series(np.nan, index=frame.index)
    num[consistent], den[consistent] = n[consistent], d[consistent]
    num[from_den], den[from_den] = (v * d / per)[from_den], d[from_den]
    num[from_num], den[from_num] = n[from_num], (n * per / v)[from_num]

    num_src = pd.Series("none", index=frame.index, dtype=object)
    den_src = pd.Series("none", index=frame.index, dtype=object)
    num_src[consistent | from_num] = "published"
    num_src[from_den] = "derived"
    den_src[consistent | from_den] = "published"
    den_src[from_num] = "derived"

    note = np.select(
        [consistent, from_den & has_n, from_den, from_num,
         ~has_v, ~scalable, ~in_range, ~has_n & ~has_d, v == 0, has_n & (n == 0),
         rel_error > MAX_DERIVATION_ERROR],
        [NOTE_PUBLISHED, NOTE_INCONSISTENT, NOTE_NUMERATOR_DERIVED, NOTE_DENOMINATOR_DERIVED,
         NOTE_NO_VALUE, NOTE_NOT_SCALABLE, NOTE_OUT_OF_RANGE, NOTE_NO_COUNTS, NOTE_ZERO_VALUE,
         NOTE_BAD_COUNT, NOTE_TOO_COARSE],
        default=NOTE_NO_COUNTS,
    )
    return pd.DataFrame({
        "ci_numerator": num, "ci_denominator": den, "numerator_source": num_src,
        "denominator_source": den_src, "ci_note": pd.Series(note, index=frame.index, dtype=object),
    })


# --------------------------------------------------------------------------------------------
# Intervals
# --------------------------------------------------------------------------------------------

def _interval(num: pd.Series, den: pd.Series, unit: pd.Series, level: float
              ) -> tuple[pd.Series, pd.Series]:
    per = unit.map(PER_OF_UNIT).astype(float)
    ok = num.notna() & den.notna() & (den > 0)
    lower = pd.Series(np.nan, index=num.index)
    upper = pd.Series(np.nan, index=num.index)
    pct = ok & (unit == "percent")
    if pct.any():
        lo, hi = proportion_ci(num[pct], den[pct], level)
        lower[pct], upper[pct] = lo, hi
    rate = ok & (unit != "percent") & per.notna()
    if rate.any():
        lo, hi = rate_ci(num[rate], den[rate], per=1, level=level)
        lower[rate], upper[rate] = lo * per[rate], hi * per[rate]
    return lower, upper


def add_intervals(bench: pd.DataFrame, catalogue: Catalogue | None = None,
                  level: float | str = DEFAULT_LEVEL,
                  levels: Sequence[float] = COMPARISON_LEVELS) -> pd.DataFrame:
    """``bench`` with the counts used, the interval at each of ``levels`` and at ``level``.

    Adds the :func:`interval_counts` columns, ``ci_method`` ("Wilson score", "Byar",
    "exact Poisson" or "" when there is no interval), ``ci_low_<L>`` / ``ci_high_<L>`` for each
    level (labels as :func:`analysis.engine.intervals.level_label`: ``95``, ``99_8``), and ``level``,
    ``ci_low``, ``ci_high`` for the chosen level. Limits are on the published scale
    (percentage, or rate per 10,000 / 100,000).
    """
    level = parse_level(level)
    out = _with_metadata(bench, catalogue)
    counts = interval_counts(out)
    out = out.drop(columns=[c for c in counts.columns if c in out.columns]).join(counts)
    unit = out["unit"].astype(str)
    has = out["ci_denominator"].notna()
    out["ci_method"] = np.select(
        [has & (unit == "percent"), has & (out["ci_numerator"] < EXACT_BELOW), has],
        ["Wilson score", "exact Poisson", "Byar"], default="",
    )
    for lv in sorted({*levels, level}):
        label = level_label(lv)
        out[f"ci_low_{label}"], out[f"ci_high_{label}"] = _interval(
            out["ci_numerator"], out["ci_denominator"], unit, lv)
    label = level_label(level)
    out["level"] = level
    out["ci_low"], out["ci_high"] = out[f"ci_low_{label}"], out[f"ci_high_{label}"]
    return out


# --------------------------------------------------------------------------------------------
# Judgements and gaps
# --------------------------------------------------------------------------------------------

def judge(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (from :func:`add_intervals`) with ``vs_england``, ``vs_region``, ``vs_neighbours``.

    Each is :func:`analysis.engine.comparisons.compare_to` of the row's ``ci_low`` / ``ci_high`` against
    the comparator, by the row's polarity: "better" / "similar" / "worse", or
    "higher" / "similar" / "lower" for polarity ``none``; "not compared" when the LA has no
    interval or the comparator is missing.
    """
    out = frame.copy()
    for column, comparator in COMPARATORS.items():
        result = pd.Series("not compared", index=out.index, dtype=object)
        for polarity, rows in out.groupby("polarity", sort=False):
            result[rows.index] = compare_to(rows["ci_low"].astype(float),
                                            rows["ci_high"].astype(float),
                                            _floats(rows, comparator), polarity)
        out[column] = result
    return out


def gaps_in_children(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``gap_children_england`` and ``gap_children_neighbours``.

    gap = ci_numerator - comparator x ci_denominator / per: the LA's count minus the count it
    would have had at the comparator's percentage or rate on its own denominator. Positive:
    the LA had that many more (re-referrals, children in need...) than at the comparator's
    rate; negative: fewer. Not rounded (round only to show it). Missing where the LA has no
    interval counts or the comparator is missing.
    """
    out = frame.copy()
    per = out["unit"].astype(str).map(PER_OF_UNIT).astype(float)
    for column, comparator in GAPS.items():
        out[column] = out["ci_numerator"] - _floats(out, comparator) * out["ci_denominator"] / per
    return out


def judge_table(bench: pd.DataFrame, catalogue: Catalogue | None = None,
                level: float | str = DEFAULT_LEVEL) -> pd.DataFrame:
    """A benchmark table with its intervals, judgements and gaps in children.

    ``bench`` is the table from :func:`analysis.engine.benchmark.benchmark_table` (or any subset of
    its rows, such as the pack's latest year per indicator). ``catalogue`` fills ``unit``,
    ``polarity`` and ``decimals`` if the table lacks them. ``level`` is the level of the
    judgements: 0.95 (default) or 0.998 (also "95", "99.8"). Returns a new table: the input
    columns, then :data:`JUDGEMENT_COLUMNS`, on the same index.
    """
    judged = gaps_in_children(judge(add_intervals(bench, catalogue, level=level)))
    # A table judged before (e.g. at another level) is judged afresh, its columns replaced.
    kept = [c for c in bench.columns if c in judged.columns and c not in JUDGEMENT_COLUMNS]
    extra = [c for c in judged.columns if c not in kept and c not in JUDGEMENT_COLUMNS]
    return judged[kept + JUDGEMENT_COLUMNS + extra]


def judged_at(judged: pd.DataFrame, level: float | str) -> pd.DataFrame | None:
    """A table from :func:`judge_table` judged again at another level: the same as
    :func:`judge_table` at ``level`` on its benchmark rows, without working the intervals out
    again when the table already holds them at ``level`` (it holds them at each of
    :data:`~analysis.engine.intervals.COMPARISON_LEVELS`); None when it does not."""
    level = parse_level(level)
    label = level_label(level)
    if f"ci_low_{label}" not in judged or f"ci_high_{label}" not in judged:
        return None
    out = judged.assign(level=level, ci_low=judged[f"ci_low_{label}"], ci_high=judged[f"ci_high_{label}"])
    return judge(out)  # the gaps in children do not depend on the level


def judgement_cell(judgements: list[str]) -> str:
    """One cell: "worse / worse / similar"; "not compared" once."""
    if all(j == "not compared" for j in judgements):
        return "not compared"
    return " / ".join(judgements)
