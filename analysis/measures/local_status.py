"""Local quarterly performance: target/tolerance status, direction, summary.

Pure functions over the tidy local table (:mod:`analysis.data.schemas.local_return`); the
pairing with the DfE benchmarks and :func:`~analysis.measures.pairing.quarter_report`, which
loads what they need and returns the tables for one LA and quarter, are in
:mod:`analysis.measures.pairing`. Methods and boundary rules:
``docs/methods/quarterly-status.md``.

Status (RAG) rules. The tolerance is the worst value still accepted, not a margin:

* lower is better: value <= target → ``on_target``; target < value <= tolerance →
  ``inside_tolerance``; value > tolerance → ``outside_tolerance``;
* higher is better: value >= target → ``on_target``; tolerance <= value < target →
  ``inside_tolerance``; value < tolerance → ``outside_tolerance``;
* exactly on the target is on target; exactly on the tolerance is inside tolerance;
* a target with no tolerance has no band: on target or outside tolerance;
* no target → ``no_target`` (whether or not there is a value); a target but no value →
  ``no_value``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.core.errors import NoDataError, ParameterError
from analysis.data.periods import Quarter, as_quarter
from analysis.measures.local_measures import LocalMeasures

Status = Literal["on_target", "inside_tolerance", "outside_tolerance", "no_target", "no_value"]

#: Statuses that judge a value against a target (the others say why there is no judgement).
JUDGED: tuple[str, ...] = ("on_target", "inside_tolerance", "outside_tolerance")
#: Summary columns, in the order of the council's table, then data gaps.
SUMMARY_STATUSES: tuple[str, ...] = (
    "outside_tolerance", "inside_tolerance", "on_target", "no_target", "no_value",
)
#: Summary columns after the status counts: figures present, and where statuses came from.
SUMMARY_EXTRA: tuple[str, ...] = ("with_figure", "without_figure", "status_reported", "status_computed")
#: Values closer than this are treated as equal (guards against binary float noise only).
_EPS = 1e-9


# --- RAG status -----------------------------------------------------------------------------

def _as_float(x: Any) -> np.ndarray:
    return pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(x, dtype=object))), errors="coerce").to_numpy(float)


def rag_status(value: Any, target: Any, tolerance: Any, polarity: Any) -> Any:
    """Status of a value against its target and tolerance, by polarity.

    Scalars in, a string out; any array or Series in (scalars broadcast), an array or
    Series (same index as the first Series argument) out. See the module docstring for the
    rules. Raises :class:`ParameterError` for a target on a measure without polarity, an
    unknown polarity, or a tolerance on the wrong side of the target.

    >>> rag_status(26, 22, 28, "lower_is_better")
    'inside_tolerance'
    >>> rag_status(76, 90, 80, "higher_is_better")
    'outside_tolerance'
    """
    args = (value, target, tolerance, polarity)
    scalar = all(np.ndim(a) == 0 for a in args)
    index = next((a.index for a in args if isinstance(a, pd.Series)), None)
    n = max(len(np.atleast_1d(np.asarray(a, dtype=object))) for a in args)

    def spread(x: Any, numeric: bool) -> np.ndarray:
        arr = _as_float(x) if numeric else np.atleast_1d(np.asarray(x, dtype=object)).astype(str)
        if len(arr) == 1 and n > 1:
            arr = np.repeat(arr, n)
        if len(arr) != n:
            raise ParameterError("value, target, tolerance and polarity differ in length",
                                 parameter="value", expected=f"{n} items or one", found=str(len(arr)))
        return arr

    v, t, tol = spread(value, True), spread(target, True), spread(tolerance, True)
    pol = spread(polarity, False)
    known = np.isin(pol, ["lower_is_better", "higher_is_better", "none"])
    if not known.all():
        raise ParameterError("unknown polarity", parameter="polarity",
                             expected="lower_is_better, higher_is_better or none",
                             found=", ".join(sorted(set(pol[~known]))))
    has_t, has_tol, has_v = ~np.isnan(t), ~np.isnan(tol), ~np.isnan(v)
    if (has_t & (pol == "none")).any():
        raise ParameterError("a target on a measure with no polarity", parameter="polarity",
                             expected="lower_is_better or higher_is_better when there is a target",
                             found="none")
    lower = pol == "lower_is_better"
    # Orient every measure so that lower is better: flip the sign where higher is better.
    sign = np.where(lower, 1.0, -1.0)
    vs, ts, tols = v * sign, t * sign, tol * sign
    if (has_t & has_tol & (tols < ts - _EPS)).any():
        raise ParameterError("tolerance on the wrong side of the target", parameter="tolerance",
                             expected="tolerance >= target when lower is better, <= target when "
                                      "higher is better", found="a tolerance better than its target")
    on = vs <= ts + _EPS
    inside = has_tol & (vs <= tols + _EPS)
    out = np.select(
        [~has_t, ~has_v, on, inside],
        ["no_target", "no_value", "on_target", "inside_tolerance"],
        "outside_tolerance",
    ).astype(object)
    if scalar:
        return str(out[0])
    return pd.Series(out, index=index, dtype=object) if index is not None else out


# --- selecting quarters ---------------------------------------------------------------------


def quarter_rows(local: pd.DataFrame, period: Quarter | str) -> pd.DataFrame:
    """The local rows for one quarter (quarter rows only; months and years are not quarters)."""
    q = as_quarter(period)
    return local[(local["period_type"] == "quarter") & (local["period"] == q.label)]


def month_rows_in(local: pd.DataFrame, period: Quarter | str) -> pd.DataFrame:
    """The return's figures for a month within the quarter (``2013-11`` in 2013-14 Q3)."""
    q = as_quarter(period)
    if local.empty:
        return local
    months = local[local["period_type"] == "month"]
    keep = [(int(y), int(m)) in _months_of(q) for y, m in zip(months["year"], months["month"], strict=True)]
    return months[keep]


