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

from analysis.core.blocks import Chart, Pack, Table, Text
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

def test_the_local_table_holds_every_quarter_of_five_years(records_ctx):
    local = records_ctx.local
    assert (local["file"] == "").all()  # no typed return for 2022-23: the computed figures only
    quarters = local[local["indicator_code"] == "assessments_45_days"]["period"].tolist()
    # The five years to the pack's quarter: 2018-19 Q1 to 2022-23 Q4, 20 quarters (the
    # returns start in 2016-17, so every measure has every quarter).
    assert quarters[0] == "2018-19 Q1" and quarters[-1] == QUARTER and len(quarters) == 20
    assert len(set(quarters)) == 20
    # Re-referrals need the year before their own: the 2016-17 census gives it.
    rr = local[local["indicator_code"] == "re_referrals"]["period"].tolist()
    assert rr == quarters
    # OC2 and OC3 measures are counted at 31 March only: five figures.
    oc2 = local[local["indicator_code"] == "cla_health_checks"]["period"].tolist()
    assert oc2 == [f"{y}-{str(y + 1)[2:]} Q4" for y in range(2018, 2023)]
    assert records_ctx.synthetic
    assert records_ctx.records_source == ("computed from the LA's synthetic CIN census and SSDA903 "
                                          "returns, 2016-17 to 2022-23")


#: The measures counted at 31 March only (OC2, OC3).
ONCE_A_YEAR = {"cla_health_checks", "cla_dental_checks", "cla_immunisations", "care_leavers_eet",
               "care_leavers_suitable_accommodation"}
DIRECTIONS = {"improving", "worsening", "no change", "higher", "lower"}


def test_every_computed_row_has_a_direction_of_travel_or_says_why_not(records_ctx, records_pack):
    profile = _section(records_pack, "profile")
    table = next(b for b in profile.blocks if isinstance(b, Table) and b.name == "computed_measures")
    frame = table.frame.set_index("code")
    assert len(frame) == 22
    # Measures counted once a year say so since last quarter, and give the change since the
    # year before; every other row has both directions.
    annual = frame.index.isin(sorted(ONCE_A_YEAR))
    assert set(frame.index[annual]) == ONCE_A_YEAR
    assert (frame.loc[annual, "direction"] == "counted once a year").all()
    # A figure hidden last quarter (fewer than 5 children) is named as the reason.
    local = records_ctx.local
    before = local[local["period"] == "2022-23 Q3"].set_index("indicator_code")["value"]
    hidden = frame.index.isin(before.index[before.isna()])
    assert (frame.loc[hidden, "direction"] == "last quarter's figure hidden (fewer than 5 children)").all()
    assert frame.loc[~annual & ~hidden, "direction"].isin(DIRECTIONS).all()
    assert frame["direction_year"].isin(DIRECTIONS).all()
    assert any("counted once a year" in note.lower() and "since the year before" in note
               for note in table.notes)
    shown = [c.key for c in table.columns if c.display]
    assert {"direction", "direction_year", "published_text"} <= set(shown)
    # No typed return for the quarter: no contract-measure table or status summary.
    assert not any(isinstance(b, Table) and b.name in ("profile", "status_summary") for b in profile.blocks)


def test_spc_and_trend_charts_exist_for_five_years_and_say_synthetic(records_pack):
    charts = [b for s in records_pack.sections if s.id in ("quarterly", "spc") for b in s.blocks
              if isinstance(b, Chart)]
    names = [c.name for c in charts]
    assert "spc_re_referrals_within_12_months" in names
    assert "quarterly_re_referrals_within_12_months" in names
    # An SPC chart for every measure with six quarters or more: all but the five counted once
    # a year (17 of 22); a trend for every measure with two or more (all 22).
    assert len([n for n in names if n.startswith("spc_")]) == 17
    assert len([n for n in names if n.startswith("quarterly_")]) == 22
    for chart in charts:
        assert chart.synthetic, chart.name
        assert "SYNTHETIC" in chart.alt_text, chart.name
        assert "synthetic CIN census and SSDA903 returns" in chart.source, chart.name
    trend = next(c for c in charts if c.name == "quarterly_re_referrals_within_12_months")
    assert "2018-19 Q1 to 2022-23 Q4" in trend.alt_text
    assert trend.alt_text.count(" Q") >= 20
    table = next(b for b in _section(records_pack, "profile").blocks
                 if isinstance(b, Table) and b.name == "computed_measures")
    assert table.caption.startswith("SYNTHETIC DATA: ")
    assert "synthetic" in table.source
    assert records_pack.title.startswith("SYNTHETIC DATA: Doncaster")
    sources = next(v for k, v in records_pack.meta.items() if "source" in k.lower())
    assert sources.startswith("Computed from the LA's synthetic CIN census and SSDA903 returns, "
                              "2016-17 to 2022-23, 2022-23 Q4; ")


