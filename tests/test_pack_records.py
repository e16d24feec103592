"""The quarterly pack with local sections computed from an LA's own returns (``--records``).

The synthetic returns carry Doncaster's DfE code (371) and are written once for the module
into a temporary folder; the staged database goes to a temporary ``CSC_STAGED_DIR``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.blocks import Chart, Pack, Table
from analysis.core.errors import ParameterError
from analysis.data.geography import resolve_la
from analysis.data.periods import parse_quarter
from analysis.measures.returns.pack_table import (
    ComputedLocal,
    local_table,
    published_notes,
    records_source,
    suppress_small,
)
from analysis.measures.returns.rows import RESULT_COLUMNS
from analysis.quarterly_pack.context import PackContext

QUARTER = "2022-23 Q4"


@pytest.fixture(scope="module")
def staged_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("staged")
    before = os.environ.get("CSC_STAGED_DIR")
    os.environ["CSC_STAGED_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("CSC_STAGED_DIR", None)
    else:
        os.environ["CSC_STAGED_DIR"] = before


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from analysis.data.synthetic_returns.files import write_synthetic_returns

    folder = tmp_path_factory.mktemp("synthetic") / "returns-doncaster"
    write_synthetic_returns(folder, la_code="371")
    return folder


@pytest.fixture(scope="module")
def records_ctx(paths, bench_table, returns, staged_dir) -> PackContext:
    from analysis.quarterly_pack.report import build_pack_context

    return build_pack_context(resolve_la("Doncaster"), parse_quarter(QUARTER), paths=paths,
                              records=returns)


@pytest.fixture(scope="module")
def records_pack(records_ctx) -> Pack:
    from analysis.quarterly_pack.report import quarterly_pack

    return quarterly_pack(records_ctx)


def _results(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator_id": i, "period": p, "period_end": e, "basis": b, "value": v,
                          "numerator": n, "denominator": d, "unit": u, "files": "f.xml"}
                         for i, p, e, b, v, n, d, u in rows], columns=RESULT_COLUMNS)


def _section(pack: Pack, id: str):
    return next(s for s in pack.sections if s.id == id)


# --- result rows -> local table -------------------------------------------------------------

def test_result_rows_become_local_table_rows_with_the_catalogues_words(catalogue):
    results = _results([
        ("re_referrals", "2022-23", dt.date(2023, 3, 31), "year_to_31_march", 25.0, 100, 400, "percent"),
        ("cin_count", "2022-23 Q3", dt.date(2022, 12, 31), "at_date", 2400.0, np.nan, np.nan, "count"),
    ])
    table = local_table(results, resolve_la("Doncaster"), catalogue, "computed from the returns")
    first, second = table.iloc[0], table.iloc[1]
    # The year to 31 March is the Q4 figure; codes stay the catalogue's (not upper-cased).
    assert (first["indicator_code"], first["indicator"], first["period"], first["period_type"],
            first["year"], first["quarter"]) == ("re_referrals", "re_referrals", "2022-23 Q4", "quarter", 2023, 4)
    assert first["indicator_label"] == "Re-referrals within 12 months"
    assert (first["polarity"], first["unit"], first["measure_type"]) == ("lower_is_better", "percent", "volumetric")
    assert (first["value"], first["numerator"], first["denominator"]) == (25.0, 100.0, 400.0)
    assert np.isnan(first["target"]) and first["source"] == "computed from the returns"
    assert (first["la_code"], first["la_name"]) == ("E08000017", "Doncaster")
    assert (second["period"], second["quarter"], second["unit"]) == ("2022-23 Q3", 3, "count")
    assert second["file"] == ""  # the mark of a computed row


def test_small_counts_are_hidden_before_anything_is_shown():
    results = _results([
        ("re_referrals", "2022-23", dt.date(2023, 3, 31), "year_to_31_march", 75.0, 3, 4, "percent"),
        ("re_referrals", "2022-23 Q3", dt.date(2022, 12, 31), "rolling_12_months", 20.0, 5, 25, "percent"),
        ("s47_count", "2022-23 Q3", dt.date(2022, 12, 31), "rolling_12_months", 4.0, np.nan, np.nan, "count"),
        ("s47_count", "2022-23 Q2", dt.date(2022, 9, 30), "rolling_12_months", 0.0, np.nan, np.nan, "count"),
        ("cla_rate", "2022-23 Q3", dt.date(2022, 12, 31), "at_date", 0.5, 2, 40000, "rate_per_10000"),
    ])
    shown = suppress_small(results)
    assert shown["value"].isna().tolist() == [True, False, True, False, True]
    assert shown.loc[0, ["numerator", "denominator"]].isna().all()
    assert (shown.loc[1, "value"], shown.loc[3, "value"]) == (20.0, 0.0)
    assert shown.attrs["suppressed"] == 3


def test_the_source_line_names_the_returns_and_their_years():
    assert records_source([2019, 2020, 2021, 2022, 2023], True) == (
        "computed from the LA's synthetic CIN census and SSDA903 returns, 2018-19 to 2022-23")
    assert records_source([2023], False) == "computed from the LA's CIN census and SSDA903 returns, 2022-23"


def test_a_computed_year_beyond_rounding_of_the_published_figure_gets_a_line(catalogue):
    la = resolve_la("Doncaster")
    published = pd.DataFrame([{"indicator": "re_referrals", "year": 2022, "level": "la",
                               "area_code": "E08000017", "old_la_code": "371", "value": 7.0,
                               "numerator": 245, "denominator": 3521, "status": "published"}])
    far = _results([("re_referrals", "2021-22", dt.date(2022, 3, 31), "year_to_31_march", 26.4, 930, 3521,
                     "percent")])
    lines = published_notes(far, published, la, catalogue, synthetic=False)
    assert len(lines) == 1 and "computed 26.4% (930 of 3,521)" in lines[0] and "beyond rounding" in lines[0]
    close = _results([("re_referrals", "2021-22", dt.date(2022, 3, 31), "year_to_31_march",
                       100 * 245 / 3521, 245, 3521, "percent")])
    assert published_notes(close, published, la, catalogue, synthetic=False) == []
    (line,) = published_notes(far, published, la, catalogue, synthetic=True)
    assert "synthetic" in line and "(1 figure)" in line


# --- the pack -----------------------------------------------------------------------------------

def test_the_local_table_holds_every_quarter_the_returns_cover(records_ctx):
    local = records_ctx.local
    assert (local["file"] == "").all()  # no typed return for 2022-23: the computed figures only
    quarters = local[local["indicator_code"] == "assessments_45_days"]["period"].tolist()
    # 2018-19 Q4 (the end of the returns' first year) to the pack's quarter: 17 quarters.
    assert quarters[0] == "2018-19 Q4" and quarters[-1] == QUARTER and len(quarters) == 17
    assert len(set(quarters)) == 17
    # Re-referrals need the year before: from 2019-20 Q4.
    rr = local[local["indicator_code"] == "re_referrals"]["period"].tolist()
    assert rr[0] == "2019-20 Q4" and len(rr) == 13
    assert records_ctx.synthetic
    assert records_ctx.records_source == ("computed from the LA's synthetic CIN census and SSDA903 "
                                          "returns, 2018-19 to 2022-23")


def test_every_computed_row_has_a_direction_of_travel(records_pack):
    profile = _section(records_pack, "profile")
    table = next(b for b in profile.blocks if isinstance(b, Table) and b.name == "computed_measures")
    assert len(table.frame) >= 20
    has_direction = table.frame["direction"].notna() | table.frame["direction_year"].notna()
    assert has_direction.all(), table.frame.loc[~has_direction, "measure"].tolist()
    shown = [c.key for c in table.columns if c.display]
    assert {"direction", "direction_year", "published_text"} <= set(shown)
    # No typed return for the quarter: no contract-measure table or status summary.
    assert not any(isinstance(b, Table) and b.name in ("profile", "status_summary") for b in profile.blocks)


def test_spc_and_trend_charts_exist_and_say_synthetic(records_pack):
    charts = [b for s in records_pack.sections if s.id in ("quarterly", "spc") for b in s.blocks
              if isinstance(b, Chart)]
    names = [c.name for c in charts]
    assert "spc_re_referrals_within_12_months" in names
    assert "quarterly_re_referrals_within_12_months" in names
    for chart in charts:
        assert chart.synthetic, chart.name
        assert "SYNTHETIC" in chart.alt_text, chart.name
        assert "synthetic CIN census and SSDA903 returns" in chart.source, chart.name
    table = next(b for b in _section(records_pack, "profile").blocks
                 if isinstance(b, Table) and b.name == "computed_measures")
    assert table.caption.startswith("SYNTHETIC DATA: ")
    assert "synthetic" in table.source
    assert records_pack.title.startswith("SYNTHETIC DATA: Doncaster")
    sources = next(v for k, v in records_pack.meta.items() if "source" in k.lower())
    assert sources.startswith("Computed from the LA's synthetic CIN census and SSDA903 returns, "
                              "2018-19 to 2022-23, 2022-23 Q4; ")


def test_typed_and_computed_figures_for_one_indicator_are_both_shown_with_their_sources(
        paths, records_ctx, monkeypatch, tmp_path):
    from analysis.data.readers.local_return import read_local_return
    from analysis.measures.local_measures import load_local_measures
    from analysis.quarterly_pack import report

    typed_file = tmp_path / "doncaster_quarterly_return.csv"
    typed_file.write_text(
        "la_code,la_name,indicator_code,period,value,target,tolerance,measure_type,area\n"
        "E08000017,Doncaster,A1,2022-23 Q4,24,22,25,contract,Social Care Pathway\n", encoding="utf-8")
    typed = read_local_return(typed_file, load_local_measures(paths.config, "doncaster"))
    computed = ComputedLocal(records_ctx.local, records_ctx.records_source, True)
    monkeypatch.setattr(report, "local_returns", lambda la, p: typed)
    monkeypatch.setattr("analysis.measures.returns.pack_table.computed_local", lambda *a, **k: computed)
    ctx = report.build_pack_context(resolve_la("Doncaster"), parse_quarter(QUARTER), paths=paths,
                                    records="unused")
    blocks = {b.name: b for b in _section(report.quarterly_pack(ctx), "profile").blocks if isinstance(b, Table)}
    typed_table, computed_table = blocks["profile"], blocks["computed_measures"]
    # Re-referrals within 12 months twice: the council's A1 as typed, and computed from the returns.
    typed_rows = typed_table.frame.set_index("code")
    assert typed_rows.loc["A1", "measure"] == "Re-referrals within 12 months"
    assert typed_rows["value"].dropna().to_dict() == {"A1": 24.0}  # the other measures: no figure
    assert "Re-referrals within 12 months" in computed_table.frame["measure"].tolist()
    assert typed_table.source == ("Source: Doncaster Children's Services Trust quarterly performance report, 2022-23 Q4.")
    assert computed_table.source == ("Source: computed from the LA's synthetic CIN census and SSDA903 "
                                     "returns, 2018-19 to 2022-23, 2022-23 Q4.")


def test_a_long_trend_labels_the_quarters_its_axis_names(records_ctx):
    from analysis.charts import quarterly as cq
    from analysis.quarterly_pack.local_tables import quarterly_series

    series = quarterly_series(records_ctx)
    rows = series[series["indicator_code"] == "assessments_45_days"]
    assert len(rows) == 17
    ax = cq.quarterly_trend(rows, source="Source: test.")
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "value-label"]
    # 17 quarters: every second one from the latest back (9), as the axis's ticks.
    assert len(labels) == 9
    latest = rows.sort_values("quarter_order")["value"].iloc[-1]
    assert labels[-1] == f"{latest:.1f}%"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == 9 and ticks[-1].startswith("Q4")


# --- the runner -----------------------------------------------------------------------------------

def test_the_runner_passes_the_records_and_names_the_folder(stub_pack_notebook, tmp_path, returns):
    from analysis.app.runner import run_pack

    project = stub_pack_notebook("import pathlib\npathlib.Path(output_dir, 'records.txt').write_text(str(records))")
    result = run_pack("Doncaster", QUARTER, project, outputs_root=tmp_path / "out", pdf=False, records=returns)
    assert result.output == tmp_path / "out" / "doncaster" / "2022-23-q4-synthetic-returns"
    assert (result.output / "records.txt").read_text() == str(returns)


def test_records_must_be_a_folder(paths, bench_table, tmp_path):
    from analysis.app.runner import run_pack

    with pytest.raises(ParameterError) as err:
        run_pack("Doncaster", QUARTER, paths, outputs_root=tmp_path, pdf=False, records=tmp_path / "nowhere")
    assert err.value.parameter == "records" and "nowhere" in str(err.value)


def test_the_notebook_parameter_is_checked():
    from analysis.app.params import validate_parameters

    assert validate_parameters("quarterly_pack", {"la": "x", "period": "y", "records": "r"})
    with pytest.raises(ParameterError) as err:
        validate_parameters("quarterly_pack", {"la": "x", "period": "y", "records": 3})
    assert err.value.parameter == "records"


def test_a_run_file_gives_each_la_its_returns(tmp_path, paths, monkeypatch):
    from analysis.app import runner, runs

    seen: list[tuple[str, str]] = []

    def fake_run_pack(la, period, paths, **kw):
        seen.append((kw["authority"].slug, kw["records"]))
        return runner.PackResult("quarterly_pack", la, period, "ok")

    monkeypatch.setattr(runner, "run_pack", fake_run_pack)
    config = tmp_path / "run.yaml"
    config.write_text("las: [Doncaster, Rotherham]\nperiod: 2022-23 Q4\npack_records: records/{la}\n"
                      f"output: {tmp_path / 'out'}\n", encoding="utf-8")
    runs.execute_run(config, paths)
    assert seen == [("doncaster", "records/doncaster"), ("rotherham", "records/rotherham")]
    config.write_text("las: [Doncaster, Rotherham]\nperiod: 2022-23 Q4\npack_records: records\n"
                      f"output: {tmp_path / 'out'}\n", encoding="utf-8")
    with pytest.raises(ParameterError) as err:
        runs.execute_run(config, paths)
    assert err.value.parameter == "pack_records"


def test_synthetic_returns_for_a_real_la_carry_its_code(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from analysis.app.cli import app
    from analysis.data.synthetic_returns import files

    calls: list[tuple[Path, str]] = []
    monkeypatch.setattr(files, "write_synthetic_returns",
                        lambda folder, seed, la_code: calls.append((folder, la_code)) or [])
    result = CliRunner().invoke(app, ["synthetic", "--returns", "--la", "Doncaster", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert calls == [(tmp_path / "returns-doncaster", "371")]  # Doncaster's DfE code in the headers


def test_the_demo_adds_the_pack_from_synthetic_returns(paths, tmp_path, monkeypatch):
    from analysis.app import commands_packs, runner
    from analysis.core.config import Paths
    from analysis.data.synthetic_returns import files

    written: list[tuple[Path, str]] = []
    packs: list[tuple[str, str, Path]] = []

    def fake_write(folder: Path, la_code: str) -> list[Path]:
        written.append((folder, la_code))
        folder.mkdir(parents=True)
        (folder / "synthetic_cin_census_2023.xml").write_text("<x/>")
        return []

    def fake_run_pack(la, period, paths, records):
        packs.append((la, period, records))
        return runner.PackResult("quarterly_pack", la, period, "ok", output=tmp_path / "pack")

    monkeypatch.setattr(files, "write_synthetic_returns", fake_write)
    monkeypatch.setattr(runner, "run_pack", fake_run_pack)
    project = Paths(**{**paths.model_dump(), "raw": tmp_path / "raw"})
    commands_packs.returns_pack(project)
    folder = tmp_path / "raw" / "synthetic" / "returns-doncaster"
    assert written == [(folder, "371")]
    assert packs == [("Doncaster", "2022-23 Q4", folder)]
    commands_packs.returns_pack(project)  # written once: the second demo uses the same files
    assert len(written) == 1 and len(packs) == 2


@pytest.mark.e2e
def test_the_notebook_runs_with_records(paths, bench_table, returns, staged_dir, tmp_path):
    from analysis.app.runner import run_pack

    result = run_pack("Doncaster", QUARTER, paths, outputs_root=tmp_path, pdf=False, records=returns)
    out = result.output
    assert out.name == "2022-23-q4-synthetic-returns"
    assert (out / "charts" / "spc_re_referrals_within_12_months.svg").exists()
    computed = pd.read_csv(out / "tables" / "computed_measures.csv")
    assert len(computed) >= 20
    assert "SYNTHETIC DATA" in (out / "report.html").read_text(encoding="utf-8")
