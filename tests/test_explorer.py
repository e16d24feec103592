"""The benchmark explorer: analysis.explorer.report, the `explore` and `funnel` commands, and a run.

Figures are DfE's published ones: re-referrals 2016-17 (CIN census table C1) for Doncaster
27.1% of 5,275 against England 21.9%; Lancashire's care leavers and placement moves from
DfE's LAIT (checked against data/raw/dfe/lait/bds_long_0.parquet: CareLeaverEET 40,
CareLeaverEETNum 170, NoCareLeavers 425; LACStable_2016on 8, LACStableNum_2016on 155,
LACnum 1842; all 2016-17).
"""

from __future__ import annotations

from dataclasses import replace

import nbformat
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from typer.testing import CliRunner

from analysis.app.cli import app
from analysis.charts.statistics import indicator_funnel_chart
from analysis.core.errors import NoDataError, ParameterError
from analysis.data.geography import resolve_la
from analysis.engine import funnel_words, funnels
from analysis.engine.funnels import Funnel
from analysis.explorer import data as explorer_data
from analysis.explorer import report
from tests.conftest import read_table_csv

runner = CliRunner()


@pytest.fixture(autouse=True)
def _processed(bench_table):
    """The explorer, the CLI and the notebook read data/processed/benchmarks.parquet."""


@pytest.fixture(scope="module")
def doncaster():
    return resolve_la("Doncaster")


def _funnel(positions: list[str], left_out: int = 0) -> Funnel:
    """A hand-made funnel: LAs A, B, C... at the given positions around 20%."""
    names = [chr(ord("A") + i) for i in range(len(positions))]
    points = pd.DataFrame({
        "name": names, "old_la_code": [str(100 + i) for i in range(len(positions))],
        "denominator": [1000.0 + 100 * i for i in range(len(positions))],
        "value": [20.0 + i for i in range(len(positions))],
        "denominator_source": "published", "position": positions,
    })
    limits = pd.DataFrame({"denominator": [1.0, 2000.0], "target": 20.0, "lower_95": [0.0, 18.2],
                           "upper_95": [90.0, 21.8], "lower_99_8": [0.0, 17.2],
                           "upper_99_8": [99.0, 22.8]})
    return Funnel("re_referrals", 2017, "proportion", 100.0, 20.0, points, limits, "none", left_out)


# --- analysis.explorer.report -----------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [("none", "none"), ("Multiplicative", "multiplicative"),
                                                 (" additive ", "additive")])
def test_parse_overdispersion(given, expected):
    assert funnels.parse_overdispersion(given) == expected


def test_parse_overdispersion_rejects_others():
    with pytest.raises(ParameterError, match="unknown over-dispersion method") as info:
        funnels.parse_overdispersion("wide")
    assert info.value.parameter == "overdispersion"


def test_latest_rows_picks_the_last_year_with_a_value_in_table_order():
    bench = pd.DataFrame({
        "indicator": ["b", "b", "b", "a", "a", "c"],
        "year": [2015, 2016, 2017, 2016, 2017, 2017],
        "value": [1.0, 2.0, 3.0, 4.0, np.nan, np.nan],
    })
    latest = report.latest_rows(bench)
    # b: 2017 (3.0); a: 2017 has no value, so 2016 (4.0); c has no value at all: left out.
    assert latest[["indicator", "year", "value"]].values.tolist() == [["b", 2017, 3.0], ["a", 2016, 4.0]]


def test_funnel_indicators_are_percentages_and_rates():
    latest = pd.DataFrame({"indicator": ["x", "y", "z", "w"],
                           "unit": ["percent", "count", "rate_per_10000", "days"]})
    assert report.funnel_indicators(latest) == ["x", "z"]


def test_explorer_table_judges_and_writes_sentences(bench_table, catalogue, paths, doncaster):
    judged = report.explorer_table(bench_table, doncaster, catalogue, indicators=["re_referrals"],
                                   years=[2017], level=0.998, paths=paths)
    row = judged.iloc[0]
    assert (row["value"], row["numerator"], row["denominator"], row["england"]) == (27.1, 1429, 5275, 21.9)
    # 99.8% interval of 1,429 / 5,275 (27.09%): se = sqrt(0.2709 x 0.7291 / 5275) = 0.61 points,
    # 3.09 se = 1.9, so about 25.2 to 29.0 (Wilson moves it a little towards 50%). England's
    # 21.9 lies below it and lower is better, so "worse".
    assert row["level"] == 0.998 and row["vs_england"] == "worse"
    assert 25.0 < row["ci_low"] < 25.6 and 28.7 < row["ci_high"] < 29.3
    assert "27.1%" in row["sentence"] and "99.8%" in row["sentence"]


