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
# The page opens on the LA's profile: every indicator on one screen, grouped by topic, with
# England, the region, the comparator group, rank, band, the change since last year, the
# judgements and one chart of every indicator's trend. Click an indicator's name (or type one)
# for its detail: the judged figures, the sentence, the comparator group, the trend, every LA
# in order and the funnel plot, redrawn at once for any LA, year, comparator group and
# confidence level. The figures are DfE's published statistics, loaded
# once when the page opens.

# %% tags=["parameters"]
la = "Doncaster"
indicator = "re_referrals"
year = None
comparator = "sn"
level = 0.95
view = "profile"

# %%
from IPython.display import display

from analysis.explorer import widgets as explorer_app

app = explorer_app.build(la=la, indicator=indicator, year=year, comparator=comparator, level=level,
                         view=view)

# %% [markdown]
# The page's address follows what you see: bookmark it, or send it to a colleague, and it
# opens the same view.

# %%
app.open_address(explorer_app.page_address())
display(app.widget)
