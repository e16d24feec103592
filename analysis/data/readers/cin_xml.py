"""Read DfE children in need (CIN) census XML (writing a return is
:mod:`analysis.data.readers.cin_xml_write`).

Reading is safe and streamed: ``defusedxml`` refuses any DTD, entity declaration or
external reference (a file with one is rejected with :class:`InputDataError`), and each
``Child`` element is turned into rows then cleared, so a large file is never held in
memory as a whole tree. Validation against the year's XSD (``xmlschema``) is optional
(:mod:`analysis.data.readers.cin_xml_schema`).

One row per ``CINdetails`` (one referral), in the tidy shape of
:mod:`analysis.data.schemas.referrals`. The census has no locality and no early help field,
so ``locality`` and ``prior_early_help`` are NA. The census has no referral id either:
``referral_id`` is ``<LAchildID>/<CINreferralDate>/<n>`` (``n`` counts same-day
referrals of one child), so the same referral gets the same id in every year's file.

``assessment_outcome`` is derived, first match wins:

1. ``ReferralNFA`` true -> ``no_assessment``
2. a ``ChildProtectionPlans`` element -> ``cp_plan``
3. a ``CINPlanDates`` element (2022 on) -> ``cin_plan``
4. an ``Assessments`` element: ``ReasonForClosure`` RC9 -> ``early_help``; RC8 ->
   ``not_in_need``; an ``AssessmentAuthorisationDate`` -> ``cin_plan`` (assessed in need,
   before 2022 the census has no CIN plan dates); otherwise NA (assessment in progress)
5. otherwise ``no_assessment``
"""

from __future__ import annotations

import gc
import re
import xml.etree.ElementTree as ET  # the C parser, once _events has refused any DOCTYPE
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.readers.cin_xml_schema import (
    DATE_PATTERN,
    CensusHeader,
    census_header,
    local_name,
    validate_cin_xml,
)
from analysis.data.schemas.referrals import COLUMNS, empty_referrals, source_label

_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


#: Earliest plausible referral or closure date (as the extract reader).
EARLIEST = pd.Timestamp("1990-01-01")


def _date(text: str | None, path: Path, field: str, child_no: int) -> datetime | None:
    """A census date (``YYYY-MM-DD``, any time part ignored) as a datetime, any year 1-9999;
    the caller checks it is plausible. A text that is not a date is refused."""
    if text is None:
        return None
    m = DATE_PATTERN.match(text)
    try:
        if m is None:
            raise ValueError
        return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise InputDataError(f"{field} is not a date", file=path, column=field,
                             expected="YYYY-MM-DD", found=repr(text),
                             fix=f"correct child number {child_no} in the file") from None


def _outcome(details: dict[str, object], nfa: bool, reason: str | None) -> str | None:
    if nfa:
        return "no_assessment"
    if details.get("ChildProtectionPlans"):
        return "cp_plan"
    if details.get("CINPlanDates"):
        return "cin_plan"
    if details.get("Assessments"):
        if reason == "RC9":
            return "early_help"
        if reason == "RC8":
            return "not_in_need"
        if details.get("AssessmentAuthorisationDate"):
            return "cin_plan"
        return None
    return "no_assessment"


_DETAIL_FIELDS = frozenset({"CINreferralDate", "ReferralSource", "PrimaryNeedCode",
                            "CINclosureDate", "ReasonForClosure", "ReferralNFA"})


def _details(el: ET.Element) -> dict[str, object]:
    """The fields of one CINdetails the reader uses, in one pass over its elements."""
    out: dict[str, object] = {}
    factors: dict[str, None] = {}
    for c in el:
        tag = c.tag if c.tag[0] != "{" else local_name(c.tag)
        if tag in _DETAIL_FIELDS:
            t = (c.text or "").strip()
            if t:
                out[tag] = t
        elif tag == "Assessments":
            out["Assessments"] = True
            for a in c:
                at = a.tag if a.tag[0] != "{" else local_name(a.tag)
                if at == "AssessmentAuthorisationDate" and (a.text or "").strip():
                    out["AssessmentAuthorisationDate"] = True
                elif at == "FactorsIdentifiedAtAssessment":
                    for f in a:
                        if f.text and f.text.strip():
                            factors[f.text.strip()] = None
        elif tag in ("ChildProtectionPlans", "CINPlanDates"):
            out[tag] = True
    if factors:
        out["factors"] = ";".join(factors)
    return out