def test_the_computed_measures_are_in_doncasters_published_range(records_ctx):
    """Each year to 31 March against Doncaster's published figures 2018-2025 (LAIT, DfE):
    referrals 4,193-5,810, re-referrals 25-30%, children in need 2,251-2,907, on a plan
    296-433, looked after 504-589, health checks 87-95% (69% in 2022), care leavers in
    education, employment or training 47-54%."""
    local = records_ctx.local
    wanted = {"referral_rate_rebased": ("numerator", 4500, 6000), "re_referrals": ("value", 22, 30),
              "cin_count": ("value", 2300, 2600), "cpp_rate": ("numerator", 300, 450),
              "cla_rate": ("numerator", 500, 600), "cla_health_checks": ("value", 85, 95),
              "care_leavers_eet": ("value", 45, 56), "cpp_second_time": ("value", 17, 27),
              "cpp_2_years_ceased": ("value", 1, 5), "cpp_2_years_open": ("value", 0.5, 5)}
    for code, (column, low, high) in wanted.items():
        years = local[(local["indicator_code"] == code) & (local["quarter"] == 4)]
        assert len(years) == 5, code
        assert years[column].between(low, high).all(), (code, years[column].tolist())


def _decimals(ctx: PackContext) -> dict[str, int]:
    """The decimals each computed measure is shown with (the catalogue's)."""
    return {code: ind.decimals for code, ind in ctx.catalogue.indicators.items()}


def _page_1(pack: Pack) -> list[Text]:
    return [b for b in _section(pack, "cover").blocks if isinstance(b, Text)]


def _worse(now: float, then: float, polarity: str) -> bool:
    return (polarity == "higher_is_better" and now < then) or (polarity == "lower_is_better" and now > then)


def _by_hand(local: pd.DataFrame, decimals: dict[str, int]) -> tuple[int, int, int, set[str]]:
    """From the local table's figures: how many measures are worse than last quarter, than a
    year before, and which to ask about (worse than both, or counted once a year and worse
    than the year before)."""
    def at(period: str) -> pd.DataFrame:
        return local[local["period"] == period].set_index("indicator_code")

    now, before, year = at(QUARTER), at("2022-23 Q3"), at("2021-22 Q4")

    def shown(frame: pd.DataFrame, code: str) -> float:  # as the page shows it: 11% is 11%
        return round(frame.at[code, "value"], decimals[code])

    worse_q = {c for c in now.index if c in before.index
               and _worse(shown(now, c), shown(before, c), now.at[c, "polarity"])}
    worse_y = {c for c in now.index if c in year.index
               and _worse(shown(now, c), shown(year, c), now.at[c, "polarity"])}
    ask = (worse_q & worse_y) | (ONCE_A_YEAR & worse_y)
    return len(now), len(worse_q), len(worse_y), ask


def test_page_1_of_a_returns_pack_counts_the_computed_measures_not_the_typed_ones(records_ctx, records_pack):
    texts = [t.markdown for t in _page_1(records_pack)]
    assert not any("contract measure" in t or "no figure" in t for t in texts)
    n, worse_q, worse_y, ask = _by_hand(records_ctx.local, _decimals(records_ctx))
    plain = int((records_ctx.local[records_ctx.local["period"] == QUARTER]["polarity"] == "none").sum())
    assert (n, plain) == (22, 9)  # rates and counts have no better direction
    assert texts[0] == (
        f"**{QUARTER}: 22 measures computed from the LA's synthetic CIN census and SSDA903 returns, "
        f"2016-17 to 2022-23.** {worse_q} worse than last quarter and {worse_y} worse than a year "
        f"before; {len(ask)} to ask about, below. 9 are rates and counts with no better or worse "
        "direction. 5 are counted once a year, at 31 March, and compared with the year before.")
    intro = _section(records_pack, "cover").intro
    assert "computed from the LA's returns that are worse than last quarter and worse than a year before" in intro


