"""The quarterly loop in the browser: download, fill as a hurried clerk, read the errors, fix,
submit, return with a reason, resubmit, approve, lock; the audit page shows each step."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser
PERIOD = "2025-Q2"


def download_template(page) -> bytes:
    with page.expect_download() as download:
        page.click("#submissions-template")
    return open(download.value.path(), "rb").read()


def clerk_fill(template: bytes, t15: object) -> bytes:
    """Values the way they arrive: text with percent signs, Arabic digits, a stray note."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["Data"]
    for row in sheet.iter_rows(min_row=2):
        code = row[0].value
        if code == "T1.5":
            row[6].value = t15
        elif code == "T1.1":
            row[6].value = "٧٥٪"
        elif code == "T2.4":
            row[6].value = "نعم"
        elif code == "T4.1":
            row[4].value, row[5].value = "1,200", "1,500"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(page, data: bytes, name: str = "moh-q2.xlsx") -> str:
    page.set_input_files(
        "#submissions-upload input[type=file]",
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": data}],
    )
    page.wait_for_selector(f"#submissions-report [role=status]:has-text('{name}')")
    # the bytes went up through the page's script, whose progress bar reached the end
    assert page.get_attribute("#submissions-progress", "value") == "100"
    assert page.is_hidden("#submissions-progress")  # and made way for the report
    return page.inner_text("#submissions-report")


def test_entity_and_office_go_round_the_loop(sign_in, live_server, browser):
    page = sign_in("entity")
    page.goto(f"{live_server}/submissions?period={PERIOD}")
    template = download_template(page)
    assert load_workbook(io.BytesIO(template))["About"]["B1"].value == "MOH"

    report = upload(page, clerk_fill(template, "about half"))
    assert "Nothing was loaded" in report
    assert "the value must be a number; you wrote 'about half'" in report
    assert page.is_disabled("#submissions-submit")
    assert re.search(r"Refused\s+moh-q2\.xlsx", page.inner_text("#submissions-history"))
    assert axe_violations(page) == []

    fixed = clerk_fill(template, "45%")
    report = upload(page, fixed, name="moh-q2-fixed.xlsx")
    assert "figures are ready" in report
    page.click("#submissions-submit")
    page.wait_for_selector("#submissions-result [role=status]")
    assert "Submitted, awaiting review" in page.inner_text("#submissions-history")

    office = browser.new_context().new_page()
    office.goto(f"{live_server}/login")
    office.fill("#email", "supervisor@test.om")
    office.fill("#password", "correct-horse-battery")
    office.click("button[type=submit]")
    office.wait_for_selector("#overview-content section")
    office.goto(f"{live_server}/review")
    office.get_by_role("link", name=re.compile(rf"Review MOH\W+{PERIOD}")).click()
    office.wait_for_selector("#review-approve")
    assert "45.0%" in office.inner_text("main")  # one decimal for percent everywhere
    with office.expect_download() as download:  # the reviewer opens the file as it was sent
        office.click("#review-provenance a:has-text('moh-q2-fixed.xlsx')")
    assert Path(download.value.path()).read_bytes() == fixed
    office.fill("#review-reason", "Please add the evidence link for T1.5.")
    office.click("#review-return")
    office.wait_for_selector("#review-result [role=status]")
    assert "Returned to the entity" in office.inner_text("#review-result")

    page.goto(f"{live_server}/submissions?period={PERIOD}")
    assert "Please add the evidence link for T1.5." in page.inner_text("#submissions-history")
    upload(page, clerk_fill(template, "46%"), name="moh-q2-v2.xlsx")
    page.click("#submissions-submit")
    page.wait_for_selector("#submissions-result [role=status]")

    office.goto(f"{live_server}/review")
    office.get_by_role("link", name=re.compile(rf"Review MOH\W+{PERIOD}")).click()
    office.click("#review-approve")
    office.wait_for_selector("#review-result [role=status]")
    assert "Approved" in office.inner_text("#review-result")
    office.goto(f"{live_server}/review?period={PERIOD}")
    office.click("#review-lock")
    office.wait_for_selector("#review-lock-result [role=status]")
    assert f"\u2066{PERIOD}\u2069 locked" in office.inner_text("#review-lock-result")

    office.goto(f"{live_server}/audit?entity=MOH")
    audit = office.inner_text("#audit-table")
    for action in (
        "upload.refused",
        "upload.checked",
        "submission.submit",
        "submission.return",
        "submission.approve",
    ):
        assert action in audit
    office.goto(f"{live_server}/audit?action=period.lock")
    assert PERIOD in office.inner_text("#audit-table")
    assert axe_violations(office) == []

    page.goto(f"{live_server}/submissions?period={PERIOD}")
    report = upload(page, clerk_fill(template, "47%"), name="late.xlsx")
    assert f"{PERIOD} is locked" in report


@pytest.mark.parametrize("path", ["/submissions", "/review", "/audit"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_office_pages_are_accessible(sign_in, live_server, path, lang):
    page = sign_in("supervisor", lang)
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("h1")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == []
