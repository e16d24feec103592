"""The explorer's downloads: an LA's profile and the view shown, as Excel workbooks (and the
view as CSV), every year published.

Numbers are numbers: a value, count, mean or rank is a number cell with a number format from
the indicator's unit and decimals (27.1 in a percentage column means 27.1%; the Unit column says
which), never text such as "27.1%" or "142 of 152". A figure DfE did not publish, or hid to
protect children ("c"), is an empty cell, with the reason in the Status column. Each table has
its source line under it, and the Notes sheet says what the columns mean, how ranks and bands
are worked out and where the figures come from. Every function is pure: figures in, bytes out
(written with openpyxl through pandas, as the pack's ``tables.xlsx``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd

from analysis.data.catalogue import Catalogue, Indicator
from analysis.data.sources import LICENCE
from analysis.engine.judgement import level_text
from analysis.render.files import neutralise

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority
    from analysis.explorer.data import ExplorerData
    from analysis.explorer.view import ExplorerView

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The Unit column's words for each catalogue unit.
UNIT_WORDS: dict[str, str] = {
    "percent": "per cent", "rate_per_10000": "per 10,000 children",
    "rate_per_100000": "per 100,000 children", "count": "number", "days": "days",
    "weeks": "weeks", "score": "score", "rate": "rate", "unspecified": "as published",
}

#: The Status column's words for the prepared table's statuses (DfE's symbols).
STATUS_WORDS: dict[str, str] = {
    "published": "published",
    "c": "c: hidden by DfE to protect children's confidentiality",
    "-": "not published",
    "x": "not available",
    "z": "not applicable",
    "u": "published, low reliability",
    "not in data": "not in the data for this year",
}

#: Columns holding a figure in the indicator's unit (its decimals), counts and ranks.
FIGURE_COLUMNS = ("Value", "England", "Region", "Neighbours' mean", "Lower limit", "Upper limit")
COUNT_COLUMNS = ("Numerator", "Denominator")
WHOLE_COLUMNS = ("Rank (1 = best)", "Position (1 = highest)", "Of")

RANK_NOTE = ("Ranks and quartile bands as in DfE's LAIT: rank 1 is the best of the LAs with a "
             "figure that year, band A the best quarter and D the worst. An indicator with no "
             "better direction (a rate of referrals, of children in need or looked after) has a "
             "position instead (1 = highest) and no band.")
NUMBERS_NOTE = ("Numbers are stored as numbers. Value, England, Region and Neighbours' mean are "
                "in the indicator's unit (the Unit column): a percentage as 27.1 for 27.1%, a rate "
                "per 10,000 children as 804.1. Numerator and denominator are the children or "
                "events behind a percentage, where DfE publishes them. An empty Value has its "
                "reason in the Status column (c: hidden by DfE to protect children's "
                "confidentiality).")


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, its table and the lines under it, and each row's indicator (for
    the number formats)."""

    name: str
    frame: pd.DataFrame
    below: tuple[str, ...]
    indicators: tuple[Indicator, ...]


def status_words(status: object, value: object) -> str:
    """The Status column: why a value is empty, or that it is published."""
    blank = not status.strip() if isinstance(status, str) else status is None or bool(pd.isna(status))
    if blank:
        return "published" if pd.notna(value) else "not published"
    return STATUS_WORDS.get(str(status).strip(), str(status))


def number_format(indicator: Indicator) -> str:
    """The spreadsheet number format of a figure in the indicator's unit: #,##0.0 for one decimal."""
    return "#,##0" + ("." + "0" * indicator.decimals if indicator.decimals > 0 else "")


