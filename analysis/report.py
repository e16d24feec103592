"""What the notebooks show: the pack's tables, chart files and sentences, built from the package.

Notebooks stay thin: they call these functions, draw the charts from :mod:`analysis.charts`
and save them with :func:`save_chart`. Nothing here reads a notebook or knows its cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.atomic import atomic_path
from analysis.benchmark import benchmark_table, latest_rows, load_benchmarks, rank_all
from analysis.catalogue import Catalogue, Indicator, LaitSource, load_catalogue
from analysis.config import Paths, load_sources
from analysis.errors import NoDataError, ParameterError
from analysis.geography import LocalAuthority, load_areas, resolve_la
from analysis.judgement import judge_table, level_text
from analysis.narrative import sentences
from analysis.periods import Quarter, financial_year_label, parse_quarter

#: Indicators in the pack by default, in this order: the contract measures Doncaster reports,
#: plus what scrutiny members elsewhere ask (placement moves, health assessments, care leavers).
PACK_INDICATORS = [
    "re_referrals", "referral_rate", "cin_rate", "assessments_45_days", "s47_rate", "cpp_rate",
    "cpp_second_time", "cpp_2_years_open", "cla_rate", "cla_3_plus_placements",
    "cla_long_term_stability", "cla_health_checks", "cla_dental_checks",
    "care_leavers_eet", "care_leavers_suitable_accommodation", "yj_first_time_entrants",
    "yj_reoffending_15_17", "sw_turnover", "sw_agency_rate", "sw_caseload",
]

#: The confidence level of the pack's better / similar / worse judgements.
PACK_LEVEL = 0.95

#: Below this many children a percentage moves a lot with one child: the pack says so.
SMALL_NUMBER = 10


def latest_published_year(quarter: Quarter) -> int:
    """The latest DfE annual year published by the end of a quarter.

    Children in need and looked-after statistics for the year ending 31 March come out in
    the autumn (October to December), so from a quarter ending 31 December onwards the year
    just ended is available; before that, the one before. A quarter ending 31 March 2018
    (2017-18 Q4) pairs with 2016-17 (2017).
    """
    end = quarter.end
    return end.year if end.month == 12 else end.year - 1


def has_local_return(la: LocalAuthority, paths: Paths) -> bool:
    return not local_returns(la, paths).empty


def local_returns(la: LocalAuthority, paths: Paths) -> pd.DataFrame:
    """All local quarterly figures shipped for an LA (empty when there are none)."""
    try:
        from analysis.quarterly import load_local_returns
    except ImportError:  # pragma: no cover - during development only
        return pd.DataFrame()
    return load_local_returns(paths, la)


def indicator_years(quarter: Quarter, indicators: list[str], paths: Paths) -> dict[str, int]:
    """For each indicator, the latest annual year published by the end of ``quarter``.

    From the release dates in ``config/publications.yaml`` (the rule the quarterly pairing
    uses); an indicator with no release listed there falls back to
    :func:`latest_published_year`.
    """
    from analysis.quarterly import benchmark_year_for_quarter, load_publications

    publications = load_publications(paths.config)
    default = latest_published_year(quarter)
    years = {}
    for ind in indicators:
        found = benchmark_year_for_quarter(quarter, ind, publications)
        years[ind] = default if found is None else found
    return years


def check_pack_has_data(la: LocalAuthority, quarter: Quarter, paths: Paths,
                        local: pd.DataFrame | None = None) -> None:
    """Raise when there is nothing to show for this LA and quarter.

    ``local``: the LA's local return rows when the caller has read them already.
    """
    table = load_benchmarks(paths)
    year = latest_published_year(quarter)
    local = local_returns(la, paths) if local is None else local
    if not local.empty:
        local = local[local["period_type"] == "quarter"]
        quarters = sorted({Quarter(int(y), int(q)) for y, q in zip(local["year"], local["quarter"], strict=True)})
        if quarters and quarter < quarters[0]:
            raise NoDataError(
                f"{quarter.label} is before {la.name}'s first local return ({quarters[0].label})",
                fix=f"choose {quarters[0].label} or later",
            )
    mine = table[(table["old_la_code"] == la.old_code) & (table["year"] == year)]
    if local.empty and mine["value"].notna().sum() == 0:
        years = sorted(table["year"].unique())
        raise NoDataError(
            f"{la.name} has no figures for {quarter.label}: no local return, and no DfE figures "
            f"for {financial_year_label(year)} (the latest year published by {quarter.end:%d %B %Y})",
            expected=f"a quarter from {financial_year_label(years[0] + 1)} Q4 to "
                     f"{financial_year_label(years[-1] + 1)} Q4",
            fix="choose another period or LA",
        )


def source_line(indicator: Indicator, period: str, paths: Paths) -> str:
    """The source line printed under a chart."""
    if indicator.source is None:
        return f"Source: local quarterly return, {period}."
    sources = load_sources(paths.config)
    if isinstance(indicator.source, LaitSource):
        pub = sources.files["dfe/lait/bds_long_0.parquet"].publication.split(",")[0:2]
        text = ", ".join(pub) + f" (measure {indicator.source.measure})"
    else:
        text = sources.files[f"dfe/{indicator.source.file}"].publication
    return f"Source: {text}; data for {period}. Open Government Licence v3.0."


@dataclass
class PackContext:
    """Everything the quarterly pack shows for one LA and quarter."""

    la: LocalAuthority
    quarter: Quarter
    benchmark_year: int
    catalogue: Catalogue
    indicators: list[str]
    table: pd.DataFrame
    bench: pd.DataFrame  # all years for the pack's indicators
    latest: pd.DataFrame  # the benchmark year's rows, one per indicator
    local: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: Tables several sections use, worked out once (see _once).
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def has_local(self) -> bool:
        return not self.local.empty

    @property
    def benchmark_period(self) -> str:
        return financial_year_label(self.benchmark_year)


def build_pack_context(la: str, period: str, *, neighbours: str | None = None,
                       indicators: list[str] | None = None, paths: Paths | None = None) -> PackContext:
    """Resolve the parameters and compute the pack's benchmark tables."""
    paths = paths or Paths.for_root()
    authority = resolve_la(la, load_areas(paths.root))
    quarter = parse_quarter(period)
    local = local_returns(authority, paths)
    check_pack_has_data(authority, quarter, paths, local)
    catalogue = load_catalogue(paths.config / "indicators.yaml")
    table = load_benchmarks(paths)
    ids = indicators or PACK_INDICATORS
    for ind in ids:
        catalogue.get(ind)
    year = latest_published_year(quarter)
    # Each indicator shows the latest year published by the quarter's end (the release dates
    # in config/publications.yaml, as for the quarterly pairing). Indicators with no figure
    # for that year (e.g. a measure LAIT starts later) fall back to their latest year before
    # it; the table says which year each row is.
    cutoff = indicator_years(quarter, ids, paths)
    bench = benchmark_table(table, authority, catalogue, indicators=ids, neighbours_version=neighbours,
                            paths=paths, ranked=rank_all(table[table["indicator"].isin(ids)], catalogue))
    bench = bench[bench["year"] <= bench["indicator"].map(cutoff)]
    # An indicator the LA has no figure for in any year (suppressed, small LA) stays in the
    # pack, blank and "not compared".
    latest = latest_rows(bench, [i for i in ids if i in set(bench["indicator"])], keep_blank=True)
    latest = judge_table(latest, catalogue, level=PACK_LEVEL)
    latest["sentence"] = sentences(latest)
    notes = []
    if local.empty:
        notes.append(f"{authority.name} has no local quarterly return in this toolkit, so the quarterly "
                     f"sections (targets, tolerances, status) are left out; the benchmark sections use "
                     f"DfE's published figures.")
    stale = latest[latest["year"] < year]
    for row in stale.itertuples():
        notes.append(f"{row.label}: latest figure published by the end of {quarter.label} is for "
                     f"{row.period}, not {financial_year_label(year)}.")
    return PackContext(authority, quarter, year, catalogue, ids, table, bench, latest, local, notes)