def test_explorer_table_default_indicators(bench_table, catalogue, paths, doncaster):
    judged = report.explorer_table(bench_table, doncaster, catalogue, years=[2017], paths=paths)
    assert judged["indicator"].tolist() == report.DEFAULT_INDICATORS
    assert judged["level"].eq(0.95).all() and judged["sentence"].str.len().gt(50).all()


def test_explorer_table_unknown_indicator(bench_table, catalogue, paths, doncaster):
    with pytest.raises(ParameterError, match="did you mean re_referrals"):
        report.explorer_table(bench_table, doncaster, catalogue, indicators=["rereferals"], paths=paths)


def test_england_value_and_period(bench_table):
    assert funnels.england_value(bench_table, "re_referrals", 2017) == 21.9
    assert report.period_label(bench_table, "re_referrals", 2017) == "2016-17"
    with pytest.raises(NoDataError, match="no England figure for re_referrals in 2030-31"):
        funnels.england_value(bench_table, "re_referrals", 2031)


def test_try_funnel_gives_the_reason_when_there_is_none(bench_table, catalogue):
    row = pd.Series({"indicator": "assessments_45_days", "year": 2017, "england": 82.9})
    funnel, why = funnels.try_funnel(bench_table, row, catalogue)
    assert funnel is None and why.startswith("no LA has a denominator for Assessments")
    row = pd.Series({"indicator": "re_referrals", "year": 2017, "england": 21.9})
    funnel, why = funnels.try_funnel(bench_table, row, catalogue, "additive")
    assert why == "" and funnel.overdispersion == "additive" and len(funnel.points) == 151


def test_position_text():
    assert funnel_words.position_text("above_99_8") == "above the 99.8% limit"
    assert funnel_words.position_text("below_95") == "below the 95% limit but inside the 99.8% limit"
    assert funnel_words.position_text(None).startswith("not plotted")


def test_funnel_line_counts_outside_and_left_out(catalogue):
    funnel = _funnel(["inside", "above_95", "below_99_8", "inside"], left_out=2)
    la = replace(resolve_la("Doncaster"), old_code="101", name="B-shire")
    text = funnel_words.funnel_line(funnel, la, catalogue.get("re_referrals"))
    # B is the second point: 21% of 1,100. Outside the 95% limits: B and C (2 of 4); outside
    # 99.8%: C only. 2 of 4 (50%) is more than the 10% that suggests over-dispersion.
    assert text.startswith("B-shire (21.0% of 1,100) is above the 95% limit but inside the 99.8% "
                           "limit around England's 20.0%.")
    assert "2 of 4 LAs lie outside the 95% limits, 1 of them outside the 99.8% limits" in text
    assert "exact binomial limits" in text and "over-dispersion" in text
    assert text.endswith("2 LAs with a value but no denominator are not plotted.")


def test_funnel_line_for_an_la_not_plotted(catalogue, doncaster):
    funnel = _funnel(["inside"] * 20)  # nobody outside: no over-dispersion remark
    text = funnel_words.funnel_line(funnel, doncaster, catalogue.get("re_referrals"))
    assert text.startswith("Doncaster is not plotted (no denominator")
    assert "0 of 20 LAs" in text and "over-dispersion" not in text and "not plotted." not in text


def test_funnel_points_table_and_file_name(doncaster):
    funnel = _funnel(["inside", "above_95"])
    table = funnels.funnel_points_table(funnel, "2016-17", None)
    assert table["highlighted"].tolist() == [False, False]
    assert (table["indicator"].unique().tolist(), table["period"].unique().tolist()) == (
        ["re_referrals"], ["2016-17"])
    assert table["position"].tolist() == ["inside", "above_95"]
    assert funnels.funnel_file_name("re_referrals", 2017, doncaster) == "re_referrals_2017_funnel_doncaster"
    assert funnels.funnel_file_name("cin_rate", 2023, None, "additive") == "cin_rate_2023_funnel_additive"


