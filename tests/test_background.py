"""Charts saved by background worker processes (analysis.charts.background).

The pack runner saves a single pack's charts in worker processes; these tests check that the
files are byte for byte those saved in the notebook's own process, that a chart a worker
cannot save is reported by name, and that the HTML export embeds the charts the notebook
links while they were being written.
"""

from __future__ import annotations

import hashlib
import operator
import os
import time
from pathlib import Path

import pytest

from analysis.charts import background
from analysis.charts import benchmark as cb
from analysis.charts.style import new_figure, save_figure
from analysis.errors import AnalysisError, ParameterError
from analysis.pack import PackError, embed_linked_charts

SOURCE = "Source: DfE, Children in need 2016-17 (table C1)"


@pytest.fixture
def workers():
    """Two background workers for the test, none after it."""
    background.set_workers(2)
    yield
    background.set_workers(0)


def _row():
    """Doncaster's re-referrals, 2016-17, as published (table C1)."""
    import pandas as pd

    return pd.Series({"indicator": "re_referrals", "label": "Re-referrals within 12 months",
                      "unit": "percent", "polarity": "lower_is_better", "decimals": 1,
                      "period": "2016-17", "value": 27.1, "england": 21.9, "region": 21.5,
                      "sn_mean": 20.1, "la_name": "Doncaster"})


def _charts(folder):
    """Two charts (a comparators bar chart and a line chart) saved into ``folder``; the
    sha256 of every file written."""
    row = _row()
    save_figure(cb.comparators_bar(row, source=SOURCE).figure, folder / "bar",
                cb.comparators_bar_alt_text(row))
    ax = new_figure().add_subplot()
    ax.plot([2014, 2015, 2016, 2017], [24.0, 25.5, 26.0, 27.1])
    ax.set_title("Re-referrals, Doncaster")
    save_figure(ax.figure, folder / "line", "Re-referrals rose from 24.0% to 27.1%.")
    background.wait()
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_background_files_are_the_same_bytes_as_saved_in_process(tmp_path, workers):
    in_background = _charts(tmp_path / "bg")
    background.set_workers(0)
    in_process = _charts(tmp_path / "fg")
    assert sorted(in_background) == ["bar.png", "bar.svg", "bar.txt", "line.png", "line.svg", "line.txt"]
    assert in_background == in_process


def test_save_figure_returns_at_once_and_the_files_exist_after_wait(tmp_path, workers):
    ax = new_figure().add_subplot()
    ax.plot([1, 2], [3, 4])
    paths = save_figure(ax.figure, tmp_path / "c", "A line.")
    assert [p.name for p in paths] == ["c.png", "c.svg", "c.txt"]
    background.wait()
    assert all(p.is_file() for p in paths)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files


def test_a_chart_a_worker_cannot_save_is_named(tmp_path, workers):
    ax = new_figure().add_subplot()
    # A position that fails only when drawn (itemgetter pickles, and raises on a renderer).
    ax.annotate("broken", xy=(0, 0), xycoords=operator.itemgetter(5))
    save_figure(ax.figure, tmp_path / "broken_chart", "A chart that cannot be drawn.")
    with pytest.raises(AnalysisError, match="1 chart") as caught:
        background.wait()
    assert "broken_chart" in str(caught.value)
    assert not (tmp_path / "broken_chart.png").exists()
    background.wait()  # the failure is reported once


def test_a_figure_that_cannot_be_pickled_is_saved_in_process(tmp_path, workers):
    ax = new_figure().add_subplot()
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0f} children")  # a lambda: not picklable
    paths = save_figure(ax.figure, tmp_path / "local", "Saved in this process.")
    assert all(p.is_file() for p in paths)  # written before save_figure returned


@pytest.mark.parametrize("bad", [-1, True, 1.5, "2"])
def test_set_workers_rejects_bad_values(bad):
    with pytest.raises(ParameterError, match="chart_workers"):
        background.set_workers(bad)
    assert background.workers() == 0


def test_show_chart_links_charts_being_saved_and_embeds_saved_ones(tmp_path, workers):
    from analysis.report import show_chart

    ax = new_figure().add_subplot()
    paths = save_figure(ax.figure, tmp_path / "charts" / "x", "Alt <text> & more.")
    linked = show_chart(paths, "Alt <text> & more.").data
    assert 'src="charts/x.png"' in linked and 'alt="Alt &lt;text&gt; &amp; more."' in linked
    background.wait()
    background.set_workers(0)
    assert 'src="data:image/png;base64,' in show_chart(paths, "Alt.").data


def test_embed_linked_charts_inlines_pngs_and_names_a_missing_one(tmp_path):
    (tmp_path / "charts").mkdir()
    (tmp_path / "charts" / "a_b-1.png").write_bytes(b"\x89PNG fake")
    html = '<p><img alt="A &amp; B" src="charts/a_b-1.png" style="max-width:100%"/></p>'
    out = embed_linked_charts(html, tmp_path)
    assert out == ('<p><img alt="A &amp; B" src="data:image/png;base64,iVBORyBmYWtl" '
                   'style="max-width:100%"/></p>')
    assert embed_linked_charts('<img src="https://example.org/x.png">', tmp_path) == \
        '<img src="https://example.org/x.png">'  # only the pack's own charts
    (tmp_path / "charts" / "E1 & E2.png").write_bytes(b"\x89PNG")  # a name that is escaped in HTML
    assert embed_linked_charts('<img src="charts/E1 &amp; E2.png">', tmp_path) == \
        '<img src="data:image/png;base64,iVBORw==">'
    with pytest.raises(PackError, match="not saved") as caught:
        embed_linked_charts('<img src="charts/missing.png">', tmp_path)
    assert "missing.png" in str(caught.value)


