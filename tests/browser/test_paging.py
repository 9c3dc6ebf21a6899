"""Long lists a page at a time in the browser (issue 17): on a store with more entities than a
page holds, the completeness matrix and the KPI page's table page and search with the keyboard,
say where they are to screen readers, and axe-core finds nothing, in English and Arabic."""

from __future__ import annotations

import pytest

from data.db import Store
from services.demo import seed_demo
from tests.browser.conftest import axe_violations, serve
from tests.conftest import PASSWORD, ROLE_USERS

SCALE = 2  # 56 entities: two pages of 50
ENTITIES = 28 * SCALE
STATUS = "#completeness-matrix-status"


@pytest.fixture(scope="module")
def many_server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db, scale=SCALE)
    store.engine.dispose()
    yield from serve(url, tmp_path_factory.mktemp("many"))


def signed_in(page, server: str, lang: str):
    page.goto(f"{server}/login?lang={lang}")
    page.fill("#email", ROLE_USERS["supervisor"][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")
    return page


def entity_names(page, body: str) -> list[str]:
    return page.locator(f"{body} tbody th").all_inner_texts()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_completeness_matrix_pages_and_searches_with_the_keyboard(page, many_server, lang):
    signed_in(page, many_server, lang)
    page.goto(f"{many_server}/completeness?period=2025-Q3")
    page.wait_for_selector(STATUS)
    page.wait_for_load_state("networkidle")
    assert page.get_attribute(STATUS, "aria-live") == "polite"
    assert page.inner_text(STATUS).split()[1] == "1–50"  # "Rows 1–50 …" / "الصفوف 1–50 …"
    first = entity_names(page, "#completeness-matrix-body")
    assert len(first) == 51  # a page of entities and the totals of all
    assert axe_violations(page) == []

    page.focus("#completeness-matrix-next")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{STATUS}:has-text('51–{ENTITIES}')")
    second = entity_names(page, "#completeness-matrix-body")
    assert len(second) == ENTITIES - 50 + 1 and second[-1] == first[-1]
    # the keyboard stays where it was; Next now leads nowhere and says so
    assert page.evaluate("document.activeElement.id") == "completeness-matrix-next"
    assert page.get_attribute("#completeness-matrix-next", "aria-disabled") == "true"
    page.keyboard.press("Enter")  # pressed anyway: nothing moves
    page.wait_for_load_state("networkidle")
    assert entity_names(page, "#completeness-matrix-body") == second

    page.focus("#completeness-matrix-query")
    page.keyboard.type("moh-2")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{STATUS}:has-text('{ENTITIES}')")
    page.wait_for_function(
        "() => document.querySelectorAll('#completeness-matrix-body tbody tr').length === 2"
    )
    (found, _totals) = entity_names(page, "#completeness-matrix-body")
    assert found in ("Ministry of Health (demo copy 2)", "وزارة الصحة (نسخة تجريبية 2)")

    page.fill("#completeness-matrix-query", "")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{STATUS}:has-text('1–50 ')")  # every entity again
    gaps = page.locator(".pager-choice").nth(1)
    gaps.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".pager-choice[aria-pressed='true']:nth-child(2)")
    assert page.inner_text(STATUS).split()[1].startswith("1–")
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_kpi_page_draws_both_ends_and_pages_every_entity(page, many_server, lang):
    signed_in(page, many_server, lang)
    page.goto(f"{many_server}/kpi/T1.5?period=2025-Q3")
    page.wait_for_selector("#kpi-ranked .main-svg")
    page.wait_for_selector("#kpi-entities-status")
    page.wait_for_load_state("networkidle")
    assert page.locator("#kpi-ranked .bars .point").count() == 20
    assert len(entity_names(page, "#kpi-entities-body")) == 50
    assert axe_violations(page) == []
    page.click("#kpi-entities-next")
    page.wait_for_selector(f"#kpi-entities-status:has-text('51–{ENTITIES}')")
    assert len(entity_names(page, "#kpi-entities-body")) == ENTITIES - 50
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_overview_grid_pages_with_the_keyboard_on_the_button_pressed(page, many_server, lang):
    signed_in(page, many_server, lang)
    page.goto(f"{many_server}/?period=2025-Q3")
    status = "#overview-grid-steps-status"
    page.wait_for_selector(f"{status}:has-text('1–50')")
    page.wait_for_load_state("networkidle")
    assert len(entity_names(page, "#overview-grid")) == 50
    assert axe_violations(page) == []
    following = page.locator("#overview-grid-steps .pager-step").nth(1)
    following.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{status}:has-text('51–{ENTITIES}')")
    assert len(entity_names(page, "#overview-grid")) == ENTITIES - 50
    # the steps are outside the redrawn table: the keyboard is still on Next, which now says so
    assert page.evaluate("document.activeElement.getAttribute('aria-disabled')") == "true"
    assert page.evaluate("document.activeElement.classList.contains('pager-step')")
    assert axe_violations(page) == []
