"""The re-referrals deep dive as a document: :func:`deep_dive_pack` turns a
:class:`analysis.deep_dive.build.DeepDive` into a :class:`analysis.core.blocks.Pack` of
sections (text, tables, charts and notes), every figure from the published (suppressed)
tables; :func:`table_block` shows a published table with its headings (:data:`HEADINGS`).
Writes nothing: render it with :mod:`analysis.render`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.core.blocks import Block, Column, Note, Pack, Section, Table, Text
from analysis.deep_dive.breakdowns import CHARACTERISTIC_TABLES, LEFT_OUT
from analysis.deep_dive.findings import headline_figure, intro_markdown, key_findings
from analysis.deep_dive.suppression import HIDDEN_LINE, THRESHOLD
from analysis.deep_dive.years import long_date
from analysis.engine import suppress
from analysis.render.formats import explain_hidden_once

if TYPE_CHECKING:
    from analysis.deep_dive.build import DeepDive

#: Column headings when a table is shown (the saved CSVs keep the same headings).
HEADINGS: dict[str, str] = {
    "year": "Year", "referrals": "Referrals", "rereferrals": "Re-referrals",
    "percent": "Per cent", "quarter_end": "12 months to", "month": "Month",
    "quarter": "Quarter", "within": "Within", "days": "Days",
    "all_rereferrals": "All re-referrals", "measure": "Measure",
    "records_year": "Records year", "numerator": "Re-referrals or stage count",
    "denominator": "Referrals", "dfe_year": "DfE year",
    "la_published": "LA as published by DfE", "england": "England (DfE)",
    "region": "Region (DfE)", "neighbours_mean": "Statistical neighbours' mean (DfE)",
    "locality": "Locality", "funnel_position": "On the funnel plot", "what": "Rows",
    "rows": "Number", "band": "Time since previous referral",
    "cumulative_rereferrals": "Re-referrals so far", "cumulative_percent": "Per cent so far",
    "since_closure": "Time since the previous case closed", "source_group": "Referred by",
    "referral_source": "Referral source", "primary_need": "Need code", "label": "Description",
    "assessment_factor": "Factor code", "rate_percent": "Re-referral rate",
    "share_of_rereferrals_percent": "Share of re-referrals",
    "rereferrals_with_factors": "Re-referrals with any factor recorded",
    "share_of_rereferrals_with_factors_percent": "Share of re-referrals with any factor "
                                                 "recorded",
    "age_band": "Age at referral", "ethnicity_group": "Ethnic group", "disability": "Disability",
    "previous_outcome": "Previous referral's outcome", "closure_reason": "Reason for closure",
    "code": "Code", "referrals_in_year": "Referrals in the year", "children": "Children",
    "all_children": "All children", "outcome": "Outcome",
    "first_referrals": "First referrals", "all_first_referrals": "All first referrals",
    "rereferrals_percent": "Per cent of re-referrals",
    "first_referrals_percent": "Per cent of first referrals", "group": "Group",
    "with_prior_early_help": "With early help first", "known": "Recorded",
    "not_recorded": "Not recorded", "stage": "Stage", "count": "Number",
    "percent_of_referrals": "Per cent of referrals",
    "percent_of_assessed": "Per cent of assessed", "percent_of_contacts": "Per cent of contacts",
    "area": "Area", "published_percent": "Re-referral rate (DfE published)",
    "is_la": "This LA",
}
#: Columns of counts (shown whole, hidden as "c" when small).
COUNT_COLUMNS = ("referrals", "rereferrals", "all_rereferrals", "rereferrals_with_factors",
                 "numerator", "denominator", "rows", "cumulative_rereferrals", "children",
                 "all_children", "first_referrals", "all_first_referrals", "with_prior_early_help",
                 "known", "not_recorded", "count")
#: Columns kept in the frame but not shown or saved.
_HIDDEN_COLUMNS = frozenset({"min_days", "max_days", "level", "days", "is_la", "referrals_base",
                            "assessed_base"})


#: The DfE comparison table's own headings: short, so that its first column (the measure)
#: keeps the width to read on one or two lines in a printed A4 page.
DFE_HEADINGS: dict[str, str] = {
    "measure": "Measure", "records_year": "Records year", "numerator": "Count",
    "denominator": "Referrals", "percent": "Records' per cent", "dfe_year": "DfE year",
    "la_published": "LA (DfE)", "england": "England (DfE)", "region": "Region (DfE)",
    "neighbours_mean": "Neighbours (DfE)",
}


def table_block(name: str, frame: pd.DataFrame, caption: str, source: str = "",
                notes: Sequence[str] = (), headings: Mapping[str, str] | None = None,
                hidden: Sequence[str] = ()) -> Table:
    """A published table as a :class:`analysis.core.blocks.Table`: headings from
    :data:`HEADINGS` (``headings`` first), counts as counts, percentages with one decimal;
    ``hidden`` columns are saved but not shown."""
    names = {**HEADINGS, **(headings or {})}
    cols = []
    for key in frame.columns:
        k = str(key)
        kind: str = "text"
        decimals = None
        if "percent" in k or k in ("england", "region", "neighbours_mean", "la_published"):
            kind, decimals = "percent", 1
        elif k in COUNT_COLUMNS:
            kind = "count"
        gone = k in _HIDDEN_COLUMNS
        cols.append(Column(k, names.get(k, k.replace("_", " ").capitalize()),
                           kind, decimals,  # type: ignore[arg-type]
                           display=not gone and k not in hidden, download=not gone))
    return Table(name, frame, tuple(cols), caption, source=source, notes=tuple(notes))


def _too_few(what: str) -> Note:
    return Note("left_out", f"{what}: too few referrals to show safely (every figure would "
                            f"be fewer than {THRESHOLD} or give one away).")


def _section(sid: str, title: str, *blocks: Block | None, intro: str = "") -> Section:
    return Section(sid, title, tuple(b for b in blocks if b is not None), intro=intro)


def deep_dive_pack(dive: DeepDive) -> Pack:
    """The deep dive as a :class:`analysis.core.blocks.Pack`: sections of text, tables, charts
    and notes, every figure from the published (suppressed) tables. Writes nothing; render
    it with :mod:`analysis.render`."""
    from analysis.charts import rereferral_funnels as cf
    from analysis.charts import rereferrals as ch

    t, syn, src, year, n = dive.tables, dive.synthetic, dive.source, dive.period, dive.name

    def tb(key: str, caption: str, notes: Sequence[str] = (), source: str = "",
           headings: Mapping[str, str] | None = None, hidden: Sequence[str] = ()) -> Table | None:
        line = (source or src).replace(f" {HIDDEN_LINE}", "")  # said once: explain_hidden_once
        return (table_block(n(key), t[key], caption, line, notes, headings, hidden)
                if key in t else None)

    annual = t["annual"]
    year_row = annual.loc[annual["year"] == year]
    overall = year_row["percent"].iloc[0] if len(year_row) else None
    sections = [
        _section("about", "About these figures", Text(intro_markdown(dive, heading=False)),
                 tb("read_summary", "Rows read, used and left out")),
        _section("key", "Key figures", Text(key_findings(dive), figures=tuple(
            f for f in [headline_figure(dive)] if f is not None))),
    ]
    comparison: list[Block | None] = [
        tb("annual", f"Re-referrals by year ending 31 March, up to {year}"),
        tb("rolling_quarters", "Re-referrals in the 12 months to each quarter end"),
    ]
    if "dfe_comparison" in t:
        words = ("from the synthetic records" if syn else "from the records")
        dfe = t["dfe_comparison"]
        same_year = bool((dfe["records_year"].astype(str) == dfe["dfe_year"].astype(str)).all())
        comparison.append(tb("dfe_comparison",
                             f"The records' figures ({words}) beside DfE's published figures "
                             "(the LA's own, England, the region, the statistical neighbours)"
                             + (f", {dfe['dfe_year'].iloc[0]}" if same_year and len(dfe) else ""),
                             source=dive.dfe_source, headings=DFE_HEADINGS,
                             hidden=("records_year", "dfe_year") if same_year else ()))
    if "neighbours" in t:
        comparison += [ch.neighbours_block(n("neighbour_rates"), t["neighbours"],
                                           source=dive.dfe_source_only, synthetic=syn),
                       tb("neighbours", "DfE's published re-referral rate of each statistical "
                                        "neighbour (published figures, not from the records)",
                          source=dive.dfe_source_only)]
    sections.append(_section("rate", "The rate over the years", *comparison,
                             intro="Re-referrals as a percentage of referrals in each year "
                                   "ending 31 March (DfE's annual measure), then in the 12 "
                                   "months to each quarter end (as a local quarterly return "
                                   "reports it)."))
    ts = t["time_since"]
    soon: list[Block | None] = [
        ch.time_since_block(n("time_since_previous"), ts, source=src, synthetic=syn,
                            period=year) if ch.drawable(ts, "percent")
        else _too_few("How soon children come back"),
        tb("share_within", "Share of re-referrals within 60 days, 3 and 6 months"),
        tb("time_since", "Re-referrals by days since the previous referral"),
    ]
    closure = t["time_since_closure"]
    soon.append(ch.breakdown_block(
        n("time_since_closure"), closure, "since_closure", "percent", source=src,
        synthetic=syn, count="rereferrals", title="Time from the previous case's closure",
        what="time since the previous case closed", value_label="Per cent of re-referrals")
        if ch.drawable(closure, "percent") else _too_few("Time since the previous closure"))
    soon.append(tb("time_since_closure", "Re-referrals by time since the previous case closed"))
    sections.append(_section("soon", "How soon do children come back?", *soon))
    who: list[Block | None] = []
    groups = t["source_groups"]
    who.append(ch.breakdown_block(
        n("referral_source"), groups, "source_group", source=src, synthetic=syn,
        reference=overall, title="Re-referral rate by who referred", what="referral source")
        if ch.drawable(groups, "rate_percent") else _too_few("Referral source"))
    who += [tb("source_groups", "Referrals and re-referrals by who referred"),
            tb("sources", "Every referral source")]
    sections.append(_section("sources", "Who refers them?", *who,
                             intro="The re-referral rate of each source's referrals; the "
                                   "dashed line is the rate for all referrals."))
    need: list[Block | None] = []
    for key, cat, title, what in (("primary_need", "primary_need", "primary need",
                                   "primary need"),
                                  ("factors", "assessment_factor", "factor at assessment",
                                   "factor identified at assessment")):
        if key not in t:
            continue
        need.append(ch.breakdown_block(
            n(key if key == "primary_need" else "assessment_factors"), t[key], cat,
            label="label", source=src, synthetic=syn, reference=overall,
            title=f"Re-referral rate by {title}", what=what)
            if ch.drawable(t[key], "rate_percent") else _too_few(title.capitalize()))
        need.append(tb(key, f"Referrals and re-referrals by {title}"))
    if need:
        sections.append(_section("need", "Primary need and factors at assessment", *need,
                                 intro="A referral with several factors counts under each "
                                       "of them."))
    else:
        sections.append(_section("need", "Primary need and factors at assessment",
                                 Note("left_out", "The records have no need codes or "
                                                  "assessment factors.")))
    prev, reasons = t["previous_outcome"], t["previous_closure_reason"]
    sections.append(_section(
        "last_time", "What happened last time?",
        ch.breakdown_block(n("previous_outcome"), prev, "previous_outcome", "percent",
                           count="rereferrals", source=src, synthetic=syn,
                           value_label="Per cent of re-referrals", title="What happened last time",
                           what="outcome of the previous referral")
        if ch.drawable(prev, "percent") else _too_few("Previous outcome"),
        tb("previous_outcome", "Re-referrals by the outcome of the previous referral"),
        ch.breakdown_block(n("previous_closure_reason"), reasons, "closure_reason", "percent",
                           count="rereferrals", source=src, synthetic=syn,
                           value_label="Per cent of re-referrals",
                           title="Why the previous case closed", what="reason for closure")
        if ch.drawable(reasons, "percent") else _too_few("Previous closure reason"),
        tb("previous_closure_reason", "Re-referrals by the previous case's reason for closure"),
        Note("caveat", "The CIN census records why a case closed (RC1-RC9) but not what "
                       "support followed: closure to early help has its own code (RC9) only "
                       "from the 2023 census; before that it is inside RC8 (no further "
                       "action). The census has no early help field at all."),
        intro="For each re-referral in the year, the outcome of the same child's previous "
              "referral and why that case closed."))
    rep = t["repeat_referrals"]
    sections.append(_section(
        "repeat", "Children referred again and again",
        ch.breakdown_block(n("repeat_referrals"), rep, "referrals_in_year", "percent",
                           count="children", source=src, synthetic=syn,
                           value_label="Per cent of children referred in the year",
                           title="Children by referrals in the year", what="number of referrals")
        if ch.drawable(rep, "percent") else _too_few("Repeat referrals"),
        tb("repeat_referrals", f"Children by number of referrals in {year}"),
        tb("outcome_by_type", "Outcome of re-referrals against first referrals")))
    who_children: list[Block | None] = []
    for col, name, words in CHARACTERISTIC_TABLES:
        if name not in t:
            continue
        who_children.append(ch.breakdown_block(
            n(f"by_{name}"), t[name], col, source=src, synthetic=syn, reference=overall,
            title=f"Re-referral rate by {words}", what=words)
            if ch.drawable(t[name], "rate_percent") else _too_few(words.capitalize()))
        who_children.append(tb(name, f"Referrals and re-referrals by {words}"))
    gaps = [Note("left_out", note) for note in dive.notes if note.endswith(LEFT_OUT)]
    sections.append(_section("children", "Who are the children?", *who_children, *gaps))
    if "early_help" in t:
        eh = t["early_help"]
        sections.append(_section(
            "early_help", "Was early help tried first?",
            ch.early_help_block(n("early_help"), eh, source=src, synthetic=syn, period=year)
            if ch.drawable(eh, "percent") else _too_few("Early help"),
            tb("early_help", "Early help before the referral")))
    else:
        sections.append(_section("early_help", "Was early help tried first?",
                                 Note("left_out", "The records do not say whether early help "
                                                  "came before the referral.")))
    comp = t.get("dfe_comparison")
    sections.append(_section(
        "funnel", "From referral to outcome",
        cf.funnel_block(n("conversion_funnel"), t["funnel"], comp, source=dive.dfe_source,
                        synthetic=syn, period=year, la_name=dive.la.name)
        if ch.drawable(t["funnel"], "percent_of_referrals") else _too_few("The funnel"),
        tb("funnel", "Referrals to outcome"),
        intro="Where DfE publishes the same percentage (no further action at referral; "
              "assessed and found not in need), its published figures are marked."))
    if "localities" in t:
        loc = t["localities"]
        shown = [r for r in loc["percent"].iloc[:-1] if not np.isnan(suppress.number(r))]
        sections.append(_section(
            "localities", "Localities",
            cf.locality_block(n("localities_funnel"), loc, source=src, synthetic=syn,
                              period=year) if len(shown) >= 2 else _too_few("Localities"),
            tb("localities", f"Re-referrals by locality, {year}"),
            tb("locality_years", "Re-referrals by locality and year"),
            intro="Each locality's re-referral rate against its number of referrals. Points "
                  "outside the 99.8% limits differ from the all-localities rate by more than "
                  "chance would explain."))
    else:
        sections.append(_section("localities", "Localities",
                                 Note("left_out", "The records have no locality or team.")))
    over_time: list[Block | None] = []
    if "xmr" in t and dive.xmr_period:
        over_time.append(ch.xmr_block(n(f"{'monthly' if dive.xmr_period == 'month' else 'quarterly'}"
                                        "_rate_xmr"), t["xmr"], source=src, synthetic=syn,
                                      period=dive.xmr_period))
    else:
        over_time.append(Note("left_out", "The rate over time is not charted: some months and "
                                          "quarters have too few referrals to show safely."))
    over_time.append(tb("monthly" if dive.xmr_period != "quarter" else "quarterly",
                        "Referrals and re-referrals by " + (dive.xmr_period or "month")))
    sections.append(_section(
        "over_time", "Month by month" if dive.xmr_period != "quarter" else "Quarter by quarter",
        *over_time,
        intro="The re-referral rate on a statistical process control (XmR) chart. "
              "Special-cause points: outside the limits, a run of 7 on one side of the mean, "
              "a trend of 6, or two of three near a limit."))
    meta = {"la": dive.la.name, "period": f"{year} (year ending {long_date(dive.year_end)})",
            "sources": ("SYNTHETIC referral records; " if syn else "Referral records; ")
            + "DfE children in need statistics"}
    # what "c" means, once: under the first table that shows one, else the first of counts
    return Pack(dive.title, meta, explain_hidden_once(
        sections, HIDDEN_LINE, lambda tb: bool(tb.frame.columns.isin(COUNT_COLUMNS).any())), synthetic=syn)


__all__ = ["DFE_HEADINGS", "HEADINGS", "deep_dive_pack", "table_block"]
