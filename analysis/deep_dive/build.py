"""The re-referrals deep dive: everything ``notebooks/rereferrals_deep_dive.ipynb`` shows,
built as a :class:`DeepDive` of published tables (the document itself is
:func:`analysis.deep_dive.report.deep_dive_pack`).

From one file of record-level referrals (a CSV or XLSX extract, a CIN census XML return, or
a folder of census XML files) :func:`build_deep_dive` reads and validates the records
(:mod:`analysis.deep_dive.records`), flags re-referrals with the DfE rule
(:mod:`analysis.measures.rereferrals`), picks the reporting year
(:mod:`analysis.deep_dive.years`) and builds the tables (:mod:`analysis.deep_dive.tables`,
:mod:`analysis.deep_dive.breakdowns`, :mod:`analysis.deep_dive.dfe_comparison`). Every table
goes through :mod:`analysis.deep_dive.suppression` before anything sees it: identifier
columns are dropped (:mod:`analysis.engine.identifiers`) and small counts suppressed by
:mod:`analysis.engine.suppress` (the one place that happens), and percentages are
recomputed from the suppressed counts. The charts and the sentences are drawn from these
published tables only, so nothing hidden in a table can come back through a chart or a
sentence. The record-level table itself is not kept on the result.

Synthetic input: when the records' file (or folder) name contains "synthetic", the result
says so (``DeepDive.synthetic``); every chart carries the "SYNTHETIC DATA" label, every
output file name starts with ``synthetic_`` (:meth:`DeepDive.name`) and the runner's output
folder is ``rereferrals-synthetic-<year>`` (see ``docs/methods/rereferrals.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from analysis.core.config import Paths
from analysis.core.errors import InputDataError, ParameterError
from analysis.data.geography import LocalAuthority
from analysis.data.periods import financial_year_label
from analysis.data.readers.referral_records import ReadReport
from analysis.deep_dive.breakdowns import (
    characteristic_notes,
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
    early_help_recordable,
    funnel_positions,
    funnel_table,
    mark_early_help_not_recorded,
    monthly_xmr,
    share_within_table,
    xmr_choice,
)
from analysis.deep_dive.dfe_check import dfe_difference_notes
from analysis.deep_dive.dfe_comparison import dfe_raw
from analysis.deep_dive.input_checks import InputNote, copies_note, rows_left_out_note
from analysis.deep_dive.record_classes import record_classes
from analysis.deep_dive.records import (
    XML_SUFFIXES,
    is_synthetic,
    output_name,
    read_summary_table,
    stage_records,
)
from analysis.deep_dive.scratch import close_scratch, open_scratch
from analysis.deep_dive.suppression import HIDDEN_LINE, publish_all
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
from analysis.measures.rereferrals_sql import flag_table


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
    #: what page 1 says about the input before any figure (copies, rows left out, a rate
    #: far from DfE's published one), each with its evidence
    input_notes: tuple[InputNote, ...] = ()
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
                f"within 12 months of the child's previous referral (DfE CIN census rule). {HIDDEN_LINE}")

    @property
    def dfe_source(self) -> str:
        from analysis.data.sources import indicator_source_line

        t = self.tables.get("dfe_comparison")
        year = t["dfe_year"].iloc[0] if t is not None and len(t) else self.period
        line = indicator_source_line("re_referrals", str(year))
        return self.source + " Comparators: " + line.removeprefix("Source: ")

    @property
    def dfe_source_only(self) -> str:
        from analysis.data.sources import indicator_source_line

        t = self.tables.get("neighbours")
        year = t["dfe_year"].iloc[0] if t is not None and len(t) else self.period
        line = indicator_source_line("re_referrals", str(year))
        return line.replace("; figures for", " (published figures, not from the records); figures for", 1)


def too_few_to_protect(dive: DeepDive, referrals: int, rereferrals: int) -> InputDataError:
    """The error for records too few to publish safely, in the analyst's words: which LA
    and year, how many referrals, why nothing can be published, what to do."""
    return InputDataError(
        f"{dive.la.name}, {dive.period}: too few referrals to publish a deep dive safely",
        file=dive.records_file,
        expected="enough referrals in the year that every count of 1 to 4 children can be "
                 "hidden without the other figures giving it back (an LA's referrals in a "
                 "year usually number hundreds or thousands)",
        found=f"{referrals:,} referral{'s' if referrals != 1 else ''} from 1 April "
              f"{dive.year - 1} to 31 March {dive.year} ({rereferrals:,} of them "
              f"re-referrals), in records from {long_date(dive.first_date)} to "
              f"{long_date(dive.last_date)}; with so few, a count of 1 to 4 children could "
              "be worked out from the totals even with every other figure hidden",
        fix="use records with more referrals in the year: the whole LA rather than one team "
            "or locality, several small teams or localities pooled, or a year with more "
            "referrals")


@dataclass
class Prepared:
    """Records read, checked and flagged in DuckDB (the table ``flagged`` of ``con``), with
    the year to report (no tables yet). :meth:`close` lets the records go."""

    la: LocalAuthority
    path: Path
    con: duckdb.DuckDBPyConnection = field(repr=False)
    report: ReadReport
    years: pd.DataFrame
    year: int
    history_start: pd.Timestamp
    notes: tuple[InputNote, ...] = ()
    #: the connection's private spill folder (:mod:`analysis.deep_dive.scratch`), removed on close
    scratch: Path | None = field(default=None, repr=False)

    def _one(self, sql: str) -> object:
        row = self.con.execute(sql).fetchone()
        return row[0] if row else None

    @property
    def first_date(self) -> pd.Timestamp:
        return pd.Timestamp(self._one("SELECT min(referral_date) FROM flagged"))

    @property
    def last_date(self) -> pd.Timestamp:
        return pd.Timestamp(self._one("SELECT max(referral_date) FROM flagged"))

    def has(self, column: str) -> bool:
        """Whether any record has a value in ``column``."""
        return bool(self._one(f"SELECT count({column}) > 0 FROM flagged"))

    @property
    def flagged(self) -> pd.DataFrame:
        """The flagged records as a pandas table (for a case audit list or a check; the
        deep dive itself never holds them)."""
        df = self.con.execute("SELECT * EXCLUDE (_row) FROM flagged ORDER BY _row").df()
        for col in ("referral_date", "closure_date", "previous_referral_date"):
            df[col] = df[col].astype("datetime64[ns]")
        df["days_since_previous"] = df["days_since_previous"].astype("Int64")
        df["is_rereferral"] = df["is_rereferral"].astype("boolean")
        df["prior_early_help"] = df["prior_early_help"].astype("boolean")
        return df

    def classes(self) -> pd.DataFrame:
        """The records' classes for the year reported
        (:func:`analysis.deep_dive.record_classes.record_classes`)."""
        return record_classes(self.con, "flagged", pd.Timestamp(self.year, 3, 31).to_pydatetime())

    def write_ids(self, path: Path) -> Path:
        """Write every child and referral id in the input to the Parquet file ``path`` (one
        column ``id``, distinct, as text), for the identifier scan after the notebook has run
        (:func:`analysis.engine.identifiers.assert_no_identifiers`): the ids stay on disk, not
        in memory. Numeric ids under 6 digits are left out: they would match ordinary counts
        in the tables. ``path`` should be in a folder only this user can read."""
        self.con.execute(f"""COPY (SELECT DISTINCT id FROM (
              SELECT CAST(child_id AS VARCHAR) AS id FROM flagged
              UNION ALL SELECT CAST(referral_id AS VARCHAR) FROM flagged)
            WHERE id IS NOT NULL AND NOT (regexp_full_match(id, '[0-9]+') AND length(id) < 6))
            TO '{_sql_text(path)}' (FORMAT parquet)""")
        return path

    def close(self) -> None:
        """Let the records go (the DuckDB connection holding them is closed, and its private
        spill folder removed)."""
        if self.scratch is None:
            self.con.close()
        else:
            close_scratch(self.con, self.scratch)


def _months(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The flagged records by month and flags, with their number (``weight``): enough for
    :func:`analysis.deep_dive.years.reporting_years`."""
    return con.execute("""SELECT date_trunc('month', referral_date) AS referral_date,
        same_day_duplicate, is_rereferral, count(*) AS weight FROM flagged GROUP BY ALL""").df()