def _months_of(q: Quarter) -> set[tuple[int, int]]:
    """(financial year end, calendar month) of a quarter's three months: Q1 is April to June."""
    first = (q.quarter - 1) * 3 + 4
    return {(q.year, (first + i - 1) % 12 + 1) for i in range(3)}


def _require_quarter(local: pd.DataFrame, q: Quarter) -> pd.DataFrame:
    rows = quarter_rows(local, q)
    if rows.empty:
        have = sorted(set(local.loc[local["period_type"] == "quarter", "period"]))
        found = f"quarters {', '.join(have)}" if have else "no quarterly figures"
        months = month_rows_in(local, q)
        if not months.empty:
            found = (f"only figures for a month within it ({', '.join(sorted(set(months['period'])))}), "
                     f"which the quarterly tables do not use; {found}")
        raise NoDataError(
            f"the local return has no quarterly figures for {q.label}",
            found=found,
            fix="choose a quarter the return covers, or add the quarter's figures "
                "(docs/data-formats/local-return.md)",
        )
    return rows


# --- direction of travel --------------------------------------------------------------------

def direction(current: pd.Series, previous: pd.Series, polarity: pd.Series) -> pd.Series:
    """improving / worsening / no change by polarity (higher / lower where there is none);
    "no comparison" when either value is missing. Values are compared as reported."""
    delta = np.round(current.astype(float) - previous.astype(float), 9)
    higher_better = polarity == "higher_is_better"
    lower_better = polarity == "lower_is_better"
    out = pd.Series("no comparison", index=current.index, dtype=object)
    out[delta == 0] = "no change"
    up, down = delta > 0, delta < 0
    out[(up & higher_better) | (down & lower_better)] = "improving"
    out[(down & higher_better) | (up & lower_better)] = "worsening"
    out[up & (polarity == "none")] = "higher"
    out[down & (polarity == "none")] = "lower"
    return out


