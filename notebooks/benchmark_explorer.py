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
# # Benchmark explorer
#
# Pick an LA, indicators and years in the parameters cell, then run all cells. Ranks and
# quartile bands follow DfE's LAIT (docs/methods/ranking-and-quartiles.md). `level` (0.95 or
# 0.998) sets the confidence of the better / similar / worse judgements; `overdispersion`
# ("none", "multiplicative" or "additive") widens the funnel plots' limits
# (docs/methods/statistics.md). Charts and tables are saved under `output_dir`; for a finished
# report run `python -m analysis explore --la Doncaster` instead.

# %% tags=["parameters"]
la = "Doncaster"
years = None
indicators = ["re_referrals", "cin_rate", "cpp_second_time"]
neighbours = None
level = 0.95
overdispersion = "none"
output_dir = "outputs/explorer"

# %%
from IPython.display import Markdown, display

from analysis import explorer, report
from analysis.benchmark import all_la_values, load_benchmarks, neighbour_values
from analysis.catalogue import load_catalogue
from analysis.charts import benchmark as charts
from analysis.config import Paths
from analysis.geography import resolve_la
from analysis.tables import format_benchmark_table

paths = Paths.for_root()
catalogue = load_catalogue(paths.config / "indicators.yaml")
table = load_benchmarks(paths)
authority = resolve_la(la)
judged = explorer.explorer_table(table, authority, catalogue, indicators=indicators, years=years,
                                 neighbours=neighbours, level=level, paths=paths)
latest = explorer.latest_rows(judged)
display(Markdown(f"## {authority.name} ({authority.region_name})\n\n{explorer.level_heading(level)}"))
display(format_benchmark_table(judged).style.hide(axis="index"))

# %% [markdown]
# ## What the latest figures say

# %%
display(Markdown("\n\n".join(f"**{row.label}**: {row.sentence}" for row in latest.itertuples())))

# %% [markdown]
# ## Each indicator: the trend, the statistical neighbours and every LA

# %%
for _, row in latest.iterrows():
    ind = catalogue.get(row["indicator"])
    source = report.source_line(ind, row["period"], paths)
    display(Markdown(f"### {ind.label}"))
    series = judged[judged["indicator"] == row["indicator"]]
    ax = charts.annual_trend(series, ind, source=source)
    alt = charts.annual_trend_alt_text(series, ind)
    display(report.show_chart(report.save_chart(ax, f"{row['indicator']}_trend", alt, output_dir), alt))
    nb = neighbour_values(table, authority, row["indicator"], int(row["year"]), neighbours_version=neighbours)
    ax = charts.neighbours_ranked(nb, ind, england=row["england"], sn_mean=row["sn_mean"], source=source,
                                  period=row["period"])
    alt = charts.neighbours_ranked_alt_text(nb, ind, england=row["england"], sn_mean=row["sn_mean"],
                                            period=row["period"])
    display(report.show_chart(report.save_chart(ax, f"{row['indicator']}_neighbours", alt, output_dir), alt))
    if ind.polarity != "none":
        values = all_la_values(table, row["indicator"], int(row["year"]), catalogue)
        ax = charts.all_las_ranked(values, ind, authority.old_code, source=source, england=row["england"],
                                   period=row["period"])
        alt = charts.all_las_ranked_alt_text(values, ind, authority.old_code, england=row["england"],
                                             period=row["period"])
        display(report.show_chart(report.save_chart(ax, f"{row['indicator']}_all_las", alt, output_dir), alt))

# %% [markdown]
# ## Funnel plots: every LA against its size, latest year
#
# Each LA's percentage or rate against the number it is of, with 95% and 99.8% limits around
# England's value. An LA outside the limits differs from England by more than chance would
# explain; with over-dispersion chosen, the limits also allow for the real differences
# between LAs.

# %%
funnel_points = []
for _, row in latest[latest["indicator"].isin(explorer.funnel_indicators(latest))].iterrows():
    ind = catalogue.get(row["indicator"])
    funnel, why = explorer.try_funnel(table, row, catalogue, overdispersion)
    if funnel is None:
        display(Markdown(f"### {ind.label}\n\n*No funnel plot: {why}*"))
        continue
    ax, alt = explorer.funnel_chart(funnel, ind, row["period"], authority,
                                    source=report.source_line(ind, row["period"], paths))
    name = explorer.funnel_file_name(row["indicator"], int(row["year"]), overdispersion=overdispersion)
    display(report.show_chart(report.save_chart(ax, name, alt, output_dir), alt))
    display(Markdown(explorer.funnel_line(funnel, authority, ind)))
    funnel_points.append(explorer.funnel_points_table(funnel, row["period"], authority))

# %% [markdown]
# ## Tables
#
# The judged benchmark table (every year), the latest sentences and the funnel plots' points,
# as CSV and in one workbook, `tables/tables.xlsx`.

# %%
saved = report.save_tables(explorer.explorer_tables(judged, latest, funnel_points), output_dir)
display(Markdown("\n".join(f"- `{p.relative_to(output_dir).as_posix()}`" for p in saved)))
