"""The served explorer under load: plain requests and browser visitors at once, against the
bounded server (analysis.explorer.service_settings). Prints figures; asserts nothing.
``python benchmarks/bench_explorer_service.py [--smoke]``

Serves the explorer as ``make explorer`` does (``python -m analysis.explorer.server``, its
default bounds), on a free 127.0.0.1 port (loopback only), and sends everything to the
address it prints, the one a colleague
would share (half the requests with a shared view's query string). Waits for the warm pool to
be ready (the server and its kernels using no CPU for 3 s) and prints the idle memory. Then at
once: 50 plain requests (no cookie, no JavaScript, as curl or a proxy sends them) and 5
headless Chromium visitors, each in a new browser (a first visit: the small first-visit page,
then the explorer). Prints the answers, the most kernels seen at once (polling /health, which
starts none; never above the cap), each visitor's time from opening the address to its first
charts drawn (target 10 s), the CPU the server, the browsers and other work used meanwhile,
and the memory just after the visitors have closed their pages and two minutes after (target:
within 1 GB of the idle level). Then the same visitors again at once, for their first charts times on the
server as the first ones left it. Every wait is bounded; the server is stopped at the end.
Other work on the machine slows every figure: the load average is printed with them.

``--smoke``: 5 requests, 1 visitor, one warm kernel, short culling, memory read after 15 s (a
check that the script works; tests/test_benchmarks.py runs it). Runs in ``$CSC_PROJECT_ROOT``
if set.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from analysis.explorer import server as serve
from analysis.explorer.service_settings import ServiceSettings

#: Shared views: half the plain requests and visitors ask for one of these.
VIEWS = ("?la=Rotherham&indicator=cla_dental_checks", "?la=Doncaster&year=2016-17",
         "?la=Leeds&indicator=re_referrals&year=2017-18")
#: The page past the cap (its title) or every chart box drawn for the page's first update.
FIRST_CHARTS_OR_BUSY = ("(n) => document.title.endsWith(': busy') || (" + serve.CHARTS_DRAWN + ")(n)")


def _status(url: str, timeout: float = 240) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0  # no answer in time


async def _timed_status(url: str, started: float) -> tuple[int, float]:
    """The request's HTTP status and when its answer came, in seconds from ``started``."""
    status = await asyncio.to_thread(_status, url)
    return status, time.perf_counter() - started


def _kernels(url: str) -> int:
    with urllib.request.urlopen(url + "health", timeout=10) as answer:
        return int(json.loads(answer.read())["kernels"])


def _machine_cpu() -> float:
    """CPU seconds the whole machine has used (every core, every process) since it started."""
    fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle, iowait


