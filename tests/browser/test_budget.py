"""The budget in the browser: /budget for the committee (programme totals against the cycle's
OMR 170 million, the chart with its table, tracks and initiatives) and /admin/budget for the
office (an allocation set from the form, a wrong amount refused, a sheet imported), in English
and Arabic. axe-core finds nothing on either page in either language; screenshots at 1440 and
390 px go to /tmp/budget/. A server of its own (demo data), so that the allocations changed here
move no other browser test's figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from data.db import Store
from services.demo import seed_demo
from tests.browser.conftest import axe_violations, serve
from tests.browser.test_csp import violations, watch
from tests.browser.test_responsive import OVERFLOWING
from tests.conftest import PASSWORD, ROLE_USERS

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/budget")
WIDTHS = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("budget")
    yield from serve(url, folder)


def signed_in(browser, server, role: str):
    context = browser.new_context(viewport=WIDTHS["1440"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server}/login")
    page.fill("#email", ROLE_USERS[role][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")
    return page


def text_of(page, selector: str) -> str:
    """The text shown, without the invisible marks that keep codes and amounts left to right."""
    return page.inner_text(selector).replace("\u2066", "").replace("\u2069", "")


def shoot_both_widths(page, name: str) -> None:
    """Screenshots at both widths; on a phone nothing sticks out sideways (tables scroll within
    their cards)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        scroll_width, screen = page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= screen, page.evaluate(OVERFLOWING)
    page.set_viewport_size(WIDTHS["1440"])


def test_the_committee_reads_the_budget_in_both_languages(browser, server):
    page = signed_in(browser, server, "committee")
    console = watch(page)
    page.goto(f"{server}/budget?lang=en")
    page.wait_for_selector("#budget-summary")
    summary = text_of(page, "#budget-summary")
    assert "Programme budget" in summary and "OMR 170,000,000.000" in summary
    assert "Against plan" in summary
    assert page.locator("#budget-tracks tr").count() >= 5  # header, four tracks, the programme
    assert "Show the data as a table" in text_of(page, "#budget-by-track")
    assert page.locator("#budget-initiatives tbody tr").count() >= 20
    assert "Include figures awaiting approval" not in text_of(page, "main")  # not for them
    assert axe_violations(page) == []
    shoot_both_widths(page, "budget-en")
    page.goto(f"{server}/budget?lang=ar")
    page.wait_for_selector("#budget-summary")
    summary = text_of(page, "#budget-summary")
    assert "ميزانية البرنامج" in summary and "170,000,000.000 ر.ع." in summary
    assert axe_violations(page) == []
    shoot_both_widths(page, "budget-ar")
    assert violations(page, console) == []  # the Content Security Policy refused nothing
    page.context.close()


def upload(page, name: str, text: str) -> None:
    """Choose a CSV sheet in the page's upload and import it."""
    sheet = {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    page.set_input_files("#budget-upload input[type=file]", sheet)
    expect(page.locator("#budget-file-name")).to_contain_text(name)
    page.click("#budget-import")


def test_the_office_sets_and_imports_allocations(browser, server):
    page = signed_in(browser, server, "supervisor")
    console = watch(page)
    page.goto(f"{server}/admin/budget?lang=en&year=2024")
    page.wait_for_selector("#budget-lines table")
    page.fill("#budget-target", "T4")
    page.fill("#budget-entity", "MOH")
    page.fill("#budget-year", "2024")
    page.fill("#budget-amount", "1,234.5678")
    page.click("#budget-set")
    refusal = page.wait_for_selector("#budget-set-result [role=status]")
    assert "At most three decimals" in refusal.inner_text()
    page.fill("#budget-amount", "1,234.5")
    page.fill("#budget-reason", "pilot")
    page.click("#budget-set")
    page.wait_for_selector("#budget-set-result :text('is now')")
    done = text_of(page, "#budget-set-result")
    assert "The allocation of line MOH-T4-2024 is now OMR 1,234.500." in done
    page.wait_for_selector("#budget-lines-table :text('MOH-T4-2024')")
    bad = 'track,entity,year,allocated_omr\nT4,MOF,2025,"12,000"\nT4,,2031,5\n'
    upload(page, "bad.csv", bad)
    page.wait_for_selector("#budget-problems")
    problems = text_of(page, "#budget-problems")
    assert "Row 3, column year" in problems and "2031" in problems
    upload(page, "allocations.csv", 'track,entity,year,allocated_omr\nT4,MOF,2025,"12,000"\n')
    page.wait_for_selector("#budget-imported")
    assert "MOF-T4-2025" in text_of(page, "#budget-imported")
    assert "OMR 12,000.000" in text_of(page, "#budget-imported")
    assert axe_violations(page) == []
    shoot_both_widths(page, "admin-budget-en")
    page.goto(f"{server}/admin/budget?lang=ar&year=2024")
    page.wait_for_selector("#budget-lines table")
    page.fill("#budget-target", "T9")
    page.fill("#budget-year", "2024")
    page.fill("#budget-amount", "٥")
    page.click("#budget-set")
    refusal = page.wait_for_selector("#budget-set-result [role=status]")
    assert "ليس مساراً ولا مبادرة" in refusal.inner_text()
    assert axe_violations(page) == []
    shoot_both_widths(page, "admin-budget-ar")
    assert violations(page, console) == []
    page.context.close()
