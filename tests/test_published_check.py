"""A computed year set beside DfE's published figure for the same LA and year (real figures:
Doncaster's re-referrals in 2016-17, 1,429 of 5,275 = 27.1%, table C1)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analysis.core.errors import ParameterError
from analysis.data.catalogue import Catalogue
from analysis.measures.returns.published_check import compare_with_published
from analysis.measures.returns.rows import result_row


def _computed(ind: str, value: float, num: float | None, den: float | None, unit: str = "percent",
              end: dt.date = dt.date(2017, 3, 31)) -> pd.DataFrame:
    return result_row(ind, end, "year_to_31_march", value, num, den, unit, "cin_census_2017.xml")


def test_doncaster_re_referrals_agree(bench_table: pd.DataFrame, catalogue: Catalogue) -> None:
    got = compare_with_published(_computed("re_referrals", 100 * 1429 / 5275, 1429, 5275),
                                 bench_table, "E08000017", catalogue.get("re_referrals"))
    assert got.published == 27.1 and not got.beyond_rounding
    assert got.sentence == ("Re-referrals within 12 months, 2016-17: computed 27.1% (1,429 of "
                            "5,275) agrees with DfE's published 27.1% (1,429 of 5,275) within "
                            "rounding.")


def test_a_count_amended_since_is_beyond_rounding(bench_table: pd.DataFrame,
                                                  catalogue: Catalogue) -> None:
    # one re-referral fewer: 1,428 of 5,275 = 27.07%, rounds the same but the count differs
    got = compare_with_published(_computed("re_referrals", 100 * 1428 / 5275, 1428, 5275),
                                 bench_table, "371", catalogue.get("re_referrals"))
    assert got.beyond_rounding
    # 1,500 of 5,275 = 28.4%: 1.3 points above
    far = compare_with_published(_computed("re_referrals", 100 * 1500 / 5275, 1500, 5275),
                                 bench_table, "371", catalogue.get("re_referrals"))
    assert far.beyond_rounding and far.difference == pytest.approx(100 * 1500 / 5275 - 27.1)
    assert "Possible reasons: returns submitted or corrected after DfE's snapshot" in far.sentence


def test_a_rate_within_rounding(bench_table: pd.DataFrame, catalogue: Catalogue) -> None:
    # LAIT's rebased referral rate for 2017-18: 5,681 referrals over mid-2017's 64,396 = 882.2
    got = compare_with_published(
        _computed("referral_rate_rebased", 10_000 * 5681 / 64396, 5681, 64396, "rate_per_10000",
                  dt.date(2018, 3, 31)), bench_table, "E08000017",
        catalogue.get("referral_rate_rebased"))
    assert got.published == 882.2 and not got.beyond_rounding


def test_only_a_year_ending_31_march(bench_table: pd.DataFrame, catalogue: Catalogue) -> None:
    with pytest.raises(ParameterError, match="31 March"):
        compare_with_published(_computed("re_referrals", 27.0, 1, 4, end=dt.date(2017, 12, 31)),
                               bench_table, "371", catalogue.get("re_referrals"))


def test_icpc_15_days_is_read_from_table_c4(bench_table: pd.DataFrame) -> None:
    """The new indicator: conferences in 0-10 and 11-15 working days over all conferences."""
    t = bench_table[(bench_table["indicator"] == "icpc_15_days") & (bench_table["level"] == "la")]
    don = t[t["old_la_code"] == "371"].set_index("year")
    assert (don.loc[2017, "numerator"], don.loc[2017, "denominator"]) == (83 + 457, 565)
    assert don.loc[2017, "value"] == pytest.approx(100 * 540 / 565)
    # 2021: the 16-20 and 21+ bands are suppressed, the two counted bands are not
    assert don.loc[2021, "value"] == pytest.approx(100 * (139 + 457) / 598)
    # a band of the numerator suppressed: no value, status "c"
    assert (t["status"] == "c").any() and t.loc[t["status"] == "c", "value"].isna().all()


def test_icpc_15_days_benchmarked(bench_table: pd.DataFrame) -> None:
    """Doncaster 2016-17: 540 of 565 = 95.6% against England's 77.2% (59,410 of 76,930);
    gaps 540 - 77.2% x 565 = 103.7 -> 104 and, at the neighbours' 79.9%, 88.6 -> 89."""
    from typer.testing import CliRunner

    from analysis.app.cli import app

    result = CliRunner().invoke(app, ["benchmark", "--la", "Doncaster", "--year", "2017",
                                      "--indicator", "icpc_15_days"])
    assert result.exit_code == 0, result.output
    words = " ".join(result.stdout.split())
    assert "Doncaster 95.6% (540 of 565), against England 77.2%" in words
    assert "about 89 fewer conferences held in time (about 104 fewer at England's rate)" in words


@pytest.mark.parametrize("fields", [
    {"numerator_sum": ["a", "b"]},                                    # no denominator
    {"value": "v", "numerator_sum": ["a"], "denominator": "d"},       # both
    {"numerator_sum": ["a"], "numerator": "n", "denominator": "d"},   # two numerators
    {},                                                               # neither
])
def test_a_catalogue_source_gives_a_value_or_a_sum(fields: dict[str, object]) -> None:
    from pydantic import ValidationError

    from analysis.data.catalogue import EesSource

    with pytest.raises(ValidationError, match="give either value, or numerator_sum"):
        EesSource.model_validate({"kind": "ees", "file": "cin/x.csv", **fields})
    assert EesSource.model_validate({"kind": "ees", "file": "cin/x.csv", "numerator_sum": ["a"],
                                     "denominator": "d"}).value is None
