"""The re-referrals deep dive: everything ``notebooks/rereferrals_deep_dive.ipynb`` shows.

From one file of record-level referrals (a CSV or XLSX extract, a CIN census XML return, or
a folder of census XML files) :func:`build_deep_dive` reads and validates the records,
flags re-referrals with the DfE rule (:mod:`analysis.measures.rereferrals`), picks the reporting year
and builds the tables. Every table goes through :func:`publish` before anything sees it:
identifier columns are dropped and small counts suppressed by :mod:`analysis.engine.suppress` (the
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

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.blocks import Block, Column, Note, Pack, Section, Table, Text
from analysis.core.config import Paths
from analysis.core.errors import ParameterError
from analysis.data.geography import LocalAuthority, load_areas, resolve_la
from analysis.data.periods import financial_year_label
from analysis.data.readers.referral_records import ReadReport
from analysis.deep_dive.breakdowns import (
    CHARACTERISTIC_TABLES,
    characteristic_raws,
    closure_reason_raw,
    early_help_raw,
    factors_raw,
    funnel_raw,
    locality_raw,
    locality_years_raw,
    need_raw,
    outcome_raw,
    previous_outcome_raw,
    repeat_raw,
    source_raw,
)
from analysis.deep_dive.derived import (
    funnel_positions,
    funnel_table,
    monthly_xmr,
    share_within_table,
    xmr_choice,
)
from analysis.deep_dive.dfe_comparison import DFE_MEASURES, dfe_raw
from analysis.deep_dive.records import (
    XML_SUFFIXES,
    is_synthetic,
    load_records,
    output_name,
    read_summary_table,
)
from analysis.deep_dive.suppression import ROUNDING, THRESHOLD, publish_all
from analysis.deep_dive.tables import (
    Scope,
    annual_raw,
    monthly_raw,
    quarterly_raw,
    rolling_quarters_raw,
    time_since_closure_raw,
    time_since_raw,
)
from analysis.deep_dive.years import choose_year, long_date, reporting_years
from analysis.engine import suppress
from analysis.measures import rereferral_breakdowns as rb
from analysis.measures import rereferrals as rr

# -------------------------------------------------------------------------- publishing


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
    suppressed: int = 0
    xmr_period: str | None = None
    #: what each published count counts, for checking the suppression (not saved)
    linked: suppress.LinkedTables | None = field(default=None, repr=False)

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
        kind = ("SYNTHETIC referral records generated by the toolkit (not real children)"
                if self.synthetic else f"{self.la.name} referral records")
        return (f"Source: {kind}, file {self.records_file.name}; referrals "
                f"{long_date(self.first_date)} to {long_date(self.last_date)}. Re-referral: "
                "within 12 months of the child's previous referral (DfE CIN census rule). "
                f"Counts of 1-{THRESHOLD - 1} shown as c, others rounded to {ROUNDING}.")

    @property
    def dfe_source(self) -> str:
        t = self.tables.get("dfe_comparison")
        year = t["dfe_year"].iloc[0] if t is not None and len(t) else self.period
        return (self.source + f" Comparators: DfE, Children in need {year}, table C1; "
                "Open Government Licence v3.0.")

    @property
    def dfe_source_only(self) -> str:
        t = self.tables.get("neighbours")
        year = t["dfe_year"].iloc[0] if t is not None and len(t) else self.period
        return (f"Source: DfE, Children in need {year}, table C1 (published figures, not from "
                "the records); Open Government Licence v3.0.")


@dataclass
class Prepared:
    """Records read, checked and flagged, with the year to report (no tables yet)."""

    la: LocalAuthority
    path: Path
    table: pd.DataFrame
    report: ReadReport
    flagged: pd.DataFrame
    years: pd.DataFrame
    year: int
    history_start: pd.Timestamp

    def ids(self) -> set[str]:
        """Every child and referral id in the input, for the identifier scan."""
        cols = [c for c in ("child_id", "referral_id") if c in self.table]
        return {str(v) for c in cols for v in self.table[c].dropna().unique()}


def prepare(la: str, records: str | Path, period: str | int | None = None, *,
            paths: Paths | None = None, today: pd.Timestamp | str | None = None,
            history_start: pd.Timestamp | str | None = None, validate: bool = False
            ) -> Prepared:
    """Read and check the records (and, with ``validate``, each census file against its
    year's XSD), flag re-referrals and choose the year: everything that can refuse the
    input, done before any output is made."""
    paths = paths or Paths.for_root()
    authority = resolve_la(la, load_areas(paths.root))
    path = Path(records)
    if not path.is_absolute():
        path = paths.root / path
    if validate:
        from analysis.data.readers.cin_xml_schema import validate_cin_xml

        files = (sorted(p for p in path.iterdir() if p.suffix.lower() in XML_SUFFIXES)
                 if path.is_dir() else [path])
        for f in files:
            if f.suffix.lower() in XML_SUFFIXES:
                validate_cin_xml(f)
    table, report, start = load_records(path, today=today, la=authority)
    if history_start is not None:
        try:
            given = pd.Timestamp(history_start)
        except (ValueError, TypeError):
            raise ParameterError("history start is not a date", parameter="history_start",
                                 expected="a date such as 2015-04-01",
                                 found=repr(history_start)) from None
        first = pd.Timestamp(table["referral_date"].min())
        if given > first:
            raise ParameterError("history start is after the first referral",
                                 parameter="history_start",
                                 expected=f"on or before {long_date(first)}",
                                 found=long_date(given),
                                 fix="give the date the extract's records are complete from")
        start = given
    flagged = rr.flag_rereferrals(table, history_start=start).reset_index(drop=True)
    years = reporting_years(flagged, start)
    year = choose_year(years, period)
    return Prepared(authority, path, table, report, flagged, years, year, start)


def write_audit_list(prepared: Prepared, target: str | Path,
                     forbidden: Sequence[Path] = ()) -> Path:
    """Write the year's re-referred children (ids, referral dates, previous referral and its
    closure date and reason) to ``target``, a CSV for case audit kept on this machine:
    permissions 0600 (owner only), a first line saying it holds personal data. Refused
    inside any folder of ``forbidden`` (the pack folders and ``outputs/``)."""
    import os

    from analysis.core.atomic import atomic_path

    target = Path(target).expanduser().resolve()
    for folder in forbidden:
        folder = Path(folder).resolve()
        if target == folder or target.is_relative_to(folder):
            raise ParameterError("the audit list may not be written among shared outputs",
                                 parameter="audit_list",
                                 expected=f"a path outside {folder}", found=str(target),
                                 fix="write it to a private folder on this machine")
    year_end = pd.Timestamp(prepared.year, 3, 31)
    f = prepared.flagged
    previous = rb.previous_outcomes(f)
    re = rr.select_year(f.loc[previous.index], year_end)
    prev = previous.loc[re.index]
    out = pd.DataFrame({
        "child_id": re["child_id"], "referral_id": re["referral_id"],
        "referral_date": re["referral_date"].dt.strftime("%Y-%m-%d"),
        "previous_referral_date": pd.to_datetime(re["previous_referral_date"])
        .dt.strftime("%Y-%m-%d"),
        "days_since_previous": re["days_since_previous"],
        "previous_outcome": prev["previous_outcome"],
        "previous_closure_date": pd.to_datetime(prev["previous_closure_date"])
        .dt.strftime("%Y-%m-%d"),
        "previous_closure_reason": prev["previous_closure_reason"],
    }).sort_values(["referral_date", "child_id"])
    header = (f"# PERSONAL DATA: re-referred children of {prepared.la.name}, "
              f"{financial_year_label(prepared.year)}, for case audit only. Keep it on this "
              "machine; do not email, share or put it in a pack.\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        os.chmod(tmp, 0o600)  # owner only before a byte is written
        fd = os.open(tmp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(header)
            out.to_csv(fh, index=False)
    os.chmod(target, 0o600)
    return target


def build_deep_dive(la: str, records: str | Path, period: str | int | None = None, *,
                    paths: Paths | None = None, today: pd.Timestamp | str | None = None,
                    contacts: float | None = None,
                    history_start: pd.Timestamp | str | None = None) -> DeepDive:
    """Read ``records`` and build every published table of the deep dive for ``la``.

    ``period``: the year ending 31 March to report (``"2016-17"`` or ``2017``); default the
    latest whole year with 12 months of history before it. Relative ``records`` paths are
    taken from the project folder. ``history_start``: the first day the records are
    complete from, when the extract starts later than that (default: the earliest referral,
    or 1 April of the first census year). Every count table is suppressed together
    (:func:`publish_all`): read_summary, annual, rolling_quarters, monthly, quarterly,
    time_since, time_since_closure, share_within, source_groups, sources, primary_need,
    factors, previous_outcome, previous_closure_reason, repeat_referrals, outcome_by_type,
    early_help, funnel, dfe_comparison, neighbours, localities, locality_years (each when
    the records can fill it).
    """
    paths = paths or Paths.for_root()
    prepared = prepare(la, records, period, paths=paths, today=today,
                       history_start=history_start)
    authority, path, table, report = (prepared.la, prepared.path, prepared.table,
                                      prepared.report)
    flagged, years, year, start = (prepared.flagged, prepared.years, prepared.year,
                                   prepared.history_start)
    year_end = pd.Timestamp(year, 3, 31)
    dive = DeepDive(
        la=authority, records_file=path, synthetic=is_synthetic(path), year=year,
        history_start=start, first_date=pd.Timestamp(table["referral_date"].min()),
        last_date=pd.Timestamp(table["referral_date"].max()), rows_in=report.rows_in,
        rows_used=report.rows_used, rows_dropped=report.rows_dropped,
        rows_flagged=report.rows_flagged)
    s = Scope(flagged, year_end, start)
    previous = rb.previous_outcomes(flagged)
    raws = [annual_raw(s, years, year), rolling_quarters_raw(s), monthly_raw(s),
            quarterly_raw(s), time_since_raw(s), time_since_closure_raw(s, previous),
            source_raw(s, grouped=True), source_raw(s, grouped=False)]
    if flagged["primary_need"].notna().any():
        raws.append(need_raw(s))
    else:
        dive.notes.append("The records have no primary need codes: that section is left out.")
    if flagged["assessment_factors"].notna().any():
        raws.append(factors_raw(s))
    else:
        dive.notes.append("The records have no assessment factors: that section is left out.")
    raws += [previous_outcome_raw(s, previous), closure_reason_raw(s, previous),
             repeat_raw(s), outcome_raw(s), funnel_raw(s), *characteristic_raws(s)]
    optional = [early_help_raw(s), locality_raw(s), locality_years_raw(s, years, year)]
    raws += [r for r in optional if r is not None]
    if optional[0] is None:
        dive.notes.append("The records do not say whether early help came first (the CIN "
                          "census has no such field before 2023): that section is left out.")
    if optional[1] is None:
        dive.notes.append("The records have no locality or team: the funnel plot is left out.")
    comparison, neighbours, note = dfe_raw(s, year, authority, paths)
    if comparison is not None:
        raws.append(comparison)
    if note:
        dive.notes.append(note)
    published, linked = publish_all([r for r in raws if len(r.frame)], s.size)
    dive.suppressed = int(linked.hidden.sum()) if linked.hidden is not None else 0
    dive.linked = linked
    t = dive.tables
    t["read_summary"] = read_summary_table(report)
    t.update(published)
    t["share_within"] = share_within_table(t["time_since"])
    t["funnel"] = funnel_table(t["funnel"], contacts)
    if contacts is None:
        dive.notes.append("Contacts are not in referral records or the CIN census, and DfE "
                          "publishes no contact figures: the funnel starts at referrals.")
    if "localities" in t:
        t["localities"]["funnel_position"] = funnel_positions(t["localities"])
    if neighbours is not None:
        t["neighbours"] = neighbours
    kind, why = xmr_choice(t["monthly"], t["quarterly"])
    dive.xmr_period = kind
    if kind is not None:
        t["xmr"] = monthly_xmr(t["monthly"] if kind == "month" else t["quarterly"], kind)
    if why:
        dive.notes.append(why)
    return dive


#: Column headings when a table is shown (the saved CSVs keep the same headings).
HEADINGS: dict[str, str] = {
    "year": "Year", "referrals": "Referrals", "rereferrals": "Re-referrals",
    "percent": "Per cent", "quarter_end": "12 months to", "month": "Month",
    "quarter": "Quarter", "within": "Within", "days": "Days",
    "all_rereferrals": "All re-referrals", "measure": "Measure",
    "records_year": "Records year", "numerator": "Re-referrals or stage count",
    "denominator": "Referrals", "dfe_year": "DfE year",
    "la_published": "LA as published by DfE", "england": "England (DfE)",
    "region": "Region (DfE)", "neighbours_mean": "Statistical neighbours' mean (DfE)",
    "locality": "Locality", "funnel_position": "On the funnel plot", "what": "Rows",
    "rows": "Number", "band": "Time since previous referral",
    "cumulative_rereferrals": "Re-referrals so far", "cumulative_percent": "Per cent so far",
    "since_closure": "Time since the previous case closed", "source_group": "Referred by",
    "referral_source": "Referral source", "primary_need": "Need code", "label": "Description",
    "assessment_factor": "Factor code", "rate_percent": "Re-referral rate",
    "share_of_rereferrals_percent": "Share of re-referrals",
    "age_band": "Age at referral", "ethnicity_group": "Ethnic group", "disability": "Disability",
    "previous_outcome": "Previous referral's outcome", "closure_reason": "Reason for closure",
    "code": "Code", "referrals_in_year": "Referrals in the year", "children": "Children",
    "all_children": "All children", "outcome": "Outcome",
    "first_referrals": "First referrals", "all_first_referrals": "All first referrals",
    "rereferrals_percent": "Per cent of re-referrals",
    "first_referrals_percent": "Per cent of first referrals", "group": "Group",
    "with_prior_early_help": "With early help first", "known": "Recorded",
    "not_recorded": "Not recorded", "stage": "Stage", "count": "Number",
    "percent_of_referrals": "Per cent of referrals",
    "percent_of_assessed": "Per cent of assessed", "percent_of_contacts": "Per cent of contacts",
    "area": "Area", "published_percent": "Re-referral rate (DfE published)",
    "is_la": "This LA",
}
#: Columns kept in the frame but not shown or saved.
_HIDDEN_COLUMNS = frozenset({"min_days", "max_days", "level", "days", "is_la"})


def table_block(name: str, frame: pd.DataFrame, caption: str, source: str = "",
                notes: Sequence[str] = ()) -> Table:
    """A published table as a :class:`analysis.core.blocks.Table`: headings from
    :data:`HEADINGS`, counts as counts, percentages with one decimal."""
    cols = []
    for key in frame.columns:
        k = str(key)
        kind: str = "text"
        decimals = None
        if "percent" in k or k in ("england", "region", "neighbours_mean", "la_published"):
            kind, decimals = "percent", 1
        elif k in ("referrals", "rereferrals", "all_rereferrals", "numerator", "denominator",
                   "rows", "cumulative_rereferrals", "children", "all_children",
                   "first_referrals", "all_first_referrals", "with_prior_early_help", "known",
                   "not_recorded", "count"):
            kind = "count"
        hidden = k in _HIDDEN_COLUMNS
        cols.append(Column(k, HEADINGS.get(k, k.replace("_", " ").capitalize()),
                           kind, decimals,  # type: ignore[arg-type]
                           display=not hidden, download=not hidden))
    return Table(name, frame, tuple(cols), caption, source=source, notes=tuple(notes))


def _too_few(what: str) -> Note:
    return Note("left_out", f"{what}: too few referrals to show safely (every figure would "
                            f"be fewer than {THRESHOLD} or give one away).")


def _section(sid: str, title: str, *blocks: Block | None, intro: str = "") -> Section:
    return Section(sid, title, tuple(b for b in blocks if b is not None), intro=intro)


def deep_dive_pack(dive: DeepDive) -> Pack:
    """The deep dive as a :class:`analysis.core.blocks.Pack`: sections of text, tables, charts
    and notes, every figure from the published (suppressed) tables. Writes nothing; render
    it with :mod:`analysis.render`."""
    from analysis.charts import rereferral_funnels as cf
    from analysis.charts import rereferrals as ch

    t, syn, src, year, n = dive.tables, dive.synthetic, dive.source, dive.period, dive.name

    def tb(key: str, caption: str, notes: Sequence[str] = (), source: str = "") -> Table | None:
        return table_block(n(key), t[key], caption, source or src, notes) if key in t else None

    annual = t["annual"]
    year_row = annual.loc[annual["year"] == year]
    overall = year_row["percent"].iloc[0] if len(year_row) else None
    sections = [
        _section("about", "About these figures", Text(intro_markdown(dive, heading=False)),
                 tb("read_summary", "Rows read, used and left out")),
        _section("key", "Key figures", Text(key_findings(dive))),
    ]
    comparison: list[Block | None] = [
        tb("annual", f"Re-referrals by year ending 31 March, up to {year}"),
        tb("rolling_quarters", "Re-referrals in the 12 months to each quarter end"),
    ]
    if "dfe_comparison" in t:
        words = ("from the synthetic records" if syn else "from the records")
        comparison.append(tb("dfe_comparison",
                             f"The records' figures ({words}) beside DfE's published figures "
                             "(the LA's own, England, the region, the statistical neighbours)",
                             source=dive.dfe_source))
    if "neighbours" in t:
        comparison += [ch.neighbours_block(n("neighbour_rates"), t["neighbours"],
                                           source=dive.dfe_source_only, synthetic=syn),
                       tb("neighbours", "DfE's published re-referral rate of each statistical "
                                        "neighbour (published figures, not from the records)",
                          source=dive.dfe_source_only)]
    sections.append(_section("rate", "The rate over the years", *comparison,
                             intro="Re-referrals as a percentage of referrals in each year "
                                   "ending 31 March (DfE's annual measure), then in the 12 "
                                   "months to each quarter end (as a local quarterly return "
                                   "reports it)."))
    ts = t["time_since"]
    soon: list[Block | None] = [
        ch.time_since_block(n("time_since_previous"), ts, source=src, synthetic=syn,
                            period=year) if ch.drawable(ts, "percent")
        else _too_few("How soon children come back"),
        tb("share_within", "Share of re-referrals within 60 days, 3 and 6 months"),
        tb("time_since", "Re-referrals by days since the previous referral"),
    ]
    closure = t["time_since_closure"]
    soon.append(ch.breakdown_block(
        n("time_since_closure"), closure, "since_closure", "percent", source=src,
        synthetic=syn, count="rereferrals", title="Time from the previous case's closure",
        what="time since the previous case closed", value_label="Per cent of re-referrals")
        if ch.drawable(closure, "percent") else _too_few("Time since the previous closure"))
    soon.append(tb("time_since_closure", "Re-referrals by time since the previous case closed"))
    sections.append(_section("soon", "How soon do children come back?", *soon))
    who: list[Block | None] = []
    groups = t["source_groups"]
    who.append(ch.breakdown_block(
        n("referral_source"), groups, "source_group", source=src, synthetic=syn,
        reference=overall, title="Re-referral rate by who referred", what="referral source")
        if ch.drawable(groups, "rate_percent") else _too_few("Referral source"))
    who += [tb("source_groups", "Referrals and re-referrals by who referred"),
            tb("sources", "Every referral source")]
    sections.append(_section("sources", "Who refers them?", *who,
                             intro="The re-referral rate of each source's referrals; the "
                                   "dashed line is the rate for all referrals."))
    need: list[Block | None] = []
    for key, cat, title, what in (("primary_need", "primary_need", "primary need",
                                   "primary need"),
                                  ("factors", "assessment_factor", "factor at assessment",
                                   "factor identified at assessment")):
        if key not in t:
            continue
        need.append(ch.breakdown_block(
            n(key if key == "primary_need" else "assessment_factors"), t[key], cat,
            label="label", source=src, synthetic=syn, reference=overall,
            title=f"Re-referral rate by {title}", what=what)
            if ch.drawable(t[key], "rate_percent") else _too_few(title.capitalize()))
        need.append(tb(key, f"Referrals and re-referrals by {title}"))
    if need:
        sections.append(_section("need", "Primary need and factors at assessment", *need,
                                 intro="A referral with several factors counts under each "
                                       "of them."))
    else:
        sections.append(_section("need", "Primary need and factors at assessment",
                                 Note("left_out", "The records have no need codes or "
                                                  "assessment factors.")))
    prev, reasons = t["previous_outcome"], t["previous_closure_reason"]
    sections.append(_section(
        "last_time", "What happened last time?",
        ch.breakdown_block(n("previous_outcome"), prev, "previous_outcome", "percent",
                           count="rereferrals", source=src, synthetic=syn,
                           value_label="Per cent of re-referrals", title="What happened last time",
                           what="outcome of the previous referral")
        if ch.drawable(prev, "percent") else _too_few("Previous outcome"),
        tb("previous_outcome", "Re-referrals by the outcome of the previous referral"),
        ch.breakdown_block(n("previous_closure_reason"), reasons, "closure_reason", "percent",
                           count="rereferrals", source=src, synthetic=syn,
                           value_label="Per cent of re-referrals",
                           title="Why the previous case closed", what="reason for closure")
        if ch.drawable(reasons, "percent") else _too_few("Previous closure reason"),
        tb("previous_closure_reason", "Re-referrals by the previous case's reason for closure"),
        Note("caveat", "The CIN census records why a case closed (RC1-RC9) but not what "
                       "support followed: closure to early help has its own code (RC9) only "
                       "from the 2023 census; before that it is inside RC8 (no further "
                       "action). The census has no early help field at all."),
        intro="For each re-referral in the year, the outcome of the same child's previous "
              "referral and why that case closed."))
    rep = t["repeat_referrals"]
    sections.append(_section(
        "repeat", "Children referred again and again",
        ch.breakdown_block(n("repeat_referrals"), rep, "referrals_in_year", "percent",
                           count="children", source=src, synthetic=syn,
                           value_label="Per cent of children referred in the year",
                           title="Children by referrals in the year", what="number of referrals")
        if ch.drawable(rep, "percent") else _too_few("Repeat referrals"),
        tb("repeat_referrals", f"Children by number of referrals in {year}"),
        tb("outcome_by_type", "Outcome of re-referrals against first referrals")))
    who_children: list[Block | None] = []
    for col, name, words in CHARACTERISTIC_TABLES:
        if name not in t:
            continue
        who_children.append(ch.breakdown_block(
            n(f"by_{name}"), t[name], col, source=src, synthetic=syn, reference=overall,
            title=f"Re-referral rate by {words}", what=words)
            if ch.drawable(t[name], "rate_percent") else _too_few(words.capitalize()))
        who_children.append(tb(name, f"Referrals and re-referrals by {words}"))
    sections.append(_section(
        "children", "Who are the children?",
        *(who_children or [Note("left_out", "The records have no age, ethnicity or "
                                            "disability (CIN census returns have them).")])))
    if "early_help" in t:
        eh = t["early_help"]
        sections.append(_section(
            "early_help", "Was early help tried first?",
            ch.early_help_block(n("early_help"), eh, source=src, synthetic=syn, period=year)
            if ch.drawable(eh, "percent") else _too_few("Early help"),
            tb("early_help", "Early help before the referral")))
    else:
        sections.append(_section("early_help", "Was early help tried first?",
                                 Note("left_out", "The records do not say whether early help "
                                                  "came before the referral.")))
    comp = t.get("dfe_comparison")
    sections.append(_section(
        "funnel", "From referral to outcome",
        cf.funnel_block(n("conversion_funnel"), t["funnel"], comp, source=dive.dfe_source,
                        synthetic=syn, period=year, la_name=dive.la.name)
        if ch.drawable(t["funnel"], "percent_of_referrals") else _too_few("The funnel"),
        tb("funnel", "Referrals to outcome"),
        intro="Where DfE publishes the same percentage (no further action at referral; "
              "assessed and found not in need), its published figures are marked."))
    if "localities" in t:
        loc = t["localities"]
        shown = [r for r in loc["percent"].iloc[:-1] if not np.isnan(suppress.number(r))]
        sections.append(_section(
            "localities", "Localities",
            cf.locality_block(n("localities_funnel"), loc, source=src, synthetic=syn,
                              period=year) if len(shown) >= 2 else _too_few("Localities"),
            tb("localities", f"Re-referrals by locality, {year}"),
            tb("locality_years", "Re-referrals by locality and year"),
            intro="Each locality's re-referral rate against its number of referrals. Points "
                  "outside the 99.8% limits differ from the all-localities rate by more than "
                  "chance would explain."))
    else:
        sections.append(_section("localities", "Localities",
                                 Note("left_out", "The records have no locality or team.")))
    over_time: list[Block | None] = []
    if "xmr" in t and dive.xmr_period:
        over_time.append(ch.xmr_block(n(f"{'monthly' if dive.xmr_period == 'month' else 'quarterly'}"
                                        "_rate_xmr"), t["xmr"], source=src, synthetic=syn,
                                      period=dive.xmr_period))
    else:
        over_time.append(Note("left_out", "The rate over time is not charted: some months and "
                                          "quarters have too few referrals to show safely."))
    over_time.append(tb("monthly" if dive.xmr_period != "quarter" else "quarterly",
                        "Referrals and re-referrals by " + (dive.xmr_period or "month")))
    sections.append(_section(
        "over_time", "Month by month" if dive.xmr_period != "quarter" else "Quarter by quarter",
        *over_time,
        intro="The re-referral rate on a statistical process control (XmR) chart. "
              "Special-cause points: outside the limits, a run of 7 on one side of the mean, "
              "a trend of 6, or two of three near a limit."))
    meta = {"la": dive.la.name, "period": f"{year} (year ending {long_date(dive.year_end)})",
            "sources": ("SYNTHETIC referral records; " if syn else "Referral records; ")
            + "DfE children in need statistics"}
    return Pack(dive.title, meta, tuple(sections), synthetic=syn)


# ----------------------------------------------------------------------------- words


def intro_markdown(dive: DeepDive, heading: bool = True) -> str:
    """The opening of the report: title (``heading``), what was read and used, the rule,
    the year."""
    lines = [f"# {dive.title}", ""] if heading else []
    if dive.synthetic:
        lines += ["**SYNTHETIC DATA.** These records were generated by the toolkit to "
                  "look like a council of Doncaster's size; no child is real and no figure "
                  "here describes any council.", ""]
    lines += [
        f"Records: `{dive.records_file.name}`"
        + (" (a folder of CIN census files)" if dive.records_file.is_dir() else "")
        + f", referrals from {long_date(dive.first_date)} to "
        f"{long_date(dive.last_date)}. {dive.rows_in:,} rows read, {dive.rows_used:,} used, "
        f"{dive.rows_dropped:,} left out and {dive.rows_flagged:,} kept but flagged "
        "(the reasons are in the table of rows read, used and left out).", "",
        "A **re-referral** is a referral within 12 months of the same child's previous "
        "referral (the DfE rule for the children in need census). The year "
        f"reported is {dive.period} (1 April {dive.year - 1} to 31 March {dive.year}); earlier "
        "referrals are used only to look back 12 months.", "",
        f"Counts from 1 to {THRESHOLD - 1} are shown as \"c\" and every other count is "
        f"rounded to the nearest {ROUNDING}, with percentages worked out from the rounded "
        "counts (so totals may not add up exactly); every table is checked together so no "
        "hidden count can be worked out from the others. No child or referral identifier "
        "appears anywhere.",
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
        line = (("In the synthetic records for " if dive.synthetic else "In ")
                + f"{dive.period}, {_count(year['rereferrals'])} of "
                f"{_count(year['referrals'])} referrals ({_pct(year['percent'])}) were "
                "re-referrals within 12 months")
        comp = t.get("dfe_comparison")
        rr_row = _row(comp, "measure", DFE_MEASURES["re_referrals"]) if comp is not None else None
        if rr_row is not None:
            line += ("; DfE's published figures (real"
                     + (", not from these records" if dive.synthetic else "")
                     + f"): {dive.la.name} {_pct(rr_row['la_published'])}, England "
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
        outside = loc.loc[loc["funnel_position"].str.contains("99.8%", regex=False), "locality"].tolist()
        out.append("Localities outside the 99.8% funnel limits: "
                   + (", ".join(outside) if outside else "none") + ".")
    if "xmr" in t and dive.xmr_period:
        x = t["xmr"]
        flagged = int(pd.Series(x["special_cause"]).astype(bool).sum())
        each = dive.xmr_period
        n_points = int(x["value"].notna().sum())
        out.append(f"{each.capitalize()}ly re-referral rate over {n_points} {each}s: mean "
                   f"{float(x['mean'].iloc[-1]):.1f}%; "
                   + (f"{flagged} {each}{'s' if flagged != 1 else ''} with special-cause "
                      "variation." if flagged else "no special-cause variation."))
    return "\n".join(f"- {line}" for line in out)


__all__ = [
    "DeepDive",
    "Prepared",
    "build_deep_dive",
    "deep_dive_pack",
    "intro_markdown",
    "key_findings",
    "prepare",
    "table_block",
    "write_audit_list",
]
