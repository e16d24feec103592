"""Every pack a user can make, built as a value and checked against the invariants.

:func:`full_matrix` lists the cases: the quarterly pack for every live LA at a spread of
quarters (2013-14 Q3, the latest quarter and three between, a different three for each LA so
that between them every quarter is checked; or every quarter for every LA), every quarter of the local
returns for the LAs that have them (so packs with and without local sections), and deep
dives on several extracts (the synthetic records and a CIN census XML set made from them),
and the explorer report for the LAs with local returns.
:data:`SAMPLE` is a named handful of the same cases for CI. :func:`check_case` builds one
pack value (no files, no PDF) and runs :func:`analysis.render.invariants.check_pack` on it;
:func:`summary` counts the problems by invariant. ``python -m analysis check-packs`` runs it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.blocks import Pack
from analysis.core.config import Paths
from analysis.core.errors import AnalysisError, NoDataError
from analysis.data.periods import Quarter, parse_quarter
from analysis.render.invariants import INVARIANTS, Problem, check_pack

__all__ = ["SAMPLE", "Case", "Outcome", "check_case", "full_matrix", "latest_quarter", "quarter_spread",
           "quarters_between", "run_matrix", "summary"]

#: The first quarter a pack can be made for (2013-14 Q1 and Q2 have no published year).
FIRST_PACK_QUARTER = Quarter(2014, 3)
#: Quarters checked for each LA besides the first and the latest (``--all-quarters``: every one).
SPREAD = 3
#: Extracts the deep dive is checked on: the synthetic records as one CSV, and as census XML.
EXTRACTS = ("synthetic records", "census XML")


@dataclass(frozen=True)
class Case:
    """One pack to check: a quarterly pack (LA, quarter) or a deep dive (LA, extract)."""

    kind: str  # "quarterly" | "deep_dive" | "explorer"
    la: str
    period: str = ""
    extract: str = ""

    @property
    def label(self) -> str:
        if self.kind == "explorer":
            return f"{self.la} explorer report"
        return f"{self.la} {self.period}" if self.kind == "quarterly" else f"{self.la} deep dive ({self.extract})"


@dataclass
class Outcome:
    """What checking one case found: its problems, or why no pack could be made."""

    case: Case
    problems: list[Problem] = field(default_factory=list)
    skipped: str = ""


#: The cases CI checks: the demo, the local returns of Rotherham and Lancashire, the first
#: quarter, a small LA, recent years, and a deep dive on each extract.
SAMPLE: tuple[Case, ...] = (
    Case("quarterly", "Doncaster", "2017-18 Q4"),
    Case("quarterly", "Doncaster", "2015-16 Q4"),
    Case("quarterly", "Rotherham", "2016-17 Q4"),
    Case("quarterly", "Lancashire", "2017-18 Q2"),
    Case("quarterly", "Barnsley", "2013-14 Q3"),
    Case("quarterly", "Isles of Scilly", "2017-18 Q4"),
    Case("quarterly", "Wigan", "2019-20 Q1"),
    Case("quarterly", "Barnsley", "2024-25 Q4"),
    Case("deep_dive", "Doncaster", extract="synthetic records"),
    Case("deep_dive", "Doncaster", extract="census XML"),
    Case("explorer", "Lancashire"),
)


def latest_quarter(today: dt.date | None = None) -> Quarter:
    """The last whole quarter before ``today``."""
    day = today or dt.date.today()
    year, q = (day.year + 1, (day.month - 4) // 3 + 1) if day.month >= 4 else (day.year, 4)
    return Quarter(year, q).previous()


def quarters_between(first: Quarter, last: Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last``, in order."""
    quarters = [first]
    while quarters[-1] < last:
        quarters.append(quarters[-1].next())
    return quarters


