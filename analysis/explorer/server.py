"""Serve the benchmark explorer notebook as a web page with Voilà (``make explorer``).

Voilà runs the notebook in a fresh kernel for each visitor and shows only its widgets and
outputs. The settings here (see :data:`VOILA_SETTINGS`) keep the page read-only:

- code hidden (``strip_sources``) and no tracebacks on the page (``show_tracebacks``);
- no files served from the notebook's folder (``file_allowlist`` matches nothing);
- the page's kernel connection accepts only widget (comm) messages: Voilà's kernel manager
  drops ``execute_request`` and every other message type, so nothing typed into the page
  runs as code; the widgets take names and choices, never file paths;
- listening on 127.0.0.1 unless told otherwise.

The server is bounded (:mod:`analysis.explorer.service_settings`, run by
:mod:`analysis.explorer.service_app`): a request without the cookie the page's script sets
(curl, a proxy, a link preview) gets a small page and starts no kernel
(:mod:`analysis.explorer.first_visit`); ``--pool-size`` kernels are kept warm; at most
``--max-kernels`` kernels, the warm ones included, and a plain "busy" page past that; idle
kernels shut down after ``--cull-idle-timeout`` seconds even with a page connected;
``/health`` answers without starting a kernel (point a proxy's health check there).

Only notebooks inside the project's ``notebooks/`` folder are served.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from analysis.core.config import Paths
from analysis.core.errors import AnalysisError, ParameterError
from analysis.explorer.service_settings import KERNEL_MB, ServiceSettings, idle_memory_mb

DEFAULT_NOTEBOOK = "notebooks/explorer.ipynb"
DEFAULT_PORT = 8866
DEFAULT_IP = "127.0.0.1"

#: Voilà options that make the served page read-only (module docstring).
VOILA_SETTINGS: tuple[str, ...] = (
    "--no-browser",
    "--strip_sources=True",
    "--show_tracebacks=False",
    "--VoilaConfiguration.file_allowlist=a^",  # a pattern that matches no file name
    "--VoilaConfiguration.file_denylist=.*",
    "--theme=light",
    # The warm pool (``ServiceSettings.pool_size`` kernels kept with the notebook already run,
    # so a visitor's page opens without waiting for the data and the first charts), the cap on
    # kernels and the idle culling come from ServiceSettings.voila_args().
    "--template=explorer",
    # The kernels' local sockets encrypted (CurveZMQ) where the kernel supports it, as for
    # `make lab` and the pack runner.
    "--MappingKernelManager.transport_encryption=auto",  # config/jupyter/voila/templates/explorer: no stylesheets from a CDN
    # Only the widgets' extension is loaded by the page. Jupytext's JupyterLab extension
    # (installed with jupytext) expects JupyterLab's document manager and fails on a Voilà page
    # with a console error; the code highlighting theme and Voilà's JupyterLab preview button
    # have nothing to do on a page without code: each would only be loaded and started.
    "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
    "--VoilaConfiguration.extension_denylist=jupyterlab_pygments",
    "--VoilaConfiguration.extension_denylist=@voila-dashboards/jupyterlab-preview",
)


def notebook_path(given: str | Path, paths: Paths | None = None) -> Path:
    """The notebook to serve, refused unless it is an existing .ipynb inside notebooks/."""
    paths = paths or Paths.for_root()
    folder = paths.notebooks.resolve()
    candidate = Path(given)
    if not candidate.is_absolute():
        candidate = paths.root / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(folder) or resolved.suffix != ".ipynb":
        raise ParameterError("only notebooks in the project's notebooks/ folder are served",
                             parameter="notebook", expected=f"a .ipynb file inside {folder}",
                             found=str(given), fix=f"serve {DEFAULT_NOTEBOOK} (the default)")
    if not resolved.is_file():
        raise ParameterError("no such notebook", parameter="notebook",
                             expected=f"a .ipynb file inside {folder}", found=str(given),
                             fix="run `make explorer` without NOTEBOOK= to serve the explorer")
    return resolved


def voila_environment(paths: Paths | None = None) -> dict[str, str]:
    """The environment Voilà runs in: the project's page template on the Jupyter path."""
    paths = paths or Paths.for_root()
    env = dict(os.environ)
    extra = str(paths.config / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (extra, env.get("JUPYTER_PATH", "")) if p)
    return env


