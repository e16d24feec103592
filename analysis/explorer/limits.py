"""How much the explorer reads from what is typed: a bound on every text box.

Checked first thing in the functions that parse the input (:mod:`analysis.explorer.search`),
so a pasted page of text is refused at once, before any name is looked up.
"""

from __future__ import annotations

from analysis.core.errors import ParameterError

#: The longest LA or indicator name read (the longest LA name is 27 characters; the longest
#: indicator label under 100).
MAX_NAME_CHARS: int = 120
#: The longest comparator list read, in characters and in names (every LA of the largest
#: region, London's 33, fits).
MAX_LIST_CHARS: int = 2_000
MAX_NAMES: int = 60


def length_problem(text: str, box: str, limit: int = MAX_NAME_CHARS) -> str:
    """Why ``text`` is too long for ``box`` (one plain line), or "" when it is not."""
    if len(text) <= limit:
        return ""
    return (f"The {box} holds {len(text):,} characters; at most {limit:,} are read. "
            "Type a shorter name.")


def check_list(text: str, *, limit: int = MAX_LIST_CHARS) -> None:
    """Refuse a comparator list longer than ``limit`` characters."""
    if len(text) > limit:
        raise ParameterError(
            f"The comparator list holds {len(text):,} characters; at most {limit:,} are read.",
            parameter="comparator list", expected=f"at most {limit:,} characters",
            found=f"{len(text):,}", fix=f"list at most {MAX_NAMES} LAs, separated by commas")


def check_names(names: tuple[str, ...] | list[str], *, limit: int = MAX_NAMES) -> None:
    """Refuse a comparator list of more than ``limit`` names."""
    if len(names) > limit:
        raise ParameterError(
            f"The comparator list names {len(names):,} LAs; at most {limit} are compared.",
            parameter="comparator list", expected=f"at most {limit} names",
            found=f"{len(names):,}", fix=f"list at most {limit} LAs, separated by commas")
