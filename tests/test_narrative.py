"""Tests for analysis.engine.narrative: every number in every sentence comes from the table.

The check (``number_problems``) is independent of the narrative's own formatting: it takes
every number written in a sentence (after removing the words the sentence takes verbatim
from the table: label, period, LA and region names, the level, DfE status meanings) and
requires each to be one the narrative declares it quoted, with that column's value in the
judged table rounding to it. It is itself tested on a tampered sentence.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.data.geography import load_areas, resolve_la
from analysis.data.readers.symbols import STATUS_MEANINGS
from analysis.engine.benchmark import benchmark_table
from analysis.engine.judgement import judge_table, level_text
from analysis.engine.narrative import (
    COUNT_NOUNS,
    Quote,
    describe,
    quoted_numbers,
    sentence,
    sentences,
)

NUMBER = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")  # 1,429 or 27.1; not a trailing comma


def _literals(row: pd.Series) -> list[str]:
    texts = [row["label"], row["period"], row["la_name"], row["region_name"],
             f"{level_text(float(row['level']))} confidence", *STATUS_MEANINGS.values()]
    return sorted((str(t) for t in texts if isinstance(t, str) and t), key=len, reverse=True)


def number_problems(text: str, quotes: list[Quote], row: pd.Series) -> list[str]:
    """What is wrong with the numbers of ``text`` against ``row`` (empty: nothing)."""
    masked = text
    for literal in _literals(row):
        masked = masked.replace(literal, " ")
    written = NUMBER.findall(masked)
    problems = []
    if sorted(written) != sorted(q.text for q in quotes):
        problems.append(f"numbers written {written} are not those quoted "
                        f"{[q.text for q in quotes]}")
    gap_words = iter(re.findall(r"about [\d,]+ (fewer|more)", text))
    for q in quotes:
        table = float(row[q.column])
        if q.value != table:
            problems.append(f"{q.column}: quote holds {q.value}, the table {table}")
        decimals = len(q.text.split(".")[1]) if "." in q.text else 0
        shown = float(q.text.replace(",", ""))
        if abs(abs(table) - shown) > 0.5 * 10 ** -decimals + 1e-9:
            problems.append(f"{q.column}: sentence says {q.text}, the table has {table}")
        if q.column.startswith("gap_children"):  # gaps are quoted in the order written
            after = next(gap_words, "missing")
            if after != ("fewer" if table > 0 else "more"):
                problems.append(f"{q.column}: {table} written as '{after}'")
    return problems


@pytest.fixture(scope="module")
def judged(bench_table, catalogue, paths) -> dict[str, pd.DataFrame]:
    areas = load_areas(paths.root)
    out = {}
    for name in ("Doncaster", "Rotherham", "Lancashire"):
        bench = benchmark_table(bench_table, resolve_la(name, areas), catalogue, years=[2017],
                                paths=paths)
        out[name] = judge_table(bench, catalogue)
    return out


# ------------------------------------------------------------------------------ the check

@pytest.mark.parametrize("name", ["Doncaster", "Rotherham", "Lancashire"])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_every_number_in_every_sentence_matches_the_table(judged, catalogue, name, level):
    table = judged[name] if level == 0.95 else judge_table(judged[name], catalogue, level)
    # Every benchmarked indicator with 2016-17 figures: all but the four LAIT starts in 2018
    # (long-term stability, health and dental checks, immunisations).
    assert len(table) == len(catalogue.benchmarked()) - 4 == 31
    for _, row in table.iterrows():
        text, quotes = describe(row)
        assert number_problems(text, quotes, row) == [], (row["indicator"], text)
        assert quotes, row["indicator"]  # every sentence quotes at least the LA or England


@pytest.mark.parametrize("name", ["Doncaster", "Rotherham", "Lancashire"])
def test_the_packs_cover_rows(bench_table, paths, name):
    """The 19 indicators of the 2017-18 Q4 pack's cover (latest year up to 2016-17 each)."""
    from analysis.data.periods import parse_quarter
    from analysis.quarterly_pack.report import build_pack_context

    ctx = build_pack_context(resolve_la(name, load_areas(paths.root)), parse_quarter("2017-18Q4"), paths=paths)
    table = judge_table(ctx.latest, ctx.catalogue)
    assert len(table) == 19
    out = sentences(table)
    for i, row in table.iterrows():
        text, quotes = describe(row)
        assert text == out[i]
        assert number_problems(text, quotes, row) == [], (row["indicator"], text)


def test_every_year_for_doncaster(bench_table, catalogue, paths):
    la = resolve_la("Doncaster", load_areas(paths.root))
    table = judge_table(benchmark_table(bench_table, la, catalogue, paths=paths), catalogue)
    for _, row in table.iterrows():
        text, quotes = describe(row)
        assert number_problems(text, quotes, row) == [], (row["indicator"], row["year"], text)