def _load_average() -> str:
    return "load average " + " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _tree(pid: int) -> tuple[float, float, int]:
    """CPU seconds and resident memory (MB) of ``pid`` and every process under it, and how
    many there are."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    rss: dict[int, int] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(stat[1])
        # its own CPU and that of its children that have ended (a closed browser page, a culled kernel)
        cpu[int(entry.name)] = sum(int(stat[i]) for i in (11, 12, 13, 14)) / tick
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [p for p, pp in parents.items() if pp == parent and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return (sum(cpu.get(p, 0.0) for p in tree), sum(rss.get(p, 0) for p in tree) / 1024, len(tree))


def _quiet(pid: int, seconds: float = 3.0, timeout: float = 300.0) -> float:
    """Wait until ``pid`` and its kernels have used no CPU for ``seconds`` (the warm pool
    ready); the seconds waited."""
    started = last_busy = time.monotonic()
    used = _tree(pid)[0]
    while time.monotonic() - last_busy < seconds and time.monotonic() - started < timeout:
        time.sleep(0.5)
        now = _tree(pid)[0]
        if now - used > 0.05:
            last_busy = time.monotonic()
        used = now
    return time.monotonic() - started


async def _visitor(browser: object, url: str, n: int) -> tuple[str, float | None]:
    context = await browser.new_context(viewport={"width": 1100, "height": 1400})  # type: ignore[attr-defined]
    page = await context.new_page()
    started = time.perf_counter()
    try:
        await page.goto(url, timeout=240_000)
        await page.wait_for_function(FIRST_CHARTS_OR_BUSY, arg=1, timeout=240_000)
        took = time.perf_counter() - started
        if (await page.title()).endswith(": busy"):
            return f"visitor {n}: busy page in {took:.2f} s", None
        return f"visitor {n}: first charts in {took:.2f} s", took
    except Exception as exc:  # a figure to print, not a failure: the run goes on
        return f"visitor {n}: no charts ({type(exc).__name__}) after {time.perf_counter() - started:.2f} s", None
    finally:  # the visitor closes the tab: the page tells the server, which shuts its kernel
        await page.close(run_before_unload=True)
        await asyncio.sleep(1)
        await context.close()


async def _load(url: str, requests: int, visitors: int, chromium: str | None, cap: int,
                server: int) -> None:
    from analysis.render.pdf import CHROMIUM_FLAGS

    peak = [0]
    stop = asyncio.Event()

    async def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], await asyncio.to_thread(_kernels, url))
            await asyncio.sleep(0.25)

    plain = [url + (VIEWS[n % len(VIEWS)] if n % 2 else "") for n in range(requests)]
    shared = [url + (VIEWS[n % len(VIEWS)] if n % 2 == 0 else "") for n in range(visitors)]
    watcher = asyncio.create_task(watch())
    started = time.perf_counter()
    seen: list[tuple[str, float | None]] = []
    server_cpu = machine_cpu = browser_cpu = window = 0.0
    if chromium is not None and visitors:
        from playwright.async_api import async_playwright

        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            started = time.perf_counter()  # the browser started first: all begin together
            requested = asyncio.gather(*(_timed_status(u, started) for u in plain))
            visited = asyncio.gather(*(_visitor(browser, u, n + 1) for n, u in enumerate(shared)))
            server_before, machine_before = _tree(server)[0], _machine_cpu()
            ours_before = _tree(os.getpid())[0] - server_before  # this script and its browser
            answers, seen = list(await requested), list(await visited)
            window = time.perf_counter() - started
            server_cpu, machine_cpu = _tree(server)[0] - server_before, _machine_cpu() - machine_before
            browser_cpu = _tree(os.getpid())[0] - server_cpu - server_before - ours_before
            await browser.close()
    else:
        answers = list(await asyncio.gather(*(_timed_status(u, started) for u in plain)))
        seen = [("visitors skipped: no Chromium", None)]
    statuses = [status for status, _ in answers]
    took = max((t for _, t in answers), default=0.0)
    stop.set()
    await watcher
    if requests:
        other = requests - statuses.count(200) - statuses.count(503)
        print(f"  {requests} plain requests: {statuses.count(200)} answered (the first-visit page, "
              f"no kernel), {statuses.count(503)} busy pages, {other} other; all answered in {took:.2f} s")
    print(f"  kernels at peak: {peak[0]} of a cap of {cap} ({peak[0] / cap:.2f}x the cap; "
          f"never above 1.00x)")
    for line, _ in seen:
        print(f"  {line}")
    times = [t for _, t in seen if t is not None]
    if times:
        print(f"  slowest first charts: {max(times):.2f} s of {len(times)} visitor(s)  [target <= 10 s]  "
              f"({_load_average()})")
        elsewhere = machine_cpu - server_cpu - browser_cpu
        print(f"  CPU during the load: the server and its kernels {server_cpu:.1f} s, the visitors' "
              f"browsers (on the same machine here) {browser_cpu:.1f} s, other work {max(elsewhere, 0):.1f} s; "
              f"{machine_cpu:.1f} s in all, of the {window * (os.cpu_count() or 1):.1f} s that "
              f"{os.cpu_count()} cores give in the {window:.1f} s until the last page was closed")


def _serve(settings: ServiceSettings, log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """The explorer served as `make explorer` serves it; the address it prints, and the server."""
    port = serve.free_port()
    command = [sys.executable, "-m", "analysis.explorer.server", "--port", str(port),
               "--max-kernels", str(settings.max_kernels),
               "--cull-idle-timeout", str(settings.cull_idle_timeout),
               "--cull-interval", str(settings.cull_interval),
               "--pool-size", str(settings.pool_size), "--fill-delay", str(settings.fill_delay)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        printed = re.search(r"Serving the explorer at (\S+)", log.read_text(errors="replace"))
        if printed is not None:
            try:
                _kernels(printed.group(1))
                return printed.group(1), process
            except OSError:
                pass
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"the explorer server did not start: see {log}")


def main() -> None:
    from analysis.render.pdf import find_chromium

    smoke = "--smoke" in sys.argv
    requests, visitors, after = (5, 1, 15.0) if smoke else (50, 5, 120.0)
    settings = (ServiceSettings(max_kernels=4, cull_idle_timeout=5, cull_interval=2, pool_size=1,
                                fill_delay=1) if smoke
                else ServiceSettings())
    chromium = find_chromium()
    print(f"Served explorer under load ({requests} plain requests and {visitors} browser visitors "
          f"at once; cap {settings.max_kernels} kernels, {settings.pool_size} kept warm and each "
          f"replaced {settings.fill_delay} s after it is taken, idle ones culled after "
          f"{settings.cull_idle_timeout} s)")
    os.environ.setdefault("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    with tempfile.TemporaryDirectory() as tmp:
        url, process = _serve(settings, Path(tmp) / "server.log")
        try:
            waited = _quiet(process.pid)
            _, idle_mb, processes = _tree(process.pid)
            print(f"  the address: {url}; the warm pool ready after {waited:.1f} s")
            print(f"  idle: {_kernels(url)} kernel(s), {idle_mb:,.0f} MB in {processes} processes "
                  f"({_load_average()})")
            asyncio.run(_load(url, requests, visitors, chromium, settings.max_kernels, process.pid))
            _, busy_mb, processes = _tree(process.pid)
            print(f"  just after: {_kernels(url)} kernels, {busy_mb:,.0f} MB in {processes} processes "
                  f"({round(busy_mb - idle_mb):+,} MB on idle)")
            time.sleep(after)
            _, after_mb, processes = _tree(process.pid)
            print(f"  {after / 60:.2f} min after: {_kernels(url)} kernel(s), {after_mb:,.0f} MB in "
                  f"{processes} processes ({round(after_mb - idle_mb):+,} MB on idle; target within "
                  f"+1,024 MB)  ({_load_average()})")
            print(f"Then {visitors} browser visitors at once again:")
            asyncio.run(_load(url, 0, visitors, chromium, settings.max_kernels, process.pid))
        finally:
            process.terminate()
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
