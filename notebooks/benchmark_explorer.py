# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=["notebook-only"]
# # Benchmark explorer
#
# Pick an LA, indicators and years in the next cell and run all cells: the report is written
# under `output_dir` (relative to the project folder) and shown here. Ranks and quartile bands
# follow DfE's LAIT (docs/methods/ranking-and-quartiles.md). `level` (0.95 or 0.998) sets the
# confidence of the better / similar / worse judgements; `overdispersion` ("none",
# "multiplicative" or "additive") widens the funnel plots' limits (docs/methods/statistics.md).
# For a finished report with a manifest run `python -m analysis explore --la Doncaster` instead.
# This cell is not shown in the report.

# %% tags=["parameters"]
la = "Doncaster"
years = None
indicators = ["re_referrals", "cin_rate", "cpp_second_time"]
neighbours = None
level = 0.95
overdispersion = "none"
output_dir = "outputs/explorer"
formats = ["files", "html", "docx"]

# %%
from analysis.data.geography import resolve_la
from analysis.explorer import report
from analysis.explorer.data import load_explorer_data
from analysis.render import notebook, output

data = load_explorer_data()
pack = report.explorer_pack(data.table, resolve_la(la, data.areas), data.catalogue, indicators=indicators,
                            years=years, neighbours=neighbours, level=level, overdispersion=overdispersion,
                            paths=data.paths)
written = output.write(pack, output_dir, formats=formats)  # draws each chart once, then shown below

# %%
notebook.show(pack)
