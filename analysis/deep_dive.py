"""The re-referrals deep dive: everything ``notebooks/rereferrals_deep_dive.ipynb`` shows.

From one file of record-level referrals (a CSV or XLSX extract, a CIN census XML return, or
a folder of census XML files) :func:`build_deep_dive` reads and validates the records,
flags re-referrals with the DfE rule (:mod:`analysis.rereferrals`), picks the reporting year
and builds the tables. Every table goes through :func:`publish` before anything sees it:
identifier columns are dropped and small counts suppressed by :mod:`analysis.suppress` (the
one place that happens), and percentages are recomputed from the suppressed counts. The
charts and the sentences are drawn from these published tables only, so nothing hidden in
a table can come back through a chart or a sentence. The record-level table itself is not
kept on the result.

Synthetic input: when the records' file (or folder) name contains "synthetic", the result
says so (``DeepDive.synthetic``); every chart carries the "SYNTHETIC DATA" label, every
output file name starts with ``synthetic_`` (:meth:`DeepDive.name`) and the runner's output
folder is ``rereferrals-synthetic-<year>`` (see ``docs/methods/rereferrals.md``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import rereferrals as rr
from analysis import suppress
from analysis.config import Paths
from analysis.errors import AnalysisError, InputDataError, NoDataError, ParameterError
from analysis.geography import LocalAuthority, load_areas, resolve_la
from analysis.periods import financial_year_label, parse_year
from analysis.readers.referral_records import ReadReport

#: Counts below this are shown as "c" (suppress.suppress_counts' default).
THRESHOLD = 5
#: The most recent months shown on the monthly SPC chart.
XMR_MONTHS = 36
#: File types read as a flat extract, and as CIN census XML.
EXTRACT_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
XML_SUFFIXES = (".xml",)
#: Label of the all-localities row of the locality table.
ALL_LOCALITIES = "All localities"
#: DfE indicators (config/indicators.yaml) that publish the same ratio as a funnel stage.
DFE_MEASURES: dict[str, str] = {
    "re_referrals": "Re-referrals within 12 months",
    "referrals_nfa": "No further action at referral",
    "assessed_not_in_need": "Assessed: not in need",
}


def is_synthetic(path: str | Path) -> bool:
    """True when the records' file name contains "synthetic" (any case); for a folder of
    census files, when its name or any XML file's name in it does."""
    path = Path(path)
    if "synthetic" in path.name.lower():
        return True
    if path.is_dir():
        return any("synthetic" in p.name.lower() for p in path.iterdir()
                   if p.suffix.lower() in XML_SUFFIXES)
    return False


def output_name(name: str, synthetic: bool) -> str:
    """The file name an output gets: ``synthetic_<name>`` for generated data."""
    return f"synthetic_{name}" if synthetic and not name.startswith("synthetic_") else name


# --------------------------------------------------------------------------------- reading


def _xml_history_start(paths: Sequence[Path], table: pd.DataFrame) -> pd.Timestamp:
    """First day with complete referrals: 1 April of the earliest census year's start.

    A census return also holds earlier referrals still open at 1 April; they are history,
    not a complete record of those earlier months.
    """
    from analysis.readers.cin_xml import census_year

    years = [y for y in (census_year(p) for p in paths) if y]
    if years:
        return pd.Timestamp(min(years) - 1, 4, 1)
    return pd.Timestamp(table["referral_date"].min())


def load_records(path: str | Path, *, today: pd.Timestamp | str | None = None
                 ) -> tuple[pd.DataFrame, ReadReport, pd.Timestamp]:
    """Read and validate referral records: ``(tidy table, report, history_start)``.

    ``path``: a CSV/XLSX extract (``docs/data-formats/referral-records.md``), a CIN census
    XML file, or a folder of census XML files (one per year; a referral in several years'
    files is kept once). Rows an extract cannot use are left out and listed in the report
    (never dropped silently); problems with a whole file raise :class:`InputDataError`.
    ``history_start`` is the first date the records are complete from.
    """
    from analysis.readers.cin_xml import read_cin_census_years, read_cin_xml
    from analysis.readers.referral_records import read_referral_records

    path = Path(path)
    if path.is_dir():
        xmls = sorted(p for p in path.iterdir() if p.suffix.lower() in XML_SUFFIXES)
        if not xmls:
            raise InputDataError("folder holds no CIN census XML files", file=path,
                                 expected="one or more .xml census returns",
                                 fix="give the extract file itself, or a folder of .xml files")
        table = read_cin_census_years(xmls)
        return table, _xml_report(path, table, xmls), _xml_history_start(xmls, table)
    if not path.exists():
        raise InputDataError("records file not found", file=path,
                             fix="check the path (relative paths are from the project folder)")
    suffix = path.suffix.lower()
    if suffix in XML_SUFFIXES:
        table = read_cin_xml(path)
        return table, _xml_report(path, table, [path]), _xml_history_start([path], table)
    if suffix not in EXTRACT_SUFFIXES:
        raise InputDataError("unsupported records file type", file=path,
                             expected="a .csv or .xlsx extract, or CIN census .xml",
                             found=suffix or "no extension",
                             fix="export the records as CSV (see docs/data-formats/"
                                 "referral-records.md)")
    table, report = read_referral_records(path, on_bad_rows="drop", today=today)
    if table.empty:
        raise NoDataError("no usable referral rows", fix="see the reasons: "
                          + "; ".join(f"{k} ({len(v)})" for k, v in report.dropped.items()))
    return table, report, pd.Timestamp(table["referral_date"].min())


