"""Every measure on staged returns works out all the period ends asked for in one query; the
figures (and the reasons for no figure) equal those of each period end asked for alone, on the
synthetic CIN census records and the synthetic SSDA903 returns, for quarter ends with and
without figures, and a series of quarters gives the same rows."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analysis.app.commands_measures import measure_registry
from analysis.data.periods import Quarter
from analysis.data.returns.ssda903 import load_ssda903
from analysis.data.synthetic_returns.ssda903 import write_synthetic_ssda903
from analysis.measures.returns.batch import BatchMeasure
from analysis.measures.returns.rows import RESULT_COLUMNS
from analysis.measures.returns.series import compute_series, quarters_between
from tests.cin_staged import stage_all, stage_population, synthetic_records

ROOT = Path(__file__).resolve().parents[1]
#: From before the returns reach back far enough to after the last one (no figure at either
#: end), every quarter: 2015-16 Q1 to 2023-24 Q2.
QUARTERS = quarters_between(Quarter(2016, 1), Quarter(2024, 2))


@pytest.fixture(scope="module")
def staged(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    stage_all(con, synthetic_records(), range(2015, 2022))
    stage_population(con, {y: 50_000.0 + 10 * y for y in range(2014, 2024)})
    folder = tmp_path_factory.mktemp("ssda903")
    write_synthetic_ssda903(folder)
    load_ssda903(con, folder, ROOT / "config")
    return con


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    return a == b


def _alone(con: duckdb.DuckDBPyConnection, measure: BatchMeasure, end: dt.date
           ) -> dict[str, object] | tuple[type, str]:
    try:
        return measure(con, end).iloc[0].to_dict()
    except Exception as exc:  # the reason for no figure, compared with the batch's
        return type(exc), str(exc)


def test_every_measure_runs_many_period_ends_at_once() -> None:
    assert all(isinstance(m, BatchMeasure) for m in measure_registry().values())


@pytest.mark.parametrize("indicator", sorted(measure_registry()))
def test_all_ends_at_once_equal_each_end_alone(staged: duckdb.DuckDBPyConnection,
                                               indicator: str) -> None:
    measure = measure_registry()[indicator]
    assert isinstance(measure, BatchMeasure)
    ends = [q.end for q in QUARTERS]
    together = measure.many(staged, ends)
    assert list(together) == ends
    figures = 0
    for end in ends:
        alone = _alone(staged, measure, end)
        got = together[end]
        if isinstance(got, Exception):
            assert alone == (type(got), str(got)), end
            continue
        figures += 1
        assert isinstance(alone, dict), (end, alone)
        assert list(got) == RESULT_COLUMNS
        assert all(_same(got[c], alone[c]) for c in RESULT_COLUMNS), (end, got, alone)
    assert figures >= 4, "the synthetic returns give this measure figures"


def test_a_series_is_the_batch_figures(staged: duckdb.DuckDBPyConnection) -> None:
    registry = measure_registry()
    series = compute_series(staged, registry, QUARTERS)
    assert not series.left_out
    first = series.results.iloc[0]
    alone = registry[first["indicator_id"]](staged, first["period_end"]).iloc[0]
    assert first["value"] == alone["value"] and first["files"] == alone["files"]
    # re-referrals in the year to 30 June 2015 need the history from 1 July 2013, in the
    # census of 2013-14, which is not staged (so up to the year to 31 December 2015): a gap,
    # named; so are the quarters after the last census (2020-21)
    skipped, why = series.gaps["re_referrals"]
    assert skipped[:3] == ["2015-16 Q1", "2015-16 Q2", "2015-16 Q3"]
    assert skipped[3:] == [q.label for q in QUARTERS if q.year >= 2022]
    assert "census of 2013-14" in why
    # the health checks are collected at 31 March only: three quarters a year are gaps
    assert set(series.results.loc[series.results["indicator_id"] == "cla_health_checks",
                                  "period"]) == {"2018-19", "2019-20", "2020-21", "2021-22",
                                                 "2022-23"}


def test_a_missing_return_leaves_the_measure_out_whole() -> None:
    registry = measure_registry()
    wanted = {k: registry[k] for k in ("re_referrals", "cla_3_plus_placements")}
    series = compute_series(duckdb.connect(), wanted, [Quarter(2020, 4), Quarter(2021, 1)])
    assert series.results.empty and not series.gaps
    assert set(series.left_out) == set(wanted)


#: Names a reader must never see: the staged tables and the toolkit's own tables.
INTERNAL = re.compile(r"\b(cin_(children|episodes|assessments|plans|s47|cp_plans)|ssda903_"
                      r"(header|episodes|uasc|reviews|missing|oc2|oc3|files)|staged_files|"
                      r"population_0_17|working_day_calendar)\b|\btable\b")


def test_measures_left_out_say_which_file_in_words() -> None:
    """Only the CIN census staged, no population: every looked-after measure is left out with
    a line naming the SSDA903 file it needs, every rate with one saying the population is
    missing, the other CIN census measures computed; no line names a table."""
    con = duckdb.connect()
    stage_all(con, synthetic_records(), range(2015, 2022))
    series = compute_series(con, measure_registry(), [Quarter(2020, 4)])
    assert set(series.results["indicator_id"]) == {
        "re_referrals", "referrals_nfa", "assessments_45_days", "s47_count", "icpc_count",
        "icpc_15_days", "cin_count", "cpp_2_years_open", "cpp_2_years_ceased", "cpp_second_time"}
    why = series.left_out
    assert why["cla_rate"] == ("the SSDA903 episodes file: not in the folder of returns, so "
                               "the measure cannot be computed")
    assert why["cla_long_term_stability"].startswith("the SSDA903 episodes file: ")
    assert why["care_leavers_eet"].startswith("the SSDA903 OC3 file (care leavers): ")
    assert why["cpp_rate"] == ("no child population for the LA (ONS's estimates), needed for "
                               "Child protection plans per 10,000 children")
    for line in why.values():
        assert not INTERNAL.search(line), line


def test_a_table_missing_from_a_query_is_named_as_its_file() -> None:
    """A measure whose query meets a table that was not staged is left out with the return's
    file in words, never the table's name."""
    def needs_oc2(con: duckdb.DuckDBPyConnection, period_end: dt.date) -> pd.DataFrame:
        return con.execute("SELECT * FROM ssda903_oc2").df()

    series = compute_series(duckdb.connect(), {"x": needs_oc2}, [Quarter(2020, 4)])
    assert series.left_out == {"x": "it needs the SSDA903 OC2 file, which was not in the "
                                     "folder of returns"}


