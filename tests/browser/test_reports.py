"""`/reports`, `/review`'s publish control and the public `/open-data` in headless Chromium, in
English and Arabic: the office publishes from /review, the quarter shows as locked, the edition
is listed with each file's SHA-256, and axe-core finds nothing on any of these pages."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from settings import Settings
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS


@pytest.fixture(scope="module")
def open_server(sqlite_databases, tmp_path_factory):
    """The demo with open data switched on, its editions kept in a folder of its own."""
    url = sqlite_databases.fresh("demo")
    folder = tmp_path_factory.mktemp("open")
    app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
            release_dir=folder / "releases",
            open_data_public=True,
            login_attempts="100 per minute",
        )
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.server.extensions["store"].engine.dispose()


def sign_in(page, base: str, role: str, lang: str):
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#email", ROLE_USERS[role][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")


def settled(page) -> None:
    page.wait_for_function("!document.querySelector('[data-dash-is-loading]')")
    page.wait_for_load_state("networkidle")


@pytest.fixture(scope="module")
def published(open_server, browser):
    """The office publishes 2025-Q4 on /review, in Arabic; then the quarter shows as locked."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)  # publishing renders both PDFs
    sign_in(page, open_server, "supervisor", "ar")
    page.goto(f"{open_server}/review?publish=2025-Q4")
    page.wait_for_selector("#review-publish")
    settled(page)
    before = page.inner_text("#review-publish-state")
    page.click("#review-publish")
    page.wait_for_selector("#review-publish-result .alert-success")
    outcome = (
        before,
        page.inner_text("#review-publish-result"),
        page.inner_text("#review-publish-state"),
    )
    context.close()
    return outcome


def test_the_office_publishes_from_review_and_the_quarter_shows_locked(published):
    before, result, state = published
    assert "لم يُنشر بعد" in before
    assert "الإصدار 1" in result and "مقفل" in state and "1" in state


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("role", ["committee", "supervisor"])
def test_reports_lists_the_edition_and_is_accessible(page, open_server, published, role, lang):
    sign_in(page, open_server, role, lang)
    page.goto(f"{open_server}/reports")
    page.wait_for_selector("#reports-editions table")
    settled(page)
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    rows = page.locator("#reports-editions tbody tr")
    assert rows.count() == 5
    assert axe_violations(page) == []
    if role == "committee" and lang == "en":
        for index in range(rows.count()):
            row = rows.nth(index)
            shown = row.locator("code").inner_text().strip()
            with page.expect_download() as download:
                row.locator("a").click()
            data = Path(download.value.path()).read_bytes()
            assert hashlib.sha256(data).hexdigest() == shown


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_review_with_its_publish_control_is_accessible(page, open_server, published, lang):
    sign_in(page, open_server, "supervisor", lang)
    page.goto(f"{open_server}/review?publish=2025-Q4")
    page.wait_for_selector("#review-publish")
    settled(page)
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_open_data_is_public_and_accessible(page, open_server, published, lang):
    page.goto(f"{open_server}/open-data?lang={lang}")
    page.wait_for_selector("table")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("tbody tr").count() == 3  # two reports and the open data package
    assert axe_violations(page) == []
