"""Reader for DfE's Local Authority Interactive Tool (LAIT) long table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.core.errors import InputDataError

LAIT_COLUMNS = ["Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number", "Region"]

#: LAIT area numbers that are not local authorities.
ENGLAND_NUMBER = 970
REGION_NUMBERS = {
    980: "North East", 981: "North West", 982: "Yorkshire and The Humber",
    983: "East Midlands", 984: "West Midlands", 985: "East of England", 986: "London",
    987: "Inner London", 988: "Outer London", 989: "South East", 990: "South West",
}


def read_lait(path: Path, measures: list[str], *, allow_absent: bool = False) -> pd.DataFrame:
    """Read the LAIT long table, keeping only ``measures``; checks columns and measure codes.

    ``allow_absent``: a measure code missing from the file is not an error (an older LAIT
    version read for earlier years may not have a measure the current one has).
    """
    if not path.exists():
        raise InputDataError(
            "raw data file not found", file=path, expected="the LAIT long table (parquet)",
            fix="restore data/raw from the repository, or run `python -m analysis fetch`",
        )
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise InputDataError("cannot be read as parquet", file=path,
                             found=str(exc).splitlines()[0][:200],
                             fix="restore the file from the repository or re-run fetch") from None
    missing = [c for c in LAIT_COLUMNS if c not in frame.columns]
    if missing:
        raise InputDataError(
            f"column missing: {', '.join(missing)}", file=path, column=missing[0],
            expected=", ".join(LAIT_COLUMNS), found=", ".join(map(str, frame.columns)),
            fix="check the file is LAIT's bds_long table",
        )
    known = set(frame["Short Desc"].unique())
    absent = [m for m in measures if m not in known]
    if absent and not allow_absent:
        raise InputDataError(
            f"LAIT measure code{'s' if len(absent) > 1 else ''} not in the file: {', '.join(absent)}",
            file=path, column="Short Desc",
            fix="correct the measure code in config/indicators.yaml (see lait_data_dictionary.csv)",
        )
    frame = frame[frame["Short Desc"].isin(measures)].copy()
    frame["LA Number"] = frame["LA Number"].astype("Int64")
    return frame
