"""Write a SYNTHETIC LA's statutory returns into one folder (``python -m analysis synthetic
--returns``): a CIN census XML return for each census year 2018-19 to 2022-23."""

from __future__ import annotations

from pathlib import Path

from analysis.data.synthetic_returns.cin_census import synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_cin_returns

__all__ = ["FIRST_YEAR", "LAST_YEAR", "write_synthetic_returns"]

#: The census years written (each ending 31 March), all within the shipped XSDs.
FIRST_YEAR, LAST_YEAR = 2019, 2023


def write_synthetic_returns(folder: str | Path, seed: int = 2019) -> list[Path]:
    """Write the returns into ``folder``; the paths written (same seed, same files)."""
    records = synthetic_cin_records(seed=seed, first_year=FIRST_YEAR, last_year=LAST_YEAR)
    return write_cin_returns(records, folder, range(FIRST_YEAR, LAST_YEAR + 1))
