"""Speed of the benchmark explorer and of one LA's table on the command line. Prints figures;
asserts nothing. ``python benchmarks/bench_explorer.py [--no-browser | --browser-only] [--smoke]``

Targets on a 2-core machine:
- a change of LA or indicator shows the new table and charts within 0.3 s, measured in the
  browser (Playwright, headless Chromium) from the change to the last chart drawn, and in
  Python for the recompute and draw; so does the first switch to another neighbour list or
  confidence level (:data:`SWITCHES`, each the first of its kind in the page's kernel);
- the LA profile (the page's landing view) redrawn for another LA within 0.5 s in the browser,
  from the change to its table and its one chart drawn (median of 20 LAs);
- with one visitor already on the page, a second visitor's page opens within 1.5x of the
  first's;
- the served app's start-up within 1.5x of starting a kernel and importing what it needs;
- ``python -m analysis benchmark`` for one LA within 1.5x of ``import pandas, pyarrow.parquet``.

Each figure is the median (and best) of several runs, the runs of compared commands
interleaved so that other load on the machine falls on both alike.

``--smoke``: one run of each and two changes, the page opened again after 1 s rather than 20 s
(seconds; tests/test_benchmarks.py runs it to check the script works, its figures mean little).
Commands run in the project folder (``$CSC_PROJECT_ROOT`` if set).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from analysis.core.config import project_root
from analysis.explorer.server import CHARTS_DRAWN

#: The project folder the commands run in (its data/processed is the one they read).
ROOT = project_root()
PY = sys.executable

#: LAs the profile is redrawn for, each new to the page (20: the median of 20 changes).
PROFILE_LAS: list[str] = [
    "Rotherham", "Barnsley", "Leeds", "Sheffield", "Wakefield", "York", "Bradford", "Calderdale",
    "Kirklees", "Hull", "North Yorkshire", "Manchester", "Liverpool", "Newcastle upon Tyne",
    "Sunderland", "Durham", "Lancashire", "Kent", "Bristol", "Cornwall",
]

#: Changes an analyst makes, each new to the page (nothing drawn for it before).
CHANGES: list[tuple[str, str]] = [
    ("la", "Rotherham"), ("la", "Barnsley"), ("la", "Leeds"),
    ("indicator", "Children looked after per 10,000 children"), ("la", "Sheffield"),
    ("indicator", "Children looked after with an up-to-date dental check"), ("la", "Wakefield"),
    ("indicator", "Child protection plans for a second or subsequent time"), ("la", "York"),
    ("la", "Bradford"), ("indicator", "Re-referrals within 12 months"), ("la", "Kirklees"),
    ("la", "Calderdale"), ("indicator", "Care leavers aged 19-21 in suitable accommodation"),
    ("la", "Hull"), ("la", "Lancashire"), ("indicator", "Children in need per 10,000 children"),
    ("la", "Manchester"), ("la", "Liverpool"),
    ("indicator", "Child protection plans per 10,000 children"),
]  # 20 changes


#: Switches of comparator group or level, each the first of its kind in a page (its figures
#: worked out for the first time): (widget, option label).
SWITCHES: list[tuple[str, str]] = [
    ("comparator", "Statistical neighbours, 2025 list"), ("level", "99.8%"),
    ("comparator", "Statistical neighbours, 2021 list"), ("comparator", "The LA's region"),
    ("level", "95%"),
]


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s, best {min(times):.2f} s"


def interleaved(commands: dict[str, Callable[[], float]], runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, run in commands.items():
            times[name].append(run())
    return times


def bench_cli(runs: int = 7) -> None:
    base = [PY, "-c", "import pandas, pyarrow.parquet"]
    cli = [PY, "-m", "analysis", "benchmark", "--la", "Doncaster", "--year", "2017",
           "--indicator", "re_referrals"]
    times = interleaved({"base": lambda: _seconds(base), "cli": lambda: _seconds(cli)}, runs)
    ratio = statistics.median(times["cli"]) / statistics.median(times["base"])
    best = min(times["cli"]) / min(times["base"])
    print(f"import pandas, pyarrow.parquet: {_summary(times['base'])}")
    print(f"python -m analysis benchmark --la Doncaster (one indicator): {_summary(times['cli'])}")
    print(f"  ratio {ratio:.2f} (medians), {best:.2f} (best runs)  [target <= 1.5]")


def bench_python(changes: list[tuple[str, str]] = CHANGES, profiles: list[str] = PROFILE_LAS) -> None:
    from analysis.explorer.widgets import build

    started = time.perf_counter()
    app = build(year=2018)  # as the served notebook starts it (the profile); 2017-18, as in the browser
    print(f"explorer in Python: load and first view {time.perf_counter() - started:.2f} s")
    times = []
    for la in profiles:
        app.la.value = la
        times.append(app.timings[-1])
    print(f"  the profile for another LA, recompute and draw ({len(times)} LAs): {_summary(times)}, "
          f"worst {max(times):.2f} s  [target <= 0.5 s]")
    app.profile.open.value = "re_referrals 1"  # a click on its name: one indicator in detail from here
    times = []
    for what, value in changes:
        (app.la if what == "la" else app.indicator).value = value
        times.append(app.timings[-1])
    print(f"  a change of LA or indicator, recompute and draw ({len(times)} changes): "
          f"{_summary(times)}, worst {max(times):.2f} s  [target <= 0.3 s]")
    las = [value for what, value in changes if what == "la"]
    app.la.value = las[-2]  # back to the LA before (Wakefield), a selection drawn (its charts kept)
    print(f"  back to a selection seen before: {app.timings[-1]:.2f} s")


#: The libraries the explorer's kernel imports: the table, the widgets and, for the funnel
#: plot's exact limits, scipy.special (its charts are drawn by the browser: no matplotlib).
KERNEL_IMPORTS = "pandas, pyarrow.parquet, scipy.special, ipywidgets"


def _kernel_baseline() -> float:
    """Seconds to start a kernel and import what the explorer needs in it."""
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.execute_interactive(f"import {KERNEL_IMPORTS}", timeout=120)
        return time.perf_counter() - started
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


#: JavaScript, given a widget's selector, the status line's selector and the update shown
#: before a change: the page's own clock notes when the analyst commits the change there
#: (Enter, or Tab leaving the box) and, watching every change to the page, the first moment
#: it shows a later update with every chart drawn (window.explorerTook, in milliseconds).
WATCH_CHANGE = ("([sel, status, before]) => {"
                " window.explorerTook = null; let at = null;"
                " const box = document.querySelector(sel);"
                " box.addEventListener('keydown', e => {"
                "  if (at === null && (e.key === 'Enter' || e.key === 'Tab')) at = performance.now(); },"
                "  {capture: true});"
                " box.addEventListener('change', () => { if (at === null) at = performance.now(); },"
                "  {capture: true});"
                f" const drawn = {CHARTS_DRAWN};"
                " const watcher = new MutationObserver(() => {"
                "  const el = document.querySelector(status);"
                "  const m = el && el.textContent.match(/update (\\d+)/);"
                "  if (at === null || m === null || Number(m[1]) <= before || !drawn(Number(m[1]))) return;"
                "  window.explorerTook = performance.now() - at; watcher.disconnect(); });"
                " watcher.observe(document.body, {subtree: true, childList: true, attributes: true,"
                "  characterData: true}); }")


def warm_opens(browser, page, url: str, runs: int, settle: float = 20):
    """Seconds to open ``url`` in a new page and see every chart drawn, ``runs`` times, each
    after ``settle`` s (20) for the next visitor's kernel to warm; returns the times and the
    last page."""
    from analysis.explorer import server as serve

    opens = []
    for _ in range(runs):
        time.sleep(settle)
        page.close()
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        started = time.perf_counter()
        page.goto(url)
        serve.wait_for_update(page, 0, timeout_ms=120_000)
        opens.append(time.perf_counter() - started)
    return opens, page


def timed_change(page, what: str, value: str) -> tuple[float, float]:
    """Type ``value`` into the ``what`` box and commit it; seconds from Enter to the last chart
    drawn by the page's clock, and as the test driver saw it (typing included)."""
    from analysis.explorer import server as serve

    before = serve.update_count(page)
    page.evaluate(WATCH_CHANGE, [serve.SELECTORS[what], serve.SELECTORS["status"], before])
    started = time.perf_counter()
    serve.type_into(page, what, value)
    took = page.wait_for_function("() => window.explorerTook", timeout=60_000).json_value()
    return float(took) / 1000, time.perf_counter() - started


