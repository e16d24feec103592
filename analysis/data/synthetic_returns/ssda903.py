"""Deterministic synthetic SSDA903 returns for one Doncaster-sized LA (demos and tests only).

Nothing here is real: children are ``SYNC000001``... (``SYNB0001``... for short breaks) unless
the CIN side's children entering care are given (:func:`synthetic_ssda903`'s ``entrants``:
columns la_child_id, birth_date, gender, ethnicity, date_entered_care), whose journeys then
go on here with their own identifiers, so the CIN census and SSDA903 returns hang together;
the generator's own children (coming into care by any other way) keep arriving, fewer from
then on, so that about 230 children start to be looked after a year and 530-600 are looked
after at 31 March (Doncaster: 504-589 from 2018 to 2025).
The journeys (:mod:`analysis.data.synthetic_returns.ssda903_journeys`) run from several years
before the first return, so the first return has a real history; each return year's files
(header, episodes, uasc, reviews, missing, OC2, OC3) are cut from them as an LA would submit
them: episodes open at any time in the year, a later end left blank. Files are named
``ssda903_synthetic_<year>_<file>.csv``; same seed, same files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.core.atomic import atomic_path
from analysis.core.errors import ParameterError
from analysis.data.synthetic_returns.ssda903_journeys import (
    DAY,
    birthday,
    episodes,
    identifiers,
    own_children,
    periods,
    short_breaks,
)

YEARS = (2019, 2020, 2021, 2022, 2023)
SEED = 903
STARTS_PER_YEAR = 232
HISTORY_YEARS = 9
SHORT_BREAK_CHILDREN = 40
ENTRANT_COLUMNS = ("la_child_id", "birth_date", "gender", "ethnicity", "date_entered_care")
ETHNIC_CODES = ("WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
                "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT")
EET = {"F1": 0.06, "P1": 0.01, "F2": 0.18, "P2": 0.04, "F4": 0.185, "P4": 0.06}
NEET = {"G4": 0.10, "G5": 0.27, "G6": 0.08}


def _date(year: int, month: int, day: int) -> np.datetime64:
    return np.datetime64(f"{year:04d}-{month:02d}-{day:02d}")


def _from_cin(entrants: pd.DataFrame) -> pd.DataFrame:
    """The CIN side's children entering care, in the generator's columns."""
    missing = [c for c in ENTRANT_COLUMNS if c not in entrants.columns]
    if missing:
        raise ParameterError("the children entering care lack columns", parameter="entrants",
                             expected=", ".join(ENTRANT_COLUMNS), found=", ".join(entrants.columns),
                             fix=f"add {', '.join(missing)}")
    ethnic = entrants["ethnicity"].astype("string")
    return pd.DataFrame({
        "child": entrants["la_child_id"].astype(str).to_numpy(),
        "dob": pd.to_datetime(entrants["birth_date"]).to_numpy().astype("datetime64[D]"),
        "sex": np.where(entrants["gender"].astype(str) == "2", "2", "1"),
        "ethnic": ethnic.where(ethnic.isin(ETHNIC_CODES), "NOBT").to_numpy(),
        "entry": pd.to_datetime(entrants["date_entered_care"]).to_numpy().astype("datetime64[D]"),
    })


def _others(rng: np.random.Generator, kids: pd.DataFrame, given: pd.DataFrame,
            horizon: np.datetime64) -> pd.DataFrame:
    """The generator's own children entering care, thinned from the CIN side's first
    entrant on so that the two together still start about :data:`STARTS_PER_YEAR` a year:
    the CIN side's are the children whose child protection plan ends in care, these the
    children who come into care by any other way."""
    since = given["entry"].min()
    if pd.isna(since):
        return kids
    years = max((horizon - np.datetime64(since, "D")) / DAY / 365.25, 1.0)
    keep = max(0.0, 1.0 - len(given) / years / STARTS_PER_YEAR)
    later = (kids["entry"] >= since).to_numpy()
    return kids[~later | (rng.random(len(kids)) < keep)].reset_index(drop=True)


def journeys(years: tuple[int, ...] = YEARS, seed: int = SEED,
             entrants: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every child (child, dob, sex, ethnic, entry, end, reason ...) and every episode of the
    whole history up to the last return year's 31 March."""
    rng = np.random.default_rng(seed)
    first = _date(years[0] - 1 - HISTORY_YEARS, 4, 1)
    horizon = _date(years[-1], 3, 31)
    kids = own_children(rng, first, horizon, STARTS_PER_YEAR)
    if entrants is not None and len(entrants):
        given = _from_cin(entrants)
        given = given[given["entry"] <= horizon]
        kids = pd.concat([_others(rng, kids, given, horizon), given], ignore_index=True)
    care = periods(rng, kids, horizon)
    eps = episodes(rng, care)
    sb_kids, sb_eps = short_breaks(rng, _date(years[0] - 1, 4, 1), horizon,
                                   SHORT_BREAK_CHILDREN)
    care = pd.concat([care, sb_kids.assign(short_breaks=True)], ignore_index=True)
    care["short_breaks"] = care["short_breaks"].fillna(False).astype(bool)
    return care, pd.concat([eps, sb_eps], ignore_index=True)


