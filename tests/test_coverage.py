"""Depth: every year DfE published (older LAIT version backfilled), and a line for every gap."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.core.blocks import Note
from analysis.core.errors import ParameterError
from analysis.data.coverage import indicator_coverage, missing_notes
from analysis.data.geography import load_areas, resolve_la
from analysis.data.periods import parse_quarter
from analysis.data.prepare import LAIT_FILES, combine_versions
from analysis.quarterly_pack.report import build_pack_context

NEW, OLD = LAIT_FILES


def _pack_context(la: str, period: str, paths):
    """The pack context of an LA and quarter named as the notebook's parameters name them."""
    return build_pack_context(resolve_la(la, load_areas(paths.root)), parse_quarter(period),
                              paths=paths)


def _rows(source: str, values: dict[int, float | None]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator": "cla_rate", "year": y, "area_code": "E08000017", "value": v,
                          "source": f"{source}:LAC"} for y, v in values.items()])


def test_combine_versions_newest_wins_and_older_fills_only_years_it_no_longer_holds():
    new = _rows(NEW, {2016: 74.0, 2017: 78.0, 2018: None})
    old = _rows(OLD, {2015: 73.0, 2016: 70.0, 2018: 85.0})
    got = combine_versions([new, old]).set_index("year").sort_index()
    # 2015 only in the old file; 2016 in both: the new one wins; 2018 the new one holds blank
    # (a figure it withdrew): it stays blank, never the old 85.
    assert got["value"].tolist()[:3] == [73.0, 74.0, 78.0]
    assert pd.isna(got.loc[2018, "value"])
    assert got["source"].str.split(":").str[0].tolist() == [OLD, NEW, NEW, NEW]


def test_a_value_the_current_lait_withdrew_is_not_brought_back(bench_table):
    """Isles of Scilly's looked-after rate: 0 in the LAIT version of 2024-11-25 for 2021-2024,
    '-' in the current LAIT (and 'z' in the 2025 EES file): it stays withdrawn, so 150 LAs
    have a 2020-21 rate and 152 a 2023-24 one (153 LAs, less Scilly and, for 2021, those
    the current LAIT leaves blank)."""
    rows = bench_table[(bench_table["indicator"] == "cla_rate") & (bench_table["level"] == "la")]
    scilly = rows[rows["old_la_code"] == "420"].set_index("year")
    for year in (2021, 2022, 2023, 2024):
        assert pd.isna(scilly.loc[year, "value"]), year
        assert scilly.loc[year, "status"] == "-"
        assert scilly.loc[year, "source"] == f"{NEW}:LAC"
    assert scilly.loc[2017, "value"] == 0  # a year both versions hold as 0
    counts = rows.dropna(subset=["value"]).groupby("year").size()
    assert counts[2021] == 150 and counts[2024] == 152
    # Each indicator's year comes from one LAIT version only.
    lait = bench_table[bench_table["source"].str.split(":").str[0].isin(LAIT_FILES)]
    files = lait["source"].str.split(":").str[0]
    assert files.groupby([lait["indicator"], lait["year"]]).nunique().max() == 1


def test_which_years_come_from_which_lait_file(bench_table):
    don = bench_table[(bench_table["old_la_code"] == "371") & (bench_table["indicator"] == "cla_rate")]
    by_year = don.set_index("year")
    # Doncaster's CLA rate: 2014-15 only in the 2024-11-25 LAIT version (73 per 10,000);
    # 2016-17 in both (78, the value quoted by DfE in both), taken from the current version.
    assert by_year.loc[2015, "value"] == 73
    assert by_year.loc[2015, "source"] == f"{OLD}:LAC"
    assert by_year.loc[2017, "value"] == 78
    assert by_year.loc[2017, "source"] == f"{NEW}:LAC"
    assert by_year.loc[2025, "source"] == f"{NEW}:LAC"
    files = bench_table["source"].str.split(":").str[0]
    lait = bench_table[files.isin(LAIT_FILES)]
    first = lait[lait["value"].notna()].groupby(lait["source"].str.split(":").str[0])["year"].min()
    assert first[OLD] == 2015 and first[NEW] == 2016


