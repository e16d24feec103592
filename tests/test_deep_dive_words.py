"""What the deep dive says about its figures is true: series in date order, what "c" means,
rows counted as every other count, totals named as what they are, characteristics and
early help said as recorded or not, key figures led by what is high or low against the
average, the side of the funnel each locality is on, and the largest group by time since
the previous case closed.

Hand-worked values on small made-up tables; the synthetic records (seed 2017, as
``python -m analysis synthetic`` writes them) where the issue named their figures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.core.blocks import Chart, Note
from analysis.data.geography import load_areas, resolve_la
from analysis.data.synthetic import generate_referrals
from analysis.deep_dive.breakdowns import ALL_LOCALITIES, FACTOR_TOTAL, characteristic_notes
from analysis.deep_dive.build import DeepDive, build_deep_dive
from analysis.deep_dive.derived import (
    NOT_RECORDED,
    early_help_recordable,
    in_date_order,
    monthly_xmr,
    period_start,
)
from analysis.deep_dive.findings import (
    closure_finding,
    intro_markdown,
    key_findings,
    locality_finding,
    source_finding,
)
from analysis.deep_dive.report import deep_dive_pack, table_block
from analysis.deep_dive.suppression import C_MEANS, publish
from analysis.deep_dive.tables import Scope
from analysis.engine.suppress import MARKER
from analysis.measures.rereferrals import flag_rereferrals

MONTHS = ["January", "February", "March", "April", "May", "June"]


@pytest.fixture(scope="module")
def synthetic_dive(tmp_path_factory, paths, bench_table) -> DeepDive:
    path = tmp_path_factory.mktemp("syn") / "synthetic_referrals.csv"
    generate_referrals(seed=2017, start="2014-04-01", end="2019-03-31").to_csv(
        path, index=False, date_format="%Y-%m-%d")
    return build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)


# --- every ordered series in date order --------------------------------------------------------

def test_xmr_is_worked_out_in_date_order_not_label_order():
    # 20, 24, 22, 26, 24, 28 from January to June 2017: moving ranges 4, 2, 4, 2, 4 (mean
    # 3.2), mean 24, limits 24 -/+ 2.66 x 3.2 = 15.488 to 32.512. In the labels'
    # alphabetical order (April, February, January, June, March, May: 26, 24, 20, 28, 22,
    # 24) the moving ranges are 2, 4, 8, 6, 2 (mean 4.4), the limits 12.296 to 35.704, and
    # the latest point would be May 2017, not June.
    values = dict(zip(MONTHS, [20.0, 24.0, 22.0, 26.0, 24.0, 28.0], strict=True))
    shuffled = ["April", "February", "January", "June", "March", "May"]
    monthly = pd.DataFrame({"month": [f"{m} 2017" for m in shuffled],
                            "percent": [values[m] for m in shuffled]})
    xmr = monthly_xmr(monthly)
    assert xmr["period"].tolist() == [f"{m} 2017" for m in MONTHS]
    assert xmr["value"].tolist() == [20.0, 24.0, 22.0, 26.0, 24.0, 28.0]
    assert xmr["mean"].iloc[-1] == pytest.approx(24.0)
    assert (xmr["lpl"].iloc[-1], xmr["upl"].iloc[-1]) == pytest.approx((15.488, 32.512))
    assert not xmr["special_cause"].any()


def test_quarters_are_put_in_date_order():
    labels = ["Apr-Jun 2017", "Jan-Mar 2017", "Oct-Dec 2016", "Jul-Sep 2016", "Apr-Jun 2016"]
    table = pd.DataFrame({"quarter": labels, "percent": [1.0, 2.0, 3.0, 4.0, 5.0]})
    ordered = in_date_order(table, "quarter")["quarter"].tolist()
    assert ordered == ["Apr-Jun 2016", "Jul-Sep 2016", "Oct-Dec 2016", "Jan-Mar 2017",
                       "Apr-Jun 2017"]
    assert period_start("Jan-Mar 2017", "quarter") == pd.Timestamp("2017-01-01")
    assert period_start("February 2016") == pd.Timestamp("2016-02-01")


def test_synthetic_monthly_chart_in_date_order(synthetic_dive):
    # The figures: limits 21.1-33.7 in date order (rates from the exact counts; 20.9-33.8
    # when they were worked out from rounded counts, 22.4-32.4 in label order), no
    # special-cause month (2 in label order), latest point March 2019 (not September 2018).
    x = synthetic_dive.tables["xmr"]
    assert synthetic_dive.xmr_period == "month"
    assert x["period"].iloc[0] == "April 2016" and x["period"].iloc[-1] == "March 2019"
    assert round(float(x["lpl"].iloc[-1]), 1) == 21.1
    assert round(float(x["upl"].iloc[-1]), 1) == 33.7
    assert not x["special_cause"].any()
    words = key_findings(synthetic_dive)
    assert "(April 2016 to March 2019): mean 27.4%; no special-cause variation." in words
    starts = [period_start(p) for p in x["period"]]
    assert starts == sorted(starts)


# --- what "c" means ------------------------------------------------------------------------------

def test_c_is_said_to_be_a_small_count_or_one_hidden_with_it(synthetic_dive):
    assert "1-4" not in synthetic_dive.source and C_MEANS in synthetic_dive.source
    intro = intro_markdown(synthetic_dive)
    assert "and so is a larger count where showing it would let a hidden small count" in intro
    # every chart's alt text: "c" is a small count or one hidden with it, never "fewer than 5"
    pack = deep_dive_pack(synthetic_dive)
    alts = [b.alt_text for s in pack.sections for b in s.blocks if isinstance(b, Chart)]
    assert alts and not any("(fewer than 5)" in a for a in alts)
    marked = [a for a in alts if " c " in a or "c (n=c)" in a]
    assert marked and all("hidden so that a small count cannot be worked out" in a
                          for a in marked if "marked c" in a)


def test_a_small_pack_hides_counts_of_5_or_more(tmp_path, paths, bench_table):
    # 30 referrals a year: some hidden cells are 5 or more (secondary suppression), so the
    # words must not say that c means 1-4
    df = generate_referrals(seed=7, start="2015-04-01", end="2018-03-31", referrals_per_year=30)
    path = tmp_path / "synthetic_small.csv"
    df.to_csv(path, index=False, date_format="%Y-%m-%d")
    dive = build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)
    assert dive.linked is not None and dive.linked.hidden is not None
    values = dive.linked.matrix().sum(axis=1)
    assert int((dive.linked.hidden & (values >= 5)).sum()) > 0
    assert "1-4" not in dive.source and "fewer than 5" not in key_findings(dive)
    assert "and so is a larger count" in intro_markdown(dive)


# --- the rows read, used and left out ----------------------------------------------------------

def test_read_summary_counts_rows_as_every_other_count():
    # 1,002 read, 1,000 used, 2 left out: 1,000 and 1,000 shown (rounded to 5), 2 as "c",
    # so 1,002 - 1,000 cannot be worked out; 13 flagged shows as 15.
    table = pd.DataFrame({"what": ["Rows read", "Rows used", "Rows left out", "Flagged"],
                          "rows": [1002, 1000, 2, 13]})
    shown = publish(table, ["rows"], secondary="none")["rows"].tolist()
    assert shown == [1000, 1000, MARKER, 15]


# --- a total is the same total, or named as what it is ------------------------------------------

def test_factor_total_is_named_as_re_referrals_with_a_factor(synthetic_dive):
    t = synthetic_dive.tables
    year = t["annual"].set_index("year").loc[synthetic_dive.period]
    assert year["rereferrals"] == 1475
    assert "all_rereferrals" not in t["factors"]
    assert set(t["factors"][FACTOR_TOTAL]) == {1340}  # re-referrals with a factor recorded
    block = table_block("factors", t["factors"], "x")
    headings = {c.key: c.label for c in block.columns}
    assert headings[FACTOR_TOTAL] == "Re-referrals with any factor recorded"
    for name in ("time_since", "time_since_closure", "previous_outcome", "source_groups",
                 "sources", "outcome_by_type"):
        assert set(t[name]["all_rereferrals"]) == {1475}, name


# --- the children's characteristics and early help, as recorded ----------------------------------

def _scope(extra: dict[str, list[object]]) -> Scope:
    frame = pd.DataFrame({"child_id": ["A", "A", "B"], "referral_id": ["1", "2", "3"],
                          "referral_date": pd.to_datetime(["2016-04-01", "2016-06-01",
                                                           "2016-07-01"]), **extra})
    flagged = flag_rereferrals(frame, history_start="2015-04-01")
    return Scope(flagged, pd.Timestamp("2017-03-31"), pd.Timestamp("2015-04-01"))


def test_characteristic_notes_say_what_the_records_hold():
    # an extract without the columns
    assert characteristic_notes(_scope({})) == [
        "The records have no age at referral: that breakdown is left out.",
        "The records have no ethnic group: that breakdown is left out.",
        "The records have no disability: that breakdown is left out."]
    # a census return: the columns are there, but not recorded or one group only
    notes = characteristic_notes(_scope({
        "age_band": ["Unborn or not recorded"] * 3,
        "ethnicity_group": ["White", "White", "Refused or not obtained"],
        "disability": ["Disabled", "Not disabled", "Not disabled"]}))
    assert notes == [
        "The records hold no age at referral for the year's referrals (every one is not "
        "recorded): that breakdown is left out.",
        "Every referral of the year with its ethnic group recorded has the same one "
        "(White): that breakdown is left out."]


def test_census_input_is_not_told_it_lacks_characteristics(tmp_path, paths, bench_table):
    from analysis.data.readers.cin_xml_write import write_cin_xml

    records = generate_referrals(seed=3, start="2015-04-01", end="2017-03-31",
                                 referrals_per_year=400)
    folder = tmp_path / "census"
    for year in (2016, 2017):
        write_cin_xml(records, folder / f"synthetic_cin_census_{year}.xml", year)
    dive = build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), folder, paths=paths)
    pack = deep_dive_pack(dive)
    children = next(s for s in pack.sections if s.id == "children")
    texts = [b.message for b in children.blocks if isinstance(b, Note)]
    assert texts and not any("census returns have them" in x for x in texts)
    assert any("The records hold no age at referral" in x for x in texts)
    # 2016-17 census: no code for a step-down to early help (RC9 from the 2023 census)
    funnel = dive.tables["funnel"].set_index("stage")
    assert funnel.loc["of which stepped down to early help", "count"] == NOT_RECORDED
    assert funnel.loc["of which stepped down to early help", "percent_of_referrals"] == \
        NOT_RECORDED
    prev = dive.tables["previous_outcome"].set_index("previous_outcome")
    assert prev.loc["Stepped down to early help", "rereferrals"] == NOT_RECORDED
    rc9 = dive.tables["previous_closure_reason"].set_index("code")
    assert rc9.loc["RC9", "rereferrals"] == NOT_RECORDED
    assert "0 (0.0%)" not in key_findings(dive)


def test_early_help_recordable():
    assert early_help_recordable(Path("extract.csv"), 2017)
    assert not early_help_recordable(Path("census_2022.xml"), 2022)
    assert early_help_recordable(Path("census_2023.xml"), 2023)


# --- key figures: high or low against the average, then volume ---------------------------------

def test_source_finding_leads_with_rates_against_the_average():
    # 100 of 400 referrals re-referred (25.0%). Schools 40 of 100 (40%): the 99.8% upper
    # limit at 100 referrals is about 25 + 3.09 x 4.33 = 38.4%, so above it. Health 15 of
    # 100 (15%): below the 95% limit (about 25 - 1.96 x 4.33 = 16.5%) but not the 99.8%
    # (11.6%). Police 45 of 200 (22.5%) made the most re-referrals.
    groups = pd.DataFrame({
        "source_group": ["Police", "Schools and education", "Health", "unknown"],
        "referrals": [200, 100, 100, 5], "rereferrals": [45, 40, 15, 4],
        "rate_percent": [22.5, 40.0, 15.0, 80.0],
        "share_of_rereferrals_percent": [45.0, 40.0, 15.0, 4.0]})
    line = source_finding(groups, 25.0)
    assert line == ("Re-referral rate by who referred, against 25.0% for all referrals: "
                    "Schools and education highest at 40.0% (above the 99.8% limit); Health "
                    "lowest at 15.0% (below the 95% limit). Police made the most "
                    "re-referrals (45.0% of them), at a rate of 22.5%.")


def test_synthetic_key_figures_do_not_lead_with_volume(synthetic_dive):
    lines = key_findings(synthetic_dive).splitlines()
    assert not any(x.startswith("- Police made") for x in lines)
    source = next(x for x in lines if "who referred" in x)
    # 1,477 of 5,416 referrals (27.3%; 27.2% from the rounded 1,475 of 5,415)
    assert source.startswith("- Re-referral rate by who referred, against 27.3%")
    # Police's rate (27.0%) is below the average: said as a rate, after the high and low
    assert source.index("highest") < source.index("Police made the most") and "27.0%" in source


def test_locality_finding_names_the_side():
    loc = pd.DataFrame({"locality": ["East", "North", "Central", ALL_LOCALITIES],
                        "percent": [35.1, 25.6, 22.4, 27.2],
                        "funnel_position": ["Above the 99.8% limit", "Within the 95% limits",
                                            "Below the 99.8% limit", ""]})
    assert locality_finding(loc) == ("Localities outside the 99.8% funnel limits: East above "
                                     "(35.1%), Central below (22.4%), against 27.2% for all "
                                     "localities.")
    inside = loc.assign(funnel_position=["Within the 95% limits"] * 3 + [""])
    assert locality_finding(inside) == "No locality is outside the 99.8% funnel limits."


def test_time_since_closure_finding():
    table = pd.DataFrame({"since_closure": ["Previous case still open", "Closed 0-30 days "
                                            "before", "Closed 31-91 days before"],
                          "percent": [MARKER, 61.4, 29.8]})
    assert closure_finding(table) == ("61.4% of re-referrals came within 30 days of the "
                                      "previous case closing (the largest group by time "
                                      "since the previous case closed).")


def test_synthetic_largest_driver_is_a_key_figure(synthetic_dive):
    # 906 of 1,477 re-referrals (61.3%, from the exact counts) came within 30 days of the
    # previous case closing; Central 307 of 1,359 (22.6%), all localities 1,477 of 5,416 (27.3%)
    words = key_findings(synthetic_dive)
    assert "61.3% of re-referrals came within 30 days of the previous case closing" in words
    assert "East above (35.1%), Central below (22.6%), against 27.3% for all localities" in words
