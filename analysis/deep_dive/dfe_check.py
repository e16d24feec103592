"""Whether the records' figures agree with DfE's for the same LA and year: a figure outside
the 99.8% range around DfE's published rate (for the records' number of referrals) *and*
more than 2 points from it is said on page 1 (:func:`dfe_difference_notes`), with both
figures, their counts and what may explain the difference.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analysis.data.publications import PublishedDate, published_text
from analysis.deep_dive.input_checks import InputNote
from analysis.deep_dive.suppression import ROUNDING
from analysis.engine import suppress

#: Confidence of the range around DfE's rate, and the least difference (percentage
#: points) worth a statement.
LEVEL = 0.998
MIN_POINTS = 2.0


def dfe_range(dfe_percent: float, referrals: float) -> tuple[float, float]:
    """The 99.8% range (exact binomial, per cent) a rate from ``referrals`` referrals
    would fall in if the LA's true rate were DfE's ``dfe_percent``."""
    from analysis.engine.funnel_limits import funnel_limits

    limits = funnel_limits(dfe_percent, [referrals], "proportion", levels=[LEVEL])
    return float(limits["lower_99_8"].iloc[0]), float(limits["upper_99_8"].iloc[0])


def _date(day: object, approximate: object, period: str) -> str:
    """When DfE first published the year's figures (from config/publications.yaml)."""
    if not isinstance(day, dt.date):
        return f"the date DfE first published the {period} figures is not known"
    when = published_text(PublishedDate(date=day, approximate=bool(approximate)))
    return f"DfE first published the {period} figures {'' if approximate else 'on '}{when}"


def _explain(records: pd.Series, dfe: pd.Series, la_name: str, synthetic: bool,
             rows_left_out: int) -> str:
    """What may explain a difference, most likely first."""
    why = []
    if synthetic:
        why.append(f"these records are synthetic, not {la_name}'s")
    if rows_left_out:
        why.append(f"{rows_left_out:,} rows of the records were left out")
    den, dfe_den = suppress.number(records["denominator"]), float(dfe["denominator"])
    if pd.notna(dfe_den) and pd.notna(den) and abs(den - dfe_den) > 0.1 * dfe_den:
        so = ("the extract may not hold every referral" if den < dfe_den else
              "the extract may hold contacts or referrals the census return does not count")
        why.append(f"the records hold {den:,.0f} referrals in the year against the "
                   f"{dfe_den:,.0f} in DfE's figures, so {so}")
    why.append("the extract may use another rule, period or extract date than the "
               "children in need census return")
    return "; ".join(why)


def dfe_difference_notes(published: pd.DataFrame | None, evidence: pd.DataFrame | None,
                         la_name: str, *, synthetic: bool = False, rows_left_out: int = 0
                         ) -> tuple[InputNote, ...]:
    """A statement for each measure whose records' figure (from the published, suppressed
    comparison table) lies outside the 99.8% range around DfE's published figure for the
    same LA and year and more than :data:`MIN_POINTS` from it. Suppressed figures and
    another DfE year are not compared."""
    if published is None or evidence is None:
        return ()
    notes = []
    for _, rec in published.iterrows():
        hit = evidence.loc[evidence["measure"] == rec["measure"]]
        if hit.empty or rec["records_year"] != hit.iloc[0]["dfe_year"]:
            continue
        dfe = hit.iloc[0]
        value, num, den = (suppress.number(rec[c]) for c in ("percent", "numerator",
                                                             "denominator"))
        if pd.isna(dfe["value"]) or pd.isna(value) or pd.isna(den) or den <= 0:
            continue
        low, high = dfe_range(float(dfe["value"]), den)
        points = abs(value - float(dfe["value"]))
        if low <= value <= high or points <= MIN_POINTS:
            continue
        counts = (f"{dfe['numerator']:,.0f} of {dfe['denominator']:,.0f} referrals; "
                  if pd.notna(dfe["numerator"]) and pd.notna(dfe["denominator"]) else "")
        text = (f"{rec['measure']}, {rec['records_year']}: the records give {value:.1f}% "
                f"({num:,.0f} of {den:,.0f} referrals, counts rounded to {ROUNDING}); DfE "
                f"published {float(dfe['value']):.1f}% for {la_name} ({counts}{dfe['source']}; "
                f"{_date(dfe['published'], dfe['published_approximate'], dfe['dfe_year'])}). "
                "The records' "
                f"figure is {points:.1f} points from DfE's, outside the range of {low:.1f}% "
                f"to {high:.1f}% that {den:,.0f} referrals would give 99.8% of the time at "
                f"DfE's rate. What may explain it: "
                + _explain(rec, dfe, la_name, synthetic, rows_left_out) + ".")
        notes.append(InputNote(text, {
            "measure": rec["measure"], "period": rec["records_year"],
            "records_value": value, "records_numerator": num, "records_denominator": den,
            "records_counts_rounded_to": ROUNDING, "dfe_value": float(dfe["value"]),
            "dfe_numerator": dfe["numerator"], "dfe_denominator": dfe["denominator"],
            "dfe_counts_rounded": dfe["counts_rounded"], "source": dfe["source"],
            "published": dfe["published"], "range_low": round(low, 1),
            "range_high": round(high, 1), "points": round(points, 1)}))
    return tuple(notes)


__all__ = ["LEVEL", "MIN_POINTS", "dfe_difference_notes", "dfe_range"]
