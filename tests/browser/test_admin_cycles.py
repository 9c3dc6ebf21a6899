"""Programme cycles `/admin/cycles` in Chromium: an admin uploads the sample 2026-2030
catalogue, sees a bad file's problems by row and column, confirms the good one, sees the cycle
listed at once, and opens the overview as of 2026-Q1; axe-core finds nothing in either language.
The server is this module's own (a fresh demo store), so the import touches no other test."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from settings import Settings
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue_2026_2030.csv"


@pytest.fixture(scope="module")
def cycles_server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("demo")
    folder = tmp_path_factory.mktemp("cycles")
    app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
            login_attempts="100 per minute",
        )
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.server.extensions["store"].engine.dispose()


def _sign_in(page, base: str, role: str, lang: str):
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#email", ROLE_USERS[role][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")
    return page


def _open(page, base: str, lang: str):
    page.goto(f"{base}/admin/cycles?lang={lang}")
    page.wait_for_selector("#cycles-list table")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_cycles_page_is_accessible_with_a_bad_file_and_a_preview(page, cycles_server, lang):
    _open(_sign_in(page, cycles_server, "admin", lang), cycles_server, lang)
    assert axe_violations(page) == []
    bad = SAMPLE.read_text(encoding="utf-8").replace(",percent,", ",percentage,", 1)
    page.fill("#cycles-code", "2026-2030")
    page.set_input_files(
        "#cycles-upload input[type=file]",
        {"name": "bad.csv", "mimeType": "text/csv", "buffer": bad.encode()},
    )
    page.click("#cycles-check")
    shown = page.wait_for_selector("#cycles-problems").inner_text()
    problems = shown.replace("\u2066", "").replace("\u2069", "")  # codes isolated from Arabic
    expected = "الصف 3، العمود unit" if lang == "ar" else "Row 3, column unit"
    assert expected in problems and "percentage" in problems
    assert page.is_disabled("#cycles-confirm")
    assert axe_violations(page) == []
    page.set_input_files("#cycles-upload input[type=file]", str(SAMPLE))
    page.click("#cycles-check")
    page.wait_for_selector("#cycles-preview-table")
    assert page.locator("#cycles-preview-table tbody tr").count() == 8
    assert page.is_enabled("#cycles-confirm")
    assert axe_violations(page) == []
    assert "2026-2030" not in page.inner_text("#cycles-list")  # nothing written yet


def test_an_admin_imports_the_next_cycle_and_opens_its_first_quarter(page, cycles_server):
    _open(_sign_in(page, cycles_server, "admin", "en"), cycles_server, "en")
    page.fill("#cycles-code", "2026-2030")
    page.set_input_files("#cycles-upload input[type=file]", str(SAMPLE))
    page.click("#cycles-check")
    page.wait_for_selector("#cycles-preview-table")
    page.click("#cycles-confirm")
    page.wait_for_selector("#cycles-result .alert-success")
    first_row = page.locator("#cycles-list tbody tr").first.inner_text()
    assert "2026-2030" in first_row and "8" in first_row  # listed at once, the latest first
    assert page.is_disabled("#cycles-confirm")

    page.goto(f"{cycles_server}/?period=2026-Q1")
    page.wait_for_selector("#overview-content section")
    assert page.locator("#overview-content section.track tbody tr").count() == 8
    content = page.inner_text("main")
    assert "2026-Q1" in content

    page.goto(f"{cycles_server}/kpi/T2.7?period=2026-Q1")
    page.wait_for_selector("#kpi-earlier")
    assert "T2.2 in the cycle 2021-2025" in page.inner_text("#kpi-earlier")
