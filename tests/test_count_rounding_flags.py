"""Where DfE rounded the counts behind a figure, every product says so the same way: the flags
come from :func:`analysis.engine.benchmark.benchmark_rows`, the rows the quarterly pack, the
``benchmark`` command and the explorer all start from.

Doncaster 2016-17, care leavers aged 19-21 in education, employment or training: LAIT
publishes 47% beside 75 of 165, both counts rounded to the nearest 5 (75 of 165 is 45.5%).
Its re-referral rate that year, 27.1%, is 1,429 of 5,275 referrals, published exactly.
"""

from __future__ import annotations

from analysis.data.geography import resolve_la
from analysis.engine.benchmark import benchmark_rows
from analysis.explorer import data as explorer_data
from analysis.explorer import report


def test_benchmark_rows_carry_dfes_rounding(bench_table, catalogue, paths):
    rows = benchmark_rows(bench_table, [resolve_la("Doncaster")], catalogue,
                          indicators=["care_leavers_eet", "re_referrals"], years=[2017], paths=paths)
    got = {r["indicator"]: (r["numerator"], r["denominator"], r["numerator_rounding"],
                            r["denominator_rounding"]) for r in rows.to_dict("records")}
    assert got == {"care_leavers_eet": (75, 165, 5, 5), "re_referrals": (1429, 5275, 0, 0)}


def test_the_explorer_says_about_where_dfe_rounded(paths):
    data = explorer_data.load_explorer_data(paths)
    don = resolve_la("Doncaster")
    eet = explorer_data.la_judged(data, don, "care_leavers_eet", None, 0.95)
    row = eet.loc[eet["year"] == 2017].iloc[0]
    assert (row["numerator_rounding"], row["denominator_rounding"]) == (5, 5)
    # As the quarterly pack says it: the counts the interval uses, each "about".
    assert "Doncaster 47% (about 78 of about 165)" in row["sentence"]
    rr = explorer_data.la_judged(data, don, "re_referrals", None, 0.95)
    assert "Doncaster 27.1% (1,429 of 5,275)" in rr.loc[rr["year"] == 2017, "sentence"].item()


def test_the_explorer_downloads_carry_the_flags(bench_table, catalogue, paths):
    pack = report.explorer_pack(bench_table, resolve_la("Doncaster"), catalogue,
                                indicators=["care_leavers_eet"], years=[2017], paths=paths)
    sentences = next(b for _, b in pack.blocks() if getattr(b, "name", "") == "sentences")
    downloads = {c.key for c in sentences.columns if c.download}
    assert {"numerator_rounding", "denominator_rounding"} <= downloads
    row = sentences.frame.iloc[0]
    assert (row["numerator_rounding"], row["denominator_rounding"]) == (5, 5)
    assert "(about 78 of about 165)" in row["sentence"]