def test_the_check_catches_an_invented_or_wrong_number(judged):
    row = judged["Doncaster"].set_index("indicator").loc["re_referrals"]
    text, quotes = describe(row)
    assert number_problems(text, quotes, row) == []
    assert number_problems(text.replace("27.1%", "28.1%"), quotes, row)
    assert number_problems(text + " About 12 more.", quotes, row)
    assert number_problems(text.replace("368 fewer", "368 more"), quotes, row)
    wrong = [Quote(q.column, q.value, "142") if q.column == "of" else q for q in quotes]
    assert number_problems(text, wrong, row)


def test_nouns_carry_no_digits():
    # A digit in a noun would be a number no table column backs.
    assert not [n for n in COUNT_NOUNS.values() if re.search(r"\d", n)]


# ------------------------------------------------------------------------------ wording

def test_doncaster_rereferrals_sentence(judged):
    row = judged["Doncaster"].set_index("indicator").loc["re_referrals"]
    text = sentence(row)
    # CIN census 2017 and LAIT: 27.1% (1,429 of 5,275); England 21.9%, Yorkshire and The
    # Humber 21.5%, neighbours 20.1%; rank 142 of 152, band D; 23.0% in 2015-16. Gaps:
    # 1,429 - 20.12% x 5,275 = 367.67 -> 368; 1,429 - 21.9% x 5,275 = 273.8 -> 274.
    assert text.startswith("Re-referrals within 12 months, 2016-17: Doncaster 27.1% "
                           "(1,429 of 5,275), against England 21.9%, Yorkshire and The "
                           "Humber 21.5% and the statistical neighbours' average 20.1%.")
    assert "At 95% confidence Doncaster is worse than England, the region and the " \
           "neighbours' average" in text
    assert "ranked 142 of 152 nationally (best first), quartile band D (A best)" in text
    assert "worsened from 23.0% the year before" in text
    assert "about 368 fewer re-referrals (about 274 fewer at England's rate)" in text
    assert text.count(". ") == 1 and text.endswith(".")  # two sentences


def test_mixed_judgements_and_a_gap_chance_could_explain(judged):
    row = judged["Doncaster"].set_index("indicator").loc["cin_rate"]
    text = sentence(row)
    # 2,646 children in need at 403.4 per 10,000: interval 388.2-419.1 holds the neighbours'
    # 402.4 but not England's 330.1 or the region's 348.9.
    assert "Doncaster 403.4 (2,646 children in need)" in text
    assert "higher than England and the region, and similar to the neighbours' average" in text
    assert "about 7 fewer children in need, which could be chance" in text


def test_derived_counts_say_about(judged):
    row = judged["Doncaster"].set_index("indicator").loc["care_leavers_suitable_accommodation"]
    # 90% of 165 = 148.5 care leavers, derived: shown as "about 148" (148.5 rounds to even);
    # DfE rounded the 165 to the nearest 5, which the benchmark rows now carry: "about 165".
    assert "Doncaster 90% (about 148 of about 165)" in sentence(row)


def test_not_compared_says_why(judged):
    row = judged["Doncaster"].set_index("indicator").loc["assessments_45_days"]
    assert "Not tested for significance: DfE publishes no count or denominator" in sentence(row)


def test_a_suppressed_value(judged):
    # Rotherham 2016-17 child protection plans open 2 years or more: no published figure.
    row = judged["Rotherham"].set_index("indicator").loc["cpp_2_years_open"]
    text = sentence(row)
    assert "Rotherham has no published figure (" in text
    assert "confidence" not in text and "ranked" not in text


def test_a_gap_that_rounds_to_nothing():
    row = {"indicator": "re_referrals", "label": "Re-referrals", "period": "2016-17",
           "la_name": "Anytown", "region_name": "Region", "unit": "percent", "decimals": 1,
           "value": 20.0, "status": "published", "england": 20.0, "region": None,
           "sn_mean": None, "ci_numerator": 100.0, "ci_denominator": 500.0,
           "numerator_source": "published", "denominator_source": "published",
           "ci_low": 16.7, "ci_high": 23.7, "level": 0.95, "vs_england": "similar",
           "vs_region": "not compared", "vs_neighbours": "not compared",
           "gap_children_england": 0.2, "gap_children_neighbours": None,
           "rank": None, "of": None, "quartile": None, "direction": "no comparison",
           "previous_value": None}
    text = sentence(row)
    assert "at England's rate there would have been about the same number of re-referrals" \
        in text
    assert [q.column for q in quoted_numbers(row)] == [
        "england", "value", "ci_numerator", "ci_denominator"]


def test_sentences_keep_the_index(judged):
    table = judged["Lancashire"].iloc[3:6]
    out = sentences(table)
    assert out.index.equals(table.index) and out.name == "sentence"
    assert out.str.startswith(tuple(table["label"])).all()
