"""Attack the deep dive's published tables as a reader could: set up what every published
cell and its definition says (row and column totals, source groups against sources, months
against quarters against years...), then ask what each hidden cell can be.

The attack here is written independently of :func:`analysis.engine.suppress.protect`: the records
are grouped by which published cells they fall in (pandas), and each hidden cell's smallest
and largest values are found with scipy's linear programme. A reader knows a published
count r to within rounding (``rounded=True``: r-2 to r+2, and at least 5, as 1-4 are never
shown) or exactly (``rounded=False``), a 0 exactly, and a "c" to be 1-4 (or, if that is
impossible, at least 1). Where nothing is rounded, numpy's rank test also asks whether the
equations alone fix a hidden cell. A cell is recovered when its smallest and largest values
are the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analysis.data.geography import load_areas, resolve_la
from analysis.data.synthetic import generate_referrals
from analysis.deep_dive.breakdowns import locality_raw, previous_outcome_raw, source_raw
from analysis.deep_dive.build import build_deep_dive
from analysis.deep_dive.suppression import publish_all
from analysis.deep_dive.tables import (
    RawTable,
    Scope,
    annual_raw,
    monthly_raw,
    quarterly_raw,
    rolling_quarters_raw,
)
from analysis.deep_dive.years import reporting_years
from analysis.engine.suppress import MARKER, LinkedTables
from analysis.measures.rereferrals import flag_rereferrals


def _published_cells(linked: LinkedTables, tables: dict[str, pd.DataFrame]
                     ) -> tuple[np.ndarray, dict[int, float | None]]:
    """(masks, cell -> published value or None when shown as "c"), read from the tables."""
    shown: dict[int, float | None] = {}
    for name, pos, col, cell in linked.placements():
        v = tables[name][col].iloc[pos]
        value = None if v == MARKER else float(v)
        if cell in shown and (shown[cell] is None) != (value is None):
            raise AssertionError(f"one count hidden in one table, shown in another: {name}")
        shown[cell] = value
    return linked.matrix(), shown


def _range(a: np.ndarray, i: int, low: np.ndarray, high: np.ndarray) -> tuple[float, float]:
    out = []
    finite = np.isfinite(high)
    for sign in (1.0, -1.0):
        res = linprog(sign * a[i], A_ub=np.vstack([a[finite], -a]),
                      b_ub=np.concatenate([high[finite], -low]), bounds=(0, None),
                      method="highs")
        if res.status == 2:
            return np.nan, np.nan
        out.append(sign * res.fun if res.status == 0 else sign * np.inf)
    return out[0], out[1]


def attack(linked: LinkedTables, tables: dict[str, pd.DataFrame], rounded: bool = True
           ) -> list[str]:
    """What a reader recovers: one line per hidden cell worked out exactly."""
    masks, shown = _published_cells(linked, tables)
    cells = sorted(shown)
    sig = pd.DataFrame(masks[cells].T).drop_duplicates()
    a = sig.to_numpy(dtype=float).T  # cells x distinct signatures
    a = a[:, a.any(axis=0)]
    true = masks[cells] @ linked.weight
    hid = np.array([shown[c] is None for c in cells])
    r = np.array([shown[c] or 0.0 for c in cells])
    if rounded:
        low = np.where(r > 0, np.maximum(r - 2, 5), 0.0)
        high = np.where(r > 0, r + 2, 0.0)
    else:
        low, high = r.copy(), r.copy()
    low[hid], high[hid] = 1.0, 4.0
    if np.isnan(_range(a, int(np.flatnonzero(hid)[0]), low, high)[0]) if hid.any() else False:
        high[hid] = np.inf  # some hidden cell is 5 or more: "c" says only "at least 1"
    found = []
    pub = ~hid
    base_rank = np.linalg.matrix_rank(a[pub]) if pub.any() else 0
    for i in np.flatnonzero(hid):
        if not rounded and pub.any() and \
                np.linalg.matrix_rank(np.vstack([a[pub], a[i]])) == base_rank:
            found.append(f"cell {cells[i]} = {true[i]} from the equations alone")
            continue
        lo, hi = _range(a, int(i), low, high)
        if np.ceil(lo - 1e-6) == np.floor(hi + 1e-6):
            found.append(f"cell {cells[i]} = {true[i]} (bounds {lo:.2f}-{hi:.2f})")
    return found


def _scope(rows: list[tuple[str, str, dict]], history: str = "2015-01-01") -> Scope:
    """A flagged table from (child, date, extra columns) rows, scoped to 2016-17."""
    df = pd.DataFrame([{"child_id": c, "referral_id": f"R{i:04d}", "referral_date": d, **x}
                       for i, (c, d, x) in enumerate(rows)])
    df["referral_date"] = pd.to_datetime(df["referral_date"])
    for col in ("referral_source", "locality", "primary_need", "assessment_factors",
                "assessment_outcome", "closure_date", "closure_reason", "prior_early_help"):
        if col not in df:
            df[col] = pd.NA
    df["closure_date"] = pd.to_datetime(df["closure_date"])
    df["referral_nfa"] = df.get("referral_nfa", False)
    flagged = flag_rereferrals(df, history_start=history).reset_index(drop=True)
    return Scope(flagged, pd.Timestamp("2017-03-31"), pd.Timestamp(history))


def _publish(raws: list[RawTable], size: int) -> tuple[dict[str, pd.DataFrame], LinkedTables]:
    return publish_all(raws, size)


def _children(n: int, prefix: str, date: str, **extra: object) -> list[tuple[str, str, dict]]:
    return [(f"{prefix}{i:03d}", date, dict(extra)) for i in range(n)]


def _rereferred(n: int, prefix: str, first: str, second: str, **extra: object
                ) -> list[tuple[str, str, dict]]:
    return [r for i in range(n) for r in ((f"{prefix}{i:03d}", first, dict(extra)),
                                          (f"{prefix}{i:03d}", second, dict(extra)))]


def test_two_localities_of_one_referral_each_stay_hidden():
    # Localities A and B have 1 referral each beside a total and two large localities:
    # hiding only A and B gives each back (total - C - D = 2, each at least 1).
    rows = (_children(1, "A", "2016-06-01", locality="A") + _children(1, "B", "2016-06-01",
            locality="B") + _children(20, "C", "2016-06-01", locality="C")
            + _children(30, "D", "2016-07-01", locality="D"))
    s = _scope(rows)
    tables, linked = _publish([locality_raw(s)], s.size)
    loc = tables["localities"].set_index("locality")
    assert loc.loc["A", "denominator"] == MARKER and loc.loc["B", "denominator"] == MARKER
    assert attack(linked, tables) == []


def test_two_hidden_outcomes_summing_to_two_are_not_given_back():
    # 20 re-referrals: 1 after NFA, 1 after not in need, 18 after CP plan. The two small
    # cells alone would sum to a known 2, so each is 1.
    rows = (_rereferred(1, "N", "2016-05-01", "2016-07-01", referral_nfa=True)
            + _rereferred(1, "M", "2016-05-01", "2016-07-01", assessment_outcome="not_in_need",
                          closure_date="2016-05-20")
            + _rereferred(18, "P", "2016-05-01", "2016-07-01", assessment_outcome="cp_plan",
                          closure_date="2016-06-01"))
    s = _scope(rows)
    tables, linked = _publish([previous_outcome_raw(s)], s.size)
    assert attack(linked, tables) == []
    prev = tables["previous_outcome"].set_index("previous_outcome")["rereferrals"]
    assert prev["NFA at referral"] == MARKER


def test_source_groups_beside_sources_give_nothing_back():
    # Individual group 6 = family 5 + self 1: the sources table alone would hide self and
    # one other source, but the group total then gives self back.
    rows = (_children(5, "F", "2016-06-01", referral_source="Individual: family member, "
                      "relative or carer")
            + _children(1, "S", "2016-06-01", referral_source="Individual: self")
            + _children(30, "P", "2016-06-01", referral_source="Police")
            + _children(12, "H", "2016-06-01", referral_source="Health: GP"))
    s = _scope(rows)
    tables, linked = _publish([source_raw(s, grouped=True), source_raw(s, grouped=False)],
                              s.size)
    src = tables["sources"].set_index("referral_source")["referrals"]
    assert src["Individual: self"] == MARKER
    assert attack(linked, tables) == []


def test_months_quarters_and_years_together_give_nothing_back():
    # Months with 2 and 3 re-referrals among months of 10: the monthly, quarterly, rolling
    # 12-month and annual tables solved together must not give back a hidden month.
    rows: list[tuple[str, str, dict]] = []
    for m in range(4, 16):
        month = f"{2016 if m <= 12 else 2017}-{(m - 1) % 12 + 1:02d}"
        n_re = {5: 2, 8: 3}.get(m, 10)
        rows += _rereferred(n_re, f"M{m:02d}", f"{month}-01", f"{month}-20")
        rows += _children(20, f"F{m:02d}", f"{month}-02")
    s = _scope(rows, history="2015-04-01")
    years = reporting_years(s.flagged, s.history_start)
    raws = [annual_raw(s, years, 2017), rolling_quarters_raw(s), monthly_raw(s),
            quarterly_raw(s)]
    tables, linked = _publish(raws, s.size)
    months = tables["monthly"].set_index("month")["rereferrals"]
    assert months["May 2016"] == MARKER and months["August 2016"] == MARKER
    assert attack(linked, tables) == []


def test_attack_finds_what_table_by_table_suppression_leaves():
    # The attack itself can fail: without rounding, the old rule (a line with one hidden
    # cell gets a partner: self and police) leaves self = 1 recoverable from the group
    # table (Individual 6 = family 5 + self).
    rows = (_children(5, "F", "2016-06-01", referral_source="Individual: family member, "
                      "relative or carer")
            + _children(1, "S", "2016-06-01", referral_source="Individual: self")
            + _children(30, "P", "2016-06-01", referral_source="Police"))
    s = _scope(rows)
    raw = source_raw(s, grouped=False)
    linked = LinkedTables(s.size, weight=s.weight)
    linked.add(raw.name, raw.frame, raw.counts, raw.masks, raw.percents)
    group = source_raw(s, grouped=True)
    linked.add(group.name, group.frame, group.counts, group.masks, group.percents)
    shown = {raw.name: raw.frame.astype(object), group.name: group.frame.astype(object)}
    shown["sources"].loc[shown["sources"]["referral_source"] == "Individual: self",
                         ["referrals", "rereferrals"]] = MARKER
    shown["sources"].loc[shown["sources"]["referral_source"] == "Police", "referrals"] = MARKER
    assert attack(linked, shown, rounded=False)


@pytest.mark.parametrize("per_year", [30, 400])
def test_whole_deep_dive_gives_nothing_back(tmp_path, paths, bench_table, per_year):
    # A small LA (30 referrals a year) and a middling one: every published table at once.
    df = generate_referrals(seed=7, start="2015-04-01", end="2018-03-31",
                            referrals_per_year=per_year)
    path = tmp_path / "synthetic_small.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    dive = build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, None, paths=paths)
    assert dive.linked is not None
    assert attack(dive.linked, dive.tables) == []
