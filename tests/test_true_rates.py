"""The deep dive's percentages are the records' exact rates, and still give no small count away.

The rule (``analysis/engine/suppress.py``, ``docs/methods/rereferrals.md``, "Suppression"):
percentages are worked out from the exact counts and shown to one decimal place, as in DfE's
children in need tables; counts are rounded to the nearest 5 as before; a percentage is "c"
beside a hidden count, when it is out of fewer than 10, or when those not counted number 1 to
4; and the check that no hidden count can be worked out reads the percentages too.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.core.blocks import Pack, Section, Text
from analysis.core.errors import InputDataError
from analysis.core.evidence import Figure, agrees
from analysis.data.geography import load_areas, resolve_la
from analysis.data.synthetic import generate_referrals
from analysis.deep_dive.build import DeepDive, build_deep_dive
from analysis.deep_dive.findings import headline_figure, intro_markdown, key_findings
from analysis.deep_dive.report import deep_dive_pack
from analysis.engine.suppress import MARKER, LinkedTables, percent_shown, protect
from analysis.render.invariants import check_pack


@pytest.fixture(scope="module")
def synthetic_csv(tmp_path_factory) -> Path:
    # The records `python -m analysis synthetic` writes (its defaults), in a temporary folder.
    path = tmp_path_factory.mktemp("rates") / "synthetic_referrals.csv"
    generate_referrals(seed=2017, start="2014-04-01", end="2019-03-31").to_csv(
        path, index=False, date_format="%Y-%m-%d")
    return path


@pytest.fixture(scope="module")
def dive(synthetic_csv, paths, bench_table) -> DeepDive:
    return build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), synthetic_csv,
                           paths=paths)


def _hand_worked_rate(csv: Path) -> tuple[int, int]:
    """Re-referrals and referrals in 2018-19 worked out by hand from the CSV: one referral
    per child and day, a re-referral when the child's previous referral is at most 12
    calendar months before."""
    df = pd.read_csv(csv, parse_dates=["referral_date"])
    df = df.drop_duplicates(["child_id", "referral_date"]).sort_values(["child_id", "referral_date"])
    previous = df.groupby("child_id")["referral_date"].shift()
    df["re"] = previous.notna() & (df["referral_date"] <= previous + pd.DateOffset(months=12))
    year = df[(df["referral_date"] > "2018-03-31") & (df["referral_date"] <= "2019-03-31")]
    return int(year["re"].sum()), len(year)


def test_headline_is_the_exact_rate(dive, synthetic_csv):
    re, referrals = _hand_worked_rate(synthetic_csv)
    assert (re, referrals) == (1477, 5416)  # 27.27%; rounded to 1,475 of 5,415 it would be 27.2%
    annual = dive.tables["annual"].set_index("year")
    assert annual.loc["2018-19", "percent"] == round(100 * re / referrals, 1) == 27.3
    assert (annual.loc["2018-19", "rereferrals"], annual.loc["2018-19", "referrals"]) == (1475, 5415)
    assert ("In the synthetic records for 2018-19, about 1,475 of 5,415 referrals (27.3%) were "
            "re-referrals within 12 months") in key_findings(dive)
    figure = headline_figure(dive)
    assert figure is not None and (figure.exact_numerator, figure.exact_denominator) == (1477, 5416)
    assert agrees(figure)


def test_a_small_category_is_exact_and_a_tiny_one_hidden(dive, synthetic_csv):
    # Anonymous referrals in 2018-19: 39.6% shown (exact); from the rounded 40 of 95 it was 42.1%.
    sources = dive.tables["sources"].set_index("referral_source")
    assert (sources.loc["Anonymous", "referrals"], sources.loc["Anonymous", "rereferrals"],
            sources.loc["Anonymous", "rate_percent"]) == (95, 40, 39.6)
    # "Previous case still open": 1 re-referral, "c" with its percentage.
    closure = dive.tables["time_since_closure"].set_index("since_closure")
    assert closure.loc["Previous case still open", ["rereferrals", "percent"]].tolist() == [MARKER, MARKER]


def test_page_one_says_percentages_are_exact(dive):
    intro = intro_markdown(dive)
    assert "Percentages are the records' exact rates, worked out from the exact counts" in intro
    assert "from the rounded counts" not in intro


def test_percent_shown_rule():
    assert percent_shown(20, 56)  # 35.7%
    assert not percent_shown(5, 7)  # out of fewer than 10: 71.4% gives 5 of 7 back, and the 2 not counted
    assert not percent_shown(40, 42)  # 2 not counted
    assert percent_shown(42, 42) and percent_shown(0, 30)  # none not counted; none counted
    assert not percent_shown(20, 56, hidden=True)


def test_percentages_beside_rounded_counts_are_exact_and_small_ones_hidden():
    # Seven records of which 5 counted: counts shown (5 and 5, rounded), percentage hidden.
    records = np.arange(30)
    frame = pd.DataFrame({"group": ["A", "B"], "n": [5, 12], "d": [7, 23]})
    masks = {(0, "n"): records < 5, (0, "d"): records < 7,
             (1, "n"): (records >= 7) & (records < 19), (1, "d"): records >= 7}
    linked = LinkedTables(30)
    linked.add("t", frame, ["n", "d"], masks, {"p": ("n", "d")})
    out = linked.publish()["t"]
    assert out["p"].tolist() == [MARKER, 52.2]  # 12 of 23 = 52.17%, not 10 of 25 = 40.0%
    assert out["n"].tolist() == [5, 10] and out["d"].tolist() == [5, 25]


def _two_groups() -> tuple[np.ndarray, list[tuple[int, int]], dict[str, int]]:
    """Group A: 3 referrals, 1 re-referral (hidden); group B: 41 and 17; all: 44 and 18.
    Exact percentages 41.5% (17 of 41) and 40.9% (18 of 44) beside the rounded 40, 15, 45
    and 20 give 41 and 44 back, and so A's 3 (44 - 41) and its 1 (18 - 17)."""
    size = 44
    idx = np.arange(size)
    a, b = idx < 3, idx >= 3
    re = (idx == 0) | ((idx >= 3) & (idx < 20))
    cells = {"a_ref": 0, "a_re": 1, "b_ref": 2, "b_re": 3, "all_ref": 4, "all_re": 5}
    masks = np.vstack([a, a & re, b, b & re, np.ones(size, bool), re])
    return masks, [(3, 2), (5, 4), (1, 0)], cells