def test_coverage_first_and_last_years(bench_table, catalogue):
    cov = indicator_coverage(bench_table, catalogue).set_index("indicator")
    assert set(cov.index) >= {i.id for i in catalogue.benchmarked()}
    assert cov.loc["re_referrals", "first_year"] == 2013 and cov.loc["re_referrals", "last_year"] == 2025
    # Health checks, dental checks and long-term stability: LAIT has them from 2017-18 only.
    for ind in ("cla_health_checks", "cla_dental_checks", "cla_long_term_stability"):
        assert cov.loc[ind, "first_year"] == 2018, ind
        assert cov.loc[ind, "first_period"] == "2017-18"
    assert cov.loc["cla_rate", "first_year"] == 2015  # backfilled from the older LAIT version
    assert cov.loc["sw_turnover", "first_period"] == "Sep 2015"


def test_missing_notes_name_indicator_period_and_first_year(bench_table, catalogue):
    notes = missing_notes(bench_table, catalogue, ["cla_health_checks", "re_referrals"], 2016,
                          when="by the end of 2016-17 Q4")
    assert notes == [Note(
        "missing",
        "Children looked after with an up-to-date health assessment: no figure for 2015-16 or earlier "
        "was published by the end of 2016-17 Q4; the toolkit's DfE data start with 2017-18.",
        "cla_health_checks")]


@pytest.fixture(scope="module")
def rotherham_2017_q4(bench_table, paths):
    return _pack_context("Rotherham", "2016-17 Q4", paths)


def test_every_pack_indicator_is_shown_or_explained(rotherham_2017_q4):
    ctx = rotherham_2017_q4
    shown = set(ctx.latest["indicator"])
    explained = {n.indicator for n in ctx.missing}
    for ind in ctx.indicators:
        assert (ind in shown) != (ind in explained), ind
    for note in ctx.missing:
        assert note.message in ctx.notes


def test_rotherham_health_and_dental_checks_are_explained(rotherham_2017_q4):
    ctx = rotherham_2017_q4
    for ind, label in (("cla_health_checks", "health assessment"), ("cla_dental_checks", "dental check"),
                       ("cla_long_term_stability", "Long-term placement stability")):
        note = next(n for n in ctx.missing if n.indicator == ind)
        # One short line in plain words (no "the toolkit's DfE data start with").
        assert note.message.endswith("left out; this pack's figures start with 2017-18.")
        assert label in note.message and "toolkit" not in note.message


def test_doncaster_2013_14_q3_makes_a_pack_context(bench_table, paths):
    ctx = _pack_context("Doncaster", "2013-14 Q3", paths)
    assert ctx.benchmark_year == 2013
    latest = ctx.latest.set_index("indicator")
    # Re-referrals 2012-13, the year published by December 2013.
    assert latest.loc["re_referrals", "period"] == "2012-13"
    assert not ctx.has_local  # the return has no figures for that quarter: said in a note
    assert any("no figures for 2013-14 Q3" in n for n in ctx.notes)
    assert set(ctx.latest["indicator"]) | {n.indicator for n in ctx.missing} == set(ctx.indicators)


def test_period_before_2013_14_is_a_parameter_error(bench_table, paths):
    with pytest.raises(ParameterError, match="before 2013-14 Q1"):
        _pack_context("Doncaster", "2012-13 Q4", paths)


def test_stale_latest_figure_is_flagged_in_its_row(bench_table, paths):
    ctx = _pack_context("Rotherham", "2017-18 Q4", paths)
    row = ctx.latest.set_index("indicator").loc["cpp_2_years_open"]
    assert row["period"] == "2014-15" and bool(row["stale"])
    assert not ctx.latest.set_index("indicator").loc["re_referrals", "stale"]


# --- each LA its own local measures -------------------------------------------------------------