def cover_table(ctx: PackContext) -> pd.DataFrame:
    """At a glance, per indicator: latest value (with numerator), comparators, rank, band, trend."""
    rows = []
    for r in ctx.latest.itertuples(index=False):
        ind = ctx.catalogue.get(r.indicator)
        small = (pd.notna(r.numerator) and r.numerator < SMALL_NUMBER)
        rows.append({
            "indicator": r.indicator, "Indicator": ind.label, "Year": r.period,
            ctx.la.name: ind.format_value(r.value),
            "Children": "" if pd.isna(r.numerator) else f"{int(r.numerator):,}"
            + (f" of {int(r.denominator):,}" if pd.notna(r.denominator) else ""),
            "Small number": "yes" if small else "",
            "England": ind.format_value(r.england), "Region": ind.format_value(r.region),
            "Neighbours": ind.format_value(r.sn_mean),
            "Rank": f"{int(r.rank)} of {int(r.of)}" if pd.notna(r.rank) else "not ranked",
            "Quartile": r.quartile if pd.notna(r.quartile) else "-",
            "Since last year": r.direction,
            f"Compared with England / region / neighbours ({level_text(r.level)})":
                judgement_cell(r.vs_england, r.vs_region, r.vs_neighbours),
        })
    return pd.DataFrame(rows)


