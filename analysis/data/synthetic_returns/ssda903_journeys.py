"""Synthetic looked-after journeys: children entering care, their placements, legal
statuses and the day they leave, as SSDA903 episodes (the whole history, before it is cut
into return years by :mod:`analysis.data.synthetic_returns.ssda903`).

Nothing here is real. Drawn with numpy from one seed, so the same seed gives the same
journeys. Calibrated to a Doncaster-sized LA: about 230 children start to be looked after a
year and 530-600 are looked after at 31 March; about one in ten of them has had three or
more placements in the year (two kinds of children: most move rarely, a fifth often);
about one in eight young children is adopted; some children have a series of short breaks
(legal status V3 or V4), which DfE leaves out of its figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
#: A blank (None) to put where a condition does not hold.
BLANK = np.array(None, dtype=object)

#: Age at entry (years) and its weight.
AGE_WEIGHTS = np.array([18, 7, 6, 5, 5, 5, 4, 4, 4, 4, 5, 6, 7, 8, 9, 8, 5, 2], dtype=float)
SEX_CODES = np.array(["1", "2"])
ETHNIC = {"WBRI": 0.86, "WOTH": 0.03, "MWBC": 0.03, "MOTH": 0.02, "APKN": 0.02,
          "BAFR": 0.02, "OOTH": 0.01, "NOBT": 0.01}
#: Placements (PLACE) a move goes to, and their weights, for children under 16 and 16+.
PLACES_YOUNG = {"U4": 0.18, "U6": 0.34, "U1": 0.08, "U3": 0.10, "K2": 0.12, "P1": 0.08,
                "R1": 0.02, "S1": 0.03, "Z1": 0.05}
PLACES_OLDER = {"U4": 0.15, "U6": 0.20, "K2": 0.20, "H5": 0.25, "P2": 0.15, "Z1": 0.05}
PROVIDERS = {"U": "PR1", "K": "PR4", "P": "PR0", "H": "PR4", "R": "PR4", "S": "PR5",
             "Z": "PR1", "A": "PR1"}
REASONS = ["CARPL", "CREQB", "CREQO", "LAREQ", "CHILD", "STAND", "OTHER"]
ENDINGS = {"E4A": 0.34, "E4B": 0.04, "E45": 0.05, "E46": 0.09, "E48": 0.05, "E8": 0.08,
           "E13": 0.05, "E3": 0.02, "E5": 0.10, "E6": 0.05, "E9": 0.01, "E41": 0.05,
           "E17": 0.07}


def identifiers(prefix: str, count: int, width: int) -> np.ndarray:
    """``SYNC000001``, ``SYNC000002`` ... (``prefix`` and ``width`` digits)."""
    return (prefix + pd.Series(np.arange(1, count + 1)).astype(str).str.zfill(width)).to_numpy()


def _pick(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    codes = np.array(list(weights))
    p = np.array(list(weights.values()))
    return codes[rng.choice(len(codes), size=n, p=p / p.sum())]


def birthday(dob: np.ndarray, years: int) -> np.ndarray:
    """The day a child born on ``dob`` turns ``years`` (29 February birthdays fall on 1 March
    in other years)."""
    s = pd.to_datetime(pd.Series(dob))
    shifted = pd.to_datetime({"year": s.dt.year + years, "month": s.dt.month, "day": 1})
    day = s.dt.day
    last = shifted.dt.days_in_month
    moved = shifted + pd.to_timedelta(np.minimum(day, last) - 1, unit="D")
    moved = moved + pd.to_timedelta(((day > last)).astype(int), unit="D")
    return moved.to_numpy().astype("datetime64[D]")


def own_children(rng: np.random.Generator, first: np.datetime64, last: np.datetime64,
                 per_year: float) -> pd.DataFrame:
    """Children entering care at random between ``first`` and ``last`` (about ``per_year``
    a year), with a date of birth, sex and ethnicity."""
    span = int((last - first) / DAY)
    n = int(rng.poisson(per_year * span / 365.25))
    entry = np.sort(first + rng.integers(0, span + 1, size=n) * DAY)
    age = rng.choice(len(AGE_WEIGHTS), size=n, p=AGE_WEIGHTS / AGE_WEIGHTS.sum())
    dob = entry - (age * 365.25 + rng.integers(0, 365, size=n)).astype(int) * DAY
    dob = np.minimum(dob, entry)
    return pd.DataFrame({"child": identifiers("SYNC", n, 6), "dob": dob,
                         "sex": SEX_CODES[rng.integers(0, 2, size=n)],
                         "ethnic": _pick(rng, ETHNIC, n), "entry": entry})


def periods(rng: np.random.Generator, children: pd.DataFrame,
            horizon: np.datetime64) -> pd.DataFrame:
    """Each child's period of care: how long (a short or a long stay, ending at 18 at the
    latest), how it ends, and whether it is still open at ``horizon``."""
    n = len(children)
    entry = children["entry"].to_numpy().astype("datetime64[D]")
    long_stay = rng.random(n) < 0.66
    years = np.where(long_stay, rng.exponential(4.4, n), rng.exponential(0.35, n))
    end = entry + np.maximum(1, (years * 365.25).astype(int)) * DAY
    eighteen = birthday(children["dob"].to_numpy(), 18)
    at_18 = end >= eighteen
    end = np.where(at_18, eighteen, end)
    young = (entry - children["dob"].to_numpy().astype("datetime64[D]")) < 5 * 365 * DAY
    adopted = young & long_stay & ~at_18 & (rng.random(n) < 0.45) & ((end - entry) > 400 * DAY)
    reason = _pick(rng, ENDINGS, n)
    reason = np.where(at_18, _pick(rng, {"E17": 0.2, "E13": 0.25, "E5": 0.35, "E6": 0.2}, n),
                      reason)
    reason = np.where(adopted, np.where(rng.random(n) < 0.7, "E11", "E12"), reason)
    is_open = end > horizon
    return children.assign(end=np.where(is_open, np.datetime64("NaT"), end).astype("datetime64[D]"),
                           reason=np.where(is_open, BLANK, reason), adopted=adopted,
                           movers=rng.random(n) < 0.22,
                           stop=np.minimum(end, horizon + DAY).astype("datetime64[D]"))


def _events(rng: np.random.Generator, care: pd.DataFrame) -> pd.DataFrame:
    """Days on which each child's episode changes: the start, placement moves, a legal
    status change (interim to full care order), the move to adopters."""
    n = len(care)
    entry = care["entry"].to_numpy().astype("datetime64[D]")
    stop = care["stop"].to_numpy()
    rate = np.where(care["movers"], 2.0, 0.12)
    gaps = rng.exponential(1.0, size=(n, 14)) / rate[:, None]
    moves = entry[:, None] + (np.cumsum(gaps, axis=1) * 365.25).astype(int) * DAY
    rows = [pd.DataFrame({"i": np.arange(n), "day": entry, "move": True, "legal": True})]
    i, k = np.nonzero(moves < stop[:, None])
    rows.append(pd.DataFrame({"i": i, "day": moves[i, k], "move": True, "legal": False}))
    legal_day = entry + (rng.integers(90, 220, size=n)) * DAY
    on_order = (care["ls0"] == "C1").to_numpy() & (legal_day < stop)
    rows.append(pd.DataFrame({"i": np.nonzero(on_order)[0], "day": legal_day[on_order],
                              "move": False, "legal": True}))
    adopt = care["adopted"].to_numpy() & care["end"].notna().to_numpy()
    adopt_day = stop - rng.integers(200, 330, size=n) * DAY
    adopt &= adopt_day > entry
    rows.append(pd.DataFrame({"i": np.nonzero(adopt)[0], "day": adopt_day[adopt],
                              "move": True, "legal": True}))
    events = pd.concat(rows, ignore_index=True)
    events = events.groupby(["i", "day"], as_index=False).agg(move=("move", "max"),
                                                              legal=("legal", "max"))
    events["adopt"] = adopt[events["i"]] & (events["day"].to_numpy() >= adopt_day[events["i"]])
    return events.sort_values(["i", "day"], kind="stable").reset_index(drop=True)


def episodes(rng: np.random.Generator, care: pd.DataFrame) -> pd.DataFrame:
    """The SSDA903 episodes of every child's period of care (the whole history)."""
    care = care.reset_index(drop=True)
    n = len(care)
    care["ls0"] = _pick(rng, {"C1": 0.55, "V2": 0.37, "L2": 0.04, "J1": 0.04}, n)
    events = _events(rng, care)
    i = events["i"].to_numpy()
    first = ~events.duplicated("i")
    adopt_first = events["adopt"] & ~events.groupby("i")["adopt"].shift(fill_value=False)
    events = events[~(events["adopt"] & ~adopt_first)].reset_index(drop=True)
    i = events["i"].to_numpy()
    first = (~events.duplicated("i")).to_numpy()
    day = events["day"].to_numpy().astype("datetime64[D]")
    dob = care["dob"].to_numpy().astype("datetime64[D]")[i]
    older = (day - dob) >= 16 * 365 * DAY
    place = np.where(older, _pick(rng, PLACES_OLDER, len(events)),
                     _pick(rng, PLACES_YOUNG, len(events)))
    same_carer = rng.random(len(events)) < 0.3
    adopting = events["adopt"].to_numpy()
    place = np.where(adopting, np.where(same_carer, "A5", "A6"), place)
    place = pd.Series(np.where(events["move"], place, BLANK)).groupby(i).ffill().to_numpy()
    ls = np.where(first, care["ls0"].to_numpy()[i], BLANK)
    ls = np.where(events["legal"] & ~first, "C2", ls)
    ls = np.where(adopting, "E1", ls)
    ls = pd.Series(ls).groupby(i).ffill().to_numpy()
    rne = np.select([first, adopting & same_carer, events["move"] & events["legal"],
                     events["move"]], ["S", "U", "T", "P"], "L")
    nxt = pd.Series(day).groupby(i).shift(-1).to_numpy().astype("datetime64[D]")
    end = care["end"].to_numpy().astype("datetime64[D]")[i]
    last = np.isnat(nxt)
    dec = np.where(last, end, nxt)
    rec = np.where(last, care["reason"].to_numpy()[i], "X1")
    changed = np.isin(rne, ["P", "T", "B", "U"])
    reason = np.where(changed, np.array(REASONS)[rng.integers(0, len(REASONS), len(events))],
                      BLANK)
    reason = np.where(adopting, "CARPL", reason)
    provider = pd.Series(place).str[0].map(PROVIDERS).to_numpy()
    return pd.DataFrame({
        "CHILD": care["child"].to_numpy()[i], "DECOM": day, "RNE": rne, "LS": ls,
        "CIN": np.where(rng.random(len(events)) < 0.7, "N1", "N4"), "PLACE": place,
        "PLACE_PROVIDER": provider, "DEC": dec, "REC": rec, "REASON_PLACE_CHANGE": reason,
        "HOME_POST": "DN1 3", "PL_POST": np.where(provider == "PR4", "S60 1", "DN4 5"),
        "URN": np.where(np.isin(place, ["K2", "K1"]), "SC999999", "XXXXXXX")})


