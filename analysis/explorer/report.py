"""The benchmark explorer report: the judged table, the latest year, funnel plots, as a pack.

Used by ``notebooks/benchmark_explorer.py`` (run by :func:`analysis.app.runner.run_explorer` and the
``explore`` command; :func:`explorer_pack` builds the report as a pack value) and by the
``funnel`` command. Every function is small and pure: builders return tables and
:mod:`analysis.core.blocks` values and write nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from analysis.core.blocks import Block, Column, Note, Pack, Section, Table, Text
from analysis.core.config import Paths
from analysis.data.catalogue import Catalogue
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.data.sources import combined_source_line, source_line
from analysis.engine.benchmark import (
    benchmark_table,
    latest_rows,  # the explorer leaves blank indicators out
)
from analysis.engine.funnel_words import funnel_line, position_text
from analysis.engine.funnels import (
    KIND_OF_UNIT,
    Overdispersion,
    funnel_file_name,
    funnel_points_table,
    parse_overdispersion,
    try_funnel,
)
from analysis.engine.judgement import judge_table, judgement_cell, level_text
from analysis.engine.narrative import sentences

__all__ = [
    "DEFAULT_INDICATORS",
    "EXPLORER_LEVELS",
    "explorer_pack",
    "explorer_table",
    "funnel_indicators",
    "latest_rows",
    "level_heading",
    "period_label",
]

#: The explorer's indicators when none are chosen (the notebook's default too).
DEFAULT_INDICATORS: list[str] = ["re_referrals", "cin_rate", "cpp_second_time"]

#: Confidence levels the explorer offers for better / similar / worse.
EXPLORER_LEVELS: tuple[float, ...] = (0.95, 0.998)



def explorer_table(table: pd.DataFrame, la: LocalAuthority, catalogue: Catalogue, *,
                   indicators: Sequence[str] | None = None, years: Sequence[int] | None = None,
                   neighbours: str | None = None, level: float = 0.95,
                   paths: Paths | None = None, ranked: pd.DataFrame | None = None) -> pd.DataFrame:
    """The LA's benchmark table judged at ``level``, with a sentence on every row.

    ``indicators`` default to :data:`DEFAULT_INDICATORS`; ``years`` to every year in the data.
    Raises ParameterError / NoDataError as :func:`analysis.engine.benchmark.benchmark_table` does.
    """
    bench = benchmark_table(table, la, catalogue,
                            indicators=list(indicators or DEFAULT_INDICATORS),
                            years=list(years) if years else None, neighbours_version=neighbours,
                            paths=paths, ranked=ranked)
    judged = judge_table(bench, catalogue, level=level)
    judged["sentence"] = sentences(judged)
    return judged


def funnel_indicators(latest: pd.DataFrame) -> list[str]:
    """The indicators in ``latest`` that a funnel plot can show (percentages and rates)."""
    return [str(i) for i, unit in zip(latest["indicator"], latest["unit"], strict=True)
            if unit in KIND_OF_UNIT]



def period_label(table: pd.DataFrame, indicator: str, year: int) -> str:
    """How the data names an indicator's year ("2016-17"; calendar years as published)."""
    found = table.loc[(table["indicator"] == indicator) & (table["year"] == year), "period"].dropna()
    return str(found.iloc[0]) if not found.empty else financial_year_label(year)





def level_heading(level: float) -> str:
    """The explorer's note on how better / similar / worse is decided at ``level``."""
    lv = level_text(level)
    return (f"Judged at {lv} confidence: better or worse when England, the region or the "
            f"neighbours' average lies outside the LA's {lv} interval, similar when inside it; "
            f"\"not compared\" where DfE publishes no counts.")



# --- the explorer report: a pack value -------------------------------------------------------
#
# ``python -m analysis explore`` runs notebooks/benchmark_explorer, which builds this pack and
# writes it with :func:`analysis.render.output.write`, like the quarterly pack and the deep dive.

FUNNEL_INTRO = ("Each LA's percentage or rate against the number it is of, with 95% and 99.8% "
                "limits around England's value. An LA outside the limits differs from England by "
                "more than chance would explain; with over-dispersion chosen, the limits also "
                "allow for the real differences between LAs.")


def _raw_columns(frame: pd.DataFrame, keys: Sequence[str]) -> list[Column]:
    """Download-only columns under the data's own names, numbers kept as numbers."""
    return [Column(k, k, "number" if pd.api.types.is_numeric_dtype(frame[k])
                   and not pd.api.types.is_bool_dtype(frame[k]) else "text", display=False)
            for k in keys if k in frame.columns]