def _xml_report(path: Path, table: pd.DataFrame, files: Sequence[Path]) -> ReadReport:
    if table.empty:
        raise NoDataError("the census file holds no referrals", fix="check the export")
    report = ReadReport(file=str(path), rows_in=len(table), rows_used=len(table))
    same_day = table.duplicated(["child_id", "referral_date"], keep="first")
    if same_day.any():
        report.flagged["same child referred twice on one day (counted once in rates)"] = (
            (np.flatnonzero(same_day.to_numpy()) + 1).tolist())
    unknown = table["referral_source"].eq("unknown")
    if unknown.any():
        report.flagged["referral source unknown or not recorded"] = (
            (np.flatnonzero(unknown.to_numpy()) + 1).tolist())
    report.notes.append(f"{len(files)} CIN census file(s); rows are CINdetails (referrals)")
    report.notes.append("the census has no locality or prior early help fields")
    return report


# -------------------------------------------------------------------------- publishing


def publish(table: pd.DataFrame, counts: Sequence[str],
            percents: Mapping[str, tuple[str, str]] | None = None, *,
            secondary: str = "both") -> pd.DataFrame:
    """A table fit to leave the machine: identifiers dropped, then small counts suppressed
    (1-4 shown as "c", secondary suppression, percentages recomputed from the counts)."""
    clean = suppress.drop_identifiers(table)
    return suppress.suppress_counts(clean, list(counts), THRESHOLD, percent_columns=percents,
                                    secondary=secondary)


def _count(value: object) -> str:
    """A published count in words: "1,234", or "fewer than 5" when suppressed."""
    if suppress.is_suppressed(value):
        return f"fewer than {THRESHOLD}"
    v = suppress.number(value)
    return "no" if np.isnan(v) else f"{v:,.0f}"


def _pct(value: object) -> str:
    v = suppress.number(value)
    return "c (suppressed)" if suppress.is_suppressed(value) else ("no figure" if np.isnan(v)
                                                          else f"{v:.1f}%")


# ------------------------------------------------------------------------------ years


def reporting_years(flagged: pd.DataFrame, history_start: pd.Timestamp) -> pd.DataFrame:
    """Years ending 31 March in the data with referrals, re-referrals and whether each is
    usable: ``history_complete`` (every referral's 12 months before lie in the data) and
    ``full_year`` (the data reach the year's last month)."""
    years = rr.annual_rate(flagged, include_incomplete=True)
    last = pd.Timestamp(flagged["referral_date"].max())
    first_day = years["year_end"] - rr.WINDOW + pd.Timedelta(days=1)
    years["full_year"] = (first_day >= history_start) & (
        last >= years["year_end"].dt.to_period("M").dt.start_time)
    years["usable"] = years["history_complete"] & years["full_year"]
    years["year_number"] = years["year_end"].dt.year
    return years


def choose_year(years: pd.DataFrame, period: str | int | None) -> int:
    """The year (ending 31 March) to report: ``period`` if given, else the latest usable."""
    usable = years.loc[years["usable"], "year_number"].astype(int).tolist()
    if not usable:
        raise NoDataError(
            "the records do not cover a whole year with 12 months of history before it",
            expected="referrals over at least two years ending 31 March (the first year only "
                     "gives the history for the second)",
            found=f"referrals from {years['year'].iloc[0]} to {years['year'].iloc[-1]}",
            fix="extract records from further back")
    if period is None or (isinstance(period, str) and period.strip().lower() in ("", "latest")):
        return max(usable)
    year = parse_year(period, parameter="period")
    if year not in usable:
        raise ParameterError(
            f"no complete year {financial_year_label(year)} in the records", parameter="period",
            expected="one of " + ", ".join(financial_year_label(y) for y in usable),
            found=str(period),
            fix="leave period empty for the latest year, or choose a listed year")
    return year


# ----------------------------------------------------------------------------- tables


def read_summary_table(report: ReadReport) -> pd.DataFrame:
    """Rows read, used, left out and flagged, by reason (published)."""
    rows = [("Rows read", report.rows_in), ("Rows used", report.rows_used),
            ("Rows left out", report.rows_dropped)]
    rows += [(f"Left out: {why}", len(r)) for why, r in report.dropped.items()]
    rows += [(f"Kept, flagged: {why}", len(r)) for why, r in report.flagged.items()]
    table = pd.DataFrame(rows, columns=["what", "rows"])
    return publish(table, ["rows"], secondary="none")


