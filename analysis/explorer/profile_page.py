"""The LA profile as the page shows it: one accessible HTML table, grouped by topic and sorted.

:func:`profile_html` turns :func:`analysis.explorer.profile.profile_rows` into a real
``<table>`` (a caption, column headings with ``scope="col"``, one ``<tbody>`` per topic headed
by a ``scope="rowgroup"`` cell, each indicator's name a ``scope="row"`` heading). Every cell
is words or a formatted number: a hidden figure reads "c", a figure not published reads "not
published", the change since last year and the judgements have an arrow and words (never
colour alone). Each indicator's name is a button that opens its detail view: a click writes
the indicator's id into the page's hidden ``.explorer-open`` box, which the explorer's widgets
watch (:mod:`analysis.explorer.widgets`). Pure functions: text in, text out.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.core.blocks import Column
from analysis.engine.ranking import rank_text
from analysis.render.formats import format_cell, kind_for_unit, words

#: One profile row as a mapping (a row of profile_rows as a dict, or a pandas Series).
Row = Mapping[str, Any]

#: The "Sort by" choices: (what the analyst reads, key). Rows are sorted within each topic.
SORTS: tuple[tuple[str, str], ...] = (
    ("Topic order", "topic"),
    ("Judgement against England, worse first", "judgement"),
    ("Quartile band, D (worst) first", "band"),
    ("National rank, worst first", "rank"),
    ("Change since last year, worsened first", "change"),
    ("Indicator name, A to Z", "name"),
)

#: Sort order of the words each sortable column holds (smaller first; anything else last).
_JUDGEMENT_ORDER = {"worse": 0, "similar": 1, "better": 2, "higher": 3, "lower": 3}
_BAND_ORDER = {"D": 0, "C": 1, "B": 2, "A": 3}
_CHANGE_ORDER = {"worsened": 0, "no change": 1, "improved": 2, "higher": 3, "lower": 3}

#: The script a name's button runs: the indicator's id (and the time, so that a second click
#: on the same name is a change too) into the hidden box of the explorer the table sits in.
_OPEN_SCRIPT = ("var box=this.closest('.explorer-app').querySelector('.explorer-open input');"
                "box.value=this.dataset.indicator+' '+Date.now();"
                "box.dispatchEvent(new Event('input',{bubbles:true}));")


def sort_key(frame: pd.DataFrame, key: str) -> pd.Series:
    """Each row's place under sort ``key`` (one of :data:`SORTS`), within its topic."""
    if key == "judgement":
        return frame["vs_england"].map(lambda j: _JUDGEMENT_ORDER.get(str(j), 9))
    if key == "band":
        return frame["band"].map(lambda b: _BAND_ORDER.get(str(b), 9))
    if key == "rank":  # worst first: the larger share of the way down the ranking
        share = (frame["rank"].astype("Float64") / frame["of"].astype("Float64")).astype("float64")
        return (-share).where(frame["rank_kind"] == "rank", 9.0).fillna(9.0)
    if key == "change":
        return frame["direction"].map(lambda d: _CHANGE_ORDER.get(str(d), 9))
    if key == "name":
        return frame["label"].str.lower()
    return pd.Series(range(len(frame)), index=frame.index)


