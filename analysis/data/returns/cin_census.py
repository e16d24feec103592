"""Read CIN census XML returns into the staged CIN tables (``docs/data-formats/staged-returns.md``).

Each file is first checked against its own year's XSD
(:mod:`analysis.data.returns.cin_schema_check`; a year with no shipped schema is refused,
never checked against another year's), then read safely and streamed: a file whose prolog
declares a DOCTYPE is refused (so no entity can be declared), a UTF-8 file is streamed by
lxml stopping only at each ``Child`` and the header's fields (no DTD loaded, no entity
resolved, nothing fetched), a UTF-16 one through defusedxml as
:mod:`analysis.data.readers.cin_xml` reads; each ``Child`` is turned into column values
then cleared. Values go into
one list per column, and each table becomes one Arrow table (no per-row pandas); the
checks and the combining of several returns run in DuckDB
(:mod:`analysis.data.returns.cin_combine`).

Every row keeps the child's number in its file (``child_no``, 1 for the first ``Child``)
so that a message can point at the record without showing the child's identifier.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
from defusedxml import DefusedXmlException

from analysis.core.errors import InputDataError
from analysis.data.readers.cin_xml import _events, _prolog_is_safe, bad_xml
from analysis.data.readers.cin_xml_schema import local_name
from analysis.data.returns.cin_schema_check import check_return

__all__ = ["RAW_COLUMNS", "CinFile", "read_cin_returns"]

#: The raw columns of each table, as read (dates and codes as text). Each table also has
#: ``file_no`` (the file's position in the list read) and ``child_no``; the record tables
#: have ``seq`` (their order within their episode in the file).
RAW_COLUMNS: dict[str, tuple[str, ...]] = {
    "cin_children": ("la_child_id", "birth_date", "expected_birth_date", "gender",
                     "ethnicity", "death_date", "disabilities"),
    "cin_episodes": ("episode_id", "la_child_id", "referral_date", "referral_source",
                     "primary_need", "closure_date", "reason_for_closure", "referral_nfa"),
    "cin_assessments": ("episode_id", "la_child_id", "start_date", "authorisation_date",
                        "factors"),
    "cin_plans": ("episode_id", "la_child_id", "start_date", "end_date"),
    "cin_s47": ("episode_id", "la_child_id", "start_date", "icpc_target_date", "icpc_date",
                "icpc_not_required"),
    "cin_cp_plans": ("episode_id", "la_child_id", "start_date", "end_date",
                     "initial_category", "latest_category", "previous_plans"),
}

#: Element -> raw column, for the simple fields of each part of a Child.
_IDENTIFIERS = {"LAchildID": "la_child_id", "PersonBirthDate": "birth_date",
                "ExpectedPersonBirthDate": "expected_birth_date", "GenderCurrent": "gender",
                "PersonDeathDate": "death_date"}
_DETAILS = {"CINreferralDate": "referral_date", "ReferralSource": "referral_source",
            "PrimaryNeedCode": "primary_need", "CINclosureDate": "closure_date",
            "ReasonForClosure": "reason_for_closure", "ReferralNFA": "referral_nfa"}
_PARTS: dict[str, tuple[str, dict[str, str]]] = {
    "Assessments": ("cin_assessments", {"AssessmentActualStartDate": "start_date",
                                        "AssessmentAuthorisationDate": "authorisation_date"}),
    "CINPlanDates": ("cin_plans", {"CINPlanStartDate": "start_date",
                                   "CINPlanEndDate": "end_date"}),
    "Section47": ("cin_s47", {"S47ActualStartDate": "start_date",
                              "InitialCPCtarget": "icpc_target_date",
                              "DateOfInitialCPC": "icpc_date",
                              "ICPCnotRequired": "icpc_not_required"}),
    "ChildProtectionPlans": ("cin_cp_plans", {"CPPstartDate": "start_date",
                                              "CPPendDate": "end_date",
                                              "InitialCategoryOfAbuse": "initial_category",
                                              "LatestCategoryOfAbuse": "latest_category",
                                              "NumberOfPreviousCPP": "previous_plans"}),
}
_HEADER = ("Year", "ReferenceDate", "DateTime", "LEA")


@dataclass(frozen=True)
class CinFile:
    """One return read: its name, census year, census (reference) date, when it was made
    (the header's DateTime, else its reference date) and the LA code in its header."""

    name: str
    census_year: int
    reference_date: str
    made: str
    lea: str | None


@dataclass
class _Columns:
    """The column lists of every raw table."""

    lists: dict[str, dict[str, list]] = field(default_factory=lambda: {
        t: {c: [] for c in (*cols, "file_no", "child_no", "seq")}
        for t, cols in RAW_COLUMNS.items()})

    def add(self, table: str, values: dict[str, object], file_no: int, child_no: int,
            seq: int = 0) -> None:
        cols = self.lists[table]
        for c in RAW_COLUMNS[table]:
            cols[c].append(values.get(c))
        cols["file_no"].append(file_no)
        cols["child_no"].append(child_no)
        cols["seq"].append(seq)

    def arrow(self) -> dict[str, pa.Table]:
        out = {}
        for table, cols in self.lists.items():
            arrays = {c: pa.array(v, type=pa.int32() if c in ("file_no", "child_no", "seq")
                                  else pa.string()) for c, v in cols.items()}
            out[table] = pa.table(arrays)
        return out


def _text(el: ET.Element) -> str | None:
    t = (el.text or "").strip()
    return t or None


def _tag(el: ET.Element) -> str:
    return el.tag if el.tag[0] != "{" else local_name(el.tag)


def _day(text: str | None) -> str | None:
    return text[:10] if text else text


def _part(el: ET.Element, fields: dict[str, str]) -> dict[str, object]:
    out: dict[str, object] = {}
    factors: list[str] = []
    for f in el:
        tag = _tag(f)
        col = fields.get(tag)
        if col is not None:
            t = _text(f)
            out[col] = _day(t) if col.endswith("date") else t
        elif tag == "FactorsIdentifiedAtAssessment":
            factors.extend(t for a in f if (t := _text(a)))
    if factors:
        out["factors"] = ",".join(dict.fromkeys(factors))
    return out


def _child(el: ET.Element, cols: _Columns, file_no: int, child_no: int) -> None:
    """One Child's rows: the child, each CINdetails (episode) and what belongs to it."""
    child: dict[str, object] = {}
    details = []
    for part in el:
        tag = _tag(part)
        if tag == "ChildIdentifiers":
            for f in part:
                col = _IDENTIFIERS.get(_tag(f))
                if col:
                    t = _text(f)
                    child[col] = _day(t) if col.endswith("date") else t
        elif tag == "ChildCharacteristics":
            for f in part:
                ft = _tag(f)
                if ft == "Ethnicity":
                    child["ethnicity"] = _text(f)
                elif ft == "Disabilities":
                    codes = [t for d in f if (t := _text(d))]
                    child["disabilities"] = ",".join(dict.fromkeys(codes)) or None
        elif tag == "CINdetails":
            details.append(part)
    child_id = child.get("la_child_id")
    cols.add("cin_children", child, file_no, child_no)
    same_day: dict[str, int] = {}
    for d in details:
        episode: dict[str, object] = {"la_child_id": child_id}
        parts: list[tuple[str, dict[str, object]]] = []
        for f in d:
            tag = _tag(f)
            if tag in _DETAILS:
                t = _text(f)
                episode[_DETAILS[tag]] = _day(t) if tag in ("CINreferralDate",
                                                            "CINclosureDate") else t
            elif tag in _PARTS:
                table, fields = _PARTS[tag]
                parts.append((table, _part(f, fields)))
        ref = episode.get("referral_date")
        key = str(ref)
        same_day[key] = same_day.get(key, 0) + 1
        episode["episode_id"] = f"{child_id}/{ref}/{same_day[key]}"
        cols.add("cin_episodes", episode, file_no, child_no)
        for seq, (table, values) in enumerate(parts):
            values.update(episode_id=episode["episode_id"], la_child_id=child_id)
            cols.add(table, values, file_no, child_no, seq)


def _header_value(found: dict[str, str], el: ET.Element) -> None:
    tag = _tag(el)
    if tag in _HEADER and (t := _text(el)):
        found.setdefault(tag, t)


def _census_file(path: Path, found: dict[str, str]) -> CinFile:
    year_text = found.get("Year", "")
    ref = found.get("ReferenceDate", "")[:10]
    if not year_text.isdigit():
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", ref):
            raise InputDataError("the return's census year is not known", file=path,
                                 column="Header/CollectionDetails/Year",
                                 expected="a Year (e.g. 2023) or a ReferenceDate in the header",
                                 found="neither", fix="export the census with its header")
        year_text = str(int(ref[:4]) + (int(ref[5:7]) > 3))
    year = int(year_text)
    if re.match(r"^\d{4}-\d{2}-\d{2}$", ref) and int(ref[:4]) + (int(ref[5:7]) > 3) != year:
        raise InputDataError(
            "the return's census date is not in the census year its header gives",
            file=path, column="Header/CollectionDetails/ReferenceDate",
            expected=f"a date from 1 April {year - 1} to 31 March {year} (Year {year})",
            found=ref, fix="check that the file is the census of the year its header says, "
                           "and export it again if not")
    ref = ref or f"{year}-03-31"
    made = found.get("DateTime", "")[:19].replace("T", " ") or ref
    return CinFile(path.name, year, ref, made, found.get("LEA"))


#: The elements the reader stops at: each Child, and the header's fields (any namespace).
_WANTED = ("{*}Child", *(f"{{*}}{h}" for h in _HEADER))


def _read_lxml(path: Path, file_no: int, cols: _Columns, found: dict[str, str]) -> None:
    """Stream a UTF-8 return with lxml, stopping only at each Child and the header's fields
    (no DTD loaded, no entity resolved, nothing fetched: the prolog holds no DOCTYPE)."""
    from lxml import etree

    child_no = 0
    for _, el in etree.iterparse(str(path), events=("end",), tag=_WANTED,
                                 remove_comments=True, remove_pis=True, resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False):
        tag = _tag(el)
        if tag == "Child":
            child_no += 1
            _child(el, cols, file_no, child_no)
            el.clear()
            while el.getprevious() is not None:
                del el.getparent()[0]
        elif child_no == 0:
            _header_value(found, el)


def _read_defused(path: Path, file_no: int, cols: _Columns, found: dict[str, str]) -> None:
    """Stream a return lxml is not given (UTF-16, through defusedxml's parser)."""
    child_no = depth = 0
    children_el: ET.Element | None = None
    for event, el in _events(path):
        if event == "start":
            depth += 1
            if depth == 2:
                children_el = el
            continue
        if depth == 3 and _tag(el) == "Child":
            child_no += 1
            _child(el, cols, file_no, child_no)
            el.clear()
            if children_el is not None:
                children_el.remove(el)
        elif child_no == 0 and depth in (3, 4):
            _header_value(found, el)
        depth -= 1


def _read_one(path: Path, file_no: int, cols: _Columns) -> CinFile:
    from lxml import etree

    found: dict[str, str] = {}
    try:
        safe = _prolog_is_safe(path)
        if safe is False:
            raise DefusedXmlException("DTD in prolog")
        if safe:
            _read_lxml(path, file_no, cols, found)
        else:
            _read_defused(path, file_no, cols, found)
    except (DefusedXmlException, ET.ParseError, etree.XMLSyntaxError) as exc:
        raise bad_xml(path, exc) from None
    return _census_file(path, found)


def read_cin_returns(paths: Sequence[Path], *, validate: bool = True,
                     xsd_dir: Path | None = None) -> tuple[list[CinFile], dict[str, pa.Table]]:
    """Read CIN census returns: the files (in the order given) and the raw tables
    (:data:`RAW_COLUMNS`) of all of them. Each file is checked against its year's XSD
    first (``validate``)."""
    files: list[CinFile] = []
    cols = _Columns()
    for file_no, path in enumerate(paths):
        path = Path(path)
        if not path.is_file() or path.stat().st_size == 0:
            raise InputDataError("file is missing or empty", file=path,
                                 expected="a CIN census XML return", fix="export it again")
        if validate:
            check_return(path, xsd_dir)
        files.append(_read_one(path, file_no, cols))
    return files, cols.arrow()