def test_rotherham_and_lancashire_packs_have_local_sections(bench_table, paths):
    from analysis.quarterly_pack.local_tables import quarterly_report

    for la, period, codes in (("Rotherham", "2016-17 Q4", {"SWV", "HA", "FC", "CLUA"}),
                              ("Lancashire", "2017-18 Q2", {"CLEET"})):
        ctx = _pack_context(la, period, paths)
        assert ctx.has_local, la
        assert set(ctx.local["la_name"]) == {la}
        rep = quarterly_report(ctx)
        contract = rep["status"][rep["status"]["measure_type"] == "contract"]
        assert codes <= set(contract["indicator_code"]), la
    # Rotherham's health assessments: 1 of 2 children in January 2017 (50%).
    ha = _pack_context("Rotherham", "2016-17 Q4", paths).local.set_index("indicator_code").loc["HA"]
    assert (ha["value"], ha["numerator"], ha["denominator"]) == (50, 1, 2)
    # Lancashire's care leavers in EET (53.2% on 20 July 2017) is set beside DfE's 2016-17 figure.
    lan = quarterly_report(_pack_context("Lancashire", "2017-18 Q2", paths))["pairing"]
    row = lan.set_index("indicator_code").loc["CLEET"]
    assert row["value"] == 53.2 and row["indicator"] == "care_leavers_eet" and row["benchmark_period"] == "2016-17"


def test_a_broken_doncaster_return_does_not_stop_rotherhams_pack(project_copy, bench_table, paths):
    from analysis.core.errors import InputDataError
    from tests.conftest import replace_raw

    (project_copy.processed / "benchmarks.parquet").symlink_to(paths.benchmarks_table)
    good = (paths.raw / "local" / "doncaster_quarterly_return.csv").read_text()
    lines = good.splitlines()
    lines[1] = lines[1].replace(",26,", ",twenty-six,", 1)  # a broken row
    replace_raw(project_copy, "local/doncaster_quarterly_return.csv", "\n".join(lines) + "\n", record=False)
    ctx = _pack_context("Rotherham", "2016-17 Q4", project_copy)
    assert ctx.has_local and set(ctx.local["la_name"]) == {"Rotherham"}
    with pytest.raises(InputDataError, match="not a number"):
        _pack_context("Doncaster", "2017-18 Q4", project_copy)


def test_doncaster_measures_live_in_its_own_file_not_the_catalogue(catalogue, paths):
    from analysis.measures.local_measures import load_local_measures

    assert not any(hasattr(i, "local_codes") for i in catalogue.indicators.values())
    assert not any(i.source is None for i in catalogue.indicators.values())
    don = load_local_measures(paths.config, "doncaster", catalogue)
    assert don.indicator_of("A1") == "re_referrals" and don.indicator_of("A3") == "doncaster:A3"
    rot = load_local_measures(paths.config, "rotherham", catalogue)
    assert "A1" not in rot.measures
    for m in [*don.measures.values(), *rot.measures.values()]:
        for word in ("our name", "not stated", "seed", "P01_"):
            assert word not in m.name, (m.code, m.name)


def test_a_measure_definition_with_an_unknown_field_is_refused(tmp_path, catalogue):
    from analysis.core.errors import InputDataError as Bad
    from analysis.measures.local_measures import load_local_measures

    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "leeds.yaml").write_text(
        "la_code: E08000035\nla_name: Leeds\nmeasures:\n  X1:\n    name: A\n    unit: count\n"
        "    polarity: none\n    measure_type: volumetric\n    colour: red\n")
    with pytest.raises((Bad, ParameterError)) as info:
        load_local_measures(tmp_path, "leeds", catalogue)
    assert "colour" in str(info.value)
    with pytest.raises(ParameterError, match="no local measures are defined for 'wakefield'"):
        load_local_measures(tmp_path, "wakefield")


# --- quoted benchmarks ---------------------------------------------------------------------------

