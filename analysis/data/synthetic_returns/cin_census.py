"""Deterministic SYNTHETIC CIN census returns for one made-up LA ("Synthetic LA", LA code
999, which no English LA has), Doncaster-sized, for demos and tests. Nothing here is real.

The referrals come from :func:`analysis.data.synthetic.generate_referrals` (about 5,300 a
year, about 27% re-referred within 12 months, about 3% no further action); this module
gives each child characteristics and each referral the rest of its journey, drawn with a
seeded numpy generator (same seed, same records):

* an assessment for every referral that was not NFA and not closed without one, started
  0-3 days after the referral and authorised after a skewed number of days (most within 45
  working days of the referral), never after the case closed;
* a section 47 enquiry for every referral that led to a child protection plan and for 12%
  of the other assessed ones (those say no conference was required), started during the
  assessment; its initial conference target is 15 working days on, the conference 5-25
  days after the enquiry started;
* a child protection plan from the conference, most lasting 60-380 days and about 3.5%
  two to three years, ending at the latest when the child's next plan starts (the case
  stays open at least until the plan ends), with the number
  of the child's earlier plans (``NumberOfPreviousCPP``: 0 for a first plan): the plans
  the LA's own records hold before it, and for about one child in six, plans before the
  records begin or in another LA, which only the count shows (so about a fifth of plans
  are second or subsequent, as Doncaster's 17-30%);
* a CIN plan from the assessment's authorisation for children assessed in need (the
  census holds CIN plan dates from 2022);
* 10% of child protection plans of children under 17 end because the child enters care
  (for the SSDA903 generator, :mod:`analysis.data.synthetic_returns.ssda903`).

:func:`synthetic_cin_records` returns the tables in the staged shape of
:mod:`analysis.data.returns.cin_census` (every record that any census year between
``first_year`` and ``last_year`` holds) and the children who enter care;
:func:`analysis.data.synthetic_returns.cin_census_xml.write_cin_returns` writes them as one
XML return a year.

A first plan is written ``<NumberOfPreviousCPP>0</NumberOfPreviousCPP>``, as DfE's
validation rule 8730 has it (present on every plan, 0 or more); the toolkit reads the
shipped XSDs with that one type widened from a positive to a non-negative integer
(:func:`analysis.data.readers.cin_xml_schema.schema_text`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.core.errors import ParameterError
from analysis.data.schemas.referrals import REFERRAL_SOURCES
from analysis.data.synthetic import generate_referrals

__all__ = ["SYNTHETIC_LA_CODE", "SYNTHETIC_LA_NAME", "SyntheticCin", "synthetic_cin_records"]

#: The made-up LA: a three-digit code (the XSD's pattern) that no English LA has.
SYNTHETIC_LA_CODE = "999"
SYNTHETIC_LA_NAME = "Synthetic LA"

#: ReferralSource label -> code (the tidy referral table keeps labels).
_SOURCE_CODE = {label: code for code, label in REFERRAL_SOURCES.items()}
ETHNICITY: dict[str, float] = {
    "WBRI": 0.86, "WOTH": 0.03, "WIRT": 0.005, "MWBC": 0.02, "MOTH": 0.01, "APKN": 0.02,
    "AOTH": 0.005, "BAFR": 0.01, "BOTH": 0.005, "OOTH": 0.005, "NOBT": 0.03}
DISABILITY: dict[str, float] = {"AUT": 0.35, "LD": 0.25, "BEH": 0.15, "COMM": 0.15, "MOB": 0.10}
CATEGORY: dict[str, float] = {"NEG": 0.48, "EMO": 0.36, "PHY": 0.08, "SAB": 0.04, "MUL": 0.04}
#: Share of assessed referrals without a plan that still get a section 47 enquiry.
EXTRA_S47 = 0.12
#: Share of child protection plans that end with the child entering care.
INTO_CARE = 0.10
#: Share of child protection plans lasting two years or more (730 to 1,100 days); the
#: others last 60 to 380 days.
LONG_PLANS = 0.035
#: Share of children with child protection plans before the LA's records begin or in
#: another LA (one such plan, or two for a fifth of them): the return's count shows them.
PLANS_ELSEWHERE = 0.13
#: Share of assessed re-referrals of a child who has had a plan here that lead to another
#: plan (a child protection plan for a second or subsequent time seen in the LA's files).
REPEAT_PLAN = 0.4
#: The first census year whose schema has CINPlanDates.
CIN_PLAN_YEAR = 2022


@dataclass(frozen=True)
class SyntheticCin:
    """The synthetic records in the staged tables' shape (without census_year and
    source_file) and the children who enter care."""

    children: pd.DataFrame
    episodes: pd.DataFrame
    assessments: pd.DataFrame
    plans: pd.DataFrame
    s47: pd.DataFrame
    cp_plans: pd.DataFrame
    entered_care: pd.DataFrame


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def _days(n: np.ndarray | int) -> np.ndarray:
    return np.asarray(n).astype("timedelta64[D]")


def _children(rng: np.random.Generator, refs: pd.DataFrame) -> pd.DataFrame:
    first = refs.groupby("child_id", sort=True)["referral_date"].min()
    n = len(first)
    first_day = first.to_numpy().astype("datetime64[D]")
    age_days = (rng.beta(1.1, 1.6, n) * 17.5 * 365.25).astype(int)
    birth = first_day - _days(age_days)
    unborn = rng.random(n) < 0.03  # referred before birth
    birth = np.where(unborn, first_day + _days(rng.integers(10, 120, n)), birth)
    disabled = rng.random(n) < 0.08
    return pd.DataFrame({
        "la_child_id": first.index.astype(str),
        "birth_date": birth,
        "gender": np.where(rng.random(n) < 0.51, "1", "2"),
        "ethnicity": _pick(rng, ETHNICITY, n),
        "disabilities": np.where(disabled, _pick(rng, DISABILITY, n), "NONE"),
    })


def _repeat_plans(rng: np.random.Generator, ep: pd.DataFrame) -> pd.Series:
    """The referrals' outcomes with :data:`REPEAT_PLAN` of the assessed re-referrals of a
    child who has had a child protection plan turned into another plan."""
    order = ep.sort_values(["la_child_id", "referral_date"], kind="stable")
    outcome = order["assessment_outcome"]
    had_plan = (outcome == "cp_plan").astype(int).groupby(order["la_child_id"]).cumsum() \
        - (outcome == "cp_plan").astype(int)
    again = (had_plan > 0) & outcome.isin(["cin_plan", "not_in_need"]) \
        & (rng.random(len(order)) < REPEAT_PLAN)
    return outcome.mask(again, "cp_plan").reindex(ep.index)


def _assessments(rng: np.random.Generator, ep: pd.DataFrame, data_end: np.datetime64
                 ) -> pd.DataFrame:
    outcome = ep["assessment_outcome"].to_numpy(dtype=object)
    assessed = ~ep["referral_nfa"].to_numpy() & (outcome != "no_assessment")
    a = ep.loc[assessed, ["episode_id", "la_child_id", "referral_date", "closure_date",
                          "assessment_outcome", "assessment_factors"]].reset_index(drop=True)
    n = len(a)
    ref = a["referral_date"].to_numpy().astype("datetime64[D]")
    close = a["closure_date"].to_numpy().astype("datetime64[D]")
    start = ref + _days(rng.integers(0, 4, n))
    start = np.where(np.isnat(close) | (start <= close), start, close)
    took = np.round(rng.gamma(3.0, 14.0, n)).astype(int) + 1  # ~1 in 6 over 45 working days
    auth = start + _days(took)
    auth = np.where(np.isnat(close) | (auth <= close), auth, close)
    done = a["assessment_outcome"].notna().to_numpy() & (auth <= data_end)
    a["start_date"] = start
    a["authorisation_date"] = np.where(done, auth, np.datetime64("NaT"))
    a["factors"] = np.where(done, a["assessment_factors"].str.replace(";", ","), None)
    return a


def _s47(rng: np.random.Generator, asm: pd.DataFrame) -> pd.DataFrame:
    cp = (asm["assessment_outcome"] == "cp_plan").to_numpy()
    extra = ~cp & (rng.random(len(asm)) < EXTRA_S47) & asm["assessment_outcome"].notna().to_numpy()
    s = asm.loc[cp | extra].reset_index(drop=True)
    n = len(s)
    is_cp = (s["assessment_outcome"] == "cp_plan").to_numpy()
    a_start = s["start_date"].to_numpy().astype("datetime64[D]")
    close = s["closure_date"].to_numpy().astype("datetime64[D]")
    start = a_start + _days(rng.integers(0, 8, n))
    start = np.where(np.isnat(close) | (start <= close), start, close)
    target = np.busday_offset(start, 15, roll="forward")
    icpc = start + _days(rng.integers(5, 26, n))
    return pd.DataFrame({
        "episode_id": s["episode_id"], "la_child_id": s["la_child_id"], "start_date": start,
        "icpc_target_date": target,
        "icpc_date": np.where(is_cp, icpc, np.datetime64("NaT")),
        "icpc_not_required": ~is_cp,
        "closure_date": close,
    })


def plans_elsewhere(rng: np.random.Generator, children: pd.Series) -> pd.Series:
    """Each child's plans before the LA's records begin or in another LA (0, 1 or 2), the
    same for all of a child's plans."""
    ids = pd.Index(children.unique()).sort_values()
    had = rng.random(len(ids)) < PLANS_ELSEWHERE
    count = np.where(had, np.where(rng.random(len(ids)) < 0.2, 2, 1), 0)
    return pd.Series(count, index=ids)


