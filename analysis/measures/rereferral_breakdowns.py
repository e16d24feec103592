"""Re-referrals broken down, as the deep dive shows them: how soon children come back, by
referral source, primary need and factor at assessment, what happened last time, early help
first, by locality, and the conversion funnel from referral to outcome.

Each function takes a referral table (flagged by
:func:`analysis.measures.rereferrals.flag_rereferrals` first if it is not) and is pure and
vectorised, as the rule's module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.core.errors import NoDataError
from analysis.data.schemas.referrals import (
    ASSESSMENT_FACTORS,
    PRIMARY_NEEDS,
    REFERRAL_SOURCE_GROUPS,
)
from analysis.measures.rereferrals import (
    counted,
    ensure_flagged,
    require_columns,
    select_year,
)

#: Bands of days since the previous referral (right-inclusive), for the "how soon" table.
DAY_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-7 days", 1, 7),
    ("8-30 days", 8, 30),
    ("31-60 days", 31, 60),
    ("61-91 days (to 3 months)", 61, 91),
    ("92-182 days (to 6 months)", 92, 182),
    ("183 days to 12 months", 183, 366),
)

#: Order of the "what happened last time" categories.
PREVIOUS_OUTCOMES: tuple[str, ...] = (
    "NFA at referral",
    "Assessed: not in need",
    "Stepped down to early help",
    "Closed after CIN plan",
    "Closed after CP plan",
    "Still open",
    "No assessment (other)",
    "Not known",
)


def _rereferrals_only(df: pd.DataFrame) -> pd.DataFrame:
    f = counted(ensure_flagged(df))
    return f.loc[f["is_rereferral"].fillna(False).astype(bool)]


def time_since_previous(df: pd.DataFrame) -> pd.DataFrame:
    """How soon children come back: re-referrals by days since the previous referral.

    One row per band of :data:`DAY_BANDS` with ``rereferrals``, ``percent`` (of all
    re-referrals) and ``cumulative_percent``. The shares within 60 days, 3 months (91
    days) and 6 months (182 days) are in ``df.attrs["within"]`` and in
    :func:`share_within`.
    """
    re = _rereferrals_only(df)
    days = re["days_since_previous"].astype("float64")
    rows = []
    for label, lo, hi in DAY_BANDS:
        rows.append({"band": label, "min_days": lo, "max_days": hi,
                     "rereferrals": int(((days >= lo) & (days <= hi)).sum())})
    out = pd.DataFrame(rows)
    total = len(re)
    out["percent"] = out["rereferrals"] / total * 100 if total else np.nan
    out["cumulative_percent"] = out["percent"].cumsum()
    out.attrs["within"] = share_within(df).set_index("within")["percent"].to_dict()
    return out


def share_within(df: pd.DataFrame, days: Sequence[int] = (60, 91, 182)) -> pd.DataFrame:
    """Share of re-referrals made within each number of days of the previous referral.

    Columns: ``within`` (e.g. ``"60 days"``), ``days``, ``rereferrals``, ``total``,
    ``percent``. 91 days stands for 3 months and 182 for 6 months.
    """
    re = _rereferrals_only(df)
    d = re["days_since_previous"].astype("float64")
    total = len(re)
    rows = [{"within": f"{k} days", "days": k, "rereferrals": int((d <= k).sum()),
             "total": total} for k in days]
    out = pd.DataFrame(rows)
    out["percent"] = out["rereferrals"] / total * 100 if total else np.nan
    return out


def _rate_by(f: pd.DataFrame, key: pd.Series, name: str) -> pd.DataFrame:
    """Referrals, re-referrals, rate and share of all re-referrals, by ``key``."""
    known = f["is_rereferral"].notna().to_numpy()
    t = pd.DataFrame({name: key.to_numpy()[known],
                      "re": f["is_rereferral"].to_numpy()[known].astype(bool)})
    t[name] = t[name].astype(object).where(t[name].notna(), "not recorded")
    g = t.groupby(name, sort=False)["re"]
    out = pd.DataFrame({"referrals": g.size(), "rereferrals": g.sum()}).reset_index()
    out["rate_percent"] = out["rereferrals"] / out["referrals"] * 100
    total_re = out["rereferrals"].sum()
    out["share_of_rereferrals_percent"] = (out["rereferrals"] / total_re * 100
                                           if total_re else np.nan)
    out = out.sort_values(["referrals", name], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True).astype({"referrals": "int64", "rereferrals": "int64"})


def by_referral_source(df: pd.DataFrame, grouped: bool = False) -> pd.DataFrame:
    """Referrals and re-referrals by referral source (``grouped``: broad groups like
    Police / Schools and education / Health). Rate = re-referrals / referrals of that
    source; share = that source's part of all re-referrals. Unknown-history rows excluded.
    """
    f = counted(ensure_flagged(df))
    require_columns(f, ["referral_source"], "by_referral_source")
    key = f["referral_source"]
    if grouped:
        key = key.map(lambda s: REFERRAL_SOURCE_GROUPS.get(s, "unknown"))
    return _rate_by(f, key, "source_group" if grouped else "referral_source")


def by_primary_need(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals and re-referrals by primary need code, with its label."""
    f = counted(ensure_flagged(df))
    require_columns(f, ["primary_need"], "by_primary_need")
    out = _rate_by(f, f["primary_need"], "primary_need")
    out.insert(1, "label", out["primary_need"].map(PRIMARY_NEEDS).fillna("Not recorded"))
    return out