def prepare(la: LocalAuthority, records: str | Path, period: str | int | None = None, *,
            paths: Paths | None = None, today: pd.Timestamp | str | None = None,
            history_start: pd.Timestamp | str | None = None, validate: bool = False,
            allow_rows_left_out: bool = False) -> Prepared:
    """Read and check the records into DuckDB (and, with ``validate``, each census file
    against its year's XSD), flag re-referrals and choose the year: everything that can
    refuse the input, done before any output is made. ``la``: the LA the records are for,
    resolved by the caller (:func:`analysis.data.geography.resolve_la`). More than 10% of
    rows left out is refused unless ``allow_rows_left_out``
    (:func:`analysis.deep_dive.input_checks.rows_left_out_note`)."""
    paths = paths or Paths.for_root()
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
    con, scratch = open_scratch()
    try:
        prepared = _prepared(con, la, path, period, today, history_start, allow_rows_left_out)
    except BaseException:
        close_scratch(con, scratch)
        raise
    prepared.scratch = scratch
    return prepared


def _sql_text(path: Path) -> str:
    """``path`` as the text of a SQL string literal."""
    return str(path).replace("'", "''")


def _prepared(con: duckdb.DuckDBPyConnection, la: LocalAuthority, path: Path,
              period: str | int | None, today: pd.Timestamp | str | None,
              history_start: pd.Timestamp | str | None, allow_rows_left_out: bool) -> Prepared:
    report, start, _table = stage_records(con, path, today=today, la=la)
    del _table
    notes = tuple(n for n in (copies_note(report),
                              rows_left_out_note(report, allow=allow_rows_left_out)) if n)
    if history_start is not None:
        try:
            given = pd.Timestamp(history_start)
        except (ValueError, TypeError):
            raise ParameterError("history start is not a date", parameter="history_start",
                                 expected="a date such as 2015-04-01",
                                 found=repr(history_start)) from None
        row = con.execute("SELECT min(referral_date) FROM referrals").fetchone()
        first = pd.Timestamp(row[0] if row else None)
        if given > first:
            raise ParameterError("history start is after the first referral",
                                 parameter="history_start",
                                 expected=f"on or before {long_date(first)}",
                                 found=long_date(given),
                                 fix="give the date the extract's records are complete from")
        start = given
    flag_table(con, "referrals", "flagged", start.to_pydatetime())
    con.execute("DROP VIEW referrals; DROP TABLE _referrals_read")
    years = reporting_years(_months(con), start)
    year = choose_year(years, period)
    return Prepared(la, path, con, report, years, year, start, notes)


