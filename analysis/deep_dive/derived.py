"""Tables derived from the deep dive's published (suppressed) tables, never from the
records, so nothing hidden can come back through them: the funnel with its published
percentages (:func:`funnel_table`), the share of re-referrals within 60 days, 3 and 6 months
(:func:`share_within_table`), where each locality sits on the funnel plot
(:func:`funnel_positions`), and the XmR table of the rate over time (:func:`xmr_choice`,
:func:`monthly_xmr`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.errors import ParameterError
from analysis.deep_dive.breakdowns import ALL_LOCALITIES
from analysis.deep_dive.suppression import ratio
from analysis.deep_dive.tables import WITHIN_DAYS
from analysis.engine import suppress


def funnel_table(published: pd.DataFrame, contacts: float | None = None) -> pd.DataFrame:
    """The published funnel with its percentages of referrals and of assessed (published
    with the counts, from the exact counts). ``contacts``: the number of contacts in the
    year when known from elsewhere (referral records and the CIN census hold referrals
    only); adds a first row, with referrals as a percentage of contacts worked out from the
    published (rounded) referrals, so that it cannot give the exact referrals back."""
    shown = dict(zip(published["stage"], published["count"], strict=True))
    n = suppress.number(shown["Referrals"])
    if contacts is not None and (not np.isfinite(contacts) or (not np.isnan(n) and contacts < n)):
        raise ParameterError("contacts must be a number at least the referrals",
                             parameter="contacts", expected=f">= {n:.0f}", found=repr(contacts))
    order = (["Contacts"] if contacts is not None else []) + list(published["stage"])
    if contacts is not None:
        shown["Contacts"] = int(contacts)
    level = dict(zip(published["stage"], published["level"], strict=True))
    referrals = shown["Referrals"]
    of_referrals = dict(zip(published["stage"], published["percent_of_referrals"], strict=True))
    of_assessed = dict(zip(published["stage"], published["percent_of_assessed"], strict=True))
    no_assessed_pct = {"Contacts", "Referrals", "No further action at referral",
                       "Outcome not recorded"}
    out = pd.DataFrame({
        "stage": order,
        "count": pd.Series([shown[k] for k in order], dtype=object),
        "level": [level.get(k, 0) for k in order],
        "percent_of_referrals": pd.Series(
            [np.nan if k == "Contacts" else of_referrals[k] for k in order], dtype=object),
        "percent_of_assessed": pd.Series(
            [np.nan if k in no_assessed_pct else of_assessed[k] for k in order], dtype=object),
        # the bases of the percentages as published, kept for checks, never shown
        **{base: pd.Series([published.set_index("stage")[base].get(k, np.nan) for k in order],
                           dtype=object) for base in ("referrals_base", "assessed_base")},
    })
    if contacts is not None:
        out.loc[out["stage"] == "Referrals", "percent_of_contacts"] = ratio(referrals,
                                                                             shown["Contacts"])
    return out


def period_start(label: str, period: str = "month") -> pd.Timestamp:
    """The first day of a month ("April 2016") or quarter ("Apr-Jun 2016") as labelled in
    the published tables, so a series is put in date order, never in the labels' order."""
    try:
        if period == "month":  # "April 2016", or "2016-04"
            fmt = "%Y-%m" if label[:4].isdigit() else "%B %Y"
            return pd.Timestamp(pd.to_datetime(label, format=fmt))
        _first, last = label.split("-", 1)  # "Apr-Jun 2016": the quarter's last month
        return pd.Timestamp(pd.to_datetime(last, format="%b %Y") - pd.DateOffset(months=2))
    except (ValueError, TypeError):
        raise ParameterError(f"a {period} label is not a {period}", parameter=period,
                             expected=("a month such as April 2016" if period == "month"
                                       else "a quarter such as Apr-Jun 2016"),
                             found=repr(label)) from None