def by_assessment_factor(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals and re-referrals by factor identified at assessment.

    A referral with several factors counts once under each (the list is exploded), so
    rows do not add up to the number of referrals. Referrals with no factors recorded
    are left out; code 21 "No factors identified" is kept as its own row.
    """
    f = counted(ensure_flagged(df))
    require_columns(f, ["assessment_factors"], "by_assessment_factor")
    f = f.loc[f["assessment_factors"].notna() & f["is_rereferral"].notna()]
    t = pd.DataFrame({"assessment_factor": f["assessment_factors"].astype(str).str.split(";"),
                      "re": f["is_rereferral"].astype(bool)}).explode("assessment_factor")
    t["assessment_factor"] = t["assessment_factor"].str.strip()
    t = t.loc[t["assessment_factor"] != ""]
    out = _rate_by(t.assign(is_rereferral=t["re"]), t["assessment_factor"], "assessment_factor")
    out.insert(1, "label", out["assessment_factor"].map(ASSESSMENT_FACTORS).fillna("Unknown code"))
    return out


def previous_outcome(df: pd.DataFrame) -> pd.Series:
    """What happened after each referral, in the words used for "what happened last time".

    Precedence: NFA at referral; still open (no closure date); CP plan; CIN plan; stepped
    down to early help (outcome ``early_help`` or closure reason RC9); assessed not in need
    (outcome ``not_in_need`` or closure reason RC8); no assessment (other); else not known.
    """
    nfa = df["referral_nfa"].fillna(False).astype(bool) if "referral_nfa" in df else False
    outcome = df.get("assessment_outcome", pd.Series(pd.NA, index=df.index)).astype(object)
    reason = df.get("closure_reason", pd.Series(pd.NA, index=df.index)).astype(object)
    open_ = df.get("closure_date", pd.Series(pd.NaT, index=df.index)).isna()
    conditions = [
        nfa,
        open_ & ~nfa,
        outcome.eq("cp_plan"),
        outcome.eq("cin_plan"),
        outcome.eq("early_help") | reason.eq("RC9"),
        outcome.eq("not_in_need") | reason.eq("RC8"),
        outcome.eq("no_assessment"),
    ]
    choices = ["NFA at referral", "Still open", "Closed after CP plan", "Closed after CIN plan",
               "Stepped down to early help", "Assessed: not in need", "No assessment (other)"]
    values = np.select([np.asarray(c, dtype=bool) for c in conditions], choices,
                       default="Not known")
    return pd.Series(values, index=df.index, name="previous_outcome")



def previous_outcomes(df: pd.DataFrame) -> pd.DataFrame:
    """For each counted re-referral of ``df`` (index kept), its previous referral's outcome
    (:func:`previous_outcome`, judged at the re-referral's date: closed after it counts as
    still open), closure date and closure reason. Pass the whole flagged table."""
    f = counted(ensure_flagged(df))
    prev = f.assign(_outcome=previous_outcome(f))
    prev = prev.assign(
        _closed=prev.get("closure_date", pd.NaT),
        _reason=prev.get("closure_reason", pd.NA))
    prev = prev[["child_id", "referral_date", "_outcome", "_closed", "_reason"]].rename(
        columns={"referral_date": "previous_referral_date"})
    re = f.loc[f["is_rereferral"].fillna(False).astype(bool),
               ["child_id", "referral_date", "previous_referral_date"]]
    m = re.reset_index(names="_row").merge(prev, on=["child_id", "previous_referral_date"],
                                           how="left").set_index("_row")
    still_open = m["_closed"].notna() & (m["_closed"] > m["referral_date"])
    m.loc[still_open, "_outcome"] = "Still open"
    out = pd.DataFrame({"previous_outcome": m["_outcome"].fillna("Not known"),
                        "previous_closure_date": m["_closed"],
                        "previous_closure_reason": m["_reason"]})
    out.index.name = None
    return out.reindex(re.index)


def by_previous_outcome(df: pd.DataFrame, year_end: pd.Timestamp | str | None = None
                        ) -> pd.DataFrame:
    """Re-referrals by what happened to the child's previous referral.

    For each counted re-referral (those in the 12 months ending ``year_end`` if given),
    the previous referral (same child, latest earlier date) is looked up in the whole
    table and classified with :func:`previous_outcome`, judged as at the date of the
    re-referral (a previous case closed after the re-referral counts as still open).
    Pass the whole table, not one year, so the previous referrals can be found.
    Columns: ``previous_outcome``, ``rereferrals``, ``percent``.
    """
    m = previous_outcomes(df)
    if year_end is not None:
        m = m.loc[select_year(df.loc[m.index], year_end).index]
    counts = m["previous_outcome"].value_counts().reindex(list(PREVIOUS_OUTCOMES),
                                                           fill_value=0)
    out = counts.rename_axis("previous_outcome").reset_index(name="rereferrals")
    total = int(out["rereferrals"].sum())
    out["percent"] = out["rereferrals"] / total * 100 if total else np.nan
    return out


def early_help_share(df: pd.DataFrame) -> pd.DataFrame:
    """Share of referrals and of re-referrals with early help before the referral.

    Rows: ``all referrals``, ``re-referrals``, ``first referrals``; columns ``group``,
    ``with_prior_early_help``, ``known`` (rows where prior_early_help is recorded),
    ``not_recorded`` and ``percent`` (of known).
    """
    f = counted(ensure_flagged(df))
    require_columns(f, ["prior_early_help"], "early_help_share")
    re = f["is_rereferral"]
    groups = {"all referrals": pd.Series(True, index=f.index),
              "re-referrals": re.fillna(False).astype(bool),
              "first referrals": re.eq(False).fillna(False).astype(bool)}
    rows = []
    for name, mask in groups.items():
        eh = f.loc[mask, "prior_early_help"]
        known = int(eh.notna().sum())
        yes = int(eh.fillna(False).astype(bool).sum())
        rows.append({"group": name, "with_prior_early_help": yes, "known": known,
                     "not_recorded": int(eh.isna().sum()),
                     "percent": yes / known * 100 if known else np.nan})
    return pd.DataFrame(rows)


def by_locality(df: pd.DataFrame, year_end: pd.Timestamp | str | None = None) -> pd.DataFrame:
    """Re-referrals (numerator) and referrals (denominator) by locality, for a funnel plot.

    ``year_end``: restrict to the 12 months ending that date (e.g. ``"2017-03-31"``);
    default all referrals with known history. Also returns the overall rate as
    ``overall_percent`` on every row, the funnel's centre line.
    """
    f = counted(ensure_flagged(df))
    require_columns(f, ["locality"], "by_locality")
    if year_end is not None:
        f = select_year(f, year_end)
    out = _rate_by(f, f["locality"], "locality").drop(columns="share_of_rereferrals_percent")
    out = out.rename(columns={"rereferrals": "numerator", "referrals": "denominator",
                              "rate_percent": "percent"})
    total_d = out["denominator"].sum()
    out["overall_percent"] = out["numerator"].sum() / total_d * 100 if total_d else np.nan
    return out[["locality", "numerator", "denominator", "percent", "overall_percent"]]


def conversion_funnel(df: pd.DataFrame) -> pd.DataFrame:
    """Referrals -> assessments -> outcomes, as counts and percentages.

    Stages: referrals; NFA at referral; assessed (an assessment outcome other than
    ``no_assessment``); assessed not in need (``not_in_need`` or ``early_help``, the DfE's
    "assessed not to be in need"); of which stepped down to early help; child in need
    (``cin_plan`` or ``cp_plan``); of which child protection plan. Columns: ``stage``,
    ``count``, ``percent_of_referrals``, ``percent_of_assessed``.
    """
    f = counted(ensure_flagged(df)) if "referral_id" in df else df
    require_columns(f, ["referral_nfa", "assessment_outcome"], "conversion_funnel")
    oc = f["assessment_outcome"].astype(object)
    n = len(f)
    if n == 0:
        raise NoDataError("no referrals to count")
    assessed = oc.notna() & oc.ne("no_assessment")
    nin = oc.isin(["not_in_need", "early_help"])
    rows = [
        ("Referrals", n),
        ("No further action at referral", int(f["referral_nfa"].fillna(False).astype(bool).sum())),
        ("Assessed", int(assessed.sum())),
        ("Assessed: not in need", int(nin.sum())),
        ("  of which stepped down to early help", int(oc.eq("early_help").sum())),
        ("Assessed: child in need", int(oc.isin(["cin_plan", "cp_plan"]).sum())),
        ("  of which child protection plan", int(oc.eq("cp_plan").sum())),
        ("Outcome not recorded", int(oc.isna().sum())),
    ]
    out = pd.DataFrame(rows, columns=["stage", "count"])
    out["percent_of_referrals"] = out["count"] / n * 100
    n_assessed = int(assessed.sum())
    out["percent_of_assessed"] = np.where(
        out["stage"].isin(["Referrals", "No further action at referral",
                           "Outcome not recorded"]) | (n_assessed == 0),
        np.nan, out["count"] / max(n_assessed, 1) * 100)
    return out