def _in_year(eps: pd.DataFrame, year: int) -> pd.DataFrame:
    start, end = _date(year - 1, 4, 1), _date(year, 3, 31)
    decom = eps["DECOM"].to_numpy().astype("datetime64[D]")
    dec = eps["DEC"].to_numpy().astype("datetime64[D]")
    keep = (decom <= end) & (np.isnat(dec) | (dec >= start))
    out = eps[keep].copy()
    later = out["DEC"].isna() | (out["DEC"].to_numpy().astype("datetime64[D]") > end)
    out.loc[later, ["DEC", "REC"]] = None
    return out


def _fmt(frame: pd.DataFrame, dates: tuple[str, ...]) -> pd.DataFrame:
    out = frame.copy()
    for c in dates:
        out[c] = pd.to_datetime(out[c]).dt.strftime("%d/%m/%Y")
    return out


def year_files(care: pd.DataFrame, eps: pd.DataFrame, year: int,
               rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """One return year's files, as DataFrames with DfE's column names, dates as DD/MM/YYYY."""
    start, end = _date(year - 1, 4, 1), _date(year, 3, 31)
    ep = _in_year(eps, year)
    kids = care[care["child"].isin(ep["CHILD"])].reset_index(drop=True)
    n = len(kids)
    dob = kids["dob"].to_numpy().astype("datetime64[D]")
    header = pd.DataFrame({"CHILD": kids["child"], "SEX": kids["sex"], "DOB": dob,
                           "ETHNIC": kids["ethnic"],
                           "UPN": identifiers("SYNUPN", n, 7), "MOTHER": None,
                           "MC_DOB": pd.NaT})
    uasc_kids = kids[(rng.random(n) < 0.04) & ((kids["entry"] - kids["dob"]).dt.days > 14 * 365)]
    uasc = pd.DataFrame({"CHILD": uasc_kids["child"], "SEX": uasc_kids["sex"],
                         "DOB": uasc_kids["dob"],
                         "DUC": birthday(uasc_kids["dob"].to_numpy(), 18)})
    # continuous care for the whole year, not short breaks: the OC2 cohort
    open_end = ep[ep["DEC"].isna() & ~ep["LS"].isin(["V3", "V4"])]["CHILD"]
    twelve = kids[kids["child"].isin(open_end) & (kids["entry"] <= start)]
    m = len(twelve)

    def flag(p: float) -> np.ndarray:
        return np.where(rng.random(m) < p, "1", "0")

    oc2 = pd.DataFrame({"CHILD": twelve["child"], "DOB": twelve["dob"],
                        "SDQ_SCORE": rng.integers(5, 25, m).astype(str), "SDQ_REASON": None,
                        "CONVICTED": flag(0.03), "HEALTH_CHECK": flag(0.9),
                        "IMMUNISATIONS": flag(0.97), "TEETH_CHECK": flag(0.8),
                        "HEALTH_ASSESSMENT": flag(0.88), "SUBSTANCE_MISUSE": flag(0.04),
                        "INTERVENTION_RECEIVED": None, "INTERVENTION_OFFERED": None})
    oc3 = _care_leavers(care, year, rng)
    reviews = pd.DataFrame({"CHILD": ep["CHILD"], "DECOM": ep["DECOM"]}).drop_duplicates("CHILD")
    review_day = np.maximum(reviews["DECOM"].to_numpy().astype("datetime64[D]") + 20 * DAY,
                            start + rng.integers(0, 180, len(reviews)) * DAY)
    reviews = reviews.assign(REVIEW=review_day).merge(kids[["child", "dob"]], left_on="CHILD",
                                                      right_on="child")
    reviews = reviews[reviews["REVIEW"] <= end]
    reviews = pd.DataFrame({"CHILD": reviews["CHILD"], "DOB": reviews["dob"],
                            "REVIEW": reviews["REVIEW"],
                            "REVIEW_CODE": np.where((reviews["REVIEW"] - reviews["dob"]).dt.days
                                                   < 4 * 365, "PN0", "PN1")})
    away = reviews[rng.random(len(reviews)) < 0.08]
    missing = pd.DataFrame({"CHILD": away["CHILD"], "DOB": away["DOB"], "MISSING": "M",
                            "MIS_START": away["REVIEW"],
                            "MIS_END": away["REVIEW"] + pd.Timedelta(days=1)})
    return {
        "header": _fmt(header, ("DOB", "MC_DOB")),
        "episodes": _fmt(ep, ("DECOM", "DEC")),
        "uasc": _fmt(uasc, ("DOB", "DUC")),
        "reviews": _fmt(reviews, ("DOB", "REVIEW")),
        "missing": _fmt(missing, ("DOB", "MIS_START", "MIS_END")),
        "oc2": _fmt(oc2, ("DOB",)),
        "oc3": _fmt(oc3, ("DOB",)),
    }


def _care_leavers(care: pd.DataFrame, year: int, rng: np.random.Generator) -> pd.DataFrame:
    """OC3: young people who left care at 16 or over after 13 weeks or more in care since 14
    (not short breaks), whose 17th to 21st birthday falls in the year."""
    start, end = _date(year - 1, 4, 1), _date(year, 3, 31)
    left = care[care["end"].notna() & ~care["short_breaks"]]
    dob = left["dob"].to_numpy().astype("datetime64[D]")
    ended = left["end"].to_numpy().astype("datetime64[D]")
    since_14 = ended - np.maximum(left["entry"].to_numpy().astype("datetime64[D]"),
                                  birthday(dob, 14))
    eligible = (ended >= birthday(dob, 16)) & (since_14 >= 91 * DAY)
    in_year = np.zeros(len(left), dtype=bool)
    for age in (17, 18, 19, 20, 21):
        b = birthday(dob, age)
        in_year |= (b >= start) & (b <= end)
    leavers = left[eligible & in_year]
    k = len(leavers)
    touch = np.array(["YES", "NO", "REFU", "DIED", "RHOM", "NREQ"])[
        rng.choice(6, size=k, p=[0.92, 0.02, 0.01, 0.01, 0.02, 0.02])]
    codes = np.array(list(EET) + list(NEET))
    weights = np.array(list(EET.values()) + list(NEET.values()))
    activ = codes[rng.choice(len(codes), size=k, p=weights / weights.sum())]
    accom = np.array(["U", "D", "E", "Z", "B", "T", "W", "S"])[
        rng.choice(8, size=k, p=[0.35, 0.2, 0.1, 0.12, 0.12, 0.05, 0.03, 0.03])]
    suitable = np.where(rng.random(k) < 0.97, "1", "2")
    known = touch == "YES"
    return pd.DataFrame({"CHILD": leavers["child"], "DOB": leavers["dob"], "IN_TOUCH": touch,
                         "ACTIV": np.where(known, activ, "0"),
                         "ACCOM": np.where(known, np.char.add(accom, suitable), "0")})


def synthetic_ssda903(years: tuple[int, ...] = YEARS, seed: int = SEED,
                      entrants: pd.DataFrame | None = None) -> dict[tuple[int, str], pd.DataFrame]:
    """Every return year's files, keyed by (year, file)."""
    if not years or list(years) != sorted(set(years)):
        raise ParameterError("the return years must be given in order, each once",
                             parameter="years", expected="e.g. 2019, 2020, 2021",
                             found=", ".join(map(str, years)))
    care, eps = journeys(tuple(years), seed, entrants)
    rng = np.random.default_rng(seed + 1)
    return {(year, name): frame for year in years
            for name, frame in year_files(care, eps, year, rng).items()}


def file_name(year: int, name: str) -> str:
    """``ssda903_synthetic_2019_episodes.csv``."""
    return f"ssda903_synthetic_{year}_{name}.csv"


def write_synthetic_ssda903(folder: Path, years: tuple[int, ...] = YEARS, seed: int = SEED,
                            entrants: pd.DataFrame | None = None) -> list[Path]:
    """Write every return year's files into ``folder``; returns their paths."""
    written = []
    for (year, name), frame in synthetic_ssda903(years, seed, entrants).items():
        target = folder / file_name(year, name)
        with atomic_path(target) as tmp:
            frame.to_csv(tmp, index=False)
        written.append(target)
    return written
