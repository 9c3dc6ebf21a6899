"""Pages that stay true (issue 15): after approve, return, lock, unlock and submit, everything on
the page that depends on it changes at once, without a reload: the count waiting, the queue, the
submission's status and buttons, the quarter's state and buttons, the upload card, the history.
Each check reads the value before the action and after it."""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import pytest
from openpyxl import load_workbook
from werkzeug.serving import make_server

from app import create_app
from data.db import Store
from services.demo import seed_demo
from settings import Settings
from tests.browser.conftest import axe_violations

pytestmark = pytest.mark.browser
PERIOD = "2025-Q2"


@pytest.fixture(scope="module")
def live_server(sqlite_databases, tmp_path_factory):
    """A server of this module's own: these tests change the queue and the locks."""
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("stay-true")
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
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def waiting(page) -> int:
    text = page.inner_text("#review-waiting")
    found = re.search(r"\d+", text)
    return int(found[0]) if found else 0


def open_first_in_queue(page, live_server) -> str:
    """Open the first submission waiting; its link text (entity and quarter)."""
    page.goto(f"{live_server}/review")
    link = page.locator("#review-queue a").first
    name = link.inner_text()
    link.click()
    page.wait_for_selector("#review-approve:not([disabled])")
    return name


def queue_links(page) -> list[str]:
    return page.locator("#review-queue a").all_inner_texts()


def settled(page, before: int) -> None:
    """Wait until the count waiting is no longer `before` (the page redrew itself)."""
    page.wait_for_function(
        "(n) => !document.querySelector('#review-waiting')"
        " || (document.querySelector('#review-waiting').innerText.match(/\\d+/) || ['0'])[0]"
        " != String(n)",
        arg=before,
    )


def test_approving_takes_the_submission_out_of_the_queue_at_once(sign_in, live_server):
    page = sign_in("supervisor")
    name = open_first_in_queue(page, live_server)
    before, url = waiting(page), page.url
    assert name in queue_links(page)
    assert "Submitted, awaiting review" in page.inner_text("#review-status")
    assert page.is_enabled("#review-return")

    page.click("#review-approve")
    page.wait_for_selector("#review-result [role=status]")
    settled(page, before)
    assert page.url == url  # no reload, no navigation
    assert waiting(page) == before - 1
    assert name not in queue_links(page)
    assert "Approved" in page.inner_text("#review-status")
    assert page.is_disabled("#review-approve") and page.is_disabled("#review-return")
    assert page.is_disabled("#review-reason")
    assert "nothing is left to do" in page.inner_text("#review-decision")


def test_returning_needs_a_reason_then_updates_the_queue(sign_in, live_server):
    page = sign_in("supervisor")
    name = open_first_in_queue(page, live_server)
    before = waiting(page)

    page.click("#review-return")  # no reason: refused, nothing changes
    page.wait_for_selector("#review-result .alert-error")
    assert waiting(page) == before and name in queue_links(page)
    assert page.is_enabled("#review-approve")

    page.fill("#review-reason", "Please add the evidence link for T1.5.")
    page.click("#review-return")
    page.wait_for_selector("#review-result .alert-success")
    settled(page, before)
    assert waiting(page) == before - 1
    assert name not in queue_links(page)
    assert "Returned" in page.inner_text("#review-status")
    assert page.is_disabled("#review-approve") and page.is_disabled("#review-return")


def lock_state(page) -> tuple[str, bool, bool, str]:
    option = page.locator(f"#review-period option[value='{PERIOD}']").inner_text()
    return (
        page.inner_text("#review-lock-state"),
        page.is_enabled("#review-lock"),
        page.is_enabled("#review-unlock"),
        option,
    )


def test_locking_and_unlocking_change_the_state_and_the_buttons(sign_in, live_server):
    page = sign_in("supervisor")
    page.goto(f"{live_server}/review?period={PERIOD}")
    state, may_lock, may_unlock, option = lock_state(page)
    assert "is open" in state and may_lock and not may_unlock and option.endswith("open")

    page.click("#review-lock")
    page.wait_for_selector("#review-lock-result [role=status]")
    page.wait_for_selector("#review-lock-state:has-text('is locked')")
    state, may_lock, may_unlock, option = lock_state(page)
    assert not may_lock and may_unlock and option.endswith("locked")

    page.fill("#review-lock-reason", "A late correction from MOH.")
    page.click("#review-unlock")
    page.wait_for_selector("#review-lock-result:has-text('unlocked')")
    page.wait_for_selector("#review-lock-state:has-text('is open')")
    state, may_lock, may_unlock, option = lock_state(page)
    assert may_lock and not may_unlock and option.endswith("open")


def test_locking_the_quarter_being_published_changes_its_publishing_state(sign_in, live_server):
    page = sign_in("supervisor")
    page.goto(f"{live_server}/review")
    quarter = page.input_value("#review-publish-period")
    page.goto(f"{live_server}/review?period={quarter}&publish={quarter}")
    before = page.inner_text("#review-publish-state")
    assert "open" in before
    page.click("#review-lock")
    page.wait_for_selector("#review-publish-state:has-text('locked')")
    assert page.inner_text("#review-publish-state") != before
    page.fill("#review-lock-reason", "Locked by a test: open again.")
    page.click("#review-unlock")
    page.wait_for_selector("#review-publish-state:has-text('open')")


