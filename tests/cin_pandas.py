"""A second implementation of the CIN census measures, in pandas, written apart from the SQL
(from the definitions in docs/methods/measures-from-returns.md) to check it."""

from __future__ import annotations

import datetime as dt

import holidays
import numpy as np
import pandas as pd

HOLIDAYS = np.array(sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(2005, 2035))),
                    dtype="datetime64[D]")


def working_days(start: pd.Series, end: pd.Series) -> np.ndarray:
    s = pd.to_datetime(start).to_numpy().astype("datetime64[D]") + 1
    e = pd.to_datetime(end).to_numpy().astype("datetime64[D]") + 1
    return np.busday_count(s, e, holidays=HOLIDAYS)


def first_day(period_end: dt.date) -> pd.Timestamp:
    return pd.Timestamp(period_end) - pd.DateOffset(years=1) + pd.Timedelta(days=1)


def one_version(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    out = df.sort_values("census_year").drop_duplicates(key, keep="last").copy()
    for c in out.columns:
        if c.endswith("_date"):
            out[c] = pd.to_datetime(out[c])
    return out


def referrals(episodes: pd.DataFrame) -> pd.DataFrame:
    ep = one_version(episodes, ["episode_id"])
    ep["n"] = ep["episode_id"].str.rsplit("/", n=1).str[-1].astype(int)
    return ep.sort_values(["la_child_id", "referral_date", "n"]).drop_duplicates(
        ["la_child_id", "referral_date"], keep="first")


def in_window(s: pd.Series, period_end: dt.date) -> pd.Series:
    return (s >= first_day(period_end)) & (s <= pd.Timestamp(period_end))


def referral_counts(episodes: pd.DataFrame, period_end: dt.date) -> dict[str, int]:
    ref = referrals(episodes).sort_values(["la_child_id", "referral_date"])
    ref["previous"] = ref.groupby("la_child_id")["referral_date"].shift()
    anniversary = [p + pd.DateOffset(months=12) if pd.notna(p) else pd.NaT for p in ref["previous"]]
    ref["re"] = ref["referral_date"] <= pd.Series(anniversary, index=ref.index)
    win = ref[in_window(ref["referral_date"], period_end)]
    return {"referrals": len(win), "re": int(win["re"].sum()),
            "nfa": int(win["referral_nfa"].astype(bool).sum())}


def assessments(assess: pd.DataFrame, period_end: dt.date) -> tuple[int, int]:
    a = one_version(assess, ["episode_id", "start_date"])
    a = a[in_window(a["authorisation_date"], period_end) & (a["authorisation_date"] >= a["start_date"])]
    return len(a), int((working_days(a["start_date"], a["authorisation_date"]) <= 45).sum())


def s47(table: pd.DataFrame, period_end: dt.date) -> dict[str, int]:
    s = one_version(table, ["episode_id", "start_date"])
    held = s[in_window(s["icpc_date"], period_end)]
    timed = held[held["icpc_date"] >= held["start_date"]]
    return {"started": int(in_window(s["start_date"], period_end).sum()), "held": len(held),
            "timed": len(timed),
            "within": int((working_days(timed["start_date"], timed["icpc_date"]) <= 15).sum())}


def open_at(start: pd.Series, end: pd.Series, day: dt.date) -> pd.Series:
    t = pd.Timestamp(day)
    return (start <= t) & (end.isna() | (end > t))


def children_in_need(episodes: pd.DataFrame, day: dt.date) -> int:
    ep = one_version(episodes, ["episode_id"])
    return int(ep.loc[open_at(ep["referral_date"], ep["closure_date"], day), "la_child_id"].nunique())


def plans(cp: pd.DataFrame, period_end: dt.date) -> dict[str, int]:
    p = one_version(cp, ["la_child_id", "start_date"]).sort_values(["la_child_id", "start_date"])
    p["earlier"] = p.groupby("la_child_id").cumcount()
    two_years = p["start_date"] + pd.DateOffset(years=2)
    now = open_at(p["start_date"], p["end_date"], period_end)
    ended = in_window(p["end_date"], period_end)
    started = in_window(p["start_date"], period_end)
    second = (p["previous_plans"].fillna(0) > 0) | (p["earlier"] > 0)
    return {"children": int(p.loc[now, "la_child_id"].nunique()), "open": int(now.sum()),
            "open_2y": int((now & (two_years <= pd.Timestamp(period_end))).sum()),
            "ended": int(ended.sum()), "ended_2y": int((ended & (two_years <= p["end_date"])).sum()),
            "started": int(started.sum()), "second": int((started & second).sum())}
