"""Write referral records as a DfE children in need (CIN) census XML return, valid against
the year's XSD (used by the synthetic data, :mod:`analysis.data.synthetic`). Reading a return
is :mod:`analysis.data.readers.cin_xml`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from types import SimpleNamespace
from xml.sax.saxutils import escape

import pandas as pd

from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.data.readers.cin_xml_schema import xsd_path, xsd_schema
from analysis.data.schemas.referrals import source_code

__all__ = ["census_records", "write_cin_xml"]


def _enumerations(year: int, xsd_dir: str | Path | None) -> dict[str, set[str]]:
    s = xsd_schema(str(xsd_path(year, xsd_dir)))
    names = {"source": "referralsourcetype", "need": "primaryneedcodetype",
             "reason": "reasonforclosuretype", "factor": "assessmentfactorstype"}
    return {k: set(s.types[v].enumeration) for k, v in names.items()}


def _check_codes(df: pd.DataFrame, year: int, xsd_dir: str | Path | None) -> None:
    enum = _enumerations(year, xsd_dir)
    checks = {
        "referral_source": (df["referral_source"].map(source_code), enum["source"]),
        "primary_need": (df["primary_need"], enum["need"]),
        "closure_reason": (df["closure_reason"], enum["reason"]),
    }
    for col, (values, allowed) in checks.items():
        bad = values.notna() & ~values.isin(allowed)
        if bad.any():
            raise InputDataError(f"code not allowed in the {year} CIN census", column=col,
                                 rows=(df.index[bad] + 1).tolist(),
                                 expected=", ".join(sorted(allowed)),
                                 found=", ".join(sorted(set(values[bad].astype(str)))))
    factors = df["assessment_factors"].dropna().astype(str).str.split(";").explode()
    bad = factors[~factors.isin(enum["factor"])]
    if len(bad):
        raise InputDataError(f"assessment factor not allowed in the {year} CIN census",
                             column="assessment_factors",
                             rows=sorted({int(i) + 1 for i in bad.index}),
                             found=", ".join(sorted(set(bad))),
                             expected="codes from that year's schema")


def _el(parent: ET.Element, tag: str, text: object | None = None) -> ET.Element:
    e = ET.SubElement(parent, tag)
    if text is not None:
        e.text = text if isinstance(text, str) else str(text)
    return e


def _d(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


def _cin_details(child: ET.Element, r, year: int, start: pd.Timestamp, end: pd.Timestamp
                 ) -> None:
    ref: pd.Timestamp = r.referral_date
    closure = r.closure_date if pd.notna(r.closure_date) and r.closure_date <= end else None
    outcome = r.assessment_outcome if isinstance(r.assessment_outcome, str) else None
    nfa = bool(r.referral_nfa)
    reason = r.closure_reason if closure is not None and isinstance(r.closure_reason, str) \
        else None
    if closure is not None and reason is None:
        reason = "RC8" if nfa or outcome in ("not_in_need", "early_help") else "RC7"
    if outcome == "early_help" and reason == "RC9" and year < 2023:
        reason = "RC8"
    if outcome == "early_help" and reason == "RC8" and year >= 2023:
        reason = "RC9"
    d = _el(child, "CINdetails")
    _el(d, "CINreferralDate", _d(ref))
    _el(d, "ReferralSource", source_code(r.referral_source))
    if isinstance(r.primary_need, str):
        _el(d, "PrimaryNeedCode", r.primary_need)
    if closure is not None:
        _el(d, "CINclosureDate", _d(closure))
        _el(d, "ReasonForClosure", reason)

    def by_end(days: int) -> pd.Timestamp | None:
        t = ref + pd.Timedelta(days=days)
        if closure is not None and t > closure:
            t = closure
        return t if t <= end else None

    assessed = not nfa and outcome != "no_assessment"
    icpc = by_end(15) if outcome == "cp_plan" else None
    if icpc is not None:
        _el(d, "DateOfInitialCPC", _d(icpc))
    if assessed:
        a_start = by_end(1)
        if a_start is not None:
            a = _el(d, "Assessments")
            _el(a, "AssessmentActualStartDate", _d(a_start))
            auth = by_end(20) if outcome is not None else None
            if auth is not None:
                _el(a, "AssessmentAuthorisationDate", _d(auth))
                if isinstance(r.assessment_factors, str) and r.assessment_factors:
                    f = _el(a, "FactorsIdentifiedAtAssessment")
                    for code in r.assessment_factors.split(";"):
                        _el(f, "AssessmentFactors", code)
            if outcome == "cin_plan" and year >= 2022 and auth is not None:
                p = _el(d, "CINPlanDates")
                _el(p, "CINPlanStartDate", _d(auth))
                if closure is not None:
                    _el(p, "CINPlanEndDate", _d(closure))
    if outcome == "cp_plan" and by_end(2) is not None:
        s = _el(d, "Section47")
        _el(s, "S47ActualStartDate", _d(by_end(2)))
        if icpc is not None:
            _el(s, "DateOfInitialCPC", _d(icpc))
        _el(s, "ICPCnotRequired", "false")
    _el(d, "ReferralNFA", "true" if nfa else "false")
    if icpc is not None:
        c = _el(d, "ChildProtectionPlans")
        _el(c, "CPPstartDate", _d(icpc))
        if closure is not None:
            _el(c, "CPPendDate", _d(closure))
        _el(c, "InitialCategoryOfAbuse", "NEG")
        _el(c, "LatestCategoryOfAbuse", "NEG")
        _el(c, "NumberOfPreviousCPP", "1")


def census_records(records: pd.DataFrame, year: int) -> pd.DataFrame:
    """The referrals a census year's return holds: referred in the year ending 31 March
    ``year``, or referred earlier and still open on 1 April ``year - 1``."""
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    ref = pd.to_datetime(records["referral_date"])
    clo = pd.to_datetime(records["closure_date"])
    keep = (ref <= end) & ((ref >= start) | clo.isna() | (clo >= start))
    return records.loc[keep]


def write_cin_xml(records: pd.DataFrame, path: str | Path, year: int, *,
                  la_code: str = "371", xsd_dir: str | Path | None = None,
                  check_codes: bool = True) -> Path:
    """Write referral records as a CIN census XML return for ``year`` (ending 31 March).

    Holds the referrals of :func:`census_records`; closures after 31 March are left out
    (the case was open at census date). Assessment, plan and conference dates are made up
    from the referral date (assessment started the next day and authorised 20 days on),
    since the tidy table does not keep them. Children get GenderCurrent 0 and Ethnicity
    NOBT, as no characteristics are kept. The file is written element by element.
    Codes are checked against the year's XSD first (``check_codes``).
    """
    path = Path(path)
    if not isinstance(year, int) or year < 2000:
        raise ParameterError("year must be a census year", parameter="year",
                             expected="an integer such as 2017", found=repr(year))
    recs = census_records(records, year).reset_index(drop=True)
    if recs.empty:
        raise NoDataError(f"no referrals belong in the {year} census (a return needs one child)")
    if check_codes and len(recs):
        _check_codes(recs, year, xsd_dir)
    start, end = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    recs = recs.sort_values(["child_id", "referral_date", "referral_id"], kind="stable")
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n<Header>\n<CollectionDetails>'
        f"<Collection>CIN</Collection><Year>{year}</Year>"
        f"<ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>\n"
        f"<Source><SourceLevel>L</SourceLevel><LEA>{escape(la_code)}</LEA>"
        "<SoftwareCode>csc-benchmarks synthetic</SoftwareCode><Release>1</Release>"
        "<SerialNo>001</SerialNo>"
        f"<DateTime>{year}-04-01T00:00:00</DateTime></Source>\n</Header>\n<Children>\n"
    )
    with path.open("w", encoding="utf-8") as fh:
        fh.write(header)
        rows = (SimpleNamespace(**d) for d in recs.to_dict("records"))
        for child_id, group in groupby(rows, key=attrgetter("child_id")):
            child = ET.Element("Child")
            ids = _el(child, "ChildIdentifiers")
            _el(ids, "LAchildID", child_id)
            _el(ids, "GenderCurrent", "0")
            chars = _el(child, "ChildCharacteristics")
            _el(chars, "Ethnicity", "NOBT")
            for r in group:
                _cin_details(child, r, year, start, end)
            fh.write(ET.tostring(child, encoding="unicode"))
            fh.write("\n")
        fh.write("</Children>\n</Message>\n")
    return path
