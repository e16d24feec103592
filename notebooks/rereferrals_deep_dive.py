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
# # Re-referrals deep dive
#
# Set the LA, the records file and the year in the next cell and run all cells; the pack (charts,
# tables, HTML, Word) is written to `output_dir`. `records` is a referral extract (CSV or XLSX,
# see `docs/data-formats/referral-records.md`), a CIN census XML return or a folder of them;
# `period` is the year ending 31 March to report (None: the latest whole year); `history_start`
# the first day the records are complete from, for an extract without earlier history;
# `allow_rows_left_out = True` goes on when more than 10% of the rows cannot be used. For the
# finished pack (with PDF and manifest, every file checked for identifiers) run
# `python -m analysis deep-dive --la Doncaster --records data/raw/synthetic/synthetic_referrals.csv`
# instead. All logic lives in `analysis.deep_dive`; every table and chart is built from tables
# with small numbers hidden together ("c") and no identifiers. This cell is not shown in the report.

# %% tags=["parameters"]
la = "Doncaster"
records = "data/raw/synthetic/synthetic_referrals.csv"
period = None
history_start = None
allow_rows_left_out = False
output_dir = "outputs/notebook-run"

# %%
from analysis.data.geography import load_areas, resolve_la
from analysis.deep_dive.build import build_deep_dive
from analysis.deep_dive.report import deep_dive_pack
from analysis.render import notebook, output

authority = resolve_la(la, load_areas())
pack = deep_dive_pack(build_deep_dive(authority, records, period, history_start=history_start,
                                      allow_rows_left_out=allow_rows_left_out))

# %%
notebook.show(pack)

# %%
written = output.write(pack, output_dir, formats=("files", "html", "docx"))