def _cp_plans(rng: np.random.Generator, s47: pd.DataFrame) -> pd.DataFrame:
    p = s47.loc[s47["icpc_date"].notna()].sort_values(["la_child_id", "icpc_date"])
    p = p.reset_index(drop=True)
    n = len(p)
    start = p["icpc_date"].to_numpy().astype("datetime64[D]")
    initial = _pick(rng, CATEGORY, n)
    changed = rng.random(n) < 0.10
    long_plan = rng.random(n) < LONG_PLANS
    days = np.where(long_plan, rng.integers(730, 1101, n), rng.integers(60, 381, n))
    seen = p.groupby("la_child_id").cumcount().to_numpy()  # this LA's earlier plans
    elsewhere = p["la_child_id"].map(plans_elsewhere(rng, p["la_child_id"])).to_numpy()
    # a plan ends at the latest when the child's next plan starts (one plan at a time)
    following = p.groupby("la_child_id")["icpc_date"].shift(-1).to_numpy().astype("datetime64[D]")
    end = start + _days(days)
    cut = ~np.isnat(following) & (following < end)
    end = np.where(cut, np.maximum(following, start + _days(1)), end)
    return pd.DataFrame({
        "episode_id": p["episode_id"], "la_child_id": p["la_child_id"], "start_date": start,
        "end_date": end,
        "initial_category": initial,
        "latest_category": np.where(changed, _pick(rng, CATEGORY, n), initial),
        "previous_plans": seen + elsewhere,
        "into_care": (rng.random(n) < INTO_CARE) & ~cut,
    })


