"""Plain-English sentences about each indicator, written only from the numbers in the table.

:func:`sentences` takes a judged benchmark table (:func:`analysis.engine.judgement.judge_table`) and
returns one short paragraph (two sentences) per row: the LA's value with the counts behind
it, England, the region and the statistical neighbours' average; then the judgement at the
table's level, the national rank and quartile band, the direction of travel and the gap in
children to the neighbours' average (and to England).

The counts quoted are the ones the interval and the gap in children use (``ci_numerator``,
``ci_denominator``), so that the percentage, the counts beside it and the gap agree; a count
worked out from the value, or one DfE rounded (``numerator_rounding`` /
``denominator_rounding`` from :mod:`analysis.engine.count_rounding`), is "about".

Every number a sentence quotes is recorded as a :class:`Quote` naming the table column it
came from, so tests can check each number in each sentence against the table
(:func:`quoted_numbers`). Nothing is computed here that the table does not hold: the
sentence only rounds the table's numbers to the indicator's decimals (counts and gaps to
whole numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analysis.data.readers.symbols import STATUS_MEANINGS
from analysis.engine.judgement import level_text

__all__ = ["COUNT_NOUNS", "Quote", "describe", "quoted_numbers", "sentence", "sentences"]

#: What the count behind each indicator counts, for "about 368 fewer re-referrals".
#: Written without digits so that every digit in a sentence is a quoted figure.
COUNT_NOUNS: dict[str, str] = {
    "re_referrals": "re-referrals",
    "referral_rate": "referrals",
    "referral_rate_rebased": "referrals",
    "referrals_nfa": "referrals with no further action",
    "assessed_not_in_need": "referrals assessed as not in need",
    "cin_rate": "children in need",
    "cin_rate_rebased": "children in need",
    "s47_rate": "section forty-seven enquiries",
    "cpp_rate": "children on a child protection plan",
    "cpp_second_time": "second or later child protection plans",
    "cpp_2_years_open": "plans open two years or more",
    "cpp_2_years_ceased": "plans ending after two years or more",
    "assessments_45_days": "assessments completed in time",
    "icpc_15_days": "conferences held in time",
    "cla_rate": "children looked after",
    "cla_3_plus_placements": "children with three or more placements",
    "cla_long_term_stability": "children in a stable long-term placement",
    "cla_health_checks": "children with an up-to-date health assessment",
    "cla_dental_checks": "children with an up-to-date dental check",
    "cla_immunisations": "children with up-to-date immunisations",
    "care_leavers_eet": "care leavers in education, employment or training",
    "care_leavers_suitable_accommodation": "care leavers in suitable accommodation",
    "care_leavers_neet": "care leavers not in education, employment or training",
    "care_leavers_not_in_touch": "care leavers the LA is not in touch with",
    "cla_missing": "children who went missing",
    "yj_first_time_entrants": "first-time entrants",
}

#: Noun for an indicator not in COUNT_NOUNS.
DEFAULT_NOUN = "cases"

_COMPARATOR_NAMES: dict[str, str] = {
    "vs_england": "England",
    "vs_region": "the region",
    "vs_neighbours": "the neighbours' average",
}


@dataclass(frozen=True)
class Quote:
    """One number in a sentence: the table column it came from, its value there, as shown."""

    column: str
    value: float
    text: str


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


class _Writer:
    """Formats the row's numbers and remembers each one it prints."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.row = row
        # A row of a table indexed by indicator carries its id as its name.
        self.indicator = str(row.get("indicator", getattr(row, "name", "")))
        self.quotes: list[Quote] = []
        self.decimals = int(row["decimals"]) if not _missing(row.get("decimals")) else 1
        self.percent = row.get("unit") == "percent"

    def get(self, column: str) -> Any:
        value = self.row.get(column)
        return None if _missing(value) else value

    def number(self, column: str, decimals: int | None = None, unit: bool = True,
               absolute: bool = False) -> str:
        value = float(self.row[column])
        shown = abs(value) if absolute else value
        d = self.decimals if decimals is None else decimals
        text = f"{shown:,.{d}f}"
        if text.startswith("-") and float(text.replace(",", "")) == 0:
            text = text[1:]  # no "-0.0"
        self.quotes.append(Quote(column, value, text))
        return text + ("%" if unit and self.percent and decimals is None else "")

    def count(self, column: str, source_column: str) -> str:
        """A count behind the value, "about" where it is worked out from the value or DfE
        rounded it (``numerator_rounding`` / ``denominator_rounding`` above 0)."""
        rounding = self.get(source_column.replace("_source", "_rounding"))
        rounded = rounding is not None and int(rounding) > 0
        about = "about " if self.row.get(source_column) == "derived" or rounded else ""
        return about + self.number(column, decimals=0)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _first_sentence(w: _Writer) -> str:
    row = w.row
    la = row["la_name"]
    head = f"{row['label']}, {row['period']}: "
    comparators = []
    if w.get("england") is not None:
        comparators.append(f"England {w.number('england')}")
    if w.get("region") is not None:
        comparators.append(f"{row['region_name']} {w.number('region')}")
    if w.get("sn_mean") is not None:
        text = f"the statistical neighbours' average {w.number('sn_mean')}"
        count, size = w.get("sn_count"), w.get("sn_size")
        if count is not None and size is not None and int(count) < int(size):
            text += f" ({w.number('sn_count', 0)} of {w.number('sn_size', 0)} with a figure)"
        comparators.append(text)
    against = f", against {_join(comparators)}" if comparators else ""
    if w.get("value") is None:
        status = str(row.get("status") or "missing")
        meaning = STATUS_MEANINGS.get(status, status)
        return f"{head}{la} has no published figure ({meaning}){against}"
    value = w.number("value")
    counts = ""
    if w.get("ci_numerator") is not None and w.get("ci_denominator") is not None:
        numerator = w.count("ci_numerator", "numerator_source")
        if w.percent:
            counts = f" ({numerator} of {w.count('ci_denominator', 'denominator_source')})"
        else:
            counts = f" ({numerator} {COUNT_NOUNS.get(w.indicator, DEFAULT_NOUN)})"
    return f"{head}{la} {value}{counts}{against}"


