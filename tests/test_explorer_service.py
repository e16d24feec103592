"""The served explorer as a bounded service: the settings (analysis.explorer.service_settings),
the count against the cap (analysis.explorer.service_app.KernelGate) and the command line;
then, served for real with short settings and driven by headless Chromium: the kernel count
under a burst of plain requests, culling, /health, the input limit and bad widget messages.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC

import pytest

from analysis.core.errors import ParameterError
from analysis.explorer import server as serve
from analysis.explorer.service_settings import ServiceSettings, idle_memory_mb, kernels_in_use
from analysis.render.pdf import CHROMIUM_FLAGS
from tests.conftest import require_chromium


def test_default_settings_and_the_voila_options_they_give():
    settings = ServiceSettings()
    # 12 kernels of about 450 MB: 5.4 GB of a 24 GB server; ten idle minutes; five warm kernels
    # (five visitors at once each take one), each replaced 20 s after it is taken.
    assert (settings.max_kernels, settings.cull_idle_timeout, settings.cull_interval,
            settings.pool_size, settings.fill_delay) == (12, 600, 60, 5, 20)
    assert ServiceSettings(max_kernels=4, cull_idle_timeout=10, cull_interval=2,
                           pool_size=1, fill_delay=3).voila_args() == [
        "--ExplorerVoila.max_kernels=4",
        "--MappingKernelManager.cull_idle_timeout=10",
        "--MappingKernelManager.cull_interval=2",
        "--MappingKernelManager.cull_connected=True",
        "--preheat_kernel=True", "--pool_size=1", "--VoilaKernelManager.fill_delay=3"]
    assert ServiceSettings(pool_size=0).voila_args()[-3:-1] == ["--preheat_kernel=False", "--pool_size=0"]
    # idle: the server (about 100 MB) and five kernels of about 450 MB
    assert idle_memory_mb(settings.pool_size) == 100 + 5 * 450 == 2350


@pytest.mark.parametrize(("given", "parameter"), [
    ({"max_kernels": 0}, "max-kernels"), ({"cull_idle_timeout": 0}, "cull-idle-timeout"),
    ({"cull_interval": -5}, "cull-interval"), ({"pool_size": -1}, "pool-size"),
    ({"fill_delay": -1}, "fill-delay"),
    ({"max_kernels": 2, "pool_size": 2}, "pool-size")])
def test_bad_settings_are_refused_naming_the_option(given, parameter):
    with pytest.raises(ParameterError) as caught:
        ServiceSettings(**given)
    assert caught.value.parameter == parameter


def test_kernels_in_use_counts_running_starting_filling_and_admitted():
    # two running, one of them also still listed as starting, one new starting; one pool
    # kernel still to start; two page requests let in: 3 + 1 + 2 = 6
    assert kernels_in_use({"a", "b"}, {"b", "c"}, 1, 2) == 6
    assert kernels_in_use(set(), set(), 0, 0) == 0


class _Task:
    def __init__(self, done: bool) -> None:
        self._done = done

    def done(self) -> bool:
        return self._done


class _Kernels:
    def __init__(self, running: int, pool: list[bool]) -> None:
        self._kernels = {f"k{i}": None for i in range(running)}
        self._pending_kernels: dict[str, object] = {}
        self._pools = {"explorer.ipynb": [_Task(d) for d in pool]}


def test_the_gate_admits_below_the_cap_and_counts_what_it_let_in():
    from analysis.explorer.service_app import BUSY_PAGE, KernelGate

    gate = KernelGate(_Kernels(running=2, pool=[False]), max_kernels=4)  # 2 + 1 filling = 3
    admission = gate.admit()
    assert admission is not None  # 3 < 4: in; now 4
    assert gate.admit() is None  # at the cap
    gate.done(admission)
    gate.done(admission)  # counted off once only
    assert gate.in_use() == 3 and gate.running() == 2
    assert "try again in a minute" in BUSY_PAGE and "Traceback" not in BUSY_PAGE


def test_a_request_counts_until_it_has_taken_a_warm_kernel():
    from datetime import datetime, timedelta

    from analysis.explorer.service_app import KernelGate

    kernels = _Kernels(running=1, pool=[True])  # the warm kernel, ready
    warm = type("Kernel", (), {})()
    warm.last_activity = datetime(2026, 1, 1, tzinfo=UTC)  # waited in the pool for long
    kernels._kernels["k0"] = warm

    async def take(notebook_name, **_kwargs):
        kernels._pools[notebook_name].pop(0)  # as Voila's pool: the warm kernel taken...
        kernels._pools[notebook_name].append(_Task(False))  # ...and its refill started
        return "render task", [], "k0"

    kernels.get_rendered_notebook = take
    gate = KernelGate(kernels, max_kernels=3)

    async def request() -> tuple[int, int]:
        admission = gate.admit()
        assert admission is not None
        during = gate.in_use()  # 1 running + 1 let in
        await kernels.get_rendered_notebook("explorer.ipynb")
        after = gate.in_use()  # 1 running (the page's) + 1 refill starting
        gate.done(admission)
        return during, after

    assert asyncio.run(request()) == (2, 2)
    assert gate.admitting == 0 and gate.in_use() == 2
    # its idle time starts when it is taken, not when it was warmed: not culled under the page
    assert datetime.now(UTC) - warm.last_activity < timedelta(seconds=5)


def test_the_command_runs_the_bounded_server(paths):
    command = serve.voila_command(paths.notebooks / "explorer.ipynb", port=9999,
                                  settings=ServiceSettings(max_kernels=5, pool_size=1))
    assert command[1:3] == ["-m", "analysis.explorer.service_app"]
    assert "--show_tracebacks=False" in command and "--ExplorerVoila.max_kernels=5" in command
    assert "--MappingKernelManager.cull_connected=True" in command


def test_serve_refuses_bad_bounds_with_a_message(capsys):
    assert serve.main(["--max-kernels", "1", "--pool-size", "1"]) == 2
    assert "parameter 'pool-size'" in capsys.readouterr().err


# --- served for real ----------------------------------------------------------------------

SHORT = ServiceSettings(max_kernels=4, cull_idle_timeout=8, cull_interval=2, pool_size=1, fill_delay=1)


@pytest.fixture
def bounded(bench_table, tmp_path):
    """The explorer served with SHORT settings on a free port, once its warm kernel is ready."""
    port = serve.free_port()
    log = tmp_path / "voila.log"
    process = serve.start(port, log=log, timeout=120, settings=SHORT)
    url = f"http://127.0.0.1:{port}/"
    try:
        yield url, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def _health(url: str) -> dict:
    with urllib.request.urlopen(url + "health", timeout=10) as answer:
        return json.loads(answer.read())


def _get(url: str, cookie: str | None = "explorer_js=1") -> int:
    """The HTTP status of a request for ``url``: by default as a browser that has run the
    first-visit page's script sends it (with its cookie)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=180) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _plain(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as answer:  # no cookie, no JavaScript
        return int(answer.status), answer.read().decode()