#: DfE's age bands at referral (children in need statistics).
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("Under 1", 0, 0), ("1 to 4", 1, 4), ("5 to 9", 5, 9), ("10 to 15", 10, 15),
    ("16 and over", 16, 200))
#: Ethnicity code (first letters) -> DfE's major ethnic group.
ETHNIC_GROUPS: dict[str, str] = {
    "W": "White", "M": "Mixed or multiple ethnic groups", "A": "Asian or Asian British",
    "CHNE": "Asian or Asian British", "B": "Black, African, Caribbean or Black British",
    "OOTH": "Other ethnic group", "REFU": "Refused or not obtained",
    "NOBT": "Refused or not obtained"}
#: Columns the census adds beside the tidy referral table (no date of birth is kept).
CHARACTERISTICS = ("age_band", "ethnicity_group", "disability")


def ethnic_group(code: str | None) -> str:
    if not code:
        return "Not recorded"
    code = code.strip().upper()
    return ETHNIC_GROUPS.get(code) or ETHNIC_GROUPS.get(code[:1], "Other ethnic group")


def age_band(birth: datetime | None, referral: datetime) -> str:
    """The child's age band on the referral date ("Unborn or not recorded" without a
    birth date or for a referral before birth)."""
    if birth is None or birth > referral:
        return "Unborn or not recorded"
    age = referral.year - birth.year - ((referral.month, referral.day) <
                                        (birth.month, birth.day))
    return next(name for name, lo, hi in AGE_BANDS if lo <= age <= hi)


def _tag(el: ET.Element) -> str:
    t = el.tag
    return t if t[0] != "{" else local_name(t)


def _child_parts(child: ET.Element, path: Path, child_no: int
                 ) -> tuple[str | None, datetime | None, str, str, list[ET.Element]]:
    """One pass over a Child: (LAchildID, birth date, ethnic group, disability, its
    CINdetails). The birth date is used only to work out the age band and never kept."""
    child_id = birth = ethnicity = None
    disability = "Not recorded"
    details = []
    for c in child:
        tag = _tag(c)
        if tag == "CINdetails":
            details.append(c)
        elif tag == "ChildIdentifiers":
            for f in c:
                ft = _tag(f)
                if ft == "LAchildID":
                    child_id = (f.text or "").strip() or None
                elif ft == "PersonBirthDate" and (f.text or "").strip():
                    try:
                        birth = _date((f.text or "").strip(), path, "PersonBirthDate", child_no)
                    except InputDataError:
                        birth = None
        elif tag == "ChildCharacteristics":
            for f in c:
                ft = _tag(f)
                if ft == "Ethnicity":
                    ethnicity = (f.text or "").strip() or None
                elif ft == "Disabilities":
                    codes = {(d.text or "").strip().upper() for d in f}
                    disability = "Disabled" if codes - {"", "NONE"} else "Not disabled"
    return child_id, birth, ethnic_group(ethnicity), disability, details


@dataclass
class _Read:
    """What one file gave: rows kept, and CINdetails left out by reason."""

    rows: list[dict] = field(default_factory=list)
    details_in: int = 0
    dropped: dict[str, int] = field(default_factory=dict)

    def drop(self, why: str) -> None:
        self.dropped[why] = self.dropped.get(why, 0) + 1