def synthetic_cin_records(seed: int = 2019, first_year: int = 2019, last_year: int = 2023
                          ) -> SyntheticCin:
    """Synthetic CIN census records for the census years ``first_year`` to ``last_year``
    (each ending 31 March), with a year of history before the first."""
    if not (2017 <= first_year <= last_year <= 2024):
        raise ParameterError("census years must lie within the shipped schemas",
                             parameter="first_year, last_year", expected="2017 <= first <= last <= 2024",
                             found=f"{first_year}, {last_year}")
    rng = np.random.default_rng(seed)
    data_end = np.datetime64(f"{last_year}-03-31")
    refs = generate_referrals(seed=seed, start=f"{first_year - 2}-04-01", end=f"{last_year}-03-31")
    children = _children(rng, refs)
    ep = refs.rename(columns={"child_id": "la_child_id"}).copy()
    ep["episode_id"] = (ep["la_child_id"] + "/" + ep["referral_date"].dt.strftime("%Y-%m-%d")
                        + "/1")
    ep["assessment_outcome"] = _repeat_plans(rng, ep)
    asm = _assessments(rng, ep, data_end)
    asm = asm.loc[asm["start_date"] <= data_end].reset_index(drop=True)
    s47 = _s47(rng, asm)
    s47 = s47.loc[s47["start_date"] <= data_end].reset_index(drop=True)
    s47.loc[s47["icpc_date"] > data_end, "icpc_date"] = pd.NaT
    cpp = _cp_plans(rng, s47)
    # the case stays open until its plan has ended; a plan ending after the data's end is open
    plan_end = cpp.groupby("episode_id")["end_date"].max()
    close = ep["closure_date"].to_numpy().astype("datetime64[D]")
    last_plan = ep["episode_id"].map(plan_end).to_numpy().astype("datetime64[D]")
    later = ~np.isnat(last_plan) & ~np.isnat(close) & (last_plan > close)
    close = np.where(later, last_plan + _days(rng.integers(0, 30, len(ep))), close)
    close = np.where(close > data_end, np.datetime64("NaT"), close)
    ep["closure_date"] = close
    ep["closure_reason"] = np.where(np.isnat(close), None,
                                    ep["closure_reason"].fillna("RC7").to_numpy(dtype=object))
    cpp.loc[cpp["end_date"] > pd.Timestamp(data_end), "end_date"] = pd.NaT
    cpp.loc[cpp["end_date"].isna(), "into_care"] = False
    in_need = (asm["assessment_outcome"] == "cin_plan") & asm["authorisation_date"].notna()
    plans = asm.loc[in_need, ["episode_id", "la_child_id", "authorisation_date"]].rename(
        columns={"authorisation_date": "start_date"})
    plans["end_date"] = plans["episode_id"].map(ep.set_index("episode_id")["closure_date"])
    ep["referral_source"] = ep["referral_source"].map(_SOURCE_CODE).fillna("10")
    ep = ep.rename(columns={"primary_need": "primary_need", "closure_reason": "reason_for_closure"})
    return _in_returns(children, ep, asm, plans, s47, cpp, first_year)