@pytest.mark.e2e
def test_plain_requests_take_no_kernel(bounded):
    url, _log = bounded
    assert _health(url)["kernels"] == 1  # the warm pool (SHORT: one kernel)
    answers: list[tuple[int, str]] = []
    threads = [threading.Thread(target=lambda n=n: answers.append(_plain(f"{url}?la=Rotherham&n={n}")))
               for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 20
    assert all(status == 200 and "needs JavaScript" in body and "kernelId" not in body
               for status, body in answers)
    time.sleep(2)  # a kernel started by one of them would be listed by now
    assert _health(url)["kernels"] == 1  # the warm pool's level: none started, none taken


@pytest.mark.e2e
def test_page_requests_stay_under_the_cap_and_idle_kernels_are_culled(bounded):
    """Requests as a browser sends them (the cookie set): each takes a kernel, up to the cap."""
    url, _log = bounded
    assert _health(url)["max_kernels"] == 4
    before = _health(url)["kernels"]
    for _ in range(5):
        _health(url)
    assert _health(url)["kernels"] == before <= 1  # /health starts nothing: the warm kernel only

    seen: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen.append(_health(url)["kernels"])
            time.sleep(0.2)

    watcher = threading.Thread(target=watch)
    watcher.start()
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(_get(url))) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()
    assert len(statuses) == 20 and set(statuses) <= {200, 503}
    assert statuses.count(200) >= 1 and statuses.count(503) >= 1
    assert max(seen) <= 4 and _health(url)["kernels"] <= 4
    # No page holds its kernel open: after 8 idle seconds (checked every 2) only the warm one is left.
    deadline = time.monotonic() + 60
    while _health(url)["kernels"] > 1 and time.monotonic() < deadline:
        time.sleep(1)
    assert _health(url)["kernels"] == 1
    assert _get(url) == 200  # room again


