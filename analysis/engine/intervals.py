"""Statistical methods for judging a difference honestly.

Pure functions, vectorised over scalars, numpy arrays and pandas Series:

* confidence intervals for proportions (Wilson score) and for rates (Byar's method, with the
  exact Poisson interval for small counts), as OHID Fingertips computes them;
* ``compare_to``: better / similar / worse than a comparator, from an interval and a polarity;
* funnel-plot control limits (exact binomial or Poisson, Spiegelhalter 2005) with optional
  over-dispersion adjustment (multiplicative or additive random effects) and per-unit flags.

Scales. Our tidy tables store proportions as percentages (0-100) and rates "per ``per``"
(10,000 children by default). The public functions take and return those scales:
``proportion_ci`` returns percentages, ``rate_ci`` returns rates per ``per``; ``wilson_interval``
is the one function that works in proportions (0-1). The methods and their references are in
docs/methods/statistics.md.

Return types follow the inputs: if any input is a pandas Series the result is a Series (or a
pair of Series) on that index; if every input is a scalar the result is a float (or str); else
a numpy array.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

# scipy is imported inside the functions that need it (exact Poisson limits for small counts,
# funnel limits, over-dispersion): a benchmark table needs none of it, and importing
# scipy.stats alone takes most of a second.
from analysis.core.errors import InputDataError, ParameterError
from analysis.engine.array_inputs import all_scalar, bad_rows, broadcast, index_of, wrap

__all__ = [
    "COMPARISON_LEVELS",
    "EXACT_BELOW",
    "POLARITIES",
    "OverdispersionEstimate",
    "byar_count_interval",
    "compare_to",
    "denominator_grid",
    "derive_denominator",
    "derive_numerator",
    "estimate_overdispersion",
    "exact_poisson_count_interval",
    "funnel_flags",
    "funnel_limits",
    "level_label",
    "poisson_count_interval",
    "proportion_ci",
    "rate_ci",
    "wilson_interval",
    "z_value",
]

#: The two levels Fingertips shows: 95% (about 2 SD) and 99.8% (about 3 SD).
COMPARISON_LEVELS: tuple[float, float] = (0.95, 0.998)

#: OHID Fingertips technical guidance ("Rates"): Byar's method for counts of 10 or more,
#: the exact (chi-square) Poisson method below 10. Older APHO spreadsheet tools used 389.
EXACT_BELOW: float = 10

#: Polarity names as in config/indicators.yaml.
POLARITIES: tuple[str, str, str] = ("lower_is_better", "higher_is_better", "none")

Polarity = Literal["lower_is_better", "higher_is_better", "none"]
Kind = Literal["proportion", "rate"]

_DEFAULT_PER: dict[str, float] = {"proportion": 100.0, "rate": 10_000.0}


# --------------------------------------------------------------------------------------------
# Small helpers: levels, counts
# --------------------------------------------------------------------------------------------

def _check_level(level: float, parameter: str = "level") -> float:
    try:
        level = float(level)
    except (TypeError, ValueError):
        level = math.nan
    if not 0.5 < level < 1:
        raise ParameterError(
            "the confidence level must be a proportion strictly between 0.5 and 1",
            parameter=parameter, expected="e.g. 0.95 or 0.998", found=repr(level),
            fix="give the level as a proportion: 0.95 for 95%, 0.998 for 99.8%",
        )
    return level


def z_value(level: float) -> float:
    """Two-sided standard normal quantile for ``level`` (0.95 -> 1.959964, 0.998 -> 3.090232)."""
    level = _check_level(level)
    return _normal_quantile(1 - (1 - level) / 2)


def _normal_quantile(p: float) -> float:
    """The standard normal quantile (the standard library's; it agrees with
    scipy.stats.norm.ppf to within 1e-15 and spares a table importing scipy)."""
    return NormalDist().inv_cdf(p)


def level_label(level: float) -> str:
    """Column-name label for a level: 0.95 -> "95", 0.998 -> "99_8"."""
    return f"{_check_level(level) * 100:g}".replace(".", "_")


def _check_counts(count: np.ndarray, name: str, index: pd.Index | None) -> None:
    bad = count < 0
    if bad.any():
        raise InputDataError(
            f"{name} cannot be negative",
            column=name, rows=bad_rows(bad, index), expected="counts of 0 or more",
            found=f"{int(bad.sum())} negative value(s), e.g. {count[bad].reshape(-1)[0]:g}",
        )


# --------------------------------------------------------------------------------------------
# Proportions: Wilson score interval
# --------------------------------------------------------------------------------------------

def wilson_interval(numerator: Any, denominator: Any, level: float = 0.95):
    """Wilson (1927) score interval for a proportion, as proportions 0-1.

    The formula and arithmetic of ``statsmodels.stats.proportion.proportion_confint(
    method="wilson")`` (the same numbers to 1e-12; tests/test_lazy_imports.py checks), written
    out so that a table does not import statsmodels and scipy.
    0 events gives a lower limit of exactly 0, ``numerator == denominator`` an upper limit of
    exactly 1. A denominator of 0 or a missing value gives NaN for that row.
    Raises InputDataError for negative counts or a numerator above its denominator.
    """
    level = _check_level(level)
    index, scalar = index_of(numerator, denominator), all_scalar(numerator, denominator)
    num, den = broadcast(["numerator", "denominator"], [numerator, denominator])
    _check_counts(num, "numerator", index)
    _check_counts(den, "denominator", index)
    over = num > den
    if over.any():
        raise InputDataError(
            "a numerator is larger than its denominator",
            column="numerator", rows=bad_rows(over, index),
            expected="numerator <= denominator for a proportion",
            found=f"e.g. {num[over].reshape(-1)[0]:g} out of {den[over].reshape(-1)[0]:g}",
            fix="check the two columns are not swapped and describe the same group",
        )
    ok = np.isfinite(num) & np.isfinite(den) & (den > 0)
    lower = np.full(num.shape, np.nan)
    upper = np.full(num.shape, np.nan)
    if ok.any():
        lo, hi = _wilson(num[ok], den[ok], alpha=1 - level)
        lower[ok] = np.clip(lo, 0.0, 1.0)
        upper[ok] = np.clip(hi, 0.0, 1.0)
        lower[ok & (num == 0)] = 0.0  # exact at the boundaries, not 1e-17
        upper[ok & (num == den)] = 1.0
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def _wilson(count: np.ndarray, nobs: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    crit = _normal_quantile(1 - alpha / 2.0)  # scipy.stats.norm.isf(alpha / 2)
    crit2 = crit**2
    q_ = count / nobs
    denom = 1 + crit2 / nobs
    center = (q_ + crit2 / (2 * nobs)) / denom
    dist = crit * np.sqrt(q_ * (1.0 - q_) / nobs + crit2 / (4.0 * nobs**2))
    dist /= denom
    return center - dist, center + dist


def proportion_ci(numerator: Any, denominator: Any, level: float = 0.95):
    """Wilson score interval as percentages 0-100: ``(lower_pct, upper_pct)``."""
    lower, upper = wilson_interval(numerator, denominator, level)
    return lower * 100, upper * 100


# --------------------------------------------------------------------------------------------
# Counts and rates: Byar's method and the exact Poisson interval
# --------------------------------------------------------------------------------------------

def exact_poisson_count_interval(count: Any, level: float = 0.95):
    """Exact (Garwood) Poisson interval for an observed count, via chi-square quantiles.

    lower = chi2.ppf(alpha/2, 2*O) / 2 (0 when O = 0); upper = chi2.ppf(1 - alpha/2, 2*O + 2) / 2,
    computed as scipy.stats computes chi2.ppf(q, 2k) / 2: ``scipy.special.gammaincinv(k, q)``.
    """
    from scipy.special import gammaincinv

    level = _check_level(level)
    index, scalar = index_of(count), all_scalar(count)
    (obs,) = broadcast(["count"], [count])
    _check_counts(obs, "count", index)
    alpha = 1 - level
    with np.errstate(invalid="ignore"):
        lower = np.where(obs > 0, gammaincinv(np.where(obs > 0, obs, 1), alpha / 2), 0.0)
        upper = gammaincinv(obs + 1, 1 - alpha / 2)
    lower = np.where(np.isnan(obs), np.nan, lower)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def byar_count_interval(count: Any, level: float = 0.95):
    """Byar's approximation to the exact Poisson interval for an observed count O.

    lower = O * (1 - 1/(9O) - z/(3*sqrt(O)))**3, upper = (O+1) * (1 - 1/(9(O+1)) + z/(3*sqrt(O+1)))**3.
    The lower limit is undefined at O = 0 and is returned as 0 there.
    """
    z = z_value(level)
    index, scalar = index_of(count), all_scalar(count)
    (obs,) = broadcast(["count"], [count])
    _check_counts(obs, "count", index)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = obs * (1 - 1 / (9 * obs) - z / (3 * np.sqrt(obs))) ** 3
        upper = (obs + 1) * (1 - 1 / (9 * (obs + 1)) + z / (3 * np.sqrt(obs + 1))) ** 3
    lower = np.where(obs == 0, 0.0, lower)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def poisson_count_interval(count: Any, level: float = 0.95, exact_below: float = EXACT_BELOW):
    """Interval for a count as Fingertips does it: exact below ``exact_below``, else Byar's."""
    index, scalar = index_of(count), all_scalar(count)
    (obs,) = broadcast(["count"], [count])
    by_lo, by_hi = byar_count_interval(obs, level)
    small = obs < exact_below
    lower, upper = np.asarray(by_lo), np.asarray(by_hi)
    if small.any():  # the exact interval needs scipy: only worked out when a count is small
        ex_lo, ex_hi = exact_poisson_count_interval(obs, level)
        lower = np.where(small, ex_lo, by_lo)
        upper = np.where(small, ex_hi, by_hi)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