def _open_indicator(page, indicator: str) -> None:
    """Click an indicator's name in the profile and wait for its detail view to be drawn."""
    from analysis.explorer import server as serve

    before = serve.update_count(page)
    page.locator(f'.explorer-open-button[data-indicator="{indicator}"]').click()
    serve.wait_for_update(page, before)


def timed_choice(page, what: str, label: str) -> float:
    """Pick ``label`` in the ``what`` list; seconds from the pick to the last chart drawn, by
    the page's clock."""
    from analysis.explorer import server as serve

    before = serve.update_count(page)
    page.evaluate(WATCH_CHANGE, [serve.SELECTORS[what], serve.SELECTORS["status"], before])
    serve.choose(page, what, label)
    took = page.wait_for_function("() => window.explorerTook", timeout=60_000).json_value()
    return float(took) / 1000


def second_opens(browser, url: str, runs: int, settle: float = 20) -> tuple[list[float], list[float]]:
    """Seconds to open ``url`` to every chart drawn for a first visitor and then, with the
    first page still open, for a second, ``runs`` times (``settle`` s between, for the warm
    kernels to be ready)."""
    from analysis.explorer import server as serve

    firsts: list[float] = []
    seconds: list[float] = []
    for _ in range(runs):
        pages = []
        for times in (firsts, seconds):
            time.sleep(settle)
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            started = time.perf_counter()
            page.goto(url)
            serve.wait_for_update(page, 0, timeout_ms=120_000)
            times.append(time.perf_counter() - started)
            pages.append(page)
        for page in pages:
            page.close()
    return firsts, seconds


