"""What the explorer's tools take by themselves, with none of the toolkit's work. Prints figures;
asserts nothing. ``python benchmarks/bench_explorer_floors.py [--no-browser | --first-charts-only] [--smoke]``

The explorer's speed targets compare it with a kernel starting and with ``import pandas,
pyarrow.parquet``. These floors show how much of that budget the tools the explorer is built
on use up before any of the toolkit's work:

- the command line: a typer command with the same options as ``python -m analysis benchmark``,
  importing pydantic and PyYAML (which the toolkit's configuration is read with) and reading
  the processed table, and nothing else;
- the served page: a notebook served by Voilà with the explorer's settings whose kernel holds
  ten LAs' worth of the explorer's four charts (made before it is served) and, when the LA box
  changes, only puts the next LA's four charts in their boxes. Timed as the explorer is: a page
  opened with a warm kernel to every chart drawn, and a change from Enter to the last chart
  drawn (by the page's own clock); then the same with the kernel waiting 0.12 s before it
  answers, the time the explorer's kernel works out a change;
- the page's first charts: the explorer's page and that floor page served at once, with the
  same settings (idle kernels culled after 10 s) and the same landing view (Doncaster's
  re-referrals in 2017-18), opened alternately, each to every chart drawn (medians of 20;
  target: the explorer within 1.2x of the floor).

Both pages are served by the same server program (``analysis.explorer.service_app``), and each
open is a new browser page with no cookie: both go through the same small first-visit page
(``analysis.explorer.first_visit``) before the page itself, so like is compared with like.

``--smoke``: the command line once each; the served page once (the kernel not waiting) with two
LAs, its changes only, not opened again; the first charts once each (seconds; tests/test_benchmarks.py runs it to check the
script works, its figures mean little). Commands run in the project folder
(``$CSC_PROJECT_ROOT`` if set). ``--first-charts-only``: the page's first charts against the
floor page only (the last measure, in full).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from functools import partial
from pathlib import Path

import nbformat

# a sibling script: Python puts this script's folder first on the path when it runs it
from bench_explorer import (
    PY,
    ROOT,
    _kernel_baseline,
    _seconds,
    _summary,
    interleaved,
    timed_change,
    warm_opens,
)

from analysis.explorer.service_settings import ServiceSettings

LAS = ["Doncaster", "Rotherham", "Barnsley", "Leeds", "Sheffield", "Wakefield", "York", "Bradford",
       "Kirklees", "Calderdale"]

CLI_FLOOR = textwrap.dedent('''\
    from enum import StrEnum
    from pathlib import Path
    from typing import Annotated

    import typer

    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


    class OutputFormat(StrEnum):
        table = "table"
        csv = "csv"
        json = "json"


    @app.command()
    def benchmark(la: Annotated[str, typer.Option()],
                  year: Annotated[list[str] | None, typer.Option()] = None,
                  indicator: Annotated[list[str] | None, typer.Option()] = None,
                  neighbours: Annotated[str | None, typer.Option()] = None,
                  format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.table,
                  output: Annotated[Path | None, typer.Option()] = None,
                  level: Annotated[str, typer.Option()] = "95") -> None:
        import pandas as pd
        import pydantic  # noqa: F401
        import yaml

        yaml.safe_load(Path("config/indicators.yaml").read_text(encoding="utf-8"))
        print(len(pd.read_parquet("data/processed/benchmarks.parquet")))


    @app.command()
    def other() -> None:
        pass


    app()
    ''')

FLOOR_NOTEBOOK = textwrap.dedent('''\
    import json
    import os
    import time

    import ipywidgets as w
    from IPython.display import display

    charts = json.loads(open(os.environ["FLOOR_CHARTS"], encoding="utf-8").read())
    wait = float(os.environ.get("FLOOR_WAIT", "0"))
    names = list(charts)
    la = w.Combobox(description="LA", value=names[0], options=names, ensure_option=False,
                    continuous_update=False).add_class("explorer-la")
    status = w.HTML().add_class("explorer-status")
    boxes = {key: w.Output().add_class("explorer-chart") for key in charts[names[0]]}
    updates = [0]


    def show(name):
        time.sleep(wait)
        updates[0] += 1
        for key, box in boxes.items():
            with box.hold_sync():
                box.outputs = tuple(charts[name][key])
                for css in [c for c in box._dom_classes if c.startswith("explorer-update-")]:
                    box.remove_class(css)
                box.add_class(f"explorer-update-{updates[0]}")
        status.value = f"update {updates[0]}"


    la.observe(lambda change: show(la.value if la.value in charts else names[0]), "value")
    show(names[0])
    display(w.VBox([la, status, *boxes.values()]))
    ''')


def bench_cli_floor(runs: int = 9) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "cli_floor.py"
        script.write_text(CLI_FLOOR, encoding="utf-8")
        args = ["benchmark", "--la", "Doncaster", "--year", "2017", "--indicator", "re_referrals"]
        commands = {
            "base": [PY, "-c", "import pandas, pyarrow.parquet"],
            "floor": [PY, str(script), *args],
            "cli": [PY, "-m", "analysis", *args],
        }
        times = interleaved({name: partial(_seconds, c) for name, c in commands.items()}, runs)
    base = statistics.median(times["base"])
    print(f"import pandas, pyarrow.parquet: {_summary(times['base'])}")
    print(f"typer with the benchmark command's options, pydantic, PyYAML and the table read: "
          f"{_summary(times['floor'])}, {statistics.median(times['floor']) / base:.2f} times")
    print(f"python -m analysis benchmark --la Doncaster (one indicator): {_summary(times['cli'])}, "
          f"{statistics.median(times['cli']) / base:.2f} times  [target <= 1.5]")


def _charts_file(folder: Path, las: list[str]) -> Path:
    """``las``' worth (ten LAs) of the explorer's four chart outputs, as its kernel sends them."""
    from analysis.explorer.widgets import build

    app = build(year=2018)
    charts = {}
    for la in las:
        app.la.value = la
        charts[la] = {key: list(box.outputs) for key, box in app.chart_boxes.items()}
    path = folder / "charts.json"
    path.write_text(json.dumps(charts), encoding="utf-8")
    return path


def _serve(notebook: Path, env: dict[str, str],
           settings: ServiceSettings | None = None) -> tuple[int, subprocess.Popen[bytes]]:
    from analysis.explorer import server as serve

    port = serve.free_port()
    # the bounds serve.start() gives the explorer's page unless told (one warm kernel)
    process = subprocess.Popen(serve.voila_command(notebook, port=port, settings=settings or serve.ONE_VISITOR),
                               cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/", timeout=1):
                break
        except OSError as exc:
            if getattr(exc, "code", None) is not None:
                break
            time.sleep(0.1)
    return port, process


def _floor(folder: Path, las: list[str]) -> tuple[Path, dict[str, str]]:
    """The floor notebook in ``folder`` and the environment it is served with."""
    from analysis.explorer import server as serve

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_NOTEBOOK)]
    notebook = folder / "floor.ipynb"
    nbformat.write(nb, notebook)
    env = serve.voila_environment()
    env["FLOOR_CHARTS"] = str(_charts_file(folder, las))
    env["FLOOR_WAIT"] = "0"
    return notebook, env


#: Both pages' settings for the first-charts comparison: closed pages' kernels culled soon,
#: so twenty visits never meet the kernel cap.
FIRST_CHARTS_SETTINGS = ServiceSettings(max_kernels=12, cull_idle_timeout=10, cull_interval=2, pool_size=1)
#: The explorer's landing view, the floor's first LA's charts (build(year=2018): Doncaster).
LANDING = "?la=Doncaster&indicator=re_referrals&year=2017-18"


def bench_first_charts(runs: int = 20, las: list[str] = LAS, settle: float = 15) -> None:
    """The explorer's page and the floor page, served at once with the same settings and
    landing view, opened alternately ``runs`` times each (``settle`` s before each, for the
    warm kernel to be ready), each to every chart drawn."""
    from playwright.sync_api import sync_playwright

    from analysis.explorer import server as serve
    from analysis.render.pdf import CHROMIUM_FLAGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        print("first charts: skipped (no Chromium)")
        return
    times: dict[str, list[float]] = {"explorer": [], "floor": []}
    with tempfile.TemporaryDirectory() as tmp:
        notebook, env = _floor(Path(tmp), las)
        floor_port, floor = _serve(notebook, env, FIRST_CHARTS_SETTINGS)
        explorer_port = serve.free_port()
        explorer = serve.start(explorer_port, timeout=180, settings=FIRST_CHARTS_SETTINGS)
        urls = {"explorer": f"http://127.0.0.1:{explorer_port}/{LANDING}",
                "floor": f"http://127.0.0.1:{floor_port}/"}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
                for _ in range(runs):
                    for name, url in urls.items():
                        time.sleep(settle)
                        page = browser.new_page(viewport={"width": 1100, "height": 1400})
                        started = time.perf_counter()
                        page.goto(url)
                        serve.wait_for_update(page, 0, timeout_ms=180_000)
                        times[name].append(time.perf_counter() - started)
                        page.close()
                browser.close()
        finally:
            for process in (floor, explorer):
                process.terminate()
                process.wait(timeout=30)
    ratio = statistics.median(times["explorer"]) / statistics.median(times["floor"])
    print(f"first charts, a page opened (kernel kept warm) to every chart drawn, {runs} each, alternately: "
          f"the explorer {_summary(times['explorer'])}; the floor page (four of its charts, no work) "
          f"{_summary(times['floor'])}; {ratio:.2f} times  [target <= 1.2]")


def bench_page_floor(runs: int = 3, las: list[str] = LAS,
                     waits: tuple[float, ...] = (0.0, 0.12)) -> None:
    from playwright.sync_api import sync_playwright

    from analysis.explorer import server as serve
    from analysis.render.pdf import CHROMIUM_FLAGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        print("served page: skipped (no Chromium)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        notebook, env = _floor(folder, las)
        for wait in waits:
            env["FLOOR_WAIT"] = str(wait)
            port, process = _serve(notebook, env)
            try:
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
                    page = browser.new_page(viewport={"width": 1100, "height": 1400})
                    page.goto(f"http://127.0.0.1:{port}/")
                    serve.wait_for_update(page, 0, timeout_ms=180_000)
                    url = f"http://127.0.0.1:{port}/"
                    opens, page = warm_opens(browser, page, url, runs if wait == 0 else 0)
                    changes = [timed_change(page, "la", la)[0] for _ in range(2) for la in [*las[1:], las[0]]]
                    browser.close()
            finally:
                process.terminate()
                process.wait(timeout=30)
            if opens:
                baseline = [_kernel_baseline() for _ in range(runs)]
                base = statistics.median(baseline)
                print(f"served page with four charts and no work: a page opened (kernel kept warm) to "
                      f"every chart drawn: {_summary(opens)}; kernel started and its imports: "
                      f"{_summary(baseline)}; {statistics.median(opens) / base:.2f} times  [target <= 1.5]")
            print(f"served page, a change from Enter to the last chart drawn, the kernel waiting "
                  f"{wait:.2f} s: {_summary(changes)}  [target <= 0.3 s]")


def main() -> None:
    smoke = "--smoke" in sys.argv
    if "--first-charts-only" in sys.argv:
        bench_first_charts()
        return
    bench_cli_floor(runs=1 if smoke else 9)
    if "--no-browser" not in sys.argv:
        if smoke:
            bench_page_floor(runs=0, las=LAS[:2], waits=(0.0,))
            bench_first_charts(runs=1, las=LAS[:2], settle=1)
        else:
            bench_page_floor()
            bench_first_charts()


if __name__ == "__main__":
    main()
