"""A command imports only what it needs: one LA's benchmark table needs neither scipy.stats
nor statsmodels nor matplotlib (nor pandera, which checks local returns); and the intervals
worked out without them are the ones scipy and statsmodels give."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from analysis.engine import funnel_limits, intervals

HEAVY = ("scipy.stats", "statsmodels", "matplotlib", "papermill", "nbconvert", "pandera")


def _modules_after(code: str) -> set[str]:
    probe = (f"{code}\nimport sys\n"
             f"print('LOADED:' + ' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.rsplit("LOADED:", 1)[1].split())


def test_importing_the_engine_loads_no_heavy_library():
    assert _modules_after("import analysis.engine.judgement, analysis.engine.benchmark, analysis.explorer.view, "
                          "analysis.explorer.report, "
                          "analysis.engine.intervals, analysis.engine.comparisons, analysis.engine.funnel_limits, "
                          "analysis.engine.narrative, analysis.engine.tables, analysis.app.cli") == set()


@pytest.mark.usefixtures("bench_table")
def test_one_la_benchmark_command_loads_no_heavy_library():
    code = ("from analysis.app.cli import app\n"
            "try:\n"
            "    app(['benchmark', '--la', 'Doncaster', '--year', '2017', '--indicator', 're_referrals'])\n"
            "except SystemExit as exc:\n"
            "    assert exc.code in (0, None), exc.code\n")
    assert _modules_after(code) == set()


@pytest.mark.usefixtures("bench_table")
def test_the_interactive_explorer_loads_no_matplotlib():
    """Its charts are drawn by the browser: starting it and answering changes needs none."""
    code = ("from analysis.explorer.widgets import build\n"
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
        lo, hi = intervals.wilson_interval(num, den, level)
        ref_lo, ref_hi = proportion_confint(num, den, alpha=1 - level, method="wilson")
        np.testing.assert_allclose(lo, np.clip(ref_lo, 0, 1), rtol=0, atol=1e-12)
        np.testing.assert_allclose(hi, np.clip(ref_hi, 0, 1), rtol=0, atol=1e-12)
    # Doncaster's re-referrals 2016-17: 1,429 of 5,275 -> 25.9% to 28.3% at 95%.
    lo, hi = intervals.proportion_ci(1429, 5275, 0.95)
    assert (round(lo, 1), round(hi, 1)) == (25.9, 28.3)


def test_normal_quantile_and_exact_poisson_are_scipy_s():
    from scipy import stats as sps

    for level in (0.8, 0.9, 0.95, 0.99, 0.998):
        assert intervals.z_value(level) == pytest.approx(sps.norm.ppf(1 - (1 - level) / 2), abs=1e-14)
    counts = np.array([0.0, 1, 2, 4, 9, 10, 50, 99, 250])
    lo, hi = intervals.exact_poisson_count_interval(counts, 0.95)
    ref_lo = np.where(counts > 0, sps.chi2.ppf(0.025, 2 * np.maximum(counts, 1)) / 2, 0.0)
    np.testing.assert_allclose(lo, ref_lo, rtol=1e-12)
    np.testing.assert_allclose(hi, sps.chi2.ppf(0.975, 2 * counts + 2) / 2, rtol=1e-12)
    # 4 events: exact 95% limits 1.0899 to 10.2416 (Garwood's table).
    assert (round(float(lo[3]), 4), round(float(hi[3]), 4)) == (1.0899, 10.2416)


def _stats_exact_limit(p, n, theta, kind):
    """The exact funnel limit worked out with scipy.stats' distributions, as a reference."""
    from scipy import stats as sps

    dist = sps.binom(n, theta) if kind == "proportion" else sps.poisson(theta * n)
    r = dist.ppf(p)
    f_r, f_below = dist.cdf(r), dist.cdf(r - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
        limit = (r - alpha) / n
    return np.clip(limit, 0.0, 1.0 if kind == "proportion" else np.inf)


@pytest.mark.parametrize("kind", ["proportion", "rate"])
def test_exact_funnel_limits_are_scipy_stats_s(kind):
    n = np.unique(np.round(np.geomspace(1, 200_000, 250)))
    for theta in (0.0, 0.001, 0.05, 0.215, 0.5, 0.93, 0.999):
        for p in (0.001, 0.025, 0.5, 0.975, 0.999):
            np.testing.assert_allclose(funnel_limits._exact_limit(p, n, theta, kind),
                                       _stats_exact_limit(p, n, theta, kind), rtol=0, atol=1e-11)


def test_overdispersion_p_value_is_the_chi_square_tail():
    from scipy import stats as sps

    est = funnel_limits.estimate_overdispersion([20, 25, 30, 22, 19, 27], [100, 120, 200, 150, 90, 300], 22.0)
    assert est.p_value == pytest.approx(sps.chi2.sf(est.n_units * est.phi, est.n_units - 1), rel=1e-12)


def test_funnel_limits_and_overdispersion_load_no_scipy_stats():
    code = ("from analysis.engine import funnel_limits\n"
            "est = funnel_limits.estimate_overdispersion([20, 25, 30, 22], [100, 120, 200, 150], 22.0)\n"
            "funnel_limits.funnel_limits(21.9, [10, 100, 5275], levels=(0.95, 0.998))\n"
            "funnel_limits.funnel_limits(21.9, [10, 100, 5275], overdispersion='additive', estimate=est)\n")
    assert "scipy.stats" not in _modules_after(code)


@pytest.mark.usefixtures("bench_table")
def test_building_a_pack_value_loads_no_drawing_machinery():
    """Chart values (data, titles, alt text) are built without matplotlib's figures and axes:
    a kernel whose charts are drawn by workers never loads them."""
    code = ("from analysis.data.geography import load_areas, resolve_la\n"
            "from analysis.data.periods import parse_quarter\n"
            "from analysis.quarterly_pack import report\n"
            "la = resolve_la('Doncaster', load_areas())\n"
            "pack = report.quarterly_pack(report.build_pack_context(la, parse_quarter('2017-18 Q4')))\n"
            "assert len(pack.charts()) > 20\n"
            "import sys\n"
            "print('DRAWING:' + ' '.join(m for m in ('matplotlib.figure', 'matplotlib.axes', "
            "'matplotlib.backends.backend_agg', 'scipy.stats') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.rsplit("DRAWING:", 1)[1].split() == []


def test_chart_workers_start_early_only_where_they_would_be_used():
    code = ("import os, sys\n"
            "from analysis.render import output as render\n"
            "os.environ['CSC_CHART_WORKERS'] = '0'\n"  # charts drawn in this process
            "print('OFF', render.start_chart_workers())\n"
            "os.environ['CSC_CHART_WORKERS'] = '2'\n"
            "print('ON', render.start_chart_workers())\n"
            "from multiprocessing import forkserver\n"
            "print('RUNNING', forkserver._forkserver._forkserver_pid is not None)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=120).stdout.split()
    assert out == ["OFF", "False", "ON", "True", "RUNNING", "True"]
