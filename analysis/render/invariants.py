"""What every pack guarantees about what it says, checked on the pack value before it is written.

Each invariant is a pure function ``Pack -> list[Problem]`` in :data:`INVARIANTS`, reading the
pack's blocks as a reader sees them (text, notes, captions, displayed table cells and
headings, chart titles and alt text, chart inputs) and the evidence builders attach
(:class:`analysis.core.evidence.Figure`). :func:`check_pack` runs them all;
:func:`assert_true` raises :class:`PackUntrueError` listing every problem, and
:func:`analysis.render.output.write` calls it on every pack before anything is rendered.
``docs/pack-invariants.md`` says what each one guarantees.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from analysis.core.blocks import Chart, Pack, Table, Text
from analysis.core.errors import AnalysisError
from analysis.core.evidence import Figure, agrees, counts_text, exact_agrees, percent_of, value_text
from analysis.render.series_checks import series_problems
from analysis.render.statements import Statement, cell_text, displayed, period_end, statements
from analysis.render.table_checks import (
    counts_problems,
    percent_statement_problem,
    rank_problems,
    table_percent_problems,
)

__all__ = ["INVARIANTS", "PackUntrueError", "Problem", "assert_true", "check_pack"]

_NUM = r"\d[\d,]*"
_PCT_THEN_COUNTS = re.compile(
    rf"(?P<pct>\d+(?:\.\d+)?)%\s*\((?P<about>about\s+)?(?P<num>{_NUM})\s+of\s+(?P<about2>about\s+)?(?P<den>{_NUM})\)")
_COUNTS_THEN_PCT = re.compile(
    rf"(?P<about>about\s+)?(?P<num>{_NUM})\s+of\s+(?P<about2>about\s+)?(?P<den>{_NUM})\s*\((?P<pct>\d+(?:\.\d+)?)%\)")


@dataclass(frozen=True)
class Problem:
    """One broken invariant: which, where (section and place), the text, and why."""

    invariant: str
    section: str
    where: str
    statement: str
    why: str

    def line(self) -> str:
        text = self.statement if len(self.statement) <= 160 else self.statement[:157] + "..."
        return f"section {self.section}, {self.where}: {self.why}: \"{text}\""


class PackUntrueError(AnalysisError):
    """A pack that says something its own figures do not bear out; every problem is listed."""

    def __init__(self, title: str, problems: list[Problem]) -> None:
        self.problems = problems
        things = "thing" if len(problems) == 1 else "things"
        super().__init__(f"the pack says {len(problems)} {things} its figures do not bear out", where=title,
                         fix="correct each statement (docs/pack-invariants.md says what each check needs)")

    def _render(self) -> str:
        listed = "".join(f"\n    {p.line()}" for p in getattr(self, "problems", []))
        return f"{self.where}: {self.problem}:{listed}\n  Fix: {self.fix}"


def _text_percent_problems(pack: Pack) -> list[Problem]:
    problems = []
    for s in statements(pack):
        for pattern in (_PCT_THEN_COUNTS, _COUNTS_THEN_PCT):
            for m in pattern.finditer(s.text):
                why = percent_statement_problem(m["pct"], m["num"], m["den"],
                                                bool(m["about"] or m["about2"]))
                if why:
                    problems.append(Problem("percent_counts", s.section, s.where, m.group(0), why))
    return problems


def _block_text(block: Text | Table) -> str:
    if isinstance(block, Text):
        return block.markdown
    cells = [cell_text(v) for c in displayed(block) if c.kind == "text" for v in block.frame[c.key]]
    return " | ".join([block.caption, *block.notes, *cells])


def _figure_problems(section: str, where: str, figure: Figure, text: str) -> list[str]:
    whys = []
    exact = figure.exact_numerator is not None and bool(figure.exact_denominator)
    if exact and not exact_agrees(figure):
        whys.append(f"the counts shown, {counts_text(figure)}, are not the exact counts "
                    f"{figure.exact_numerator:,.0f} of {figure.exact_denominator:,.0f} rounded "
                    f"to the nearest {figure.rounded_to or 1}")
    elif exact and not agrees(figure):
        worked = percent_of(figure.exact_numerator or 0, figure.exact_denominator or 1,
                            figure.decimals)
        whys.append(f"the exact counts behind {counts_text(figure)} "
                    f"({figure.exact_numerator:,.0f} of {figure.exact_denominator:,.0f}) give "
                    f"{worked}%, not {value_text(figure)}")
    elif not agrees(figure) and figure.numerator is not None and figure.denominator:
        worked = percent_of(figure.numerator, figure.denominator, figure.decimals)
        whys.append(f"the figure's counts {counts_text(figure)} give {worked}%, not {value_text(figure)}")
    if figure.rounded and figure.numerator is not None and figure.denominator is not None:
        bare = f"{figure.numerator:,.0f} of {figure.denominator:,.0f}"
        if re.search(rf"(?<!about ){re.escape(bare)}\b", text):
            who = "the toolkit" if exact else "DfE"
            whys.append(f"{who} rounded these counts to the nearest {figure.rounded_to}, "
                        f"but \"{bare}\" is shown without \"about\"")
    return whys


def _evidence_problems(pack: Pack) -> list[Problem]:
    problems = []
    for section, block in pack.blocks():
        if not isinstance(block, Text | Table) or not block.figures:
            continue
        where = "text" if isinstance(block, Text) else f"table {block.name}"
        text = _block_text(block)
        for figure in block.figures:
            problems += [Problem("percent_counts", section.id, where, figure.label or text, why)
                         for why in _figure_problems(section.id, where, figure, text)]
    return problems


def percent_counts(pack: Pack) -> list[Problem]:
    """A percentage stated with its counts is numerator / denominator at its shown precision;
    counts DfE rounded are shown with "about"."""
    in_tables = [Problem("percent_counts", section.id, where, text, why)
                 for section, block in pack.blocks() if isinstance(block, Table)
                 for where, text, why in table_percent_problems(block)]
    return _text_percent_problems(pack) + in_tables + _evidence_problems(pack)


_QUARTER_LABEL = re.compile(r"\d{4}[-/]\d{2,4}\s*Q[1-4]\b")
_PUBLISHED = re.compile(r"published (?:about )?(\d{1,2} )?(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* (\d{4})")
#: Words that plainly mark a source as published after the period (a later version of the
#: figures, listed after "figures as they stand in"), for it and the sources listed after it.
_LATER = re.compile(r"published (later|after)|after the end of|as they stand in", re.IGNORECASE)


def published_date(text: str) -> dt.date | None:
    """The publication date a source line gives ("published 2 Nov 2017", "first published
    15 February 2018"; an approximate "published about November 2017" is the month's first
    day, the earliest it can be), or None."""
    m = _PUBLISHED.search(text)
    if not m:
        return None
    month = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
             "dec"].index(m.group(2)[:3].lower()) + 1
    return dt.date(int(m.group(3)), month, int(m.group(1) or 1))


def _published_by(pack: Pack) -> dt.date | None:
    """The day a pack's sources must be out by: a quarter's last day for a pack about a
    quarter (a committee reads it then); otherwise (a range of years, a deep dive's year) the
    day it was made."""
    period = str(pack.meta.get("period", ""))
    if _QUARTER_LABEL.search(period):
        return period_end(period)
    return period_end(str(pack.meta.get("made", "")))


def sources_published(pack: Pack) -> list[Problem]:
    """Every source a pack about a quarter lists was published by the quarter's end (any other
    pack's by the day it was made), unless plainly marked as published later."""
    end = _published_by(pack)
    if end is None:
        return []
    problems = []
    later = False
    for item in re.split(r";\s*", str(pack.meta.get("sources", ""))):
        later = later or bool(_LATER.search(item))
        date = published_date(item)
        if date and date > end and not later:
            problems.append(Problem("sources_published", "title", "facts, sources", item,
                                    f"published {date:%d %b %Y}, after the pack's date ({end:%d %b %Y})"))
    for section, block in pack.blocks():
        if isinstance(block, Text | Table):
            for figure in block.figures:
                if figure.published and figure.published > end and not _LATER.search(_block_text(block)):
                    problems.append(Problem(
                        "sources_published", section.id, "figure", figure.label or figure.source,
                        f"{figure.source} was published {figure.published:%d %b %Y}, after the pack's date "
                        f"({end:%d %b %Y})"))
    return problems


def rank_beside_figure(pack: Pack) -> list[Problem]:
    """A rank or band sits only in a row that shows the figure it ranks and that figure's year."""
    return [Problem("rank_beside_figure", section.id, where, text, why)
            for section, block in pack.blocks() if isinstance(block, Table)
            for where, text, why in rank_problems(block)]


def series_by_date(pack: Pack) -> list[Problem]:
    """Every ordered series a chart draws (an input with a period or date column) is in date order."""
    return [Problem("series_by_date", section.id, f"chart {block.name}, input {key}", text, why)
            for section, block in pack.blocks() if isinstance(block, Chart)
            for key, text, why in series_problems(block.inputs)]


_C_MEANS = re.compile(r"(?:from|of) (\d+) to (\d+) (?:are|is) shown as [\"“]?c[\"”]?", re.IGNORECASE)
_ROUNDED_TO = re.compile(r"rounded to the nearest (\d+)", re.IGNORECASE)


def _said_rule(pack: Pack) -> tuple[Statement, int, int, int | None] | None:
    for s in statements(pack):
        if m := _C_MEANS.search(s.text):
            r = _ROUNDED_TO.search(s.text)
            return s, int(m.group(1)), int(m.group(2)), int(r.group(1)) if r else None
    return None


def suppression_words(pack: Pack) -> list[Problem]:
    """What "c" is said to mean is what the tables do: no count shown from the lowest to the
    highest hidden number, and every count a multiple of the rounding said; and the words match
    the suppression rule's own defaults (:mod:`analysis.engine.suppress`)."""
    import inspect

    from analysis.engine import suppress

    said = _said_rule(pack)
    if said is None:
        return []
    s, low, high, rounding = said
    defaults = inspect.signature(suppress.protect).parameters
    threshold, rule_rounding = defaults["threshold"].default, defaults["rounding"].default
    problems = []
    if (low, high) != (1, threshold - 1):
        problems.append(Problem("suppression_words", s.section, s.where, s.text,
                                f"the rule hides counts from 1 to {threshold - 1}, not {low} to {high}"))
    if rounding is not None and rounding != rule_rounding:
        problems.append(Problem("suppression_words", s.section, s.where, s.text,
                                f"the rule rounds to the nearest {rule_rounding}, not {rounding}"))
    for section, block in pack.blocks():
        if isinstance(block, Table):
            for where, value in _shown_counts(block):
                if low <= value <= high or (rounding and value % rounding):
                    problems.append(Problem("suppression_words", section.id, where, f"{value:g}",
                                            f"a count the pack says is hidden (\"c\") or rounded to "
                                            f"the nearest {rounding} is shown as it is"))
    return problems


def _shown_counts(table: Table) -> Iterable[tuple[str, float]]:
    if not (table.frame.astype(str) == "c").any().any():
        return
    for column in displayed(table):
        if column.kind != "count":
            continue
        for i, value in enumerate(table.frame[column.key].tolist(), start=1):
            if isinstance(value, int | float) and value == value and value > 0:
                yield f"table {table.name}, row {i}, column {column.label}", float(value)


def counts_not_compared(pack: Pack) -> list[Problem]:
    """No count is ranked or set beside England's, the region's or the neighbours' figure."""
    return [Problem("counts_not_compared", section.id, where, text, why)
            for section, block in pack.blocks() if isinstance(block, Table)
            for where, text, why in counts_problems(block)]


_SNAKE = re.compile(r"(?<![\w/.\-])(?<!file )(?<!folder )(?<!Records: `)([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?![\w/]|\.(?:csv|xlsx|png|svg|txt|json|html|ipynb|yaml|py)\b)")
_TOOLKIT_CODE = re.compile(r"\b[A-Z]\d{2}_\w+")
_FLOAT_NOISE = re.compile(r"\d\.\d*(?:0{6,}|9{6,})\d")


def no_internal_names(pack: Pack) -> list[Problem]:
    """No snake_case field name, toolkit code (P01_...) or float noise (80.10000000000001)
    reaches a reader; official codes (E06..., 371, A1, E34) are fine."""
    problems = []
    for s in statements(pack):
        for pattern, why in ((_SNAKE, "an internal field name"), (_TOOLKIT_CODE, "an internal code"),
                             (_FLOAT_NOISE, "a number with floating-point noise")):
            for m in pattern.finditer(s.text):
                problems.append(Problem("no_internal_names", s.section, s.where, s.text,
                                        f"{why} ({m.group(0)})"))
    return problems


#: Every invariant by name, in the order they are checked.
INVARIANTS: dict[str, Callable[[Pack], list[Problem]]] = {
    "percent_counts": percent_counts,
    "sources_published": sources_published,
    "rank_beside_figure": rank_beside_figure,
    "series_by_date": series_by_date,
    "suppression_words": suppression_words,
    "counts_not_compared": counts_not_compared,
    "no_internal_names": no_internal_names,
}


def check_pack(pack: Pack, only: Iterable[str] | None = None) -> list[Problem]:
    """Every problem with what ``pack`` says (empty: it is true to its figures)."""
    names = list(only) if only is not None else list(INVARIANTS)
    return [p for name in names for p in INVARIANTS[name](pack)]


def assert_true(pack: Pack) -> None:
    """Raise :class:`PackUntrueError` listing every problem :func:`check_pack` finds."""
    problems = check_pack(pack)
    if problems:
        raise PackUntrueError(pack.title, problems)