def test_doncaster_quoted_benchmarks_beside_the_computed_ones(bench_table, paths):
    from analysis.data.geography import resolve_la
    from analysis.quarterly_pack.quoted import compare_value, quoted_vs_computed

    q = quoted_vs_computed(resolve_la("Doncaster"), paths)
    assert len(q) == 17  # every row of doncaster_quoted_benchmarks.csv
    a1 = q[(q["indicator_code"] == "A1") & (q["comparator"] == "la_outturn")].iloc[0]
    assert (a1["quoted_rank"], a1["computed_rank"], a1["agrees"]) == ("142 of 152", "142 of 152 nationally", True)
    region = q[(q["indicator_code"] == "A1") & (q["comparator"] == "region") & (q["quoted_value"] == 21.4)].iloc[0]
    assert region["computed_value"] == 21.5 and region["agrees"] is False
    assert "differs from DfE's published 21.5 by -0.1" in region["explanation"]
    # The quote (2017-18 Q4 report) predates the release the toolkit takes the figure from.
    assert region["explanation"] == (
        "differs from DfE's published 21.5 by -0.1: the toolkit's figure is from Children in need: "
        "reporting year 2025 (about October 2025), later than the report, which may hold a revised "
        "figure; or the quote is from another table")
    assert "earlier release" not in " ".join(q["explanation"])
    referral = q[q["indicator_code"] == "P01_REFERRAL_RATE"].iloc[0]
    assert referral["computed_rank"].startswith("20 of 151") and referral["agrees"]
    a6 = q[q["indicator_code"] == "A6"]
    assert a6["computed_rank"].tolist()[0] == "4 of 10 in the region"
    assert compare_value("348", 348.9) == (True, "the published 348.9 with its decimals cut off (not rounded)")
    assert compare_value("20.1", 20.12)[0] is True


def test_papers_benchmarks_are_in_the_default_pack(bench_table, paths):
    # "36.1% against 24-29%": referrals assessed as not in need; social worker vacancies; the
    # rank in the region.
    ctx = _pack_context("Doncaster", "2017-18 Q4", paths)
    latest = ctx.latest.set_index("indicator")
    nin = latest.loc["assessed_not_in_need"]
    assert (nin["value"], round(nin["sn_mean"], 1), nin["region"]) == (36.1, 24.3, 29.0)
    assert "sw_vacancy_rate" in latest.index
    assert (latest.loc["re_referrals", "region_rank"], latest.loc["re_referrals", "region_of"]) == (15, 15)
    # Said once, in plain words: never LAIT's "(it shows '-')".
    assert ("Proven re-offending by young people aged 15-17: no England figure to compare with, so it is "
            "compared with the region and the neighbours only.") in ctx.notes
    assert not any("LAIT" in n or "'-'" in n or "looks like a count" in n for n in ctx.notes)
    assert len(ctx.notes) == len(set(ctx.notes))


def test_readme_lists_the_years_covered_and_is_current(bench_table, catalogue, paths):
    from analysis.data.coverage import README_END, README_START, coverage_markdown

    readme = (paths.root / "README.md").read_text(encoding="utf-8")
    shown = readme[readme.index(README_START) + len(README_START):readme.index(README_END)].strip()
    assert shown == coverage_markdown(bench_table, catalogue), "run `python -m analysis coverage --markdown`"
    assert "| `cla_health_checks` | Children looked after with an up-to-date health assessment | 2017-18 |" in shown


def test_cli_benchmark_names_indicators_with_no_figure_for_the_year(bench_table):
    from typer.testing import CliRunner

    from analysis.app.cli import app

    result = CliRunner().invoke(app, ["benchmark", "--la", "Rotherham", "--year", "2016",
                                      "--indicator", "re_referrals", "--indicator", "cla_dental_checks"])
    assert result.exit_code == 0, result.output
    assert ("Not shown: Children looked after with an up-to-date dental check: no figure for 2015-16 "
            "or earlier was published; the toolkit's DfE data start with 2017-18.") in result.output
    # A referral rate position reads as a position in the CLI table and sentence.
    result = CliRunner().invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017",
                                      "--indicator", "referral_rate"])
    assert "20th highest of 151" in result.output and "not a judgement" in result.output


def test_a_quarter_before_the_first_release_is_a_clear_error(bench_table, paths):
    from analysis.core.errors import NoDataError

    with pytest.raises(NoDataError, match="no DfE figures published by 30 June 2013") as info:
        _pack_context("Doncaster", "2013-14 Q1", paths)
    assert "choose 2013-14 Q3 or later" in str(info.value)