def bench_browser(runs: int = 3, changes: list[tuple[str, str]] = CHANGES,
                  settle: float = 20, profiles: list[str] = PROFILE_LAS) -> None:
    from playwright.sync_api import sync_playwright

    from analysis.explorer import server as serve
    from analysis.render.pdf import CHROMIUM_FLAGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        print("browser: skipped (no Chromium)")
        return
    port = serve.free_port()
    process = None
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1400})
            launched = time.perf_counter()
            process = serve.start(port, timeout=120)
            page.goto(f"http://127.0.0.1:{port}/")
            serve.wait_for_update(page, 0, timeout_ms=180_000)
            cold = time.perf_counter() - launched
            opens, page = warm_opens(browser, page, f"http://127.0.0.1:{port}/", runs, settle)
            baseline = [_kernel_baseline() for _ in range(runs)]
            print(f"served app: `make explorer` launched to the explorer drawn in a page: {cold:.2f} s;"
                  f" a page opened (kernel kept warm) to the explorer drawn: {_summary(opens)}")
            print(f"  kernel started and {KERNEL_IMPORTS} imported: {_summary(baseline)}")
            base = statistics.median(baseline)
            print(f"  ratios: launch {cold / base:.2f}, page open {statistics.median(opens) / base:.2f}"
                  f"  [target <= 1.5]")
            assert page is not None
            before = serve.update_count(page)
            serve.choose(page, "year", "2017-18")  # a year every indicator below has
            serve.wait_for_update(page, before)
            times, driven = [], []
            for la in profiles:  # the landing view: the LA's profile
                in_page, seen = timed_change(page, "la", la)
                times.append(in_page)
                driven.append(seen)
            print(f"  the profile redrawn for another LA, in the browser, from the change (Enter "
                  f"pressed) to its table and chart drawn, timed by the page ({len(times)} LAs): "
                  f"{_summary(times)}, worst {max(times):.2f} s  [target <= 0.5 s]")
            print(f"    as the test driver sees it: {_summary(driven)}")
            # then one indicator in detail, as a click on its name in the profile opens it
            _open_indicator(page, "re_referrals")
            times, driven = [], []
            for what, value in changes:
                in_page, seen = timed_change(page, what, value)
                times.append(in_page)
                driven.append(seen)
            print(f"  in the browser, from the change (Enter pressed) to the last chart drawn, timed by "
                  f"the page ({len(times)} changes): {_summary(times)}, worst {max(times):.2f} s"
                  f"  [target <= 0.3 s]")
            print(f"    as the test driver sees it (typing the text and its own round trips "
                  f"included): {_summary(driven)}")
            switches = [(label, timed_choice(page, what, label)) for what, label in SWITCHES]
            print("  the first switch of comparator group or level, to the last chart drawn: "
                  + "; ".join(f"{label} {took:.2f} s" for label, took in switches)
                  + f"; median {statistics.median(t for _, t in switches):.2f} s  [target <= 0.3 s]")
            page.close()
            firsts, seconds = second_opens(browser, f"http://127.0.0.1:{port}/", runs, settle)
            print(f"  a page opened with no one else on it: {_summary(firsts)}; a second visitor's page, "
                  f"the first still open: {_summary(seconds)}; "
                  f"{statistics.median(seconds) / statistics.median(firsts):.2f} times  [target <= 1.5]")
            browser.close()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


def main() -> None:
    smoke = "--smoke" in sys.argv
    changes = CHANGES[:2] if smoke else CHANGES
    if "--browser-only" not in sys.argv:
        bench_cli(runs=1 if smoke else 7)
        bench_python(changes, PROFILE_LAS[:2] if smoke else PROFILE_LAS)
    if "--no-browser" not in sys.argv:
        if smoke:
            bench_browser(runs=1, changes=changes, settle=1, profiles=PROFILE_LAS[:2])
        else:
            bench_browser()


if __name__ == "__main__":
    main()