def judgement_cell(*judgements: str) -> str:
    """The three judgements in one cell: "worse / worse / similar"; "not compared" once."""
    if all(j == "not compared" for j in judgements):
        return "not compared"
    return " / ".join(judgements)


def cover_style(cover: pd.DataFrame):
    """The cover table for display: no index, indicator names left-aligned."""
    shown = cover.drop(columns="indicator")
    return (shown.style.hide(axis="index")
            .set_properties(subset=["Indicator"], **{"text-align": "left"})
            .set_table_styles([{"selector": "th.col_heading", "props": "text-align: left;"}]))


def overview_source(ctx: PackContext) -> str:
    """Source line of a chart that spans the pack's indicators (several DfE releases)."""
    return (f"Source: DfE children in need, looked-after children, workforce and youth justice "
            f"statistics (LAIT and Explore Education Statistics); for each indicator the latest "
            f"year published by the end of {ctx.quarter.label}. Open Government Licence v3.0.")


def narrative_table(ctx: PackContext) -> pd.DataFrame:
    """The sentence the pack prints for each indicator, with the figures it quotes."""
    keep = ["indicator", "label", "period", "value", "ci_low", "ci_high", "level", "vs_england",
            "vs_region", "vs_neighbours", "gap_children_england", "gap_children_neighbours",
            "sentence"]
    return ctx.latest[[c for c in keep if c in ctx.latest.columns]]


def headline_funnel(ctx: PackContext, output_dir: str | Path, overdispersion: str = "none") -> list:
    """Display items for the funnel plot of the pack's headline indicator (or why there is none):
    the chart and the explorer's line on where the LA sits."""
    from IPython.display import Markdown

    from analysis.explorer import funnel_chart, funnel_line, try_funnel

    head = ctx.latest.iloc[0]
    ind = ctx.catalogue.get(head["indicator"])
    funnel, why = try_funnel(ctx.table, head, ctx.catalogue, overdispersion)
    if funnel is None:
        return [Markdown(f"*No funnel plot for {ind.label}: {why}*")]
    ax, alt = funnel_chart(funnel, ind, head["period"], ctx.la,
                           source=source_line(ind, head["period"], Paths.for_root()))
    return [show_chart(save_chart(ax, f"{head['indicator']}_funnel", alt, output_dir), alt),
            Markdown(funnel_line(funnel, ctx.la, ind))]