def rate_ci(count: Any, population: Any, per: float = 10_000, level: float = 0.95,
            exact_below: float = EXACT_BELOW):
    """Interval for a crude rate ``count / population * per``: ``(lower, upper)`` per ``per``.

    The count is treated as Poisson: exact chi-square limits for counts below ``exact_below``
    (10, as in the Fingertips guidance), Byar's method from there up. A population of 0 or
    a missing value gives NaN.
    """
    index, scalar = index_of(count, population), all_scalar(count, population)
    obs, pop = broadcast(["count", "population"], [count, population])
    _check_counts(pop, "population", index)
    if not (isinstance(per, numbers.Real) and per > 0):
        raise ParameterError("the rate multiplier must be a positive number", parameter="per",
                             expected="e.g. 10000 for a rate per 10,000", found=repr(per))
    lo, hi = poisson_count_interval(obs, level, exact_below)
    with np.errstate(divide="ignore", invalid="ignore"):
        good = pop > 0
        lower = np.where(good, np.asarray(lo) / np.where(good, pop, 1) * per, np.nan)
        upper = np.where(good, np.asarray(hi) / np.where(good, pop, 1) * per, np.nan)
    return (wrap(lower, index, scalar, "lower"), wrap(upper, index, scalar, "upper"))


# --------------------------------------------------------------------------------------------
# Denominators published only through a rate
# --------------------------------------------------------------------------------------------

