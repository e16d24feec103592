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

# %% [markdown]
# # Benchmark explorer
#
# Type an LA (name or code) and an indicator, pick a year, a comparator group and a confidence
# level: the judged figures, the sentence, the comparator group, the trend, every LA in order
# and the funnel plot are redrawn at once. The figures are DfE's published statistics, loaded
# once when the page opens. Served as a web page with `make explorer`, where the page's address
# follows the view, to bookmark or share.

# %% tags=["parameters"]
la = "Doncaster"
indicator = "re_referrals"
year = None
comparator = "sn"
level = 0.95

# %%
from IPython.display import display

from analysis.explorer import widgets as explorer_app

app = explorer_app.build(la=la, indicator=indicator, year=year, comparator=comparator, level=level)

# %% [markdown]
# The page's address holds the view (`?la=E08000018&indicator=cla_dental_checks&year=2016-17`):
# opening an address shows its view, and every change writes the view back into it.

# %%
app.open_address(explorer_app.page_address())
display(app.widget)