def sorted_profile(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` sorted by ``key`` within each topic (topics stay in their order; ties keep
    the catalogue's order)."""
    topics = {t: n for n, t in enumerate(dict.fromkeys(frame["topic"]))}
    return (frame.assign(_topic=frame["topic"].map(topics), _key=sort_key(frame, key))
            .sort_values(["_topic", "_key"], kind="stable").drop(columns=["_topic", "_key"]))


def _number(row: Row, column: str) -> str:
    kind = kind_for_unit(row["unit"])
    return format_cell(row[column], Column(column, column, kind=kind, decimals=int(row["decimals"])))  # type: ignore[arg-type]


def value_text(row: Row) -> str:
    """The LA's figure, or why there is none ("c", "not published")."""
    kind = kind_for_unit(row["unit"])
    column = Column("value", "value", kind=kind, decimals=int(row["decimals"]))  # type: ignore[arg-type]
    return format_cell(row["value"], column, reason=row["status"])


def counts_text(row: Row) -> str:
    """The counts behind a figure: "1,429 of 5,275", "514", or "–"."""
    numerator, denominator = row["numerator"], row["denominator"]
    if pd.isna(row["value"]) or (pd.isna(numerator) and pd.isna(denominator)):
        return "–"
    if pd.isna(numerator):
        return f"? of {denominator:,.0f}"
    return f"{numerator:,.0f}" + (f" of {denominator:,.0f}" if pd.notna(denominator) else "")


def change_text(row: Row) -> str:
    """The change since the year before, with its arrow: "▼ Worsened from 23.0%"."""
    direction = row["direction"]
    if pd.isna(row["value"]) or pd.isna(direction) or direction == "no comparison" or pd.isna(row["previous_value"]):
        return "No figure the year before" if pd.notna(row["value"]) else "–"
    return f"{words(str(direction))} from {_number(row, 'previous_value')}"


def judgement_text(row: Row) -> str:
    """Against England / the region / the neighbours, each with its arrow and word."""
    found = [row[c] for c in ("vs_england", "vs_region", "vs_neighbours")]
    if pd.isna(row["value"]) or all(pd.isna(j) for j in found):
        return "–"
    if all(pd.isna(j) or j == "not compared" for j in found):
        return "Not compared"
    return " / ".join("–" if pd.isna(j) else words(str(j)) for j in found)


def rank_cell(row: Row) -> str:
    return rank_text(row["rank"], row["of"], row["rank_kind"], row["rank_from_highest"]) or "–"


def _cells(row: Row) -> list[str]:
    return [str(row["period"]) or "–", value_text(row), counts_text(row), _number(row, "england"),
            _number(row, "region"), _number(row, "group_mean"), rank_cell(row),
            str(row["band"]) if pd.notna(row["band"]) else "–", change_text(row), judgement_text(row)]


def headings(la_name: str, group_heading: str) -> list[str]:
    return ["Indicator", "Year", la_name, "Number (of)", "England", "Region", group_heading,
            "National rank", "Band (A best)", "Since last year", "Against England / region / neighbours"]


def profile_html(frame: pd.DataFrame, *, la_name: str, group_heading: str, caption: str) -> str:
    """The profile as one HTML table (every cell escaped), one ``<tbody>`` per topic."""
    heads = headings(la_name, group_heading)
    out = [f'<table class="explorer-profile-table explorer-grid"><caption>{html.escape(caption)}</caption>',
           "<thead><tr>" + "".join(f'<th scope="col">{html.escape(h)}</th>' for h in heads) + "</tr></thead>"]
    for topic, rows in frame.groupby("topic", sort=False):
        out.append(f'<tbody><tr class="explorer-profile-topic"><th scope="rowgroup" colspan="{len(heads)}">'
                   f"{html.escape(str(topic))}</th></tr>")
        for row in rows.to_dict("records"):
            name = (f'<button type="button" class="explorer-open-button" '
                    f'data-indicator="{html.escape(str(row["indicator"]))}" onclick="{_OPEN_SCRIPT}" '
                    f'title="Open this indicator">{html.escape(str(row["label"]))}</button>')
            out.append(f'<tr data-indicator="{html.escape(str(row["indicator"]))}"><th scope="row">{name}</th>'
                       + "".join(f"<td>{html.escape(c)}</td>" for c in _cells(row)) + "</tr>")
        out.append("</tbody>")
    out.append("</table>")
    return "".join(out)


def opened_indicator(value: str) -> str:
    """The indicator id a click wrote into the hidden box ("re_referrals 1733..." ->
    "re_referrals"); "" for anything else."""
    parts = str(value).split()
    return parts[0] if parts else ""