def _judgement_clause(w: _Writer) -> str | None:
    row = w.row
    if w.get("value") is None:
        return None
    results = {c: row.get(c) for c in _COMPARATOR_NAMES if not _missing(row.get(c))}
    compared = {c: r for c, r in results.items() if r != "not compared"}
    if not compared:
        if w.get("ci_low") is None:
            note = row.get("ci_note")
            return f"not tested for significance: {note}" if note else "not tested for significance"
        return "not tested for significance: no comparator to test against"
    groups: dict[str, list[str]] = {}
    for column, word in compared.items():
        groups.setdefault(str(word), []).append(_COMPARATOR_NAMES[column])
    parts = [f"{word} {'to' if word == 'similar' else 'than'} {_join(names)}"
             for word, names in groups.items()]
    level = level_text(float(row["level"]))
    return f"at {level} confidence {row['la_name']} is {', and '.join(parts)}"


def _position_clause(w: _Writer) -> str:
    """ "20th highest of 151 LAs (a position: this indicator has no better direction)"."""
    from analysis.engine.ranking import _ordinal

    low = int(w.row["rank"])
    high = int(w.row["rank_from_highest"]) if w.get("rank_from_highest") is not None \
        else int(w.row["of"]) - low + 1
    column, word = ("rank_from_highest", "highest") if high <= low else ("rank", "lowest")
    if column == "rank_from_highest" and w.get("rank_from_highest") is None:
        column, word = "rank", "lowest"
    number = w.number(column, 0)
    return (f"{_ordinal(int(number))} {word} of {w.number('of', 0)} nationally "
            f"(a position, not a judgement: this indicator has no better direction)")


def _rank_clause(w: _Writer) -> str | None:
    if w.get("rank") is None or w.get("of") is None:
        return None
    if w.get("rank_kind") == "position":
        return _position_clause(w)
    text = f"ranked {w.number('rank', 0)} of {w.number('of', 0)} nationally (best first)"
    quartile = w.get("quartile")
    return text + (f", quartile band {quartile} (A best)" if quartile else "")


def _direction_clause(w: _Writer) -> str | None:
    direction = w.get("direction")
    if direction in (None, "no comparison") or w.get("previous_value") is None:
        return None
    if direction == "no change":
        return f"unchanged from the year before ({w.number('previous_value')})"
    if direction in ("improved", "worsened"):
        return f"{direction} from {w.number('previous_value')} the year before"
    return f"{direction} than the year before ({w.number('previous_value')})"


def _gap_text(w: _Writer, column: str, noun: str) -> str:
    gap = float(w.row[column])
    if round(abs(gap)) == 0:
        return f"about the same number{' of ' + noun if noun else ''}"
    text = f"about {w.number(column, 0, absolute=True)} {'fewer' if gap > 0 else 'more'}"
    return f"{text} {noun}" if noun else text


def _gap_clause(w: _Writer) -> str | None:
    noun = COUNT_NOUNS.get(w.indicator, DEFAULT_NOUN)
    sn, eng = w.get("gap_children_neighbours"), w.get("gap_children_england")
    if sn is not None:
        text = f"at the neighbours' average there would have been {_gap_text(w, 'gap_children_neighbours', noun)}"
        if w.row.get("vs_neighbours") == "similar":
            text += ", which could be chance"
        if eng is not None:
            text += f" ({_gap_text(w, 'gap_children_england', '')} at England's rate)"
        return text
    if eng is not None:
        text = f"at England's rate there would have been {_gap_text(w, 'gap_children_england', noun)}"
        if w.row.get("vs_england") == "similar":
            text += ", which could be chance"
        return text
    return None


def describe(row: Mapping[str, Any] | pd.Series) -> tuple[str, list[Quote]]:
    """The sentences for one judged row, and every number they quote (in order)."""
    w = _Writer(row)
    first = _first_sentence(w)
    clauses = [c for c in (_judgement_clause(w), _rank_clause(w), _direction_clause(w),
                           _gap_clause(w)) if c]
    text = first + "."
    if clauses:
        second = "; ".join(clauses)
        text += " " + second[0].upper() + second[1:] + "."
    return text, w.quotes


def sentence(row: Mapping[str, Any] | pd.Series) -> str:
    """One or two plain-English sentences for a row of a judged benchmark table."""
    return describe(row)[0]


def quoted_numbers(row: Mapping[str, Any] | pd.Series) -> list[Quote]:
    """Every number :func:`sentence` quotes for ``row``: column, table value, text shown."""
    return describe(row)[1]


def sentences(judged: pd.DataFrame) -> pd.Series:
    """A sentence per row of ``judged`` (from :func:`analysis.engine.judgement.judge_table`)."""
    return pd.Series([sentence(r) for r in judged.to_dict("records")], index=judged.index,
                     name="sentence", dtype=object)