def in_date_order(published: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """``published`` (a monthly or quarterly table) with its rows in date order."""
    starts = [period_start(str(v), period) for v in published[period]]
    order = np.argsort(np.array(starts, dtype="datetime64[ns]"), kind="stable")
    return published.iloc[order].reset_index(drop=True)


def monthly_xmr(published: pd.DataFrame, period: str = "month") -> pd.DataFrame:
    """The XmR table (:func:`analysis.engine.spc.xmr_table`) of a published monthly (or quarterly)
    rate, worked out and returned in date order (the ``period`` column keeps the labels);
    None-free: call only when no rate is suppressed (:func:`xmr_choice`)."""
    from analysis.engine.spc import xmr_table

    ordered = in_date_order(published, period)
    series = pd.DataFrame({"start": [period_start(str(v), period) for v in ordered[period]],
                           "value": [suppress.number(v) for v in ordered["percent"]]})
    out = xmr_table(series, period_col="start", polarity="lower_is_better", shift_length=7,
                    trend_length=6)
    labels = dict(zip(series["start"], ordered[period].astype(str), strict=True))
    out["period"] = [labels[pd.Timestamp(v)] for v in out["period"]]
    return out


def xmr_choice(monthly: pd.DataFrame, quarterly: pd.DataFrame) -> tuple[str | None, str]:
    """Which series the XmR chart uses: months when no month's rate is suppressed, else
    quarters when none of theirs is, else none; with the reason in one line."""
    def usable(t: pd.DataFrame) -> bool:
        return len(t) >= 6 and not any(suppress.is_suppressed(v) for v in t["percent"]) \
            and not t["referrals"].eq(0).any()
    if usable(monthly):
        return "month", ""
    if usable(quarterly):
        return "quarter", ("Some months have too few referrals to show safely, so the chart "
                           "uses quarters.")
    return None, ("The rate over time is not charted: too few referrals in some months and "
                  "quarters to show them safely (or fewer than 6 periods with full history).")


def share_within_table(time_since: pd.DataFrame) -> pd.DataFrame:
    """Share of re-referrals within 60 days, 3 months (91 days) and 6 months (182 days),
    read from the published band table (:func:`time_since_raw`): "c" when hidden."""
    rows = []
    words_for = {60: "60 days", 91: "3 months (91 days)", 182: "6 months (182 days)"}
    for days in WITHIN_DAYS:
        hit = time_since.loc[time_since["max_days"] == days]
        if hit.empty:
            raise ParameterError(f"no band ends at {days} days", parameter="time_since",
                                 expected="the bands of "
                                          "analysis.measures.rereferral_breakdowns.DAY_BANDS")
        r = hit.iloc[0]
        rows.append({"within": words_for.get(days, f"{days} days"), "days": days,
                     "rereferrals": r["cumulative_rereferrals"],
                     "all_rereferrals": r["all_rereferrals"],
                     "percent": r["cumulative_percent"]})
    return pd.DataFrame(rows).astype({"rereferrals": object, "all_rereferrals": object,
                                      "percent": object})


#: What a cell says when the records cannot hold its figure (not a count of 0).
NOT_RECORDED = "not recorded"
#: The first census year (ending 31 March) with a closure reason for early help (RC9).
FIRST_EARLY_HELP_CENSUS = 2023
#: (table, key column, row, cells) that count steps down to early help.
EARLY_HELP_CELLS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("funnel", "stage", "of which stepped down to early help",
     ("count", "percent_of_referrals", "percent_of_assessed")),
    ("previous_outcome", "previous_outcome", "Stepped down to early help",
     ("rereferrals", "percent")),
    ("previous_closure_reason", "code", "RC9", ("rereferrals", "percent")),
)


def early_help_recordable(records_file: Path, year: int) -> bool:
    """Whether the records can say a case was stepped down to early help in the year
    ending 31 March ``year``: an extract can (its outcome ``early_help``); a CIN census
    return only from the 2023 census (closure reason RC9)."""
    census = records_file.is_dir() or records_file.suffix.lower() == ".xml"
    return not census or year >= FIRST_EARLY_HELP_CENSUS


def mark_early_help_not_recorded(tables: dict[str, pd.DataFrame]) -> None:
    """Show the early-help step-down cells as "not recorded" (not 0) in ``tables``."""
    for name, key, row, cells in EARLY_HELP_CELLS:
        if name not in tables or key not in tables[name]:
            continue
        t = tables[name]
        hit = t[key].astype(str) == row
        for col in cells:
            if col in t:
                t[col] = t[col].astype(object)
                t.loc[hit, col] = NOT_RECORDED


#: Words for where a locality sits on the funnel plot (never the raw flag codes).
FUNNEL_WORDS: dict[str, str] = {
    "inside": "Within the 95% limits", "above_95": "Above the 95% limit",
    "below_95": "Below the 95% limit", "above_99_8": "Above the 99.8% limit",
    "below_99_8": "Below the 99.8% limit", "suppressed": "Not shown (small numbers)", "": "",
}


def funnel_positions(localities: pd.DataFrame) -> list[str]:
    """Where each published locality sits against the 95% and 99.8% limits around the
    all-localities rate, in words (:data:`FUNNEL_WORDS`)."""
    from analysis.engine.funnel_limits import funnel_flags

    overall = suppress.number(localities.loc[localities["locality"] == ALL_LOCALITIES,
                                             "percent"].iloc[0])
    out = []
    for _, r in localities.iterrows():
        v, d = suppress.number(r["percent"]), suppress.number(r["denominator"])
        if r["locality"] == ALL_LOCALITIES:
            out.append("")
        elif np.isnan(v) or np.isnan(d) or np.isnan(overall):
            out.append(FUNNEL_WORDS["suppressed"])
        else:
            out.append(FUNNEL_WORDS.get(str(funnel_flags(v, d, overall)),
                                        str(funnel_flags(v, d, overall))))
    return out


__all__ = [
    "EARLY_HELP_CELLS",
    "FIRST_EARLY_HELP_CENSUS",
    "FUNNEL_WORDS",
    "NOT_RECORDED",
    "early_help_recordable",
    "funnel_positions",
    "funnel_table",
    "in_date_order",
    "mark_early_help_not_recorded",
    "monthly_xmr",
    "period_start",
    "share_within_table",
    "xmr_choice",
]
