"""The served explorer in a real browser: Voilà started on a free localhost port, driven by
Playwright with headless Chromium.

Figures: DfE's re-referrals for 2016-17 (CIN census table C1): Doncaster 27.1%, ranked 142
of 152; Rotherham 26.1%; the 15 Yorkshire and The Humber LAs' mean 20.1% (302.1 / 15, worked
in tests/test_explorer_app.py).
"""

from __future__ import annotations

import time

import pytest

from analysis.explorer import server as serve
from analysis.render.pdf import CHROMIUM_FLAGS
from tests.conftest import require_chromium

YORKSHIRE = ("Barnsley, Bradford, Calderdale, Doncaster, East Riding of Yorkshire, "
             "Kingston upon Hull, City of, Kirklees, Leeds, North East Lincolnshire, "
             "North Lincolnshire, North Yorkshire, Rotherham, Sheffield, Wakefield, York")


@pytest.fixture
def chromium() -> str:
    return require_chromium()


@pytest.fixture
def served(bench_table, tmp_path):
    """The explorer served on a free port; its log in tmp_path."""
    port = serve.free_port()
    process = serve.start(port, log=tmp_path / "voila.log", timeout=120)
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=30)



def _charts(page) -> dict[str, dict]:
    """Each chart box's drawn Vega chart: its ARIA label (the alt text), whether it has a
    canvas or SVG drawn, and the file name its menu saves under."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.explorer-chart')].map(box => {
        const key = [...box.classList].find(c => c.startsWith('explorer-chart-')).slice(15);
        const chart = box.querySelector('.vega-embed .chart-wrapper');
        const save = box.querySelector('.vega-actions a[download$=".svg"]');
        return [key, {label: chart && chart.getAttribute('aria-label'),
                      drawn: !!(chart && chart.querySelector('canvas, svg.marks')),
                      file: save && save.getAttribute('download'),
                      note: (box.querySelector('.explorer-note') || {}).textContent || null}];
    }))""")


