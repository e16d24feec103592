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
# # Quarterly performance pack
#
# Set the LA and quarter in the next cell and run all cells: the pack is shown here and written
# under `output_dir` (relative to the project folder). Which sections and indicators it holds
# is set in `config/packs/quarterly.yaml`. This cell is not shown in the report.

# %% tags=["parameters"]
la = "Doncaster"
period = "2017-18 Q4"
neighbours = None
indicators = None
records = None  # a folder of the LA's CIN census and SSDA903 returns
output_dir = "outputs/notebook-run"
formats = ["files", "html", "docx"]

# %%
from analysis.core.config import Paths
from analysis.data.geography import load_areas, resolve_la
from analysis.data.periods import parse_quarter
from analysis.quarterly_pack import report
from analysis.render import notebook, output

output.start_chart_workers()  # they load the charting library while the figures are worked out
paths = Paths.for_root()
authority = resolve_la(la, load_areas(paths.root))  # a name or a code, resolved once
quarter = parse_quarter(period)
ctx = report.build_pack_context(authority, quarter, neighbours=neighbours, indicators=indicators, paths=paths,
                                 records=records)
pack = report.quarterly_pack(ctx, on_section=output.draw_ahead)  # charts drawn while later sections are built
written = output.write(pack, output_dir, formats=formats)  # each chart drawn once, then shown below

# %%
notebook.show(pack)