def annual_table(years: pd.DataFrame, year: int) -> pd.DataFrame:
    """Referrals, re-referrals and the rate for each usable year up to ``year``."""
    t = years.loc[years["usable"] & (years["year_number"] <= year),
                  ["year", "referrals", "rereferrals"]].copy()
    t["percent"] = np.nan
    return publish(t.reset_index(drop=True), ["referrals", "rereferrals"],
                   {"percent": ("rereferrals", "referrals")})


def rolling_quarters_table(flagged: pd.DataFrame, year_end: pd.Timestamp) -> pd.DataFrame:
    """Re-referrals in the 12 months to each quarter end (a local return's A1 measure)."""
    q = rr.rolling_rate(flagged, freq="Q")
    q = q.loc[q["history_complete"] & (q["period_end"] <= year_end)]
    t = pd.DataFrame({"quarter_end": q["period_end"].dt.strftime("%Y-%m-%d"),
                      "referrals": q["referrals"], "rereferrals": q["rereferrals"],
                      "percent": np.nan})
    return publish(t.reset_index(drop=True), ["referrals", "rereferrals"],
                   {"percent": ("rereferrals", "referrals")})


def monthly_table(flagged: pd.DataFrame, history_start: pd.Timestamp,
                  year_end: pd.Timestamp, months: int = XMR_MONTHS) -> pd.DataFrame:
    """Each month's referrals and re-referral rate, for months whose referrals all have 12
    months of history in the data, up to ``year_end`` (at most the last ``months``)."""
    dates = pd.to_datetime(flagged["referral_date"])
    first_month = (history_start + rr.WINDOW).to_period("M")
    if (history_start + rr.WINDOW) != first_month.start_time:
        first_month += 1
    keep = (dates.dt.to_period("M") >= first_month) & (dates <= year_end)
    m = rr.monthly_rate(flagged.loc[keep]).tail(months)
    t = pd.DataFrame({"month": m["month"].dt.strftime("%Y-%m"), "referrals": m["referrals"],
                      "rereferrals": m["rereferrals"], "percent": np.nan})
    return publish(t.reset_index(drop=True), ["referrals", "rereferrals"],
                   {"percent": ("rereferrals", "referrals")}, secondary="columns")


def monthly_xmr(monthly: pd.DataFrame) -> pd.DataFrame:
    """The XmR table (:func:`analysis.spc.xmr_table`) of the published monthly rate.

    A suppressed month is a gap (NaN), not a point. Rules: outside the limits, a run of 7
    on one side of the mean, a trend of 6, two of three near a limit; lower is better.
    """
    from analysis.spc import xmr_table

    series = pd.DataFrame({"period": monthly["month"].astype(str),
                           "value": [suppress.number(v) for v in monthly["percent"]]})
    return xmr_table(series, polarity="lower_is_better", shift_length=7, trend_length=6)


def ratio(numerator: object, denominator: object, decimals: int = 1) -> object:
    """A percentage from published counts: "c" when either is hidden, NaN when the
    denominator is missing or zero. Used only on counts that went through :func:`publish`."""
    if suppress.is_suppressed(numerator) or suppress.is_suppressed(denominator):
        return suppress.MARKER
    n, d = suppress.number(numerator), suppress.number(denominator)
    return round(n / d * 100, decimals) if d > 0 and not np.isnan(n) else np.nan


#: Days at which the share of re-referrals so far is reported: 60 days, 3 and 6 months.
WITHIN_DAYS: tuple[int, ...] = (60, 91, 182)


