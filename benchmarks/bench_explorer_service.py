"""The served explorer under load: plain requests and browser visitors at once, against the
bounded server (analysis.explorer.service_settings). Prints figures; asserts nothing.
``python benchmarks/bench_explorer_service.py [--smoke]``

Serves the explorer on a free 127.0.0.1 port (loopback only), then at once: 50 plain requests
(no JavaScript: each would take a kernel) and 5 headless Chromium visitors. Prints the most
kernels seen at once (polling /health, which starts none; never above the cap), the answers
(page or busy page), each visitor's time from opening the page to its first charts drawn,
and the memory of the server and its kernels two minutes after (idle kernels culled after
60 s here, checked every 10 s). Every wait is bounded; the server is stopped at the end.

Then the same visitors again at once on the quiet server, for their first charts times.

``--smoke``: 5 requests, 1 visitor, short culling and memory read after 15 s (a check that the
script works; tests/test_benchmarks.py runs it). Runs in ``$CSC_PROJECT_ROOT`` if set.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from analysis.explorer import server as serve
from analysis.explorer.service_settings import ServiceSettings


def _status(url: str, timeout: float = 240) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # no answer in time


def _kernels(url: str) -> int:
    with urllib.request.urlopen(url + "health", timeout=10) as answer:
        return int(json.loads(answer.read())["kernels"])


def _tree_rss_mb(pid: int) -> tuple[float, int]:
    """Resident memory (MB) of ``pid`` and every process under it, and how many there are."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(p, 0) for p in tree) / 1024, len(tree)


async def _visitor(browser: object, url: str, n: int) -> str:
    context = await browser.new_context(viewport={"width": 1100, "height": 1400})  # type: ignore[attr-defined]
    page = await context.new_page()
    started = time.perf_counter()
    try:
        answer = await page.goto(url, timeout=240_000)
        if answer is not None and answer.status == 503:
            return f"visitor {n}: busy page in {time.perf_counter() - started:.2f} s"
        await page.wait_for_function(serve.CHARTS_DRAWN, arg=1, timeout=240_000)
        return f"visitor {n}: first charts in {time.perf_counter() - started:.2f} s"
    except Exception as exc:  # a figure to print, not a failure: the run goes on
        return f"visitor {n}: no charts ({type(exc).__name__}) after {time.perf_counter() - started:.2f} s"
    finally:
        await context.close()


async def _load(url: str, requests: int, visitors: int, chromium: str | None) -> None:
    from analysis.render.pdf import CHROMIUM_FLAGS

    peak = [0]
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], await asyncio.to_thread(_kernels, url))
            await asyncio.sleep(0.25)

    watcher = asyncio.create_task(watch())
    started = time.perf_counter()
    lines: list[str] = []
    if chromium is not None and visitors:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            started = time.perf_counter()  # the browser started first: all begin together
            results = await asyncio.gather(*(_visitor(browser, url, n + 1) for n in range(visitors)),
                                           *(asyncio.to_thread(_status, url) for _ in range(requests)))
            results = [*results[visitors:], *results[:visitors]]
            await browser.close()
        statuses = [s if isinstance(s, int) else 0 for s in results[:requests]]
        lines = [str(s) for s in results[requests:]]
    else:
        statuses = list(await asyncio.gather(*(asyncio.to_thread(_status, url)
                                               for _ in range(requests))))
        lines = ["visitors skipped: no Chromium"]
    took = time.perf_counter() - started
    stop.set()
    await watcher
    if requests:
        print(f"  {requests} plain requests: {statuses.count(200)} pages, {statuses.count(503)} busy "
          f"pages, {requests - statuses.count(200) - statuses.count(503)} other; all answered "
              f"in {took:.2f} s")
    print(f"  kernels at peak: {peak[0]} of a cap of {SETTINGS.max_kernels} "
          f"({peak[0] / SETTINGS.max_kernels:.2f}x the cap; never above 1.00x)")
    for line in lines:
        print(f"  {line}")


SETTINGS = ServiceSettings(cull_idle_timeout=60, cull_interval=10)


def main() -> None:
    global SETTINGS
    from analysis.render.pdf import find_chromium

    smoke = "--smoke" in sys.argv
    requests, visitors, after = (5, 1, 15.0) if smoke else (50, 5, 120.0)
    if smoke:
        SETTINGS = ServiceSettings(max_kernels=4, cull_idle_timeout=5, cull_interval=2)
    chromium = find_chromium()
    port = serve.free_port()
    url = f"http://127.0.0.1:{port}/"
    print(f"Served explorer under load ({requests} plain requests and {visitors} browser visitors "
          f"at once; cap {SETTINGS.max_kernels} kernels, idle ones culled after "
          f"{SETTINGS.cull_idle_timeout} s)")
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    process = serve.start(port, timeout=180, settings=SETTINGS)
    try:
        deadline = time.monotonic() + 180  # the warm kernel ready: the page answers at once
        while _kernels(url) < SETTINGS.pool_size and time.monotonic() < deadline:
            time.sleep(0.5)
        idle_mb, processes = _tree_rss_mb(process.pid)
        print(f"  before: {_kernels(url)} kernel(s), {idle_mb:.1f} MB in {processes} processes")
        asyncio.run(_load(url, requests, visitors, chromium))
        busy_mb, processes = _tree_rss_mb(process.pid)
        print(f"  just after: {_kernels(url)} kernels, {busy_mb:.1f} MB in {processes} processes")
        time.sleep(after)
        after_mb, processes = _tree_rss_mb(process.pid)
        print(f"  {after / 60:.2f} min after: {_kernels(url)} kernel(s), {after_mb:.1f} MB in "
              f"{processes} processes")
        print(f"Then {visitors} browser visitors at once on the quiet server:")
        asyncio.run(_load(url, 0, visitors, chromium))
    finally:
        process.terminate()
        process.wait(timeout=60)


if __name__ == "__main__":
    main()
