"""Each looked-after measure recomputed a second way, in pandas, written apart from the SQL
from DfE's definitions, on the synthetic SSDA903 returns: numerators and denominators agree
at every 31 March of the returns and at quarter ends between them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.data.returns.ssda903 import load_ssda903, read_ssda903
from analysis.data.synthetic_returns.ssda903 import write_synthetic_ssda903
from analysis.measures.returns.cla_measures import CLA_MEASURES
from analysis.measures.returns.population import POPULATION_FILE, register_population

ROOT = Path(__file__).resolve().parents[1]
POPULATION = ROOT / "data" / "raw" / POPULATION_FILE
MARCH_ENDS = [dt.date(y, 3, 31) for y in range(2019, 2024)]
QUARTER_ENDS = [dt.date(2020, 6, 30), dt.date(2021, 12, 31), dt.date(2022, 9, 30)]
DAY = pd.Timedelta(days=1)


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory
           ) -> tuple[duckdb.DuckDBPyConnection, dict[str, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("synthetic_ssda903")
    write_synthetic_ssda903(folder)
    con = duckdb.connect()
    load_ssda903(con, folder, ROOT / "config")
    register_population(con, ROOT / "data" / "raw", "E08000017")
    return con, read_ssda903(folder, ROOT / "config")


def first_day(end: dt.date, months: int) -> pd.Timestamp:
    """The first day of the ``months`` months to ``end`` (pandas' own month arithmetic)."""
    return pd.Timestamp(end) - pd.DateOffset(months=months) + DAY


def turns(dob: pd.Series, years: int) -> pd.Series:
    """The day each child turns ``years``: 29 February birthdays on 1 March in other years."""
    year = dob.dt.year + years
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    moved = (dob.dt.month == 2) & (dob.dt.day == 29) & ~leap
    return pd.to_datetime(pd.DataFrame({"year": year, "month": dob.dt.month.where(~moved, 3),
                                        "day": dob.dt.day.where(~moved, 1)}))


def numbered(eps: pd.DataFrame, end: dt.date) -> pd.DataFrame:
    """Episodes to ``end`` without short breaks, with period and placement numbers."""
    e = eps[~eps["ls"].isin(["V3", "V4"]) & (eps["decom"] <= pd.Timestamp(end))].copy()
    e.loc[e["dec"] > pd.Timestamp(end), "dec"] = pd.NaT
    e = e.sort_values(["child", "decom", "dec"], na_position="last", kind="stable")
    by = e.groupby("child", sort=False)
    previous_end = by["dec"].shift()
    e["new_period"] = ((e["rne"] == "S") | previous_end.isna()
                       | (previous_end != e["decom"]))
    e["period_no"] = e.groupby("child")["new_period"].cumsum()
    starts = ((e["new_period"] | e["rne"].isin(["S", "P", "T"]))
              & ~e["place"].isin(["T0", "T1", "T2", "T3", "T4"]))
    e["placement_no"] = starts.groupby(e["child"]).cumsum()
    return e


def spans(e: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    g = e.groupby(keys)
    out = g.agg(start=("decom", "min"), last=("dec", "max"), place=("place", "last"))
    still_open = e["dec"].isna().groupby([e[k] for k in keys]).any()
    out["end"] = out["last"].where(~still_open)
    return out.reset_index()


def looked_after(e: pd.DataFrame) -> pd.DataFrame:
    open_now = e[e["dec"].isna()][["child", "period_no", "placement_no"]]
    periods = spans(e, ["child", "period_no"])[["child", "period_no", "start"]]
    return open_now.merge(periods.rename(columns={"start": "period_start"}),
                          on=["child", "period_no"])


def by_pandas(tables: dict[str, pd.DataFrame], indicator: str,
              end: dt.date) -> tuple[int, int]:
    eps = tables["ssda903_episodes"]
    e = numbered(eps, end)
    cla = looked_after(e)
    if indicator == "cla_rate":
        return cla["child"].nunique(), -1
    if indicator == "cla_3_plus_placements":
        pl = spans(e, ["child", "period_no", "placement_no"])
        during = pl[(pl["start"] <= pd.Timestamp(end))
                    & (pl["end"].isna() | ((pl["end"] > first_day(end, 12))
                                           & (pl["end"] > pl["start"])))]
        many = during.groupby("child").size()
        return int(cla["child"].map(many).fillna(0).ge(3).sum()), len(cla)
    if indicator == "cla_long_term_stability":
        pl = spans(e, ["child", "period_no", "placement_no"])
        now = cla.merge(pl, on=["child", "period_no", "placement_no"])
        before = pl.assign(placement_no=pl["placement_no"] + 1)[
            ["child", "period_no", "placement_no", "start"]].rename(columns={"start": "before"})
        now = now.merge(before, on=["child", "period_no", "placement_no"], how="left")
        now = now.merge(tables["ssda903_header"][["child", "dob"]], on="child")
        cohort = now[(now["period_start"] <= first_day(end, 30))
                     & (turns(now["dob"], 16) > pd.Timestamp(end))]
        two = first_day(end, 24)
        stable = (cohort["start"] <= two) | (cohort["place"].isin(["A3", "A4", "A5", "A6"])
                                             & (cohort["before"] <= two))
        return int(stable.sum()), len(cohort)
    if indicator in ("cla_health_checks", "cla_dental_checks", "cla_immunisations"):
        column = {"cla_health_checks": "health_check", "cla_dental_checks": "teeth_check",
                  "cla_immunisations": "immunisations"}[indicator]
        cohort = set(cla.loc[cla["period_start"] <= first_day(end, 12), "child"])
        oc2 = tables["ssda903_oc2"]
        done = set(oc2.loc[(oc2["return_year"] == end.year) & (oc2[column] == "1"), "child"])
        return len(cohort & done), len(cohort)
    oc3 = tables["ssda903_oc3"]
    oc3 = oc3[oc3["return_year"] == end.year]
    start, stop = first_day(end, 12), pd.Timestamp(end)
    aged = pd.concat([turns(oc3["dob"], a).between(start, stop) for a in (19, 20, 21)],
                     axis=1).any(axis=1)
    breaks_only = eps["ls"].isin(["V3", "V4"]).groupby(eps["child"]).all()
    last = eps.sort_values("decom", kind="stable").drop_duplicates("child", keep="last")
    left_out = set(breaks_only[breaks_only].index) | set(last.loc[last["rec"] == "E3", "child"])
    leavers = oc3[aged & ~oc3["in_touch"].isin(["DIED", "RHOM"])
                  & ~oc3["child"].isin(left_out)].drop_duplicates("child")
    if indicator == "care_leavers_eet":
        hit = leavers["activ"].isin(["F1", "P1", "F2", "P2", "F4", "P4"])
    else:
        hit = leavers["accom"].str.fullmatch(r"[A-Z]1").fillna(False).astype(bool)
    return int(hit.sum()), len(leavers)


#: Long-term stability looks back 30 months: the returns (from 1 April 2018) cover it from
#: 31 December 2020 on.
CASES = ([(i, d) for i in CLA_MEASURES for d in MARCH_ENDS
          if i != "cla_long_term_stability" or d.year >= 2021]
         + [(i, d) for i in ("cla_rate", "cla_3_plus_placements", "cla_long_term_stability")
            for d in QUARTER_ENDS if i != "cla_long_term_stability" or d.year >= 2021])


@pytest.mark.parametrize(("indicator", "end"), CASES)
def test_sql_and_pandas_agree(staged: tuple[duckdb.DuckDBPyConnection, dict[str, pd.DataFrame]],
                              indicator: str, end: dt.date) -> None:
    con, tables = staged
    row = CLA_MEASURES[indicator](con, end).iloc[0]
    numerator, denominator = by_pandas(tables, indicator, end)
    assert row["numerator"] == numerator
    if indicator == "cla_rate":
        population = pd.read_csv(POPULATION, dtype=str)
        mid = population[(population["new_la_code"] == "E08000017")
                         & (population["time_period"] == str(end.year - (end.month <= 3)))]
        denominator = int(mid["population_estimate"].iloc[0])
    assert row["denominator"] == denominator
    assert denominator > 0 and 0 < numerator < denominator
