"""Funnel-plot control limits: exact binomial or Poisson (Spiegelhalter 2005), optionally
widened for over-dispersion (multiplicative or additive random effects), and where each unit
sits on the funnel.

Values are on the published scale: percentages (0-100) for proportions, rates per ``per``
(10,000 children by default) for rates. The methods and their references are in
docs/methods/statistics.md.

scipy is imported inside the functions that need it, and only ``scipy.special``: importing
``scipy.stats`` would cost a pack 0.7 to 1.5 s (tests/test_lazy_imports.py checks).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from analysis.core.errors import InputDataError, ParameterError
from analysis.engine.array_inputs import all_scalar, bad_rows, broadcast, index_of, wrap
from analysis.engine.intervals import COMPARISON_LEVELS, check_level, level_label, z_value

__all__ = [
    "OverdispersionEstimate",
    "denominator_grid",
    "estimate_overdispersion",
    "funnel_flags",
    "funnel_limits",
]

Kind = Literal["proportion", "rate"]

_DEFAULT_PER: dict[str, float] = {"proportion": 100.0, "rate": 10_000.0}


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
    checked = tuple(check_level(lv, "levels") for lv in given)
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
