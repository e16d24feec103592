"""A funnel plot in words: where the LA sits, how many LAs lie outside the limits, and the
plot's title and axis label (shared by the packs' charts and the explorer's)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.data.catalogue import Indicator
from analysis.data.geography import LocalAuthority
from analysis.engine.funnels import OVERDISPERSED_SHARE, Funnel

#: A funnel position (:func:`analysis.engine.funnel_limits.funnel_flags`) in words.
POSITION_WORDS: dict[str, str] = {
    "inside": "inside the 95% limits",
    "above_95": "above the 95% limit but inside the 99.8% limit",
    "above_99_8": "above the 99.8% limit",
    "below_95": "below the 95% limit but inside the 99.8% limit",
    "below_99_8": "below the 99.8% limit",
}


def position_text(position: str | None) -> str:
    """A funnel position in words; None (not plotted) says why."""
    if position is None:
        return "not plotted (no denominator to place it by)"
    return POSITION_WORDS.get(position, position)


def _limits_text(funnel: Funnel) -> str:
    if funnel.overdispersion == "none":
        return f"exact {'binomial' if funnel.kind == 'proportion' else 'Poisson'} limits"
    text = f"limits widened for {funnel.overdispersion} over-dispersion"
    if "phi" in funnel.limits.columns and funnel.overdispersion == "multiplicative":
        text += f", phi = {float(funnel.limits['phi'].iloc[0]):.1f}"
    elif "tau2" in funnel.limits.columns:
        text += f", tau² = {float(funnel.limits['tau2'].iloc[0]):.2g}"
    return text


def funnel_line(funnel: Funnel, la: LocalAuthority | None, indicator: Indicator) -> str:
    """One line: where the LA sits on the funnel and how many LAs lie outside the limits."""
    points = funnel.points
    outside_95 = int((points["position"] != "inside").sum())
    outside_998 = int(points["position"].isin(["above_99_8", "below_99_8"]).sum())
    text = ""
    if la is not None:
        hit = points[points["old_la_code"].astype(str) == str(la.old_code)]
        where = position_text(None if hit.empty else str(hit["position"].iloc[0]))
        size = "" if hit.empty else f"{float(hit['denominator'].iloc[0]):,.0f}"
        figure = ("" if hit.empty else f" ({indicator.format_value(float(hit['value'].iloc[0]))} "
                  + (f"of {size})" if funnel.kind == "proportion"
                     else f"{indicator.unit_label}, population {size})"))
        text = f"{la.name}{figure} is {where} around England's {indicator.format_value(funnel.england)}. "
    else:
        text = f"Limits around England's {indicator.format_value(funnel.england)}. "
    text += (f"{outside_95} of {len(points)} LAs lie outside the 95% limits, {outside_998} of them "
             f"outside the 99.8% limits ({_limits_text(funnel)}).")
    if funnel.overdispersion == "none" and outside_95 > OVERDISPERSED_SHARE * len(points):
        text += (" So many outside suggests real differences between LAs beyond chance "
                 "(over-dispersion): the multiplicative or additive option widens the limits for it.")
    if funnel.left_out:
        text += (f" {funnel.left_out} LA{'s' if funnel.left_out != 1 else ''} with a value but no "
                 f"denominator {'are' if funnel.left_out != 1 else 'is'} not plotted.")
    return text


@dataclass(frozen=True)
class FunnelWords:
    """What a funnel plot of one indicator and year says, whoever draws it."""

    la_name: str | None  # the LA highlighted (None: not given, or not plotted)
    title: str
    x_label: str
    centre_label: str
    alt_note: str  # said after the alt text ("" unless the limits are widened)


def funnel_words(funnel: Funnel, indicator: Indicator, period: str,
                 la: LocalAuthority | None) -> FunnelWords:
    """The funnel plot's title, axis label and highlighted LA (:func:`funnel_chart`, and the
    interactive explorer's chart drawn in the browser)."""
    la_name = None
    if la is not None:
        hit = funnel.points[funnel.points["old_la_code"].astype(str) == str(la.old_code)]
        la_name = None if hit.empty else str(hit["name"].iloc[0])
    x_label = ("Children aged under 18 (the rate's population)" if funnel.kind == "rate"
               else "Denominator (the number the percentage is of)")
    widened = "" if funnel.overdispersion == "none" else f", {funnel.overdispersion} over-dispersion"
    note = ("" if funnel.overdispersion == "none"
            else f" The limits are widened for {funnel.overdispersion} over-dispersion.")
    return FunnelWords(la_name, f"{indicator.label}, {period}: every LA against its size{widened}",
                       x_label, "England", note)
