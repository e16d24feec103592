"""Reader for DfE Explore Education Statistics (EES) tidy CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.core.errors import InputDataError
from analysis.data.readers.columns import check_columns

#: Columns every EES file the toolkit reads must have (old/new LA code order varies).
GEOGRAPHY_COLUMNS = [
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "old_la_code", "new_la_code", "la_name",
]

LEVELS = {"National": "national", "Regional": "regional", "Local authority": "la"}


def _missing_file(path: Path) -> InputDataError:
    return InputDataError(
        "raw data file not found", file=path,
        expected="the file listed in config/sources.yaml",
        fix="restore data/raw from the repository, or run `python -m analysis fetch`",
    )


def read_ees_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """Read an EES tidy CSV as text, checking the geography columns and ``columns`` exist.

    Everything is read as text so that DfE symbols survive; numbers are parsed later by
    :func:`analysis.data.readers.symbols.split_values`.
    """
    if not path.exists():
        raise _missing_file(path)
    if path.stat().st_size == 0:
        raise InputDataError("file is empty", file=path, expected="a CSV with a header row",
                             fix="restore the file from the repository or re-run fetch")
    try:
        # utf-8-sig: several DfE files start with a byte-order mark.
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputDataError("cannot be read as CSV", file=path, found=str(exc).splitlines()[0],
                             fix="restore the file from the repository or re-run fetch") from None
    if frame.empty:
        raise InputDataError("file has a header but no rows", file=path,
                             fix="restore the file from the repository or re-run fetch")
    needed = GEOGRAPHY_COLUMNS + [c for c in columns if c not in GEOGRAPHY_COLUMNS]
    check_columns(path, frame.columns, needed, expected=", ".join(needed),
                  hint="is '{close}' the same column renamed?",
                  fix="if DfE renamed the column, update the indicator's source in config/indicators.yaml")
    unknown_levels = sorted(set(frame["geographic_level"]) - set(LEVELS))
    if unknown_levels:
        rows = frame.index[frame["geographic_level"].isin(unknown_levels)] + 2
        raise InputDataError(
            "unexpected geographic_level", file=path, column="geographic_level", rows=rows,
            expected=", ".join(LEVELS), found=", ".join(unknown_levels),
            fix="check the file is an EES local-authority-level table",
        )
    return frame