def save_chart(ax, name: str, alt_text: str, output_dir: str | Path) -> list[Path]:
    """Save a chart as charts/<name>.png and .svg with alt text beside it, then close it."""
    from analysis.charts.style import save_figure

    out = Path(output_dir) / "charts"
    out.mkdir(parents=True, exist_ok=True)
    paths = save_figure(ax.figure, out / name, alt_text)
    return paths


def save_tables(tables: dict[str, pd.DataFrame], output_dir: str | Path, workbook: str = "tables.xlsx") -> list[Path]:
    """Each table as tables/<name>.csv and all of them as sheets of one XLSX workbook."""
    out = Path(output_dir) / "tables"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        target = out / f"{name}.csv"
        with atomic_path(target) as tmp:
            frame.to_csv(tmp, index=False)
        written.append(target)
    target = out / workbook
    with atomic_path(target) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xl:
        for name, frame in tables.items():
            frame.to_excel(xl, sheet_name=name[:31], index=False)
    written.append(target)
    return written


def pack_title(ctx: PackContext) -> str:
    return f"{ctx.la.name}: children's social care performance, {ctx.quarter.label}"


def intro_markdown(ctx: PackContext) -> str:
    """The opening paragraph of the pack."""
    lines = [f"# {pack_title(ctx)}", "",
             f"{ctx.la.name} ({ctx.la.region_name}; DfE code {ctx.la.old_code}, ONS code "
             f"{ctx.la.new_code}) compared with England, {ctx.la.region_name} and its ten statistical "
             f"neighbours. Annual benchmarks are the latest DfE figures published by the end of "
             f"{ctx.quarter.label}: the year {ctx.benchmark_period}.", ""]
    lines += [f"- {n}" for n in ctx.notes]
    return "\n".join(lines)


def require_local(ctx: PackContext) -> None:
    if not ctx.has_local:
        raise ParameterError(f"{ctx.la.name} has no local return", parameter="la")


def show_chart(files: list[Path], alt_text: str):
    """An HTML image of the saved PNG (embedded) with its alt text, for display in the notebook."""
    import base64
    import html

    from IPython.display import HTML

    png = next(p for p in files if p.suffix == ".png")
    src = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
    return HTML(f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt_text, quote=True)}" '
                f'style="max-width:100%;height:auto">')


def quarterly_section(ctx: PackContext, output_dir: str | Path) -> list:
    """Display items for the local quarterly section, or one line saying why it is left out."""
    from IPython.display import Markdown

    if not ctx.has_local:
        return [Markdown(f"*Left out: {ctx.la.name} has no local quarterly return in this toolkit "
                         f"(see README, 'Adding a quarter').*")]
    return quarterly_items(ctx, output_dir)


def _once(ctx: PackContext, key: str, make):
    """``make()`` worked out once per pack context (several sections use the same tables)."""
    if key not in ctx.cache:
        ctx.cache[key] = make()
    return ctx.cache[key]


def quarterly_series(ctx: PackContext) -> pd.DataFrame:
    """Every quarter up to the pack's quarter with its status, for the trend and SPC charts."""
    from analysis.quarterly import status_table

    def make() -> pd.DataFrame:
        local = ctx.local[ctx.local["period_type"] == "quarter"]
        quarters = sorted({Quarter(int(y), int(q)) for y, q in zip(local["year"], local["quarter"], strict=True)})
        parts = [status_table(ctx.local, q).assign(quarter_order=i)
                 for i, q in enumerate(quarters) if q <= ctx.quarter]
        if not parts:
            return pd.DataFrame()
        frame = pd.concat(parts, ignore_index=True)
        return frame.rename(columns={"status_used": "status", "indicator_label": "label"})

    return _once(ctx, "series", make)


