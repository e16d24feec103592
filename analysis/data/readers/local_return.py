"""Reader for a council's local quarterly return (CSV or XLSX) into the tidy local table.

The format is documented in ``docs/data-formats/local-return.md``. In short: one row per
indicator code and period, with the value, optional target and tolerance, the polarity, the
measure type and the status the council reported. The reader checks everything it can and
raises one :class:`~analysis.core.errors.InputDataError` naming the file, the column, the
spreadsheet rows (header = row 1) and a fix. It never writes anything.

Cleaning it does on purpose (and documents):

* surrounding spaces are removed from every cell; rows that are entirely empty are dropped;
* indicator codes are upper-cased, inner spaces removed and leading zeros of the number
  dropped (``a01`` and ``A 01`` become ``A1``), as in the transcription rules;
* a number may carry a trailing ``%`` when the measure is a percentage (``26%`` → 26) and
  thousands separators in the usual places (``1,789`` → 1789); in XLSX files a cell
  formatted as a percentage (stored 0.26, shown 26%) is read as 26;
* period spellings are normalised to ``2017-18 Q4`` (quarter), ``2018-03`` (month) or
  ``2017-18`` (financial year); a date typed into an XLSX period cell is read as its month;
* reported statuses are read case-insensitively with the report wording accepted
  (``On or better than target`` → ``on_target``, ``Within tolerance`` → ``inside_tolerance``,
  ``No target specified`` → ``no_target``);
* an empty unit or polarity is taken from the LA's definition of the code
  (``config/local/<la>.yaml``), and a defined code's label is the definition's name;
  ``approximate`` (optional) is ``yes`` for a figure the papers give as approximate.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, get_args

import numpy as np
import pandas as pd
from pandera.errors import SchemaError, SchemaErrors

from analysis.core.errors import InputDataError, ParameterError
from analysis.data.catalogue import Unit
from analysis.data.periods import _FY, _fy_end, parse_quarter, quarter_of_month
from analysis.data.readers.columns import check_columns
from analysis.data.schemas.local_return import (
    APPROXIMATE,
    COLUMNS,
    FILE_COLUMNS,
    MEASURE_TYPES,
    OPTIONAL_COLUMNS,
    POLARITIES,
    REQUIRED_COLUMNS,
    STATUSES,
    LocalReturnSchema,
)

if TYPE_CHECKING:  # the reader takes an LA's definitions as a value; it never loads them
    from analysis.measures.local_measures import LocalMeasures

UNITS: tuple[str, ...] = get_args(Unit)
NUMBER_COLUMNS = ["value", "numerator", "denominator", "target", "tolerance"]
SHEET_NAME = "return"

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_CODE_ZEROS = re.compile(r"^([A-Z]+)0+(\d+)$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_PERIOD_SPACES = re.compile(r"\s+")

STATUS_SYNONYMS: dict[str, str] = {
    "on_target": "on_target",
    "on_or_better_than_target": "on_target",
    "at_or_better_than_target": "on_target",
    "better_than_target": "on_target",
    "inside_tolerance": "inside_tolerance",
    "within_tolerance": "inside_tolerance",
    "within_contract_tolerance": "inside_tolerance",
    "outside_tolerance": "outside_tolerance",
    "outside_contract_tolerance": "outside_tolerance",
    "no_target": "no_target",
    "no_target_specified": "no_target",
    "no_target_set": "no_target",
}


# --- reading the file ---------------------------------------------------------------------

def _cell_text(value: object, number_format: str | None = None) -> str:
    """An XLSX cell as the text a person would type, keeping percentages as shown."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, int | float):
        number = float(value)
        if number_format and "%" in number_format:
            number *= 100
        number = round(number, 10)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def _read_xlsx(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputDataError("cannot be read as an Excel workbook", file=path,
                             found=f"{type(exc).__name__}: {exc}"[:160],
                             fix="save the return again as .xlsx (or as CSV, UTF-8)") from None
    try:
        names = book.sheetnames
        if SHEET_NAME in names:
            sheet = book[SHEET_NAME]
        elif len(names) == 1:
            sheet = book[names[0]]
        else:
            raise InputDataError(
                f"cannot tell which sheet holds the return ({len(names)} sheets, none named "
                f"'{SHEET_NAME}')", file=path,
                expected=f"a sheet named '{SHEET_NAME}', or a workbook with a single sheet",
                found="sheets " + ", ".join(f"'{n}'" for n in names),
                fix=f"rename the sheet holding the figures to '{SHEET_NAME}'",
            )
        rows = [[_cell_text(c.value, getattr(c, "number_format", None)) for c in row]
                for row in sheet.iter_rows()]
    finally:
        book.close()
    if not rows:
        return pd.DataFrame()
    header = [h.strip() for h in rows[0]]
    width = len(header)
    body = [(r + [""] * width)[:width] for r in rows[1:]]
    return pd.DataFrame(body, columns=header, dtype=str)


def _read_csv(path: Path) -> pd.DataFrame:
    from analysis.data.readers.encoding import read_csv_any

    try:
        return read_csv_any(path, dtype=str, keep_default_na=False)  # UTF-8/16, Windows-1252
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputDataError("cannot be read as CSV", file=path,
                             found=str(exc).splitlines()[0][:160],
                             fix="save the return as CSV (UTF-8, comma-separated)") from None


def read_raw_return(path: Path) -> pd.DataFrame:
    """The return as text, one column per documented column, plus ``row`` (spreadsheet row).

    Checks the file exists, is CSV or XLSX, has the required columns and at least one row.
    """
    path = Path(path)
    if not path.exists():
        raise InputDataError("local return not found", file=path,
                             fix="check the path; returns live in data/raw/local/")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        frame = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
    else:
        raise InputDataError("unsupported file type for a local return", file=path,
                             expected=".csv or .xlsx", found=suffix or "no extension",
                             fix="save the return as CSV (UTF-8) or Excel .xlsx")
    if frame.empty and len(frame.columns) == 0:
        raise InputDataError("file is empty", file=path, expected="a header row and figures",
                             fix="start from `python -m analysis template`")
    frame.columns = [str(c).strip() for c in frame.columns]
    check_columns(path, frame.columns, REQUIRED_COLUMNS, expected=", ".join(FILE_COLUMNS),
                  fix="use the column names of the template (`python -m analysis template`)")
    for col in OPTIONAL_COLUMNS:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame[FILE_COLUMNS].fillna("").astype(str)
    frame = frame.apply(lambda s: s.str.strip())
    frame["row"] = np.arange(len(frame), dtype="int64") + 2
    frame = frame[(frame[FILE_COLUMNS] != "").any(axis=1)].reset_index(drop=True)
    if frame.empty:
        raise InputDataError("file has a header but no figures", file=path,
                             fix="add one row per indicator and period")
    return frame


# --- cleaning helpers ---------------------------------------------------------------------

def _vocabulary_column(raw: pd.DataFrame, column: str, plural: str, vocabulary, codes: pd.Series,
                       known: dict, path: Path, rows: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Check a column (unit, polarity) against its vocabulary and the catalogue.

    Returns ``(given, catalogue)``: the lower-cased cells ("" where empty) and the catalogue's
    value for each row's code (None where the code is not catalogued).
    """
    given = raw[column].str.lower()
    bad = (given != "") & ~given.isin(vocabulary)
    if bad.any():
        raise _fail(f"unknown {column}", path, column, rows[bad], expected=", ".join(vocabulary),
                    found=raw.loc[bad, column], fix=f"use one of the listed {plural}")
    from_catalogue = codes.map(lambda c: getattr(known[c], column) if c in known else None)
    clash = (given != "") & from_catalogue.notna() & (given != from_catalogue)
    if clash.any():
        raise _fail(f"{column} differs from the LA's definition of the measure", path, column, rows[clash],
                    expected=", ".join(f"{c}: {v}" for c, v in
                                       dict(zip(codes[clash], from_catalogue[clash], strict=True)).items()),
                    found=given[clash],
                    fix=f"correct the {column}, or leave it empty to use the definition's")
    return given, from_catalogue


def _fail(problem: str, path: Path, column: str, rows: Iterable[int], *, expected: str,
          found: Iterable[str], fix: str) -> InputDataError:
    shown = list(dict.fromkeys(str(f) for f in found))
    text = ", ".join(f"'{f}'" for f in shown[:6]) + (" ..." if len(shown) > 6 else "")
    return InputDataError(problem, file=path, column=column, rows=sorted(set(rows)),
                          expected=expected, found=text, fix=fix)


def normalise_code(code: str) -> str:
    """``"a 01"`` → ``"A1"``: upper case, no spaces, no leading zeros in the number."""
    text = re.sub(r"\s+", "", code).upper()
    m = _CODE_ZEROS.match(text)
    return f"{m.group(1)}{int(m.group(2))}" if m else text


def parse_period(text: str) -> tuple[str, str, int, int | None, int | None]:
    """Canonical label, period type, financial year (end), quarter and month of a period.

    Accepts ``2017-18 Q4``, ``2017-18Q4``, ``2017/18 Q4``, ``2017/18 Quarter 4`` (quarters),
    ``2018-03`` or a date ``2018-03-31`` (months) and ``2017-18``, ``2017/18``, ``2017-2018``
    (financial years). ``YYYY-NN`` is a financial year when NN is the next year's last two
    digits, otherwise a month; the few forms that could be both (``2011-12``) are refused.
    Raises :class:`ParameterError` for anything else (``Q5``, ``2017``, ``March 2018``).
    """
    raw = _PERIOD_SPACES.sub(" ", text.strip())
    m = _DATE.match(raw) or _MONTH.match(raw)
    if m:
        first, second = int(m.group(1)), int(m.group(2))
        is_fy = second == (first + 1) % 100 and m.re is _MONTH and len(m.group(2)) == 2
        if is_fy and second <= 12 and "-" in raw:
            raise ParameterError(
                f"'{raw}' could be a month or a financial year", parameter="period",
                expected="a financial year written 2011/12, or a month written 2011-12-01",
                found=raw)
        if not is_fy:
            q = quarter_of_month(f"{first:04d}-{second:02d}")  # raises for month 13
            return f"{first:04d}-{second:02d}", "month", q.year, None, second
    fm = _FY.match(raw)
    if fm:
        end = _fy_end(fm.group(1), fm.group(2), raw, "period")
        return f"{end - 1}-{end % 100:02d}", "year", end, None, None
    q = parse_quarter(raw)
    return q.label, "quarter", q.year, q.quarter, None


def _to_number(text: str, allow_percent: bool) -> float | None:
    """A cell's number, or None when empty; raises ValueError when it is not a number."""
    if text == "":
        return None
    t = text.replace("\u00a0", "").replace(" ", "")
    if t.endswith("%"):
        if not allow_percent:
            raise ValueError("percent sign")
        t = t[:-1]
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    if not _NUMBER.match(t):
        raise ValueError("not a number")
    return float(t)


# --- the reader ---------------------------------------------------------------------------

def read_local_return(path: Path, measures: LocalMeasures) -> pd.DataFrame:
    """Read, check and clean one LA's local return into the tidy local table.

    ``measures``: that LA's own measures (:func:`analysis.measures.local_measures.load_local_measures`).
    Every row must be that LA's; contract and volumetric codes must be among its measures.

    Raises :class:`InputDataError` (file, column, spreadsheet rows, fix) for anything it cannot
    read or that breaks the format (docs/data-formats/local-return.md lists each check).
    """
    path = Path(path)
    raw = read_raw_return(path)
    rows, out = raw["row"], pd.DataFrame(index=raw.index)
    # LA
    bad = ~raw["la_code"].str.fullmatch(r"[Ee]\d{8}")
    if bad.any():
        raise _fail("not a 9-character ONS local authority code", path, "la_code", rows[bad],
                    expected="a code such as E08000017", found=raw.loc[bad, "la_code"],
                    fix="use the LA's ONS code (`python -m analysis las` lists them)")
    out["la_code"] = raw["la_code"].str.upper()
    bad = out["la_code"] != measures.la_code
    if bad.any():
        raise _fail(f"a row for another LA in {measures.la_name}'s return", path, "la_code", rows[bad],
                    expected=f"{measures.la_code} ({measures.la_name}) on every row",
                    found=raw.loc[bad, "la_code"],
                    fix="keep each LA's figures in a return of its own, named <la>_..._return.csv")
    bad = raw["la_name"] == ""
    if bad.any():
        raise _fail("LA name is empty", path, "la_name", rows[bad], expected="the LA's name", found=[""], fix="fill in la_name")
    out["la_name"] = raw["la_name"]

    # measure type
    mtype = raw["measure_type"].str.lower()
    bad = ~mtype.isin(MEASURE_TYPES)
    if bad.any():
        raise _fail("unknown measure type", path, "measure_type", rows[bad],
                    expected=", ".join(MEASURE_TYPES), found=raw.loc[bad, "measure_type"],
                    fix="contract = measures with targets in the contract or plan; volumetric "
                        "= coded activity counts; context = other figures")
    out["measure_type"] = mtype

    # codes and catalogue
    codes = raw["indicator_code"].map(normalise_code)
    bad = codes == ""
    if bad.any():
        raise _fail("indicator code is empty", path, "indicator_code", rows[bad],
                    expected="the local code, e.g. A1", found=[""], fix="fill in indicator_code")
    out["indicator_code"] = codes
    known = measures.measures
    out["indicator"] = codes.map(lambda c: measures.indicator_of(c) if c in known else None)
    unknown = out["indicator"].isna() & mtype.isin(["contract", "volumetric"])
    if unknown.any():
        found = sorted(set(codes[unknown]))
        close = {c: get_close_matches(c, list(known), n=1, cutoff=0.6) for c in found}
        hint = "; ".join(f"{c} → {m[0]}?" for c, m in close.items() if m)
        raise _fail(
            f"indicator code not among {measures.la_name}'s local measures", path, "indicator_code",
            rows[unknown],
            expected=f"a code defined in config/local/{measures.slug}.yaml",
            found=found,
            fix=(f"correct the code ({hint}), or " if hint else "correct the code, or ")
            + f"define the measure in config/local/{measures.slug}.yaml "
              "(see docs/data-formats/local-return.md), or mark a one-off figure "
              "measure_type 'context'",
        )

    # label
    out["indicator_label"] = [
        known[c].label if c in known else (lab or c)
        for lab, c in zip(raw["indicator_label"], codes, strict=True)
    ]

    # period
    parsed, bad_rows, bad_found = [], [], []
    for text, row in zip(raw["period"], rows, strict=True):
        try:
            parsed.append(parse_period(text))
        except ParameterError:
            parsed.append(("", "", 0, None, None))
            bad_rows.append(row)
            bad_found.append(text)
    if bad_rows:
        raise _fail("period not recognised", path, "period", bad_rows,
                    expected="a quarter 2017-18 Q4 (also 2017-18Q4, 2017/18 Q4, 2017/18 "
                             "Quarter 4), a month 2018-03, or a financial year 2017-18",
                    found=bad_found, fix="write the period in one of the accepted forms")
    out["period"] = [p[0] for p in parsed]
    out["period_type"] = [p[1] for p in parsed]
    out["year"] = np.array([p[2] for p in parsed], dtype="int64")
    out["quarter"] = pd.array([p[3] for p in parsed], dtype="Int64")
    out["month"] = pd.array([p[4] for p in parsed], dtype="Int64")

    # unit (needed before numbers: '%' is allowed on percentages only)
    unit, cat_unit = _vocabulary_column(raw, "unit", "units", UNITS, codes, known, path, rows)
    out["unit"] = unit.where(unit != "", cat_unit.fillna("unspecified"))

    # numbers
    is_pct = out["unit"] == "percent"
    for col in NUMBER_COLUMNS:
        values: list[float | None] = []
        pct_rows: list[int] = []
        bad_rows, bad_found = [], []
        for text, pct, row in zip(raw[col], is_pct, rows, strict=True):
            try:
                values.append(_to_number(text, allow_percent=bool(pct)))
            except ValueError as exc:
                values.append(None)
                (pct_rows if str(exc) == "percent sign" else bad_rows).append(row)
                bad_found.append(text)
        if bad_rows:
            raise _fail("not a number", path, col, bad_rows,
                        expected="a number such as 26, 26.5, 26% or 1,789; empty if not known",
                        found=bad_found,
                        fix="remove text, currency signs and notes from number cells "
                            "(put notes in the source column)")
        if pct_rows:
            raise _fail("a '%' sign on a measure that is not a percentage", path, col, pct_rows,
                        expected="a plain number for this unit", found=bad_found,
                        fix="check the unit of the measure, or remove the '%'")
        out[col] = pd.array(values, dtype="Float64").astype(float)

    # polarity
    pol, cat_pol = _vocabulary_column(raw, "polarity", "polarities", POLARITIES, codes, known, path, rows)
    missing = (pol == "") & cat_pol.isna()
    if missing.any():
        raise _fail("polarity is empty for a measure with no definition", path, "polarity",
                    rows[missing], expected=", ".join(POLARITIES), found=[""],
                    fix="say whether higher or lower is better, or 'none'")
    out["polarity"] = pol.where(pol != "", cat_pol)

    # percentages within 0-100
    for col in ("value", "target", "tolerance"):
        bad = is_pct & out[col].notna() & ~out[col].between(0, 100)
        if bad.any():
            raise _fail("percentage outside 0-100", path, col, rows[bad],
                        expected="a percentage between 0 and 100 (26 for 26%)",
                        found=raw.loc[bad, col],
                        fix="check the figure; a proportion such as 0.26 should be written 26")

    # targets and tolerances
    bad = out["tolerance"].notna() & out["target"].isna()
    if bad.any():
        raise _fail("a tolerance without a target", path, "tolerance", rows[bad],
                    expected="a target on every row with a tolerance", found=raw.loc[bad, "tolerance"],
                    fix="add the target, or clear the tolerance")
    bad = out["target"].notna() & (out["polarity"] == "none")
    if bad.any():
        raise _fail("a target on a measure with no polarity", path, "target", rows[bad],
                    expected="polarity higher_is_better or lower_is_better when there is a target",
                    found=raw.loc[bad, "target"],
                    fix="set the polarity, or clear the target")
    wrong = out["tolerance"].notna() & (
        ((out["polarity"] == "lower_is_better") & (out["tolerance"] < out["target"]))
        | ((out["polarity"] == "higher_is_better") & (out["tolerance"] > out["target"]))
    )
    if wrong.any():
        found = [f"{c}: target {t:g}, tolerance {tol:g} ({p})" for c, t, tol, p in zip(
            codes[wrong], out.loc[wrong, "target"], out.loc[wrong, "tolerance"],
            out.loc[wrong, "polarity"], strict=True)]
        raise _fail("tolerance on the wrong side of the target", path, "tolerance", rows[wrong],
                    expected="tolerance >= target when lower is better, <= target when higher "
                             "is better (the tolerance is the worst value still accepted)",
                    found=found, fix="swap target and tolerance, or correct the polarity")

    # area (contract measures are summarised by area)
    out["area"] = raw["area"].replace("", None)
    bad = (mtype == "contract") & out["area"].isna()
    if bad.any():
        raise _fail("contract measure without an area", path, "area", rows[bad],
                    expected="the report grouping, e.g. Social Care Pathway", found=[""],
                    fix="fill in area for every contract measure (the summary counts by area)")

    # reported status
    status_key = raw["reported_status"].str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    status = status_key.map(STATUS_SYNONYMS)
    bad = (status_key != "") & status.isna()
    if bad.any():
        raise _fail("unknown reported status", path, "reported_status", rows[bad],
                    expected=", ".join(STATUSES) + " or empty", found=raw.loc[bad, "reported_status"],
                    fix="use one of the listed statuses, or leave it empty")
    out["reported_status"] = status.astype(object).where(status.notna(), None)
    out["source"] = raw["source"].replace("", None)
    approx = raw["approximate"].str.lower()
    if (bad := ~approx.isin(list(APPROXIMATE))).any():
        raise _fail("approximate is neither yes nor empty", path, "approximate", rows[bad], expected="yes, or "
                    "empty for a figure given exactly", found=raw.loc[bad, "approximate"], fix="write yes or clear it")
    out["approximate"] = approx.map(APPROXIMATE).astype(bool)
    out["file"] = str(path)
    out["row"] = rows.astype("int64")

    # duplicates (after normalising codes and periods)
    key = ["la_code", "indicator_code", "period"]
    dup = out.duplicated(key, keep=False)
    if dup.any():
        groups = out[dup].groupby(key)["row"].apply(list)
        found = [f"{c} {p} on rows {', '.join(map(str, r))}" for (_, c, p), r in groups.items()]
        raise _fail("the same indicator and period appear more than once", path, "period",
                    out.loc[dup, "row"], expected="one row per indicator code and period",
                    found=found, fix="keep one row per indicator and period (delete or correct the others)")

    return validate_local_table(out[COLUMNS], path)


def validate_local_table(frame: pd.DataFrame, path: Path | str = "local table") -> pd.DataFrame:
    """Check a tidy local table against :data:`LocalReturnSchema` (a safety net after cleaning)."""
    try:
        return LocalReturnSchema.validate(frame)
    except (SchemaError, SchemaErrors) as exc:
        raise InputDataError("the cleaned local table breaks its schema", file=path,
                             found=str(exc).splitlines()[0][:200],
                             fix="report this as a bug, with the file") from None


def empty_local_table() -> pd.DataFrame:
    """A local table with the schema's columns and no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    for col in ("value", "numerator", "denominator", "target", "tolerance"):
        frame[col] = frame[col].astype(float)
    frame["year"] = frame["year"].astype("int64")
    frame["row"] = frame["row"].astype("int64")
    frame["quarter"] = frame["quarter"].astype("Int64")
    frame["month"] = frame["month"].astype("Int64")
    frame["approximate"] = frame["approximate"].astype(bool)
    return frame