def time_since_table(year_rows: pd.DataFrame) -> pd.DataFrame:
    """Re-referrals by days since the previous referral (bands), with the cumulative share
    at 60, 91 and 182 days and at 12 months.

    The bands fall in four groups ending at those days (the first holding 0-7, 8-30 and
    31-60 days). They are published as one table, a row per group with its bands and the
    group's total, so a hidden band's partner is found in its own group (rows) and a hidden
    group total's among the other groups (column). Cumulative figures are then added from
    the published group totals where :func:`analysis.suppress.shown_running_totals` says they give nothing
    back; elsewhere they are "c". Rows of bands inside a group have no cumulative figure.
    """
    t = rr.time_since_previous(year_rows).reset_index(drop=True)
    total = int(t["rereferrals"].sum())
    ends = [*WITHIN_DAYS, int(t["max_days"].max())]
    group = [next(i for i, e in enumerate(ends) if hi <= e) for hi in t["max_days"]]
    width = max(group.count(g) for g in set(group))
    wide = pd.DataFrame(np.nan, index=range(len(ends)),
                        columns=[f"band_{k + 1}" for k in range(width)] + ["group_total"])
    place: list[tuple[int, str]] = []
    for g in range(len(ends)):
        members = [i for i, gi in enumerate(group) if gi == g]
        wide.loc[g, "group_total"] = t.loc[members, "rereferrals"].sum()
        for k, i in enumerate(members):
            if len(members) > 1:
                wide.loc[g, f"band_{k + 1}"] = t.loc[i, "rereferrals"]
            place.append((g, f"band_{k + 1}" if len(members) > 1 else "group_total"))
    pub = publish(wide, list(wide.columns), secondary="both")
    counts = [pub.loc[g, col] for g, col in place]
    totals = pub["group_total"].tolist()
    show = suppress.shown_running_totals([suppress.is_suppressed(v) for v in totals])
    running = [int(v) if ok else suppress.MARKER
               for v, ok in zip(wide["group_total"].cumsum(), show, strict=True)]
    last_of_group = {max(i for i, gi in enumerate(group) if gi == g): g for g in set(group)}
    cumulative = [running[last_of_group[i]] if i in last_of_group else np.nan
                  for i in range(len(t))]
    return pd.DataFrame({
        "band": t["band"], "min_days": t["min_days"], "max_days": t["max_days"],
        "rereferrals": pd.Series(counts, dtype=object), "all_rereferrals": total,
        "percent": pd.Series([ratio(c, total) for c in counts], dtype=object),
        "cumulative_rereferrals": pd.Series(cumulative, dtype=object),
        "cumulative_percent": pd.Series([ratio(c, total) if not isinstance(c, float) else c
                                         for c in cumulative], dtype=object),
    })


def share_within_table(time_since: pd.DataFrame) -> pd.DataFrame:
    """Share of re-referrals within 60 days, 3 months (91 days) and 6 months (182 days),
    read from the published band table (:func:`time_since_table`), whose bands end at
    those days: "c" when a band up to that day is hidden."""
    rows = []
    words_for = {60: "60 days", 91: "3 months (91 days)", 182: "6 months (182 days)"}
    for days in WITHIN_DAYS:
        words = words_for.get(days, f"{days} days")
        hit = time_since.loc[time_since["max_days"] == days]
        if hit.empty:
            raise ParameterError(f"no band ends at {days} days", parameter="time_since",
                                 expected="the bands of analysis.rereferrals.DAY_BANDS")
        r = hit.iloc[0]
        rows.append({"within": words, "days": days, "rereferrals": r["cumulative_rereferrals"],
                     "all_rereferrals": r["all_rereferrals"],
                     "percent": r["cumulative_percent"]})
    return pd.DataFrame(rows).astype({"rereferrals": object, "all_rereferrals": object,
                                      "percent": object})


def breakdown_table(raw: pd.DataFrame, category: str, label: str | None = None) -> pd.DataFrame:
    """Publish a ``by_*`` breakdown of :mod:`analysis.rereferrals`: referrals, re-referrals,
    the re-referral rate of each category and its share of all re-referrals."""
    cols = [category] + ([label] if label else [])
    out = raw[cols].copy()
    out["referrals"] = raw["referrals"]
    out["rereferrals"] = raw["rereferrals"]
    out["all_rereferrals"] = int(raw["rereferrals"].sum())
    out["rate_percent"] = np.nan
    out["share_of_rereferrals_percent"] = np.nan
    return publish(out, ["referrals", "rereferrals", "all_rereferrals"],
                   {"rate_percent": ("rereferrals", "referrals"),
                    "share_of_rereferrals_percent": ("rereferrals", "all_rereferrals")},
                   secondary="columns")


def previous_outcome_table(flagged: pd.DataFrame, year_end: pd.Timestamp) -> pd.DataFrame:
    """Re-referrals in the year by what happened after the child's previous referral."""
    t = rr.by_previous_outcome(flagged, year_end=year_end)
    out = pd.DataFrame({"previous_outcome": t["previous_outcome"],
                        "rereferrals": t["rereferrals"],
                        "all_rereferrals": int(t["rereferrals"].sum()), "percent": np.nan})
    return publish(out, ["rereferrals", "all_rereferrals"],
                   {"percent": ("rereferrals", "all_rereferrals")}, secondary="columns")


def early_help_table(year_rows: pd.DataFrame) -> pd.DataFrame | None:
    """Share with early help before the referral, or None when the records do not say."""
    t = rr.early_help_share(year_rows)
    if int(t["known"].max()) == 0:
        return None
    out = t[["group", "with_prior_early_help", "known", "not_recorded"]].copy()
    out["percent"] = np.nan
    return publish(out, ["with_prior_early_help", "known", "not_recorded"],
                   {"percent": ("with_prior_early_help", "known")}, secondary="columns")