def _direction_against(local: pd.DataFrame, q: Quarter, other: Quarter) -> pd.DataFrame:
    key = ["la_code", "indicator_code"]
    now = quarter_rows(local, q)[[*key, "indicator_label", "polarity", "value"]]
    then = quarter_rows(local, other)[[*key, "value"]].rename(columns={"value": "compared_value"})
    out = now.merge(then, on=key, how="left")
    out.insert(len(key) + 1, "period", q.label)
    out.insert(len(key) + 2, "compared_period", other.label)
    out["direction"] = direction(out["value"], out["compared_value"], out["polarity"])
    return out.reset_index(drop=True)


def direction_vs_previous_quarter(local: pd.DataFrame, period: Quarter | str) -> pd.DataFrame:
    """Each measure's value in ``period`` against the quarter before it, by polarity.

    Columns: la_code, indicator_code, indicator_label, period, compared_period, polarity,
    value, compared_value, direction.
    """
    q = as_quarter(period)
    return _direction_against(local, q, q.previous())


def direction_vs_same_quarter_last_year(local: pd.DataFrame, period: Quarter | str) -> pd.DataFrame:
    """Each measure's value in ``period`` against the same quarter a year earlier."""
    q = as_quarter(period)
    return _direction_against(local, q, q.same_quarter_last_year())


# --- status table, disagreements, summary -------------------------------------------------

STATUS_COLUMNS = [
    "la_code", "la_name", "period", "area", "measure_type", "indicator_code", "indicator",
    "indicator_label", "unit", "polarity", "value", "target", "tolerance",
    "status_computed", "status_reported", "status_used", "status_source", "agrees",
    "previous_value", "direction_previous_quarter", "direction_basis", "previous_status",
    "last_year_value", "direction_last_year", "file", "row",
]

#: Judged statuses from worst to best, to compare a quarter's status with the one before.
_STATUS_ORDER: dict[str, int] = {"outside_tolerance": 0, "inside_tolerance": 1, "on_target": 2}


def _used_statuses(rows: pd.DataFrame) -> pd.DataFrame:
    """``status_computed``, ``status_used`` and ``status_source`` of return rows (see
    :func:`status_table`)."""
    rows = rows.copy()
    rows["status_computed"] = rag_status(rows["value"], rows["target"], rows["tolerance"],
                                         rows["polarity"]) if not rows.empty else pd.Series(dtype=object)
    reported = rows["reported_status"].notna()
    judged = rows["status_computed"].isin(JUDGED)
    rows["status_used"] = np.where(judged, rows["status_computed"],
                                   np.where(reported, rows["reported_status"], rows["status_computed"]))
    rows["status_source"] = np.where(judged | ~reported, "computed", "reported")
    return rows


def quarter_statuses(local: pd.DataFrame, up_to: Quarter | str) -> pd.DataFrame:
    """Every quarter's rows of the return up to and including ``up_to``, oldest quarter first,
    each with ``status_computed``, ``status_used`` and ``status_source`` as in
    :func:`status_table`, and ``quarter_order`` (0 for the oldest quarter). One pass over the
    return, for trend and SPC charts; :func:`status_table` adds directions for one quarter."""
    last = as_quarter(up_to)
    rows = local[local["period_type"] == "quarter"]
    quarters = [Quarter(int(y), int(q)) for y, q in zip(rows["year"], rows["quarter"], strict=True)]
    keep = [q <= last for q in quarters]
    rows = rows[keep]
    if rows.empty:
        return rows.assign(status_computed=pd.Series(dtype=object), status_used=pd.Series(dtype=object),
                           status_source=pd.Series(dtype=object), quarter_order=pd.Series(dtype=int))
    kept = [q for q, k in zip(quarters, keep, strict=True) if k]
    order = {q: i for i, q in enumerate(sorted(set(kept)))}
    rows = _used_statuses(rows).assign(quarter_order=[order[q] for q in kept])
    return rows.sort_values("quarter_order", kind="stable").reset_index(drop=True)


