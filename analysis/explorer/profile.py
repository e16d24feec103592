"""An LA's profile: every benchmarked indicator on one screen, grouped by topic.

:func:`profile_rows` gives one row per indicator for an LA and a year (or each indicator's
latest year with a figure): the LA's value with the evidence behind it (numerator,
denominator, year, the release the figure is taken from), England, the region, the
comparator group's mean, the national rank or position, the quartile band, the change since
the year before and the judgements, all from the judged figures
(:func:`analysis.explorer.data.judged_all`). :func:`trend_rows` gives every indicator's
figures over the years for the profile's one trend chart. Pure functions: the page
(:mod:`analysis.explorer.profile_page`) draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from analysis.data.catalogue import Indicator
from analysis.data.periods import period_label

#: The profile's columns (numbers kept as numbers; the page formats them).
COLUMNS: tuple[str, ...] = (
    "topic", "indicator", "label", "unit", "decimals", "polarity", "year", "period", "value",
    "status", "numerator", "denominator", "england", "region", "group_mean", "rank", "of",
    "rank_kind", "rank_from_highest", "band", "previous_value", "direction", "vs_england",
    "vs_region", "vs_neighbours", "release",
)

#: The judged figures' columns a profile row copies as they are.
_COPIED = ("year", "period", "value", "status", "numerator", "denominator", "england", "region",
           "rank", "of", "rank_kind", "rank_from_highest", "previous_value", "direction",
           "vs_england", "vs_region", "vs_neighbours")


#: The judged figures' columns the profile reads (:func:`profile_rows`, :func:`trend_rows`).
JUDGED_COLUMNS: tuple[str, ...] = (*_COPIED, "indicator", "la_code", "label", "unit", "sn_mean", "quartile")


def chosen_rows(la_rows: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """One row per indicator of ``la_rows`` (an LA's judged rows): the row for ``year``, or
    the latest year with a figure (the latest year when none has one). Indexed by indicator."""
    if year is not None:
        picked = la_rows[la_rows["year"] == year]
    else:
        ordered = la_rows.assign(_has=la_rows["value"].notna()).sort_values(["_has", "year"], kind="stable")
        picked = ordered.drop_duplicates("indicator", keep="last").drop(columns="_has")
    return picked.drop_duplicates("indicator").set_index("indicator")


def profile_rows(la_rows: pd.DataFrame, indicators: Sequence[Indicator], year: int | None, *,
                 group_means: Mapping[str, float | None] | None = None,
                 releases: Callable[[Indicator, int], str] | None = None) -> pd.DataFrame:
    """One row per indicator of ``indicators`` for one LA: the :data:`COLUMNS`, in topic
    order (topics as they first appear, indicators in their order within a topic).

    ``la_rows``: the LA's judged rows (:func:`analysis.explorer.data.judged_all`'s columns),
    every indicator and year. ``year``: the table's year (2017 for 2016-17), or None for each
    indicator's latest year with a figure. ``group_means``: the comparator group's mean by
    indicator id (default: the statistical neighbours' mean of the judged rows).
    ``releases(indicator, year)``: the release a year's figures are taken from, with its date.
    An indicator with no row for the year gets a row "not published" (so does a figure DfE
    left blank); a hidden figure keeps DfE's symbol ("c") as its status.
    """
    topics = list(dict.fromkeys(ind.topic for ind in indicators))
    ordered = sorted(indicators, key=lambda i: topics.index(i.topic))
    ids = [ind.id for ind in ordered]
    chosen = chosen_rows(la_rows, year).reindex(ids)
    frame = pd.DataFrame({c: chosen[c].to_numpy() for c in _COPIED}, index=pd.Index(ids))
    has_row = chosen["la_code"].notna().to_numpy()
    frame["year"] = [int(y) if ok else year for y, ok in zip(frame["year"], has_row, strict=True)]
    frame["period"] = [p if ok else (period_label(year, ind.year_type) if year is not None else "")
                       for p, ok, ind in zip(frame["period"], has_row, ordered, strict=True)]
    blank = frame["value"].isna() & (~pd.Series(has_row, index=frame.index)
                                     | frame["status"].isin(["missing", "-"]))
    frame["status"] = frame["status"].astype(object).where(~blank, "not published")
    frame["direction"] = frame["direction"].astype(object).where(has_row, "no comparison")
    if group_means is not None:
        frame["group_mean"] = [group_means.get(i) for i in ids]
    else:
        frame["group_mean"] = chosen["sn_mean"].to_numpy()
    frame["band"] = [None if pd.isna(b) else str(b) for b in chosen["quartile"]]
    frame["release"] = [releases(ind, int(y)) if releases is not None and ok else ""
                        for ind, y, ok in zip(ordered, frame["year"], has_row, strict=True)]
    frame["topic"] = [ind.topic for ind in ordered]
    frame["indicator"] = ids
    frame["label"] = [ind.label for ind in ordered]
    frame["unit"] = [ind.unit for ind in ordered]
    frame["decimals"] = [ind.decimals for ind in ordered]
    frame["polarity"] = [ind.polarity for ind in ordered]
    for column in ("value", "numerator", "denominator", "england", "region", "group_mean",
                   "previous_value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    for column in ("rank", "of", "rank_from_highest"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("Int64")
    return frame[list(COLUMNS)].reset_index(drop=True)


def group_means_of(table: pd.DataFrame, codes: Sequence[str], years: Mapping[str, int | None]) -> dict[str, float | None]:
    """The unweighted mean of the LAs with old codes ``codes`` for each indicator, in the year
    given for it in ``years`` (indicator id -> table year; None: no mean)."""
    if not codes:
        return dict.fromkeys(years)
    wanted = pd.DataFrame([(i, y) for i, y in years.items() if y is not None],
                          columns=["indicator", "year"])
    rows = table[(table["level"] == "la") & table["old_la_code"].isin(set(codes))]
    rows = rows.merge(wanted, on=["indicator", "year"], how="inner")
    means = rows.groupby("indicator")["value"].mean()
    return {i: (float(means[i]) if i in means.index and pd.notna(means[i]) else None) for i in years}


def trend_rows(la_rows: pd.DataFrame, indicators: Sequence[Indicator]) -> pd.DataFrame:
    """Every year's figure for the LA and England, for each indicator of ``indicators`` with at
    least one figure for the LA: columns indicator, label, unit, year, period, value, england
    (long form, indicators in the order given, years in order)."""
    columns = ["indicator", "label", "unit", "year", "period", "value", "england"]
    order = {ind.id: n for n, ind in enumerate(indicators)}
    with_figure = la_rows.loc[la_rows["value"].notna(), "indicator"].unique()
    rows = la_rows[la_rows["indicator"].isin(set(with_figure) & set(order))]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    out = pd.DataFrame({
        "indicator": rows["indicator"].astype(str).to_numpy(), "label": rows["label"].astype(str).to_numpy(),
        "unit": rows["unit"].astype(str).to_numpy(), "year": rows["year"].astype(int).to_numpy(),
        "period": rows["period"].astype(str).to_numpy(), "value": rows["value"].to_numpy(dtype="float64"),
        "england": rows["england"].to_numpy(dtype="float64")})
    out["_order"] = out["indicator"].map(order)
    return out.sort_values(["_order", "year"], kind="stable")[columns].reset_index(drop=True)
