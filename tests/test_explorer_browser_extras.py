"""The served explorer in a real browser (Playwright, headless Chromium): finding an LA by a
short name, the page's accessibility (axe-core), the Excel download and each comparator LA's
own line on the trend. One server for the module (a served explorer takes ~450 MB and a core).

Figures: DfE's re-referrals for 2016-17 (CIN census table C1): Doncaster 27.1% (1,429 of
5,275), ranked 142 of 152, band D.
"""

from __future__ import annotations

import io
import re

import pytest

from analysis.explorer import server as serve
from analysis.render.pdf import CHROMIUM_FLAGS
from tests.conftest import require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def page(bench_table, tmp_path_factory):
    """One browser page on the explorer served on a free port, opened and drawn."""
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    port = serve.free_port()
    process = serve.start(port, log=tmp_path_factory.mktemp("voila") / "voila.log", timeout=180)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1100, "height": 1400}, accept_downloads=True)
            page.problems = serve.watch_problems(page)
            page.goto(f"http://127.0.0.1:{port}/")
            serve.wait_for_update(page, 0, timeout_ms=180_000)
            yield page
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)



def _violations(page) -> list[tuple[str, str, list]]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in found]


def _menu_names(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('.vega-embed summary')]"
                         ".map(s => s.getAttribute('aria-label'))")


def test_the_page_has_no_accessibility_violations_on_landing(page):
    """The landing view (the LA's profile, one chart), then an indicator's detail (four charts)
    opened from the profile: the rest of the module's tests use the detail view."""
    assert serve.text_of(page, "status") == ("Showing Doncaster · profile · the latest year published "
                                             "for each indicator")
    shown = page.inner_text("body")  # no words for whoever runs the server
    assert "make explorer" not in shown and not re.search(r"update \d", shown), shown[:400]
    assert _violations(page) == []
    assert _menu_names(page) == ["Save this chart (PNG or SVG)"]  # the profile's one chart
    serve.change(page, lambda p: p.locator('.explorer-open-button[data-indicator="re_referrals"]').click())
    assert serve.text_of(page, "status").startswith("Showing Doncaster · Re-referrals")
    assert _violations(page) == []
    assert _menu_names(page) == ["Save this chart (PNG or SVG)"] * 4  # each chart's menu button named


def test_typing_hull_shows_kingston_upon_hull_first(page):
    options = page.evaluate("() => [...document.querySelectorAll('.explorer-la datalist option')]"
                            ".map(o => o.value)")
    assert [o for o in options if "hull" in o.lower()][:1] == ["Kingston upon Hull, City of"]
    serve.change(page, serve.type_into, "la", "Hull")
    assert serve.text_of(page, "status").startswith("Showing Kingston upon Hull, City of")
    assert serve.text_of(page, "messages").strip() == ""


def test_the_definition_and_source_sit_beside_the_figures(page):
    serve.change(page, serve.type_into, "la", "Doncaster")
    serve.change(page, serve.choose, "year", "2016-17")
    about = page.inner_text(".explorer-about")
    assert "Referrals in the year that came within 12 months of a previous referral" in about
    assert "Lower is better." in about and "figures for 2016-17" in about


def test_the_excel_download_holds_the_figures_as_numbers(page, tmp_path):
    """On the view the test before left: Doncaster, 2016-17 (the module's tests share a page)."""
    from openpyxl import load_workbook

    assert "27.1" in serve.text_of(page, "table")  # Doncaster, 2016-17
    page.locator(".explorer-make-files").click()
    page.wait_for_selector(".explorer-downloads a", timeout=60_000)
    with page.expect_download() as info:
        page.locator('.explorer-downloads a[download$=".xlsx"]').first.click()
    download = info.value
    assert download.suggested_filename == "doncaster_re_referrals_2016-17.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    ws = load_workbook(io.BytesIO(path.read_bytes()))["Figures"]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[head.index("Year")] == "2016-17")
    assert [row[head.index(k)] for k in ("Value", "Numerator", "Denominator", "Rank (1 = best)", "Of", "Band")] == [
        27.1, 1429, 5275, 142, 152, "D"]
    assert _violations(page) == []  # with the links shown


def test_each_neighbours_own_line_is_drawn_on_the_trend(page):
    serve.change(page, lambda p: p.locator(".explorer-lines input").check())
    trend = page.locator(".explorer-chart-trend .vega-embed .chart-wrapper")
    assert "one line each" in trend.get_attribute("aria-label")
    assert trend.locator("canvas, svg.marks").count() == 1
    assert _violations(page) == []  # the detail view with every option open
    serve.change(page, lambda p: p.locator(".explorer-lines input").uncheck())
    assert "Line chart of re-referrals within 12 months" in trend.get_attribute("aria-label")
    assert page.problems == []
