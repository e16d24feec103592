"""A statement's evidence: one figure with everything a reader's sentence about it rests on.

A :class:`Figure` is the record behind a number a reader sees: its value, unit and decimals,
the counts behind it (numerator and denominator), whether DfE rounded those counts (to the
nearest 5 or 10, while the percentage is worked out from the exact counts), the period, and
the release it comes from with its publication date (and whether that date is confirmed or
approximate). Builders attach figures to the blocks that state them
(:class:`analysis.core.blocks.Text` and :class:`~analysis.core.blocks.Table` ``figures``);
:mod:`analysis.render.invariants` checks each one before a pack is written.

The functions here are pure: they render a figure the one way a reader sees it
("27.1% (1,429 of 5,275)", "about 150 of 165" when the counts are rounded) and say whether
its value and counts agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["Figure", "agrees", "counts_text", "exact_agrees", "percent_of", "percent_possible",
           "statement", "value_text"]


@dataclass(frozen=True)
class Figure:
    """One figure and its evidence.

    ``rounded_to``: the base the counts shown were rounded to (5 or 10; by DfE, or by the
    toolkit's own disclosure rule), 0 when the counts are exact. ``exact_numerator`` and
    ``exact_denominator``: the exact counts behind rounded ones, where the toolkit has them
    (a deep dive's records); the percentage is then worked out from them. ``published`` is the release's publication date; ``date_confirmed`` is False when
    that date is approximate (a month, not a day).
    """

    value: float
    unit: str = "percent"
    decimals: int = 1
    numerator: float | None = None
    denominator: float | None = None
    rounded_to: int = 0
    period: str = ""
    source: str = ""
    published: dt.date | None = None
    date_confirmed: bool = True
    label: str = ""
    exact_numerator: float | None = None
    exact_denominator: float | None = None

    @property
    def rounded(self) -> bool:
        """Whether the counts behind the figure were rounded by DfE."""
        return self.rounded_to > 1


def value_text(figure: Figure) -> str:
    """The value as shown: "27.1%", "804.1", "1,429"."""
    text = f"{figure.value:,.{figure.decimals}f}"
    return text + ("%" if figure.unit == "percent" else "")


def counts_text(figure: Figure) -> str:
    """The counts as shown: "1,429 of 5,275", "about 150 of 165" (rounded counts), "5,275"
    (a count with no denominator); empty without a numerator."""
    if figure.numerator is None:
        return ""
    about = "about " if figure.rounded else ""
    if figure.denominator is None:
        return f"{about}{figure.numerator:,.0f}"
    return f"{about}{figure.numerator:,.0f} of {figure.denominator:,.0f}"


def statement(figure: Figure) -> str:
    """The value with its counts: "27.1% (1,429 of 5,275)"; the value alone without counts."""
    counts = counts_text(figure)
    return f"{value_text(figure)} ({counts})" if counts else value_text(figure)


def percent_of(numerator: float, denominator: float, decimals: int) -> str:
    """numerator / denominator as a percentage at ``decimals`` (half away from zero, as a
    reader would round it by hand): 75 of 165 at 0 decimals is "45"."""
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    step = Decimal(1).scaleb(-decimals)
    return str(exact.quantize(step, rounding=ROUND_HALF_UP))


def percent_matches(numerator: float, denominator: float, shown: str, decimals: int) -> bool:
    """Whether ``shown`` is numerator / denominator at ``decimals``; an exact half (93 of 200
    is 46.5%) may be shown either way (46% or 47%)."""
    from decimal import ROUND_HALF_DOWN

    if percent_of(numerator, denominator, decimals) == shown:
        return True
    from decimal import Decimal

    exact = Decimal(str(numerator)) * 100 / Decimal(str(denominator))
    return str(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_DOWN)) == shown


def agrees(figure: Figure) -> bool:
    """Whether a percentage agrees with its counts at the shown precision. Exact counts must
    give the value shown; counts rounded to ``rounded_to`` must allow it (some counts within
    half a rounding step of those shown give the value). Figures that are not percentages,
    or have no counts, agree."""
    if figure.unit != "percent" or figure.numerator is None or not figure.denominator:
        return True
    shown = f"{figure.value:.{figure.decimals}f}"
    if figure.exact_numerator is not None and figure.exact_denominator:
        return exact_agrees(figure) and percent_matches(
            figure.exact_numerator, figure.exact_denominator, shown, figure.decimals)
    if not figure.rounded:
        return percent_matches(figure.numerator, figure.denominator, shown, figure.decimals)
    return percent_possible(figure.numerator, figure.denominator, float(shown), figure.decimals,
                            figure.rounded_to)


def exact_agrees(figure: Figure) -> bool:
    """Whether the counts shown are the exact counts rounded to ``rounded_to`` (the exact
    counts themselves when nothing was rounded). True when there are no exact counts."""
    half = figure.rounded_to / 2 if figure.rounded else 0
    return all(exact is None or shown is None or abs(shown - exact) <= half
               for shown, exact in ((figure.numerator, figure.exact_numerator),
                                    (figure.denominator, figure.exact_denominator)))


def percent_possible(numerator: float, denominator: float, shown: float, decimals: int,
                     rounded_to: int) -> bool:
    """Whether some exact counts that round to ``numerator`` and ``denominator`` (to the
    nearest ``rounded_to``) give ``shown`` at ``decimals``."""
    half = rounded_to / 2
    low_n, high_n = max(numerator - half, 0), numerator + half
    low_d, high_d = max(denominator - half, 1), denominator + half
    lowest, highest = 100 * low_n / high_d, 100 * min(high_n, high_d) / low_d
    step = 0.5 * 10 ** -decimals
    return lowest - step <= shown <= highest + step


