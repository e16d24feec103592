"""Deterministic synthetic referral records at Doncaster's scale (illustration and tests only).

Nothing here is real. Children are ``SYN000001``..., referrals ``SYNR0000001``... The
generator is calibrated to the published and reported Doncaster picture for 2016-17
(DfE table C1 and the council's performance reports in ``shared/seeds``):

* about 5,275 referrals a year (C1: 5,275 in 2016-17);
* about 27% re-referred within 12 months (C1: 27.1%), about 60% of those within 60
  days of the previous referral (council report);
* about 36% of referrals assessed not in need (C1: 36.1%), about 3% NFA (C1: 3.4%);
* about 11% with early help before the referral (council report: 11.3%);
* the police the largest referral source, about 40% (council report);
* four localities, one ("East") with a higher re-referral rate, for a funnel plot.

How: first referrals arrive at random (Poisson) from a year before the data starts (so
the first year has a real but unseen history); each referral's outcome is drawn, the case
closes after an outcome-dependent time, and with an outcome-dependent probability the
child comes back after a gap that is usually short. Generations are drawn with numpy, so
a million rows take about a second. Same seed, same output.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.atomic import atomic_path
from analysis.core.errors import ParameterError
from analysis.data.schemas.referrals import COLUMNS, REFERRAL_SOURCES

SOURCE_WEIGHTS: dict[str, float] = {
    "6": 0.40, "2A": 0.15, "3A": 0.03, "3B": 0.03, "3C": 0.01, "3D": 0.02, "3E": 0.03,
    "3F": 0.02, "1A": 0.05, "1B": 0.01, "1C": 0.01, "1D": 0.01, "5A": 0.04, "5B": 0.02,
    "5C": 0.02, "2B": 0.02, "4": 0.02, "7": 0.03, "8": 0.05, "9": 0.02, "10": 0.01,
}

OUTCOME_WEIGHTS: dict[str, float] = {
    "nfa": 0.034, "no_assessment": 0.02, "not_in_need": 0.24, "early_help": 0.12,
    "cin_plan": 0.486, "cp_plan": 0.10,
}
#: Chance that a child comes back (at any time later) after each outcome.
RETURN_PROBABILITY: dict[str, float] = {
    "nfa": 0.60, "no_assessment": 0.50, "not_in_need": 0.53, "early_help": 0.45,
    "cin_plan": 0.22, "cp_plan": 0.18,
}
#: Days from referral to closure (uniform low..high) after each outcome.
CLOSURE_DAYS: dict[str, tuple[int, int]] = {
    "nfa": (0, 1), "no_assessment": (0, 7), "not_in_need": (3, 30), "early_help": (3, 30),
    "cin_plan": (90, 400), "cp_plan": (180, 600),
}
NEEDS: dict[str, float] = {
    "N1": 0.50, "N2": 0.04, "N3": 0.03, "N4": 0.10, "N5": 0.18, "N6": 0.03, "N7": 0.005,
    "N8": 0.04, "N9": 0.05, "N0": 0.025,
}
#: Factor codes valid in every CIN census schema 2017-2024, with weights.
FACTORS: dict[str, float] = {
    "3A": 0.10, "3B": 0.16, "4B": 0.14, "4A": 0.06, "2B": 0.08, "1B": 0.06, "16A": 0.09,
    "17A": 0.08, "5B": 0.03, "6B": 0.02, "14A": 0.03, "10A": 0.02, "11A": 0.02, "15A": 0.02,
    "20": 0.09,
}
LOCALITIES: dict[str, float] = {"North": 0.28, "South": 0.24, "East": 0.22, "Central": 0.26}
#: Return probability multiplier by locality ("East" is the outlier).
LOCALITY_EFFECT: dict[str, float] = {"North": 0.95, "South": 0.95, "East": 1.30, "Central": 0.92}

#: Share of returns that come back soon (within 1-45 days of closure).
SOON_SHARE = 0.77


#: A missing value for np.where over object arrays (typed: numpy's stubs refuse a bare None).
_NONE = np.array(None, dtype=object)


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    keys = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def generate_referrals(
    seed: int = 2017,
    start: str = "2014-04-01",
    end: str = "2019-03-31",
    referrals_per_year: float = 5275,
) -> pd.DataFrame:
    """Synthetic tidy referral table (see :mod:`analysis.data.schemas.referrals`).

    Referrals dated ``start`` to ``end`` inclusive; cases still open at ``end`` have no
    closure date; outcomes of referrals in the last 14 days are not yet recorded (NA).
    """
    if referrals_per_year <= 0:
        raise ParameterError("referrals_per_year must be positive",
                             parameter="referrals_per_year", expected="> 0",
                             found=repr(referrals_per_year))
    t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
    if t1 <= t0:
        raise ParameterError("end must be after start", parameter="end",
                             expected=f"a date after {start}", found=end)
    rng = np.random.default_rng(seed)
    burn = t0 - pd.DateOffset(years=2)
    span = (t1 - burn).days + 1
    mean_q = sum(OUTCOME_WEIGHTS[k] * RETURN_PROBABILITY[k] for k in OUTCOME_WEIGHTS)
    n_children = rng.poisson(referrals_per_year * (1 - mean_q) * span / 365.25)
    child_locality = _pick(rng, LOCALITIES, n_children)
    loc_effect = np.vectorize(LOCALITY_EFFECT.get)(child_locality).astype(float)

    day = np.sort(rng.integers(0, span, n_children))
    alive = np.arange(n_children)
    prev_outcome = np.full(n_children, "", dtype=object)
    parts = []
    generation = 0
    while alive.size:
        n = alive.size
        outcome = _pick(rng, OUTCOME_WEIGHTS, n)
        # a child stepped down to early help last time more often returns after early help
        prior_eh = rng.random(n) < np.where(prev_outcome[alive] == "early_help", 0.40, 0.085)
        lo = np.vectorize(lambda o: CLOSURE_DAYS[o][0])(outcome)
        hi = np.vectorize(lambda o: CLOSURE_DAYS[o][1])(outcome)
        closure = day + rng.integers(lo, hi + 1)
        parts.append(pd.DataFrame({"child": alive, "day": day, "closure_day": closure,
                                   "outcome": outcome, "prior_eh": prior_eh,
                                   "generation": generation}))
        q = np.vectorize(RETURN_PROBABILITY.get)(outcome).astype(float) * loc_effect[alive]
        back = rng.random(n) < np.clip(q, 0, 0.95)
        soon = rng.random(n) < SOON_SHARE
        gap = np.where(soon, rng.integers(1, 46, n), rng.integers(46, 700, n))
        nxt = np.maximum(closure + gap, day + 1)
        keep = back & (nxt < span)
        prev_outcome = np.full(n_children, "", dtype=object)
        prev_outcome[alive[keep]] = outcome[keep]
        alive, day = alive[keep], nxt[keep]
        generation += 1

    r = pd.concat(parts, ignore_index=True)
    r = r.loc[r["day"] >= (t0 - burn).days].sort_values(["day", "child", "generation"],
                                                         kind="stable")
    r = r.reset_index(drop=True)
    n = len(r)
    dates = burn + pd.to_timedelta(r["day"], unit="D")
    closure = burn + pd.to_timedelta(r["closure_day"], unit="D")
    outcome = r["outcome"].to_numpy(dtype=object)
    nfa = outcome == "nfa"
    assessed = ~np.isin(outcome, ["nfa", "no_assessment"])

    closure_reason = np.select(
        [np.isin(outcome, ["nfa", "not_in_need"]), outcome == "early_help",
         outcome == "no_assessment"], ["RC8", "RC8", "RC7"], default="RC7")
    # a few CIN/CP closures for other reasons
    other = (rng.random(n) < 0.04) & np.isin(outcome, ["cin_plan", "cp_plan"])
    closure_reason = np.where(other, _pick(rng, {"RC5": 0.6, "RC3": 0.2, "RC4": 0.2}, n),
                              closure_reason)
    tidy_outcome = np.where(nfa, "no_assessment", outcome).astype(object)
    pending = (dates > t1 - pd.Timedelta(days=14)).to_numpy() & assessed
    tidy_outcome[pending] = None  # assessment not finished at the extract date: still open
    open_at_end = (closure > t1).to_numpy() | pending

    need = np.where(assessed, _pick(rng, NEEDS, n), _NONE)
    n_factors = rng.integers(1, 4, n)
    fac = _pick(rng, FACTORS, n * 3).reshape(n, 3)
    factors = np.array([";".join(dict.fromkeys(row[:k])) for row, k in zip(fac, n_factors,
                                                                             strict=True)],
                       dtype=object)
    nif = np.isin(outcome, ["not_in_need", "early_help"])
    factors = np.where(nif & (rng.random(n) < 0.25), "21", factors)
    factors = np.where(assessed & ~pending, factors, _NONE)

    source_codes = _pick(rng, SOURCE_WEIGHTS, n)
    out = pd.DataFrame({
        "child_id": pd.Series([f"SYN{c + 1:06d}" for c in r["child"]], dtype="str"),
        "referral_id": pd.Series([f"SYNR{i + 1:07d}" for i in range(n)], dtype="str"),
        "referral_date": dates.astype("datetime64[ns]"),
        "referral_source": pd.Series([REFERRAL_SOURCES[c] for c in source_codes], dtype="str"),
        "referral_nfa": nfa,
        "assessment_outcome": pd.Series(tidy_outcome, dtype="str"),
        "closure_date": closure.where(~open_at_end).astype("datetime64[ns]"),
        "closure_reason": pd.Series(np.where(open_at_end, _NONE, closure_reason), dtype="str"),
        "prior_early_help": pd.array(r["prior_eh"].to_numpy(), dtype="boolean"),
        "locality": pd.Series(child_locality[r["child"].to_numpy()], dtype="str"),
        "primary_need": pd.Series(need, dtype="str"),
        "assessment_factors": pd.Series(factors, dtype="str"),
    })
    return out[list(COLUMNS)]


def write_synthetic_files(
    out_dir: str | Path = "data/raw/synthetic",
    seed: int = 2017,
    start: str = "2014-04-01",
    end: str = "2019-03-31",
    xml_years: list[int] | None = None,
    xsd_dir: str | Path | None = None,
) -> list[Path]:
    """Write ``synthetic_referrals.csv`` and ``synthetic_cin_census_<year>.xml`` files.

    ``xml_years``: census years (ending 31 March) to write as CIN census XML; default every
    year whose 31 March falls in ``start``..``end``. Returns the paths written.
    """
    from analysis.data.readers.cin_xml_write import write_cin_xml

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    df = generate_referrals(seed=seed, start=start, end=end)
    csv = out / "synthetic_referrals.csv"
    with atomic_path(csv) as tmp:
        df.to_csv(tmp, index=False, date_format="%Y-%m-%d")
    paths = [csv]
    if xml_years is None:
        first, last = pd.Timestamp(start), pd.Timestamp(end)
        xml_years = [y for y in range(first.year, last.year + 1)
                     if first <= pd.Timestamp(y, 3, 31) <= last]
    for year in xml_years:
        path = out / f"synthetic_cin_census_{year}.xml"
        write_cin_xml(df, path, year, xsd_dir=xsd_dir)
        paths.append(path)
    return paths
