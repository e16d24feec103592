"""Write a SYNTHETIC LA's statutory returns into one folder (``python -m analysis synthetic
--returns``): a CIN census XML return for each year 2016-17 to 2022-23 and the SSDA903 files
for each year 2017-18 to 2022-23 (the first year with an SSDA903 code list in
``config/ssda903_codes.yaml``), the children whose child protection plans end in care going
on into the SSDA903 returns. Seven census years give every measure a figure for every
quarter of the five years to 2022-23 Q4 (re-referrals look back a year before their own)."""

from __future__ import annotations

from pathlib import Path

from analysis.data.synthetic_returns.cin_census import SYNTHETIC_LA_CODE, synthetic_cin_records
from analysis.data.synthetic_returns.cin_census_xml import write_cin_returns
from analysis.data.synthetic_returns.ssda903 import write_synthetic_ssda903

__all__ = ["FIRST_YEAR", "LAST_YEAR", "RETURNS_SEED", "SSDA903_FIRST_YEAR", "write_synthetic_returns"]

#: The census years written (each ending 31 March), all within the shipped XSDs.
FIRST_YEAR, LAST_YEAR = 2017, 2023
#: The first SSDA903 return year written (the first with a code list).
SSDA903_FIRST_YEAR = 2018


#: The seed of the demo's synthetic returns (the figures the README and docs quote).
RETURNS_SEED = 2019


def write_synthetic_returns(folder: str | Path, seed: int = RETURNS_SEED,
                            la_code: str = SYNTHETIC_LA_CODE) -> list[Path]:
    """Write the returns into ``folder``; the paths written (same seed, same files).
    ``la_code``: the DfE code in the CIN census headers (a real LA's, e.g. Doncaster's 371,
    for a synthetic pack of that LA; the made-up 999 by default)."""
    records = synthetic_cin_records(seed=seed, first_year=FIRST_YEAR, last_year=LAST_YEAR)
    written = write_cin_returns(records, folder, range(FIRST_YEAR, LAST_YEAR + 1), la_code)
    years = tuple(range(max(FIRST_YEAR, SSDA903_FIRST_YEAR), LAST_YEAR + 1))
    return written + write_synthetic_ssda903(Path(folder), years, seed=seed,
                                             entrants=records.entered_care)