def _possible(shown: dict[str, object], pcts: dict[str, object]) -> set[tuple[int, int]]:
    """Every (A referrals, A re-referrals) a reader could believe, by brute force over every
    set of counts that gives what is shown (rounded counts within 2, "c" 1 to 4)."""
    def fits(value: int, published: object) -> bool:
        if published == MARKER:
            return 1 <= value <= 4
        return abs(value - float(published)) <= 2 and (value >= 5 or value == published)  # type: ignore[arg-type]

    def pct_fits(n: int, d: int, published: object) -> bool:
        return published == MARKER or (d > 0 and round(100 * n / d, 1) == published)

    found = set()
    for a_ref, b_ref in itertools.product(range(1, 10), range(30, 50)):
        for a_re, b_re in itertools.product(range(0, a_ref + 1), range(10, 25)):
            counts = {"a_ref": a_ref, "a_re": a_re, "b_ref": b_ref, "b_re": b_re,
                      "all_ref": a_ref + b_ref, "all_re": a_re + b_re}
            if all(fits(counts[k], shown[k]) for k in shown) and \
                    pct_fits(b_re, b_ref, pcts["b"]) and pct_fits(a_re + b_re, a_ref + b_ref, pcts["all"]):
                found.add((a_ref, a_re))
    return found


def test_an_exact_percentage_that_would_give_a_hidden_count_back_is_hidden():
    masks, percents, cells = _two_groups()
    shown_all = {"a_ref": MARKER, "a_re": MARKER, "b_ref": 40, "b_re": 15, "all_ref": 45, "all_re": 20}
    # Both exact percentages shown: the reader gets A's counts back.
    assert _possible(shown_all, {"b": 41.5, "all": 40.9}) == {(3, 1)}
    hidden, shown, off = protect(masks, percents=percents)
    assert hidden[cells["a_ref"]] and hidden[cells["a_re"]]
    assert off[0] or off[1]  # one of the two percentages is withheld
    pcts = {"b": MARKER if off[0] else 41.5, "all": MARKER if off[1] else 40.9}
    published = {k: (MARKER if hidden[i] else int(shown[i])) for k, i in cells.items()}
    assert len(_possible(published, pcts)) > 1


def _pack_with(figure: Figure, text: str) -> Pack:
    return Pack("t", {}, (Section("key", "Key", (Text(text, figures=(figure,)),)),))