def _child_rows(child: ET.Element, path: Path, child_no: int, census_date: datetime,
                out: _Read, census_words: str) -> None:
    child_id, birth, ethnicity, disability, all_details = _child_parts(child, path, child_no)
    if not child_id:
        raise InputDataError("a child has no LAchildID", file=path, column="LAchildID",
                             expected="ChildIdentifiers/LAchildID in every Child",
                             found=f"none in child number {child_no}",
                             fix="give every child its LA identifier")
    seen: dict[str, int] = {}
    census = census_words
    for el in all_details:
        out.details_in += 1
        d = _details(el)
        ref_text = d.get("CINreferralDate")
        if not isinstance(ref_text, str):
            raise InputDataError("a referral has no CINreferralDate", file=path,
                                 column="CINreferralDate",
                                 found=f"none for child number {child_no} in the file",
                                 fix="give every CINdetails its referral date")
        ref = _date(ref_text, path, "CINreferralDate", child_no)
        clo_text = d.get("CINclosureDate")
        clo = _date(clo_text if isinstance(clo_text, str) else None, path, "CINclosureDate",
                    child_no)
        assert ref is not None
        if ref < EARLIEST:
            out.drop("referral date before 1990")
            continue
        if ref > census_date:
            out.drop(f"referral date after the census date ({census})")
            continue
        if clo is not None and clo > census_date:
            out.drop(f"closure date after the census date ({census})")
            continue
        if clo is not None and clo < ref:
            out.drop("closure date before referral date")
            continue
        nfa_text = str(d.get("ReferralNFA", "")).lower()
        if nfa_text not in _TRUE | _FALSE:
            raise InputDataError("ReferralNFA is not true/false", file=path,
                                 column="ReferralNFA", expected="true, false, 1 or 0",
                                 found=repr(nfa_text), fix=f"correct child number {child_no}")
        nfa = nfa_text in _TRUE
        reason = d.get("ReasonForClosure")
        reason = reason if isinstance(reason, str) else None
        key = ref_text[:10]
        seen[key] = seen.get(key, 0) + 1
        need = d.get("PrimaryNeedCode")
        out.rows.append({
            "child_id": child_id,
            "referral_id": f"{child_id}/{key}/{seen[key]}",
            "referral_date": ref,
            "referral_source": source_label(d.get("ReferralSource")),
            "referral_nfa": nfa,
            "assessment_outcome": _outcome(d, nfa, reason),
            "closure_date": clo,
            "closure_reason": reason,
            "prior_early_help": None,
            "locality": None,
            "primary_need": need if isinstance(need, str) else None,
            "assessment_factors": d.get("factors"),
            "age_band": age_band(birth, ref),
            "ethnicity_group": ethnicity,
            "disability": disability,
        })