def test_funnel_points_block_leaves_out_empty_funnels(catalogue):
    assert report.funnel_points_block([], catalogue, "Source: test.") is None
    assert report.funnel_points_block([pd.DataFrame()], catalogue, "Source: test.") is None
    first = funnels.funnel_points_table(_funnel(["inside", "above_95"]), "2016-17")
    second = funnels.funnel_points_table(_funnel(["below_99_8"]), "2016-17")
    table = report.funnel_points_block([first, pd.DataFrame(), second], catalogue, "Source: test.")
    assert table.name == "funnel_points" and table.frame["name"].tolist() == ["A", "B", "A"]
    # shown: the label and the position in words; downloaded: the points under their own names
    assert table.frame["indicator_label"].unique().tolist() == ["Re-referrals within 12 months"]
    assert table.frame["position_words"].iloc[2] == "below the 99.8% limit"
    assert [c.key for c in table.columns if c.download] == list(first.columns)


def test_funnel_chart_highlights_the_la(bench_table, catalogue, doncaster, paths):
    row = pd.Series({"indicator": "re_referrals", "year": 2017, "england": 21.9})
    funnel, _ = funnels.try_funnel(bench_table, row, catalogue)
    chart = indicator_funnel_chart(funnel, catalogue.get("re_referrals"), "2016-17", doncaster,
                                  name="re_referrals_funnel", source="Source: test.")
    assert chart.name == "re_referrals_funnel" and chart.source == "Source: test."
    assert "Doncaster: 27.1% from 5,275, above the 99.8% limit" in chart.alt_text
    ax = chart.draw().axes[0]
    assert isinstance(ax, Axes)
    assert any(t.get_text() == "Doncaster 27.1%" for t in ax.texts)


def test_funnel_chart_says_when_the_limits_are_widened(bench_table, catalogue):
    row = pd.Series({"indicator": "re_referrals", "year": 2017, "england": 21.9})
    funnel, _ = funnels.try_funnel(bench_table, row, catalogue, "multiplicative")
    chart = indicator_funnel_chart(funnel, catalogue.get("re_referrals"), "2016-17", None,
                                  name="f", source="Source: test.")
    assert chart.alt_text.endswith("The limits are widened for multiplicative over-dispersion.")
    assert chart.title.endswith("every LA against its size, multiplicative over-dispersion")


