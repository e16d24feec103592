"""Finding an indicator the way a person types it: its id, its label, or any words of its
label, definition or topic ("care leavers", "dental", "caseload"). Several matches are choices,
ranked: the label's own words before the definition's and the topic's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analysis.data.catalogue import Indicator

#: Words that say nothing about which indicator is meant.
FILLER = frozenset({"a", "an", "the", "of", "in", "on", "to", "for", "with", "and", "or", "by",
                    "per", "children", "child", "s"})


def words(text: str) -> tuple[str, ...]:
    """Lower-case words with plurals cut to their stem: ``"Care leavers"`` -> ``("care", "leaver")``."""
    found = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("'s", " ")).split()
    return tuple(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                 for w in found if w not in FILLER)


def _all_in(query: tuple[str, ...], text: str) -> bool:
    have = words(text)
    return bool(query) and all(any(h.startswith(q) for h in have) for q in query)


def indicator_tier(query: str, ind: Indicator) -> int | None:
    """0 the id or the whole label; 1 the words in a row in the label; 2 every word in the
    label; 3 in the label, definition or topic; None no match."""
    text = " ".join(query.split()).lower()
    if text in (ind.id.lower(), ind.label.lower()):
        return 0
    typed = words(text)
    if typed and f" {' '.join(typed)} " in f" {' '.join(words(ind.label))} ":
        return 1
    if _all_in(typed, f"{ind.label} {ind.id.replace('_', ' ')}"):
        return 2
    if _all_in(typed, f"{ind.label} {ind.definition} {ind.topic}"):
        return 3
    return None


def search_indicators(query: str, indicators: Sequence[Indicator]) -> tuple[Indicator | None, list[Indicator]]:
    """The indicator meant (when one stands out), else None and the ones that match best (in
    catalogue order)."""
    tiers = {ind.id: t for ind in indicators if (t := indicator_tier(query, ind)) is not None}
    ranked = sorted((i for i in indicators if i.id in tiers), key=lambda i: tiers[i.id])
    if not ranked:
        return None, []
    top = [i for i in ranked if tiers[i.id] == tiers[ranked[0].id]]
    return (top[0], []) if len(top) == 1 else (None, top)