def _tidy(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return empty_referrals()
    df = pd.DataFrame.from_records(rows, columns=[*COLUMNS, *CHARACTERISTICS])
    for col in ("child_id", "referral_id", "referral_source", "assessment_outcome",
                "closure_reason", "locality", "primary_need", "assessment_factors"):
        df[col] = df[col].astype("str") if df[col].notna().all() else pd.Series(
            df[col].to_numpy(dtype=object), dtype="str")
    for col in ("referral_date", "closure_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    df["referral_nfa"] = df["referral_nfa"].astype(bool)
    df["prior_early_help"] = pd.array([pd.NA] * len(df), dtype="boolean")
    for col in CHARACTERISTICS:
        df[col] = df[col].astype("str")
    return df


def _census_date(header: CensusHeader) -> datetime:
    if header.reference_date is not None:
        return header.reference_date.to_pydatetime()
    if header.year is not None and 1990 < header.year < 2200:
        return datetime(header.year, 3, 31)
    return datetime.combine(date.today(), datetime.min.time())


_ROOT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.I)


def _prolog_is_safe(path: Path) -> bool | None:
    """True when the part of the file before its root element holds no DOCTYPE (so no
    entity can be declared), False when it does, None when the file is not UTF-8 or ASCII
    compatible (a UTF-16 file) and must go through defusedxml's parser."""
    with path.open("rb") as fh:
        head = b""
        while True:
            chunk = fh.read(65536)
            head += chunk
            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
                return None
            m = _ROOT.search(head)
            if m is not None:
                return _DOCTYPE.search(head[:m.start()]) is None
            if not chunk:
                return _DOCTYPE.search(head) is None


def bad_xml(path: Path, exc: Exception) -> InputDataError:
    """What to say of a file the parser refused: a DTD, entity or external reference (refused
    for safety), or a malformed or truncated file."""
    if isinstance(exc, DefusedXmlException):
        return InputDataError("XML file has a DTD, an entity or an external reference, "
                              "which are refused for safety", file=path,
                              found=type(exc).__name__,
                              fix="export the census without a DOCTYPE or entities")
    return InputDataError("XML file is malformed", file=path, found=str(exc),
                          fix="export the census again; the file may be truncated")


def _events(path: Path) -> Iterator[tuple[str, ET.Element]]:
    """(event, element) start and end events of ``path``. Safe without defusedxml's slower
    pure-Python parser: a file whose prolog declares a DOCTYPE is refused first (entities
    can only be declared there), so the C parser never sees a DTD or an entity."""
    safe = _prolog_is_safe(path)
    if safe is False:
        raise DefusedXmlException("DTD in prolog")
    if safe is None:
        return iterparse(str(path), events=("start", "end"), forbid_dtd=True)
    return ET.iterparse(str(path), events=("start", "end"))


def read_cin_xml(
    path: str | Path,
    *,
    validate: bool = False,
    year: int | None = None,
    xsd_dir: str | Path | None = None,
) -> pd.DataFrame:
    """Read one CIN census XML file into the tidy referral table (one row per CINdetails).

    Referrals the census could not hold are left out and counted (as the extract reader
    does): a referral date before 1990 or after the census date (the header's
    ReferenceDate, else 31 March of its Year), a closure after the census date or before the
    referral. ``result.attrs["read"]`` holds ``details_in`` and ``dropped`` (reason ->
    count) and the header. ``validate``: first check the file against the XSD of ``year``
    (default: the Year in its header) and raise :class:`InputDataError` with the first
    problems and their line numbers.
    """
    path = Path(path)
    if not path.exists():
        raise InputDataError("file not found", file=path, fix="check the path")
    if path.stat().st_size == 0:
        raise InputDataError("file is empty", file=path, expected="CIN census XML",
                             fix="export the census again")
    if validate:
        validate_cin_xml(path, year=year, xsd_dir=xsd_dir)
    header = census_header(path)
    census_date = _census_date(header)
    census_words = f"{census_date.day} {census_date:%B %Y}"
    out = _Read()
    child_no = 0
    depth = 0
    path_to: list[str] = []  # tags of the open elements at depths 1 and 2
    children_el: ET.Element | None = None
    gc_was_on = gc.isenabled()
    gc.disable()  # many small rows and no cycles: the collector's passes cost ~20% here
    try:
        for event, el in _events(path):
            if event == "start":
                depth += 1
                tag = el.tag if el.tag[0] != "{" else local_name(el.tag)
                if depth <= 2:
                    del path_to[depth - 1:]
                    path_to.append(tag)
                    if depth == 1 and tag != "Message":
                        raise InputDataError("not a CIN census file", file=path,
                                             expected="root element <Message>",
                                             found=f"<{tag}>",
                                             fix="check this is the CIN census XML return")
                    if depth == 2:
                        children_el = el
                if tag == "Child" and (depth != 3 or path_to[-1] != "Children"):
                    raise InputDataError(
                        "a Child element is not directly under Message/Children", file=path,
                        expected="<Message><Children><Child>...",
                        found=f"<Child> at depth {depth} inside <{'/'.join(path_to)}...> "
                              f"(after child number {child_no})",
                        fix="export the census again; each Child must sit in Children")
                continue
            if depth == 3 and path_to[-1] == "Children" and (
                    el.tag == "Child" or local_name(el.tag) == "Child"):
                child_no += 1
                _child_rows(el, path, child_no, census_date, out, census_words)
                el.clear()
                if children_el is not None:
                    children_el.remove(el)
            depth -= 1
    except (DefusedXmlException, ET.ParseError) as exc:
        raise bad_xml(path, exc) from None
    finally:
        if gc_was_on:
            gc.enable()
    df = _tidy(out.rows)
    df.attrs["read"] = {"details_in": out.details_in, "dropped": dict(out.dropped),
                        "year": header.year, "lea": header.lea,
                        "census_date": f"{census_date:%Y-%m-%d}"}
    return df


def read_cin_census_years(paths: Sequence[str | Path], **kwargs: Any) -> pd.DataFrame:
    """Read several years' CIN census files into one referral table.

    A referral open across a year end appears in both years' files; the copy from the
    latest file (by census year, else by order given) is kept, as its closure is the most
    up to date. ``result.attrs["read"]`` sums what each file gave and left out.
    """
    frames = []
    details_in = 0
    dropped: dict[str, int] = {}
    for order, p in enumerate(paths):
        df = read_cin_xml(p, **kwargs)
        info = df.attrs.get("read", {})
        details_in += int(info.get("details_in", len(df)))
        for why, n in info.get("dropped", {}).items():
            dropped[why] = dropped.get(why, 0) + n
        df["_order"] = (info.get("year") or 0) * 1000 + order
        frames.append(df)
    if not frames:
        raise ParameterError("no files given", parameter="paths",
                             expected="one or more CIN census XML files", found="none")
    all_ = pd.concat(frames, ignore_index=True).sort_values("_order", kind="stable")
    all_ = all_.drop_duplicates("referral_id", keep="last").drop(columns="_order")
    out = all_.sort_values(["referral_date", "referral_id"]).reset_index(drop=True)
    out.attrs["read"] = {"details_in": details_in, "dropped": dropped}
    return out


__all__ = ["read_cin_census_years", "read_cin_xml"]
