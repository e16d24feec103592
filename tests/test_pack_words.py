"""What the quarterly pack says is true of its figures: counts that give their percentages (or
say "about"), ranks beside the figure they rank, each LA's papers named as they are, page 1 in
plain words, said once, and downloads without the toolkit's own codes or field names. Expected
values are worked by hand from the council papers (/work/shared/seeds) and DfE's LAIT."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.core.blocks import Note, Pack, Section, Table, Text
from analysis.data.geography import load_areas, resolve_la
from analysis.data.periods import parse_quarter
from analysis.engine.count_rounding import count_rounding, rounding_base
from analysis.quarterly_pack import report
from analysis.render.files import download_frame
from analysis.render.formats import formatted_rows
from tests.test_report import _reader_texts


def _ctx(la: str, period: str, paths):
    return report.build_pack_context(resolve_la(la, load_areas(paths.root)), parse_quarter(period), paths=paths)


def _pack(la: str, period: str, paths) -> tuple[object, Pack]:
    ctx = _ctx(la, period, paths)
    return ctx, report.quarterly_pack(ctx)


def _section(pack: Pack, id: str) -> Section:
    return next(s for s in pack.sections if s.id == id)


def _table(pack: Pack, name: str) -> Table:
    return next(b for _, b in pack.blocks() if isinstance(b, Table) and b.name == name)


def _shown(table: Table) -> pd.DataFrame:
    cols = [c for c in table.columns if c.display]
    return pd.DataFrame(formatted_rows(table.frame, cols), columns=[c.label for c in cols])


@pytest.fixture(scope="module")
def doncaster(checked_contexts, checked_packs):
    """Doncaster's 2017-18 Q4 context and pack: the session's checked ones (tests/conftest.py)."""
    return checked_contexts["doncaster-2017-18-q4"], checked_packs["doncaster-2017-18-q4"]


@pytest.fixture(scope="module")
def lancashire(checked_contexts, checked_packs):
    return checked_contexts["lancashire-2017-18-q2"], checked_packs["lancashire-2017-18-q2"]


@pytest.fixture(scope="module")
def rotherham(checked_contexts, checked_packs):
    return checked_contexts["rotherham-2016-17-q4"], checked_packs["rotherham-2016-17-q4"]


# --- counts beside percentages ---------------------------------------------------------------

def test_rounding_base_needs_every_la_a_multiple():
    assert rounding_base(pd.Series([5.0 * i for i in range(1, 40)])) == 5
    assert rounding_base(pd.Series([10.0 * i for i in range(1, 40)])) == 10
    assert rounding_base(pd.Series([5.0 * i for i in range(1, 40)] + [81.0])) == 0
    assert rounding_base(pd.Series([5.0, 10.0, 15.0])) == 0  # too few LAs to tell


def test_dfe_rounded_care_leaver_counts_to_5_until_2016_17(bench_table):
    found = count_rounding(bench_table).set_index(["indicator", "year"])
    # Every LA's care leavers in EET and all care leavers aged 19-21: multiples of 5 for
    # 2014-15 to 2016-17; from 2017-18 published exactly (Doncaster 81 of 152).
    assert found.loc[("care_leavers_eet", 2017)].tolist() == [5, 5]
    assert found.loc[("care_leavers_eet", 2018)].tolist() == [0, 0]
    assert found.loc[("care_leavers_suitable_accommodation", 2017), "denominator_rounding"] == 5
    # Children with 3+ placements: the count rounded, the looked-after children exact (514).
    assert found.loc[("cla_3_plus_placements", 2017)].tolist() == [5, 0]
    assert found.loc[("re_referrals", 2017)].tolist() == [0, 0]


def test_kent_care_leavers_count_gives_its_percentage(bench_table, paths):
    ctx = _ctx("Kent", "2019-20 Q2", paths)
    row = ctx.latest.set_index("indicator").loc["care_leavers_eet"]
    # LAIT 2017-18: Kent 52%, published as 704 of 1,339 (52.6%, which shows as 53%): the count
    # the percentage gives is 52% x 1,339 = 696.28, and the gap uses the same count.
    assert (row["value"], row["numerator"], row["denominator"]) == (52.0, 704.0, 1339.0)
    assert round(row["ci_numerator"], 2) == 696.28
    table = _table(report.quarterly_pack(ctx), "at_a_glance").frame.set_index("indicator")
    assert table.loc["care_leavers_eet", "children"] == "about 696 of 1,339"
    assert "52% (about 696 of 1,339)" in table.loc["care_leavers_eet", "sentence"]
    # England 51%: 696.28 - 0.51 x 1,339 = 13.39 more
    assert round(row["gap_children_england"], 2) == 13.39


def test_lancashire_rounded_counts_say_about(lancashire):
    _, pack = lancashire
    glance = _table(pack, "at_a_glance").frame.set_index("indicator")
    # 2016-17: 40% of care leavers in EET, 170 of 425 (both rounded to 5 by DfE).
    assert glance.loc["care_leavers_eet", "children"] == "about 170 of about 425"


# --- ranks beside the figure they rank, each LA's own decimals and words -----------------------

def test_lancashire_profile_sets_the_rank_beside_dfes_figure(lancashire):
    _, pack = lancashire
    profile = _table(pack, "profile")
    cells = _shown(profile).iloc[0]
    # Seed 003: care leavers in EET on 20 July 2017, 53.2% (config decimals 1, never "53%").
    assert cells["Latest"] == "53.2%"
    # 133 of 151 (band D) ranks DfE's 40% for 2016-17, and sits beside it.
    assert (cells["England"], cells["Published (year)"], cells["Rank"], cells["Band"]) == (
        "50%", "40% (2016-17)", "133 of 151", "D")
    labels = list(_shown(profile).columns)
    assert labels.index("Rank") == labels.index("Published (year)") + 1


def test_minutes_are_not_called_a_contract_or_a_quarterly_return(lancashire, rotherham):
    for ctx, pack in (lancashire, rotherham):
        texts = _reader_texts(pack)
        assert not any(re.search(r"contract measure|quarterly performance return|measure\(s\)", t)
                       for t in texts), ctx.la.name
    _, lan = lancashire
    cover = "\n".join(b.markdown for b in _section(lan, "cover").blocks if isinstance(b, Text))
    assert "**1 measure this quarter:** 1 no target." in cover
    assert "Lancashire children's services improvement board minutes" in lan.meta["sources"]
    _, rot = rotherham
    assert _table(rot, "profile").source.startswith("Source: Rotherham select commission minutes")


def test_rotherham_health_assessments_show_the_two_children(rotherham):
    _, pack = rotherham
    shown = _shown(_table(pack, "profile")).set_index("Measure")
    # Seed 002: January 2017, 50% of health assessments: two children, one had one.
    row = shown.loc["Health assessments of children in care completed in the month"]
    assert (row["Latest"], row["Children"]) == ("50%", "1 of 2, small number")
    # Rotherham's measures have no codes in its papers: none in the downloads.
    assert set(download_frame(_table(pack, "profile"))["Code"]) == {""}


def test_doncaster_keeps_its_own_codes_and_contract_words(doncaster):
    _, pack = doncaster
    down = download_frame(_table(pack, "profile"))
    assert {"A1", "B8"} <= set(down["Code"]) and not {"FS1", "FS2"} & set(down["Code"])
    cover = "\n".join(b.markdown for b in _section(pack, "cover").blocks if isinstance(b, Text))
    assert "**20 contract measures this quarter:**" in cover


# --- page 1 and the other local sections -------------------------------------------------------

#: Working notes a committee member should never read.
WORKING = re.compile(r"toolkit's DfE data|LAIT's|it shows '-'|looks like a count|\bunits\b|measure\(s\)|"
                     r"numerator =|denominator =|no published indicator|year\(s\)")


def test_doncaster_2013_14_q3_says_one_true_thing_once(bench_table, paths):
    _, pack = _pack("Doncaster", "2013-14 Q3", paths)
    cover = [b.message for b in _section(pack, "cover").blocks if isinstance(b, Note)]
    assert len(cover) == len(set(cover))
    # The return has no 2013-14 Q3 rows, only seed 004's agency staff count for November 2013.
    local = "No local measures: Doncaster's return has no figures for 2013-14 Q3 (only a figure for November 2013)."
    assert local in cover
    for id in ("profile", "quarterly", "spc", "quarterly_detail"):
        assert [b.message for b in _section(pack, id).blocks if isinstance(b, Note)] == [local], id
    assert ("Long-term placement stability: left out; none of this pack's figures had been published by "
            "the end of 2013-14 Q3 (they start with 2017-18, first published about November 2018).") in cover
    # Seed 004: 73 agency staff at the end of November 2013, shown where the local figures go.
    month = _shown(_table(pack, "month_figures")).iloc[0]
    assert (month["Month"], month["Figure"]) == ("November 2013", "73")
    assert not [t for t in _reader_texts(pack) if t and WORKING.search(t)]


def test_no_working_notes_in_any_pack(doncaster, lancashire, rotherham):
    for ctx, pack in (doncaster, lancashire, rotherham):
        found = [t for t in _reader_texts(pack) if t and WORKING.search(t)]
        assert found == [], ctx.la.name
        cover = [b.message for b in _section(pack, "cover").blocks if isinstance(b, Note)]
        assert len(cover) == len(set(cover)), ctx.la.name


def test_quoted_benchmarks_only_from_reports_by_the_quarter(bench_table, paths):
    _, q1 = _pack("Doncaster", "2017-18 Q1", paths)
    quoted = _section(q1, "quoted")
    # Seed 001 (July 2018) reports 2017-18 Q4: its quotes were not made by the end of Q1.
    assert [b.message for b in quoted.blocks] == [
        "No benchmarks quoted in Doncaster's reports up to 2017-18 Q1 to check."]


def test_quoted_care_proceedings_named_as_the_papers_name_them(doncaster):
    _, pack = doncaster
    frame = _shown(_table(pack, "quoted_benchmarks"))
    # Seed 001 app. 3 para 4.9: national average 32 weeks, no DfE indicator for it.
    row = frame[frame["Measure"] == "Average duration of care proceedings in weeks"].iloc[0]
    assert (row["Figure for"], row["Quoted"], row["Published"]) == ("England", "32", "")
    assert len(frame) == 17


# --- downloads ---------------------------------------------------------------------------------

def test_downloads_hold_no_invented_codes_raw_statuses_or_float_noise(doncaster):
    _, pack = doncaster
    for table in pack.tables():
        down = download_frame(table)
        cells = [str(v) for v in down.to_numpy().ravel() if isinstance(v, str)]
        assert not [c for c in cells if re.search(r"\bP0\d_|^(inside|outside)_tolerance$|^on_target$|^[a-z]+(_[a-z0-9]+)+$",
                                                  c)], table.name
        assert not [c for c in down.columns if re.fullmatch(r"[a-z]+(_[a-z]+)+", str(c))], table.name
        numbers = [v for v in down.to_numpy().ravel() if isinstance(v, float) and not pd.isna(v)]
        assert all(len(repr(v).split(".")[-1]) <= 6 for v in numbers), table.name


def test_approximate_figures_say_about(doncaster):
    _, pack = doncaster
    shown = _shown(_table(pack, "context_measures")).set_index("Measure")
    # Seed 001 app. 2: "approximately" 56% of assessments lead to no statutory service.
    assert shown.loc["Percentage of assessments that do not lead to a statutory service", "Latest"] == "about 56%"
    assert shown.loc["Percentage of contacts made by South Yorkshire Police", "Latest"] == "about 40%"
    assert shown.loc["Number of children in care at the end of the period", "Latest"] == "566"


def test_sentence_says_about_for_counts_dfe_rounded():
    from analysis.engine.narrative import sentence

    row = {"la_name": "Lancashire", "label": "Care leavers aged 19-21 in education, employment or training",
           "period": "2016-17", "indicator": "care_leavers_eet", "unit": "percent", "decimals": 0,
           "value": 40.0, "ci_numerator": 170.0, "ci_denominator": 425.0, "numerator_source": "published",
           "denominator_source": "published", "numerator_rounding": 5, "denominator_rounding": 5}
    assert "40% (about 170 of about 425)" in sentence(row)
    exact = {**row, "numerator_rounding": 0, "denominator_rounding": 0}
    assert "40% (170 of 425)" in sentence(exact)


def test_lancashire_summary_says_only_what_is_so(lancashire):
    _, pack = lancashire
    texts = [b.markdown for b in _section(pack, "profile").blocks if isinstance(b, Text)]
    # Seed 003 gives CLEET with no target and no status: nothing was "worked out" or "reported".
    assert texts == ["1 measure in 2017-18 Q2: 1 with a figure, 0 without. 1 with no target."]
    down = download_frame(_table(pack, "profile")).iloc[0]
    assert (down["Rank of the published figure"], down["Ranked among"]) == (133, 151)


def test_every_las_counts_give_their_percentages_or_say_about(bench_table, catalogue, paths):
    """For every live LA and every percentage in 2015-16 to 2017-18: a count shown without
    "about" gives the percentage at its shown decimals."""
    from analysis.engine.benchmark import benchmark_rows
    from analysis.engine.count_rounding import with_count_rounding
    from analysis.engine.judgement import judge_table
    from analysis.quarterly_pack.wording import children_text

    areas = load_areas(paths.root)
    las = [resolve_la(n, areas) for n in areas.loc[areas["status"] == "live", "name"]]
    ids = [i.id for i in catalogue.benchmarked() if i.unit == "percent"]
    rows = benchmark_rows(bench_table, las, catalogue, indicators=ids, years=[2016, 2017, 2018], paths=paths)
    rows = judge_table(with_count_rounding(rows[rows["value"].notna()], bench_table), catalogue)
    checked = 0
    for _, row in rows.iterrows():
        text = children_text(row)
        exact = re.fullmatch(r"([\d,]+) of ([\d,]+)(, small number)?", text)
        if exact:
            num, den = (float(g.replace(",", "")) for g in exact.groups()[:2])
            dec = int(row["decimals"])
            assert abs(100 * num / den - row["value"]) <= 0.5 * 10 ** -dec + 1e-9, (row["la_name"], row["indicator"], text)
            checked += 1
        elif text:
            assert "about" in text, text
    assert checked > 1000
