"""The quarterly pack's builders in analysis.quarterly_pack.report: sections as values, from Doncaster's
2017-18 Q4 context (the notebook runs are in test_pack.py, the rendered document in
test_pack_document.py)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.core.blocks import Chart, Note, Pack, Section, Table, Text
from analysis.data.geography import load_areas, resolve_la
from analysis.data.periods import parse_quarter
from analysis.quarterly_pack import report
from analysis.quarterly_pack.context import indicator_years
from analysis.quarterly_pack.local_tables import benchmark_pairing, profile_frame
from analysis.quarterly_pack.sections.benchmarks import benchmarks_frame
from analysis.quarterly_pack.sections.spc import SPC_WORDS, spc_blocks
from analysis.quarterly_pack.wording import latest_sentences, plain_label


def _pack_context(la: str, period: str, paths):
    """The pack context of an LA and quarter named as the notebook's parameters name them."""
    return report.build_pack_context(resolve_la(la, load_areas(paths.root)), parse_quarter(period),
                                     paths=paths)


@pytest.fixture(scope="module")
def doncaster_ctx(bench_table, paths):
    return _pack_context("Doncaster", "2017-18 Q4", paths)


@pytest.fixture(scope="module")
def doncaster_pack(doncaster_ctx) -> Pack:
    return report.quarterly_pack(doncaster_ctx)


def _section(pack: Pack, id: str) -> Section:
    return next(s for s in pack.sections if s.id == id)


def _names(section: Section) -> list[str]:
    return [b.name for b in section.blocks if isinstance(b, Table | Chart)]


def _notes(section: Section) -> list[str]:
    return [b.message for b in section.blocks if isinstance(b, Note)]


def _text(section: Section) -> str:
    return "\n".join(b.markdown for b in section.blocks if isinstance(b, Text))


def test_indicator_years_follow_the_release_dates(paths):
    # config/publications.yaml: CIN 2016-17 was out by 31 March 2018 (Nov 2017), 2017-18 was
    # not; the workforce census of September 2018 came out in February 2019, so a quarter
    # ending 31 December 2018 still shows the 2017 workforce figures while CIN moves on.
    q4 = indicator_years(parse_quarter("2017-18 Q4"), ["re_referrals", "sw_turnover"], paths)
    assert q4 == {"re_referrals": 2017, "sw_turnover": 2017}
    q3 = indicator_years(parse_quarter("2018-19 Q3"), ["re_referrals", "sw_turnover"], paths)
    assert q3 == {"re_referrals": 2018, "sw_turnover": 2017}


def test_pack_rows_are_no_later_than_the_published_year(doncaster_ctx, paths):
    years = indicator_years(doncaster_ctx.quarter, doncaster_ctx.indicators, paths)
    for row in doncaster_ctx.bench.itertuples():
        assert row.year <= years[row.indicator], row.indicator


# --- builders: values, nothing written -----------------------------------------------------------

