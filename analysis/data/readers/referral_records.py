"""Read a flat referral extract (CSV or XLSX) into the tidy referral table.

The columns, types, codes and accepted aliases are in
``docs/data-formats/referral-records.md``. Nothing is dropped silently: the reader returns
the table *and* a :class:`ReadReport` (rows in, rows used, rows dropped or flagged and
why). Row numbers are the file's own line numbers (the header is row 1).

Problems that make a row unusable (no child id, no or bad referral date, a date before
1990 or in the future, closure before referral, a duplicate referral id, an unreadable
yes/no) raise :class:`InputDataError` naming the file, column and rows; with
``on_bad_rows="drop"`` those rows are left out instead and listed in the report.
Problems that do not stop a row being counted (an unknown referral source, kept as
"unknown"; an unknown need, closure reason or factor code, set to NA; two referrals of one
child on one day) are kept and counted in ``report.flagged``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.readers.record_checks import (
    check_day_month_order,
    check_la_codes,
    exact_copies,
)
from analysis.data.schemas.referrals import (
    ASSESSMENT_FACTORS,
    ASSESSMENT_OUTCOMES,
    CLOSURE_REASONS,
    COLUMNS,
    PRIMARY_NEEDS,
    UNKNOWN_SOURCE,
    source_label,
    validate_referrals,
)

REQUIRED: tuple[str, ...] = ("child_id", "referral_id", "referral_date", "referral_source",
                             "referral_nfa")

#: Accepted column names (compared lower-case, spaces and hyphens as underscores).
ALIASES: dict[str, tuple[str, ...]] = {
    "child_id": ("lachildid", "la_child_id", "childid", "child", "person_id", "client_id"),
    "referral_id": ("referralid", "referral_no", "referral_number", "episode_id", "cin_id"),
    "referral_date": ("cinreferraldate", "date_of_referral", "ref_date", "referral_start"),
    "referral_source": ("referralsource", "source", "source_of_referral", "referrer"),
    "referral_nfa": ("referralnfa", "nfa", "no_further_action"),
    "assessment_outcome": ("outcome", "referral_outcome"),
    "closure_date": ("cinclosuredate", "close_date", "date_closed", "case_closure_date"),
    "closure_reason": ("reasonforclosure", "reason_for_closure", "close_reason"),
    "prior_early_help": ("early_help", "previous_early_help", "had_early_help"),
    "locality": ("area", "team", "locality_team"),
    "primary_need": ("primaryneedcode", "primary_need_code", "need_code"),
    "assessment_factors": ("assessmentfactors", "factors", "factors_at_assessment"),
    "la_code": ("lacode", "lea", "lea_code", "la_ons_code", "local_authority_code"),
}

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority

EARLIEST = pd.Timestamp("1990-01-01")
_YES = {"true", "yes", "y", "1", "t"}
_NO = {"false", "no", "n", "0", "f"}


@dataclass
class ReadReport:
    """What happened to each row of an extract."""

    file: str
    rows_in: int = 0
    rows_used: int = 0
    dropped: dict[str, list[int]] = field(default_factory=dict)
    flagged: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: rows that are exact copies of an earlier row: the referral is read once
    copies: list[int] = field(default_factory=list)

    @property
    def rows_dropped(self) -> int:
        """Distinct rows left out."""
        return len({r for rows in self.dropped.values() for r in rows})

    @property
    def rows_flagged(self) -> int:
        """Distinct rows kept but flagged."""
        return len({r for rows in self.flagged.values() for r in rows})

    def summary(self) -> str:
        """A few lines for a person: counts, then each reason with its row count."""
        lines = [f"{self.file}: {self.rows_in} rows read, {self.rows_used} used, "
                 f"{self.rows_dropped} dropped, {self.rows_flagged} flagged"
                 + (f", {len(self.copies)} exact copies of an earlier row (read once)"
                    if self.copies else "")]
        lines += [f"  dropped ({len(r)}): {why}" for why, r in self.dropped.items()]
        lines += [f"  flagged ({len(r)}): {why}" for why, r in self.flagged.items()]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _norm(name: object) -> str:
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def _rename(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    lookup = {}
    for tidy, names in ALIASES.items():
        lookup[tidy] = tidy
        for n in names:
            lookup[n] = tidy
    mapping: dict[str, str] = {}
    for col in df.columns:
        meaning = lookup.get(_norm(col))
        if meaning is None:
            continue
        if meaning in mapping.values():
            first = next(k for k, v in mapping.items() if v == meaning)
            raise InputDataError("two columns mean the same thing", file=path, column=str(col),
                                 found=f"'{first}' and '{col}' both read as '{meaning}'",
                                 fix="keep one of them")
        mapping[col] = meaning
    out = df.rename(columns=mapping)
    out.attrs["given_names"] = {tidy: str(col) for col, tidy in mapping.items()}
    missing = [c for c in REQUIRED if c not in out.columns]
    if missing:
        raise InputDataError(
            f"required column missing: {', '.join(missing)}", file=path, column=missing[0],
            expected=", ".join(REQUIRED),
            found="columns " + ", ".join(map(str, df.columns)),
            fix="rename the column (see docs/data-formats/referral-records.md for aliases)")
    return out


def _load(path: Path, sheet: str | int | None) -> pd.DataFrame:
    from analysis.data.readers.encoding import read_csv_any

    if not path.exists():
        raise InputDataError("file not found", file=path, fix="check the path")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            df = read_csv_any(path, dtype=str, keep_default_na=False, na_values=[""],
                              skipinitialspace=True)  # UTF-8/16, Windows-1252 (detected)
        elif suffix in (".xlsx", ".xlsm"):
            df = pd.read_excel(path, sheet_name=sheet or 0, dtype=str)
        else:
            raise InputDataError("unsupported file type", file=path,
                                 expected=".csv or .xlsx", found=suffix or "no extension")
    except pd.errors.EmptyDataError:
        raise InputDataError("file is empty", file=path, expected="a header row and data",
                             fix="export the extract again") from None
    except pd.errors.ParserError as exc:
        raise InputDataError("file could not be read as CSV", file=path,
                             found=str(exc).splitlines()[0], fix="check quoting and delimiters"
                             ) from None
    except (ValueError, KeyError) as exc:  # bad sheet name, corrupt workbook
        raise InputDataError("workbook could not be read", file=path, found=str(exc),
                             fix="check the sheet name and that the file is a real .xlsx"
                             ) from None
    if df.empty:
        raise InputDataError("file has no data rows", file=path,
                             expected="a header row and at least one referral",
                             fix="export the extract again")
    df = df.dropna(how="all")
    return df.apply(lambda s: s.str.strip() if s.dtype != "float64" else s)


def _dates(s: pd.Series) -> pd.Series:
    """Parse ISO dates (``2017-03-31``, Excel's ``2017-03-31 00:00:00``) or UK ``31/03/2017``."""
    iso = pd.to_datetime(s, format="ISO8601", errors="coerce").astype("datetime64[us]")
    uk = pd.to_datetime(s.where(iso.isna()), format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk.astype("datetime64[us]"))  # microseconds: year 2999 still fits


def _yes_no(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values as boolean with NA, mask of values that are not yes/no)."""
    low = s.str.lower()
    out = pd.array([pd.NA] * len(s), dtype="boolean")
    yes, no = low.isin(_YES).to_numpy(), low.isin(_NO).to_numpy()
    out[yes] = True
    out[no] = False
    bad = s.notna().to_numpy() & ~yes & ~no
    return pd.Series(out, index=s.index), pd.Series(bad, index=s.index)


def read_referral_records(
    path: str | Path,
    *,
    sheet: str | int | None = None,
    on_bad_rows: str = "raise",
    today: pd.Timestamp | str | None = None,
    la: LocalAuthority | None = None,
) -> tuple[pd.DataFrame, ReadReport]:
    """Read and validate a referral extract; return ``(table, report)``.

    ``on_bad_rows``: ``"raise"`` (default) stops at unusable rows with an
    :class:`InputDataError` naming file, column and rows; ``"drop"`` leaves them out and
    lists them in the report. ``today`` is the latest allowed date (default: today).

    Before any row is read: dates written month first are refused, rows that are exact
    copies of an earlier row are read once (counted in ``report.copies``), and an optional
    ``la_code`` column must hold ``la``'s ONS or old DfE code (without ``la``: one LA's code).
    """
    if on_bad_rows not in ("raise", "drop"):
        raise ParameterError("on_bad_rows must be 'raise' or 'drop'", parameter="on_bad_rows",
                             expected="'raise' or 'drop'", found=repr(on_bad_rows))
    path = Path(path)
    latest = pd.Timestamp(today).normalize() if today is not None else pd.Timestamp.today(
    ).normalize()
    raw = _rename(_load(path, sheet), path)
    given_names: dict[str, str] = raw.attrs.get("given_names", {})
    report = ReadReport(file=str(path), rows_in=len(raw))
    rownum = pd.Series(raw.index.to_numpy() + 2, index=raw.index)  # header is row 1
    copies = exact_copies(raw)
    report.copies = rownum[copies].tolist()
    raw, rownum = raw.loc[~copies], rownum.loc[~copies]
    for col in ("referral_date", "closure_date"):
        if col in raw:
            check_day_month_order(raw[col], rownum, file=path, column=given_names.get(col, col))
    if "la_code" in raw:
        check_la_codes(raw["la_code"], rownum, la, file=path,
                       column=given_names.get("la_code", "la_code"))
    errors: list[tuple[str, str, pd.Series]] = []  # (problem, column, mask)

    def err(problem: str, column: str, mask: pd.Series) -> None:
        if mask.any():
            errors.append((problem, column, mask))

    def flag(why: str, mask: pd.Series) -> None:
        if mask.any():
            report.flagged[why] = rownum[mask].tolist()

    err("child with no id", "child_id", raw["child_id"].isna())
    err("referral with no id", "referral_id", raw["referral_id"].isna())
    err("duplicate referral id", "referral_id",
        raw["referral_id"].notna() & raw["referral_id"].duplicated(keep=False))

    ref = _dates(raw["referral_date"])
    err("referral date missing or not a date (use YYYY-MM-DD or DD/MM/YYYY)",
        "referral_date", ref.isna())
    err(f"referral date after today ({latest.date()})", "referral_date", ref > latest)
    err("referral date before 1990", "referral_date", ref < EARLIEST)

    if "closure_date" in raw:
        clo = _dates(raw["closure_date"])
        err("closure date not a date", "closure_date", raw["closure_date"].notna() & clo.isna())
        err(f"closure date after today ({latest.date()})", "closure_date", clo > latest)
        err("closure date before referral date", "closure_date", clo < ref)
    else:
        clo = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")

    nfa, bad_nfa = _yes_no(raw["referral_nfa"])
    err("referral_nfa missing or not yes/no", "referral_nfa", bad_nfa | nfa.isna())
    if "prior_early_help" in raw:
        eh, bad_eh = _yes_no(raw["prior_early_help"])
        err("prior_early_help not yes/no", "prior_early_help", bad_eh)
    else:
        eh = pd.Series(pd.array([pd.NA] * len(raw), dtype="boolean"), index=raw.index)

    if "assessment_outcome" in raw:
        outcome = raw["assessment_outcome"].str.lower().str.replace(r"[\s\-]+", "_", regex=True)
        err("assessment_outcome not one of " + ", ".join(ASSESSMENT_OUTCOMES),
            "assessment_outcome", outcome.notna() & ~outcome.isin(list(ASSESSMENT_OUTCOMES)))
    else:
        outcome = pd.Series(np.nan, index=raw.index, dtype="str")

    # kept and counted, not errors
    source = raw["referral_source"].map(source_label)
    flag("referral source unknown or not recorded (kept as 'unknown')",
         source.eq(UNKNOWN_SOURCE) & ~raw["referral_source"].fillna("").isin(["10"]))

    def coded(col: str, codes: dict[str, str], upper: bool = True) -> pd.Series:
        if col not in raw:
            report.notes.append(f"no {col} column: all NA")
            return pd.Series(np.nan, index=raw.index, dtype="str")
        v = raw[col].str.upper() if upper else raw[col]
        unknown = v.notna() & ~v.isin(list(codes))
        flag(f"{col} code unknown (set to NA)", unknown)
        return v.where(~unknown)

    need = coded("primary_need", PRIMARY_NEEDS)
    reason = coded("closure_reason", CLOSURE_REASONS)
    if "assessment_factors" in raw:
        parts = raw["assessment_factors"].str.upper().str.replace(r"[\s,]+", ";", regex=True)
        lists = parts.str.split(";")
        known = lists.map(lambda xs: [x for x in xs if x in ASSESSMENT_FACTORS]
                          if isinstance(xs, list) else xs)
        unknown = lists.map(lambda xs: isinstance(xs, list)
                            and any(x and x not in ASSESSMENT_FACTORS for x in xs))
        flag("assessment factor code unknown (left out of the list)", unknown.astype(bool))
        factors = known.map(lambda xs: ";".join(dict.fromkeys(xs)) or np.nan
                            if isinstance(xs, list) else np.nan)
    else:
        report.notes.append("no assessment_factors column: all NA")
        factors = pd.Series(np.nan, index=raw.index, dtype="str")
    locality = raw["locality"] if "locality" in raw else pd.Series(np.nan, index=raw.index)
    if "locality" not in raw:
        report.notes.append("no locality column: all NA")
    if "prior_early_help" not in raw:
        report.notes.append("no prior_early_help column: all NA")

    bad = pd.Series(False, index=raw.index)
    for problem, column, mask in errors:
        rows = rownum[mask].tolist()
        report.dropped[f"{column}: {problem}"] = rows
        bad |= mask
    if errors and on_bad_rows == "raise":
        problem, column, mask = errors[0]
        others = "; ".join(f"{c}: {p} ({int(m.sum())} rows)" for p, c, m in errors[1:])
        raise InputDataError(
            problem, file=path, column=column, rows=rownum[mask].tolist(),
            found=f"{int(mask.sum())} row(s)" + (f"; also {others}" if others else ""),
            fix="correct the extract, or read with on_bad_rows='drop' to leave these rows "
                "out (they are listed in the report)")

    tidy = pd.DataFrame({
        "child_id": raw["child_id"].astype("str"),
        "referral_id": raw["referral_id"].astype("str"),
        "referral_date": ref,
        "referral_source": source.astype("str"),
        "referral_nfa": nfa.fillna(False).astype(bool),
        "assessment_outcome": outcome.astype("str"),
        "closure_date": clo,
        "closure_reason": reason.astype("str"),
        "prior_early_help": eh.astype("boolean"),
        "locality": locality.astype("str"),
        "primary_need": need.astype("str"),
        "assessment_factors": pd.Series(factors, index=raw.index).astype("str"),
    }, index=raw.index)
    tidy = tidy.loc[~bad, list(COLUMNS)]
    for col in ("referral_date", "closure_date"):
        tidy[col] = tidy[col].astype("datetime64[ns]")
    same_day = tidy.duplicated(["child_id", "referral_date"], keep="first")
    flag("same child referred twice on one day (counted once in rates)",
         pd.Series(same_day, index=tidy.index).reindex(raw.index, fill_value=False))
    if bad.any():
        report.dropped = {k: v for k, v in report.dropped.items() if v}
    else:
        report.dropped = {}
    report.rows_used = len(tidy)
    tidy = tidy.reset_index(drop=True)
    validate_referrals(tidy)
    return tidy, report
