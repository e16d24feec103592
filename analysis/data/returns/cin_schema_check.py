"""Check a CIN census return against its own year's XSD, streamed, and say where it fails.

libxml2 (``lxml``, installed with python-docx) validates while the file is parsed, about
twenty times faster than ``xmlschema`` on a census return (0.2 s against 5 s for 6 MB,
measured), and each ``Child`` is cleared once read, so a county's return is never held
whole. A file whose prolog declares a DOCTYPE is refused before parsing (no entity can be
declared anywhere else); a UTF-16 file goes through the slower ``defusedxml`` and
``xmlschema`` check of :func:`analysis.data.readers.cin_xml_schema.validate_cin_xml`.

A year with no shipped schema is refused, never checked against another year's.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from analysis.core.errors import InputDataError
from analysis.data.readers.cin_xml import _prolog_is_safe
from analysis.data.readers.cin_xml_schema import (
    DEFAULT_XSD_DIR,
    census_header,
    schema_text,
    validate_cin_xml,
)

__all__ = ["check_return", "return_year", "schema_for_year"]


def schema_for_year(year: int, path: Path, xsd_dir: Path | None = None) -> Path:
    """The XSD of census year ``year`` exactly; a year with none shipped is refused."""
    folder = xsd_dir or DEFAULT_XSD_DIR
    xsd = folder / f"CIN_schema_{year}.xsd"
    if not xsd.exists():
        shipped = sorted(int(m.group(1)) for p in folder.glob("CIN_schema_*.xsd")
                         if (m := re.match(r"CIN_schema_(\d{4})\.xsd$", p.name)))
        have = f"{shipped[0]} to {shipped[-1]}" if shipped else "none"
        raise InputDataError(f"no CIN census schema for census year {year} is shipped, so the "
                             "return cannot be checked", file=path,
                             expected=f"a census year with a schema in {folder} ({have})",
                             found=f"Year {year} in the file's header",
                             fix=f"add CIN_schema_{year}.xsd from DfE's CIN census guide to "
                                 f"{folder}, or correct the header's Year")
    return xsd


def return_year(path: Path) -> int:
    """The census year of a return: its header's Year, else from its ReferenceDate."""
    header = census_header(path, strict=True)
    if header.year is not None:
        return header.year
    if header.reference_date is not None:
        ref = header.reference_date
        return int(ref.year + (ref.month > 3))
    raise InputDataError("the return's census year is not known", file=path,
                         column="Header/CollectionDetails/Year",
                         expected="a Year (e.g. 2023) or a ReferenceDate in the header",
                         found="neither", fix="export the census with its header")


#: Elements whose values could identify a child: never quoted in a message.
PERSONAL = ("LAchildID", "UPN", "FormerUPN", "PersonBirthDate", "ExpectedPersonBirthDate",
            "PersonDeathDate")
_PERSONAL_VALUE = re.compile(r"^(Element '(?:\{[^}]*\})?(?:" + "|".join(PERSONAL)
                             + r")': )(?:'[^']*'|\[facet '\w+'\] The value '[^']*')")


def unshown(message: str) -> str:
    """A schema message with the value of an element that could identify a child (its
    identifiers, dates of birth and death) replaced by words."""
    return _PERSONAL_VALUE.sub(r"\1the value (not shown)", message)


@lru_cache(maxsize=16)
def _schema(path: str):  # -> lxml.etree.XMLSchema
    from lxml import etree

    return etree.XMLSchema(etree.fromstring(schema_text(path).encode("utf-8")))


def check_return(path: Path, xsd_dir: Path | None = None) -> int:
    """Check ``path`` against the XSD of its census year; the census year. The first
    problem is raised as :class:`InputDataError` naming the element, what the schema
    expects (the year's codes for a code) and the child's number in the file."""
    from lxml import etree

    year = return_year(path)
    xsd = schema_for_year(year, path, xsd_dir)
    safe = _prolog_is_safe(path)
    if safe is None:
        validate_cin_xml(path, year=year, xsd_dir=xsd.parent)
        return year
    if not safe:
        raise InputDataError("XML file has a DTD, an entity or an external reference, "
                             "which are refused for safety", file=path, found="a DOCTYPE",
                             fix="export the census without a DOCTYPE or entities")
    child_no = 0
    try:
        for event, el in etree.iterparse(str(path), events=("start", "end"),
                                         schema=_schema(str(xsd)), resolve_entities=False,
                                         no_network=True, load_dtd=False, huge_tree=False):
            if el.tag != "Child":
                continue
            if event == "start":
                child_no += 1
            else:
                el.clear()
                while el.getprevious() is not None:
                    del el.getparent()[0]
    except etree.XMLSyntaxError as exc:
        last = exc.error_log.last_error if exc.error_log else None
        why = unshown(re.sub(r"\s*\(<string>, line \d+\)$", "",
                             last.message if last else str(exc)))
        where = f"child number {child_no} in the file" if child_no else "the file's header"
        raise InputDataError(f"not valid against the {year} CIN census schema "
                             f"({xsd.name})", file=path, found=f"{why} ({where})",
                             fix="correct the element named; codes must be in that year's "
                                 "lists") from None
    return year
