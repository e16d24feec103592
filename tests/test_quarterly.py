"""Quarterly status, direction, summary and benchmark pairing.

Hand-worked boundary cases for the RAG rules; seed 001 (Doncaster Q4 2017/18 performance
report) reproduced from the shipped return; the A1 pairing checked against DfE's published
2016-17 figures (Characteristics of children in need 2017, table C1 / LAIT).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.config import Paths
from analysis.core.errors import InputDataError, NoDataError, ParameterError
from analysis.data.catalogue import Catalogue, load_catalogue
from analysis.data.geography import LocalAuthority, load_areas, resolve_la
from analysis.data.publications import Publications, benchmark_year_for_quarter, load_publications
from analysis.data.readers.local_return import read_local_return
from analysis.data.schemas.local_return import FILE_COLUMNS
from analysis.measures.local_measures import LocalMeasures, load_local_measures
from analysis.measures.local_returns import load_local_returns, local_template
from analysis.measures.local_status import (
    direction,
    direction_vs_previous_quarter,
    direction_vs_same_quarter_last_year,
    rag_status,
    status_disagreements,
    status_summary,
    status_table,
)
from analysis.measures.pairing import PAIRING_COLUMNS, pair_with_benchmarks, quarter_report

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "data" / "raw" / "local" / "doncaster_quarterly_return.csv"
Q4 = "2017-18 Q4"

# Seed 001, para 21 and appendix 3 para 2.2 (contract measures at the end of Q4 2017/18):
# area: (outside tolerance, inside tolerance, on or better than target, no target).
SEED_001 = {
    "Social Care Pathway": (1, 3, 3, 0),
    "Children in Care": (1, 3, 1, 0),
    "Youth Offending Services": (0, 1, 2, 0),
    "Family Support Services": (0, 0, 0, 2),
    "Workforce": (0, 0, 3, 0),
}


@pytest.fixture(scope="module")
def qpaths(paths: Paths) -> Paths:
    return paths


def _la(name: str, paths: Paths) -> LocalAuthority:
    """An LA named by its name or code, resolved as the command line resolves it."""
    return resolve_la(name, load_areas(paths.root))


@pytest.fixture(scope="module")
def qcat(qpaths: Paths) -> Catalogue:
    return load_catalogue(qpaths.config / "indicators.yaml")


@pytest.fixture(scope="module")
def pubs(qpaths: Paths) -> Publications:
    return load_publications(qpaths.config)


@pytest.fixture(scope="module")
def dmeasures(qpaths: Paths) -> LocalMeasures:
    return load_local_measures(qpaths.config, "doncaster")


@pytest.fixture(scope="module")
def local(dmeasures: LocalMeasures) -> pd.DataFrame:
    return read_local_return(SHIPPED, dmeasures)


@pytest.fixture(scope="session")
def benchmarks_built(paths: Paths, bench_table) -> Paths:
    """The tests' project with data/processed/benchmarks.parquet built (see conftest)."""
    return paths


# --- RAG boundaries (hand-worked) ---------------------------------------------------------

LOWER, HIGHER = "lower_is_better", "higher_is_better"


