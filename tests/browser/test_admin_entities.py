"""Entities in the browser, as the admin: add one from 2025-Q3, see it in the table at once, and on
/completeness see no quarter before 2025-Q3 counted missing for it; a refusal says what to change;
axe-core finds nothing on /admin/entities in either language. The page runs on a server of its
own: adding an entity changes the counts other browser tests read."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from app import create_app
from data.db import Store
from services.demo import seed_demo
from settings import Settings
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS

pytestmark = pytest.mark.browser
PATH = "/admin/entities"
NAME = "Ministry of Browser Tests"


@pytest.fixture(scope="module")
def server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("entities")
    app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
            login_attempts="100 per minute",
        )
    )
    running = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{running.server_port}"
    running.shutdown()


@pytest.fixture
def admin_page(page, server):
    def go(lang: str = "en"):
        page.goto(f"{server}/login?lang={lang}")
        page.fill("#email", ROLE_USERS["admin"][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#overview-content section")
        page.goto(f"{server}{PATH}")
        page.wait_for_selector("#admin-entities-table")
        return page

    return go


def add(page, code: str, first: str, outcome: str) -> str:
    page.fill("#admin-entities-code", code)
    page.fill("#admin-entities-name-en", NAME)
    page.fill("#admin-entities-name-ar", "وزارة اختبارات المتصفح")
    page.fill("#admin-entities-first", first)
    page.click("#admin-entities-add")
    page.wait_for_selector(f"#admin-entities-added .alert-{outcome}")
    return page.inner_text("#admin-entities-added")


def test_an_entity_added_from_2025_q3_is_counted_missing_in_no_earlier_quarter(admin_page, server):
    page = admin_page()
    assert "MOBT" not in page.inner_text("#admin-entities-table")
    refused = add(page, "x", "2025-Q3", "error")
    assert "Code: write 2 to 20 capital letters" in refused
    assert "MOBT" not in page.inner_text("#admin-entities-table")  # nothing was added

    done = add(page, "mobt", "2025-Q3", "success")
    assert "MOBT added: expected from" in done and "2025-Q3" in done
    row = page.locator("#admin-entities-table tr", has=page.locator("th", has_text="MOBT"))
    cells = row.inner_text()  # in the table at once, without reloading the page
    assert NAME in cells and "2025-Q3" in cells and "Active" in cells
    assert "15" in cells.split()  # every entity KPI of the cycle
    assert "29 entities" in page.inner_text("#admin-entities-table caption")

    page.goto(f"{server}/completeness?period=2025-Q4")
    page.wait_for_selector("#completeness-content table")
    header = page.locator("#completeness-content table").first.locator("thead th").all_inner_texts()
    quarters = [h.strip("\u2066\u2069") for h in header[1:9]]
    assert quarters[0] == "2024-Q1" and quarters[-1] == "2025-Q4"
    row = page.locator("#completeness-content tr", has=page.locator("th", has_text=NAME))
    states = row.locator("td").all_inner_texts()[:8]
    for quarter, state in zip(quarters, states, strict=True):
        if quarter < "2025-Q3":
            assert "Not expected" in state, quarter
        else:
            assert "Missing" in state, quarter  # expected from 2025-Q3: nothing came
    overdue = page.locator("section", has=page.locator("h2", has_text="Overdue"))
    late = [line for line in overdue.inner_text().splitlines() if NAME in line]
    assert len(late) == 2 and all("2025-Q3" in x or "2025-Q4" in x for x in late)


def test_deactivating_and_reactivating_update_the_page_at_once(admin_page, server):
    page = admin_page()
    page.goto(f"{server}{PATH}?entity=TB")
    page.wait_for_selector("#admin-entities-table")
    row = page.locator("#admin-entities-table tr", has=page.locator("th", has_text="TB"))
    assert page.is_visible("#admin-entities-off") and page.is_hidden("#admin-entities-on")
    page.fill("#admin-entities-until", "2025-Q4")
    page.click("#admin-entities-off")
    page.wait_for_selector("#admin-entities-result .alert-success")
    assert "TB deactivated." in page.inner_text("#admin-entities-result")
    assert "Deactivated from" in row.inner_text() and "2025-Q4" in row.inner_text()
    assert "deactivated from" in page.inner_text("#admin-entities-status")
    assert page.is_hidden("#admin-entities-off") and page.is_visible("#admin-entities-on")
    page.click("#admin-entities-on")
    page.wait_for_selector("#admin-entities-result:has-text('TB reactivated.')")
    assert "Active" in row.inner_text()
    assert page.is_visible("#admin-entities-off") and page.is_hidden("#admin-entities-on")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_entities_page_is_accessible(admin_page, lang):
    page = admin_page(lang)
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == []
    page.fill("#admin-entities-first", "2031-Q9")
    page.click("#admin-entities-add")
    page.wait_for_selector("#admin-entities-added .alert-error")
    assert axe_violations(page) == []  # with a refusal shown too
