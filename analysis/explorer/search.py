"""Finding what the analyst typed: an LA by its name or code, an indicator by its label or id,
a list of LAs; and when nothing matches, the nearest names.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from analysis.data.catalogue import Catalogue, Indicator
from analysis.data.geography import LocalAuthority
from analysis.explorer.data import ExplorerData
from analysis.explorer.limits import MAX_NAMES, check_list, check_names, length_problem


def nearest(text: str, choices: Sequence[str], n: int = 3) -> list[str]:
    """The choices closest to ``text`` (case-insensitive; difflib), best first."""
    lowered = {c.lower(): c for c in choices}
    query = text.strip().lower()
    starts = [c for low, c in lowered.items() if query and low.startswith(query)]
    close = difflib.get_close_matches(query, list(lowered), n=n, cutoff=0.4)
    return list(dict.fromkeys([*starts, *(lowered[c] for c in close)]))[:n]


def _did_you_mean(found: list[str]) -> str:
    return f" Nearest: {', '.join(found)}." if found else ""


def find_la(text: str, data: ExplorerData) -> tuple[LocalAuthority | None, str]:
    """The LA meant by what was typed (any part of its name, a short name, or a code; the
    resolver the CLI uses); else None and a line listing the choices or the nearest names."""
    from analysis.data.geography import find_las

    if too_long := length_problem(text, "LA box"):
        return None, too_long
    la, _choices, why = find_las(text, data.areas)
    return la, why


def la_choices(text: str, data: ExplorerData) -> list[str]:
    """The names of the LAs the text could mean, best first (none when one stands out)."""
    from analysis.data.geography import find_las

    if length_problem(text, "LA box"):
        return []
    return [la.name for la in find_las(text, data.areas)[1]]


def indicator_choices(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(topic, label) of every benchmarked indicator, grouped by topic in catalogue order."""
    indicators = catalogue.benchmarked()
    topics = list(dict.fromkeys(i.topic for i in indicators))
    return [(t, i.label) for t in topics for i in indicators if i.topic == t]


def find_indicator(text: str, catalogue: Catalogue) -> tuple[Indicator | None, str]:
    """The benchmarked indicator meant by its id, label or any words of its label, definition
    or topic; else None and a line listing the ones that match, or the nearest labels."""
    from analysis.data.indicator_names import search_indicators

    if too_long := length_problem(text, "indicator box"):
        return None, too_long
    query = " ".join(text.split())
    if not query:
        return None, "Type an indicator's name, or pick one from the list."
    ind, choices = search_indicators(query, catalogue.benchmarked())
    if ind is not None:
        return ind, ""
    if choices:
        return None, (f"{len(choices)} indicators match '{query}': "
                      f"{'; '.join(i.label for i in choices)}. Choose one.")
    labels = [i.label for i in catalogue.benchmarked()]
    return None, f"No indicator matches '{query}'." + _did_you_mean(nearest(text, labels))


def resolve_group(names: Sequence[str], data: ExplorerData) -> tuple[list[LocalAuthority], list[str]]:
    """The LAs of a typed list (names or codes), and a line for each name that matched none
    (or, for a list of more than MAX_NAMES names, no LAs and a line saying the limit)."""
    if len(names) > MAX_NAMES:
        return [], [f"The comparator list names {len(names):,} LAs; at most {MAX_NAMES} are compared."]
    found: list[LocalAuthority] = []
    problems: list[str] = []
    for name in names:
        if not name.strip():
            continue
        la, why = find_la(name, data)
        if la is None:
            problems.append(why)
        elif la.old_code not in {f.old_code for f in found}:
            found.append(la)
    return found, problems


#: A comma that separates two names, not the one in "Bristol, City of" or "Herefordshire, County of".
_NAME_SEPARATOR = re.compile(r",(?!\s*(?:city|county) of\b)", re.IGNORECASE)


def split_names(text: str) -> tuple[str, ...]:
    """LA names typed one a line or separated by commas or semicolons.

    Raises ParameterError for a list longer than the limits (:mod:`analysis.explorer.limits`).
    """
    check_list(text)
    parts = [p.strip() for chunk in text.replace(";", "\n").splitlines()
             for p in _NAME_SEPARATOR.split(chunk)]
    names = tuple(p for p in parts if p)
    check_names(names)
    return names