def _scoped(prepared: Prepared) -> tuple[DeepDive, Scope, bool, bool]:
    """The deep dive's frame (no tables yet), the scope of its year over the records'
    classes, and whether any record has a primary need and any assessment factors."""
    report = prepared.report
    dive = DeepDive(
        la=prepared.la, records_file=prepared.path, synthetic=is_synthetic(prepared.path),
        year=prepared.year, history_start=prepared.history_start,
        first_date=prepared.first_date, last_date=prepared.last_date, rows_in=report.rows_in,
        rows_used=report.rows_used, rows_dropped=report.rows_dropped,
        rows_flagged=report.rows_flagged, input_notes=prepared.notes)
    s = Scope(prepared.classes(), pd.Timestamp(prepared.year, 3, 31), prepared.history_start)
    return dive, s, prepared.has("primary_need"), prepared.has("assessment_factors")


def build_deep_dive(la: LocalAuthority, records: str | Path,
                    period: str | int | None = None, *, paths: Paths | None = None,
                    today: pd.Timestamp | str | None = None, contacts: float | None = None,
                    history_start: pd.Timestamp | str | None = None,
                    allow_rows_left_out: bool = False) -> DeepDive:
    """Read ``records`` and build every published table of the deep dive for ``la`` (resolved
    by the caller: :func:`analysis.data.geography.resolve_la`).

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

    ``allow_rows_left_out``: go on when more than 10% of rows cannot be used (refused
    otherwise). ``DeepDive.input_notes`` holds what page 1 says about the input: exact
    copies read once, more than 1% of rows left out, a figure far from DfE's published one.
    """
    paths = paths or Paths.for_root()
    prepared = prepare(la, records, period, paths=paths, today=today,
                       history_start=history_start, allow_rows_left_out=allow_rows_left_out)
    try:
        dive, s, has_need, has_factors = _scoped(prepared)
    finally:
        prepared.close()  # from here on, classes of records only
    authority, path, report = prepared.la, prepared.path, prepared.report
    years, year = prepared.years, prepared.year
    raws = [annual_raw(s, years, year), rolling_quarters_raw(s), monthly_raw(s),
            quarterly_raw(s), time_since_raw(s), time_since_closure_raw(s),
            source_raw(s, grouped=True), source_raw(s, grouped=False)]
    if has_need:
        raws.append(need_raw(s))
    else:
        dive.notes.append("The records have no primary need codes: that section is left out.")
    if has_factors:
        raws.append(factors_raw(s))
    else:
        dive.notes.append("The records have no assessment factors: that section is left out.")
    raws += [previous_outcome_raw(s), closure_reason_raw(s),
             repeat_raw(s), outcome_raw(s), funnel_raw(s), *characteristic_raws(s)]
    dive.notes += characteristic_notes(s)
    optional = [early_help_raw(s), locality_raw(s), locality_years_raw(s, years, year)]
    raws += [r for r in optional if r is not None]
    if optional[0] is None:
        dive.notes.append("The records do not say whether early help came first (the CIN "
                          "census has no such field before 2023): that section is left out.")
    if optional[1] is None:
        dive.notes.append("The records have no locality or team: the funnel plot is left out.")
    comparison, neighbours, note, evidence = dfe_raw(s, year, authority, paths)
    if comparison is not None:
        raws.append(comparison)
    if note:
        dive.notes.append(note)
    try:
        published, linked = publish_all([r for r in raws if len(r.frame)], s.size)
    except suppress.TooFewToProtect:
        raise too_few_to_protect(dive, int(s.year.sum()), int(s.year_re.sum())) from None
    dive.suppressed = int(linked.hidden.sum()) if linked.hidden is not None else 0
    dive.linked = linked
    t = dive.tables
    t["read_summary"] = read_summary_table(report)
    t.update(published)
    t["share_within"] = share_within_table(t["time_since"])
    t["funnel"] = funnel_table(t["funnel"], contacts)
    if not early_help_recordable(path, year):
        mark_early_help_not_recorded(t)
    if contacts is None:
        dive.notes.append("Contacts are not in referral records or the CIN census, and DfE "
                          "publishes no contact figures: the funnel starts at referrals.")
    if "localities" in t:
        t["localities"]["funnel_position"] = funnel_positions(t["localities"])
    if neighbours is not None:
        t["neighbours"] = neighbours
    dive.input_notes += dfe_difference_notes(t.get("dfe_comparison"), evidence, authority.name,
                                             synthetic=dive.synthetic,
                                             rows_left_out=report.rows_dropped)
    kind, why = xmr_choice(t["monthly"], t["quarterly"])
    dive.xmr_period = kind
    if kind is not None:
        t["xmr"] = monthly_xmr(t["monthly"] if kind == "month" else t["quarterly"], kind)
    if why:
        dive.notes.append(why)
    return dive


__all__ = ["DeepDive", "Prepared", "build_deep_dive", "prepare", "too_few_to_protect"]
