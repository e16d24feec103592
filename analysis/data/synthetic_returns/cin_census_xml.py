"""Write the SYNTHETIC CIN census records of
:func:`analysis.data.synthetic_returns.cin_census.synthetic_cin_records` as one XML return
a census year (``synthetic_cin_census_<year>.xml``), each valid against its year's XSD.

A year's return holds, as DfE's guide asks, every referral (CINdetails) open at some time
between 1 April and 31 March: referred by 31 March and not closed before 1 April, with
what belongs to it (assessments, CIN plan dates from 2022, section 47 enquiries, child
protection plans) up to 31 March; dates after 31 March are not yet known to that return.
The header's ``DateTime`` (15 May after the year) dates the return.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analysis.core.atomic import atomic_path
from analysis.data.synthetic_returns.cin_census import (
    CIN_PLAN_YEAR,
    SYNTHETIC_LA_CODE,
    SyntheticCin,
)

__all__ = ["return_file_name", "write_cin_returns"]

def return_file_name(year: int) -> str:
    return f"synthetic_cin_census_{year}.xml"


def _d(value: object) -> str | None:
    """A date as YYYY-MM-DD (kept as it is when already text, see :func:`_dates_as_text`), or
    None for a missing one."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _dates_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its date columns as YYYY-MM-DD text (missing: None), formatted at once
    rather than one value at a time; ``start_date`` is kept as a date for sorting too."""
    out = df.copy()
    for col in out.columns:
        if col.endswith("_date") or col == "birth_date":
            text = pd.to_datetime(out[col]).dt.strftime("%Y-%m-%d")
            out[col + ("_text" if col == "start_date" else "")] = \
                text.astype(object).where(text.notna(), None)
    return out


def _among(column: pd.Series, ids: set[str]) -> pd.Series:
    """``column.isin(ids)`` on plain Python strings (much faster than on Arrow strings)."""
    return column.astype(object).isin(ids)


def _el(tag: str, value: object) -> str:
    return "" if value is None else f"<{tag}>{value}</{tag}>"


def _upto(df: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Records started by ``end``, dates after it blanked (not yet known; a conference's
    target date is known from the enquiry's start)."""
    df = df.loc[df["start_date"] <= end].copy()
    for col in df.columns:
        if col.endswith("_date") and col not in ("start_date", "icpc_target_date"):
            df.loc[df[col] > end, col] = pd.NaT
    return df