def _year_end_measure(con: object, end: dt.date) -> pd.DataFrame:
    """A stand-in measure collected at 31 March only, with no figure before 2019."""
    from analysis.core.errors import NoDataError, ParameterError
    from analysis.measures.returns.rows import result_row

    if (end.month, end.day) != (3, 31):
        raise ParameterError("this measure is collected for the year to 31 March only",
                             parameter="period_end", expected="a 31 March", found=end.isoformat())
    if end.year < 2019:
        raise NoDataError("the returns do not reach back to 2017-18")
    return result_row("cla_health_checks", end, "year", 90.0, 9, 10, "percent", "x.csv")


def test_a_measure_counted_at_31_march_only_has_no_gaps_in_the_year():
    """Q1-Q3 of a 31-March-only measure are not gaps (it is listed as collected once a year);
    a Q4 the returns do not reach is a gap, with its reason; and the pack says both in words."""
    from analysis.core.config import Paths
    from analysis.data.catalogue import load_catalogue
    from analysis.measures.returns.pack_table import series_notes

    quarters = quarters_between(Quarter(2018, 1), Quarter(2019, 4))  # 2017-18 Q1 to 2018-19 Q4
    series = compute_series(None, {"cla_health_checks": _year_end_measure}, quarters)  # type: ignore[arg-type]
    assert series.year_end_only == ["cla_health_checks"]
    assert series.gaps == {"cla_health_checks": (["2017-18 Q4"], "the returns do not reach back to 2017-18")}
    assert series.results["period_end"].tolist() == [dt.date(2019, 3, 31)]
    catalogue = load_catalogue(Paths.for_root().config / "indicators.yaml")
    series.left_out["cla_3_plus_placements"] = ("it needs the SSDA903 episodes file, which was not "
                                                "in the folder of returns")
    assert series_notes(series, catalogue) == [
        "Children looked after with 3 or more placements in the year: not computed; it needs the "
        "SSDA903 episodes file, which was not in the folder of returns.",
        "Children looked after with an up-to-date health assessment: no figure for 1 of the "
        "quarters shown (2017-18 Q4); the returns do not reach back to 2017-18."]