def funnel_table(year_rows: pd.DataFrame, contacts: float | None = None) -> pd.DataFrame:
    """The conversion funnel (:func:`analysis.rereferrals.conversion_funnel`), published.

    Stages are published down one column (secondary suppression in the column), and the one
    exact sum among them, assessed = assessed not in need + assessed in need, is published as
    a row of its own first, so a hidden part always has a hidden partner in that sum.
    Percentages are then taken from the published counts. ``contacts``: the number of
    contacts in the year, when known from elsewhere (referral records and the CIN census
    hold referrals only); it adds a first row.
    """
    raw = rr.conversion_funnel(year_rows)
    stage = raw["stage"].str.strip().tolist()
    count = dict(zip(stage, raw["count"].astype(int), strict=True))
    level = dict(zip(stage, raw["stage"].str.startswith("  ").astype(int), strict=True))
    n = count["Referrals"]
    if contacts is not None and (not np.isfinite(contacts) or contacts < n):
        raise ParameterError("contacts must be a number at least the referrals",
                             parameter="contacts", expected=f">= {n}", found=repr(contacts))
    split_names = ["Assessed", "Assessed: not in need", "Assessed: child in need"]
    split = publish(pd.DataFrame([[count[k] for k in split_names]], columns=split_names),
                    split_names, secondary="rows").iloc[0]
    order = (["Contacts"] if contacts is not None else []) + stage
    others = [k for k in order if k not in split_names]
    values = dict(count, **({"Contacts": int(contacts)} if contacts is not None else {}))
    rest = publish(pd.DataFrame({"stage": others, "count": [values[k] for k in others]}),
                   ["count"], secondary="columns").set_index("stage")["count"]
    shown = {k: (split[k] if k in split_names else rest[k]) for k in order}
    referrals, assessed = shown["Referrals"], shown["Assessed"]
    no_assessed_pct = {"Contacts", "Referrals", "No further action at referral",
                       "Outcome not recorded"}
    out = pd.DataFrame({
        "stage": order,
        "count": pd.Series([shown[k] for k in order], dtype=object),
        "level": [level.get(k, 0) for k in order],
        "percent_of_referrals": pd.Series(
            [np.nan if k == "Contacts" else ratio(shown[k], referrals) for k in order],
            dtype=object),
        "percent_of_assessed": pd.Series(
            [np.nan if k in no_assessed_pct else ratio(shown[k], assessed) for k in order],
            dtype=object),
    })
    if contacts is not None:
        out.loc[out["stage"] == "Referrals", "percent_of_contacts"] = ratio(referrals,
                                                                             shown["Contacts"])
    return out


def locality_table(year_rows: pd.DataFrame) -> pd.DataFrame | None:
    """Re-referrals (numerator) and referrals (denominator) by locality, with an all-localities
    row and where each sits on the funnel plot; None when the records have no locality."""
    if year_rows["locality"].isna().all():
        return None
    t = rr.by_locality(year_rows)
    t = t.loc[t["locality"] != "not recorded"] if t["locality"].ne("not recorded").sum() >= 2 \
        else t
    total = pd.DataFrame({"locality": [ALL_LOCALITIES], "numerator": [int(t["numerator"].sum())],
                          "denominator": [int(t["denominator"].sum())]})
    out = pd.concat([t[["locality", "numerator", "denominator"]], total], ignore_index=True)
    out["percent"] = np.nan
    pub = publish(out, ["numerator", "denominator"], {"percent": ("numerator", "denominator")},
                  secondary="columns")
    pub["funnel_position"] = funnel_positions(pub)
    return pub


def funnel_positions(localities: pd.DataFrame) -> list[str]:
    """Where each published locality sits against the 95% and 99.8% limits around the
    all-localities rate ("inside", "above_95", "above_99_8"...; "suppressed")."""
    from analysis.stats import funnel_flags

    overall = suppress.number(localities.loc[localities["locality"] == ALL_LOCALITIES,
                                    "percent"].iloc[0])
    out = []
    for _, r in localities.iterrows():
        v, d = suppress.number(r["percent"]), suppress.number(r["denominator"])
        if r["locality"] == ALL_LOCALITIES:
            out.append("")
        elif np.isnan(v) or np.isnan(d) or np.isnan(overall):
            out.append("suppressed")
        else:
            out.append(str(funnel_flags(v, d, overall)))
    return out


