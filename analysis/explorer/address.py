"""The explorer's view in the page's address, so that a view can be bookmarked and shared.

``?la=E08000018&indicator=cla_dental_checks&year=2016-17&group=neighbours&level=95`` holds the
LA (its ONS code), the indicator, the year, the comparator group and the confidence level (and,
for a list of LAs, ``list=`` their DfE codes). Readable values are accepted too
(``?la=Rotherham``, ``?year=2017``, ``?level=99.8%``): the LA and indicator are found as anywhere
else in the toolkit (:func:`analysis.data.geography.find_las`,
:func:`analysis.explorer.search.find_indicator`). A value that cannot be used is named in one
line and the default is kept for it.

``view=profile`` opens the LA's profile (every indicator; the year, if given, for all of them):
``?la=E08000017&view=profile&group=neighbours&level=95``; ``view=indicator`` one indicator in
detail. Without ``view``, an address naming an indicator opens it in detail (as addresses
shared before the profile do), and one without opens the page's landing view (the profile on
the served page). Pure functions: the widgets
(:mod:`analysis.explorer.widgets`) read the address when the page opens and write it after
every change.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from analysis.core.errors import AnalysisError
from analysis.data.periods import financial_year_label, parse_year
from analysis.explorer.data import ExplorerData
from analysis.explorer.search import find_indicator, find_la, resolve_group, split_names
from analysis.explorer.view import ExplorerSelection, ExplorerView

if TYPE_CHECKING:
    from analysis.explorer.profile_view import ProfileView

#: The comparator groups as the address names them -> the explorer's comparator choices.
GROUPS: dict[str, str] = {"neighbours": "sn", "neighbours-2021": "sn2021", "neighbours-2025": "sn2025",
                          "region": "region", "list": "list"}
#: The views as the address names them -> ExplorerSelection.shows.
VIEWS: dict[str, str] = {"profile": "profile", "indicator": "indicator"}
#: The confidence levels as the address names them.
LEVELS: dict[str, float] = {"95": 0.95, "99.8": 0.998}


def _group_and_level(sel: ExplorerSelection) -> dict[str, str]:
    group = next((name for name, key in GROUPS.items() if key == sel.comparator), "neighbours")
    level = next((name for name, value in LEVELS.items() if value == sel.level), "95")
    return {"group": group, "level": level}


def view_address(view: ExplorerView) -> str:
    """The query string that opens ``view`` again (names and codes, never typed text)."""
    if view.la is None or view.indicator is None or view.year is None:
        return ""
    sel = view.selection
    fields = {"la": view.la.new_code, "indicator": view.indicator.id,
              "year": financial_year_label(view.year), **_group_and_level(sel)}
    if sel.comparator == "list" and view.group is not None:
        codes = view.group.members.loc[view.group.members["in_group"], "old_la_code"].astype(str)
        fields["list"] = ",".join(codes)
    return urlencode(fields, safe=",")


def profile_address(view: ProfileView) -> str:
    """The query string that opens the profile ``view`` again: the LA's code, ``view=profile``,
    the year when one was chosen (none: each indicator's latest), the group and the level."""
    if view.la is None:
        return ""
    sel = view.selection
    fields = {"la": view.la.new_code, "view": "profile",
              **({"year": financial_year_label(sel.year)} if sel.year is not None else {}),
              **_group_and_level(sel)}
    if sel.comparator == "list" and view.listed:
        fields["list"] = ",".join(view.listed)
    return urlencode(fields, safe=",")


def _bad(key: str, value: str, why: str) -> str:
    return f"The address's {key}={value} is not used ({why[:1].lower()}{why[1:].rstrip('.')}); the default is shown."


def selection_from_address(query: str, data: ExplorerData,
                           default: ExplorerSelection) -> tuple[ExplorerSelection, tuple[str, ...]]:
    """The selection an address asks for, and a line for each value that could not be used
    (that part of ``default`` is kept)."""
    fields = {k: v[-1].strip() for k, v in parse_qs(query.lstrip("?"), keep_blank_values=True).items()}
    chosen, problems = default, []
    shows = "indicator" if "indicator" in fields else default.shows
    if "view" in fields:
        if fields["view"].lower() in VIEWS:
            shows = VIEWS[fields["view"].lower()]
        else:
            problems.append(_bad("view", fields["view"], "the views are profile and indicator"))
    chosen = replace(chosen, shows=shows)
    if "la" in fields:
        la, why = find_la(fields["la"], data)
        if la is None:
            problems.append(_bad("la", fields["la"], why))
        else:
            chosen = replace(chosen, la=la.name)
    if "indicator" in fields:
        ind, why = find_indicator(fields["indicator"], data.catalogue)
        if ind is None:
            problems.append(_bad("indicator", fields["indicator"], why))
        else:
            chosen = replace(chosen, indicator=ind.label)
    if "year" in fields:
        years = {int(y) for y in data.table["year"].unique()}
        try:
            year: int | None = parse_year(fields["year"])
        except AnalysisError:
            year = None
        if year in years:
            chosen = replace(chosen, year=year)
        else:
            problems.append(_bad("year", fields["year"], "not a year in the data: "
                                 f"{financial_year_label(min(years))} to {financial_year_label(max(years))}"))
    if "group" in fields:
        group = fields["group"].lower()
        if group in GROUPS:
            chosen = replace(chosen, comparator=GROUPS[group])
        else:
            problems.append(_bad("group", fields["group"], f"the groups are {', '.join(GROUPS)}"))
    if "list" in fields:
        try:
            members, why_not = resolve_group(split_names(fields["list"]), data)
        except AnalysisError as exc:  # e.g. a list longer than the explorer takes
            members, why_not = [], [str(exc).splitlines()[0]]
        problems += [f"The address's list={fields['list']}: {w} Left out of the list." for w in why_not]
        chosen = replace(chosen, group=tuple(la.name for la in members))
    if "level" in fields:
        level = fields["level"].rstrip("%")
        if level in LEVELS:
            chosen = replace(chosen, level=LEVELS[level])
        else:
            problems.append(_bad("level", fields["level"], "the levels are 95 and 99.8"))
    return chosen, tuple(problems)
