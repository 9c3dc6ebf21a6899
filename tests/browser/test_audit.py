"""The audit page in the browser: sentences, a filter chosen by its human name, the export of
what is shown, and axe-core in English and Arabic."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_audit_page_is_accessible_and_reads_as_sentences(sign_in, live_server, lang):
    page = sign_in("supervisor", lang)
    page.goto(f"{live_server}/audit")
    page.wait_for_selector("#audit-table tbody tr")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    table = page.inner_text("#audit-table")
    assert "{" not in table
    assert ("اعتمد" if lang == "ar" else "approved by") in table
    assert axe_violations(page) == []


def test_filter_by_human_name_then_export_what_is_shown(sign_in, live_server):
    page = sign_in("supervisor")
    page.goto(f"{live_server}/audit")
    page.wait_for_selector("#audit-table tbody tr")
    before = page.locator("#audit-table tbody tr").count()
    page.select_option("#audit-action", label="Submission returned")
    page.click("#audit-form button[type=submit]")
    page.wait_for_url("**/audit?*action=submission.return*")
    page.wait_for_selector("#audit-table tbody tr")
    rows = page.locator("#audit-table tbody tr").all_inner_texts()
    assert 0 < len(rows) < before
    assert all("returned to the entity by" in row for row in rows)
    with page.expect_download() as download:
        page.click("#audit-csv")
    data = Path(download.value.path()).read_bytes()
    assert data.startswith("\ufeff".encode())
    lines = data.decode("utf-8-sig").strip().splitlines()
    assert len(lines) - 1 == len(rows)  # the same events as the page (fewer than 300 here)
    assert all(",submission.return," in line for line in lines[1:])
