"""The deep dive's breakdowns by category, before suppression: referrals and re-referrals by
referral source, primary need, factor at assessment and the children's characteristics;
re-referrals by what happened last time and why the previous case closed; children
referred again and again; outcomes; early help first; the funnel from referral to outcome;
and localities. Each is a :class:`analysis.deep_dive.tables.RawTable` built from masks over
the records' classes (see :mod:`analysis.deep_dive.tables`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.data.schemas.referrals import (
    ASSESSMENT_FACTORS,
    PRIMARY_NEEDS,
    REFERRAL_SOURCE_GROUPS,
)
from analysis.deep_dive.tables import RATE, RawTable, Scope, raw_table
from analysis.measures import rereferral_breakdowns as rb
from analysis.measures import rereferrals as rr

#: Label of the all-localities row of the locality table.
ALL_LOCALITIES = "All localities"


#: The total of a breakdown that is not every re-referral of the year, by its own name:
#: the factor table's shares are of re-referrals with any factor recorded.
FACTOR_TOTAL = "rereferrals_with_factors"
FACTOR_SHARE = "share_of_rereferrals_with_factors_percent"


def _breakdown_raw(name: str, s: Scope, category: str, cats: Mapping[str, np.ndarray],
                   labels: Mapping[str, str] | None = None, base: np.ndarray | None = None,
                   total: str = "all_rereferrals",
                   share: str = "share_of_rereferrals_percent") -> RawTable:
    """Referrals, re-referrals, rate and share of re-referrals by category (most referrals
    first); categories with no referrals are left out. ``total``/``share``: the names of
    the total the shares are of and of the share (``all_rereferrals`` only when it is every
    re-referral of the year)."""
    base = s.year_known if base is None else base
    present = [(k, m) for k, m in cats.items() if (base & m).any()]
    present.sort(key=lambda km: (-int((base & km[1]) @ s.weight), str(km[0])))
    any_cat = np.zeros(s.size, dtype=bool)
    for _, m in present:
        any_cat |= m
    rows, masks = [], []
    for k, m in present:
        row: dict[str, object] = {category: k}
        if labels is not None:
            row["label"] = labels.get(k, k)
        rows.append(row)
        masks.append({"referrals": base & m, "rereferrals": base & m & s.re,
                      total: base & any_cat & s.re})
    return raw_table(s.weight, name, rows, masks, ["referrals", "rereferrals", total],
                     {"rate_percent": ("rereferrals", "referrals"),
                      share: ("rereferrals", total)})


def _by_value(values: pd.Series) -> dict[str, np.ndarray]:
    arr = values.astype(str).to_numpy()
    return {str(v): arr == v for v in pd.unique(arr)}


def source_raw(s: Scope, grouped: bool) -> RawTable:
    src = s.column("referral_source", "unknown")
    if grouped:
        key = src.map(lambda x: REFERRAL_SOURCE_GROUPS.get(x, "unknown"))
        return _breakdown_raw("source_groups", s, "source_group", _by_value(key))
    return _breakdown_raw("sources", s, "referral_source", _by_value(src))


def need_raw(s: Scope) -> RawTable:
    key = s.column("primary_need")
    labels = {**PRIMARY_NEEDS, "not recorded": "Not recorded"}
    return _breakdown_raw("primary_need", s, "primary_need", _by_value(key), labels)


def factors_raw(s: Scope) -> RawTable:
    """By factor at assessment: a referral counts under each of its factors; the share is of
    re-referrals with any factor recorded (shares add up to more than 100%)."""
    codes = s.flagged["assessment_factors"].astype(object).where(
        s.flagged["assessment_factors"].notna(), "")
    split = codes.astype(str).str.split(";")
    cats: dict[str, np.ndarray] = {}
    for pos, items in enumerate(split):
        for code in {c.strip() for c in items if c.strip()}:
            cats.setdefault(code, np.zeros(s.size, dtype=bool))[pos] = True
    labels = {k: ASSESSMENT_FACTORS.get(k, "Unknown code") for k in cats}
    return _breakdown_raw("factors", s, "assessment_factor", cats, labels, total=FACTOR_TOTAL,
                          share=FACTOR_SHARE)


#: The children's characteristics a CIN census return gives: (column, table, heading).
CHARACTERISTIC_TABLES: tuple[tuple[str, str, str], ...] = (
    ("age_band", "age_band", "age at referral"),
    ("ethnicity_group", "ethnicity", "ethnic group"),
    ("disability", "disability", "disability"),
)


_NOT_KNOWN = {"not recorded", "unborn or not recorded", "refused or not obtained", "nan", "none",
              ""}


def characteristic_raws(s: Scope) -> list[RawTable]:
    """Referrals and re-referrals by age band, ethnic group and disability, for each of
    these the records hold (CIN census returns do; extracts only with those columns)."""
    out = []
    for col, name, _words in CHARACTERISTIC_TABLES:
        if col not in s.flagged:
            continue
        key = s.column(col, "Not recorded").astype(str)
        known = set(key[s.year_known & ~key.str.lower().isin(_NOT_KNOWN).to_numpy()])
        if len(known) < 2:
            continue  # nothing recorded, or one category only
        out.append(_breakdown_raw(name, s, col, _by_value(key)))
    return out


#: How a note about a characteristic not broken down ends (the report finds them by it).
LEFT_OUT = "that breakdown is left out."


def characteristic_notes(s: Scope) -> list[str]:
    """Why each characteristic the records could hold is not broken down, in words: the
    column is not in the records, nothing is recorded in the year, or one group only."""
    out = []
    for col, _name, words in CHARACTERISTIC_TABLES:
        if col not in s.flagged:
            out.append(f"The records have no {words}: {LEFT_OUT}")
            continue
        key = s.column(col, "Not recorded").astype(str)
        known = set(key[s.year_known & ~key.str.lower().isin(_NOT_KNOWN).to_numpy()])
        if not known:
            out.append(f"The records hold no {words} for the year's referrals (every one "
                       f"is not recorded): {LEFT_OUT}")
        elif len(known) < 2:
            out.append(f"Every referral of the year with its {words} recorded has the same "
                       f"one ({next(iter(known))}): {LEFT_OUT}")
    return out


def previous_outcome_raw(s: Scope) -> RawTable:
    """Re-referrals in the year by what happened after the child's previous referral
    (judged at the re-referral's date: :func:`analysis.deep_dive.record_classes.previous_sql`)."""
    outcome = s.column("previous_outcome", "").astype(str).to_numpy()
    rows, masks = [], []
    for k in rb.PREVIOUS_OUTCOMES:
        rows.append({"previous_outcome": k})
        masks.append({"rereferrals": s.year_re & (outcome == k), "all_rereferrals": s.year_re})
    return raw_table(s.weight, "previous_outcome", rows, masks, ["rereferrals", "all_rereferrals"],
                     {"percent": ("rereferrals", "all_rereferrals")})


#: ReasonForClosure codes of the CIN census.
CLOSURE_REASONS: dict[str, str] = {
    "RC1": "Adopted", "RC2": "Died", "RC3": "Child arrangements order",
    "RC4": "Special guardianship order", "RC5": "Transferred to another LA",
    "RC6": "Transferred to adult services", "RC7": "Services ceased for any other reason",
    "RC8": "Case closed after assessment, no further action",
    "RC9": "Case closed after assessment, referred to early help",
}


def closure_reason_raw(s: Scope) -> RawTable:
    """Re-referrals by the previous referral's reason for closure (RC1-RC9; open or not
    recorded otherwise). RC9 (early help) exists from the 2023 census only."""
    outcome = s.column("previous_outcome", "").astype(str).to_numpy()
    given = s.column("previous_closure_reason", "Not recorded").astype(str).to_numpy()
    reason = np.where(outcome == "Still open", "Still open", given)
    rows, masks = [], []
    keys = [*CLOSURE_REASONS, "Still open", "Not recorded"]
    for k in keys:
        m = s.year_re & (reason == k)
        rows.append({"closure_reason": CLOSURE_REASONS.get(k, k), "code": k if k in
                     CLOSURE_REASONS else ""})
        masks.append({"rereferrals": m, "all_rereferrals": s.year_re})
    return raw_table(s.weight, "previous_closure_reason", rows, masks,
                     ["rereferrals", "all_rereferrals"],
                     {"percent": ("rereferrals", "all_rereferrals")})


def repeat_raw(s: Scope) -> RawTable:
    """Children by the number of referrals in the 12 months of the year reported (1, 2,
    3 or more): counted per child on the child's last referral of the year."""
    times = pd.to_numeric(s.column("year_children", np.nan), errors="coerce").to_numpy(
        dtype="float64")
    last = s.year & s.flagged["year_last"].to_numpy(dtype=bool)
    rows, masks = [], []
    for label, m in [("Referred once", times == 1), ("Referred twice", times == 2),
                     ("Referred 3 or more times", times >= 3)]:
        rows.append({"referrals_in_year": label})
        masks.append({"children": last & m, "all_children": last})
    return raw_table(s.weight, "repeat_referrals", rows, masks, ["children", "all_children"],
                     {"percent": ("children", "all_children")})


def outcome_raw(s: Scope) -> RawTable:
    """Outcome of re-referrals against first referrals in the year (NFA, assessed not in
    need, child in need, not recorded)."""
    f = s.flagged
    oc = f["assessment_outcome"].astype(object)
    nfa = f["referral_nfa"].fillna(False).astype(bool).to_numpy()
    groups = [("No further action at referral", nfa),
              ("Assessed: not in need", ~nfa & oc.isin(["not_in_need", "early_help"]).to_numpy()),
              ("Assessed: child in need", ~nfa & oc.isin(["cin_plan", "cp_plan"]).to_numpy()),
              ("No assessment (other)", ~nfa & oc.eq("no_assessment").to_numpy()),
              ("Outcome not recorded", ~nfa & oc.isna().to_numpy())]
    rows, masks = [], []
    for label, m in groups:
        rows.append({"outcome": label})
        masks.append({"rereferrals": s.year_re & m, "all_rereferrals": s.year_re,
                      "first_referrals": s.year_known & s.first & m,
                      "all_first_referrals": s.year_known & s.first})
    return raw_table(s.weight, "outcome_by_type", rows, masks,
                     ["rereferrals", "all_rereferrals", "first_referrals", "all_first_referrals"],
                     {"rereferrals_percent": ("rereferrals", "all_rereferrals"),
                      "first_referrals_percent": ("first_referrals", "all_first_referrals")})


def early_help_raw(s: Scope) -> RawTable | None:
    """Early help before the referral, or None when the records do not say."""
    eh = s.flagged["prior_early_help"]
    known = eh.notna().to_numpy()
    if not (known & s.year).any():
        return None
    yes = eh.fillna(False).astype(bool).to_numpy() & known
    rows, masks = [], []
    for name, g in [("all referrals", s.year), ("re-referrals", s.year_re),
                    ("first referrals", s.year_known & s.first)]:
        rows.append({"group": name})
        masks.append({"with_prior_early_help": g & yes, "known": g & known,
                      "not_recorded": g & ~known})
    return raw_table(s.weight, "early_help", rows, masks, ["with_prior_early_help", "known", "not_recorded"],
                     {"percent": ("with_prior_early_help", "known")})


#: Funnel stages (name, level) in order; level 1 rows are "of which" parts of the row above.
FUNNEL_STAGES: tuple[tuple[str, int], ...] = (
    ("Referrals", 0), ("No further action at referral", 0), ("Assessed", 0),
    ("Assessed: not in need", 0), ("of which stepped down to early help", 1),
    ("Assessed: child in need", 0), ("of which child protection plan", 1),
    ("Outcome not recorded", 0))


def funnel_raw(s: Scope) -> RawTable:
    """The conversion funnel
    (:func:`analysis.measures.rereferral_breakdowns.conversion_funnel`) as masks."""
    oc = s.flagged["assessment_outcome"].astype(object)
    assessed = (oc.notna() & oc.ne("no_assessment")).to_numpy()
    stage = {
        "Referrals": s.year,
        "No further action at referral": s.year & s.flagged["referral_nfa"].fillna(False)
        .astype(bool).to_numpy(),
        "Assessed": s.year & assessed,
        "Assessed: not in need": s.year & oc.isin(["not_in_need", "early_help"]).to_numpy(),
        "of which stepped down to early help": s.year & oc.eq("early_help").to_numpy(),
        "Assessed: child in need": s.year & oc.isin(["cin_plan", "cp_plan"]).to_numpy(),
        "of which child protection plan": s.year & oc.eq("cp_plan").to_numpy(),
        "Outcome not recorded": s.year & oc.isna().to_numpy(),
    }
    rows = [{"stage": k, "level": lvl} for k, lvl in FUNNEL_STAGES]
    # each stage's share of referrals and of assessed, from the exact counts (the columns
    # of referrals and assessed repeat two stages' counts: one cell each when protected)
    masks = [{"count": stage[k], "referrals_base": stage["Referrals"],
              "assessed_base": stage["Assessed"]} for k, _ in FUNNEL_STAGES]
    return raw_table(s.weight, "funnel", rows, masks, ["count", "referrals_base", "assessed_base"],
                     {"percent_of_referrals": ("count", "referrals_base"),
                      "percent_of_assessed": ("count", "assessed_base")})


def locality_raw(s: Scope) -> RawTable | None:
    """Re-referrals (numerator) and referrals (denominator) by locality with an
    all-localities row; None when the records have no locality."""
    if s.flagged["locality"].isna().all():
        return None
    key = s.column("locality")
    cats = _by_value(key)
    if sum(1 for k, m in cats.items() if k != "not recorded" and (m & s.year_known).any()) >= 2:
        cats.pop("not recorded", None)
    present = sorted(((k, m) for k, m in cats.items() if (m & s.year_known).any()),
                     key=lambda km: (-int((km[1] & s.year_known) @ s.weight), km[0]))
    if not present:
        return None
    allm = np.zeros(s.size, dtype=bool)
    for _, m in present:
        allm |= m
    rows = [{"locality": k} for k, _ in present] + [{"locality": ALL_LOCALITIES}]
    masks = [{"numerator": s.year_re & m, "denominator": s.year_known & m}
             for _, m in [*present, ("", allm)]]
    return raw_table(s.weight, "localities", rows, masks, ["numerator", "denominator"],
                     {"percent": ("numerator", "denominator")})


def locality_years_raw(s: Scope, years: pd.DataFrame, year: int) -> RawTable | None:
    """Each locality's re-referral rate in each usable year up to ``year`` (long table)."""
    if s.flagged["locality"].isna().all():
        return None
    key = s.column("locality").astype(str).to_numpy()
    rows, masks = [], []
    for _, y in years.loc[years["usable"] & (years["year_number"] <= year)].iterrows():
        end = pd.Timestamp(y["year_end"])
        inside = s.known & ((s.dates > end - rr.WINDOW) & (s.dates <= end)).to_numpy()
        for loc in sorted(set(key[inside]) - {"not recorded"}):
            m = inside & (key == loc)
            rows.append({"year": y["year"], "locality": loc})
            masks.append({"rereferrals": m & s.re, "referrals": m})
    if not rows:
        return None
    return raw_table(s.weight, "locality_years", rows, masks, ["referrals", "rereferrals"], RATE)


__all__ = ["ALL_LOCALITIES", "CHARACTERISTIC_TABLES", "CLOSURE_REASONS", "FACTOR_SHARE",
           "FACTOR_TOTAL", "FUNNEL_STAGES", "LEFT_OUT",
           "characteristic_notes", "characteristic_raws", "closure_reason_raw", "early_help_raw", "factors_raw",
           "funnel_raw", "locality_raw", "locality_years_raw", "need_raw", "outcome_raw",
           "previous_outcome_raw", "repeat_raw", "source_raw"]