def voila_command(notebook: Path, *, port: int = DEFAULT_PORT, ip: str = DEFAULT_IP,
                  base_url: str = "/", settings: ServiceSettings | None = None) -> list[str]:
    """The command line that serves ``notebook`` read-only with Voilà, bounded by ``settings``."""
    import importlib.util

    if importlib.util.find_spec("voila") is None:
        raise ParameterError("Voilà is not installed", parameter="voila",
                             fix="run `make install` (it installs voila with the toolkit)")
    settings = settings or ServiceSettings()
    return [sys.executable, "-m", "analysis.explorer.service_app", str(notebook), f"--port={port}",
            f"--Voila.ip={ip}", f"--Voila.base_url={base_url}", *VOILA_SETTINGS,
            *settings.voila_args()]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as sock:
        sock.bind((DEFAULT_IP, 0))
        return int(sock.getsockname()[1])


#: The bounds :func:`start` serves with unless told: one warm kernel, replaced a second after it
#: is taken (tests and the screenshot open one page at a time; five warm kernels would cost
#: them 2 GB and half a minute of the cores).
ONE_VISITOR = ServiceSettings(pool_size=1, fill_delay=1)


def start(port: int, notebook: str = DEFAULT_NOTEBOOK, *, log: Path | None = None,
          timeout: float = 60.0, settings: ServiceSettings | None = None) -> subprocess.Popen[bytes]:
    """Start serving ``notebook`` on 127.0.0.1:``port`` and return once the server answers.

    For tests and benchmarks: the caller stops the process (``terminate()``); ``settings``
    default to :data:`ONE_VISITOR`. Raises TimeoutError when the server does not answer
    within ``timeout`` seconds.
    """
    import time
    import urllib.request

    command = voila_command(notebook_path(notebook), port=port, settings=settings or ONE_VISITOR)
    out = log.open("wb") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT,
                               cwd=Paths.for_root().root, env=voila_environment())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the explorer server stopped (exit status {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://{DEFAULT_IP}:{port}/health", timeout=1):
                pass
            return process
        except OSError as exc:
            if getattr(exc, "code", None) is not None:  # an HTTP answer: the server is up
                return process
            time.sleep(0.1)
    process.terminate()
    raise TimeoutError(f"the explorer server did not answer within {timeout:.0f} s")


def screenshot(out: Path, *, la: str = "Doncaster", year: str = "2016-17",
               width: int = 1100, height: int = 1500) -> Path:
    """Serve the explorer on a free port, pick ``la`` and ``year`` in headless Chromium and
    save a screenshot of the page (the README's picture). Needs Chromium and Playwright."""
    from playwright.sync_api import sync_playwright

    from analysis.render.pdf import CHROMIUM_FLAGS, find_chromium

    chromium = find_chromium()
    if chromium is None:
        raise ParameterError("no Chromium to take the screenshot with", parameter="screenshot",
                             fix="install Chromium (Debian package 'chromium')")
    port = free_port()
    process = start(port, timeout=120)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"http://{DEFAULT_IP}:{port}/")
            wait_for_update(page, 0, timeout_ms=120_000)
            for action, what, value in (("type", "la", la), ("choose", "year", year)):
                if page.locator(SELECTORS[what]).input_value() == value:
                    continue  # already showing it: no change, no redraw to wait for
                before = update_count(page)
                (type_into if action == "type" else choose)(page, what, value)
                wait_for_update(page, before)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return out


def main(argv: list[str] | None = None) -> int:
    """``python -m analysis.explorer.server [NOTEBOOK] [--port N] [--ip ADDRESS]``."""
    parser = argparse.ArgumentParser(prog="python -m analysis.explorer.server",
                                     description="Serve the benchmark explorer as a web page.")
    parser.add_argument("notebook", nargs="?", default=DEFAULT_NOTEBOOK)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--ip", default=DEFAULT_IP, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--base-url", default="/", help="path prefix behind a reverse proxy")
    parser.add_argument("--screenshot", type=Path, default=None,
                        help="save a screenshot of the served page to this PNG, then stop")
    default = ServiceSettings()
    for flag, value, what in (
            ("--max-kernels", default.max_kernels, "most kernels at once, the warm ones included"),
            ("--cull-idle-timeout", default.cull_idle_timeout, "seconds before an idle kernel is shut down"),
            ("--cull-interval", default.cull_interval, "seconds between checks for idle kernels"),
            ("--pool-size", default.pool_size,
             f"kernels kept warm for the next visitors, about {KERNEL_MB} MB each whether or not "
             f"anyone visits: the server idles at about {idle_memory_mb(default.pool_size):,} MB "
             "with the default; 0: none"),
            ("--fill-delay", default.fill_delay,
             "seconds before a warm kernel taken by a visitor is replaced")):
        parser.add_argument(flag, type=int, default=value, help=f"{what} (default {value})")
    args = parser.parse_args(argv)
    if args.screenshot is not None:
        try:
            print(f"Wrote {screenshot(args.screenshot)}")
        except AnalysisError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
        return 0
    try:
        settings = ServiceSettings(max_kernels=args.max_kernels,
                                   cull_idle_timeout=args.cull_idle_timeout,
                                   cull_interval=args.cull_interval, pool_size=args.pool_size,
                                   fill_delay=args.fill_delay)
        command = voila_command(notebook_path(args.notebook), port=args.port, ip=args.ip,
                                base_url=args.base_url, settings=settings)
    except AnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"Serving the explorer at http://{args.ip}:{args.port}{args.base_url} (Ctrl-C stops it)",
          flush=True)
    os.execve(command[0], command, voila_environment())
    return 0  # pragma: no cover - execv does not return



