"""The interactive explorer: a selection in, the values to show out.

The widgets (:mod:`analysis.explorer.widgets`) hold an :class:`ExplorerSelection`; every change
calls :func:`explorer_view` on data loaded once (:class:`ExplorerData`) and shows the
:class:`ExplorerView` it returns. Nothing here draws or reads a file after start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from analysis.core.errors import AnalysisError, NoDataError, ParameterError
from analysis.data.catalogue import Indicator
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.data.sources import source_line
from analysis.engine.funnel_words import funnel_line
from analysis.engine.funnels import KIND_OF_UNIT, Funnel, try_funnel
from analysis.engine.judgement import level_text
from analysis.explorer.data import ExplorerData, la_judged, ranked_indicator
from analysis.explorer.search import find_indicator, find_la, resolve_group

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
class ExplorerSelection:
    """What the analyst has picked: text as typed, so bad input can be answered."""

    la: str = "Doncaster"
    indicator: str = "re_referrals"
    year: int | None = None  # None: the latest year with a figure for the LA
    comparator: str = "sn"
    group: tuple[str, ...] = ()  # LAs typed for the "list" comparator
    level: float = 0.95


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


@dataclass(frozen=True)
class ExplorerView:
    """What the explorer shows for a selection; ``messages`` say what could not be shown."""

    selection: ExplorerSelection
    la: LocalAuthority | None = None
    indicator: Indicator | None = None
    year: int | None = None
    period: str = ""
    judged: pd.DataFrame | None = None  # every year of the indicator, judged
    row: pd.Series | None = None  # the chosen year's row of ``judged``
    group: GroupView | None = None
    all_values: pd.DataFrame | None = None
    funnel: Funnel | None = None
    funnel_text: str = ""
    source: str = ""
    messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def sentence(self) -> str:
        return "" if self.row is None else str(self.row["sentence"])


def published_years(table: pd.DataFrame, indicator: str) -> list[int]:
    """The years with a published figure for the indicator (England or any area)."""
    rows = table[(table["indicator"] == indicator) & table["value"].notna()]
    return sorted(int(y) for y in rows["year"].unique())


def years_text(years: Sequence[int]) -> str:
    """'2013-14 to 2015-16 and 2017-18': runs of consecutive years."""
    runs: list[list[int]] = []
    for y in sorted(years):
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    parts = [financial_year_label(r[0]) if len(r) == 1
             else f"{financial_year_label(r[0])} to {financial_year_label(r[-1])}" for r in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _region_members(data: ExplorerData, la: LocalAuthority, year: int) -> list[str]:
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
        members = _values_for(data, _region_members(data, la, year), la, indicator, year)
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


def _choose_year(judged: pd.DataFrame, years: list[int], wanted: int | None) -> tuple[int | None, str]:
    if wanted is None:
        has = judged.loc[judged["value"].notna(), "year"]
        return (int(has.max()) if not has.empty else (years[-1] if years else None)), ""
    if wanted not in years:
        return None, (f"{financial_year_label(wanted)} is not published for this indicator; "
                      f"years published: {years_text(years)}.")
    return wanted, ""


def explorer_view(data: ExplorerData, selection: ExplorerSelection) -> ExplorerView:
    """Everything the explorer shows for ``selection``, worked out from memory.

    Never raises for bad input: what cannot be shown is said in ``messages``.
    """
    from analysis.engine.benchmark import all_la_values
    la, la_problem = find_la(selection.la, data)
    ind, ind_problem = find_indicator(selection.indicator, data.catalogue)
    problems = [p for p in (la_problem, ind_problem) if p]
    if la is None or ind is None:
        return ExplorerView(selection, la, ind, messages=tuple(problems))
    table = data.rows(ind.id)
    years = published_years(table, ind.id)
    version = NEIGHBOUR_VERSIONS.get(selection.comparator)
    try:
        judged = la_judged(data, la, ind.id, version, selection.level)
    except NoDataError:
        return ExplorerView(selection, la, ind, messages=(
            f"{la.name} has no published figures for {ind.label.lower()} in any year.",))
    except AnalysisError as exc:
        return ExplorerView(selection, la, ind, messages=(str(exc).splitlines()[0],))
    year, why = _choose_year(judged, years, selection.year)
    if year is None:
        return ExplorerView(selection, la, ind, judged=judged, messages=(why,))
    row = judged[judged["year"] == year].iloc[0]
    period = str(row["period"])
    if pd.isna(row["value"]):
        from analysis.data.geography import reorganisation_note

        why_none = reorganisation_note(la, year) or str(row["status"])
        problems.append(f"{la.name} has no published figure for {period} ({why_none}).")
    group, group_problems = comparator_group(data, la, ind.id, year, selection.comparator,
                                             selection.group)
    all_values = data.memo(("all", ind.id, year),
                           lambda: all_la_values(table, ind.id, year, data.catalogue))
    funnel, funnel_text = None, ""
    if ind.unit in KIND_OF_UNIT and pd.notna(row["england"]):
        funnel, why_not = data.memo(("funnel", ind.id, year),
                                    lambda: try_funnel(table, row, data.catalogue))
        funnel_text = funnel_line(funnel, la, ind) if funnel is not None else f"No funnel plot: {why_not}"
    return ExplorerView(selection, la, ind, year, period, judged, row, group, all_values, funnel,
                        funnel_text, source_line(ind, period, data.paths),
                        tuple(problems + group_problems))


def view_csv(view: ExplorerView, consortium: pd.DataFrame | None = None,
             row_table: pd.DataFrame | None = None) -> str:
    """The judged row and the comparator group as CSV, with the source lines under them.

    ``consortium`` and ``row_table`` are the view's :func:`consortium_table` and its row as
    :func:`analysis.engine.tables.format_benchmark_table` gives it, when already worked out.
    """
    import io

    from analysis.engine.tables import format_benchmark_table

    buffer = io.StringIO()
    if view.row is None or view.indicator is None:
        return ""
    if row_table is None:
        row_table = format_benchmark_table(view.row.to_frame().T)
    row_table.to_csv(buffer, index=False, lineterminator="\n")
    if consortium is None and view.group is not None and view.all_values is not None:
        consortium = consortium_table(view.group, view.all_values, view.indicator,
                                      float(view.row["england"]), view.selection.level)
    if consortium is not None:
        buffer.write("\n")
        consortium.to_csv(buffer, index=False, lineterminator="\n")
    buffer.write(f"\n\"{view.source}\"\n\"Ranks and quartile bands as in DfE's LAIT; "
                 f"judgements at {level_text(view.selection.level)} confidence.\"\n")
    return buffer.getvalue()


#: Quartile band colours for the heat map, best to worst (colour-blind-safe blues; the band
#: letter is always written in the cell, so the colour never carries the meaning alone).
BAND_COLOURS: dict[str, str] = {"A": "#08519c", "B": "#4292c6", "C": "#9ecae1", "D": "#deebf7"}
BAND_TEXT: dict[str, str] = {"A": "#ffffff", "B": "#ffffff", "C": "#000000", "D": "#000000"}


def band_grid(data: ExplorerData, codes: Sequence[str], indicators: Sequence[Indicator],
              year: int) -> pd.DataFrame:
    """LAs (rows, in ``codes`` order) by indicators (columns, labels): each LA's quartile band
    letter in ``year``, "-" where it has none (no figure, no band, or not published)."""
    names = data.areas.drop_duplicates("old_code").set_index("old_code")["name"]
    out = pd.DataFrame({"LA": [str(names.get(c, c)) for c in codes]})
    for ind in indicators:
        bands = bands_by_year(data, ind.id).get(year, {})
        out[ind.label] = [bands.get(c, "-") for c in codes]
    return out


def bands_by_year(data: ExplorerData, indicator: str) -> dict[int, dict[str, str]]:
    """Each LA's quartile band letter in each year of one indicator (worked out once; LAs
    with no band left out)."""
    def make() -> dict[int, dict[str, str]]:
        ranked = ranked_indicator(data, indicator)
        out: dict[int, dict[str, str]] = {}
        if "quartile" not in ranked:
            return out
        rows = ranked.drop_duplicates(["year", "old_la_code"])
        for year, code, band in zip(rows["year"], rows["old_la_code"], rows["quartile"], strict=True):
            if pd.notna(band):
                out.setdefault(int(year), {})[str(code)] = str(band)
        return out

    return data.memo(("bands", indicator), make)


def band_grid_html(grid: pd.DataFrame) -> str:
    """The band grid as an HTML table: each cell its letter on its band's colour."""
    import html as html_lib

    head = "".join(f"<th>{html_lib.escape(str(c))}</th>" for c in grid.columns)
    body = []
    for row in grid.itertuples(index=False):
        cells = [f"<th>{html_lib.escape(str(row[0]))}</th>"]
        for band in row[1:]:
            style = (f' style="background:{BAND_COLOURS[band]};color:{BAND_TEXT[band]};'
                     f'text-align:center;font-weight:bold"' if band in BAND_COLOURS
                     else ' style="text-align:center"')
            cells.append(f"<td{style}>{html_lib.escape(str(band))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="explorer-grid explorer-bands"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")