#: Sent from inside the page on a second connection to its kernel: a widget update with values
#: of the wrong type for every widget (the server's comm handler raises for them).
BAD_UPDATES = """async (url) => {
  const ws = new WebSocket(url);
  const send = (type, content) => ws.send(JSON.stringify({header: {msg_id: String(Math.random()),
    username: "", session: "probe", msg_type: type, version: "5.3", date: ""},
    parent_header: {}, metadata: {}, channel: "shell", content}));
  const comms = new Promise(resolve => { ws.onmessage = e => { const m = JSON.parse(e.data);
    if (m.header.msg_type === "comm_info_reply") resolve(m.content.comms); }; });
  await new Promise(resolve => { ws.onopen = resolve; });
  send("comm_info_request", {target_name: "jupyter.widget"});
  const ids = Object.keys(await comms);
  for (const id of ids) {
    send("comm_msg", {comm_id: id, data: {method: "update", buffer_paths: [],
      state: {value: {"not": ["a", "value"]}, index: 99999, children: "x"}}});
  }
  await new Promise(resolve => setTimeout(resolve, 3000));
  ws.close();
  return ids.length;
}"""


@pytest.mark.browser
@pytest.mark.e2e
def test_the_page_refuses_a_long_list_and_shows_no_traceback(bounded):
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    url, log = bounded
    frames: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
        page.goto(url)
        serve.wait_for_update(page, 0, timeout_ms=120_000)

        serve.choose(page, "comparator", "A list of LAs (e.g. a consortium)")
        page.wait_for_function("() => document.querySelector('.explorer-group textarea')"
                               " && document.querySelector('.explorer-group textarea').offsetParent !== null",
                               timeout=30_000)
        names = ", ".join(f"Nowhere {i}" for i in range(2000))  # 26,888 characters
        start = time.monotonic()
        serve.type_into(page, "group", names)
        page.wait_for_function("() => document.querySelector('.explorer-messages').textContent"
                               ".includes('at most 2,000 are read')", timeout=5_000)
        assert time.monotonic() - start < 5  # the browser's round trip included; the kernel's part < 1 s
        assert serve.text_of(page, "messages") == (
            "The comparator list holds 26,888 characters; at most 2,000 are read.")

        kernel = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page.content())
        assert kernel is not None
        socket_url = url.replace("http://", "ws://") + f"api/kernels/{kernel.group(1)}/channels"
        assert page.evaluate(BAD_UPDATES, socket_url) > 10
        text = page.inner_text("body")
        browser.close()
    assert frames, "the page's kernel connection carried no messages"
    for shown in (text, *frames):
        assert "Traceback" not in shown and 'File "/' not in shown and "site-packages" not in shown
    assert "error in a widget message from the page" in log.read_text(encoding="utf-8", errors="replace")


def test_serve_passes_the_bounds_to_the_explorer_server(monkeypatch):
    from typer.testing import CliRunner

    import analysis.explorer.server
    from analysis.app.cli import app

    calls: list[list[str]] = []
    monkeypatch.setattr(analysis.explorer.server, "main", lambda argv: calls.append(argv) or 0)
    result = CliRunner().invoke(app, ["serve", "--max-kernels", "6", "--cull-idle-timeout", "300",
                                      "--cull-interval", "30", "--pool-size", "0", "--fill-delay", "5"])
    assert result.exit_code == 0, result.output
    assert calls == [["--max-kernels", "6", "--cull-idle-timeout", "300", "--cull-interval", "30",
                      "--pool-size", "0", "--fill-delay", "5"]]