def test_a_locked_quarter_is_not_reviewed_and_the_page_says_why(sign_in, live_server):
    page = sign_in("supervisor")
    open_first_in_queue(page, live_server)
    submission = page.url
    quarter = re.search(r"20\d\d-Q\d", page.inner_text("h2:has-text('revision')"))[0]
    page.goto(f"{live_server}/review?period={quarter}")
    page.click("#review-lock")
    page.wait_for_selector("#review-lock-state:has-text('is locked')")
    page.goto(submission)
    before = waiting(page)
    page.click("#review-approve")
    page.wait_for_selector("#review-result .alert-error:has-text('quarter is locked')")
    assert waiting(page) == before and page.is_enabled("#review-approve")
    page.goto(f"{live_server}/review?period={quarter}")
    page.fill("#review-lock-reason", "Locked by a test: open again.")
    page.click("#review-unlock")
    page.wait_for_selector("#review-lock-state:has-text('is open')")


def fill(template: bytes, value: object) -> bytes:
    workbook = load_workbook(io.BytesIO(template))
    for row in workbook["Data"].iter_rows(min_row=2):
        if row[0].value == "T1.5":
            row[6].value = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_submitting_changes_the_upload_card_and_the_history(sign_in, live_server):
    page = sign_in("entity")
    page.goto(f"{live_server}/submissions?period={PERIOD}")
    with page.expect_download() as download:
        page.click("#submissions-template")
    template = Path(download.value.path()).read_bytes()
    page.set_input_files(
        "#submissions-upload input[type=file]",
        files=[
            {
                "name": "moh-true.xlsx",
                "mimeType": "application/octet-stream",
                "buffer": fill(template, "45%"),
            }
        ],
    )
    page.wait_for_selector("#submissions-report [role=status]:has-text('moh-true.xlsx')")
    card = page.inner_text("#submissions-report")
    assert "Checked, not yet submitted" in card
    history = page.inner_text("#submissions-history")
    assert "moh-true.xlsx" not in history  # checked is not submitted: not in the history yet
    assert page.is_enabled("#submissions-submit")

    page.click("#submissions-submit")
    page.wait_for_selector("#submissions-result .alert-success")
    page.wait_for_selector("#submissions-report:has-text('Submitted, awaiting review')")
    card = page.inner_text("#submissions-report")
    assert "Checked, not yet submitted" not in card and "moh-true.xlsx" in card
    row = page.locator("#submissions-history tbody tr", has_text="moh-true.xlsx").inner_text()
    assert "Submitted, awaiting review" in row
    assert page.inner_text("#submissions-history") != history
    assert page.is_disabled("#submissions-submit")
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_review_page_after_a_decision_is_accessible(sign_in, live_server, lang):
    page = sign_in("supervisor", lang)
    page.goto(f"{live_server}/review")
    page.locator("#review-queue a").first.click()
    page.wait_for_selector("#review-approve:not([disabled])")
    page.click("#review-approve")
    page.wait_for_selector("#review-approve[disabled]")
    assert axe_violations(page) == []


def _check_and_submit(page, value: str, name: str) -> None:
    """On the Submissions page as it is: template, fill, upload, check, submit."""
    with page.expect_download() as download:
        page.click("#submissions-template")
    template = Path(download.value.path()).read_bytes()
    page.set_input_files(
        "#submissions-upload input[type=file]",
        files=[
            {"name": name, "mimeType": "application/octet-stream", "buffer": fill(template, value)}
        ],
    )
    page.wait_for_selector(f"#submissions-report [role=status]:has-text('{name}')")
    page.click("#submissions-submit")
    page.wait_for_selector("#submissions-result .alert-success")


def test_answering_a_returned_file_clears_its_notice_at_once(sign_in, live_server):
    """The clerk's notice says the file came back and why; once a new file is submitted for
    that quarter, the notice goes without a reload."""
    reason = "Attach the evidence link for T1.5, please."
    page = sign_in("entity")
    page.goto(f"{live_server}/submissions?period=2025-Q1")
    _check_and_submit(page, "46%", "moh-first.xlsx")
    page.context.clear_cookies()
    page = sign_in("supervisor")
    page.goto(f"{live_server}/review")
    page.locator("#review-queue a", has_text="2025-Q1").filter(has_text="MOH").first.click()
    page.fill("#review-reason", reason)
    page.click("#review-return")
    page.wait_for_selector("#review-result .alert-success")
    page.context.clear_cookies()
    page = sign_in("entity")
    page.goto(f"{live_server}/submissions?period=2025-Q1")
    page.wait_for_selector("#submissions-notices")
    assert reason in page.inner_text("#submissions-notices")
    page.evaluate("window.__notReloaded = true")
    _check_and_submit(page, "47%", "moh-again.xlsx")
    page.wait_for_function(
        "(r) => !document.querySelector('#submissions-notices').innerText.includes(r)", arg=reason
    )
    assert reason not in page.inner_text("#submissions-notices")
    assert page.evaluate("window.__notReloaded === true")  # the same page, redrawn