def judged_table(judged: pd.DataFrame, la: LocalAuthority, source: str) -> Table:
    """The judged benchmark table (every indicator and year) as a Table: shown as the
    ``benchmark`` command shows it, downloaded with every figure under its own name."""
    from analysis.render.cli_tables import benchmark_display_table

    shown = benchmark_display_table(judged)
    vs = ("vs_england", "vs_region", "vs_neighbours")
    frame = shown.frame.assign(judgement=[judgement_cell([str(r[c]) for c in vs])
                                          for r in shown.frame.to_dict("records")])
    columns = [replace(c, download=False) for c in shown.columns if c.key not in vs]
    columns.append(Column("judgement", "England / region / neighbours", download=False))
    return Table("benchmarks", frame, (*columns, *_raw_columns(frame, list(judged.columns))),
                 caption=f"Published indicators for {la.name}, every year, judged against England, "
                         f"the region and the statistical neighbours",
                 source=source)


#: The latest rows' columns kept in the sentences table's download.
SENTENCE_DOWNLOADS: tuple[str, ...] = (
    "indicator", "label", "period", "value", "numerator", "denominator", "numerator_rounding",
    "denominator_rounding", "level", "ci_low",
    "ci_high", "england", "region", "sn_mean", "vs_england", "vs_region", "vs_neighbours",
    "gap_children_england", "gap_children_neighbours", "sentence")


def sentences_table(latest: pd.DataFrame, source: str) -> Table:
    """What the latest figures say: one sentence per indicator."""
    return Table("sentences", latest.reset_index(drop=True),
                 (Column("label", "Indicator", download=False), Column("period", "Year", download=False),
                  Column("sentence", "What the figures say", download=False),
                  *_raw_columns(latest, SENTENCE_DOWNLOADS)),
                 caption="The latest year of each indicator in a sentence", source=source)


def funnel_points_block(frames: Sequence[pd.DataFrame], catalogue: Catalogue, source: str) -> Table | None:
    """Every LA on the funnel plots (value, denominator, position); None when there are none."""
    kept = [f for f in frames if not f.empty]
    if not kept:
        return None
    points = pd.concat(kept, ignore_index=True)
    raw = list(points.columns)
    inds = [catalogue.get(str(i)) for i in points["indicator"]]
    frame = points.assign(indicator_label=[i.label for i in inds], unit=[i.unit for i in inds],
                          decimals=[i.decimals for i in inds],
                          position_words=[position_text(p) for p in points["position"]])
    return Table("funnel_points", frame,
                 (Column("indicator_label", "Indicator", download=False),
                  Column("name", "LA", download=False),
                  Column("value", "Value", "number", unit_key="unit", decimals_key="decimals",
                         download=False),
                  Column("denominator", "Denominator", "count", download=False),
                  Column("position_words", "Position", download=False),
                  *_raw_columns(frame, raw)),
                 caption="Every LA on the funnel plots: its value, the number it is of and where "
                         "it lies against the limits", source=source)


def _source_text(lines: Sequence[str]) -> str:
    """Several source lines as one: each publication once."""
    return " ".join(dict.fromkeys(lines))


def _indicator_section(table: pd.DataFrame, judged: pd.DataFrame, row: pd.Series, la: LocalAuthority,
                       catalogue: Catalogue, *, neighbours: str | None, overdispersion: Overdispersion,
                       source: str, paths: Paths | None) -> tuple[Section, pd.DataFrame | None]:
    """One indicator: its sentence, trend, neighbours, every LA and funnel plot (or why not);
    and the funnel's points when there is a funnel."""
    from analysis.charts.benchmark import all_las_ranked_chart, neighbours_ranked_chart
    from analysis.charts.trends import MIN_TREND_YEARS, annual_trend_chart, trend_years
    from analysis.engine.benchmark import all_la_values, neighbour_values

    ind = catalogue.get(str(row["indicator"]))
    period, year = str(row["period"]), int(row["year"])
    england = float(row["england"]) if pd.notna(row["england"]) else None
    blocks: list[Block] = [Text(str(row["sentence"]))]
    series = judged[judged["indicator"] == ind.id]
    years = trend_years(series)
    if years >= MIN_TREND_YEARS:
        blocks.append(annual_trend_chart(series, ind, name=f"{ind.id}_trend", source=source))
    else:
        blocks.append(Note("left_out", f"No trend over the years: {la.name} has a published figure "
                                       f"for {years} year(s), and a trend needs at least "
                                       f"{MIN_TREND_YEARS}.", ind.id))
    nb = neighbour_values(table, la, ind.id, year, neighbours_version=neighbours, paths=paths)
    if nb["value"].notna().any():
        sn_mean = float(row["sn_mean"]) if pd.notna(row["sn_mean"]) else None
        blocks.append(neighbours_ranked_chart(nb, ind, name=f"{ind.id}_neighbours", source=source,
                                              england=england, sn_mean=sn_mean, period=period))
    else:
        blocks.append(Note("missing", f"No neighbour figures for {ind.label} in {period}.", ind.id, ind.label))
    if ind.polarity == "none":
        blocks.append(Note("left_out", f"No ranking of every LA for {ind.label}: it has no better "
                                       f"or worse direction.", ind.id))
    else:
        values = all_la_values(table, ind.id, year, catalogue)
        blocks.append(all_las_ranked_chart(values, ind, la.old_code, name=f"{ind.id}_all_las",
                                           source=source, england=england, period=period))
    points = None
    if ind.unit not in KIND_OF_UNIT:
        blocks.append(Note("left_out", f"No funnel plot for {ind.label}: it is not a percentage "
                                       f"or a rate.", ind.id))
    else:
        funnel, why = try_funnel(table, row, catalogue, overdispersion)
        if funnel is None:
            blocks.append(Note("left_out", f"No funnel plot: {why}", ind.id, ind.label))
        else:
            from analysis.charts.statistics import indicator_funnel_chart

            blocks += [indicator_funnel_chart(funnel, ind, period, la, source=source,
                                    name=funnel_file_name(ind.id, year, overdispersion=overdispersion)),
                       Text(funnel_line(funnel, la, ind))]
            points = funnel_points_table(funnel, period, la)
    section = Section(id=f"indicator_{ind.id}", title=ind.label, blocks=tuple(blocks),
                      intro=ind.definition)
    return section, points


