"""Deadlines and notices in the browser. The office sets a quarter's deadline on
/admin/deadlines and sees it at once; a clerk whose file came back finds the office's reason on
arrival. axe-core finds nothing on either page in English or Arabic; screenshots at 1440 and
390 px go to /tmp/deadlines/. A server of its own (demo data plus a returned MOH file), so that
the deadline changed here moves no other browser test's counts."""

from __future__ import annotations

import threading
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from werkzeug.serving import make_server

from app import create_app
from data.db import Store
from data.models import Entity, Period, Submission
from services import reminders
from services.demo import seed_demo
from settings import Settings
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS, SmtpSink

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/deadlines")
REASON = "T1.5: the denominator is missing; send the corrected figure"
WIDTHS = {"wide": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


def return_moh_file(store: Store) -> None:
    """MOH's 2025-Q4 file, returned by the office with a reason (a new current revision)."""
    with store.transaction() as db:
        moh = db.scalar(select(Entity.id).where(Entity.code == "MOH"))
        q4 = db.scalar(select(Period.id).where(Period.code == "2025-Q4"))
        earlier = db.scalar(
            select(Submission).where(
                Submission.entity_id == moh, Submission.period_id == q4, Submission.is_current
            )
        )
        db.execute(update(Submission).where(Submission.id == earlier.id).values(is_current=False))
        db.flush()
        db.add(
            Submission(
                entity_id=moh,
                period_id=q4,
                revision=earlier.revision + 1,
                status="returned",
                is_current=True,
                submitted_at=datetime(2026, 1, 20, 9),
                reviewed_at=datetime(2026, 1, 25, 11),
                review_reason=REASON,
                supersedes_id=earlier.id,
                is_demo=True,
            )
        )


def send_reminders(store: Store) -> None:
    """MOH's clerk reminded before 2025-Q4's deadline (2026-01-30), the office told it is late."""
    sink = SmtpSink().start()
    try:
        for day in (date(2026, 1, 25), date(2026, 2, 13)):
            reminders.run(
                store,
                day,
                smtp_url=sink.url,
                sender="tracker@test.om",
                public_url="http://127.0.0.1",
                say=lambda _line: None,
            )
    finally:
        sink.stop()


@pytest.fixture(scope="module")
def server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
    return_moh_file(store)
    send_reminders(store)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("deadlines")
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


def signed_in(browser, server, role: str, viewport=None):
    context = browser.new_context(viewport=viewport or WIDTHS["wide"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{server}/login")
    page.fill("#email", ROLE_USERS[role][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")
    return page


def shoot(page, name: str, whole: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=whole)


def text_of(page, selector: str) -> str:
    """The text shown, without the invisible marks that keep codes and dates left to right."""
    return page.inner_text(selector).replace("\u2066", "").replace("\u2069", "")


def choose_quarter(page, code: str) -> None:
    page.click("#deadlines-quarter")
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_the_office_sets_a_deadline_and_sees_it_at_once(browser, server):
    page = signed_in(browser, server, "supervisor")
    page.goto(f"{server}/admin/deadlines")
    page.wait_for_selector("#deadlines-quarters table")
    assert "2025-10-30" in text_of(page, "#deadlines-quarters")  # 2025-Q3 by default
    log = text_of(page, "#deadlines-log")
    assert "Before the deadline" in log and "moh@test.om" in log and "2025-Q4" in log
    assert "Escalation to the office" in log and "supervisor@test.om" in log
    choose_quarter(page, "2025-Q3")
    page.fill("#deadlines-day", "30/11/2025")
    page.fill("#deadlines-reason", "Eid holidays")
    page.click("#deadlines-set")
    refusal = page.wait_for_selector("#deadlines-result [role=status]")
    assert "year-month-day" in refusal.inner_text() and "30/11/2025" in text_of(
        page, "#deadlines-result"
    )
    page.fill("#deadlines-day", "2025-11-30")
    page.click("#deadlines-set")
    page.wait_for_selector("#deadlines-result :text('is now')")
    assert "The deadline of 2025-Q3 is now 2025-11-30." in text_of(page, "#deadlines-result")
    row = text_of(page, "#deadlines-quarters tr:has-text('2025-Q3')")
    assert "2025-11-30" in row and "Eid holidays" in row and "2025-10-30" in row  # and default
    page.reload()
    page.wait_for_selector("#deadlines-quarters table")
    row = text_of(page, "#deadlines-quarters tr:has-text('2025-Q3')")
    assert "2025-11-30" in row  # kept
    assert axe_violations(page) == []
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        shoot(page, f"admin-deadlines-en-{size}")
    page.goto(f"{server}/admin/deadlines?lang=ar")
    page.wait_for_selector("#deadlines-quarters table")
    assert "حدده المكتب" in text_of(page, "#deadlines-quarters")  # "set by the office"
    assert axe_violations(page) == []
    for size, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        shoot(page, f"admin-deadlines-ar-{size}")
    page.goto(f"{server}/admin/deadlines?lang=en")
    page.wait_for_selector("#deadlines-quarters table")
    choose_quarter(page, "2025-Q3")
    page.fill("#deadlines-reason", "Holidays cancelled")
    page.click("#deadlines-clear")
    page.wait_for_selector("#deadlines-result :text('is now')")
    assert "The deadline of 2025-Q3 is now 2025-10-30." in text_of(page, "#deadlines-result")
    page.context.close()


def test_a_clerk_finds_the_returned_file_on_arrival(browser, server):
    for lang, reason_label in (("en", "The office's reason"), ("ar", "سبب المكتب")):
        for size, viewport in WIDTHS.items():
            page = signed_in(browser, server, "entity", viewport)
            page.goto(f"{server}/?lang={lang}")
            page.wait_for_selector("#notices[role=region]")
            text = text_of(page, "#notices")
            assert REASON in text and reason_label in text and "2025-Q4" in text
            link = page.get_attribute("#notices a[href^='/submissions?period=2025-Q4']", "href")
            assert link == "/submissions?period=2025-Q4"
            page.wait_for_selector("#overview-content section")
            assert axe_violations(page) == []
            shoot(page, f"home-entity-{lang}-{size}", whole=False)
            page.context.close()


def test_the_office_finds_the_queue_and_the_late_entities_on_arrival(browser, server):
    for lang in ("en", "ar"):
        page = signed_in(browser, server, "supervisor")
        page.goto(f"{server}/?lang={lang}")
        page.wait_for_selector("#notices[role=region]")
        assert page.locator("#notices a[href^='/review?submission=']").count() > 0
        assert "MOH" in text_of(page, "#notices")  # late for 2025-Q4: its file came back
        page.wait_for_selector("#overview-content section")
        assert axe_violations(page) == []
        shoot(page, f"home-office-{lang}-wide", whole=False)
        page.context.close()
