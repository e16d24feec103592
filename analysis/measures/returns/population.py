"""The child population (aged 0 to 17) behind a rate per 10,000, as DfE uses it.

DfE divides a year ending 31 March by the ONS mid-year estimate of the summer before: the year
ending 31 March 2018 by the estimate for mid-2017 (checked: Doncaster's 5,681 referrals in
2017-18 over its mid-2017 estimate of 64,396 give LAIT's rebased 882.2). A quarter, or any other
period end, uses the estimate of the year ending 31 March that holds it, the one DfE will use
for that year. The estimates are the post-2021-Census series DfE uses since its 2024 release
(``data/raw/dfe/population/``), so rates computed here compare with the rebased published rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb

from analysis.core.errors import InputDataError
from analysis.measures.returns.rows import financial_year_of, label, long_date, table_names
from analysis.measures.returns.shared import fetch_all

POPULATION_TABLE = "population_0_17"
POPULATION_FILE = Path("dfe") / "population" / "ons_mid-year_population_estimates_2012_to_2024.csv"


def mid_year_for(period_end: dt.date) -> int:
    """The mid-year of the ONS estimate DfE uses for the year ending 31 March holding
    ``period_end`` (2017 for any day from 1 April 2017 to 31 March 2018)."""
    return financial_year_of(period_end) - 1


def register_population(con: duckdb.DuckDBPyConnection, raw_dir: Path, la_code: str) -> None:
    """Load the LA's estimates of children aged 0 to 17 into the table ``population_0_17``
    (mid_year, population, source_file). ``la_code`` is the ONS code (E08000017) or the old
    DfE code (371)."""
    path = raw_dir / POPULATION_FILE
    if not path.is_file():
        raise InputDataError("the ONS population estimates are missing", file=path,
                             fix="run `python -m analysis fetch` to restore the published files")
    con.execute(f"DROP TABLE IF EXISTS {POPULATION_TABLE}")
    con.execute(
        f"""CREATE TABLE {POPULATION_TABLE} AS
        SELECT CAST(time_period AS INTEGER) AS mid_year,
               CAST(population_estimate AS DOUBLE) AS population,
               ? AS source_file
        FROM read_csv(?, header = true, all_varchar = true)
        WHERE geographic_level = 'Local authority'
          AND (new_la_code = ? OR old_la_code = ?)""",
        [path.name, str(path), la_code, la_code],
    )
    (n,) = con.execute(f"SELECT count(*) FROM {POPULATION_TABLE}").fetchone() or (0,)
    if n == 0:
        raise InputDataError(f"no population estimates for LA '{la_code}'", file=path,
                             column="new_la_code", expected="an English LA's ONS or DfE code",
                             found=la_code, fix="give the LA's code as in data/raw/dfe/la-lookup/las.csv")


def populations(con: duckdb.DuckDBPyConnection, indicator_id: str
                ) -> Callable[[dt.date], tuple[float, str] | InputDataError]:
    """For a period end, the population DfE would divide by and its file, or why there is
    none; the estimates are read once."""
    if POPULATION_TABLE not in table_names(con):
        raise InputDataError(
            f"no child population for the LA (ONS's estimates), needed for {label(indicator_id)}",
            fix="compute the measures for an English LA by its name or code: its population "
                "is read from ONS's estimates (the synthetic LA has none)")
    rows = {int(r[0]): (float(r[1]), str(r[2])) for r in fetch_all(
        con, f"SELECT mid_year, population, source_file FROM {POPULATION_TABLE}")}

    def for_end(period_end: dt.date) -> tuple[float, str] | InputDataError:
        year = mid_year_for(period_end)
        if year in rows:
            return rows[year]
        return InputDataError(
            f"no ONS estimate for mid-{year}, which {label(indicator_id)} for "
            f"{long_date(period_end)} is divided by", file=POPULATION_FILE, column="time_period",
            expected=f"mid-{year}", found=f"estimates up to mid-{max(rows, default=None)}",
            fix="fetch the newer population file (`python -m analysis fetch`)")

    return for_end


def population_for(con: duckdb.DuckDBPyConnection, period_end: dt.date,
                   indicator_id: str) -> tuple[float, str]:
    """The population DfE would divide by for ``period_end``, and the file it comes from."""
    found = populations(con, indicator_id)(period_end)
    if isinstance(found, Exception):
        raise found
    return found