def derive_denominator(numerator: Any, value: Any, per: float = 10_000):
    """Denominator implied by a published count and rate: ``numerator * per / value``.

    E.g. Doncaster 2017: 5,275 referrals at 804.1 per 10,000 children implies about 65,601
    children. Published rates are rounded, so the result is approximate (relative error up to
    about half a unit of the last published digit divided by the value); round it only for
    display. A value of 0 or a missing value gives NaN (no denominator can be implied).
    """
    index, scalar = index_of(numerator, value), all_scalar(numerator, value)
    num, val = broadcast(["numerator", "value"], [numerator, value])
    with np.errstate(divide="ignore", invalid="ignore"):
        den = np.where(val > 0, num * per / np.where(val > 0, val, 1), np.nan)
    return wrap(den, index, scalar, "denominator")


def derive_numerator(value: Any, denominator: Any, per: float = 100):
    """Count implied by a published value and its denominator: ``value * denominator / per``.

    For a percentage use ``per=100``. The result is not rounded to a whole number: the
    published value is itself rounded, so the count is only approximate.
    """
    index, scalar = index_of(value, denominator), all_scalar(value, denominator)
    val, den = broadcast(["value", "denominator"], [value, denominator])
    return wrap(val * den / per, index, scalar, "numerator")


# --------------------------------------------------------------------------------------------
# Better / similar / worse
# --------------------------------------------------------------------------------------------