def test_a_percentage_true_to_its_exact_counts_passes_and_a_wrong_one_is_caught():
    true = Figure(27.3, numerator=1475, denominator=5415, rounded_to=5,
                  exact_numerator=1477, exact_denominator=5416)
    text = "about 1,475 of 5,415 referrals (27.3%) were re-referrals"
    assert check_pack(_pack_with(true, text), ["percent_counts"]) == []
    # 27.2% is what the rounded counts give, not the records' rate.
    wrong = replace(true, value=27.2)
    problems = check_pack(_pack_with(wrong, text.replace("27.3", "27.2")), ["percent_counts"])
    assert [p.why for p in problems] == [
        "the exact counts behind about 1,475 of 5,415 (1,477 of 5,416) give 27.3%, not 27.2%"]
    # Counts shown that are not the exact counts rounded are caught too.
    off = replace(true, numerator=1465)
    assert check_pack(_pack_with(off, "about 1,465 of 5,415 (27.3%)"), ["percent_counts"])
    # Rounded counts shown bare (without "about") are caught.
    assert check_pack(_pack_with(true, "1,475 of 5,415 referrals (27.3%)"), ["percent_counts"])


def test_the_deep_dive_catches_a_wrong_headline(dive):
    assert check_pack(deep_dive_pack(dive), ["percent_counts"]) == []
    tables = dict(dive.tables)
    annual = tables["annual"].copy()
    annual.loc[annual["year"] == "2018-19", "percent"] = 27.2
    tables["annual"] = annual
    wrong = replace(dive, tables=tables)
    whys = [p.why for p in check_pack(deep_dive_pack(wrong), ["percent_counts"])]
    assert any("(1,477 of 5,416) give 27.3%, not 27.2%" in w for w in whys), whys


def test_too_few_referrals_say_so_in_the_analysts_words(tmp_path, paths, bench_table):
    # Six referrals a year (seed 2): 4 referrals in 2016-17, none of them re-referrals.
    path = tmp_path / "synthetic_tiny.csv"
    generate_referrals(seed=2, start="2015-04-01", end="2017-03-31", referrals_per_year=6).to_csv(
        path, index=False, date_format="%Y-%m-%d")
    with pytest.raises(InputDataError) as caught:
        build_deep_dive(resolve_la("Doncaster", load_areas(paths.root)), path, paths=paths)
    message = str(caught.value)
    assert message.startswith(f"{path}: Doncaster, 2016-17: too few referrals to publish a deep "
                              "dive safely")
    assert "found 4 referrals from 1 April 2016 to 31 March 2017 (0 of them re-referrals)" in message
    assert "a count of 1 to 4 children could be worked out from the totals" in message
    assert "Fix: use records with more referrals in the year: the whole LA rather than one team" in message
    assert "parameter" not in message and "tables" not in message and "protected" not in message


# --- the report's contents and its DfE comparison table -------------------------------------

def test_contents_items_keep_their_two_digit_numbers(dive):
    from analysis.render.html import document

    html = document(deep_dive_pack(dive))
    nav = html[html.index('<nav class="contents"'):html.index("</nav>")]
    items = re.findall(r"<li><a href=\"#[^\"]+\"><span class=\"toc-title\">(\d+)\. ([^<]+)</span>", nav)
    assert [int(n) for n, _ in items] == list(range(1, 14))
    assert items[9:] == [("10", "Was early help tried first?"), ("11", "From referral to outcome"),
                         ("12", "Localities"), ("13", "Month by month")]
    assert "list-style: none" in html  # the number is text, not a marker a narrow margin cuts


def test_dfe_comparison_table_has_short_headings(dive):
    pack = deep_dive_pack(dive)
    table = next(b for _, b in pack.blocks() if getattr(b, "name", "") == "synthetic_dfe_comparison")
    shown = [c.label for c in table.columns if c.display]
    # The year is in the caption (records and DfE figures are both 2018-19), so the measure
    # column keeps the width to read on one or two lines.
    assert shown == ["Measure", "Count", "Referrals", "Records' per cent", "LA (DfE)",
                     "England (DfE)", "Region (DfE)", "Neighbours (DfE)"]
    assert table.caption.endswith("(the LA's own, England, the region, the statistical "
                                  "neighbours), 2018-19")
    assert max(len(label) for label in shown) <= 17
    assert {c.key for c in table.columns if c.download} >= {"records_year", "dfe_year"}
