"""ONS's mid-year estimates of children aged 0 to 17 for one LA, as the DuckDB table
``population_0_17`` (mid_year, population, source_file) the looked-after rate divides by.

The file is DfE's copy of ONS's estimates (``data/raw/dfe/population/``, EES layout:
``time_period`` is the mid-year, ``population_estimate`` the children aged 0 to 17).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analysis.core.errors import InputDataError
from analysis.data.readers.columns import check_columns

if TYPE_CHECKING:
    import duckdb

POPULATION_FILE = Path("dfe") / "population" / "ons_mid-year_population_estimates_2012_to_2024.csv"
_NEEDED = ("time_period", "geographic_level", "new_la_code", "age_group", "population_estimate")


def read_population(path: Path, la_code: str) -> pd.DataFrame:
    """One LA's children aged 0-17 by mid-year: mid_year, population, source_file."""
    try:
        raw = pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise InputDataError("the population estimates file is missing", file=path,
                             fix="run `python -m analysis fetch` or restore data/raw") from None
    check_columns(path, list(raw.columns), _NEEDED, expected="DfE's EES population file",
                  fix="use the ONS mid-year estimates file in data/raw/dfe/population")
    rows = raw[(raw["geographic_level"] == "Local authority") & (raw["new_la_code"] == la_code)
               & (raw["age_group"] == "Children aged 0 to 17 years")]
    if rows.empty:
        raise InputDataError("the LA is not in the population estimates", file=path,
                             column="new_la_code", expected=f"rows for {la_code}",
                             fix="check the LA's ONS code")
    return pd.DataFrame({"mid_year": rows["time_period"].astype(int).to_numpy(),
                         "population": pd.to_numeric(rows["population_estimate"]).to_numpy(),
                         "source_file": path.name})


def load_population(con: duckdb.DuckDBPyConnection, path: Path, la_code: str) -> None:
    """Register ``population_0_17`` in ``con``."""
    frame = read_population(path, la_code)
    con.register("_population", frame)
    try:
        con.execute("CREATE OR REPLACE TABLE population_0_17 AS SELECT CAST(mid_year AS INTEGER)"
                    " AS mid_year, CAST(population AS DOUBLE) AS population, source_file "
                    "FROM _population")
    finally:
        con.unregister("_population")