@pytest.mark.e2e
def test_every_chart_of_doncasters_pack_goes_to_a_worker(tmp_path, workers, monkeypatch, bench_table):
    """No chart of the pack falls back to being saved in the notebook's process (a figure
    holding a lambda cannot be pickled): each kind the pack draws, on the shipped data
    (``bench_table`` builds the processed table, so the test does not depend on test order)."""
    from analysis import report
    from analysis.benchmark import all_la_values, neighbour_values

    submitted = []
    real_submit = background.submit

    def spy(fig, base, alt_text):
        submitted.append((base.name, real_submit(fig, base, alt_text)))
        return submitted[-1][1]

    monkeypatch.setattr(background, "submit", spy)
    ctx = report.build_pack_context("Doncaster", "2017-18 Q4")
    report.save_chart(cb.comparators_overview(ctx.latest, source=report.overview_source(ctx)), "overview",
                      "Overview.", tmp_path)
    report.quarterly_section(ctx, tmp_path)
    report.spc_section(ctx, tmp_path)
    report.headline_funnel(ctx, tmp_path)
    head = ctx.latest.iloc[0]
    ind = ctx.catalogue.get(head["indicator"])
    nb = neighbour_values(ctx.table, ctx.la, head["indicator"], int(head["year"]))
    report.save_chart(cb.neighbours_ranked(nb, ind, england=head["england"], sn_mean=head["sn_mean"],
                                           source=SOURCE, period=head["period"]), "nb", "N.", tmp_path)
    series = ctx.bench[ctx.bench["indicator"] == head["indicator"]]
    report.save_chart(cb.annual_trend(series, ind, source=SOURCE), "trend", "T.", tmp_path)
    values = all_la_values(ctx.table, head["indicator"], int(head["year"]), ctx.catalogue)
    report.save_chart(cb.all_las_ranked(values, ind, ctx.la.old_code, source=SOURCE, england=head["england"],
                                        period=head["period"]), "all", "A.", tmp_path)
    background.wait()
    assert len(submitted) >= 19  # overview, 14 quarterly, funnel, neighbours, trend, all LAs
    assert [name for name, sent in submitted if not sent] == []


@pytest.mark.parametrize("bad", [-1, 1.5, "two"])
def test_run_pack_rejects_bad_chart_workers_before_running(tmp_path, bad):
    from analysis.pack import run_pack

    with pytest.raises(ParameterError, match="chart_workers"):
        run_pack("Doncaster", "2017-18 Q4", outputs_root=tmp_path, chart_workers=bad)
    assert not list(tmp_path.iterdir())


@pytest.mark.e2e
def test_a_run_failing_while_charts_are_being_saved_leaves_nothing_behind(stub_pack_notebook, previous_pack):
    """A notebook that hands 20 charts to background workers, then fails: the runner reports
    the failing cell, the previous pack stays, and no temporary folder or file is left."""
    from analysis.pack import run_notebook

    project = stub_pack_notebook(
        "from pathlib import Path\nfrom analysis.charts import background\n"
        "from analysis.charts.style import new_figure, save_figure\n"
        "background.set_workers(2)\n"
        "for i in range(20):\n"
        "    ax = new_figure().add_subplot()\n"
        "    ax.plot(range(50), [v % 7 for v in range(50)])\n"
        "    save_figure(ax.figure, Path(output_dir) / 'charts' / f'c{i}', 'A line.')",
        "raise ValueError('failed after the charts')")
    out = previous_pack
    with pytest.raises(PackError, match="failed after the charts"):
        run_notebook("quarterly_pack", {"la": "Doncaster"}, out, project, title="t", pdf=False)
    assert [p.name for p in out.iterdir()] == ["previous.txt"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["2017-18-q4", "2017-18-q4.error.log"]


def _processes_in_group(pgid: int) -> list[int]:
    """Live processes whose process group is ``pgid`` (Linux /proc; zombies count as gone)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.e2e
@pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                    reason="reads process groups from Linux's /proc")
def test_a_finished_run_leaves_no_kernel_or_chart_worker_running(tmp_path, stub_pack_notebook):
    """The runner stops the kernel at once when the last cell is done (no graceful wait);
    the chart workers and their fork server, in the kernel's process group, stop with it."""
    from analysis.pack import run_notebook

    project = stub_pack_notebook(
        "import os\nfrom pathlib import Path\nfrom analysis.charts import background\n"
        "from analysis.charts.style import new_figure, save_figure\n"
        "background.set_workers(2)\n"
        "for i in range(4):\n"
        "    save_figure(new_figure().add_subplot().figure, Path(output_dir) / 'charts' / f'c{i}', 'Empty.')\n"
        "background.wait()\n"
        "Path(output_dir, 'group.txt').write_text(str(os.getpgid(0)))")
    out = tmp_path / "outputs" / "pack"
    result = run_notebook("quarterly_pack", {"la": "Doncaster"}, out, project, title="t", pdf=False)
    assert sum(f.endswith(".png") for f in result.files) == 4
    pgid = int((out / "group.txt").read_text())
    assert pgid != os.getpgid(0)  # the kernel had a group of its own
    deadline = time.monotonic() + 5
    while _processes_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_in_group(pgid) == []