def _by_episode(df: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    df = _dates_as_text(df.sort_values(["episode_id", "start_date"]))
    if "start_date_text" in df.columns:
        df["start_date"] = df.pop("start_date_text")
    for rec in df.to_dict("records"):
        out[rec["episode_id"]].append(rec)
    return out


def _assessment(a: dict) -> str:
    auth = _d(a["authorisation_date"])
    factors = "".join(_el("AssessmentFactors", f) for f in str(a["factors"]).split(",")) \
        if auth and isinstance(a["factors"], str) and a["factors"] else ""
    return ("<Assessments>" + _el("AssessmentActualStartDate", _d(a["start_date"]))
            + _el("AssessmentAuthorisationDate", auth)
            + (f"<FactorsIdentifiedAtAssessment>{factors}</FactorsIdentifiedAtAssessment>"
               if factors else "") + "</Assessments>")


def _s47(s: dict) -> str:
    return ("<Section47>" + _el("S47ActualStartDate", _d(s["start_date"]))
            + _el("InitialCPCtarget", _d(s["icpc_target_date"]))
            + _el("DateOfInitialCPC", _d(s["icpc_date"]))
            + _el("ICPCnotRequired", "true" if s["icpc_not_required"] else "false")
            + "</Section47>")


def _cp_plan(p: dict) -> str:
    return ("<ChildProtectionPlans>" + _el("CPPstartDate", _d(p["start_date"]))
            + _el("CPPendDate", _d(p["end_date"]))
            + _el("InitialCategoryOfAbuse", p["initial_category"])
            + _el("LatestCategoryOfAbuse", p["latest_category"])
            + _el("NumberOfPreviousCPP", int(p["previous_plans"]))
            + "</ChildProtectionPlans>")


def _details(e: dict, parts: dict[str, dict[str, list[dict]]], year: int) -> str:
    key = e["episode_id"]
    closed = _d(e["closure_date"])
    icpcs = [s["icpc_date"] for s in parts["s47"].get(key, []) if pd.notna(s["icpc_date"])]
    need = e["primary_need"] if isinstance(e["primary_need"], str) else None
    plans = "".join("<CINPlanDates>" + _el("CINPlanStartDate", _d(p["start_date"]))
                    + _el("CINPlanEndDate", _d(p["end_date"])) + "</CINPlanDates>"
                    for p in parts["plans"].get(key, [])) if year >= CIN_PLAN_YEAR else ""
    return ("<CINdetails>" + _el("CINreferralDate", _d(e["referral_date"]))
            + _el("ReferralSource", e["referral_source"]) + _el("PrimaryNeedCode", need)
            + _el("CINclosureDate", closed)
            + _el("ReasonForClosure", e["reason_for_closure"] if closed else None)
            + _el("DateOfInitialCPC", _d(min(icpcs)) if icpcs else None)
            + "".join(_assessment(a) for a in parts["assessments"].get(key, []))
            + plans + "".join(_s47(s) for s in parts["s47"].get(key, []))
            + _el("ReferralNFA", "true" if e["referral_nfa"] else "false")
            + "".join(_cp_plan(p) for p in parts["cp_plans"].get(key, []))
            + "</CINdetails>")


def _child(c: dict, episodes: Iterable[dict], parts: dict[str, dict[str, list[dict]]],
           year: int, end: pd.Timestamp) -> str:
    born = pd.Timestamp(c["birth_date"]) <= end
    birth = _d(c["birth_date"])
    disabilities = "".join(_el("Disability", d) for d in str(c["disabilities"]).split(","))
    return ("<Child><ChildIdentifiers>" + _el("LAchildID", c["la_child_id"])
            + _el("PersonBirthDate", birth if born else None)
            + _el("ExpectedPersonBirthDate", None if born else birth)
            + _el("GenderCurrent", c["gender"] if born else "0")
            + "</ChildIdentifiers><ChildCharacteristics>" + _el("Ethnicity", c["ethnicity"])
            + f"<Disabilities>{disabilities}</Disabilities></ChildCharacteristics>"
            + "".join(_details(e, parts, year) for e in episodes) + "</Child>\n")


def write_return(records: SyntheticCin, year: int, path: Path,
                 la_code: str = SYNTHETIC_LA_CODE) -> Path:
    """Write census year ``year``'s return (ending 31 March ``year``) to ``path``."""
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    ep = records.episodes
    ep = ep.loc[(ep["referral_date"] <= end)
                & (ep["closure_date"].isna() | (ep["closure_date"] >= start))].copy()
    ep.loc[ep["closure_date"] > end, ["closure_date", "reason_for_closure"]] = [pd.NaT, None]
    ids = set(ep["episode_id"])
    parts = {name: _by_episode(_upto(df.loc[_among(df["episode_id"], ids)], end))
             for name, df in (("assessments", records.assessments), ("plans", records.plans),
                              ("s47", records.s47), ("cp_plans", records.cp_plans))}
    by_child: dict[str, list[dict]] = defaultdict(list)
    for e in _dates_as_text(ep.sort_values(["la_child_id", "referral_date"])).to_dict("records"):
        by_child[e["la_child_id"]].append(e)
    kids = records.children.loc[_among(records.children["la_child_id"], set(by_child))]
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n<Header><CollectionDetails>'
        f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{year}-03-31"
        "</ReferenceDate></CollectionDetails><Source><SourceLevel>L</SourceLevel>"
        f"<LEA>{la_code}</LEA><SoftwareCode>csc-benchmarks SYNTHETIC</SoftwareCode>"
        f"<Release>1</Release><SerialNo>001</SerialNo><DateTime>{year}-05-15T09:00:00"
        "</DateTime></Source></Header>\n<Children>\n")
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        fh.write(header)
        for c in kids.sort_values("la_child_id").to_dict("records"):
            fh.write(_child(c, by_child[c["la_child_id"]], parts, year, end))
        fh.write("</Children>\n</Message>\n")
    return path


def write_cin_returns(records: SyntheticCin, folder: str | Path, years: Iterable[int],
                      la_code: str = SYNTHETIC_LA_CODE) -> list[Path]:
    """Write one return per census year into ``folder``; the paths written."""
    out = Path(folder)
    return [write_return(records, y, out / return_file_name(y), la_code) for y in years]
