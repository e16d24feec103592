"""Checks of a referral extract as a whole, made before its rows are read: dates written
month-first (:func:`check_day_month_order`), rows that are exact copies of an earlier row
(:func:`exact_copies`) and rows of another LA (:func:`check_la_codes`).

Each refuses input that would mislead with an :class:`InputDataError` naming the file, the
column, how many rows, an example and how to fix it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.errors import InputDataError

if TYPE_CHECKING:
    from analysis.data.geography import LocalAuthority

#: A date written with slashes: first part, second part, year.
_SLASHED = r"^\s*(\d{1,2})/(\d{1,2})/(\d{2,4})(?:\s.*)?$"


def slashed_parts(values: pd.Series) -> pd.DataFrame:
    """The first and second parts of each date written ``a/b/yyyy`` (NA elsewhere)."""
    parts = values.astype("string").str.extract(_SLASHED)
    return pd.DataFrame({"first": pd.to_numeric(parts[0]), "second": pd.to_numeric(parts[1])},
                        index=values.index)


def check_day_month_order(values: pd.Series, rownum: pd.Series, *, file: str | Path,
                          column: str) -> None:
    """Refuse a date column written month-first (``03/31/2017``): some dates have a second
    part over 12 and none a first part over 12, so the column cannot be day-first."""
    parts = slashed_parts(values)
    month_first = parts["second"] > 12
    day_first = parts["first"] > 12
    if not month_first.any() or day_first.any():
        return
    rows = rownum[month_first.fillna(False).astype(bool)]
    example_row = int(rows.iloc[0])
    example = str(values.loc[rows.index[0]])
    slashed = int(parts["first"].notna().sum())
    raise InputDataError(
        "dates are written month first (MM/DD/YYYY); read day first they would be wrong or "
        "left out", file=file, column=column, rows=rows.tolist(),
        expected="dates as YYYY-MM-DD or DD/MM/YYYY",
        found=f"{len(rows):,} of {slashed:,} dates with a second part over 12 (e.g. "
              f"'{example}' in row {example_row}) and none with a first part over 12",
        fix="export the dates as YYYY-MM-DD (in Excel: format the column as yyyy-mm-dd "
            "before saving), or as DD/MM/YYYY")


def exact_copies(frame: pd.DataFrame) -> pd.Series:
    """True for each row that is an exact copy (every column) of an earlier row."""
    return frame.fillna("\x00").duplicated(keep="first")


def la_code_matches(code: str, la: LocalAuthority) -> bool:
    """Whether ``code`` (ONS or old DfE code, any case) is ``la``'s."""
    return code.strip().upper() in {la.new_code.upper(), la.old_code.upper()}


def _codes_found(codes: pd.Series) -> str:
    counts = codes.str.strip().str.upper().value_counts()
    return ", ".join(f"{code} ({n:,} row{'s' if n != 1 else ''})" for code, n in counts.items())


def check_la_codes(codes: pd.Series, rownum: pd.Series, la: LocalAuthority | None, *,
                   file: str | Path, column: str) -> None:
    """Refuse rows whose LA code (ONS or old DfE code) is not ``la``'s; without ``la``,
    refuse an extract holding more than one LA's codes. Blank codes are accepted."""
    given = codes.dropna()
    given = given[given.str.strip() != ""]
    if given.empty:
        return
    if la is None:
        if given.str.strip().str.upper().nunique() > 1:
            raise InputDataError("the records are from more than one LA", file=file,
                                 column=column, expected="one LA's code in every row",
                                 found="codes " + _codes_found(given),
                                 fix="split the extract by LA and run each on its own")
        return
    wrong = given[~given.map(lambda c: la_code_matches(str(c), la))]
    if wrong.empty:
        return
    raise InputDataError(
        f"rows of another LA in {la.name}'s records", file=file, column=column,
        rows=rownum[wrong.index].tolist(),
        expected=f"{la.name}'s code ({la.new_code} or {la.old_code}) in every row",
        found="codes " + _codes_found(given),
        fix=f"give only {la.name}'s referrals, or run with --la for the LA the records are for")


__all__ = ["check_day_month_order", "check_la_codes", "exact_copies", "la_code_matches",
           "slashed_parts"]