@pytest.mark.browser
@pytest.mark.e2e
def test_served_explorer_answers_clicks_and_typing(chromium, served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        errors = serve.watch_problems(page)
        page.goto(served)
        serve.wait_for_update(page, 0, timeout_ms=120_000)
        assert "explorer_app.build" not in page.content()  # code hidden

        serve.change(page, serve.type_into, "la", "doncaster")  # the page opens on Doncaster: any case
        assert serve.text_of(page, "status").startswith("Showing Doncaster")
        serve.change(page, serve.type_into, "indicator", "re-referrals within 12 MONTHS")
        serve.change(page, serve.choose, "year", "2016-17")
        sentence = serve.text_of(page, "sentence")
        assert "Doncaster 27.1%" in sentence and "ranked 142 of 152" in sentence
        assert "27.1" in serve.text_of(page, "table")
        charts = _charts(page)
        assert list(charts) == ["group", "trend", "all_las", "funnel"]
        assert all(c["drawn"] for c in charts.values()), charts
        assert charts["group"]["label"].startswith(
            "Bar chart of re-referrals within 12 months in 2016-17 for Doncaster and its statistical "
            "neighbours, sorted best to worst. Doncaster is 27.1%")
        assert "Doncaster is 27.1%, ranked 142 of 152, quartile band D." in charts["all_las"]["label"]
        assert charts["trend"]["label"].startswith("Line chart of re-referrals within 12 months")
        assert charts["funnel"]["label"].endswith("Doncaster: 27.1% from 5,275, above the 99.8% limit.")
        assert charts["funnel"]["file"] == "doncaster_re_referrals_2016-17_funnel.svg"

        serve.change(page, serve.type_into, "la", "Rotherham")
        assert "Rotherham 26.1%" in serve.text_of(page, "sentence")

        assert "Rotherham is 26.1%" in _charts(page)["group"]["label"]

        serve.change(page, serve.choose, "comparator", "A list of LAs (e.g. a consortium)")
        assert "needs at least 2 LAs" in serve.text_of(page, "messages")
        assert _charts(page)["group"]["note"] == "No comparator group to chart."  # not an empty chart
        serve.change(page, serve.type_into, "group", YORKSHIRE)
        assert "Mean of the 15 LAs listed: 20.1%" in serve.text_of(page, "group_line")
        assert serve.text_of(page, "messages").strip() == ""
        group = _charts(page)["group"]
        assert group["drawn"] and "the 15 LAs listed" in group["label"]

        serve.change(page, serve.type_into, "la", "Rotherhm")
        assert "did you mean 'Rotherham'" in serve.text_of(page, "messages")
        browser.close()
    assert errors == []


@pytest.mark.browser
@pytest.mark.e2e
def test_served_explorer_opens_its_address_and_follows_every_change(chromium, served):
    """A shared address opens on its view (LAIT's LACDental% for Rotherham, 2024-25: 91%),
    and a change of LA is written into the address bar without a reload."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1100, "height": 1400})
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        documents: list[str] = []
        page.on("request", lambda r: documents.append(r.url) if r.resource_type == "document" else None)
        shared = served + "?la=Rotherham&indicator=cla_dental_checks"
        page.goto(shared)
        page.wait_for_function("() => window.location.search.includes('la=E08000018')", timeout=120_000)
        serve.wait_for_update(page, 0, timeout_ms=120_000)
        assert "Rotherham 91%" in serve.text_of(page, "sentence")
        # a first visit: the small page, whose script set the cookie and opened the same address
        assert documents == [shared, shared]
        assert [(c["name"], c["value"], c["sameSite"]) for c in page.context.cookies()
                if c["name"] == "explorer_js"] == [("explorer_js", "1", "Strict")]
        assert "whose dental check was up to date" in page.inner_text(".explorer-about")  # its definition
        assert serve.text_of(page, "status").startswith(
            "Showing Rotherham · Children looked after with an up-to-date dental check · 2024-25")
        assert page.url == (served + "?la=E08000018&indicator=cla_dental_checks&year=2024-25"
                            "&group=neighbours&level=95")
        page.evaluate("() => { window.notReloaded = true; }")

        serve.change(page, serve.type_into, "la", "Doncaster")
        page.wait_for_function("() => window.location.search.includes('la=E08000017')", timeout=30_000)
        assert page.url == (served + "?la=E08000017&indicator=cla_dental_checks&year=2024-25"
                            "&group=neighbours&level=95")
        assert page.evaluate("() => window.notReloaded") is True  # the same page, not reloaded

        # Closing the page shuts its kernel (the page tells the server as it unloads); idle
        # kernels are culled only after 600 s here, so nothing else would. Left: the warm one.
        assert _kernel_count(served) == 2  # the page's and the warm one that replaced it
        page.close(run_before_unload=True)  # as a tab closed: its unload handlers run
        context.close()
        deadline = time.monotonic() + 30
        while _kernel_count(served) > 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _kernel_count(served) == 1
        browser.close()
    assert errors == []


def _kernel_count(url: str) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(url + "health", timeout=10) as answer:
        return int(json.loads(answer.read())["kernels"])


def _kernel_messages(url: str, messages: list[dict], seconds: float = 5.0) -> list[str]:
    """Send messages on the page's kernel connection; the types of the replies received."""
    import asyncio
    import json
    import re
    import urllib.request
    import uuid

    import websockets

    request = urllib.request.Request(url, headers={"Cookie": "explorer_js=1"})  # as a browser
    page = urllib.request.urlopen(request, timeout=120).read().decode()
    kernel = re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page)
    assert kernel is not None, "no kernel id on the page"
    socket_url = (url.replace("http://", "ws://") + f"api/kernels/{kernel.group(1)}/channels"
                  f"?session_id={uuid.uuid4()}")

    async def talk() -> list[str]:
        seen: list[str] = []
        async with websockets.connect(socket_url, origin=url.rstrip("/")) as ws:
            for message in messages:
                await ws.send(json.dumps(message))
            try:
                while True:
                    seen.append(json.loads(await asyncio.wait_for(ws.recv(), seconds))["header"]["msg_type"])
            except TimeoutError:
                return seen

    return asyncio.run(talk())


def _request(msg_type: str, content: dict) -> dict:
    import uuid

    return {"header": {"msg_id": uuid.uuid4().hex, "username": "", "session": uuid.uuid4().hex,
                       "msg_type": msg_type, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "content": content}


@pytest.mark.e2e
def test_the_page_runs_no_code_sent_to_its_kernel(served, tmp_path):
    probe = tmp_path / "written-by-the-page"
    code = f"open({str(probe)!r}, 'w').write('x')"
    replies = _kernel_messages(served, [
        _request("kernel_info_request", {}),  # allowed: shows the connection works
        _request("execute_request", {"code": code, "silent": False, "store_history": False,
                                     "user_expressions": {}, "allow_stdin": False}),
    ])
    assert "kernel_info_reply" in replies
    assert "execute_reply" not in replies and "execute_input" not in replies
    assert not probe.exists()


@pytest.mark.e2e
def test_the_page_serves_no_files(served):
    import urllib.error
    import urllib.request

    for path in ("voila/files/explorer.ipynb", "voila/files/explorer.py", "files/explorer.ipynb",
                 "voila/files/../pyproject.toml", "api/contents", "tree", "lab"):
        try:  # as a browser sends it, with the cookie (without it: the first-visit page)
            request = urllib.request.Request(served + path, headers={"Cookie": "explorer_js=1"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            assert exc.code in (403, 404, 405), (path, exc.code)
            continue
        # Voilà answers some unknown paths with the explorer page itself: never with a file
        assert "explorer_app" not in body and "[project]" not in body and '"content"' not in body, path
