"""Finding a local authority the way a person types it.

Any part of a name matches, whatever its case or punctuation, with "&" read as "and" and the
filler words of official names ("and", "upon", "on", "of", "City of", "County of", "Borough",
"Council", ...) ignored; so do the common short names in ``config/geography.yaml`` (Hull, BCP,
Southend, ...), ONS codes (current and former) and old 3-digit DfE codes. The functions work on
the areas table of :func:`analysis.data.geography.load_areas` and return old codes, best first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import get_close_matches

import pandas as pd

#: Words of official names a person leaves out or spells another way.
FILLER = frozenset({"and", "upon", "on", "of", "the", "city", "county", "borough", "council",
                    "metropolitan", "royal", "district"})
#: Tiers of a match, best first: the whole name, the start of it, every word, any part.
EXACT, START, WORDS, PART = 0, 1, 2, 3
TIER_WORDS = {EXACT: "the name", START: "the start of a name", WORDS: "words of a name",
              PART: "part of a name"}


def name_words(text: str) -> tuple[str, ...]:
    """``"Kingston upon Hull, City of"`` -> ``("kingston", "hull")``: the words that identify."""
    text = text.lower().replace("&", " and ").replace("(pre lg)", " ")
    text = re.sub(r"\bsaint\b", "st", text)
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return tuple(w for w in words if w not in FILLER)


def _starts(query: tuple[str, ...], key: tuple[str, ...]) -> bool:
    if not query or len(query) > len(key):
        return False
    *whole, last = query
    return list(key[:len(whole)]) == whole and key[len(whole)].startswith(last)


def _words(query: tuple[str, ...], key: tuple[str, ...]) -> bool:
    return bool(query) and all(any(k.startswith(q) for k in key) for q in query)


def match_tier(query: tuple[str, ...], key: tuple[str, ...]) -> int | None:
    """How well the typed words match one name (a tier above), or None."""
    if not query:
        return None
    if query == key:
        return EXACT
    if _starts(query, key):
        return START
    if _words(query, key):
        return WORDS
    if "".join(query) in "".join(key):
        return PART
    return None


@dataclass(frozen=True)
class LaSearch:
    """What a typed LA matched: ``codes`` (old codes, best first) and whether the first is the
    one meant (``resolved``); when nothing matched, ``nearest`` holds the closest names' codes."""

    query: str
    codes: tuple[str, ...] = ()
    resolved: bool = False
    nearest: tuple[str, ...] = ()


def _keys(areas: pd.DataFrame) -> list[tuple[str, tuple[str, ...]]]:
    """(old code, words) for every name and short name of every LA."""
    shorts = areas["short_names"] if "short_names" in areas.columns else pd.Series("", index=areas.index)
    keys = [(str(code), name_words(str(name))) for code, name in zip(areas["old_code"], areas["name"], strict=True)]
    keys += [(str(code), name_words(short)) for code, joined in zip(areas["old_code"], shorts, strict=True)
             for short in str(joined or "").split(";") if short]
    return keys


def _by_code(text: str, areas: pd.DataFrame) -> LaSearch | None:
    if re.fullmatch(r"\d{3}", text):
        hit = areas.loc[areas["old_code"] == text, "old_code"]
    elif re.fullmatch(r"[Ee]\d{8}", text):
        code = text.upper()
        former = areas["former_codes"].fillna("").str.split(";").map(lambda codes: code in codes)
        hit = areas.loc[(areas["new_code"] == code) | former, "old_code"]
    else:
        return None
    return LaSearch(text, tuple(hit), resolved=len(hit) == 1)


def search_las(query: str | int, areas: pd.DataFrame) -> LaSearch:
    """Every LA the typed text could mean, best first; ``resolved`` when one stands out.

    One LA stands out when it is the only one in the best tier, or the only current one among
    several of the same name (Dorset the unitary, not Dorset the former county).
    """
    text = " ".join(str(query).split())
    coded = _by_code(text, areas)
    if coded is not None:
        return coded
    typed = name_words(text)
    best: dict[str, int] = {}
    for code, key in _keys(areas):
        tier = match_tier(typed, key)
        if tier is not None and tier < best.get(code, PART + 1):
            best[code] = tier
    if not best:
        names = {" ".join(name_words(str(n))): str(c) for c, n in zip(areas["old_code"], areas["name"], strict=True)}
        close = get_close_matches(" ".join(typed), list(names), n=3, cutoff=0.6) if typed else []
        return LaSearch(text, nearest=tuple(dict.fromkeys(names[c] for c in close)))
    live = dict(zip(areas["old_code"].astype(str), areas["status"] == "live", strict=True))
    name = dict(zip(areas["old_code"].astype(str), areas["name"].astype(str), strict=True))
    ranked = sorted(best, key=lambda c: (best[c], not live[c], name[c]))
    top = [c for c in ranked if best[c] == best[ranked[0]]]
    if len(top) > 1 and best[ranked[0]] == EXACT and sum(live[c] for c in top) == 1:
        ranked = sorted(ranked, key=lambda c: (best[c], not live[c]))
        top = ranked[:1]
    return LaSearch(text, tuple(ranked), resolved=len(top) == 1)


def choices_text(names: list[str]) -> str:
    """``["A", "B", "C"]`` -> ``"A, B or C"``."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
