# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["notebook-only"]
# # Re-referrals deep dive
#
# Set the LA, the records file and the year in the next cell and run all cells; charts and tables
# are saved under `output_dir`. `records` is a referral extract (CSV or XLSX, see
# `docs/data-formats/referral-records.md`), a CIN census XML return or a folder of them; `period`
# is the year ending 31 March to report (None: the latest whole year). For the finished pack
# (HTML, PDF, manifest) run
# `python -m analysis deep-dive --la Doncaster --records data/raw/synthetic/synthetic_referrals.csv`
# instead. All logic lives in `analysis.deep_dive`; every table and chart here is built from
# tables with small numbers suppressed and no identifiers. This cell is not shown in the report.

# %% tags=["parameters"]
la = "Doncaster"
records = "data/raw/synthetic/synthetic_referrals.csv"
period = None
output_dir = "outputs/notebook-run"

# %%
from IPython.display import Markdown, display

from analysis import deep_dive as dd
from analysis import report
from analysis.charts import rereferrals as charts

dive = dd.build_deep_dive(la, records, period)
tables = dive.tables
syn, src, year = dive.synthetic, dive.source, dive.period
display(Markdown(dd.intro_markdown(dive)))

# %% [markdown]
# ## Key figures

# %%
display(Markdown(dd.key_findings(dive)))

# %% [markdown]
# ## The rate over the years
#
# Re-referrals as a percentage of referrals in each year ending 31 March (the DfE's annual
# measure), then in the 12 months to each quarter end (as a local quarterly return reports it),
# and beside the DfE's published figures for the LA, England, the region and the statistical
# neighbours.

# %%
display(dd.styled(tables["annual"]))
display(dd.styled(tables["rolling_quarters"]))
if "dfe_comparison" in tables:
    display(dd.styled(tables["dfe_comparison"]))

# %% [markdown]
# ## How soon do children come back?

# %%
ax = charts.time_since_previous_chart(tables["time_since"], source=src, synthetic=syn, period=year)
alt = charts.time_since_previous_alt_text(tables["time_since"], synthetic=syn, period=year)
display(report.show_chart(report.save_chart(ax, dive.name("time_since_previous"), alt, output_dir), alt))
display(dd.styled(tables["share_within"]))

# %% [markdown]
# ## Who refers them?
#
# The re-referral rate of each source's referrals; the dashed line is the rate for all
# referrals. Every source code is in `tables/sources.csv`.

# %%
overall = tables["annual"].set_index("year").loc[year, "percent"]
ax = charts.breakdown_chart(tables["source_groups"], "source_group", source=src, synthetic=syn,
                            reference=overall, title="Re-referral rate by who referred")
alt = charts.breakdown_alt_text(tables["source_groups"], "source_group", synthetic=syn,
                                reference=overall, what="referral source")
display(report.show_chart(report.save_chart(ax, dive.name("referral_source"), alt, output_dir), alt))

# %% [markdown]
# ## Primary need and factors at assessment
#
# A referral with several factors counts under each of them.

# %%
if "primary_need" in tables:
    ax = charts.breakdown_chart(tables["primary_need"], "primary_need", label="label", source=src,
                                synthetic=syn, reference=overall, title="Re-referral rate by primary need")
    alt = charts.breakdown_alt_text(tables["primary_need"], "primary_need", label="label", synthetic=syn,
                                    reference=overall, what="primary need")
    display(report.show_chart(report.save_chart(ax, dive.name("primary_need"), alt, output_dir), alt))
if "factors" in tables:
    ax = charts.breakdown_chart(tables["factors"], "assessment_factor", label="label", source=src,
                                synthetic=syn, reference=overall, title="Re-referral rate by factor at assessment")
    alt = charts.breakdown_alt_text(tables["factors"], "assessment_factor", label="label", synthetic=syn,
                                    reference=overall, what="factor identified at assessment")
    display(report.show_chart(report.save_chart(ax, dive.name("assessment_factors"), alt, output_dir), alt))

# %% [markdown]
# ## What happened last time?
#
# For each re-referral in the year, the outcome of the same child's previous referral.

# %%
ax = charts.breakdown_chart(tables["previous_outcome"], "previous_outcome", "percent", count="rereferrals",
                            source=src, synthetic=syn, value_label="Per cent of re-referrals",
                            title="What happened last time")
alt = charts.breakdown_alt_text(tables["previous_outcome"], "previous_outcome", "percent", count="rereferrals",
                                synthetic=syn, value_label="share of re-referrals",
                                what="outcome of the previous referral")
display(report.show_chart(report.save_chart(ax, dive.name("previous_outcome"), alt, output_dir), alt))

# %% [markdown]
# ## Was early help tried first?

# %%
if "early_help" in tables:
    ax = charts.early_help_chart(tables["early_help"], source=src, synthetic=syn, period=year)
    alt = charts.early_help_alt_text(tables["early_help"], synthetic=syn, period=year)
    display(report.show_chart(report.save_chart(ax, dive.name("early_help"), alt, output_dir), alt))
else:
    display(Markdown("*The records do not say whether early help came before the referral.*"))

# %% [markdown]
# ## From referral to outcome
#
# Where DfE publishes the same percentage (no further action at referral; assessed and found not
# in need), its figures for England, the region, the statistical neighbours and the LA are marked.

# %%
comparison = tables.get("dfe_comparison")
ax = charts.conversion_funnel_chart(tables["funnel"], comparison, source=dive.dfe_source, synthetic=syn,
                                    period=year, la_name=dive.la.name)
alt = charts.conversion_funnel_alt_text(tables["funnel"], comparison, synthetic=syn, period=year,
                                        la_name=dive.la.name)
display(report.show_chart(report.save_chart(ax, dive.name("conversion_funnel"), alt, output_dir), alt))

# %% [markdown]
# ## Localities
#
# Each locality's re-referral rate against its number of referrals. Points outside the 99.8%
# limits differ from the all-localities rate by more than chance would explain.

# %%
if "localities" in tables:
    ax = charts.locality_funnel_chart(tables["localities"], source=src, synthetic=syn, period=year)
    alt = charts.locality_funnel_alt_text(tables["localities"], synthetic=syn, period=year)
    display(report.show_chart(report.save_chart(ax, dive.name("localities_funnel"), alt, output_dir), alt))
    display(dd.styled(tables["localities"]))
else:
    display(Markdown("*The records have no locality or team.*"))

# %% [markdown]
# ## Month by month
#
# Each month's re-referral rate on a statistical process control (XmR) chart. Special-cause
# months: a point outside the limits, a run of 7 on one side of the mean, a trend of 6 rising or
# falling, or two of three points near a limit.

# %%
ax = charts.monthly_xmr_chart(tables["monthly_xmr"], source=src, synthetic=syn)
alt = charts.monthly_xmr_alt_text(tables["monthly_xmr"], synthetic=syn)
display(report.show_chart(report.save_chart(ax, dive.name("monthly_rate_xmr"), alt, output_dir), alt))

# %% [markdown]
# ## Tables
#
# Every table, with small numbers suppressed, as CSV and in one workbook.

# %%
saved = report.save_tables(dive.saved_tables(), output_dir, workbook=dive.name("tables.xlsx"))
display(Markdown("\n".join(f"- `{p.relative_to(output_dir).as_posix()}`" for p in saved)))