@pytest.mark.parametrize(("value", "target", "tolerance", "polarity", "expected"), [
    # Lower is better, target 22, tolerance 28 (seed 001's A1).
    (20, 22, 28, LOWER, "on_target"),           # better than target
    (22, 22, 28, LOWER, "on_target"),           # exactly on target counts as on target
    (25, 22, 28, LOWER, "inside_tolerance"),
    (28, 22, 28, LOWER, "inside_tolerance"),    # exactly on tolerance counts as inside
    (28.1, 22, 28, LOWER, "outside_tolerance"),
    # Higher is better, target 90, tolerance 80 (seed 001's B8).
    (95, 90, 80, HIGHER, "on_target"),
    (90, 90, 80, HIGHER, "on_target"),
    (85, 90, 80, HIGHER, "inside_tolerance"),
    (80, 90, 80, HIGHER, "inside_tolerance"),
    (79.9, 90, 80, HIGHER, "outside_tolerance"),
    # A target but no tolerance: no band between target and outside.
    (23, 22, None, LOWER, "outside_tolerance"),
    (22, 22, None, LOWER, "on_target"),
    (89, 90, np.nan, HIGHER, "outside_tolerance"),
    # Tolerance equal to the target: a band of width zero.
    (22, 22, 22, LOWER, "on_target"),
    (22.5, 22, 22, LOWER, "outside_tolerance"),
    # No target (with or without a value) and no value.
    (50, None, None, HIGHER, "no_target"),
    (None, None, None, HIGHER, "no_target"),
    (10, None, None, "none", "no_target"),
    (None, 22, 28, LOWER, "no_value"),
    # Binary float noise: 0.1 + 0.2 is 0.30000000000000004, still exactly on target 0.3.
    (0.1 + 0.2, 0.3, 0.5, LOWER, "on_target"),
])
def test_rag_boundaries(value, target, tolerance, polarity, expected) -> None:
    assert rag_status(value, target, tolerance, polarity) == expected


def test_rag_seed_001_cases() -> None:
    # Seed 001 app. 2: A1 Q4 = 26%, target 22%, tolerance 28% -> "just within tolerance";
    # B8 Q4 = 76%, target 90%, tolerance 80% -> "outside target and tolerance".
    assert rag_status(26, 22, 28, LOWER) == "inside_tolerance"
    assert rag_status(76, 90, 80, HIGHER) == "outside_tolerance"


def test_rag_vectorised_keeps_index_and_broadcasts() -> None:
    values = pd.Series([20.0, 25.0, 30.0, np.nan], index=["a", "b", "c", "d"])
    out = rag_status(values, 22, 28, LOWER)
    assert isinstance(out, pd.Series) and list(out.index) == ["a", "b", "c", "d"]
    assert out.tolist() == ["on_target", "inside_tolerance", "outside_tolerance", "no_value"]
    mixed = rag_status([26, 76], [22, 90], [28, 80], [LOWER, HIGHER])
    assert list(mixed) == ["inside_tolerance", "outside_tolerance"]


@pytest.mark.parametrize(("args", "problem"), [
    ((10, 5, None, "none"), "no polarity"),
    ((26, 28, 22, LOWER), "wrong side"),
    ((85, 80, 90, HIGHER), "wrong side"),
    ((85, 80, 90, "up"), "unknown polarity"),
])
def test_rag_rejects_bad_parameters(args, problem) -> None:
    with pytest.raises(ParameterError, match=problem):
        rag_status(*args)


# --- status table and the seed 001 summary --------------------------------------------------

def test_status_table_uses_computed_then_reported(local: pd.DataFrame) -> None:
    table = status_table(local, "2017-18Q4").set_index("indicator_code")
    a1, b8, a2, fs1 = (table.loc[c] for c in ("A1", "B8", "A2", "FS1"))
    # A1 and B8 have value, target and tolerance: computed, and agreeing with the report.
    assert (a1["status_computed"], a1["status_source"], a1["agrees"]) == ("inside_tolerance", "computed", True)
    assert (b8["status_computed"], b8["status_source"], b8["agrees"]) == ("outside_tolerance", "computed", True)
    # A2 has a value (90) but the papers give no target: the reported status is used.
    assert (a2["status_computed"], a2["status_used"], a2["status_source"]) == ("no_target", "on_target", "reported")
    assert pd.isna(a2["agrees"])
    # FS1: no value, no target, reported "no target specified".
    assert (fs1["status_used"], fs1["status_source"]) == ("no_target", "reported")


def test_seed_001_summary_reproduced_exactly(local: pd.DataFrame) -> None:
    summary = status_summary(status_table(local, Q4)).set_index("area")
    for area, counts in SEED_001.items():
        got = tuple(int(summary.loc[area, s]) for s in
                    ("outside_tolerance", "inside_tolerance", "on_target", "no_target"))
        assert got == counts, area
    total = summary.loc["Total"]
    # Seed 001 app. 3 para 2.2 total row: 2 (10%), 7 (35%), 9 (45%), 2 (10%) of 20 measures.
    assert int(total["measures"]) == 20
    assert [int(total[s]) for s in ("outside_tolerance", "inside_tolerance", "on_target", "no_target")] == [2, 7, 9, 2]
    assert [total[f"pct_{s}"] for s in ("outside_tolerance", "inside_tolerance", "on_target", "no_target")] == [10.0, 35.0, 45.0, 10.0]
    assert int(total["no_value"]) == 0
    assert set(summary.index) == {*SEED_001, "Total"}