def test_explorer_pack_sections_and_notes(bench_table, catalogue, paths, doncaster, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pack = report.explorer_pack(bench_table, doncaster, catalogue,
                                indicators=["re_referrals", "assessments_45_days", "cin_count"],
                                years=[2015, 2016, 2017], paths=paths)
    assert list(tmp_path.iterdir()) == []  # a builder writes nothing
    assert pack.title == "Doncaster: benchmark explorer"
    assert [s.id for s in pack.sections] == ["benchmarks", "latest", "indicator_re_referrals",
                                             "indicator_assessments_45_days", "indicator_cin_count",
                                             "funnel_points"]
    assert [t.name for t in pack.tables()] == ["benchmarks", "sentences", "funnel_points"]
    assert [c.name for c in pack.charts()] == [
        "re_referrals_trend", "re_referrals_neighbours", "re_referrals_all_las", "re_referrals_2017_funnel",
        "assessments_45_days_trend", "assessments_45_days_neighbours", "assessments_45_days_all_las",
        "cin_count_trend", "cin_count_neighbours"]
    notes = [(n.indicator, n.message) for _, n in pack.notes()]
    assert ("assessments_45_days", "No funnel plot: no LA has a denominator for Assessments") in [
        (i, m[:len("No funnel plot: no LA has a denominator for Assessments")]) for i, m in notes]
    assert ("cin_count", "No ranking of every LA for Children in need at 31 March: it has no better or "
                         "worse direction.") in notes
    # the judged table keeps its numbers for download, under the data's own names
    bench = pack.tables()[0]
    don = bench.frame[(bench.frame["indicator"] == "re_referrals") & (bench.frame["year"] == 2017)].iloc[0]
    assert (don["value"], don["numerator"], don["denominator"], don["england"]) == (27.1, 1429, 5275, 21.9)
    assert {"value", "numerator", "denominator", "england", "rank", "level"} <= {
        c.label for c in bench.columns if c.download}
    assert pack.meta["period"] == "2014-15 to 2016-17"


# --- CLI -----------------------------------------------------------------------------------------

def test_funnel_command_re_referrals_doncaster(tmp_path):
    # Doncaster 27.1% of 5,275 against England's 21.9%: se = sqrt(0.219 x 0.781 / 5275) = 0.0057,
    # 3.09 se = 1.8 points, so the upper 99.8% limit is about 23.7% and 27.1% lies above it.
    result = runner.invoke(app, ["funnel", "--indicator", "re_referrals", "--year", "2017", "--la",
                                 "Doncaster", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Doncaster (27.1% of 5,275) is above the 99.8% limit around England's 21.9%" in result.stdout
    name = "re_referrals_2017_funnel_doncaster"
    for suffix in ("png", "svg", "txt"):
        assert (tmp_path / "charts" / f"{name}.{suffix}").stat().st_size > 100
    points = read_table_csv(tmp_path / "tables" / f"{name}.csv", dtype={"old_la_code": str})
    assert len(points) == 151  # 152 LAs with a value, the Isles of Scilly without a denominator
    don = points[points["highlighted"]]
    assert don[["name", "value", "denominator", "position"]].values.tolist() == [
        ["Doncaster", 27.1, 5275.0, "above_99_8"]]
    assert "Doncaster" in (tmp_path / "charts" / f"{name}.txt").read_text()


def test_funnel_command_overdispersion_without_la(tmp_path):
    result = runner.invoke(app, ["funnel", "--indicator", "re_referrals", "--year", "2016-17",
                                 "--overdispersion", "multiplicative", "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "limits widened for multiplicative over-dispersion" in result.stdout
    assert (tmp_path / "charts" / "re_referrals_2017_funnel_multiplicative.png").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["--indicator", "rereferals", "--year", "2017"], "did you mean re_referrals"),
    (["--indicator", "cin_count", "--year", "2017"], "needs a percentage or a rate"),
    (["--indicator", "assessments_45_days", "--year", "2017"], "no LA has a denominator"),
    (["--indicator", "re_referrals", "--year", "2031"], "no England figure"),
    (["--indicator", "re_referrals", "--year", "2017", "--overdispersion", "wide"], "over-dispersion"),
    (["--indicator", "re_referrals", "--year", "2017", "--la", "Doncastre"], "did you mean 'Doncaster'"),
])
def test_funnel_command_bad_input(tmp_path, args, needle):
    result = runner.invoke(app, ["funnel", *args, "--output", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) <= 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "needle"), [
    (["--la", "Doncaster", "--level", "90"], "Expected 95 or 99.8 (per cent)"),
    (["--la", "Doncaster", "--level", "high"], "confidence level"),
    (["--la", "Doncaster", "--overdispersion", "wide"], "over-dispersion"),
    (["--la", "Nowhere"], "unknown local authority"),
    (["--la", "Doncaster", "--indicator", "rereferals"], "did you mean re_referrals"),
    (["--la", "Doncaster", "--year", "2031"], "not in the data"),
])
def test_explore_command_bad_input_runs_nothing(tmp_path, args, needle):
    result = runner.invoke(app, ["explore", *args, "--output", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert needle in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_help_for_explore_and_funnel():
    for command in ["explore", "funnel"]:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "--overdispersion" in result.output, command


# --- end to end --------------------------------------------------------------------------------

INDICATORS = ["re_referrals", "cla_3_plus_placements", "care_leavers_eet"]


@pytest.fixture(scope="module")
def lancashire_explorer(tmp_path_factory, paths):
    from analysis.app.runner import run_explorer

    out = tmp_path_factory.mktemp("explorer")
    return run_explorer("Lancashire", indicators=INDICATORS, level=99.8, overdispersion="additive",
                        paths=paths, outputs_root=out)


@pytest.mark.e2e
def test_lancashire_explorer(lancashire_explorer, bench_table, catalogue, paths):
    from analysis.engine.benchmark import benchmark_table

    result = lancashire_explorer
    out = result.output
    assert result.status == "ok" and out.name == "explorer" and out.parent.name == "lancashire"
    nb = nbformat.read(out / "benchmark_explorer.ipynb", as_version=4)
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    for name in ["report.html", "manifest.json", "tables/benchmarks.csv", "tables/sentences.csv",
                 "tables/funnel_points.csv", "tables/tables.xlsx"]:
        assert (out / name).exists(), name
    for ind in INDICATORS:
        for chart in ("trend", "neighbours", "all_las", "2025_funnel_additive"):
            assert (out / "charts" / f"{ind}_{chart}.png").exists(), (ind, chart)
            assert (out / "charts" / f"{ind}_{chart}.txt").read_text().strip()

    saved = read_table_csv(out / "tables" / "benchmarks.csv")
    published = benchmark_table(bench_table, resolve_la("Lancashire"), catalogue, indicators=INDICATORS,
                                paths=paths)
    merged = saved.merge(published, on=["indicator", "year"], suffixes=("", "_published"))
    assert len(merged) == len(published) == len(saved)
    for column in ("value", "numerator", "denominator", "england", "rank"):
        pd.testing.assert_series_equal(merged[column], merged[f"{column}_published"],
                                       check_names=False, check_dtype=False)
    assert saved["level"].eq(0.998).all()
    # Pinned from LAIT (see the module docstring): 2016-17 care leavers in EET 40% (170 of
    # 425), children looked after with 3+ placements 8% (155 of 1,842).
    by_key = saved.set_index(["indicator", "year"])
    assert tuple(by_key.loc[("care_leavers_eet", 2017), ["value", "numerator", "denominator"]]) == (40, 170, 425)
    assert tuple(by_key.loc[("cla_3_plus_placements", 2017), ["value", "numerator", "denominator"]]) == (8, 155, 1842)

    funnels = read_table_csv(out / "tables" / "funnel_points.csv", dtype={"old_la_code": str})
    assert set(funnels["indicator"]) == set(INDICATORS) and funnels["overdispersion"].eq("additive").all()
    assert funnels.loc[funnels["highlighted"], "name"].tolist() == ["Lancashire"] * 3
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "At 99.8% confidence Lancashire" in html and "additive over-dispersion" in html
    assert "<table" in html and "notebook-only" not in html


def test_explorer_pack_speaks_of_the_data_not_of_the_code(bench_table, catalogue, paths, doncaster):
    from tests.test_report import FORBIDDEN, _reader_texts

    pack = report.explorer_pack(bench_table, doncaster, catalogue,
                                indicators=["re_referrals", "referral_rate", "sw_caseload"],
                                years=[2016, 2017], paths=paths)
    assert [(p.pattern, t) for t in _reader_texts(pack) for p in FORBIDDEN if t and p.search(t)] == []


def test_an_las_rows_picked_from_every_las_judged_table_are_its_explorer_table(paths):
    """The interactive explorer judges every LA once per indicator and picks an LA's rows:
    the same table, sentences included, as working the LA out alone; an LA with no figures
    for the indicator is the same NoDataError."""
    data = explorer_data.load_explorer_data(paths)
    for name, indicator in [("Doncaster", "re_referrals"), ("Rotherham", "cla_dental_checks"),
                            ("Leeds", "cla_rate")]:
        la = resolve_la(name)
        picked = explorer_data.la_judged(data, la, indicator, None, 0.95)
        alone = report.explorer_table(data.rows(indicator), la, data.catalogue, indicators=[indicator],
                                      paths=paths)
        pd.testing.assert_frame_equal(picked, alone, check_exact=False, rtol=1e-12)
    assert "sentence" not in explorer_data.judged_all(data, indicator, None, 0.95)  # the kept table is untouched
    don = explorer_data.la_judged(data, resolve_la("Doncaster"), "re_referrals", None, 0.95)
    assert don.loc[don["year"] == 2017, "value"].item() == 27.1
    with pytest.raises(NoDataError) as alone_error:  # no figure in any year
        report.explorer_table(data.rows("cla_dental_checks"), resolve_la("Isles of Scilly"), data.catalogue,
                              indicators=["cla_dental_checks"], paths=paths)
    with pytest.raises(NoDataError) as picked_error:
        explorer_data.la_judged(data, resolve_la("Isles of Scilly"), "cla_dental_checks", None, 0.95)
    assert str(picked_error.value) == str(alone_error.value)