def test_page_1_names_each_computed_measure_to_ask_about_with_its_evidence(records_ctx, records_pack):
    from analysis.core.evidence import agrees

    _, _, _, ask = _by_hand(records_ctx.local, _decimals(records_ctx))
    block = next(t for t in _page_1(records_pack) if t.markdown.startswith("**Computed measures to ask about**"))
    lines = [line[2:] for line in block.markdown.splitlines() if line.startswith("- ")]
    now = records_ctx.local[records_ctx.local["period"] == QUARTER].set_index("indicator_code")
    labels = {now.at[c, "indicator_label"] for c in ask}
    assert {line.split("**")[1] for line in lines} == labels and len(lines) == len(ask) > 0
    assert len(block.figures) == len(lines)
    for figure, line in zip(block.figures, lines, strict=True):
        code = now.index[now["indicator_label"] == figure.label.rsplit(", ", 1)[0]][0]
        row = now.loc[code]
        assert (figure.value, figure.numerator, figure.denominator, figure.period) == (
            row["value"], row["numerator"], row["denominator"], QUARTER)
        assert agrees(figure)
        shown = f"{row['value']:.{figure.decimals}f}%"
        assert line.startswith(f"**{row['indicator_label']}**: {shown} "
                               f"({row['numerator']:,.0f} of {row['denominator']:,.0f}) in {QUARTER}, ")
        assert ("counted once a year: worse than a year before (" in line) == (code in ONCE_A_YEAR)


def test_the_returns_pack_is_true_to_its_figures(records_pack):
    """The checks every pack passes before it is written (analysis/render/invariants.py), here
    with page 1's computed figures among them: each percentage agrees with its counts."""
    from analysis.render.invariants import check_pack

    assert check_pack(records_pack) == []
    cover = next(b for b in _page_1(records_pack) if b.figures)
    assert all(f.source.startswith("computed from the LA's synthetic") for f in cover.figures)


def test_a_measure_counted_once_a_year_is_one_with_only_fourth_quarters():
    from types import SimpleNamespace

    from analysis.quarterly_pack.computed import once_a_year_codes

    local = pd.DataFrame({"indicator_code": ["a", "a", "b", "b", "c"],
                          "period_type": "quarter", "quarter": [3, 4, 4, 4, 4], "file": "",
                          "period": ["2022-23 Q3", "2022-23 Q4", "2021-22 Q4", "2022-23 Q4", "2022-23 Q4"]})
    ctx = SimpleNamespace(local=local, records_source="computed from the LA's returns")
    assert once_a_year_codes(ctx) == {"b", "c"}  # type: ignore[arg-type]
    # Only fourth quarters anywhere (a pack of one year's ends): nothing to tell apart.
    assert once_a_year_codes(SimpleNamespace(local=local[local["quarter"] == 4],  # type: ignore[arg-type]
                                             records_source="x")) == set()
    assert once_a_year_codes(SimpleNamespace(local=pd.DataFrame(), records_source="x")) == set()  # type: ignore[arg-type]


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
                                     "returns, 2016-17 to 2022-23, 2022-23 Q4.")


def test_a_long_trend_labels_the_quarters_its_axis_names(records_ctx):
    from analysis.charts import quarterly as cq
    from analysis.quarterly_pack.local_tables import quarterly_series

    series = quarterly_series(records_ctx)
    rows = series[series["indicator_code"] == "assessments_45_days"]
    assert len(rows) == 20
    ax = cq.quarterly_trend(rows, source="Source: test.")
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "value-label"]
    # 20 quarters: every second one from the latest back (10), as the axis's ticks.
    assert len(labels) == 10
    latest = rows.sort_values("quarter_order")["value"].iloc[-1]
    assert labels[-1] == f"{latest:.1f}%"
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == 10 and ticks[-1].startswith("Q4")


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