def explorer_pack(table: pd.DataFrame, la: LocalAuthority, catalogue: Catalogue, *,
                  indicators: Sequence[str] | None = None, years: Sequence[int] | None = None,
                  neighbours: str | None = None, level: float = 0.95, overdispersion: str = "none",
                  paths: Paths | None = None) -> Pack:
    """The benchmark explorer report as a pack: the judged table, the latest figures in
    sentences, then per indicator its trend, neighbours, every LA and funnel plot (or a note
    saying why not), and the funnel plots' points. Writes nothing.

    Raises ParameterError / NoDataError for bad input as :func:`explorer_table` does.
    """
    import datetime as dt

    method = parse_overdispersion(overdispersion)
    paths = paths or Paths.for_root()
    judged = explorer_table(table, la, catalogue, indicators=indicators, years=years,
                            neighbours=neighbours, level=level, paths=paths)
    latest = latest_rows(judged)
    sources = {str(r["indicator"]): source_line(catalogue.get(str(r["indicator"])), str(r["period"]), paths)
               for _, r in latest.iterrows()}
    every = combined_source_line([(catalogue.get(str(r["indicator"])), str(r["period"]))
                                  for _, r in latest.iterrows()], paths)
    sections = [Section("benchmarks", f"{la.name} ({la.region_name})",
                        (Text(level_heading(level)), judged_table(judged, la, every)))]
    missing = [i for i in dict.fromkeys(judged["indicator"]) if i not in set(latest["indicator"])]
    latest_blocks: list[Block] = [sentences_table(latest, every)] if len(latest) else []
    latest_blocks += [Note("missing", f"No published figure for {la.name} in any year chosen: "
                                      f"{catalogue.get(str(i)).label}.", str(i)) for i in missing]
    sections.append(Section("latest", "What the latest figures say", tuple(latest_blocks)))
    points: list[pd.DataFrame] = []
    for _, row in latest.iterrows():
        section, found = _indicator_section(table, judged, row, la, catalogue, neighbours=neighbours,
                                            overdispersion=method, source=sources[str(row["indicator"])],
                                            paths=paths)
        sections.append(section)
        if found is not None:
            points.append(found)
    funnel_table = funnel_points_block(points, catalogue, _source_text(
        [sources[str(i)] for i in dict.fromkeys(f["indicator"].iloc[0] for f in points if not f.empty)]))
    if funnel_table is not None:
        sections.append(Section("funnel_points", "Every LA on the funnel plots", (funnel_table,),
                                intro=FUNNEL_INTRO, appendix=True))
    today = dt.date.today()
    periods = sorted(set(judged["period"].astype(str)))
    meta = {"la": f"{la.name} ({la.region_name})",
            "period": periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}",
            "made": f"{today.day} {today:%B %Y}",
            "sources": "; ".join(dict.fromkeys(" ".join(s.removeprefix("Source: ").split("; data for")[0].split())
                                               for s in sources.values())),
            "confidence": f"{level_text(level)} for better, similar or worse",
            "funnel_limits": "exact" if method == "none" else f"widened for {method} over-dispersion"}
    return Pack(title=f"{la.name}: benchmark explorer", meta=meta, sections=tuple(sections))