def dfe_comparison_table(year_rows: pd.DataFrame, year: int, la: LocalAuthority,
                         paths: Paths) -> tuple[pd.DataFrame | None, str]:
    """The year's re-referral, NFA and not-in-need percentages from the records beside the
    DfE's published figures (the LA's own, England, region, statistical neighbours mean) for
    the same year, or the latest published year before it. Returns ``(published table or
    None, note)``. DfE publishes these three as percentages of referrals (table C1); it
    publishes no contacts and no share of referrals assessed in need."""
    from analysis.benchmark import benchmark_table, load_benchmarks
    from analysis.catalogue import load_catalogue

    try:
        table = load_benchmarks(paths)
        catalogue = load_catalogue(paths.config / "indicators.yaml")
        have = sorted(int(y) for y in table.loc[table["indicator"].isin(list(DFE_MEASURES)),
                                                "year"].unique())
        if not have:
            return None, "No DfE figures for these measures in data/processed."
        earlier = [y for y in have if y <= year]
        dfe_year = year if year in have else (max(earlier) if earlier else have[0])
        bench = benchmark_table(table, la, catalogue, indicators=list(DFE_MEASURES),
                                years=[dfe_year], paths=paths)
    except AnalysisError as exc:
        return None, f"No DfE comparison: {str(exc).splitlines()[0]}"
    funnel = rr.conversion_funnel(year_rows).set_index("stage")["count"]
    counted = rr.annual_rate(year_rows)
    referrals = int(counted["referrals"].sum())
    ours = {"re_referrals": int(counted["rereferrals"].sum()),
            "referrals_nfa": int(funnel["No further action at referral"]),
            "assessed_not_in_need": int(funnel["Assessed: not in need"])}
    rows = []
    for ind, measure in DFE_MEASURES.items():
        b = bench.loc[bench["indicator"] == ind]
        b = b.iloc[0] if len(b) else pd.Series(dtype=object)
        rows.append({"measure": measure, "records_year": financial_year_label(year),
                     "numerator": ours[ind], "denominator": referrals, "percent": np.nan,
                     "dfe_year": financial_year_label(dfe_year),
                     "la_published": b.get("value", np.nan),
                     "england": b.get("england", np.nan), "region": b.get("region", np.nan),
                     "neighbours_mean": round(float(b["sn_mean"]), 1)
                     if pd.notna(b.get("sn_mean", np.nan)) else np.nan})
    out = publish(pd.DataFrame(rows), ["numerator", "denominator"],
                  {"percent": ("numerator", "denominator")}, secondary="none")
    note = ("" if dfe_year == year else
            f"DfE figures for {financial_year_label(year)} are not in data/processed: the "
            f"comparison uses {financial_year_label(dfe_year)}.")
    return out, note


# -------------------------------------------------------------------------- the result


@dataclass
class DeepDive:
    """Everything the deep dive shows: published tables (suppressed, no identifiers),
    the year, where the records came from and notes. No record-level data is kept."""

    la: LocalAuthority
    records_file: Path
    synthetic: bool
    year: int  # the year ends 31 March of this year (2017 = 2016-17)
    history_start: pd.Timestamp
    first_date: pd.Timestamp
    last_date: pd.Timestamp
    rows_in: int
    rows_used: int
    rows_dropped: int
    rows_flagged: int
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def period(self) -> str:
        return financial_year_label(self.year)

    @property
    def year_end(self) -> pd.Timestamp:
        return pd.Timestamp(self.year, 3, 31)

    @property
    def title(self) -> str:
        prefix = "SYNTHETIC DATA: " if self.synthetic else ""
        return f"{prefix}{self.la.name}: re-referrals deep dive, {self.period}"

    def name(self, base: str) -> str:
        """Output file name for ``base`` (``synthetic_`` in front for generated data)."""
        return output_name(base, self.synthetic)

    @property
    def source(self) -> str:
        """The source line under each chart drawn from the records."""
        kind = ("SYNTHETIC referral records made by analysis.synthetic (not real children)"
                if self.synthetic else f"{self.la.name} referral records")
        return (f"Source: {kind}, file {self.records_file.name}; referrals "
                f"{self.first_date:%d %b %Y} to {self.last_date:%d %b %Y}. Re-referral: "
                "within 12 months of the child's previous referral (DfE CIN census rule). "
                f"Counts under {THRESHOLD} suppressed.")

    @property
    def dfe_source(self) -> str:
        t = self.tables.get("dfe_comparison")
        year = t["dfe_year"].iloc[0] if t is not None and len(t) else self.period
        return (self.source + f" Comparators: DfE, Children in need {year}, table C1; "
                "Open Government Licence v3.0.")

    def saved_tables(self) -> dict[str, pd.DataFrame]:
        """The tables to save (``analysis.report.save_tables``), under their output names."""
        return {self.name(k): v for k, v in self.tables.items()}


