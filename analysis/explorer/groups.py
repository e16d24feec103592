"""The comparator groups the explorer offers (statistical neighbours, the region, a typed list
of LAs): each group's members and figures, its mean, and the table of its LAs judged against
England.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.core.errors import AnalysisError, ParameterError
from analysis.data.catalogue import Indicator
from analysis.data.geography import LocalAuthority
from analysis.engine.judgement import level_text
from analysis.explorer.data import ExplorerData
from analysis.explorer.search import resolve_group

#: Comparator groups the explorer offers: (what the analyst reads, key).
COMPARATOR_CHOICES: tuple[tuple[str, str], ...] = (
    ("Statistical neighbours (the list in force for the year)", "sn"),
    ("Statistical neighbours, 2021 list", "sn2021"),
    ("Statistical neighbours, 2025 list", "sn2025"),
    ("The LA's region", "region"),
    ("A list of LAs (e.g. a consortium)", "list"),
)

#: The statistical-neighbour list version each comparator key asks for (None: the year's).
NEIGHBOUR_VERSIONS: dict[str, str | None] = {"sn": None, "sn2021": "2021", "sn2025": "2025"}

#: A comparator list needs at least this many LAs for a group mean and chart.
MIN_GROUP: int = 2


@dataclass(frozen=True)
class GroupView:
    """The comparator group for one indicator and year.

    ``members`` has the columns of :func:`analysis.engine.benchmark.neighbour_values` (the LA first,
    ``is_la``) and ``in_group``: whether the row counts towards the group's mean (the LA does
    for a region or a list that names it; never for its statistical neighbours).
    """

    key: str
    name: str
    members: pd.DataFrame
    mean: float | None
    count: int  # members with a figure
    size: int  # members


def region_members(data: ExplorerData, la: LocalAuthority, year: int) -> list[str]:
    areas = data.areas[(data.areas["region_code"] == la.region_code)]
    keep = [c for c, first, last in zip(areas["old_code"], areas["first_year"], areas["last_year"],
                                        strict=True)
            if (pd.isna(first) or year >= first) and (pd.isna(last) or year <= last)]
    return sorted(set(keep))


def _values_for(data: ExplorerData, codes: Sequence[str], la: LocalAuthority, indicator: str,
                year: int) -> pd.DataFrame:
    """Rows like :func:`analysis.engine.benchmark.neighbour_values` for the LA and ``codes``."""
    table = data.rows(indicator)
    rows = table[(table["year"] == year) & (table["level"] == "la")]
    order = [la.old_code, *[c for c in codes if c != la.old_code]]
    out = pd.DataFrame({"old_la_code": order, "sn_rank": range(len(order))})
    out = out.merge(rows[["old_la_code", "value", "status", "numerator", "denominator"]],
                    on="old_la_code", how="left")
    out["area_name"] = out["old_la_code"].map(data.areas.set_index("old_code")["name"])
    out["closeness"] = ""
    out["status"] = out["status"].fillna("not in data")
    out["is_la"] = out["old_la_code"] == la.old_code
    out["in_group"] = out["old_la_code"].isin(set(codes))
    return out[["old_la_code", "area_name", "sn_rank", "closeness", "value", "status",
                "numerator", "denominator", "is_la", "in_group"]]


def comparator_group(data: ExplorerData, la: LocalAuthority, indicator: str, year: int,
                     comparator: str, names: Sequence[str] = ()) -> tuple[GroupView | None, list[str]]:
    """The comparator group's members, figures and mean, and lines on what went wrong."""
    from analysis.engine.benchmark import neighbour_values

    if comparator in NEIGHBOUR_VERSIONS:
        try:
            members = neighbour_values(data.rows(indicator), la, indicator, year, paths=data.paths,
                                       neighbours_version=NEIGHBOUR_VERSIONS[comparator])
        except AnalysisError as exc:
            return None, [str(exc).splitlines()[0]]
        if len(members) < 2:
            return None, [f"{la.name} has no statistical neighbours in this list."]
        members = members.assign(in_group=~members["is_la"])
        version = NEIGHBOUR_VERSIONS[comparator] or "the year's"
        name = f"statistical neighbours ({version} list)"
        problems: list[str] = []
    elif comparator == "region":
        members = _values_for(data, region_members(data, la, year), la, indicator, year)
        name, problems = f"LAs in {la.region_name}", []
    elif comparator == "list":
        listed, problems = resolve_group(names, data)
        if len(listed) < MIN_GROUP:
            return None, [*problems, (f"A comparator list needs at least {MIN_GROUP} LAs; it has "
                                      f"{len(listed)}. Type names or codes, separated by commas.")]
        members = _values_for(data, [x.old_code for x in listed], la, indicator, year)
        name = f"the {len(listed)} LAs listed"
    else:
        raise ParameterError("unknown comparator group", parameter="comparator",
                             expected=" | ".join(k for _, k in COMPARATOR_CHOICES), found=repr(comparator))
    counted = members.loc[members["in_group"], "value"]
    mean = float(counted.mean()) if counted.notna().any() else None
    group = GroupView(comparator, name, members.reset_index(drop=True), mean,
                      int(counted.notna().sum()), len(counted))
    return group, problems