def test_disagreements_listed(local: pd.DataFrame) -> None:
    assert status_disagreements(status_table(local, Q4)).empty   # the shipped return agrees
    changed = local.copy()
    a1 = (changed["indicator_code"] == "A1") & (changed["period"] == Q4)
    changed.loc[a1, "reported_status"] = "on_target"   # 26 is not on a target of 22
    found = status_disagreements(status_table(changed, Q4))
    assert found["indicator_code"].tolist() == ["A1"]
    assert (found.iloc[0]["status_computed"], found.iloc[0]["status_reported"]) == ("inside_tolerance", "on_target")


def test_status_table_missing_quarter_and_empty(local: pd.DataFrame) -> None:
    with pytest.raises(NoDataError, match="2019-20 Q1"):
        status_table(local, "2019-20 Q1")
    assert status_table(local.iloc[0:0], Q4).empty


# --- direction of travel --------------------------------------------------------------------

def test_direction_by_polarity() -> None:
    cur = pd.Series([30.0, 30.0, 30.0, 30.0, 30.0, np.nan, 30.0, 30.0])
    prev = pd.Series([25.0, 25.0, 35.0, 35.0, 30.0, 30.0, np.nan, 25.0])
    pol = pd.Series([HIGHER, LOWER, HIGHER, LOWER, LOWER, LOWER, LOWER, "none"])
    assert direction(cur, prev, pol).tolist() == [
        "improving", "worsening", "worsening", "improving", "no change",
        "no comparison", "no comparison", "higher",
    ]


def test_direction_from_the_shipped_return(local: pd.DataFrame) -> None:
    prev = direction_vs_previous_quarter(local, Q4).set_index("indicator_code")
    # Seed 001: contacts (E1) 1962 a month in Q3, 1789 in Q4; no polarity -> "lower".
    assert (prev.loc["E1", "compared_value"], prev.loc["E1", "direction"]) == (1962.0, "lower")
    assert prev.loc["E1", "compared_period"] == "2017-18 Q3"
    assert prev.loc["A1", "direction"] == "no comparison"   # no Q3 value transcribed
    last = direction_vs_same_quarter_last_year(local, Q4).set_index("indicator_code")
    # Seed 001 app. 3: sickness 5.3% a year earlier, 4.9% now; lower is better.
    assert last.loc["P01_SICKNESS", "direction"] == "improving"
    assert last.loc["P01_CPP_END", "compared_value"] == 430.0


# --- publications and pairing -------------------------------------------------------------

def test_every_benchmarked_indicator_has_one_release(qcat: Catalogue, pubs: Publications) -> None:
    listed = [i for rel in pubs.releases.values() for i in rel.indicators]
    assert sorted(listed) == sorted(i.id for i in qcat.benchmarked())


@pytest.mark.parametrize(("quarter", "indicator", "as_of", "expected"), [
    # CIN 2016-17 published 2 Nov 2017; 2017-18 on 25 Oct 2018.
    ("2017-18 Q4", "re_referrals", None, 2017),     # ends 31 Mar 2018
    ("2018-19 Q2", "re_referrals", None, 2017),     # ends 30 Sep 2018: 2017-18 not out yet
    ("2018-19 Q3", "re_referrals", None, 2018),     # ends 31 Dec 2018
    ("2017-18 Q3", "re_referrals", dt.date(2017, 11, 2), 2017),   # on the publication day
    ("2017-18 Q3", "re_referrals", dt.date(2017, 11, 1), 2016),   # the day before
    # Workforce at 30 Sep 2017 published 15 Feb 2018.
    ("2017-18 Q4", "sw_agency_rate", None, 2017),
    ("2017-18 Q3", "sw_agency_rate", None, 2016),
    ("2017-18 Q4", "local_b8_care_proceedings_on_track", None, None),  # local only
    ("2012-13 Q1", "re_referrals", None, None),     # before the first listed release
])
def test_benchmark_year_for_quarter(pubs, quarter, indicator, as_of, expected) -> None:
    assert benchmark_year_for_quarter(quarter, indicator, pubs, as_of=as_of) == expected


