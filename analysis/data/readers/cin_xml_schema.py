"""The CIN census return's schema and header: the year's XSD file, validation of a return
against it (each problem with its line number and element), and the header's collection
year, census date and LA code, read safely (``defusedxml`` refuses any DTD, entity
declaration or external reference).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from analysis.core.errors import InputDataError

__all__ = ["DATE_PATTERN", "DEFAULT_XSD_DIR", "XSD_YEARS", "CensusHeader", "census_header",
           "census_year", "local_name", "schema_text", "validate_cin_xml", "xsd_path",
           "xsd_schema"]

#: Default folder of the CIN census XSD files (``CIN_schema_<year>.xsd``).
DEFAULT_XSD_DIR = Path(__file__).resolve().parents[3] / "data" / "raw" / "cin-census-xsd"
#: Census years with a schema file; earlier years are checked with the first one.
XSD_YEARS = range(2017, 2025)


#: A census date: YYYY-MM-DD at the start of the text (any time part after it is ignored).
DATE_PATTERN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def xsd_path(year: int, xsd_dir: str | Path | None = None) -> Path:
    """The XSD file for a census year (2017 for earlier years, 2024 for later ones)."""
    folder = Path(xsd_dir) if xsd_dir is not None else DEFAULT_XSD_DIR
    use = min(max(int(year), XSD_YEARS.start), XSD_YEARS.stop - 1)
    path = folder / f"CIN_schema_{use}.xsd"
    if not path.exists():
        raise InputDataError("CIN census schema file not found", file=path,
                             expected=f"CIN_schema_{use}.xsd in {folder}",
                             fix="copy the XSD files into data/raw/cin-census-xsd or pass xsd_dir")
    return path


#: The one point where the shipped schemas are stricter than DfE's own rules: they type
#: ``NumberOfPreviousCPP`` as a positive integer, but DfE's validation rule 8730 asks for it
#: on every child protection plan and accepts 0 ("must be greater than or equal to zero"),
#: which is how a child's first plan is recorded. The schema is read with that one type
#: widened to a non-negative integer (see ``docs/methods/measures-from-returns.md``).
_PREVIOUS_CPP = re.compile(r'(<xs:element name="NumberOfPreviousCPP" type=")xs:positiveInteger"')


def schema_text(path: str | Path) -> str:
    """The XSD at ``path`` as the toolkit checks returns against it: ``NumberOfPreviousCPP``
    a non-negative integer (0 for a first plan, as DfE's rule 8730 has it)."""
    text = Path(path).read_text(encoding="utf-8")
    return _PREVIOUS_CPP.sub(r'\1xs:nonNegativeInteger"', text)


@lru_cache(maxsize=16)
def xsd_schema(path: str):
    """The parsed XSD file at ``path`` (kept for the next file of that year), read by
    :func:`schema_text`."""
    import xmlschema

    return xmlschema.XMLSchema(schema_text(path), base_url=str(Path(path).parent))


def local_name(tag: str) -> str:
    """An element's tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True)
class CensusHeader:
    """The header of a CIN census return: collection year, census date, the LA's code."""

    year: int | None
    reference_date: pd.Timestamp | None
    lea: str | None


def census_header(path: str | Path, strict: bool = False) -> CensusHeader:
    """``Header/CollectionDetails/Year``, ``ReferenceDate`` and ``Source/LEA`` of a file
    (None where missing). A file that cannot be read safely gives all None, or with
    ``strict`` raises :class:`InputDataError` saying why."""
    path = Path(path)
    found: dict[str, str] = {}
    try:
        for _event, el in iterparse(str(path), events=("end",), forbid_dtd=True):
            tag = local_name(el.tag)
            if tag in ("Year", "ReferenceDate", "LEA") and el.text and el.text.strip():
                found.setdefault(tag, el.text.strip())
            if tag in ("Header", "Child"):
                break
    except DefusedXmlException as exc:
        if strict:
            raise InputDataError("XML file has a DTD, an entity or an external reference, "
                                 "which are refused for safety", file=path,
                                 found=type(exc).__name__,
                                 fix="export the census without a DOCTYPE or entities") from None
    except ET.ParseError as exc:
        if strict:
            raise InputDataError("XML file is malformed", file=path, found=str(exc),
                                 fix="export the census again; the file may be "
                                     "truncated") from None
    except OSError as exc:
        if strict:
            raise InputDataError("file cannot be read", file=path, found=str(exc),
                                 fix="check the file and its permissions") from None
    year = found.get("Year", "")
    ref = found.get("ReferenceDate")
    ref_ts = None
    if ref and DATE_PATTERN.match(ref):
        try:
            ref_ts = pd.Timestamp(ref[:10])
        except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
            ref_ts = None
    return CensusHeader(int(year) if year.isdigit() else None, ref_ts, found.get("LEA"))


def census_year(path: str | Path) -> int | None:
    """The collection year in a file's ``Header/CollectionDetails/Year`` (or None)."""
    return census_header(path).year


def _xsd_line(path: Path, where: str) -> int | None:
    """The line of the element at ``where`` (``/Message/Children/Child[3]/CINdetails``) in
    ``path``, found by a second pass with expat (no DTD: the file was already read safely)."""
    import xml.parsers.expat

    steps = []
    for part in where.strip("/").split("/"):
        m = re.match(r"^(?:[^:]+:)?([^\[]+)(?:\[(\d+)\])?$", part)
        if not m:
            return None
        steps.append((m.group(1), int(m.group(2) or 1)))
    counts: list[dict[str, int]] = [{}]
    depth_ok = [True]
    found: list[int] = []
    parser = xml.parsers.expat.ParserCreate()

    def start(name: str, _attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        level = len(counts) - 1
        n = counts[-1][local] = counts[-1].get(local, 0) + 1
        ok = depth_ok[-1] and level < len(steps) and steps[level] == (local, n)
        if ok and level == len(steps) - 1 and not found:
            found.append(parser.CurrentLineNumber)
        counts.append({})
        depth_ok.append(ok)

    def end(_name: str) -> None:
        counts.pop()
        depth_ok.pop()

    def no_dtd(*_args: object) -> None:
        raise ValueError("DTD")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = no_dtd
    try:
        with path.open("rb") as fh:
            parser.ParseFile(fh)
    except (ValueError, xml.parsers.expat.ExpatError, OSError):
        pass
    return found[0] if found else None


def validate_cin_xml(path: str | Path, year: int | None = None,
                     xsd_dir: str | Path | None = None, max_errors: int = 5) -> None:
    """Check a CIN census XML file against its year's XSD (``CIN_schema_<year>.xsd``);
    raise :class:`InputDataError` listing the first ``max_errors`` problems, each with its
    line number and element."""
    import xmlschema

    path = Path(path)
    year = year or census_year(path)
    if year is None:
        raise InputDataError("census year unknown, so the schema to check against is not known",
                             file=path, expected="Header/CollectionDetails/Year, e.g. 2017",
                             found="none in the file", fix="export the census with its header")
    schema = xsd_schema(str(xsd_path(year, xsd_dir)))
    try:
        resource = xmlschema.XMLResource(str(path), lazy=True, defuse="always")
        errors = []
        for err in schema.iter_errors(resource):
            errors.append((str(err.path or ""), str(err.reason or err.message).strip()))
            if len(errors) >= max_errors:
                break
    except (DefusedXmlException, xmlschema.XMLResourceError, ET.ParseError) as exc:
        raise InputDataError("XML file could not be parsed safely", file=path,
                             found=str(exc).splitlines()[0],
                             fix="export the census again without a DOCTYPE") from None
    if errors:
        lines = []
        for where, why in errors:
            line = _xsd_line(path, where) if where else None
            lines.append(f"line {line if line else '?'}, {where}: {why}")
        raise InputDataError(f"not valid against the {year} CIN census schema "
                             f"(CIN_schema_{min(max(year, XSD_YEARS.start), XSD_YEARS.stop - 1)}"
                             f".xsd); first {len(lines)} problem(s)", file=path,
                             found="\n  " + "\n  ".join(lines),
                             fix="correct the elements named; codes must be in the year's lists")