def short_breaks(rng: np.random.Generator, first: np.datetime64, last: np.datetime64,
                 count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disabled children with an agreed series of short breaks: most with each stay
    recorded (V4: a weekend every month or so), a few with one agreement-long episode (V3).
    Returns the children and their episodes."""
    dob = first - (rng.integers(5 * 365, 15 * 365, size=count)) * DAY
    kids = pd.DataFrame({"child": identifiers("SYNB", count, 4), "dob": dob,
                         "sex": SEX_CODES[rng.integers(0, 2, size=count)],
                         "ethnic": _pick(rng, ETHNIC, count), "entry": first})
    span = int((last - first) / DAY)
    v3 = np.arange(count) < count // 5
    stays = np.arange(0, span - 40, 45)
    jitter = rng.integers(0, 20, size=(count, len(stays)))
    starts = first + (stays[None, :] + jitter) * DAY
    c, k = np.nonzero(~v3[:, None] & np.ones_like(starts, dtype=bool))
    decom = starts[c, k]
    dec = decom + rng.integers(1, 4, size=len(decom)) * DAY
    v4 = pd.DataFrame({"CHILD": kids["child"].to_numpy()[c], "DECOM": decom, "LS": "V4",
                       "DEC": dec})
    yearly = np.arange(0, span, 365)
    c3, k3 = np.nonzero(v3[:, None] & np.ones((count, len(yearly)), dtype=bool))
    decom3 = first + (yearly[k3] + 10) * DAY
    dec3 = np.where(decom3 + 364 * DAY > last, np.datetime64("NaT"), decom3 + 364 * DAY)
    v3e = pd.DataFrame({"CHILD": kids["child"].to_numpy()[c3], "DECOM": decom3, "LS": "V3",
                        "DEC": dec3.astype("datetime64[D]")})
    eps = pd.concat([v4, v3e], ignore_index=True)
    eps = eps.assign(RNE="S", CIN="N2", PLACE="K2", PLACE_PROVIDER="PR1",
                     REC=np.where(eps["DEC"].isna(), BLANK, "E8"), REASON_PLACE_CHANGE=None,
                     HOME_POST="DN2 6", PL_POST="DN4 5", URN="SC999999")
    return kids, eps