def test_publication_years_cover_the_benchmark_data(pubs: Publications, benchmarks_built: Paths) -> None:
    table = pd.read_parquet(benchmarks_built.benchmarks_table, columns=["indicator", "year"])
    for ind, years in table.groupby("indicator")["year"]:
        rel = pubs.release_of(ind)
        assert rel is not None, ind
        assert set(years) <= set(rel[1].published), ind


def test_pairing_with_a_stub_benchmark(local: pd.DataFrame, qcat: Catalogue, pubs: Publications) -> None:
    calls = []

    def stub(indicator: str, year: int) -> pd.DataFrame:
        calls.append((indicator, year))
        if indicator == "cla_long_term_stability":
            raise ParameterError("year 2017 is not in the data for this indicator")
        return pd.DataFrame([{"year": year, "period": f"{year - 1}-{year % 100:02d}", "value": 1.0,
                              "england": 2.0, "region": 3.0, "sn_mean": 4.0, "sn_count": 10,
                              "rank": 5, "of": 152, "quartile": "A"}])

    out = pair_with_benchmarks(local, Q4, stub, qcat, pubs)
    assert list(out.columns) == PAIRING_COLUMNS
    # Every local code with a DfE-sourced catalogue entry of its own unit, and only those: E34
    # (a count of children in need) is never set beside England's total 389,040 nor ranked.
    assert out["indicator_code"].tolist() == ["A1", "A2", "A6", "A9", "B9", "B10", "B13", "B14",
                                              "C14", "C15", "E35"]
    assert ("re_referrals", 2017) in calls
    b9 = out.set_index("indicator_code").loc["B9"]
    assert pd.isna(b9["england"]) and "not available" in b9["note"]
    assert "E34" not in set(out["indicator_code"])


def test_a1_paired_with_2016_17_outturn(benchmarks_built: Paths) -> None:
    report = quarter_report(_la("Doncaster", benchmarks_built), "2017-18Q4", benchmarks_built)
    a1 = report["pairing"].set_index("indicator_code").loc["A1"]
    # DfE Characteristics of children in need 2017 (2016-17): England 21.9, Yorkshire and
    # The Humber 21.5, Doncaster 27.1, ranked 142 of 152; the ten 2021-list neighbours
    # average 20.1 (seed 001 para 25.2 quotes 21.9 and 20.1).
    assert a1["value"] == 26.0 and a1["benchmark_year"] == 2017
    assert a1["benchmark_period"] == "2016-17"
    assert a1["england"] == 21.9 and a1["region"] == 21.5
    assert round(a1["sn_mean"], 1) == 20.1
    assert a1["la_annual_value"] == 27.1
    assert (a1["rank"], a1["of"]) == (142, 152)
    assert report["summary"].set_index("area").loc["Total", "measures"] == 20
    assert report["disagreements"].empty


# --- loading returns, LAs without one, template ----------------------------------------------

def _project(tmp_path: Path, files: dict[str, str]) -> Paths:
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "data" / "raw" / "local").mkdir(parents=True)
    for rel in ("dfe/la-lookup", "dfe/statistical-neighbours"):
        (tmp_path / "data" / "raw" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / "raw" / rel).symlink_to(ROOT / "data" / "raw" / rel)
    for name, text in files.items():
        (tmp_path / "data" / "raw" / "local" / name).write_text(text)
    return Paths.for_root(tmp_path)


HEADER = ",".join(FILE_COLUMNS) + "\n"
ROW_A1 = "E08000017,Doncaster,A1,x,2017-18 Q4,26,,,percent,22,28,lower_is_better,Social Care Pathway,contract,,\n"


