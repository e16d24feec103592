# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["notebook-only"]
# # Quarterly performance chart pack
#
# Set the LA and quarter in the next cell and run all cells; charts and tables are saved under
# `output_dir`. For the finished pack (HTML, PDF, manifest) run
# `python -m analysis pack --la Doncaster --period 2017-18Q4` instead. This cell is not shown
# in the report.

# %% tags=["parameters"]
la = "Doncaster"
period = "2017-18 Q4"
neighbours = None
indicators = None
output_dir = "outputs/notebook-run"

# %%
from IPython.display import Markdown, display

from analysis import report
from analysis.benchmark import all_la_values, neighbour_values
from analysis.charts import benchmark as charts

ctx = report.build_pack_context(la, period, neighbours=neighbours, indicators=indicators)
display(Markdown(report.intro_markdown(ctx)))

# %% [markdown]
# ## At a glance
#
# The latest published figure for each indicator, with the numbers of children behind it where
# DfE publishes them ("Small number" flags fewer than 10 children: one child more or less moves
# the percentage a lot), the comparators, the national rank (1 = best) and quartile band as
# DfE's LAIT shows them (A = best quarter), and the change since the year before. The last
# column says whether the LA is better, similar or worse than England, the region and the
# neighbours once chance is allowed for (95% confidence intervals; "higher" / "lower" where
# neither is better; "not compared" where DfE publishes no counts; see
# docs/methods/statistics.md).

# %%
cover = report.cover_table(ctx)
display(report.cover_style(cover))
ax = charts.comparators_overview(ctx.latest, source=report.overview_source(ctx))
alt = charts.comparators_overview_alt_text(ctx.latest)
display(report.show_chart(report.save_chart(ax, "overview", alt, output_dir), alt))

# %% [markdown]
# ## Local quarterly performance

# %%
quarterly = report.quarterly_section(ctx, output_dir)
for item in quarterly:
    display(item)

# %% [markdown]
# ### Statistical process control
#
# Each local measure with at least six quarters of figures, on an XmR chart: is the latest
# quarter a signal or ordinary variation, and will the measure meet its target reliably?

# %%
for item in report.spc_section(ctx, output_dir):
    display(item)

# %% [markdown]
# ## How the headline indicator compares

# %%
head = ctx.latest.iloc[0]
head_ind = ctx.catalogue.get(head["indicator"])
head_source = report.source_line(head_ind, head["period"], report.Paths.for_root())
ax = charts.comparators_bar(head, source=head_source)
alt = charts.comparators_bar_alt_text(head)
display(report.show_chart(report.save_chart(ax, f"{head['indicator']}_comparators", alt, output_dir), alt))
all_values = all_la_values(ctx.table, head["indicator"], int(head["year"]), ctx.catalogue)
ax = charts.all_las_ranked(all_values, head_ind, ctx.la.old_code, source=head_source,
                           england=head["england"], period=head["period"])
alt = charts.all_las_ranked_alt_text(all_values, head_ind, ctx.la.old_code, england=head["england"],
                                     period=head["period"])
display(report.show_chart(report.save_chart(ax, f"{head['indicator']}_all_las", alt, output_dir), alt))
for item in report.headline_funnel(ctx, output_dir):
    display(item)

# %% [markdown]
# ## Each indicator: statistical neighbours and the trend over the years

# %%
for _, row in ctx.latest.iterrows():
    ind = ctx.catalogue.get(row["indicator"])
    source = report.source_line(ind, row["period"], report.Paths.for_root())
    display(Markdown(f"### {ind.label}\n\n{ind.definition}\n\n{row['sentence']}"))
    nb = neighbour_values(ctx.table, ctx.la, row["indicator"], int(row["year"]), neighbours_version=neighbours)
    ax = charts.neighbours_ranked(nb, ind, england=row["england"], sn_mean=row["sn_mean"], source=source,
                                  period=row["period"])
    alt = charts.neighbours_ranked_alt_text(nb, ind, england=row["england"], sn_mean=row["sn_mean"],
                                            period=row["period"])
    display(report.show_chart(report.save_chart(ax, f"{row['indicator']}_neighbours", alt, output_dir), alt))
    series = ctx.bench[ctx.bench["indicator"] == row["indicator"]]
    ax = charts.annual_trend(series, ind, source=source)
    alt = charts.annual_trend_alt_text(series, ind)
    display(report.show_chart(report.save_chart(ax, f"{row['indicator']}_trend", alt, output_dir), alt))

# %% [markdown]
# ## Tables
#
# Every table in this pack is saved as CSV and in one workbook, `tables/tables.xlsx`.

# %%
saved = report.save_tables(report.pack_tables(ctx, cover), output_dir)
display(Markdown("\n".join(f"- `{p.relative_to(output_dir).as_posix()}`" for p in saved)))