def build_deep_dive(la: str, records: str | Path, period: str | int | None = None, *,
                    paths: Paths | None = None, today: pd.Timestamp | str | None = None,
                    contacts: float | None = None) -> DeepDive:
    """Read ``records`` and build every published table of the deep dive for ``la``.

    ``period``: the year ending 31 March to report (``"2016-17"`` or ``2017``); default the
    latest whole year with 12 months of history before it. Relative ``records`` paths are
    taken from the project folder. Tables (all published through :func:`publish`):
    read_summary, annual, rolling_quarters, monthly, monthly_xmr, time_since, share_within,
    source_groups, sources, primary_need, factors, previous_outcome, early_help (when
    recorded), funnel, dfe_comparison (when data/processed has it), localities (when
    recorded).
    """
    paths = paths or Paths.for_root()
    authority = resolve_la(la, load_areas(paths.root))
    path = Path(records)
    if not path.is_absolute():
        path = paths.root / path
    table, report, history_start = load_records(path, today=today)
    flagged = rr.flag_rereferrals(table, history_start=history_start)
    years = reporting_years(flagged, history_start)
    year = choose_year(years, period)
    year_end = pd.Timestamp(year, 3, 31)
    year_rows = rr.select_year(flagged, year_end)
    dive = DeepDive(
        la=authority, records_file=path, synthetic=is_synthetic(path), year=year,
        history_start=history_start, first_date=pd.Timestamp(table["referral_date"].min()),
        last_date=pd.Timestamp(table["referral_date"].max()), rows_in=report.rows_in,
        rows_used=report.rows_used, rows_dropped=report.rows_dropped,
        rows_flagged=report.rows_flagged)
    t = dive.tables
    t["read_summary"] = read_summary_table(report)
    t["annual"] = annual_table(years, year)
    t["rolling_quarters"] = rolling_quarters_table(flagged, year_end)
    t["monthly"] = monthly_table(flagged, history_start, year_end)
    t["monthly_xmr"] = publish(monthly_xmr(t["monthly"]), [])
    t["time_since"] = time_since_table(year_rows)
    t["share_within"] = share_within_table(t["time_since"])
    t["source_groups"] = breakdown_table(rr.by_referral_source(year_rows, grouped=True),
                                         "source_group")
    t["sources"] = breakdown_table(rr.by_referral_source(year_rows), "referral_source")
    if year_rows["primary_need"].notna().any():
        t["primary_need"] = breakdown_table(rr.by_primary_need(year_rows), "primary_need",
                                            "label")
    else:
        dive.notes.append("The records have no primary need codes: that section is left out.")
    if year_rows["assessment_factors"].notna().any():
        t["factors"] = breakdown_table(rr.by_assessment_factor(year_rows),
                                       "assessment_factor", "label")
    else:
        dive.notes.append("The records have no assessment factors: that section is left out.")
    t["previous_outcome"] = previous_outcome_table(flagged, year_end)
    early = early_help_table(year_rows)
    if early is not None:
        t["early_help"] = early
    else:
        dive.notes.append("The records do not say whether early help came first (the CIN "
                          "census has no such field): that section is left out.")
    t["funnel"] = funnel_table(year_rows, contacts)
    if contacts is None:
        dive.notes.append("Contacts are not in referral records or the CIN census, and DfE "
                          "publishes no contact figures: the funnel starts at referrals.")
    comparison, note = dfe_comparison_table(year_rows, year, authority, paths)
    if comparison is not None:
        t["dfe_comparison"] = comparison
    if note:
        dive.notes.append(note)
    localities = locality_table(year_rows)
    if localities is not None:
        t["localities"] = localities
    else:
        dive.notes.append("The records have no locality or team: the funnel plot is left out.")
    return dive


#: Column headings when a table is shown in the report (the saved CSVs keep the names).
HEADINGS: dict[str, str] = {
    "year": "Year", "referrals": "Referrals", "rereferrals": "Re-referrals",
    "percent": "Per cent", "quarter_end": "12 months to", "month": "Month",
    "within": "Within", "days": "Days", "all_rereferrals": "All re-referrals",
    "measure": "Measure", "records_year": "Records year", "numerator": "Numerator",
    "denominator": "Denominator", "dfe_year": "DfE year", "la_published": "LA (DfE)",
    "england": "England", "region": "Region", "neighbours_mean": "Neighbours (mean)",
    "locality": "Locality", "funnel_position": "On the funnel plot", "what": "Rows",
    "rows": "Number",
}


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.0f}" if float(value).is_integer() and abs(float(value)) >= 1000 \
            else f"{float(value):,.1f}"
    return str(value)


def styled(table: pd.DataFrame):
    """A published table for display: readable headings, thousands separators, one decimal,
    blanks for missing, "c" kept, no index. Returns a pandas Styler."""
    shown = table.rename(columns=HEADINGS)
    return shown.style.format(_cell).hide(axis="index")


# ----------------------------------------------------------------------------- words


def intro_markdown(dive: DeepDive) -> str:
    """The opening of the report: title, what was read and used, the rule, the year."""
    lines = [f"# {dive.title}", ""]
    if dive.synthetic:
        lines += ["**SYNTHETIC DATA.** These records were generated by `analysis.synthetic` to "
                  "look like a council of Doncaster's size; no child is real and no figure "
                  "here describes any council.", ""]
    lines += [
        f"Records: `{dive.records_file.name}`"
        + (" (a folder of CIN census files)" if dive.records_file.is_dir() else "")
        + f", referrals from {dive.first_date:%d %B %Y} to "
        f"{dive.last_date:%d %B %Y}. {dive.rows_in:,} rows read, {dive.rows_used:,} used, "
        f"{dive.rows_dropped:,} left out and {dive.rows_flagged:,} kept but flagged "
        f"(reasons in `tables/{dive.name('read_summary')}.csv`).", "",
        "A **re-referral** is a referral within 12 months of the same child's previous "
        "referral (the DfE rule; edge cases in `docs/methods/rereferrals.md`). The year "
        f"reported is {dive.period} (1 April {dive.year - 1} to 31 March {dive.year}); earlier "
        "referrals are used only to look back 12 months.", "",
        f"Counts from 1 to {THRESHOLD - 1} are shown as \"c\", with further cells hidden where "
        "a total would give them away; no child or referral identifier appears anywhere.",
    ]
    if dive.notes:
        lines += [""] + [f"- {n}" for n in dive.notes]
    return "\n".join(lines)