# --- driving the served page from a browser (tests, benchmarks, the README screenshot) -----

#: The explorer's widgets on the page (CSS classes set in analysis/explorer/widgets.py).
SELECTORS: dict[str, str] = {
    "la": ".explorer-la input", "indicator": ".explorer-indicator input",
    "year": ".explorer-year select", "comparator": ".explorer-compare-with select",
    "group": ".explorer-group textarea", "level": ".explorer-confidence select",
    "status": ".explorer-status", "sentence": ".explorer-sentence",
    "group_line": ".explorer-group-line", "messages": ".explorer-messages",
    "table": ".explorer-table",
}

#: JavaScript, given an update number N: true once every chart box shows update N's chart,
#: drawn, or its note, or nothing. The explorer marks each box with the update that last set
#: it (class explorer-update-N, sent with the box's outputs in one message, so a box with the
#: mark no longer holds an earlier chart); Vega's chart menu is added only after the chart is
#: drawn. A chart Vega could not draw never counts as drawn.
CHARTS_DRAWN = """(n) => {
  const boxes = [...document.querySelectorAll('.explorer-chart')];
  return boxes.length > 0 && boxes.every(box => {
    const mark = [...box.classList].map(c => /^explorer-update-(\\d+)$/.exec(c)).find(Boolean);
    if (!mark || Number(mark[1]) < n) return false;
    if (box.querySelector('.jp-OutputArea-child') === null || box.querySelector('.explorer-note')) {
      return true;
    }
    const chart = box.querySelector('.jp-RenderedVegaLite');
    return chart !== null
      && chart.querySelector('.chart-wrapper[aria-label] canvas, .chart-wrapper[aria-label] svg.marks') !== null
      && chart.querySelector('.vega-embed > details') !== null;
  });
}"""


def update_count(page: Any) -> int:
    """How many times the page has been redrawn ("update N", hidden in the status line; 0: not
    yet)."""
    found = re.search(r"update (\d+)", str(page.locator(SELECTORS["status"]).text_content()))
    return int(found.group(1)) if found else 0


def wait_for_update(page: Any, after: int, timeout_ms: float = 60_000) -> None:
    """Wait until the page has been redrawn after update ``after`` and every chart is drawn."""
    page.wait_for_function(
        "([sel, after]) => { const el = document.querySelector(sel);"
        " const m = el && el.textContent.match(/update (\\d+)/);"
        " return m !== null && Number(m[1]) > after; }",
        arg=[SELECTORS["status"], after], timeout=timeout_ms)
    page.wait_for_function(CHARTS_DRAWN, arg=update_count(page), timeout=timeout_ms)


def change(page: Any, action: Any, *args: Any) -> None:
    """Do ``action(page, *args)`` (a click, a choice, typing) and wait until the page has been
    redrawn for it, every chart drawn."""
    before = update_count(page)
    action(page, *args)
    wait_for_update(page, before)


def watch_problems(page: Any) -> list[str]:
    """The page's errors, and any warning Vega or Vega-Lite logs (a spec it had to correct or
    ignore), collected into the list returned from now on."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error"
            or (m.type == "warning" and m.text.startswith("WARN")) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def type_into(page: Any, what: str, text: str) -> None:
    """Type into the LA or indicator box (or the comparator list) and commit it."""
    box = page.locator(SELECTORS[what])
    box.fill(text)
    box.press("Tab" if what == "group" else "Enter")


def choose(page: Any, what: str, label: str) -> None:
    """Pick ``label`` in the year, comparator or confidence list."""
    page.locator(SELECTORS[what]).select_option(label=label)


def text_of(page: Any, what: str) -> str:
    return str(page.locator(SELECTORS[what]).inner_text())


if __name__ == "__main__":
    sys.exit(main())
