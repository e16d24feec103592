"""The pack's building blocks in analysis.report (the notebook runs are in test_pack.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import report
from analysis.periods import parse_quarter


@pytest.fixture(scope="module")
def doncaster_ctx(bench_table):
    return report.build_pack_context("Doncaster", "2017-18 Q4")


def test_indicator_years_follow_the_release_dates(paths):
    # config/publications.yaml: CIN 2016-17 was out by 31 March 2018 (Nov 2017), 2017-18 was
    # not; the workforce census of September 2018 came out in February 2019, so a quarter
    # ending 31 December 2018 still shows the 2017 workforce figures while CIN moves on.
    q4 = report.indicator_years(parse_quarter("2017-18 Q4"), ["re_referrals", "sw_turnover"], paths)
    assert q4 == {"re_referrals": 2017, "sw_turnover": 2017}
    q3 = report.indicator_years(parse_quarter("2018-19 Q3"), ["re_referrals", "sw_turnover"], paths)
    assert q3 == {"re_referrals": 2018, "sw_turnover": 2017}


def test_pack_rows_are_no_later_than_the_published_year(doncaster_ctx, paths):
    years = report.indicator_years(doncaster_ctx.quarter, doncaster_ctx.indicators, paths)
    for row in doncaster_ctx.bench.itertuples():
        assert row.year <= years[row.indicator], row.indicator


def test_quarterly_charts_only_where_there_is_something_to_see(doncaster_ctx, tmp_path):
    items = report.quarterly_items(doncaster_ctx, tmp_path)
    charts = {p.stem.removeprefix("quarterly_") for p in (tmp_path / "charts").glob("quarterly_*.png")}
    # E1 has four quarters; A1 has one quarter but a target and annual benchmarks; B8 one
    # quarter and a target (seed 001).
    assert {"E1", "A1", "B8"} <= charts
    # A3 (case file audits) has one quarter, no target and no benchmark: no chart, but named.
    assert "A3" not in charts
    note = items[-1].data
    listed = [line for line in note.splitlines() if line.startswith("- ")]
    assert note.startswith(f"*No chart for {len(listed)} measure(s)")
    assert any(line.startswith("- A3 ") for line in listed)


def _synthetic_series(values: list[float], target: float | None) -> pd.DataFrame:
    quarters = [f"{2015 + (i + 1) // 4}-{(16 + (i + 1) // 4) % 100:02d} Q{(i + 1) % 4 + 1}"
                for i in range(len(values))]
    return pd.DataFrame({
        "indicator_code": "X1", "label": "Synthetic measure", "unit": "percent",
        "polarity": "lower_is_better", "period": quarters, "quarter_order": range(len(values)),
        "value": values, "target": target,
    })


def test_spc_chart_for_a_measure_with_enough_quarters(tmp_path):
    # Eight quarters: mean 174 / 8 = 21.75; moving ranges 1,1,2,1,1,1,8 -> mean MR 15/7 =
    # 2.142857; limits 21.75 -/+ 2.66 x 2.142857 = 16.05 and 27.45: the last point (29) is
    # outside (special cause).
    series = _synthetic_series([20, 21, 20, 22, 21, 20, 21, 29], target=25.0)
    items = report.spc_items(series, tmp_path, source="Source: test data.", synthetic=True)
    assert (tmp_path / "charts/spc_X1.png").exists() and (tmp_path / "charts/spc_X1.svg").exists()
    alt = (tmp_path / "charts/spc_X1.txt").read_text()
    assert alt.startswith("SYNTHETIC DATA")
    assert "Mean 21.8%" in alt and "16.1%" in alt and "27.4%" in alt  # 27.45 rounds half-even
    assert "special-cause" in alt and "2017-18 Q1" in alt
    assert items[-1].data == ("**Variation:** special cause, concerning. **Assurance:** hit and miss: "
                              "the target lies inside the process limits.")


def test_spc_words_cover_every_icon():
    from analysis.spc import ASSURANCE_ICONS, VARIATION_ICONS

    assert set(report.SPC_WORDS) == set(VARIATION_ICONS) | set(ASSURANCE_ICONS)


def test_spc_names_the_longest_short_series(tmp_path):
    series = _synthetic_series([20, 21, 22, 23], target=None)
    items = report.spc_items(series, tmp_path, source="Source: test data.")
    assert not (tmp_path / "charts").exists() or not list((tmp_path / "charts").glob("spc_*"))
    assert items[-1].data == ("*No SPC chart yet for 1 measure(s) with fewer than 6 quarters of figures; "
                              "the longest series so far is X1 with 4.*")


def test_small_la_with_suppressed_figures_still_gets_every_row(bench_table):
    # Isles of Scilly publishes no section 47 rate for 2016-17 (LAIT blank) and no looked-after
    # placement figure: the rows stay in the pack, blank and "not compared", rather than
    # stopping the pack (they used to reach the judgement with no polarity).
    ctx = report.build_pack_context("Isles of Scilly", "2017-18 Q4")
    assert ctx.latest["indicator"].tolist() == [i for i in report.PACK_INDICATORS
                                                if i in set(ctx.bench["indicator"])]
    # Its latest section 47 rate is 2014-15's (from the earlier LAIT version), flagged as old.
    s47 = ctx.latest.set_index("indicator").loc["s47_rate"]
    assert s47["period"] == "2014-15" and s47["value"] == 330.6 and bool(s47["stale"])
    assert s47["vs_england"] == "not compared"
    placements = ctx.latest.set_index("indicator").loc["cla_3_plus_placements"]
    assert pd.isna(placements["value"]) and "has no published figure" in placements["sentence"]
    cover = report.cover_table(ctx).set_index("indicator")
    assert cover.loc["cla_3_plus_placements", "Compared with England / region / neighbours (95%)"] == "not compared"
    assert cover.loc["s47_rate", "More than two years old"] == "yes"
