"""The measures computed from the LA's own returns as page 1 and the performance profile show
them: each with a direction since last quarter and since a year before, or the reason it has
none (:func:`computed_frame`); the count of them and how many are worse
(:func:`computed_summary`); and the ones to ask about, each as a figure with the children
behind it and the figures it is compared with (:func:`computed_messages`)."""

from __future__ import annotations

import pandas as pd

from analysis.core.evidence import Figure
from analysis.measures.returns.pack_table import THRESHOLD
from analysis.quarterly_pack.context import PackContext, is_computed, once
from analysis.quarterly_pack.local_tables import _value_text, profile_frame, quarterly_report
from analysis.quarterly_pack.wording import local_children_text

#: The reason in the "since last quarter" cell of a measure counted at 31 March only (OC2,
#: OC3): its figure before is the year before's.
ONCE_A_YEAR = "counted once a year"
#: The reasons in a direction cell with nothing to compare with.
NO_FIGURE_LAST_QUARTER = "no figure last quarter"
NO_FIGURE_YEAR_BEFORE = "no figure a year before"
HIDDEN_LAST_QUARTER = f"last quarter's figure hidden (fewer than {THRESHOLD} children)"
HIDDEN_YEAR_BEFORE = f"the year before's figure hidden (fewer than {THRESHOLD} children)"
#: Directions that say a measure got worse (the local return's words, and the published ones).
WORSE = frozenset({"worsening", "worsened", "status worsened"})


def computed_rows(ctx: PackContext) -> pd.DataFrame:
    """Every quarter's rows of the measures computed from the returns."""
    local = ctx.local
    if local.empty or not ctx.records_source:
        return local.iloc[0:0]
    return local[is_computed(local) & (local["period_type"] == "quarter")]


def once_a_year_codes(ctx: PackContext) -> set[str]:
    """The computed measures counted at 31 March only: figures for Q4s alone, where other
    measures have figures for other quarters too."""
    rows = computed_rows(ctx)
    if rows.empty:
        return set()
    quarters = pd.to_numeric(rows["quarter"], errors="coerce")
    if not (quarters != 4).any():
        return set()
    by_code = quarters.groupby(rows["indicator_code"].astype(str)).agg(lambda q: set(q.dropna()))
    return {code for code, seen in by_code.items() if seen == {4}}


#: The published direction words (:func:`analysis.engine.benchmark.direction_of_travel`) as
#: the local tables say them.
_LOCAL_WORDS = {"improved": "improving", "worsened": "worsening"}


def _compared_values(ctx: PackContext) -> pd.DataFrame:
    """Each measure's figure last quarter and a year before, and its polarity, by code."""
    status = quarterly_report(ctx)["status"].drop_duplicates("indicator_code")
    return status.set_index(status["indicator_code"].astype(str))[
        ["previous_value", "last_year_value", "polarity"]]


def _hidden_codes(ctx: PackContext, period: str) -> set[str]:
    """The computed measures whose figure for ``period`` was hidden (a small number)."""
    rows = computed_rows(ctx)
    rows = rows[rows["period"] == period]
    return set(rows.loc[rows["value"].isna(), "indicator_code"].astype(str))


def _directions(frame: pd.DataFrame, then: pd.Series, polarity: pd.Series) -> pd.Series:
    """The direction of each row's figure against ``then``, at the precision shown (11% against
    11% is no change, as a reader sees it)."""
    from analysis.engine.benchmark import direction_of_travel

    now = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    found = direction_of_travel(now, pd.to_numeric(then, errors="coerce").astype(float),
                                polarity, frame["decimals"].astype(int))
    return found.astype(object).replace(_LOCAL_WORDS)


def computed_frame(ctx: PackContext) -> pd.DataFrame:
    """The profile rows (:func:`profile_frame`) of the measures computed from the returns, each
    direction cell holding a direction (at the precision shown) or the reason there is none:
    counted once a year, a figure hidden as a small number, or no figure (before the returns
    begin)."""
    def make() -> pd.DataFrame:
        codes = set(computed_rows(ctx)["indicator_code"].astype(str))
        if not codes:
            return pd.DataFrame()
        prof = profile_frame(ctx)
        if prof.empty:
            return prof
        frame = prof[prof["code"].isin(codes)].reset_index(drop=True)
        compared = _compared_values(ctx).reindex(frame["code"])
        polarity = pd.Series(compared["polarity"].fillna("none").to_numpy(), index=frame.index)
        annual = frame["code"].isin(once_a_year_codes(ctx))
        for column, source, period, reasons in (
                ("direction", "previous_value", ctx.quarter.previous().label,
                 (NO_FIGURE_LAST_QUARTER, HIDDEN_LAST_QUARTER)),
                ("direction_year", "last_year_value", ctx.quarter.same_quarter_last_year().label,
                 (NO_FIGURE_YEAR_BEFORE, HIDDEN_YEAR_BEFORE))):
            then = pd.Series(compared[source].to_numpy(), index=frame.index)
            found = _directions(frame, then, polarity).mask(lambda d: d == "no comparison")
            hidden = frame["code"].isin(_hidden_codes(ctx, period))
            found = found.mask(found.isna() & hidden, reasons[1])
            if column == "direction":
                found = found.mask(found.isna() & annual, ONCE_A_YEAR)
            frame[column] = found.fillna(reasons[0])
        frame["once_a_year"] = annual
        return frame

    return once(ctx, "computed_frame", make)