def _check_polarity(polarity: str) -> str:
    if polarity not in POLARITIES:
        raise ParameterError(
            "unknown polarity", parameter="polarity",
            expected=" | ".join(POLARITIES), found=repr(polarity),
            fix="use the polarity given for the indicator in config/indicators.yaml",
        )
    return polarity


def compare_to(value_ci_lower: Any, value_ci_upper: Any, comparator_value: Any,
               polarity: Polarity):
    """Significance of a difference from a comparator, from the area's confidence interval.

    If the comparator lies strictly outside ``[lower, upper]`` the area is significantly
    different. With polarity ``lower_is_better`` or ``higher_is_better`` the result is
    "better" / "similar" / "worse"; with ``none`` it is "higher" / "similar" / "lower".
    A missing limit or comparator gives "not compared". A comparator exactly on a limit counts
    as inside ("similar").
    """
    _check_polarity(polarity)
    index = index_of(value_ci_lower, value_ci_upper, comparator_value)
    scalar = all_scalar(value_ci_lower, value_ci_upper, comparator_value)
    lo, hi, comp = broadcast(["value_ci_lower", "value_ci_upper", "comparator_value"],
                              [value_ci_lower, value_ci_upper, comparator_value])
    reversed_ = lo > hi
    if reversed_.any():
        raise InputDataError(
            "a lower confidence limit is above its upper limit",
            column="value_ci_lower", rows=bad_rows(reversed_, index),
            expected="lower <= upper", fix="check the two limits are not swapped",
        )
    high_word, low_word = {
        "higher_is_better": ("better", "worse"),
        "lower_is_better": ("worse", "better"),
        "none": ("higher", "lower"),
    }[polarity]
    missing = np.isnan(lo) | np.isnan(hi) | np.isnan(comp)
    result = np.select(
        [missing, lo > comp, hi < comp],
        ["not compared", high_word, low_word],
        default="similar",
    ).astype(object)
    return wrap(result, index, scalar, "comparison")


# --------------------------------------------------------------------------------------------
# Funnel plots
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OverdispersionEstimate:
    """Spiegelhalter (2005) over-dispersion estimate for a set of units around a target.

    ``phi``: the dispersion factor, the mean of the squared winsorised z-scores (1 means no
    over-dispersion). ``tau2``: the between-unit variance of the additive random-effects
    model, on the per-person scale (proportion 0-1, or events per person); 0 when
    ``n_units * phi <= n_units - 1``. ``p_value``: approximate test of no over-dispersion
    (``n_units * phi`` against chi-square on ``n_units - 1`` degrees of freedom).
    """

    phi: float
    tau2: float
    n_units: int
    p_value: float
    winsor: float
    kind: str


def _kind_per(kind: str, per: float | None) -> float:
    if kind not in _DEFAULT_PER:
        raise ParameterError("unknown kind of indicator", parameter="kind",
                             expected="'proportion' or 'rate'", found=repr(kind))
    per = _DEFAULT_PER[kind] if per is None else per
    if not (isinstance(per, numbers.Real) and per > 0):
        raise ParameterError("the multiplier must be a positive number", parameter="per",
                             expected="100 for a percentage, 10000 for a rate per 10,000",
                             found=repr(per))
    return float(per)


def _check_target(target_value: float, kind: str, per: float) -> float:
    theta = float(target_value) / per
    if not math.isfinite(theta) or theta < 0 or (kind == "proportion" and theta > 1):
        raise ParameterError(
            "the funnel target is outside the possible range", parameter="target_value",
            expected=f"0 to {per:g}" if kind == "proportion" else "a rate of 0 or more",
            found=repr(target_value),
        )
    return theta


