"""Restating a target in the browser. The office restates T1.5's target from 2025-Q1 on
/admin/kpis and sees both definitions at once; the KPI page shows them, and rates 2024-Q4 by the
old target and 2025-Q1 by the new one. A refusal says what to change in the user's language.
axe-core finds nothing on /admin/kpis in English or Arabic; screenshots at 1440 and 390 px go to
/tmp/admin-kpis/. A server of its own, so that the restatement moves no other browser test's
statuses."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from data.db import Store
from services.demo import seed_demo
from settings import Settings
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/admin-kpis")
WIDTHS = {"wide": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
REASON = "Cabinet decision 7/2025: the 2025 target is 70%"


@pytest.fixture(scope="module")
def server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("admin-kpis")
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


def signed_in(browser, server, role: str, lang: str = "en", viewport=None):
    context = browser.new_context(viewport=viewport or WIDTHS["wide"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server}/login?lang={lang}")
    page.fill("#email", ROLE_USERS[role][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")
    return page


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def open_kpi(page, server, code: str) -> None:
    """Choose the KPI in the form, as a user would."""
    page.goto(f"{server}/admin/kpis")
    page.wait_for_selector("#admin-kpis-table")
    page.select_option("#admin-kpis-choose", label=page_label(page, code))
    page.click("#admin-kpis-form button[type=submit]")
    page.wait_for_selector(f"#admin-kpis-heading:has-text('{code}')")


def page_label(page, code: str) -> str:
    return page.locator(f"#admin-kpis-choose option:has-text('{code} ·')").first.inner_text()


def choose_quarter(page, quarter: str) -> None:
    page.click("#admin-kpis-from")
    page.keyboard.type(quarter)
    page.keyboard.press("Enter")


def national_status(page, server, period: str) -> str:
    """The national figure's facts up to the forecast: figure, path, status, progress (the
    forecast is judged against the target in force at the target period, whatever the as-of)."""
    page.goto(f"{server}/kpi/T1.5?period={period}")
    page.wait_for_selector("#kpi-content .facts")
    return page.locator("#kpi-content .facts").inner_text().split("Forecast")[0]


def test_restate_a_target_and_see_both_definitions_and_the_history_rated_by_each(browser, server):
    page = signed_in(browser, server, "supervisor")
    before_q4 = national_status(page, server, "2024-Q4")
    before_q1 = national_status(page, server, "2025-Q1")
    assert "Off track" in before_q4 and "Off track" in before_q1
    open_kpi(page, server, "T1.5")
    assert page.locator("#admin-kpis-table tbody tr").count() == 1
    # refused first: no reason; what was typed stays
    page.fill("#admin-kpis-target", "70%")
    choose_quarter(page, "2025-Q1")
    page.click("#admin-kpis-restate")
    page.wait_for_selector("#admin-kpis-result .alert-error")
    assert "Write why the definition is restated" in page.inner_text("#admin-kpis-result")
    assert page.input_value("#admin-kpis-target") == "70%"
    page.fill("#admin-kpis-reason", REASON)
    page.click("#admin-kpis-restate")
    page.wait_for_selector("#admin-kpis-result .alert-success")
    assert "version 2 applies from" in page.inner_text("#admin-kpis-result")
    rows = page.locator("#admin-kpis-table tbody tr").all_inner_texts()
    assert len(rows) == 2  # the list updated without reloading the page
    assert "At least 70.0%" in rows[0] and "2025-Q1" in rows[0] and REASON in rows[0]
    assert ROLE_USERS["supervisor"][0] in rows[0]
    assert "At least 80.0%" in rows[1] and "2021-Q1" in rows[1] and "2024-Q4" in rows[1]
    assert page.input_value("#admin-kpis-target") == ""
    shoot(page, "admin-kpis-restated-en-1440")

    after_q4 = national_status(page, server, "2024-Q4")
    assert after_q4 == before_q4  # rated by the old target: figure, path, status, progress
    assert "At least 80.0%" in page.inner_text("#kpi-restated")
    after_q1 = national_status(page, server, "2025-Q1")
    assert "On track" in after_q1 and after_q1 != before_q1
    assert "At least 70.0%" in page.inner_text("#kpi-restated")
    definitions = page.locator("#kpi-definitions tbody tr").all_inner_texts()
    assert len(definitions) == 2 and REASON in definitions[0]
    assert "Reference catalogue" in definitions[1]
    chart = page.locator("figure:has(#kpi-series)")
    chart.get_by_text("Show the data as a table").click()
    table = chart.locator("table")
    assert "Target in force" in table.inner_text()
    assert "At least 80.0%" in table.locator("tr:has-text('2024-Q4')").inner_text()
    assert "At least 70.0%" in table.locator("tr:has-text('2025-Q1')").inner_text()
    shoot(page, "kpi-restated-en-1440")
    page.context.close()


def test_a_refusal_is_in_arabic_for_an_arabic_reader(browser, server):
    page = signed_in(browser, server, "supervisor", lang="ar")
    open_kpi(page, server, "T2.1")
    page.fill("#admin-kpis-target", "ثمانون")
    choose_quarter(page, "2025-Q3")
    page.fill("#admin-kpis-reason", "سبب")
    page.click("#admin-kpis-restate")
    page.wait_for_selector("#admin-kpis-result .alert-error")
    message = page.inner_text("#admin-kpis-result")
    assert "المستهدف الجديد" in message and "ثمانون" in message
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("width", ["wide", "phone"])
def test_admin_kpis_is_accessible(browser, server, lang, width):
    page = signed_in(browser, server, "supervisor", lang=lang, viewport=WIDTHS[width])
    page.goto(f"{server}/admin/kpis")
    page.wait_for_selector("#admin-kpis-table")
    page.click("#admin-kpis-restate")  # an error notice on the page, too
    page.wait_for_selector("#admin-kpis-result .alert-error")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"admin-kpis-{lang}-{WIDTHS[width]['width']}")
    page.context.close()


def test_the_committee_cannot_open_it(browser, server):
    page = signed_in(browser, server, "committee")
    page.goto(f"{server}/admin/kpis")
    page.wait_for_selector("h1")
    assert page.locator("#admin-kpis-restate").count() == 0
    assert "You do not have access to this page" in page.inner_text("h1")
    page.context.close()