def quarter_spread(first: Quarter, last: Quarter, index: int = 0, between: int = SPREAD) -> list[Quarter]:
    """``first``, ``last`` and ``between`` quarters spaced evenly between them, shifted by
    ``index`` (an LA's place in the list), so that over every LA each quarter is checked."""
    quarters = quarters_between(first, last)
    step = max(len(quarters) // between, 1)
    chosen = {first, last} | {quarters[(index + j * step) % len(quarters)] for j in range(between)}
    return sorted(chosen, key=lambda q: (q.year, q.quarter))


def _local_quarters(paths: Paths) -> dict[str, list[str]]:
    from analysis.data.geography import load_areas, resolve_la
    from analysis.measures.local_returns import load_local_returns, local_return_files

    areas = load_areas(paths.root)
    names = sorted({p.name.split("_")[0] for p in local_return_files(paths)})
    found = {}
    for slug in names:
        la = resolve_la(slug.replace("-", " "), areas)
        local = load_local_returns(paths, la)
        quarters = local.loc[local["period_type"] == "quarter", "period"].dropna().unique().tolist()
        found[la.name] = sorted(quarters)
    return found


def full_matrix(paths: Paths, today: dt.date | None = None, *, all_quarters: bool = False) -> list[Case]:
    """Every live LA at a spread of quarters (each LA its own, so that between them every
    quarter from 2013-14 Q3 to the latest is checked; ``all_quarters``: every LA at every
    quarter), every local return quarter, the explorer reports and the deep dives."""
    from analysis.app.batch import all_la_names

    first, last = FIRST_PACK_QUARTER, latest_quarter(today)
    cases: list[Case] = []
    for i, la in enumerate(all_la_names(paths)):
        quarters = quarters_between(first, last) if all_quarters else quarter_spread(first, last, i)
        cases += [Case("quarterly", la, q.label) for q in quarters]
    seen = set(cases)
    for la, labels in _local_quarters(paths).items():
        cases += [c for c in (Case("quarterly", la, label) for label in labels) if c not in seen]
    cases += [Case("explorer", la) for la in ("Doncaster", "Rotherham", "Lancashire")]
    return cases + [Case("deep_dive", "Doncaster", extract=e) for e in EXTRACTS]


def _extract_path(extract: str, folder: Path) -> Path:
    """The synthetic records written to ``folder`` once: a CSV, or census XML files."""
    from analysis.data.synthetic import write_synthetic_files

    csv = folder / "synthetic_referrals.csv"
    if not csv.exists():
        write_synthetic_files(folder, xml_years=[2017, 2018])
    if extract == "census XML":
        xml = folder / "census"
        if not xml.exists():
            xml.mkdir()
            for path in folder.glob("*.xml"):
                path.rename(xml / path.name)
        return xml
    return csv


def build_case(case: Case, paths: Paths, folder: Path) -> Pack:
    """The pack value of one case (nothing written but the synthetic extract in ``folder``)."""
    from analysis.data.geography import load_areas, resolve_la

    la = resolve_la(case.la, load_areas(paths.root))
    if case.kind == "deep_dive":
        from analysis.deep_dive.build import build_deep_dive
        from analysis.deep_dive.report import deep_dive_pack

        return deep_dive_pack(build_deep_dive(la, _extract_path(case.extract, folder), None, paths=paths))
    if case.kind == "explorer":
        from analysis.explorer import report as explorer
        from analysis.explorer.data import load_explorer_data

        data = load_explorer_data(paths)
        return explorer.explorer_pack(data.table, la, data.catalogue, paths=paths)
    from analysis.quarterly_pack import report

    ctx = report.build_pack_context(la, parse_quarter(case.period), paths=paths)
    return report.quarterly_pack(ctx)


def check_case(case: Case, paths: Paths, folder: Path) -> Outcome:
    """Build one case's pack value and check it; a case with nothing to show is skipped."""
    try:
        pack = build_case(case, paths, folder)
    except NoDataError as err:
        return Outcome(case, skipped=str(err).splitlines()[0])
    return Outcome(case, check_pack(pack))


def run_matrix(cases: Iterable[Case], paths: Paths,
               on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Check every case in turn (synthetic extracts in a temporary folder, removed after)."""
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="csc-check-packs-") as tmp:
        for case in cases:
            try:
                outcome = check_case(case, paths, Path(tmp))
            except AnalysisError as err:
                outcome = Outcome(case, skipped=f"could not be built: {str(err).splitlines()[0]}")
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    """Packs checked, skipped and with problems, and the problems by invariant."""
    checked = [o for o in outcomes if not o.skipped]
    by_invariant = Counter(p.invariant for o in checked for p in o.problems)
    packs_by = {name: sum(any(p.invariant == name for p in o.problems) for o in checked) for name in INVARIANTS}
    lines = [f"{len(checked)} pack(s) checked, {len(outcomes) - len(checked)} skipped (nothing to show); "
             f"{sum(bool(o.problems) for o in checked)} with problems."]
    lines += [f"  {name:<20} {by_invariant[name]:>6} problem(s) in {packs_by[name]:>5} pack(s)" for name in INVARIANTS]
    return "\n".join(lines)