def _row(table: pd.DataFrame, column: str, value: object) -> pd.Series | None:
    hit = table.loc[table[column] == value]
    return hit.iloc[0] if len(hit) else None


def _largest(table: pd.DataFrame, column: str) -> pd.Series | None:
    """The row with the largest published figure in ``column`` (suppressed cells skipped),
    or None when every cell is suppressed."""
    values = pd.Series([suppress.number(v) for v in table[column]], index=table.index)
    return table.loc[values.idxmax()] if values.notna().any() else None


def key_findings(dive: DeepDive) -> str:
    """A short list of the main figures, taken from the published tables."""
    t = dive.tables
    out = []
    year = _row(t["annual"], "year", dive.period)
    if year is not None:
        line = (f"In {dive.period}, {_count(year['rereferrals'])} of "
                f"{_count(year['referrals'])} referrals ({_pct(year['percent'])}) were "
                "re-referrals within 12 months")
        comp = t.get("dfe_comparison")
        rr_row = _row(comp, "measure", DFE_MEASURES["re_referrals"]) if comp is not None else None
        if rr_row is not None:
            line += (f"; DfE published {dive.la.name} {_pct(rr_row['la_published'])}, England "
                     f"{_pct(rr_row['england'])}, statistical neighbours "
                     f"{_pct(rr_row['neighbours_mean'])} ({rr_row['dfe_year']})")
        out.append(line + ".")
    w = t["share_within"]
    out.append(f"{_pct(w['percent'].iloc[0])} of re-referrals came within 60 days of the "
               f"previous referral, {_pct(w['percent'].iloc[1])} within 3 months and "
               f"{_pct(w['percent'].iloc[2])} within 6 months.")
    top = _largest(t["source_groups"], "share_of_rereferrals_percent")
    if top is not None:
        out.append(f"{top['source_group']} made the most re-referrals: "
                   f"{_pct(top['share_of_rereferrals_percent'])} of them (re-referral rate "
                   f"{_pct(top['rate_percent'])} of its referrals).")
    top = _largest(t["previous_outcome"], "percent")
    if top is not None:
        out.append(f"The most common outcome of the previous referral was "
                   f"\"{top['previous_outcome']}\" ({_pct(top['percent'])} of re-referrals).")
    if "early_help" in t:
        eh = t["early_help"]
        re_ = _row(eh, "group", "re-referrals")
        all_ = _row(eh, "group", "all referrals")
        if re_ is not None and all_ is not None:
            out.append(f"{_pct(re_['percent'])} of re-referrals had early help before the "
                       f"referral (all referrals: {_pct(all_['percent'])}).")
    comp = t.get("dfe_comparison")
    nin = _row(comp, "measure", DFE_MEASURES["assessed_not_in_need"]) if comp is not None \
        else None
    if nin is not None:
        out.append(f"{_pct(nin['percent'])} of referrals were assessed and found not in need "
                   f"(DfE {nin['dfe_year']}: England {_pct(nin['england'])}, region "
                   f"{_pct(nin['region'])}, statistical neighbours "
                   f"{_pct(nin['neighbours_mean'])}).")
    if "localities" in t:
        loc = t["localities"]
        outside = loc.loc[loc["funnel_position"].str.contains("99_8"), "locality"].tolist()
        out.append("Localities outside the 99.8% funnel limits: "
                   + (", ".join(outside) if outside else "none") + ".")
    x = t["monthly_xmr"]
    flagged = int(pd.Series(x["special_cause"]).astype(bool).sum())
    out.append(f"Monthly re-referral rate over {int(x['value'].notna().sum())} months: mean "
               f"{float(x['mean'].iloc[-1]):.1f}%, {flagged} month(s) with special-cause "
               "variation.")
    return "\n".join(f"- {line}" for line in out)


__all__ = [
    "ALL_LOCALITIES",
    "DFE_MEASURES",
    "THRESHOLD",
    "DeepDive",
    "annual_table",
    "breakdown_table",
    "build_deep_dive",
    "choose_year",
    "dfe_comparison_table",
    "early_help_table",
    "funnel_positions",
    "funnel_table",
    "intro_markdown",
    "is_synthetic",
    "key_findings",
    "load_records",
    "locality_table",
    "monthly_table",
    "monthly_xmr",
    "output_name",
    "previous_outcome_table",
    "publish",
    "read_summary_table",
    "reporting_years",
    "rolling_quarters_table",
    "share_within_table",
    "time_since_table",
]
