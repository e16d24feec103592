"""prepare: raw -> tidy table, and every kind of bad raw file gets a clear error, no partial output."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.errors import InputDataError
from analysis.data.prepare import prepare_benchmarks
from tests.conftest import replace_raw

C1 = "dfe/cin/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv"


def _c1_text(paths) -> str:
    return (paths.raw / C1).read_text(encoding="utf-8-sig")


def test_table_shape_and_statuses(bench_table):
    assert list(bench_table.columns) == [
        "indicator", "year", "period", "level", "area_code", "old_la_code", "area_name",
        "region_code", "region_name", "value", "numerator", "denominator", "status", "source"]
    # DfE symbols are kept, never turned into 0.
    assert {"c", "x"} <= set(bench_table["status"])
    assert bench_table.loc[bench_table.status != "published", "value"].isna().all()
    row = bench_table[(bench_table.indicator == "re_referrals") & (bench_table.year == 2017)
                      & (bench_table.area_name == "Doncaster")].iloc[0]
    assert (row.period, row.level, row.area_code, row.old_la_code) == ("2016-17", "la", "E08000017", "371")


def test_suppressed_value_keeps_its_symbol(bench_table):
    # City of London 2022 re-referrals: suppressed ('c') in the 2013-2025 file (SOURCES.md).
    row = bench_table[(bench_table.indicator == "re_referrals") & (bench_table.year == 2022)
                      & (bench_table.old_la_code == "201")].iloc[0]
    assert row.status == "c" and pd.isna(row.value)


def test_reorganised_las_only_in_their_years(bench_table):
    rr = bench_table[(bench_table.indicator == "re_referrals") & (bench_table.level == "la")]
    assert rr[rr.old_la_code == "942"].year.min() == 2024  # Cumberland
    assert rr[rr.old_la_code == "909"].year.max() == 2023  # Cumbria
    assert rr[rr.old_la_code == "940"].year.min() == 2022  # North Northamptonshire
    lait = bench_table[(bench_table.indicator == "cla_rate") & (bench_table.level == "la")]
    assert not ((lait.old_la_code == "942") & (lait.year < 2024)).any()


def test_missing_file(project_copy):
    (project_copy.raw / C1).unlink()
    with pytest.raises(InputDataError, match="raw data file not found") as err:
        prepare_benchmarks(project_copy)
    assert C1.split("/")[-1] in str(err.value) and "fetch" in str(err.value)


def test_renamed_column_is_named_with_a_hint(project_copy):
    text = _c1_text(project_copy).replace("rereferral_percent", "rereferral_pct", 1)
    replace_raw(project_copy, C1, text)
    with pytest.raises(InputDataError) as err:
        prepare_benchmarks(project_copy)
    msg = str(err.value)
    assert "rereferral_percent" in msg and "rereferral_pct" in msg and "renamed" in msg


def test_text_in_numeric_column(project_copy):
    lines = _c1_text(project_copy).splitlines()
    header = lines[0].split(",")
    col = header.index("rereferral_percent")
    cells = lines[5].split(",")
    cells[col] = "n/a"
    lines[5] = ",".join(cells)
    replace_raw(project_copy, C1, "\n".join(lines) + "\n")
    with pytest.raises(InputDataError) as err:
        prepare_benchmarks(project_copy)
    msg = str(err.value)
    assert "not a DfE symbol" in msg and "row 6" in msg and "'n/a'" in msg and "rereferral_percent" in msg


def test_duplicate_rows(project_copy):
    lines = _c1_text(project_copy).splitlines()
    replace_raw(project_copy, C1, "\n".join([*lines, lines[-1]]) + "\n")
    with pytest.raises(InputDataError, match="duplicate rows"):
        prepare_benchmarks(project_copy)


def test_empty_file(project_copy):
    replace_raw(project_copy, C1, "")
    with pytest.raises(InputDataError, match="file is empty"):
        prepare_benchmarks(project_copy)


def test_failed_prepare_leaves_previous_table_untouched(project_copy):
    out, _table = prepare_benchmarks(project_copy)
    before = out.read_bytes()
    replace_raw(project_copy, C1, "")
    with pytest.raises(InputDataError):
        prepare_benchmarks(project_copy)
    assert out.read_bytes() == before
    leftovers = [p.name for p in project_copy.processed.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_manifest_records_inputs(project_copy):
    import json

    out, _ = prepare_benchmarks(project_copy)
    manifest = json.loads(out.with_suffix(".manifest.json").read_text())
    assert C1 in manifest["inputs"] and len(manifest["inputs"][C1]) == 64
    assert "re_referrals" in manifest["indicators"]
