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
# quartile bands follow DfE's LAIT (docs/methods/ranking-and-quartiles.md).

# %% tags=["parameters"]
la = "Doncaster"
years = None
indicators = ["re_referrals", "cin_rate", "cpp_second_time"]
neighbours = None
output_dir = "outputs/explorer"

# %%
from IPython.display import Markdown, display

from analysis import report
from analysis.benchmark import all_la_values, benchmark_table, load_benchmarks, neighbour_values
from analysis.catalogue import load_catalogue
from analysis.charts import benchmark as charts
from analysis.config import Paths
from analysis.geography import resolve_la
from analysis.tables import format_benchmark_table

paths = Paths.for_root()
catalogue = load_catalogue(paths.config / "indicators.yaml")
table = load_benchmarks(paths)
authority = resolve_la(la)
bench = benchmark_table(table, authority, catalogue, indicators=indicators, years=years,
                        neighbours_version=neighbours, paths=paths)
display(Markdown(f"## {authority.name} ({authority.region_name})"))
display(format_benchmark_table(bench).style.hide(axis="index"))

# %%
for indicator_id in bench["indicator"].unique():
    ind = catalogue.get(indicator_id)
    rows = bench[(bench["indicator"] == indicator_id) & bench["value"].notna()]
    latest = rows.iloc[-1]
    source = report.source_line(ind, latest["period"], paths)
    display(Markdown(f"### {ind.label}"))
    ax = charts.annual_trend(bench[bench["indicator"] == indicator_id], ind, source=source)
    display(ax.figure)
    nb = neighbour_values(table, authority, indicator_id, int(latest["year"]), neighbours_version=neighbours)
    ax = charts.neighbours_ranked(nb, ind, england=latest["england"], sn_mean=latest["sn_mean"],
                                  source=source, period=latest["period"])
    display(ax.figure)
    if ind.polarity != "none":
        values = all_la_values(table, indicator_id, int(latest["year"]), catalogue)
        ax = charts.all_las_ranked(values, ind, authority.old_code, source=source,
                                   england=latest["england"], period=latest["period"])
        display(ax.figure)
