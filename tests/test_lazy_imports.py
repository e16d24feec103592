"""A command imports only what it needs: one LA's benchmark table needs neither scipy.stats
nor statsmodels nor matplotlib (nor pandera, which checks local returns); and the intervals
worked out without them are the ones scipy and statsmodels give."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from analysis import stats

HEAVY = ("scipy.stats", "statsmodels", "matplotlib", "papermill", "nbconvert", "pandera")


def _modules_after(code: str) -> set[str]:
    probe = (f"{code}\nimport sys\n"
             f"print('LOADED:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.rsplit("LOADED:", 1)[1].split())


def test_importing_the_engine_loads_no_heavy_library():
    assert _modules_after("import analysis.judgement, analysis.benchmark, analysis.explorer, "
                          "analysis.stats, analysis.narrative, analysis.tables, analysis.cli") == set()


@pytest.mark.usefixtures("bench_table")
def test_one_la_benchmark_command_loads_no_heavy_library():
    code = ("from analysis.cli import app\n"
            "try:\n"
            "    app(['benchmark', '--la', 'Doncaster', '--year', '2017', '--indicator', 're_referrals'])\n"
            "except SystemExit as exc:\n"
            "    assert exc.code in (0, None), exc.code\n")
    assert _modules_after(code) == set()


@pytest.mark.usefixtures("bench_table")
def test_the_interactive_explorer_loads_no_matplotlib():
    """Its charts are drawn by the browser: starting it and answering changes needs none."""
    code = ("from analysis.explorer_app import build\n"
            "app = build(year=2017)\n"
            "app.la.value = 'Rotherham'\n"
            "app.indicator.value = 'Children looked after per 10,000 children'\n"
            "assert all(box.outputs for box in app.chart_boxes.values())\n")
    assert "matplotlib" not in _modules_after(code)


def test_wilson_is_statsmodels_wilson():
    from statsmodels.stats.proportion import proportion_confint

    rng = np.random.default_rng(7)
    den = rng.integers(1, 20_000, 500).astype(float)
    num = np.floor(den * rng.random(500))
    for level in (0.95, 0.998):
        lo, hi = stats.wilson_interval(num, den, level)
        ref_lo, ref_hi = proportion_confint(num, den, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(lo, np.clip(ref_lo, 0, 1), rtol=0, atol=1e-12)
        np.testing.assert_allclose(hi, np.clip(ref_hi, 0, 1), rtol=0, atol=1e-12)
    # Doncaster's re-referrals 2016-17: 1,429 of 5,275 -> 25.9% to 28.3% at 95%.
    lo, hi = stats.proportion_ci(1429, 5275, 0.95)
    assert (round(lo, 1), round(hi, 1)) == (25.9, 28.3)


def test_normal_quantile_and_exact_poisson_are_scipy_s():
    from scipy import stats as sps

    for level in (0.8, 0.9, 0.95, 0.99, 0.998):
        assert stats.z_value(level) == pytest.approx(sps.norm.ppf(1 - (1 - level) / 2), abs=1e-14)
    counts = np.array([0.0, 1, 2, 4, 9, 10, 50, 99, 250])
    lo, hi = stats.exact_poisson_count_interval(counts, 0.95)
    ref_lo = np.where(counts > 0, sps.chi2.ppf(0.025, 2 * np.maximum(counts, 1)) / 2, 0.0)
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-12)
    np.testing.assert_allclose(hi, sps.chi2.ppf(0.975, 2 * counts + 2) / 2, rtol=1e-12)
    # 4 events: exact 95% limits 1.0899 to 10.2416 (Garwood's table).
    assert (round(float(lo[3]), 4), round(float(hi[3]), 4)) == (1.0899, 10.2416)
