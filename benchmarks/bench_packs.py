"""Speed of the chart pack. Prints figures; asserts nothing.
``python benchmarks/bench_packs.py [--all] [--smoke]``

  floor     papermill running a notebook that only imports pandas, matplotlib and seaborn and
            draws and saves (PNG + SVG) as many empty charts as a pack has
  one LA    Doncaster's 2017-18 Q4 pack (PDF off, as for a batch), as the runner makes it (charts
            drawn by the files renderer's pool) and with CSC_CHART_WORKERS=0; after a warm-up pack, three
            rounds of floor and packs one after the other, the best of each
  all LAs   every current LA with --jobs 2 (only with --all; target: under 10 minutes), after
            the least it can take: the processor time of a pack's notebook, and of writing its
            charts alone, measured in this process for a sample of LAs

Targets on a 2-core machine: one LA's pack within 1.5x the floor.

``--smoke``: one pack (the first, with no warm-up before it) and the floor, once each; no pack
with its charts drawn in the notebook's process, no ``--all`` (seconds;
tests/test_benchmarks.py runs it to check the script works, its figures mean little).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill

from analysis.app.batch import all_la_names, run_many
from analysis.app.runner import run_pack
from analysis.core.config import Paths


def floor_seconds(charts: int, workdir: Path) -> float:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(
        "import pandas, seaborn\nfrom matplotlib.figure import Figure\n"
        f"for i in range({charts}):\n    fig = Figure(figsize=(6.7, 4))\n    fig.add_subplot()\n"
        f"    fig.savefig(r'{workdir}/c%d.png' % i, dpi=150)\n    fig.savefig(r'{workdir}/c%d.svg' % i)\n")]
    src = workdir / "floor.ipynb"
    nbformat.write(nb, src)
    started = time.perf_counter()
    papermill.execute_notebook(str(src), str(workdir / "floor_out.ipynb"), kernel_name="python3",
                               progress_bar=False)
    return time.perf_counter() - started


def drawing_cpu_seconds(la: str, paths: Paths, workdir: Path) -> tuple[float, float]:
    """CPU seconds of one LA's pack notebook run in this process, and of that, the part spent
    drawing its charts (PNG, SVG, alt text) by the files renderer: the pack's own code cells
    (from the jupytext pair), charts drawn in this process, displays discarded."""
    import contextlib
    import io

    import jupytext

    from analysis.core.blocks import Chart
    from analysis.render import files

    nb = jupytext.read(paths.notebooks / "quarterly_pack.py")
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    drawing = [0.0]
    draw_chart = files.draw_chart

    def timed(chart: Chart) -> files.Drawing:
        started = time.process_time()
        try:
            return draw_chart(chart)
        finally:
            drawing[0] += time.process_time() - started

    files.draw_chart = timed
    workers = os.environ.get("CSC_CHART_WORKERS")
    os.environ["CSC_CHART_WORKERS"] = "0"  # every chart drawn here, so its time is counted
    try:
        namespace: dict[str, object] = {}
        started = time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            for i, source in enumerate(cells):
                exec(compile(source, f"quarterly_pack cell {i}", "exec"), namespace)
                if i == 0:  # the parameters cell
                    namespace.update(la=la, output_dir=str(workdir / la))
        return time.process_time() - started, drawing[0]
    finally:
        files.draw_chart = draw_chart
        if workers is None:
            del os.environ["CSC_CHART_WORKERS"]
        else:
            os.environ["CSC_CHART_WORKERS"] = workers


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.1f}" for s in seconds)


def main() -> None:
    smoke = "--smoke" in sys.argv
    paths = Paths.for_root()
    rounds = 3
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        # A first pack warms the disk cache and compiled files. Then rounds of floor, pack and
        # pack drawing in the kernel, one after the other, so that a slow spell of the
        # machine (runs here vary by 15% or more) falls on all three; the best of each.
        warm = run_pack("Doncaster", "2017-18 Q4", paths, outputs_root=out / "warm", pdf=False)
        charts = sum(1 for f in warm.files if f.endswith(".png"))
        floors, packs, serials = [], [], []
        if smoke:  # the first pack is the one timed; the floor once
            floors.append(floor_seconds(charts, out))
            packs.append(warm.seconds)
        for i in range(0 if smoke else rounds):
            floors.append(floor_seconds(charts, out))
            packs.append(run_pack("Doncaster", "2017-18 Q4", paths, outputs_root=out / f"bg{i}",
                                  pdf=False).seconds)
            os.environ["CSC_CHART_WORKERS"] = "0"  # the renderer draws every chart in the kernel
            try:
                serials.append(run_pack("Doncaster", "2017-18 Q4", paths, outputs_root=out / f"fg{i}",
                                        pdf=False).seconds)
            finally:
                del os.environ["CSC_CHART_WORKERS"]
        floor, pack = min(floors), min(packs)
        print(f"floor ({charts} empty charts, PNG+SVG): {floor:.1f} s  (runs: {_runs(floors)})")
        print(f"one LA (Doncaster, {charts} charts, drawn by the renderer's own pool): "
              f"{pack:.1f} s = {pack / floor:.2f}x floor  [target <= 1.5x]  (runs: {_runs(packs)})")
        if serials:
            serial = min(serials)
            print(f"one LA, charts drawn in the notebook's process (CSC_CHART_WORKERS=0): {serial:.1f} s "
                  f"= {serial / floor:.2f}x floor  (runs: {_runs(serials)})")
        if "--all" in sys.argv and not smoke:
            names = all_la_names(paths)
            # The least the all-LA run can take: the CPU time of drawing the charts alone, for
            # a sample of LAs without a local return (as all but one are), over two cores.
            drawing_cpu_seconds("Leeds", paths, out / "draw")  # imports and caches, not counted
            sample = ["Rotherham", "Lancashire", "Barnet", "Rutland"]
            spent = [drawing_cpu_seconds(la, paths, out / "draw") for la in sample]
            drawing = sum(w for _, w in spent) / len(sample)
            notebook = sum(t for t, _ in spent) / len(sample)
            started = time.perf_counter()
            results = run_many(names, "2017-18 Q4", paths, jobs=2, outputs_root=out / "all", pdf=False)
            took = time.perf_counter() - started
            ok = sum(r.status == "ok" for r in results)
            print(f"all LAs ({ok}/{len(names)} ok, --jobs 2): {took / 60:.1f} min  [target < 10 min]")
            cores = os.cpu_count() or 1
            print(f"  least it can take: a pack's notebook in one process ({', '.join(sample)}) takes "
                  f"{notebook:.1f} s of CPU, {drawing:.1f} s of it drawing the charts; "
                  f"{ok} packs over {cores} cores: {ok * notebook / cores / 60:.1f} min for the notebooks' "
                  f"work, {ok * drawing / cores / 60:.1f} min for drawing the charts alone")
            for r in results:
                if r.status != "ok":
                    print(f"  failed: {r.la}: {r.message}")


if __name__ == "__main__":
    main()