def test_load_local_returns_reads_only_the_las_own_files(tmp_path: Path) -> None:
    paths = _project(tmp_path, {
        "doncaster_return.csv": HEADER + ROW_A1,
        "leeds_return.csv": HEADER + ROW_A1.replace("E08000017,Doncaster", "E08000035,Leeds"),
        "notes.csv": "not,a,return\n",   # not named *return*: ignored
    })
    assert load_local_returns(paths, _la("Doncaster", paths))["la_name"].tolist() == ["Doncaster"]
    # Leeds has a return but no measures of its own: a one-line error naming the file.
    with pytest.raises(InputDataError, match="Leeds, which has no local measures defined") as info:
        load_local_returns(paths, _la("E08000035", paths))
    assert "leeds_return.csv" in str(info.value)
    assert load_local_returns(paths, _la("Wakefield", paths)).empty


def test_a_row_for_another_la_in_a_return_is_rejected(tmp_path: Path) -> None:
    paths = _project(tmp_path, {"doncaster_return.csv": HEADER + ROW_A1.replace(
        "E08000017,Doncaster", "E08000018,Rotherham")})
    with pytest.raises(InputDataError, match="a row for another LA in Doncaster's return"):
        load_local_returns(paths, _la("Doncaster", paths))


def test_a_code_defined_for_another_la_is_rejected(tmp_path: Path) -> None:
    # A1 is Doncaster's re-referral measure; Rotherham defines no A1.
    paths = _project(tmp_path, {"rotherham_return.csv": HEADER + ROW_A1.replace(
        "E08000017,Doncaster", "E08000018,Rotherham")})
    with pytest.raises(InputDataError, match="indicator code not among Rotherham's local measures") as info:
        load_local_returns(paths, _la("Rotherham", paths))
    assert "config/local/rotherham.yaml" in str(info.value)
    assert load_local_returns(paths, _la("Doncaster", paths)).empty


def test_same_quarter_in_two_files_rejected(tmp_path: Path) -> None:
    paths = _project(tmp_path, {"doncaster_a_return.csv": HEADER + ROW_A1,
                                "doncaster_b_return.csv": HEADER + ROW_A1})
    with pytest.raises(InputDataError, match="two local return files"):
        load_local_returns(paths, _la("Doncaster", paths))


def test_report_for_an_la_without_a_return(tmp_path: Path) -> None:
    paths = _project(tmp_path, {})
    report = quarter_report(_la("Doncaster", paths), Q4, paths)
    assert set(report) == {"status", "summary", "pairing", "disagreements"}
    assert all(frame.empty for frame in report.values())


def test_template_one_row_per_local_code(dmeasures: LocalMeasures) -> None:
    blank = local_template(dmeasures)
    codes = list(dmeasures.measures)
    assert list(blank.columns) == FILE_COLUMNS
    assert blank["indicator_code"].tolist() == codes and len(set(codes)) == len(codes)
    assert (blank["value"] == "").all() and (blank["reported_status"] == "").all()
    a1 = blank.set_index("indicator_code").loc["A1"]
    assert (a1["unit"], a1["la_code"], a1["area"]) == ("percent", "E08000017", "Social Care Pathway")


def test_template_carries_forward_and_reads_back(dmeasures: LocalMeasures, local: pd.DataFrame,
                                                 tmp_path: Path) -> None:
    filled = local_template(dmeasures, previous=local, period="2018-19 Q1")
    a1 = filled.set_index("indicator_code").loc["A1"]
    assert (a1["target"], a1["tolerance"], a1["area"], a1["period"]) == ("22", "28", "Social Care Pathway", "2018-19 Q1")
    # An analyst types the new values and removes measures the LA does not report (E20/E21).
    filled = filled[~filled["indicator_code"].isin(["E20", "E21"])].copy()
    filled["value"] = "50"
    path = tmp_path / "next_return.csv"
    filled.to_csv(path, index=False)
    table = read_local_return(path, dmeasures)
    assert len(table) == len(filled) and set(table["period"]) == {"2018-19 Q1"}