def _check_levels(levels: Sequence[float] | float) -> tuple[float, ...]:
    given = ([cast(float, levels)] if isinstance(levels, numbers.Real)
             else list(cast(Sequence[float], levels)))
    checked = tuple(_check_level(lv, "levels") for lv in given)
    if not checked:
        raise ParameterError("no levels were given", parameter="levels",
                             expected="e.g. (0.95, 0.998)", found="()")
    return tuple(sorted(set(checked)))


def _exact_limit(p: float, n: np.ndarray, theta: float, kind: str) -> np.ndarray:
    """Spiegelhalter (2005) exact limit on the per-person scale, interpolated between counts.

    r = smallest count with F(r) >= p; alpha = (F(r) - p) / (F(r) - F(r - 1)); limit = (r - alpha) / n.
    F is the binomial (proportions) or Poisson (rates) distribution function, from
    ``scipy.special`` as scipy.stats computes it: r from the inverse (``bdtrik``/``pdtrik``),
    corrected down by one where F(r - 1) already reaches p. This spares a pack importing
    scipy.stats (0.7 to 1.5 s) for two functions.
    """
    from scipy import special

    n = np.asarray(n, dtype=float)
    if kind == "proportion":
        whole = n.astype(np.int64)  # denominators of a proportion are whole (checked)

        def cdf(k: np.ndarray) -> np.ndarray:
            return np.where(k < 0, 0.0, special.bdtr(np.maximum(k, 0).astype(np.int64), whole, theta))

        with np.errstate(invalid="ignore"):
            guess = np.ceil(special.bdtrik(p, n, theta))
        # theta 0 or 1: every person is (or none is) counted; bdtrik gives nan there.
        guess = np.where(np.isnan(guess), np.where(theta >= 1, n, 0.0), guess)
    else:
        mu = theta * n

        def cdf(k: np.ndarray) -> np.ndarray:
            return np.where(k < 0, 0.0, special.pdtr(np.maximum(k, 0), mu))

        with np.errstate(invalid="ignore"):
            guess = np.ceil(special.pdtrik(p, mu))
        guess = np.where(np.isnan(guess), 0.0, guess)
    below = np.maximum(guess - 1, 0)
    r = np.where(cdf(below) >= p, below, guess)
    f_r, f_below = cdf(r), cdf(r - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(f_r > f_below, (f_r - p) / (f_r - f_below), 0.0)
        limit = (r - alpha) / n
    upper_bound = 1.0 if kind == "proportion" else np.inf
    return np.clip(limit, 0.0, upper_bound)


def _unit_se(theta: float, n: np.ndarray, kind: str) -> np.ndarray:
    """Standard error under the target on the per-person scale."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "proportion":
            return np.sqrt(theta * (1 - theta) / n)
        return np.sqrt(theta / n)


def _check_denominators(den: np.ndarray, name: str, kind: str, index=None) -> None:
    bad = ~np.isfinite(den) | (den <= 0)
    if bad.any():
        raise InputDataError(
            f"{name} must be positive numbers", column=name, rows=bad_rows(bad, index),
            expected="denominators above 0", found=f"{int(bad.sum())} zero, negative or missing",
            fix="drop units without a denominator before drawing a funnel",
        )
    if kind == "proportion" and np.any(den != np.round(den)):
        raise InputDataError(
            f"{name} must be whole numbers for a proportion (exact binomial limits)",
            column=name, expected="whole-number denominators",
            found="non-integer values; a derived denominator should be rounded first",
        )


def estimate_overdispersion(values: Any, denominators: Any, target_value: float,
                            kind: Kind = "proportion", per: float | None = None,
                            winsor: float = 0.1) -> OverdispersionEstimate:
    """Estimate phi and tau² for units around ``target_value`` (Spiegelhalter 2005).

    z_i = (y_i - theta) / s_i with s_i the standard error under the target
    (sqrt(theta(1-theta)/n_i) for proportions, sqrt(theta/n_i) for rates). The z-scores are
    winsorised (the lowest and highest ``winsor`` fraction set to the 10th/90th percentiles),
    phi = mean(z_w²), and tau² = (I*phi - (I-1)) / (sum(w) - sum(w²)/sum(w)), w = 1/s², floored
    at 0. ``values`` are on the published scale (percent, or rate per ``per``).
    Units with a missing value or denominator are left out.
    """
    per = _kind_per(kind, per)
    theta = _check_target(target_value, kind, per)
    if not 0 <= winsor < 0.5:
        raise ParameterError("the winsorising fraction must be in [0, 0.5)", parameter="winsor",
                             expected="e.g. 0.1 (10% at each end)", found=repr(winsor))
    if theta == 0 or (kind == "proportion" and theta == 1):
        raise ParameterError(
            "over-dispersion cannot be estimated around a target of 0 (or 100%)",
            parameter="target_value", expected="a target strictly inside the range",
            found=repr(target_value),
        )
    val, den = broadcast(["values", "denominators"], [values, denominators])
    keep = np.isfinite(val) & np.isfinite(den)
    val, den = val[keep].reshape(-1), den[keep].reshape(-1)
    _check_denominators(den, "denominators", kind)
    if len(val) < 3:
        raise InputDataError(
            "too few units to estimate over-dispersion", column="values",
            expected="at least 3 units with a value and a denominator (ideally many more)",
            found=f"{len(val)} unit(s)",
        )
    s = _unit_se(theta, den, kind)
    z = (val / per - theta) / s
    lo, hi = np.quantile(z, [winsor, 1 - winsor])
    zw = np.clip(z, lo, hi)
    n_units = len(zw)
    phi = float(np.mean(zw**2))
    w = 1 / s**2
    denom = w.sum() - (w**2).sum() / w.sum()
    tau2 = max(0.0, (n_units * phi - (n_units - 1)) / denom) if denom > 0 else 0.0
    from scipy.special import chdtrc  # the chi-square upper tail, without importing scipy.stats

    p_value = float(chdtrc(n_units - 1, n_units * phi))
    return OverdispersionEstimate(phi=phi, tau2=float(tau2), n_units=n_units,
                                  p_value=p_value, winsor=winsor, kind=kind)


def denominator_grid(max_denominator: float, points: int = 200, min_denominator: float = 1,
                     whole: bool = True) -> np.ndarray:
    """Geometrically spaced denominators for drawing smooth funnel lines."""
    if not (max_denominator >= min_denominator > 0) or points < 2:
        raise ParameterError("the grid needs 0 < min_denominator <= max_denominator and 2+ points",
                             parameter="max_denominator",
                             found=f"min {min_denominator!r}, max {max_denominator!r}, "
                                   f"points {points!r}")
    grid = np.geomspace(min_denominator, max_denominator, points)
    return np.unique(np.round(grid)) if whole else grid


def funnel_limits(target_value: float, denominators: Any, kind: Kind = "proportion",
                  levels: Sequence[float] = COMPARISON_LEVELS, per: float | None = None,
                  overdispersion: Literal["none", "multiplicative", "additive"] = "none",
                  estimate: OverdispersionEstimate | None = None,
                  values: Any = None, value_denominators: Any = None) -> pd.DataFrame:
    """Funnel-plot control limits around ``target_value`` for each denominator.

    Returns a DataFrame with columns ``denominator``, ``target`` and ``lower_<L>``,
    ``upper_<L>`` for each level (``lower_95``, ``upper_99_8``...), on the published scale
    (percent for proportions, rate per ``per`` for rates).

    ``overdispersion="none"``: exact limits, binomial for proportions and Poisson for rates,
    interpolated between whole counts as in Spiegelhalter (2005, Stat Med). Otherwise normal
    limits widened for over-dispersion (Spiegelhalter 2005, QSHC): "multiplicative" gives
    theta ± z*sqrt(phi)*s (applied only when phi > 1), "additive" gives theta ± z*sqrt(s² + tau²).
    The estimate comes from ``estimate`` or is made from ``values`` / ``value_denominators``;
    its ``phi`` and ``tau2`` are returned as columns too.
    """
    per = _kind_per(kind, per)
    theta = _check_target(target_value, kind, per)
    levels = _check_levels(levels)
    if overdispersion not in ("none", "multiplicative", "additive"):
        raise ParameterError("unknown over-dispersion method", parameter="overdispersion",
                             expected="'none', 'multiplicative' or 'additive'",
                             found=repr(overdispersion))
    (den,) = broadcast(["denominators"], [denominators])
    den = den.reshape(-1)
    _check_denominators(den, "denominators", kind, index_of(denominators))
    out = pd.DataFrame({"denominator": den, "target": float(target_value)})
    if overdispersion != "none":
        if estimate is None:
            if values is None or value_denominators is None:
                raise ParameterError(
                    "over-dispersion needs the units' figures", parameter="estimate",
                    expected="an OverdispersionEstimate, or values= and value_denominators=",
                    found="neither",
                    fix="pass the units' values and denominators, or estimate_overdispersion()",
                )
            estimate = estimate_overdispersion(values, value_denominators, target_value, kind,
                                               per)
        if estimate.kind != kind:
            raise ParameterError("the over-dispersion estimate is for another kind of indicator",
                                 parameter="estimate", expected=repr(kind),
                                 found=repr(estimate.kind))
        s = _unit_se(theta, den, kind)
        if overdispersion == "multiplicative":
            spread = s * math.sqrt(max(estimate.phi, 1.0))
        else:
            spread = np.sqrt(s**2 + estimate.tau2)
    upper_bound = 1.0 if kind == "proportion" else np.inf
    for level in levels:
        label = level_label(level)
        p_low, p_high = (1 - level) / 2, 1 - (1 - level) / 2
        if overdispersion == "none":
            lower = _exact_limit(p_low, den, theta, kind)
            upper = _exact_limit(p_high, den, theta, kind)
        else:
            z = z_value(level)
            lower = np.clip(theta - z * spread, 0.0, upper_bound)
            upper = np.clip(theta + z * spread, 0.0, upper_bound)
        out[f"lower_{label}"] = lower * per
        out[f"upper_{label}"] = upper * per
    if estimate is not None and overdispersion != "none":
        out["phi"] = estimate.phi
        out["tau2"] = estimate.tau2
    out.attrs["method"] = (
        f"exact {'binomial' if kind == 'proportion' else 'Poisson'} (Spiegelhalter 2005)"
        if overdispersion == "none" else f"{overdispersion} over-dispersion (Spiegelhalter 2005)"
    )
    return out


def funnel_flags(values: Any, denominators: Any, target_value: float,
                 kind: Kind = "proportion", levels: Sequence[float] = COMPARISON_LEVELS,
                 per: float | None = None,
                 overdispersion: Literal["none", "multiplicative", "additive"] = "none",
                 estimate: OverdispersionEstimate | None = None):
    """Where each unit sits on the funnel: "inside", "above_95", "above_99_8", "below_95"...

    The label names the widest level whose limit the unit lies strictly beyond; a value
    exactly on a limit is inside it. A missing value or denominator gives "not compared".
    With over-dispersion and no ``estimate``, phi / tau² are estimated from these units.
    """
    levels = _check_levels(levels)
    index, scalar = index_of(values, denominators), all_scalar(values, denominators)
    val, den = broadcast(["values", "denominators"], [values, denominators])
    shape = val.shape
    val, den = val.reshape(-1), den.reshape(-1)
    known = np.isfinite(val) & np.isfinite(den)
    if overdispersion != "none" and estimate is None:
        estimate = estimate_overdispersion(val[known], den[known], target_value, kind, per)
    result = np.full(val.shape, "not compared", dtype=object)
    if known.any():
        limits = funnel_limits(target_value, den[known], kind, levels, per, overdispersion,
                               estimate)
        v = val[known]
        labels = np.full(v.shape, "inside", dtype=object)
        for level in levels:  # ascending, so the widest level breached wins
            label = level_label(level)
            labels[v > limits[f"upper_{label}"].to_numpy()] = f"above_{label}"
            labels[v < limits[f"lower_{label}"].to_numpy()] = f"below_{label}"
        result[known] = labels
    return wrap(result.reshape(shape), index, scalar, "funnel_flag")