def status_direction(current: pd.Series, previous: pd.Series) -> pd.Series:
    """"status improved" / "status worsened" / "status unchanged" from two judged statuses
    (outside < inside tolerance < on target); NA where either is not a judgement."""
    now = current.map(_STATUS_ORDER)
    then = previous.map(_STATUS_ORDER)
    out = pd.Series(pd.NA, index=current.index, dtype=object)
    both = now.notna() & then.notna()
    out[both & (now > then)] = "status improved"
    out[both & (now < then)] = "status worsened"
    out[both & (now == then)] = "status unchanged"
    return out


def status_table(local: pd.DataFrame, period: Quarter | str) -> pd.DataFrame:
    """Every measure in the return for one quarter, with its status.

    ``status_computed`` is :func:`rag_status` of the row. ``status_used`` is the computed
    status where it is a judgement (a value and a target exist), otherwise the status the
    council reported (``status_source = "reported"``), otherwise the computed ``no_target`` /
    ``no_value``. ``agrees`` compares computed and reported where both are judgements
    (missing otherwise). Also carries the direction against the previous quarter and the
    same quarter last year. Empty in, empty out; a return without this quarter raises
    :class:`NoDataError`.
    """
    q = as_quarter(period)
    if local.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    rows = _used_statuses(_require_quarter(local, q))
    rows["status_reported"] = rows["reported_status"]
    reported = rows["status_reported"].notna()
    judged = rows["status_computed"].isin(JUDGED)
    agrees = pd.Series(pd.NA, index=rows.index, dtype="boolean")
    both = judged & reported
    agrees[both] = rows.loc[both, "status_computed"] == rows.loc[both, "status_reported"]
    rows["agrees"] = agrees
    key = ["la_code", "indicator_code"]
    prev = _direction_against(local, q, q.previous())[[*key, "compared_value", "direction"]]
    rows = rows.merge(prev.rename(columns={"compared_value": "previous_value",
                                           "direction": "direction_previous_quarter"}),
                      on=key, how="left")
    # Where a value is unknown on either side, the direction comes from the two quarters'
    # statuses (as reported or worked out), and says so: "status improved".
    before = quarter_rows(local, q.previous())
    before = (_used_statuses(before)[[*key, "status_used"]].rename(columns={"status_used": "previous_status"})
              if not before.empty else pd.DataFrame(columns=[*key, "previous_status"]))
    rows = rows.merge(before, on=key, how="left")
    by_status = status_direction(rows["status_used"], rows["previous_status"])
    use_status = (rows["direction_previous_quarter"] == "no comparison") & by_status.notna()
    no_comparison = rows["direction_previous_quarter"] == "no comparison"
    rows["direction_basis"] = pd.Series("values", index=rows.index, dtype=object).mask(
        no_comparison, None).mask(use_status, "statuses")
    rows.loc[use_status, "direction_previous_quarter"] = by_status[use_status]
    last = _direction_against(local, q, q.same_quarter_last_year())[[*key, "compared_value", "direction"]]
    rows = rows.merge(last.rename(columns={"compared_value": "last_year_value",
                                           "direction": "direction_last_year"}),
                      on=key, how="left")
    return rows[STATUS_COLUMNS].reset_index(drop=True)


