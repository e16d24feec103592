"""What an indicator is, shown beside its figures: its definition, unit, which direction is
better, the catalogue's caveats and the source line, all from ``config/indicators.yaml`` and
the release dates (:mod:`analysis.data.sources`), in the reader's words (an indicator named in
a caveat by its catalogue key is named by its label).
"""

from __future__ import annotations

import html
import re

from analysis.data.catalogue import Catalogue, Indicator

#: The words for each direction of an indicator.
DIRECTION_WORDS: dict[str, str] = {
    "lower_is_better": "Lower is better.",
    "higher_is_better": "Higher is better.",
    "none": "Neither higher nor lower is better: LAs get a position (1 = highest), not a rank or band.",
}

#: How each unit is read.
UNIT_TEXT: dict[str, str] = {
    "percent": "Per cent.", "rate_per_10000": "Rate per 10,000 children.",
    "rate_per_100000": "Rate per 100,000 young people.", "count": "Number.", "days": "Days.",
    "weeks": "Weeks.", "score": "Score.", "rate": "Rate.", "unspecified": "As published.",
}

_KEY = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def reader_text(text: str, catalogue: Catalogue) -> str:
    """``text`` with any indicator named by its catalogue key named by its label instead
    ("see referral_rate_rebased" -> "see Referrals per 10,000 children (rebased population)")."""
    def label(match: re.Match[str]) -> str:
        found = catalogue.indicators.get(match.group(0))
        return found.label if found is not None else match.group(0)

    return _KEY.sub(label, text)


def about_rows(indicator: Indicator, catalogue: Catalogue, source: str) -> list[tuple[str, str]]:
    """(heading, text) rows saying what the indicator is and where its figures come from."""
    rows = [("Definition", indicator.definition),
            ("Unit", UNIT_TEXT.get(indicator.unit, indicator.unit)),
            ("Direction", DIRECTION_WORDS[indicator.polarity])]
    if indicator.notes:
        rows.append(("Notes", reader_text(indicator.notes, catalogue)))
    if source:
        rows.append(("Source", source.removeprefix("Source: ")))
    return rows


def about_html(indicator: Indicator, catalogue: Catalogue, source: str) -> str:
    """:func:`about_rows` as a small box, a line each, every text escaped."""
    items = "".join(f"<p><strong>{html.escape(head)}:</strong> {html.escape(text)}</p>"
                    for head, text in about_rows(indicator, catalogue, source))
    return (f'<section class="explorer-about" aria-label="About this indicator">'
            f"<h3>About this indicator</h3>{items}</section>")