def group_line(group: GroupView, indicator: Indicator, la: LocalAuthority, value: float | None) -> str:
    """One line: the group's mean (unweighted) and where the LA stands against it."""
    if group.mean is None:
        return f"No figures for {group.name}."
    text = (f"Mean of {group.name}: {indicator.format_value(group.mean)} "
            f"({group.count} of {group.size} with a figure; each LA counts once).")
    if value is not None and value == value:
        diff = value - group.mean
        gap = (f"{abs(diff):.{indicator.decimals}f} percentage points" if indicator.unit == "percent"
               else indicator.format_value(abs(diff)))
        text += (f" {la.name} is {gap} "
                 f"{'above' if diff > 0 else 'below'} it." if round(diff, indicator.decimals)
                 else f" {la.name} is level with it.")
    return text


def judged_values(all_values: pd.DataFrame, indicator: Indicator, england: float,
                  level: float) -> pd.DataFrame:
    """Every LA's figure judged against England at ``level``: old_la_code, vs_england.

    Each row is judged on its own figures, so the judgements of a group's LAs are these rows;
    the explorer works them out once per indicator, year and level (:func:`consortium_table`).
    """
    from analysis.engine.judgement import judge_table

    ranks = all_values[["old_la_code", "value", "numerator", "denominator"]]
    bench = ranks.assign(indicator=indicator.id, unit=indicator.unit, polarity=indicator.polarity,
                         decimals=indicator.decimals, england=england, region=float("nan"),
                         sn_mean=float("nan"))
    return judge_table(bench, level=level)[["old_la_code", "vs_england"]]


def consortium_table(group: GroupView, all_values: pd.DataFrame, indicator: Indicator,
                     england: float, level: float, judged: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each LA of the group (and the LA): value, count, national rank, band, judgement vs England.

    ``judged``: :func:`judged_values` for the same figures, when already worked out.
    """
    if judged is None:
        judged = judged_values(all_values, indicator, england, level)
    members = group.members[["old_la_code", "area_name", "is_la", "in_group"]]
    ranks = all_values[["old_la_code", "value", "numerator", "denominator", "rank", "of", "quartile"]]
    rows = members.merge(ranks, on="old_la_code", how="left")
    judged = judged.drop_duplicates("old_la_code")
    absent = ~rows["old_la_code"].isin(judged["old_la_code"])  # no row in the data that year
    if absent.any():
        judged = pd.concat([judged, judged_values(rows[absent], indicator, england, level)])
    judged = rows.merge(judged, on="old_la_code", how="left")
    ascending = indicator.polarity != "higher_is_better"
    judged = judged.sort_values("value", ascending=ascending, na_position="last")
    return pd.DataFrame({
        "LA": [f"{n} (selected)" if la else str(n) for n, la in zip(judged["area_name"], judged["is_la"],
                                                                     strict=True)],
        "Value": [indicator.format_value(v) for v in judged["value"]],
        "Count": [f"{n:,.0f} of {d:,.0f}" if pd.notna(n) and pd.notna(d) else "-"
                  for n, d in zip(judged["numerator"], judged["denominator"], strict=True)],
        "National rank": [f"{int(r)} of {int(o)}" if pd.notna(r) else "-"
                          for r, o in zip(judged["rank"], judged["of"], strict=True)],
        "Band": [str(q) if pd.notna(q) else "-" for q in judged["quartile"]],
        f"vs England ({level_text(level)})": [str(j) if pd.notna(j) else "-" for j in judged["vs_england"]],
    }).reset_index(drop=True)