def status_disagreements(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of a :func:`status_table` where the computed status differs from the reported one."""
    if table.empty:
        return table.copy()
    return table[table["agrees"].fillna(True).eq(False)].reset_index(drop=True)


def status_summary(table: pd.DataFrame, measure_type: str = "contract") -> pd.DataFrame:
    """Counts of ``status_used`` by area and in total, with row percentages.

    One row per area (in the order of the return) plus ``Total``; columns ``area``,
    ``measures``, one count column per status in :data:`SUMMARY_STATUSES` and ``pct_<status>``
    (percent of the row's measures, unrounded), then ``with_figure`` / ``without_figure``
    (measures with and without a value this quarter) and ``status_reported`` /
    ``status_computed`` (judged statuses taken as the council reported them, and worked out
    from value, target and tolerance). Only rows of ``measure_type`` (contract by default)
    are counted.
    """
    columns = (["area", "measures", *SUMMARY_STATUSES]
               + [f"pct_{s}" for s in SUMMARY_STATUSES] + list(SUMMARY_EXTRA))
    rows = table[table["measure_type"] == measure_type] if not table.empty else table
    if rows.empty:
        return pd.DataFrame(columns=columns)
    area = rows["area"].fillna("(no area)")
    areas = list(dict.fromkeys(area))
    counts = pd.crosstab(area, rows["status_used"])
    counts = counts.reindex(index=areas, columns=list(SUMMARY_STATUSES), fill_value=0)
    extra = pd.DataFrame({
        "with_figure": rows["value"].notna().groupby(area).sum(),
        "without_figure": rows["value"].isna().groupby(area).sum(),
        "status_reported": (rows["status_source"] == "reported").groupby(area).sum(),
        "status_computed": ((rows["status_source"] == "computed")
                            & rows["status_used"].isin(JUDGED)).groupby(area).sum(),
    }).reindex(areas).fillna(0).astype(int)
    counts.loc["Total"] = counts.sum()
    extra.loc["Total"] = extra.sum()
    counts.insert(0, "measures", counts.sum(axis=1))
    for s in SUMMARY_STATUSES:
        counts[f"pct_{s}"] = 100.0 * counts[s] / counts["measures"]
    counts = counts.join(extra)
    counts.index.name = "area"
    out = counts.reset_index()
    out.columns.name = None
    return out[columns]


def summary_text(summary: pd.DataFrame, period: str, noun: str = "contract measure") -> str:
    """The summary's Total row in words, saying how many measures have no figure and where
    the statuses come from: "20 contract measures in 2017-18 Q1: 2 with a figure, 18 without.
    1 outside tolerance, ... Statuses: 1 worked out from the figures, 3 as reported."."""
    if summary.empty:
        return f"No {noun}s for {period}."
    t = summary.set_index("area").loc["Total"]
    n = int(t["measures"])
    words = {"outside_tolerance": "outside tolerance", "inside_tolerance": "inside tolerance",
             "on_target": "on or better than target", "no_target": "with no target",
             "no_value": "with no figure to judge"}
    statuses = ", ".join(f"{int(t[s])} {words[s]}" for s in SUMMARY_STATUSES if int(t[s]))
    judged = int(t["status_computed"]) + int(t["status_reported"])
    basis = (f" Statuses: {int(t['status_computed'])} worked out from the figures, "
             f"{int(t['status_reported'])} as the papers gave them." if judged else "")
    return (f"{n} {noun}{'s' if n != 1 else ''} in {period}: {int(t['with_figure'])} with a "
            f"figure, {int(t['without_figure'])} without. {statuses[0].upper() + statuses[1:]}.{basis}")


def add_missing_measures(status: pd.DataFrame, measures: LocalMeasures, period: Quarter | str) -> pd.DataFrame:
    """``status`` with a row for each of the LA's contract measures the return has no row for
    in the quarter: no value, status ``no_value``, so summaries count them."""
    q = as_quarter(period)
    if status.empty:
        return status
    have = set(status["indicator_code"])
    extra = []
    for code, m in measures.measures.items():
        if m.measure_type != "contract" or code in have:
            continue
        extra.append({
            "la_code": measures.la_code, "la_name": measures.la_name, "period": q.label,
            "area": m.area, "measure_type": "contract", "indicator_code": code,
            "indicator": measures.indicator_of(code), "indicator_label": m.name, "unit": m.unit,
            "polarity": m.polarity, "value": np.nan, "target": np.nan, "tolerance": np.nan,
            "status_computed": "no_value", "status_reported": None, "status_used": "no_value",
            "status_source": "computed", "agrees": pd.NA, "previous_value": np.nan,
            "direction_previous_quarter": "no comparison", "direction_basis": None,
            "previous_status": None, "last_year_value": np.nan, "direction_last_year": "no comparison",
            "file": "", "row": 0,
        })
    if not extra:
        return status
    return pd.concat([status, pd.DataFrame(extra, columns=STATUS_COLUMNS)], ignore_index=True)
