"""The LA profile on the served explorer in a real browser (Voilà on a free localhost port,
Playwright with headless Chromium; one server for the module).

Figures: DfE's re-referrals for 2016-17 (CIN census table C1): Doncaster 27.1% (1,429 of
5,275), ranked 142 of 152, band D, 23.0% the year before; England 21.9%, Yorkshire and The
Humber 21.5%; the ten statistical neighbours' mean 201.2 / 10 = 20.1% (worked in
tests/test_explorer_profile.py).
"""

from __future__ import annotations

import pytest

from analysis.explorer import server as serve
from analysis.render.pdf import CHROMIUM_FLAGS
from tests.conftest import require_chromium

PROFILE = ".explorer-profile-table"


@pytest.fixture(scope="module")
def served(bench_table, tmp_path_factory):
    """The explorer served on a free port for this module's tests; its log in a temporary folder."""
    port = serve.free_port()
    process = serve.start(port, log=tmp_path_factory.mktemp("voila") / "voila.log", timeout=120)
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=30)


def _row_cells(page, indicator: str) -> list[str]:
    return page.evaluate("""(id) => [...document.querySelectorAll(
        `.explorer-profile-table tr[data-indicator="${id}"] td`)].map(td => td.textContent)""", indicator)


def _first_rows(page) -> list[str]:
    """The first indicator of each topic, as the table shows them."""
    return page.evaluate("""() => [...document.querySelectorAll('.explorer-profile-table tbody')].map(
        body => body.querySelector('tr[data-indicator]').dataset.indicator)""")


@pytest.mark.browser
@pytest.mark.e2e
def test_doncaster_profile_sorts_and_opens_an_indicator(served):
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        errors = serve.watch_problems(page)
        page.goto(served + "?la=Doncaster&year=2016-17", timeout=120_000)  # the first visit may wait for a kernel
        serve.wait_for_update(page, 0, timeout_ms=120_000)
        page.wait_for_function("() => window.location.search.includes('view=profile')", timeout=30_000)
        assert page.url == served + "?la=E08000017&view=profile&year=2016-17&group=neighbours&level=95"
        assert serve.text_of(page, "status").startswith("Showing Doncaster · profile · 2016-17")

        # every indicator, grouped by topic, with the figures in words
        assert page.locator(f"{PROFILE} th[scope=row]").count() == 35
        assert page.locator(f"{PROFILE} th[scope=rowgroup]").all_inner_texts() == [
            "Children in need and child protection", "Children looked after and care leavers",
            "Youth justice", "Workforce"]
        assert _row_cells(page, "re_referrals") == [
            "2016-17", "27.1%", "1,429 of 5,275", "21.9%", "21.5%", "20.1%", "142 of 152", "D",
            "▼ Worsened from 23.0%", "▼ Worse / ▼ Worse / ▼ Worse"]
        assert _row_cells(page, "cla_dental_checks")[1] == "not published"
        chart = page.locator(".explorer-chart-profile .chart-wrapper[aria-label]")
        assert chart.count() == 1  # one chart for the whole profile
        assert chart.get_attribute("aria-label").startswith(
            "Small line charts of Doncaster's figure each year for each of its 35 indicators")

        # sorting, from the "Sort by" list
        assert _first_rows(page)[0] == "re_referrals"
        page.locator(".explorer-sort-by select").select_option(label="Indicator name, A to Z")
        page.wait_for_function("() => document.querySelector('.explorer-profile-table caption')"
                               ".textContent.includes('indicator name, A to Z')", timeout=30_000)
        assert _first_rows(page) == ["assessments_45_days", "care_leavers_eet",
                                     "yj_first_time_entrants", "sw_agency_rate"]

        # a name opens the indicator's detail (from the keyboard too), and the address follows
        before = serve.update_count(page)
        page.locator('.explorer-open-button[data-indicator="re_referrals"]').focus()
        page.keyboard.press("Enter")
        serve.wait_for_update(page, before)
        page.wait_for_function("() => window.location.search.includes('indicator=re_referrals')", timeout=30_000)
        assert page.url == served + "?la=E08000017&indicator=re_referrals&year=2016-17&group=neighbours&level=95"
        assert "Doncaster 27.1%" in serve.text_of(page, "sentence")
        assert page.locator(PROFILE).count() == 0  # the profile has left the page

        before = serve.update_count(page)
        page.get_by_role("button", name="Back to profile").click()
        serve.wait_for_update(page, before)
        page.wait_for_function("() => window.location.search.includes('view=profile')", timeout=30_000)
        assert page.url == served + "?la=E08000017&view=profile&year=2016-17&group=neighbours&level=95"

        before = serve.update_count(page)
        page.locator('.explorer-open-button[data-indicator="cla_dental_checks"]').click()
        serve.wait_for_update(page, before)
        assert serve.text_of(page, "status").startswith(
            "Showing Doncaster · Children looked after with an up-to-date dental check · 2024-25")
        browser.close()
    assert errors == []


@pytest.mark.browser
@pytest.mark.e2e
def test_the_profile_page_has_no_accessibility_violations(served):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright")
    from playwright.sync_api import sync_playwright

    chromium = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        page.goto(served + "?la=Doncaster&year=2016-17&view=profile", timeout=120_000)
        serve.wait_for_update(page, 0, timeout_ms=120_000)
        results = axe.Axe().run(page, context={"include": [[".explorer-profile"]]})
        browser.close()
    found = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
             for v in results.response["violations"]]
    assert found == []