def quarterly_report(ctx: PackContext) -> dict[str, pd.DataFrame]:
    from analysis.quarterly import quarter_report

    if not ctx.has_local:
        return {}
    return _once(ctx, "quarterly", lambda: quarter_report(ctx.la, ctx.quarter, Paths.for_root(),
                                                          local=ctx.local))


#: A quarterly trend chart needs at least this many quarters with a value, unless the one
#: value has a target or annual benchmarks to be seen against.
MIN_TREND_POINTS = 2


def quarterly_items(ctx: PackContext, output_dir: str | Path) -> list:
    """Status summary, at-a-glance table and one trend chart per measure with a value."""
    from IPython.display import Markdown

    from analysis.charts import quarterly as qc

    rep = quarterly_report(ctx)
    status, summary, pairing = rep["status"], rep["summary"], rep["pairing"]
    source = f"Source: {ctx.la.name} quarterly performance return, {ctx.quarter.label}."
    items: list = [Markdown(f"### Contract measures by status, {ctx.quarter.label}")]
    ax = qc.status_summary_table(summary, source=source, period=ctx.quarter.label)
    alt = qc.status_summary_table_alt_text(summary, period=ctx.quarter.label)
    items.append(show_chart(save_chart(ax, "status_summary", alt, output_dir), alt))
    if not rep["disagreements"].empty:
        items.append(Markdown(f"**{len(rep['disagreements'])} measure(s) where the status computed from "
                              f"the figures differs from the status the report gave** (see "
                              f"tables/disagreements.csv)."))
    cover = status[status["measure_type"] == "contract"].rename(
        columns={"indicator_label": "label", "status_used": "status",
                 "direction_previous_quarter": "direction"})
    annual = pairing.set_index("indicator_code")[["rank", "of", "quartile"]] if not pairing.empty else None
    if annual is not None:
        cover = cover.join(annual, on="indicator_code")
    items.append(Markdown("### At a glance: contract measures"))
    ax = qc.cover_table(cover, source=source, period=ctx.quarter.label)
    alt = qc.cover_table_alt_text(cover, period=ctx.quarter.label)
    items.append(show_chart(save_chart(ax, "cover_contract_measures", alt, output_dir), alt))
    series = quarterly_series(ctx)
    items.append(Markdown("### Quarterly trends against target and tolerance"))
    comps = pairing.set_index("indicator_code") if not pairing.empty else pd.DataFrame()
    single: list[str] = []
    for code, rows in series.groupby("indicator_code", sort=False):
        points = int(rows["value"].notna().sum())
        something_to_compare = rows["target"].notna().any() or code in comps.index
        if points < MIN_TREND_POINTS and not (points and something_to_compare):
            if points:
                single.append(f"{code} {rows['label'].iloc[0]}")
            continue
        comparators = None
        if code in comps.index:
            c = comps.loc[code]
            comparators = {"england": c["england"], "region": c["region"], "sn_mean": c["sn_mean"],
                           "la_outturn": c["la_annual_value"], "year": c["benchmark_period"]}
        rows = rows.sort_values("quarter_order")
        ax = qc.quarterly_trend(rows, comparators=comparators, source=source)
        alt = qc.quarterly_trend_alt_text(rows, comparators=comparators)
        items.append(show_chart(save_chart(ax, f"quarterly_{code}", alt, output_dir), alt))
    if single:
        items.append(Markdown(f"*No chart for {len(single)} measure(s) with a value for only one "
                              f"quarter so far and no target or benchmark to set it against (their "
                              f"values and statuses are in tables/quarterly_status.csv; contract "
                              f"measures also in the table above):*\n\n" + "\n".join(f"- {m}" for m in single)))
    return items


#: An SPC (XmR) chart of a local measure needs at least this many quarters with a value.
#: Limits from fewer than 12 points are trial limits and are marked so on the chart.
MIN_SPC_POINTS = 6