def _in_returns(children: pd.DataFrame, ep: pd.DataFrame, asm: pd.DataFrame,
                plans: pd.DataFrame, s47: pd.DataFrame, cpp: pd.DataFrame, first_year: int
                ) -> SyntheticCin:
    """Keep the records some census year holds: episodes open on or after 1 April of the
    first year, and what belongs to them."""
    start = pd.Timestamp(first_year - 1, 4, 1)
    keep = ep["closure_date"].isna() | (ep["closure_date"] >= start)
    ep = ep.loc[keep].reset_index(drop=True)
    ids = set(ep["episode_id"])

    def own(df: pd.DataFrame) -> pd.DataFrame:  # isin on Python strings: fast
        return df.loc[df["episode_id"].astype(object).isin(ids)].reset_index(drop=True)

    asm, plans, s47, cpp = own(asm), own(plans), own(s47), own(cpp)
    # CIN plan dates are in the returns from 2022: plans of episodes open since 1 April 2021
    plan_from = pd.Timestamp(max(first_year, CIN_PLAN_YEAR) - 1, 4, 1)
    open_then = set(ep.loc[ep["closure_date"].isna() | (ep["closure_date"] >= plan_from),
                           "episode_id"])
    plans = plans.loc[plans["episode_id"].astype(object).isin(open_then)].reset_index(drop=True)
    children = children.loc[children["la_child_id"].astype(object).isin(set(ep["la_child_id"]))]
    care = cpp.loc[cpp["into_care"]].merge(children, on="la_child_id")
    # children enter care before 17 (the SSDA903 journeys need time before 18) and once born
    care = care.loc[(care["end_date"] < care["birth_date"] + pd.DateOffset(years=17))
                    & (care["end_date"] > care["birth_date"])]
    entered = care.rename(columns={"end_date": "date_entered_care"})[
        ["la_child_id", "birth_date", "gender", "ethnicity", "date_entered_care"]]
    return SyntheticCin(
        children=children.reset_index(drop=True),
        episodes=ep[["episode_id", "la_child_id", "referral_date", "referral_source",
                     "primary_need", "closure_date", "reason_for_closure", "referral_nfa"]],
        assessments=asm[["episode_id", "la_child_id", "start_date", "authorisation_date",
                         "factors"]],
        plans=plans[["episode_id", "la_child_id", "start_date", "end_date"]],
        s47=s47[["episode_id", "la_child_id", "start_date", "icpc_target_date", "icpc_date",
                 "icpc_not_required"]],
        cp_plans=cpp[["episode_id", "la_child_id", "start_date", "end_date", "initial_category",
                      "latest_category", "previous_plans"]],
        # a child enters care once here (its first plan ending in care); the SSDA903
        # generator carries the journey on from there
        entered_care=entered.sort_values(["date_entered_care", "la_child_id"])
        .drop_duplicates("la_child_id").reset_index(drop=True),
    )
