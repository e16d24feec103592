"""Speed of staging CIN census returns: the XSD check (lxml against xmlschema), reading and
combining in DuckDB. Prints figures; asserts nothing.
``python benchmarks/bench_staging.py [--smoke]``

Targets on a 2-core machine: five Doncaster-sized synthetic returns (about 6 MB each) staged
in under 20 s; the XSD check of one return about ten times faster than xmlschema's; reading
the returns (without the check) within 1.5 times lxml's ``iterparse`` collecting the same
fields into one list per column (:func:`lxml_baseline`, written plainly here), medians of
runs taken in turn.

``--smoke``: one census year, once (seconds; tests/test_benchmarks.py runs it).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from lxml import etree

from analysis.data.readers.cin_xml_schema import validate_cin_xml
from analysis.data.returns.cin_census import read_cin_returns
from analysis.data.returns.cin_combine import combine_cin
from analysis.data.returns.cin_schema_check import check_return
from analysis.data.synthetic_returns.cin_census import synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_cin_returns

#: The fields the reader keeps, by the element holding them: Child's identifiers and
#: characteristics, each CINdetails' own fields and those of its parts.
_CHILD_FIELDS = ("LAchildID", "PersonBirthDate", "ExpectedPersonBirthDate", "GenderCurrent",
                 "PersonDeathDate", "Ethnicity")
_DETAIL_FIELDS = ("CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
                  "ReasonForClosure", "ReferralNFA")
_PART_FIELDS = {
    "Assessments": ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    "CINPlanDates": ("CINPlanStartDate", "CINPlanEndDate"),
    "Section47": ("S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC",
                  "ICPCnotRequired"),
    "ChildProtectionPlans": ("CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse",
                             "LatestCategoryOfAbuse", "NumberOfPreviousCPP"),
}


def _fields(el: etree._Element, wanted: tuple[str, ...], cols: dict[str, list]) -> None:
    """Append ``el``'s children named in ``wanted`` to their columns (None where absent)."""
    found = {f.tag: f.text for f in el if f.tag in wanted}
    for name in wanted:
        cols[name].append(found.get(name))


def lxml_baseline(paths: list[Path]) -> dict[str, dict[str, list]]:
    """The same fields read with lxml's iterparse, one list per column, each element visited
    once: about the least a reader of these files in Python can take."""
    cols: dict[str, dict[str, list]] = {
        "children": {f: [] for f in (*_CHILD_FIELDS, "Disabilities")},
        "episodes": {f: [] for f in ("LAchildID", *_DETAIL_FIELDS)},
        **{part: {f: [] for f in ("LAchildID", "CINreferralDate", *fields)}
           for part, fields in _PART_FIELDS.items()},
    }
    cols["Assessments"]["Factors"] = []
    for path in paths:
        for _, child in etree.iterparse(str(path), events=("end",), tag="Child"):
            ident = {f.tag: f.text for f in child[0]}
            chars = {f.tag: f for f in child[1]} if len(child) > 1 else {}
            for f in _CHILD_FIELDS:
                cols["children"][f].append(chars[f].text if f in chars else ident.get(f))
            disabilities = chars.get("Disabilities")
            cols["children"]["Disabilities"].append(
                None if disabilities is None else ",".join(d.text or "" for d in disabilities))
            for details in child.iterfind("CINdetails"):
                _fields(details, _DETAIL_FIELDS, cols["episodes"])
                cols["episodes"]["LAchildID"].append(ident.get("LAchildID"))
                referral = cols["episodes"]["CINreferralDate"][-1]
                for el in details:
                    if el.tag in _PART_FIELDS:
                        part = cols[el.tag]
                        _fields(el, _PART_FIELDS[el.tag], part)
                        part["LAchildID"].append(ident.get("LAchildID"))
                        part["CINreferralDate"].append(referral)
                        if el.tag == "Assessments":
                            factors = [a.text or "" for f in el
                                       if f.tag == "FactorsIdentifiedAtAssessment" for a in f]
                            part["Factors"].append(",".join(factors) or None)
            child.clear()
            while child.getprevious() is not None:
                del child.getparent()[0]
    return cols


def _once(func: Callable[[], object]) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def _runs(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"{label}: {median:.2f} s (median; runs {', '.join(f'{t:.2f}' for t in times)})")
    return median


def _timed(label: str, func: Callable[[], object]) -> None:
    started = time.perf_counter()
    func()
    print(f"{label}: {time.perf_counter() - started:.2f} s")


def main() -> None:
    smoke = "--smoke" in sys.argv
    years = range(2023, 2024) if smoke else range(2019, 2024)
    with tempfile.TemporaryDirectory() as tmp:
        records = synthetic_cin_records(first_year=years[0], last_year=years[-1])
        paths = write_cin_returns(records, Path(tmp), years)
        _timed("XSD check of one return, lxml", lambda: check_return(paths[-1]))
        if not smoke:
            _timed("XSD check of one return, xmlschema",
                   lambda: validate_cin_xml(paths[-1], year=years[-1]))
        base: list[float] = []
        reader: list[float] = []
        for _ in range(1 if smoke else 5):  # in turn, so that a slow spell falls on both
            base.append(_once(lambda: lxml_baseline(paths)))
            reader.append(_once(lambda: read_cin_returns(paths, validate=False)))
        ratio = (_runs(f"read {len(paths)} return(s), the reader without its XSD check", reader)
                 / _runs("lxml iterparse of the same fields (baseline)", base))
        print(f"reading the CIN census against lxml iterparse: {ratio:.2f}x")
        read: dict = {}
        _timed(f"read {len(paths)} return(s) with their XSD checks",
               lambda: read.update(zip(("files", "raw"), read_cin_returns(paths), strict=True)))
        con = duckdb.connect()
        _timed("check and combine in DuckDB",
               lambda: combine_cin(con, read["files"], read["raw"]))


if __name__ == "__main__":
    main()