def _ask(frame: pd.DataFrame) -> pd.Series:
    """Which measures to ask about: worse than last quarter and a year before (a measure
    counted once a year: worse than the year before), or outside tolerance of a target."""
    worse_quarter = frame["direction"].isin(WORSE)
    worse_year = frame["direction_year"].isin(WORSE)
    return (worse_quarter & worse_year) | (frame["once_a_year"] & worse_year) \
        | (frame["status"] == "outside_tolerance")


def computed_summary(ctx: PackContext) -> str:
    """ "**2022-23 Q4: 22 measures computed from the LA's synthetic CIN census and SSDA903
    returns, 2016-17 to 2022-23.** 4 worse than last quarter and 4 worse than a year before;
    3 to ask about, below. ..." """
    frame = computed_frame(ctx)
    n = len(frame)
    worse_q = int(frame["direction"].isin(WORSE).sum())
    worse_y = int(frame["direction_year"].isin(WORSE).sum())
    asks = int(_ask(frame).sum())
    text = (f"**{ctx.quarter.label}: {n} {'measure' if n == 1 else 'measures'} "
            f"{ctx.records_source}.** {worse_q} worse than last quarter and {worse_y} worse than a "
            f"year before; {asks} to ask about{', below' if asks else ''}.")
    plain = int((_polarity(ctx, frame) == "none").sum())
    annual = int(frame["once_a_year"].sum())
    if plain:
        text += (f" {plain} {'is a rate or count' if plain == 1 else 'are rates and counts'} "
                 "with no better or worse direction.")
    if annual:
        text += (f" {annual} {'is' if annual == 1 else 'are'} counted once a year, at 31 March, "
                 "and compared with the year before.")
    return text


def _polarity(ctx: PackContext, frame: pd.DataFrame) -> pd.Series:
    status = quarterly_report(ctx)["status"].drop_duplicates("indicator_code")
    polarity = status.set_index(status["indicator_code"].astype(str))["polarity"]
    return frame["code"].map(polarity).fillna("none")


def _compared(ctx: PackContext, code: str, column: str, unit: str, decimals: int) -> str:
    status = quarterly_report(ctx)["status"]
    row = status[status["indicator_code"].astype(str) == code]
    if row.empty or pd.isna(row.iloc[0][column]):
        return ""
    return f" ({_value_text(row.iloc[0][column], unit, decimals)})"


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def computed_messages(ctx: PackContext) -> list[tuple[str, Figure]]:
    """One line per computed measure to ask about, with the figure it states and its
    evidence: its value, the children behind it (``n of d``), the quarter, and what it is
    worse than, with those figures."""
    frame = computed_frame(ctx)
    if frame.empty:
        return []
    here = computed_rows(ctx)
    here = here[here["period"] == ctx.quarter.label].drop_duplicates("indicator_code")
    here = here.set_index(here["indicator_code"].astype(str))
    lines = []
    for r in frame[_ask(frame)].itertuples(index=False):
        numerator = denominator = None
        if r.code in here.index:
            numerator = _number(here.at[r.code, "numerator"])
            denominator = _number(here.at[r.code, "denominator"])
        children = local_children_text(numerator, denominator) if r.unit == "percent" else ""
        figure = Figure(value=float(r.value), unit=str(r.unit), decimals=int(r.decimals),
                        numerator=numerator, denominator=denominator, period=ctx.quarter.label,
                        source=ctx.records_source, label=f"{r.measure}, {ctx.quarter.label}")
        text = f"**{r.measure}**: {r.value_text}" + (f" ({children})" if children else "")
        text += f" in {ctx.quarter.label}"
        year = _compared(ctx, r.code, "last_year_value", r.unit, r.decimals)
        bits = []
        if r.status == "outside_tolerance":
            bits.append(f"outside tolerance against a target of {r.target_text}")
        if r.once_a_year and r.direction_year in WORSE:
            bits.append(f"counted once a year: worse than a year before{year}")
        elif r.direction in WORSE and r.direction_year in WORSE:
            last = _compared(ctx, r.code, "previous_value", r.unit, r.decimals)
            bits.append(f"worse than last quarter{last} and a year before{year}")
        lines.append((text + ", " + "; ".join(bits) + ".", figure))
    return lines
