"""The small page a request without the explorer's cookie gets (analysis.explorer.first_visit),
and the page handler answering with it without asking the kernel gate
(analysis.explorer.service_app.CappedVoilaHandler)."""

from __future__ import annotations

import asyncio
import re
from http.cookies import SimpleCookie

import pytest

from analysis.explorer.first_visit import (
    COOKIE_MAX_AGE,
    cookie_path,
    first_visit_page,
    has_script_cookie,
)
from analysis.render.pdf import CHROMIUM_FLAGS
from tests.conftest import require_chromium


def test_the_page_sets_the_cookie_and_reloads_the_same_address_with_its_query():
    page = first_visit_page("/explorer/?la=Rotherham&indicator=cla_dental_checks", "/explorer")
    script = page.split("<script>")[1].split("</script>")[0]
    # the cookie: for the whole served path, a year, sent only with the site's own requests
    assert ("document.cookie = 'explorer_js=1; Path=/explorer/; Max-Age=31536000; SameSite=Strict';"
            in script)
    assert COOKIE_MAX_AGE == 365 * 24 * 60 * 60
    # the same address again, the query string (and any #fragment) kept, not a new history entry
    assert ("window.location.replace(window.location.pathname + window.location.search"
            " + window.location.hash);") in script
    # a browser that refuses the cookie is told so, not reloaded for ever
    assert "needs cookies" in script and script.index("return;") < script.index("location.replace")


def test_the_page_says_the_explorer_needs_javascript_with_a_plain_link():
    page = first_visit_page('/?la=Rotherham&year=2016-17&x="><b>', "/")
    noscript = re.search(r"<noscript>(.*)</noscript>", page, re.S)
    assert noscript is not None
    assert " ".join(noscript.group(1).split()) == (
        '<p>The benchmark explorer needs JavaScript. Turn JavaScript on for this site, then '
        '<a href="/?la=Rotherham&amp;year=2016-17&amp;x=&quot;&gt;&lt;b&gt;">open the explorer</a>.</p>')
    # what axe-core checks on a page this size: its language, a title, the content in a landmark
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>Benchmark explorer</title>" in page and "<main>" in page
    assert len(page.encode()) < 1024  # under 1 KB, nothing loaded from it


def test_the_cookie_path_is_the_base_url_and_only_the_set_cookie_counts():
    assert [cookie_path(b) for b in ("/", "", "/explorer", "/explorer/", "a/b")] == [
        "/", "/", "/explorer/", "/explorer/", "/a/b/"]
    assert has_script_cookie({"explorer_js": "1", "other": "x"})
    assert not has_script_cookie({}) and not has_script_cookie({"explorer_js": "0"})


class _Gate:
    max_kernels = 4

    def __init__(self) -> None:
        self.asked = 0

    def admit(self) -> None:
        self.asked += 1
        return None  # at the cap: the busy page, so the test never starts Voilà's rendering


class _Request:
    def __init__(self, uri: str, cookie: str | None) -> None:
        self.uri = uri
        self.cookies = SimpleCookie(cookie or "")


class _Handler:
    """What CappedVoilaHandler.get reads and writes of a Tornado handler."""

    def __init__(self, uri: str, cookie: str | None) -> None:
        self.request = _Request(uri, cookie)
        self.settings = {"explorer_gate": _Gate()}
        self.base_url = "/explorer/"
        self.headers: dict[str, str] = {}
        self.status = 200
        self.body = ""

    def set_header(self, name: str, value: str) -> None:
        self.headers[name] = value

    def set_status(self, status: int) -> None:
        self.status = status

    def finish(self, body: str) -> None:
        self.body = body


def test_a_request_without_the_cookie_gets_the_small_page_and_never_reaches_the_kernel_gate():
    from analysis.explorer.service_app import BUSY_PAGE, CappedVoilaHandler

    plain = _Handler("/explorer/?la=Rotherham", cookie=None)
    asyncio.run(CappedVoilaHandler.get(plain, ""))  # type: ignore[arg-type]
    assert plain.settings["explorer_gate"].asked == 0  # no kernel asked for
    assert plain.status == 200 and plain.body == first_visit_page("/explorer/?la=Rotherham", "/explorer/")
    # never cached: the same address must reach the server again once the cookie is set
    assert plain.headers["Cache-Control"] == "no-store" and plain.headers["Vary"] == "Cookie"

    browser = _Handler("/explorer/?la=Rotherham", cookie="explorer_js=1; other=2")
    asyncio.run(CappedVoilaHandler.get(browser, ""))  # type: ignore[arg-type]
    assert browser.settings["explorer_gate"].asked == 1  # a browser's request goes to the gate
    assert browser.status == 503 and browser.body == BUSY_PAGE


ADDRESS = "http://explorer.test/?la=Rotherham&year=2016-17"


def _browse(pw, chromium: str, *, javascript: bool = True, cookies_refused: bool = False):
    """A page at ADDRESS, served the small page when its request has no cookie and a stand-in
    for the explorer when it has; the requests made, with their Cookie headers."""
    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
    page = browser.new_page(java_script_enabled=javascript)
    if cookies_refused:  # as a browser set to refuse the site's cookies
        page.add_init_script("Object.defineProperty(document, 'cookie', {get: () => '', set: () => {}})")
    requests: list[tuple[str, str | None]] = []

    def answer(route) -> None:
        cookie = route.request.headers.get("cookie")
        requests.append((route.request.url, cookie))
        body = (first_visit_page(route.request.url.removeprefix("http://explorer.test"))
                if cookie is None else "<!DOCTYPE html><title>Explorer</title><p>the explorer</p>")
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    page.route("http://explorer.test/**", answer)
    return browser, page, requests


@pytest.mark.browser
def test_a_browser_sets_the_cookie_and_opens_the_same_address_once():
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    with sync_playwright() as pw:
        browser, page, requests = _browse(pw, chromium)
        page.goto(ADDRESS)
        page.wait_for_function("() => document.title === 'Explorer'", timeout=10_000)
        history = page.evaluate("() => window.history.length")
        browser.close()
    assert requests == [(ADDRESS, None), (ADDRESS, "explorer_js=1")]
    assert history == 2  # the blank tab and the address: replaced, not added (Back leaves it)


@pytest.mark.browser
def test_the_small_page_has_no_accessibility_violations_and_says_what_it_needs():
    """With JavaScript and cookies refused (the page stays: a line asking for cookies), and
    without JavaScript (the <noscript> line)."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    with sync_playwright() as pw:
        browser, page, requests = _browse(pw, chromium, cookies_refused=True)
        page.goto(ADDRESS)
        page.wait_for_function("() => document.getElementById('opening').textContent.includes('cookies')",
                               timeout=10_000)
        refused = " ".join(page.inner_text("main").split())
        violations = Axe().run(page).response["violations"]
        browser.close()
        browser, page, _ = _browse(pw, chromium, javascript=False)
        page.goto(ADDRESS)
        without = " ".join(page.inner_text("main").split())
        browser.close()
    assert requests == [(ADDRESS, None)]  # no reload for ever
    assert refused == ("Benchmark explorer The benchmark explorer needs cookies: allow them for "
                       "this site, then reload this page.")
    assert [(v["id"], v["impact"]) for v in violations] == []
    assert without == ("Benchmark explorer Opening the explorer\u2026 The benchmark explorer needs "
                       "JavaScript. Turn JavaScript on for this site, then open the explorer.")