#: The SPC icons (NHS "Making Data Count") in words.
SPC_WORDS: dict[str, str] = {
    "special_cause_improving": "special cause, improving",
    "special_cause_concerning": "special cause, concerning",
    "special_cause_neither": "special cause (the measure has no better or worse direction)",
    "common_cause": "common cause (ordinary variation)",
    "consistently_passes": "will consistently meet the target",
    "hit_and_miss": "hit and miss: the target lies inside the process limits",
    "consistently_fails": "will consistently miss the target unless the process changes",
    "no_target": "no target to judge against",
}


def spc_items(series: pd.DataFrame, output_dir: str | Path, *, source: str,
              synthetic: bool = False, min_points: int = MIN_SPC_POINTS) -> list:
    """XmR charts (with variation and assurance icons) of each measure with enough quarters.

    ``series``: one row per measure and quarter with indicator_code, label, unit, polarity,
    period, quarter_order, value and target (as :func:`quarterly_series` gives). Measures
    with fewer than ``min_points`` values are listed in one line instead.
    """
    from IPython.display import Markdown

    from analysis.charts.statistics import xmr_chart, xmr_chart_alt_text
    from analysis.spc import xmr_table

    items: list = []
    short: list[tuple[int, str]] = []
    for code, rows in series.groupby("indicator_code", sort=False):
        rows = rows.sort_values("quarter_order").dropna(subset=["value"])
        if len(rows) < min_points:
            if len(rows):
                short.append((len(rows), str(code)))
            continue
        first = rows.iloc[-1]
        polarity = str(first["polarity"])
        polarity = polarity if polarity in ("higher_is_better", "lower_is_better") else "none"
        target = float(first["target"]) if pd.notna(first.get("target")) else None
        frame = rows.assign(period=pd.Categorical(rows["period"], categories=rows["period"], ordered=True))
        table = xmr_table(frame[["period", "value"]], polarity=polarity, target=target)
        table["period"] = table["period"].astype(str)
        unit = str(first["unit"])
        ax = xmr_chart(table, source=source, synthetic=synthetic, unit=unit, polarity=polarity,
                       target=target, title=f"{code} {first['label']}: statistical process control")
        alt = xmr_chart_alt_text(table, synthetic=synthetic, unit=unit)
        items.append(show_chart(save_chart(ax, f"spc_{code}", alt, output_dir), alt))
        latest = table.iloc[-1]
        items.append(Markdown(f"**Variation:** {SPC_WORDS[latest['variation_icon']]}. "
                              f"**Assurance:** {SPC_WORDS[latest['assurance_icon']]}."))
    if short:
        most, code = max(short)
        items.append(Markdown(f"*No SPC chart yet for {len(short)} measure(s) with fewer than {min_points} "
                              f"quarters of figures; the longest series so far is {code} with {most}.*"))
    return items


def spc_section(ctx: PackContext, output_dir: str | Path) -> list:
    """The pack's SPC charts of local measures, or why there are none."""
    from IPython.display import Markdown

    if not ctx.has_local:
        return [Markdown(f"*Left out: {ctx.la.name} has no local quarterly return in this toolkit.*")]
    source = f"Source: {ctx.la.name} quarterly performance return, to {ctx.quarter.label}."
    return spc_items(quarterly_series(ctx), output_dir, source=source)


def pack_tables(ctx: PackContext, cover: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tables a pack saves: cover, benchmarks (all years), and the quarterly tables."""
    tables = {"cover": cover.drop(columns="indicator"), "benchmarks": ctx.bench,
              "judgements": narrative_table(ctx)}
    tables.update(ctx_quarterly_tables(ctx))
    return tables


def ctx_quarterly_tables(ctx: PackContext) -> dict[str, pd.DataFrame]:
    rep = quarterly_report(ctx)
    return {f"quarterly_{k}": v.drop(columns=["file"], errors="ignore") for k, v in rep.items()}