def test_every_builder_returns_a_section_and_writes_nothing(doncaster_ctx, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doncaster_ctx.cache.clear()  # work everything out again, inside the empty folder
    for name, builder in report.QUARTERLY_SECTIONS.items():
        section = builder(doncaster_ctx)
        assert isinstance(section, Section) and section.id == name
        assert section.blocks, f"{name} is empty"
    assert list(tmp_path.iterdir()) == []


def test_sections_in_the_order_of_the_spec_core_before_appendix(doncaster_pack):
    ids = [s.id for s in doncaster_pack.sections]
    assert ids[:6] == ["cover", "profile", "benchmarks", "quarterly", "spc", "headline"]
    assert ids[6] == "indicator_detail" and ids[-2:] == ["quarterly_detail", "quoted"]
    assert ids[7] == "indicator_re_referrals"
    assert all(s.appendix for s in doncaster_pack.sections[6:])
    assert not any(s.appendix for s in doncaster_pack.sections[:6])
    assert doncaster_pack.meta["period"] == "2017-18 Q4"
    assert doncaster_pack.meta["la"].startswith("Doncaster")
    # CIN 2016-17: first published about November 2017 (the day is not confirmed).
    assert "Characteristics of children in need 2016-17, first published about November 2017" in (
        doncaster_pack.meta["sources"])


def test_section_block_names(doncaster_pack):
    assert _names(_section(doncaster_pack, "profile")) == ["profile", "status_summary", "volumes"]
    assert _names(_section(doncaster_pack, "benchmarks")) == ["at_a_glance", "overview"]
    assert _names(_section(doncaster_pack, "quarterly")) == ["quarterly_e1"]
    assert _names(_section(doncaster_pack, "headline")) == [
        "re_referrals_comparators", "re_referrals_all_las", "re_referrals_funnel"]
    assert _names(_section(doncaster_pack, "indicator_re_referrals")) == [
        "re_referrals_neighbours", "re_referrals_trend"]
    names = [b.name for _, b in doncaster_pack.blocks() if isinstance(b, Table | Chart)]
    assert len(names) == len(set(names))  # file names: unique


def test_key_messages_for_doncaster_2017_18_q4(doncaster_pack):
    cover = _text(_section(doncaster_pack, "cover"))
    # Seed 001, appendix 3: 2 outside tolerance, 7 inside, 9 on target, 2 no target (20).
    assert ("**20 contract measures this quarter:** 2 outside tolerance, 7 inside tolerance, "
            "9 on or better than target, 2 no target.") in cover
    # Re-referrals 2016-17: 1,429 of 5,275 = 27.1%; England 21.9%, Yorkshire and The Humber
    # 21.5%, neighbours 20.1%; rank 142 of 152, band D; 23.0% in 2015-16.
    lines = [line[2:] for line in cover.splitlines() if line.startswith("- ")]
    bench = lines[lines.index(next(x for x in lines if x.startswith("**Re-referrals"))):]
    assert bench[0] == ("**Re-referrals within 12 months**: 27.1% (1,429 of 5,275) in 2016-17, worse than "
                        "England (21.9%), the region (21.5%) and statistical neighbours (20.1%); ranked "
                        "142 of 152, band D; worse than the year before (23.0%).")
    # B8 care proceedings on track: 76% against a target of 90% (tolerance 80%): outside; the
    # return gives Q3 as inside tolerance, so its status is worse than last quarter's.
    assert ("**Care proceedings on track to finish within 26 weeks**: 76% against a "
            "target of 90%, outside tolerance, a worse status than last quarter's.") in lines
    # A4 was reported outside tolerance with no figure (inside tolerance in Q3): said so.
    assert ("**Children seen within timescales**: no figure given, outside tolerance (as reported), "
            "a worse status than last quarter's.") in lines
    # Measures that are neither worse nor worsened are not key messages.
    assert not any("Care leavers aged 19-21 in suitable accommodation" in x for x in lines)


def test_cover_fits_what_a_councillor_reads_first(doncaster_pack):
    cover = _section(doncaster_pack, "cover")
    assert not any(isinstance(b, Table | Chart) for b in cover.blocks)
    local = [line for line in _text(cover).splitlines() if line.startswith("- ")]
    assert len(local) == 5  # two local measures, three published indicators


def test_profile_every_contract_measure_with_value_target_and_status_basis(doncaster_pack):
    table = next(b for b in _section(doncaster_pack, "profile").blocks if isinstance(b, Table))
    frame = table.frame.set_index("code")
    assert len(frame) == 20
    assert frame.loc["B8", ["value_text", "target_text", "status", "status_basis"]].tolist() == [
        "76%", "90%", "outside_tolerance", ""]
    # A2: no target in the return, status as the return gave it.
    assert frame.loc["A2", "status_basis"] == "as reported"
    # FO3 custody rate 0.04: never "0.0".
    assert frame.loc["FO3", "value_text"] == "0.04"
    # A1 re-referrals against England's 2016-17 figure, rank and band.
    assert frame.loc["A1", ["england", "rank", "band"]].tolist() == ["21.9%", "142 of 152", "D"]
    shown = [c.label for c in table.columns if c.display]
    assert shown[:7] == ["Area", "Measure", "Latest", "Target", "Tolerance", "Status", "Status basis"]
    # The table keeps numbers; every renderer shows each row in its own unit and decimals.
    from analysis.render.formats import formatted_rows

    cells = dict(zip(frame.index, formatted_rows(table.frame, [c for c in table.columns if c.display]), strict=True))
    assert cells["B8"][2:6] == ["76%", "90%", "80%", "○ Outside tolerance"]  # tolerance after target
    # A1's decimals are config/local/doncaster.yaml's (0): the papers' 26% and 22%, not "26.0%".
    assert cells["FO3"][2] == "0.04" and cells["A1"][2:4] == ["26%", "22%"]
    # The rank and band sit beside the figure they rank: Doncaster's published 27.1% for
    # 2016-17 (142 of 152, band D), not the quarter's 26%.
    assert cells["A1"][-4:] == ["21.9%", "27.1% (2016-17)", "142 of 152", "D"]
    assert shown[-4:] == ["England", "Published (year)", "Rank", "Band"]
    assert not any(c.display and c.key == "code" for c in table.columns)  # no internal codes shown
    # Downloads: the council's own codes only (FS1 and FS2 are this toolkit's), statuses in words.
    from analysis.render.files import download_frame

    down = download_frame(table).set_index("Code", drop=False)
    assert down.loc["B8", "Status"] == "outside tolerance" and "" in set(down["Code"])
    assert not {"FS1", "FS2"} & set(down["Code"])
    assert not any("_" in c for c in down.columns)
    # No 2017-18 Q3 figures, but Q3's reported statuses: the direction is the statuses', said so.
    assert "Since last quarter" in shown
    assert cells["B8"][7] == "▼ Status worsened" and cells["A2"][7] == "► Status unchanged"
    assert pd.isna(frame.loc["A1", "direction"])


def test_counts_are_whole_and_never_set_beside_national_totals(doncaster_ctx, doncaster_pack):
    volumes = next(b for b in _section(doncaster_pack, "profile").blocks
                   if isinstance(b, Table) and b.name == "volumes")
    frame = volumes.frame.set_index("code")
    assert frame.loc["E34", "value_text"] == "1,937"  # children in need, a count
    assert frame.loc["E1", "value_text"] == "1,789"
    profile = profile_frame(doncaster_ctx).set_index("code")
    assert profile.loc["E34", "england"] == "" and profile.loc["E34", "rank"] == ""
    assert "E34" not in benchmark_pairing(doncaster_ctx).index
    for _, block in doncaster_pack.blocks():
        if isinstance(block, Chart) and block.name.startswith("quarterly_"):
            comps = block.inputs.get("comparators") or {}
            if block.inputs["series"]["unit"].iloc[0] == "count":
                assert not comps


def test_every_child_count_agrees_with_its_percentage(doncaster_ctx, doncaster_pack):
    table = next(b for b in _section(doncaster_pack, "benchmarks").blocks if isinstance(b, Table))
    frame = table.frame.set_index("indicator")
    sentences = latest_sentences(doncaster_ctx).set_axis(doncaster_ctx.latest["indicator"])
    # LAIT 2016-17: 47% of care leavers in EET, published as 75 of 165, which is 45.5%: DfE
    # rounded both counts to the nearest 5 (every LA's are multiples of 5 that year). The
    # counts shown are the ones the percentage gives, 47% x 165 = 77.55, and say "about".
    assert frame.loc["care_leavers_eet", "children"] == "about 78 of about 165"
    assert "47% (about 78 of about 165)" in sentences["care_leavers_eet"]
    assert "75 of 165" not in sentences["care_leavers_eet"]
    # 9% with 3+ placements, published as 50 of 514 (9.7%): 9% x 514 = 46.26; 514 is exact.
    assert frame.loc["cla_3_plus_placements", "children"] == "about 46 of 514"
    assert "9% (about 46 of 514)" in sentences["cla_3_plus_placements"]
    # No published count: 90% x 165 = 148.5, and 165 is rounded too.
    assert frame.loc["care_leavers_suitable_accommodation", "children"] == "about 148 of about 165"
    # Re-referrals 1,429 of 5,275 = 27.09%, shown 27.1%: exact counts, no "about".
    assert frame.loc["re_referrals", "children"] == "1,429 of 5,275"
    # The gap in children comes from the same counts: 77.55 - 50% x 165 = -4.95, "about 5 more".
    eet = doncaster_ctx.latest.set_index("indicator").loc["care_leavers_eet"]
    assert round(eet["gap_children_england"], 2) == -4.95
    assert "about 5 more at England's rate" in sentences["care_leavers_eet"]


def test_every_shown_count_gives_its_percentage_for_every_row(doncaster_ctx):
    from analysis.quarterly_pack.wording import children_text

    for _, row in doncaster_ctx.latest.iterrows():
        text = children_text(row)
        exact = re.fullmatch(r"([\d,]+) of ([\d,]+)", text)
        if exact and row["unit"] == "percent":
            num, den = (float(g.replace(",", "")) for g in exact.groups())
            assert round(100 * num / den, int(row["decimals"])) == round(row["value"], int(row["decimals"])), text


def test_small_numbers_are_flagged_beside_their_count():
    from analysis.quarterly_pack.wording import children_text, local_children_text

    row = pd.Series({"unit": "percent", "value": 50.0, "ci_numerator": 1.0, "ci_denominator": 2.0,
                     "numerator_source": "published", "denominator_source": "published"})
    assert children_text(row) == "1 of 2, small number"
    # Rotherham, January 2017: 50% of health assessments, two children of which one had one.
    assert local_children_text(1.0, 2.0) == "1 of 2, small number"
    assert local_children_text(12.0, 40.0) == "12 of 40"
    assert local_children_text(float("nan"), 2.0) == ""


def test_one_at_a_glance_and_no_empty_spc_section(doncaster_pack):
    titles = [s.title for s in doncaster_pack.sections] + [
        b.caption for _, b in doncaster_pack.blocks() if isinstance(b, Table)]
    assert sum("at a glance" in t.lower() for t in titles) <= 1
    spc = _section(doncaster_pack, "spc")
    assert len(spc.blocks) == 1 and isinstance(spc.blocks[0], Note)
    assert spc.blocks[0].message == "No SPC chart yet: no measure has 6 quarters of figures; the longest so far has 4."


def test_trends_over_the_years_only_with_three_years(doncaster_pack):
    for _, block in doncaster_pack.blocks():
        if isinstance(block, Chart) and block.name.endswith("_trend"):
            assert block.inputs["series"]["value"].notna().sum() >= 3, block.name
    yj = _section(doncaster_pack, "indicator_yj_first_time_entrants")
    assert not any(isinstance(b, Chart) and b.name.endswith("_trend") for b in yj.blocks)
    assert ("No trend over the years: Doncaster has a published figure for 2 years (2015, 2016), and a "
            "trend needs at least 3.") in _notes(yj)
    assert not any("from 2016 to 2016" in b.alt_text for b in doncaster_pack.charts())


def test_quarterly_trends_need_two_quarters(doncaster_pack):
    quarterly = _section(doncaster_pack, "quarterly")
    for block in quarterly.blocks:
        if isinstance(block, Chart):
            assert block.inputs["series"]["value"].notna().sum() >= 2
    assert len([b for b in quarterly.blocks if isinstance(b, Note)]) == 1


#: Internal codes and notes about transcription that must never reach the reader.
FORBIDDEN = [
    re.compile(r"\bseeds?\b", re.IGNORECASE), re.compile(r"transcri", re.IGNORECASE),
    re.compile(r"our name", re.IGNORECASE), re.compile(r"unit not stated", re.IGNORECASE),
    re.compile(r"no code in the report", re.IGNORECASE), re.compile(r"\bP0\d_"),
    re.compile(r"docs/\S*\.md"), re.compile(r"\b[A-Z][a-z]+(?:_[A-Za-z0-9]+){2,}\b"),  # LAIT codes
    re.compile(r"^[A-Z]{1,2}\d{1,2}:"),  # "A2: ..." as a title prefix
    re.compile(r"\.(?:csv|xlsx|png|parquet)\b"),
]


def _reader_texts(pack: Pack) -> list[str]:
    from analysis.render.formats import formatted_rows

    out = [pack.title, *map(str, pack.meta.values())]
    for section in pack.sections:
        out += [section.title, section.intro]
        for block in section.blocks:
            match block:
                case Text():
                    out.append(block.markdown)
                case Note():
                    out.append(block.message)
                case Table():
                    shown = [c for c in block.columns if c.display]
                    out += [block.caption, block.source, *block.notes, *(c.label for c in shown)]
                    out += [cell for row in formatted_rows(block.frame, shown) for cell in row]
                case Chart():
                    out += [block.title, block.alt_text, block.source]
                    out += [str(v) for k, v in block.inputs.items() if k in ("title", "source")]
    return out


def test_no_internal_codes_or_transcription_notes_reach_the_reader(doncaster_pack):
    found = [(p.pattern, t) for t in _reader_texts(doncaster_pack) for p in FORBIDDEN if t and p.search(t)]
    assert found == []


def test_the_forbidden_word_check_can_fail():
    pack = Pack("x", {}, (Section("s", "Timeliness (the seeds do not state it)",
                                   (Text("Work_Force_AvgNumCase_SW and P01_CIN_END"),)),))
    assert len([p for t in _reader_texts(pack) for p in FORBIDDEN if p.search(t)]) >= 3


def test_plain_label_takes_out_transcription_notes():
    assert plain_label("Timeliness of single assessments (percentage; the seeds do not state "
                       "the timescale)") == "Timeliness of single assessments"
    assert plain_label("Number of children in need (quarter average, as reported for E34)") == \
        "Number of children in need (quarter average)"
    assert plain_label("Family Support Services: length of intervention (no code in the report; "
                       "FS2 is our name; unit not stated)") == "Family Support Services: length of intervention"
    assert plain_label("Children in need (includes care leavers, in care)") == \
        "Children in need (includes care leavers, in care)"
    assert plain_label("Percentage of quality Personal Education Plans (PEPs) signed, as stated in the Q1 "
                       "minutes") == "Percentage of quality Personal Education Plans (PEPs) signed"
    assert plain_label("Enquiries to the Early Help Hub from social care contacts that go no further, as a "
                       "percentage of average monthly contacts (numerator = such enquiries, denominator = Q4 "
                       "average monthly contacts E1)") == ("Enquiries to the Early Help Hub from social care "
                                                           "contacts that go no further, as a percentage of "
                                                           "average monthly contacts")


# --- SPC ------------------------------------------------------------------------------------------

def _synthetic_series(values: list[float], target: float | None) -> pd.DataFrame:
    quarters = [f"{2015 + (i + 1) // 4}-{(16 + (i + 1) // 4) % 100:02d} Q{(i + 1) % 4 + 1}"
                for i in range(len(values))]
    return pd.DataFrame({
        "indicator_code": "X1", "label": "Synthetic measure", "unit": "percent",
        "polarity": "lower_is_better", "period": quarters, "quarter_order": range(len(values)),
        "value": values, "target": target,
    })


def test_spc_chart_for_a_measure_with_enough_quarters():
    # Eight quarters: mean 174 / 8 = 21.75; moving ranges 1,1,2,1,1,1,8 -> mean MR 15/7 =
    # 2.142857; limits 21.75 -/+ 2.66 x 2.142857 = 16.05 and 27.45: the last point (29) is
    # outside (special cause).
    series = _synthetic_series([20, 21, 20, 22, 21, 20, 21, 29], target=25.0)
    blocks = spc_blocks(series, source="Source: test data.", synthetic=True)
    chart = blocks[0]
    assert isinstance(chart, Chart) and chart.name == "spc_x1"
    alt = chart.alt_text
    assert alt.startswith("SYNTHETIC DATA")
    assert "Mean 21.8%" in alt and "16.1%" in alt and "27.4%" in alt  # 27.45 rounds half-even
    assert "special-cause" in alt and "2017-18 Q1" in alt
    assert blocks[1].markdown == ("**Variation:** special cause, concerning. **Assurance:** hit and miss: "
                                  "the target lies inside the process limits.")


def test_spc_words_cover_every_icon():
    from analysis.engine.spc import ASSURANCE_ICONS, VARIATION_ICONS

    assert set(SPC_WORDS) == set(VARIATION_ICONS) | set(ASSURANCE_ICONS)


def test_spc_is_one_note_when_no_series_is_long_enough():
    blocks = spc_blocks(_synthetic_series([20, 21, 22, 23], target=None), source="Source: test data.")
    assert blocks == [Note("left_out", "No SPC chart yet: no measure has 6 quarters of figures; the longest "
                                       "so far has 4.")]


# --- other LAs ------------------------------------------------------------------------------------

def test_small_la_with_suppressed_figures_still_gets_every_row(bench_table, paths):
    # Isles of Scilly publishes no section 47 rate for 2016-17 (LAIT blank) and no looked-after
    # placement figure: the rows stay in the pack, blank and "not compared", rather than
    # stopping the pack (they used to reach the judgement with no polarity).
    ctx = _pack_context("Isles of Scilly", "2017-18 Q4", paths)
    assert ctx.latest["indicator"].tolist() == [i for i in ctx.spec.indicators
                                                if i in set(ctx.bench["indicator"])]
    # Its latest section 47 rate is 2014-15's (from the earlier LAIT version), flagged as old.
    s47 = ctx.latest.set_index("indicator").loc["s47_rate"]
    assert s47["period"] == "2014-15" and s47["value"] == 330.6 and bool(s47["stale"])
    assert s47["vs_england"] == "not compared"
    placements = ctx.latest.set_index("indicator").loc["cla_3_plus_placements"]
    assert pd.isna(placements["value"]) and "has no published figure" in placements["sentence"]
    glance = benchmarks_frame(ctx).set_index("indicator")
    assert glance.loc["cla_3_plus_placements", "judgement"] == "not compared"
    assert glance.loc["s47_rate", "year"] == "2014-15 (over two years old)"
    pack = report.quarterly_pack(ctx)
    # No local return: the local sections are one note each, never empty.
    for id in ("profile", "quarterly", "spc"):
        section = _section(pack, id)
        assert [type(b) for b in section.blocks] == [Note]


def test_each_section_is_handed_on_as_soon_as_it_is_built(doncaster_ctx, doncaster_pack):
    """``on_section`` sees every section of the pack once, in the order they are built (the
    spec's order, each indicator's section after the indicator detail opener), each before
    the next is built."""
    seen: list[str] = []
    built: list[str] = []
    real = report.indicator_section

    def watched(ctx, indicator):
        built.append(indicator)
        assert len(seen) == len(built) + 6  # the sections before it were handed on already
        return real(ctx, indicator)

    import unittest.mock

    with unittest.mock.patch.object(report, "indicator_section", watched):
        pack = report.quarterly_pack(doncaster_ctx, on_section=lambda s: seen.append(s.id))
    assert seen == [s.id for s in report.quarterly_sections(doncaster_ctx)]
    assert sorted(seen) == sorted(s.id for s in pack.sections)
    assert [s.id for s in pack.sections] == [s.id for s in doncaster_pack.sections]
    assert seen[:7] == ["cover", "profile", "benchmarks", "quarterly", "spc", "headline", "indicator_detail"]


def test_chart_files_never_carry_a_code_the_toolkit_made_up(doncaster_pack):
    """A chart's file name names its measure by the council's own code (E1) or, where the code
    is the toolkit's own (the context figures' P01_...), by the measure's name in words."""
    names = [c.name for c in doncaster_pack.charts()] + [t.name for t in doncaster_pack.tables()]
    assert "quarterly_e1" in names
    assert "quarterly_staff_sickness_rate_for_the_quarter" in names
    assert "quarterly_number_of_cases_in_care_proceedings_the_legal" in names  # cut at a word
    assert [n for n in names if "p01" in n] == []