def _number(value: Any) -> float | int | None:
    """A cell's number (a whole number as an integer), or None for an empty cell."""
    if value is None or pd.isna(value):
        return None
    number = float(value)
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _whole(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _rank_cells(row: dict[str, Any]) -> tuple[int | None, int | None, int | None]:
    """(rank, position, of): a rank where better and worse mean something, else a position."""
    if _whole(row.get("rank")) is None:
        return None, None, None
    of = _whole(row.get("of"))
    if row.get("rank_kind") == "position":
        return None, _whole(row.get("rank_from_highest")), of
    return _whole(row["rank"]), None, of


def _band(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else str(value)


def figure_rows(judged: pd.DataFrame, indicator: Indicator, la: LocalAuthority,
                release: Callable[[Indicator, int], tuple[str, str]]) -> list[dict[str, Any]]:
    """The LA's rows of one indicator (every year of ``judged``, the explorer's judged rows)
    as the workbook's columns. ``release(indicator, year)``: (the release the year's figures
    are taken from, with its date; when the year was first published)."""
    rows = []
    for row in judged.sort_values("year").to_dict("records"):
        rank, position, of = _rank_cells(row)
        taken, first = release(indicator, int(row["year"]))
        rows.append({
            "LA code (ONS)": la.new_code, "LA code (DfE)": la.old_code, "LA": la.name,
            "Topic": indicator.topic, "Indicator": indicator.label,
            "Unit": UNIT_WORDS.get(indicator.unit, indicator.unit), "Year": str(row["period"]),
            "Value": _number(row["value"]), "Status": status_words(row.get("status"), row["value"]),
            "Numerator": _number(row.get("numerator")), "Denominator": _number(row.get("denominator")),
            "England": _number(row.get("england")), "Region": _number(row.get("region")),
            "Neighbours' mean": _number(row.get("sn_mean")),
            "Rank (1 = best)": rank, "Position (1 = highest)": position, "Of": of,
            "Band": _band(row.get("quartile")),
            "Release (publication date)": taken, "Year first published": first,
        })
    return rows


def release_of(paths: Any, indicator: Indicator, year: int) -> tuple[str, str]:
    """(The releases a year's figures are taken from, with their dates; when that year was
    first published, "" where the release dates do not list it)."""
    from analysis.data.publications import load_publications, published_text
    from analysis.data.sources import release_names

    date = load_publications(paths.config).first_published(indicator.id, year)
    return release_names(indicator, year, paths), (published_text(date) if date is not None else "")


def _memo_release(paths: Any) -> Callable[[Indicator, int], tuple[str, str]]:
    found: dict[tuple[str, int], tuple[str, str]] = {}
    get = partial(release_of, paths)

    def release(indicator: Indicator, year: int) -> tuple[str, str]:
        key = (indicator.id, year)
        if key not in found:
            found[key] = get(indicator, year)
        return found[key]

    return release


def _formats(column: str, indicator: Indicator) -> str | None:
    if column in FIGURE_COLUMNS:
        return number_format(indicator)
    if column in COUNT_COLUMNS:
        return "#,##0"
    if column in WHOLE_COLUMNS:
        return "0"
    return None


def workbook_bytes(sheets: Sequence[Sheet], notes: Sequence[tuple[str, str]]) -> bytes:
    """The sheets, each with its number formats and the lines under its table, and a Notes
    sheet of (topic, note) rows. Text is neutralised (never run as a formula)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xl:
        for sheet in sheets:
            frame = sheet.frame.map(neutralise)
            frame.to_excel(xl, sheet_name=sheet.name, index=False)
            ws = xl.sheets[sheet.name]
            for c, column in enumerate(frame.columns, start=1):
                ws.column_dimensions[ws.cell(row=1, column=c).column_letter].width = max(10, min(
                    40, len(str(column)) + 2))
                for r, indicator in enumerate(sheet.indicators, start=2):
                    fmt = _formats(str(column), indicator)
                    if fmt is not None:
                        ws.cell(row=r, column=c).number_format = fmt
            for offset, line in enumerate(sheet.below):
                ws.cell(row=len(frame) + 3 + offset, column=1, value=neutralise(line))
        note_frame = pd.DataFrame(list(notes), columns=["Topic", "Note"]).map(neutralise)
        note_frame.to_excel(xl, sheet_name="Notes", index=False)
        xl.sheets["Notes"].column_dimensions["A"].width = 30
        xl.sheets["Notes"].column_dimensions["B"].width = 120
    return buffer.getvalue()


def _neighbours_note(version: str | None) -> str:
    which = f"the {version} list" if version else "the list in force for each year"
    return (f"Neighbours' mean: the unweighted mean of the LA's ten statistical neighbours ({which}), "
            "each LA counted once; the LA itself is not in it.")


def definition_notes(indicators: Sequence[Indicator], catalogue: Catalogue) -> list[tuple[str, str]]:
    """A Notes row per indicator: its definition (and the catalogue's caveat, if any)."""
    from analysis.explorer.definitions import reader_text

    return [(ind.label, ind.definition + (f" {reader_text(ind.notes, catalogue)}" if ind.notes else ""))
            for ind in indicators]


def profile_frame(data: ExplorerData, la: LocalAuthority, *, version: str | None = None,
                  level: float = 0.95) -> tuple[pd.DataFrame, tuple[Indicator, ...]]:
    """Every indicator x every year for the LA (the profile sheet), and each row's indicator."""
    from analysis.explorer.data import judge_every, judged_all

    judge_every(data, version, level)  # every indicator at once
    release = _memo_release(data.paths)
    rows: list[dict[str, Any]] = []
    kinds: list[Indicator] = []
    for ind in data.catalogue.benchmarked():
        judged = judged_all(data, ind.id, version, level)
        mine = judged[judged["la_code"] == la.new_code]
        if mine.empty or mine["value"].notna().sum() == 0:
            continue
        found = figure_rows(mine, ind, la, release)
        rows += found
        kinds += [ind] * len(found)
    return pd.DataFrame(rows), tuple(kinds)


def profile_workbook(data: ExplorerData, la: LocalAuthority, *, version: str | None = None,
                     level: float = 0.95) -> bytes:
    """The LA's profile as an Excel workbook: one sheet of every indicator x every year DfE
    published (codes, indicator, unit, value and its counts, England, region, neighbours'
    mean, rank of how many, band, release and date), and a Notes sheet. ``version``: the
    statistical neighbours' list ("2021", "2025"; None: the list in force each year)."""
    frame, kinds = profile_frame(data, la, version=version, level=level)
    shown = list({ind.id: ind for ind in kinds}.values())
    below = (f"Source: DfE's published figures, each row's release in its Release column. {LICENCE}",
             RANK_NOTE)
    notes = [("What this is", f"{la.name} ({la.old_code}, {la.new_code}): every indicator DfE "
              f"publishes for it in the toolkit's catalogue, every year published ({len(shown)} "
              "indicators)."),
             ("Numbers", NUMBERS_NOTE), ("Ranks and bands", RANK_NOTE),
             ("Statistical neighbours", _neighbours_note(version)),
             *definition_notes(shown, data.catalogue),
             ("Licence", f"Contains public sector information licensed under the {LICENCE}")]
    return workbook_bytes([Sheet("Profile", frame, below, kinds)], notes)


# --- the view shown -----------------------------------------------------------------------

def view_frame(view: ExplorerView, data: ExplorerData) -> pd.DataFrame:
    """The LA's rows of the view's indicator, every year: the profile's columns, then the
    interval and the judgements at the view's level."""
    assert view.judged is not None and view.indicator is not None and view.la is not None
    rows = figure_rows(view.judged, view.indicator, view.la, _memo_release(data.paths))
    judged = view.judged.sort_values("year").to_dict("records")
    for out, row in zip(rows, judged, strict=True):
        for key, name in (("ci_low", "Lower limit"), ("ci_high", "Upper limit")):
            out[name] = _number(round(row[key], 3) if pd.notna(row.get(key)) else None)
        for key, name in (("vs_england", "England"), ("vs_region", "region"), ("vs_neighbours", "neighbours")):
            value = row.get(key)
            out[f"Against {name}"] = str(value) if isinstance(value, str) and value else None
    return pd.DataFrame(rows)


def comparator_frame(view: ExplorerView, data: ExplorerData) -> pd.DataFrame:
    """Each LA of the view's comparator group (the LA first), every year: its own figures,
    rank and band."""
    from analysis.explorer.data import ranked_indicator

    assert view.indicator is not None and view.group is not None
    ind = view.indicator
    members = view.group.members[["old_la_code", "is_la"]].drop_duplicates("old_la_code")
    ranked = ranked_indicator(data, ind.id)
    rows = members.merge(ranked, on="old_la_code", how="left", sort=False)
    rows = rows[rows["year"].notna()]
    order = {code: i for i, code in enumerate(members["old_la_code"])}
    rows = rows.assign(_order=rows["old_la_code"].map(order)).sort_values(["_order", "year"])
    out = []
    for row in rows.to_dict("records"):
        rank, position, of = _rank_cells(row)
        out.append({
            "LA code (ONS)": row["area_code"], "LA code (DfE)": row["old_la_code"], "LA": row["area_name"],
            "Selected LA": "yes" if row["is_la"] else "no", "Indicator": ind.label,
            "Unit": UNIT_WORDS.get(ind.unit, ind.unit), "Year": str(row["period"]),
            "Value": _number(row["value"]), "Status": status_words(row.get("status"), row["value"]),
            "Numerator": _number(row.get("numerator")), "Denominator": _number(row.get("denominator")),
            "Rank (1 = best)": rank, "Position (1 = highest)": position, "Of": of,
            "Band": _band(row.get("quartile")),
        })
    return pd.DataFrame(out)


def years_source_line(indicator: Indicator, years: Sequence[int], paths: Any) -> str:
    """The source line under a table of every year: the releases the figures are taken from
    (each once, with its date); each year's first publication is in its row."""
    from analysis.data.sources import figure_files, taken_from

    files = [f for year in years for f in figure_files(indicator, int(year), paths)]
    return (f"Source: {taken_from(files, paths)}; when each year was first published is in its "
            f"row. {LICENCE}")


def _view_sheets(view: ExplorerView, data: ExplorerData) -> list[Sheet]:
    ind = view.indicator
    assert ind is not None and view.judged is not None
    source = years_source_line(ind, sorted(int(y) for y in view.judged["year"]), data.paths)
    level_line = f"Lower and upper limits and judgements at {level_text(view.selection.level)} confidence."
    figures = view_frame(view, data)
    sheets = [Sheet("Figures", figures, (source, level_line, RANK_NOTE), (ind,) * len(figures))]
    if view.group is not None:
        group = comparator_frame(view, data)
        sheets.append(Sheet("Comparator LAs", group, (source, RANK_NOTE), (ind,) * len(group)))
    return sheets


def _view_notes(view: ExplorerView, catalogue: Catalogue) -> list[tuple[str, str]]:
    from analysis.explorer.groups import NEIGHBOUR_VERSIONS

    assert view.la is not None and view.indicator is not None
    group = view.group
    members = ("" if group is None else
               f"Comparator LAs: {group.name}, as in {view.period} (the year shown); each LA's own "
               "figures for every year it has one.")
    return [("What this is", f"{view.indicator.label} for {view.la.name} ({view.la.old_code}, "
             f"{view.la.new_code}), every year published, with its comparator LAs' own figures."),
            *definition_notes([view.indicator], catalogue), ("Numbers", NUMBERS_NOTE),
            ("Ranks and bands", RANK_NOTE),
            ("Statistical neighbours", _neighbours_note(NEIGHBOUR_VERSIONS.get(view.selection.comparator))),
            *([("Comparator LAs", members)] if members else []),
            ("Judgements", f"Against England, the region and the neighbours' mean at "
             f"{level_text(view.selection.level)} confidence: better, similar or worse; "
             "'not compared' where DfE publishes no counts behind the figure."),
            ("Source", view.source),
            ("Licence", f"Contains public sector information licensed under the {LICENCE}")]


def view_workbook(view: ExplorerView, data: ExplorerData) -> bytes:
    """The view shown as an Excel workbook: the LA's figures every year (Figures), each
    comparator LA's own figures every year (Comparator LAs) and a Notes sheet."""
    return workbook_bytes(_view_sheets(view, data), _view_notes(view, data.catalogue))


def view_csv(view: ExplorerView, data: ExplorerData) -> bytes:
    """The view's tables as one CSV, numbers as numbers: the LA's figures every year, then
    each comparator LA's, each table with its source lines under it."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for n, sheet in enumerate(_view_sheets(view, data)):
        if n:
            writer.writerow([])
        frame = sheet.frame.map(neutralise)
        writer.writerow(list(frame.columns))
        writer.writerows([["" if v is None or (isinstance(v, float) and v != v) else v for v in row]
                          for row in frame.itertuples(index=False)])
        writer.writerow([])
        writer.writerows([neutralise(line)] for line in sheet.below)
    return out.getvalue().encode("utf-8")


# --- links on the page --------------------------------------------------------------------

def data_link(content: bytes, mime: str, file_name: str, text: str) -> str:
    """An anchor that downloads ``content`` as ``file_name`` (a data URI: no server file)."""
    import base64
    import html

    encoded = base64.b64encode(content).decode("ascii")
    return (f'<a download="{html.escape(file_name)}" href="data:{mime};base64,{encoded}" '
            f'class="explorer-download">{html.escape(text)}</a>')


def download_links(view: ExplorerView, data: ExplorerData) -> str:
    """The page's download links for the view shown: the view every year as Excel and as CSV,
    and the LA's profile (every indicator, every year) as Excel; "" when nothing is shown."""
    from analysis.explorer.chart_view import file_stem
    from analysis.explorer.groups import NEIGHBOUR_VERSIONS

    if view.row is None or view.la is None or view.indicator is None:
        return ""
    stem = file_stem(view)
    version = NEIGHBOUR_VERSIONS.get(view.selection.comparator)
    profile = profile_workbook(data, view.la, version=version, level=view.selection.level)
    links = [data_link(view_workbook(view, data), XLSX_MIME, f"{stem}.xlsx",
                       f"{view.indicator.label}, {view.la.name}, every year (Excel)"),
             data_link(view_csv(view, data), "text/csv", f"{stem}.csv",
                       f"{view.indicator.label}, {view.la.name}, every year (CSV)"),
             data_link(profile, XLSX_MIME, f"{view.la.slug}_profile.xlsx",
                       f"{view.la.name}: every indicator, every year (Excel)")]
    return '<ul class="explorer-downloads">' + "".join(f"<li>{link}</li>" for link in links) + "</ul>"
