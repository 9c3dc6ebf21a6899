"""`remind`: each due message once however often it runs, in the recipient's language; the
escalation reaches the office; a dry run sends and writes nothing; a refusing or absent mail
server leaves the message due for the next run. A real SMTP server on loopback (aiosmtpd)
counts what arrives. Quarter 2025-Q2 ends 2025-06-30: its default deadline is 2025-07-30."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import func, select, update

from data.audit import verify_chain
from data.db import Store
from data.models import AuditEvent, Entity, Period, Reminder, Submission, User, utcnow
from services import reminders
from services.actors import Actor, Role
from services.deadlines import set_deadline
from tests.conftest import ROLE_USERS, _free_port

MOH, MOF = ROLE_USERS["entity"][0], ROLE_USERS["entity_other"][0]
SUPERVISOR = ROLE_USERS["supervisor"][0]
BEFORE, ON_THE_DAY, AFTER, ESCALATE = (
    date(2025, 7, 24),
    date(2025, 7, 30),
    date(2025, 8, 6),
    date(2025, 8, 13),
)
PUBLIC = "https://tracker.example.om"


@pytest.fixture
def store(users_db_url):
    s = Store(users_db_url)
    with s.transaction() as db:  # MOF's clerk reads Arabic
        db.execute(update(User).where(User.email == MOF).values(language="ar"))
    yield s
    s.engine.dispose()


def remind(store, day, url, dry_run=False, said=None):
    return reminders.run(
        store,
        day,
        smtp_url=url,
        sender="tracker@example.om",
        public_url=PUBLIC,
        dry_run=dry_run,
        say=(said.append if said is not None else lambda _line: None),
    )


def subject(message) -> str:
    return " ".join(str(make_header(decode_header(message["Subject"]))).split())


def body(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def logged(store) -> int:
    with store.session() as db:
        return db.scalar(select(func.count(Reminder.id)))


def add_submission(store, entity: str, period: str, status: str, reason: str = "") -> None:
    with store.transaction() as db:
        entity_id = db.scalar(select(Entity.id).where(Entity.code == entity))
        period_id = db.scalar(select(Period.id).where(Period.code == period))
        db.add(
            Submission(
                entity_id=entity_id,
                period_id=period_id,
                status=status,
                is_current=True,
                submitted_at=datetime(2025, 7, 20, 9),
                reviewed_at=datetime(2025, 7, 26, 10) if status == "returned" else None,
                review_reason=reason,
            )
        )


def test_three_runs_a_day_send_each_message_once_in_the_readers_language(store, smtp_sink):
    for day in (BEFORE, ON_THE_DAY, AFTER, ESCALATE):
        first = remind(store, day, smtp_sink.url)
        assert first.ok and first.sent, day
        for _again in range(2):
            again = remind(store, day, smtp_sink.url)
            assert again.ok and again.sent == [], day
    moh, mof, office = smtp_sink.to(MOH), smtp_sink.to(MOF), smtp_sink.to(SUPERVISOR)
    assert [subject(m).split(":")[0] for m in moh] == ["Reminder", "Due today", "Overdue"]
    assert len(mof) == 3 and len(office) == 1
    assert len(smtp_sink.messages) == 7  # nobody else: not the admin, not the committee
    english = body(moh[0])
    assert "Ministry of Health" in english and "2025-Q2" in english and "2025-07-30" in english
    assert f"{PUBLIC}/submissions?period=2025-Q2" in english
    assert "Missing: the filled template for 2025-Q2" in english
    arabic = subject(mof[0]) + body(mof[0])
    assert "تذكير" in arabic and "2025-07-30" in arabic and "وزارة المالية" in arabic
    assert "Reminder" not in arabic and "Missing" not in arabic
    assert mof[0]["Content-Language"] == "ar"
    escalation = body(office[0])
    assert subject(office[0]).startswith("Entities late for 2025-Q2: ")
    assert "- Ministry of Health (MOH): nothing submitted" in escalation
    assert "(MOF)" in escalation and f"{PUBLIC}/completeness?period=2025-Q2" in escalation
    with store.session() as db:
        states = set(db.scalars(select(Reminder.state)))
        sent = db.scalars(select(AuditEvent).where(AuditEvent.action == "reminder.sent")).all()
        assert verify_chain(db).broken_seq is None
    assert states == {"sent"}
    assert len(sent) == 7  # one audit event per e-mail
    assert {"step": "escalation", "to": SUPERVISOR, "period": "2025-Q2"}.items() <= next(
        e.after for e in sent if e.after["step"] == "escalation"
    ).items()


def test_an_entity_that_submitted_is_not_reminded_and_a_returned_one_is_told_why(store, smtp_sink):
    add_submission(store, "MOH", "2025-Q2", "submitted")
    add_submission(store, "MOF", "2025-Q2", "returned", reason="T1.5 denominator is missing")
    remind(store, ON_THE_DAY, smtp_sink.url)
    assert smtp_sink.to(MOH) == []
    (told,) = smtp_sink.to(MOF)
    text = body(told)
    assert "T1.5 denominator is missing" in text and "2025-07-26" in text
    assert "ملف مصحح" in text  # "a corrected file", in Arabic
    remind(store, ESCALATE, smtp_sink.url)
    (escalation,) = smtp_sink.to(SUPERVISOR)
    assert "(MOH)" not in body(escalation)
    assert "- Ministry of Finance (MOF): returned on 2025-07-26, not resubmitted" in body(
        escalation
    )


def test_a_dry_run_sends_nothing_and_writes_nothing(store, smtp_sink):
    said: list[str] = []
    outcome = remind(store, BEFORE, smtp_sink.url, dry_run=True, said=said)
    assert outcome.sent == [] and smtp_sink.messages == [] and logged(store) == 0
    with store.session() as db:
        assert (
            db.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "reminder.sent"))
            == 0
        )
    assert any(line.startswith("would send before 2025-Q2") and MOH in line for line in said)
    assert any(MOF in line and "(ar)" in line for line in said)
    assert len(remind(store, BEFORE, smtp_sink.url).sent) == 2  # then it really sends them


def test_an_unreachable_server_leaves_every_message_due_for_the_next_run(store, smtp_sink):
    closed = "smtp://127.0.0.1:9"  # discard port: nothing listens
    failed = remind(store, BEFORE, closed)
    assert not failed.ok and failed.sent == [] and len(failed.failed) == 2
    assert "could not be reached" in failed.error and logged(store) == 0
    later = remind(store, BEFORE, smtp_sink.url)
    assert len(later.sent) == 2 and len(smtp_sink.to(MOH)) == 1 and len(smtp_sink.to(MOF)) == 1


class Refusing:
    """An SMTP server that refuses every message (554 at DATA)."""

    async def handle_DATA(self, server, session, envelope):
        return "554 5.7.1 refused for the test"


def test_a_refusing_server_leaves_the_message_due_for_the_next_run(store, smtp_sink):
    from aiosmtpd.controller import Controller

    port = _free_port()
    refusing = Controller(Refusing(), hostname="127.0.0.1", port=port)
    refusing.start()
    try:
        failed = remind(store, BEFORE, f"smtp://127.0.0.1:{port}")
    finally:
        refusing.stop()
    assert not failed.ok and "refused" in failed.error and logged(store) == 0
    assert len(remind(store, BEFORE, smtp_sink.url).sent) == 2
    assert len(smtp_sink.messages) == 2


def test_a_claim_left_by_a_stopped_run_is_reported_not_sent_twice(store, smtp_sink):
    with store.transaction() as db:
        db.add(
            Reminder(
                entity_id=db.scalar(select(Entity.id).where(Entity.code == "MOH")),
                period_id=db.scalar(select(Period.id).where(Period.code == "2025-Q2")),
                step="before",
                user_id=db.scalar(select(User.id).where(User.email == MOH)),
                recipient=MOH,
                language="en",
                deadline=date(2025, 7, 30),
                state="sending",
                claimed_at=utcnow() - timedelta(hours=1),
            )
        )
    outcome = remind(store, BEFORE, smtp_sink.url)
    assert not outcome.ok and len(outcome.unknown) == 1 and MOH in outcome.unknown[0]
    assert smtp_sink.to(MOH) == [] and len(smtp_sink.to(MOF)) == 1
    assert reminders.release_unknown(store) == 1  # the operator checked: it never left
    assert len(remind(store, BEFORE, smtp_sink.url).sent) == 1
    assert len(smtp_sink.to(MOH)) == 1


def test_the_office_deadline_moves_the_reminders(store, smtp_sink):
    with store.transaction() as db:
        supervisor = db.scalar(select(User).where(User.email == SUPERVISOR))
        set_deadline(
            db, Actor.of(supervisor), "2025-Q2", date(2025, 8, 20), "Eid holidays: two weeks more"
        )
    assert remind(store, BEFORE, smtp_sink.url).sent == []  # a week before the old deadline
    assert remind(store, ON_THE_DAY, smtp_sink.url).sent == []
    sent = remind(store, date(2025, 8, 13), smtp_sink.url).sent
    assert {m.step.name for m in sent} == {"before"}
    assert "2025-08-20" in body(smtp_sink.to(MOH)[0])


def test_no_reminder_for_a_quarter_long_past(store, smtp_sink):
    """A tracker switched on late does not remind entities of every quarter since 2021."""
    assert remind(store, date(2025, 10, 1), smtp_sink.url).sent == []


def test_mail_strings_have_their_arabic_translation():
    from babel.messages.extract import extract_from_file

    from tests.web.test_i18n import PO, read_po

    catalogue = read_po(PO.open("rb"), locale="ar")
    found = [m for _l, m, _c, _x in extract_from_file("python", reminders.__file__)]
    assert len(found) > 10
    assert [m for m in found if not (entry := catalogue.get(m)) or not entry.string] == []


def test_office_users_are_the_supervisors(store):
    with store.session() as db:
        office = [r.email for r in reminders.office_users(db)]
    assert office == [SUPERVISOR]
    assert Role.SUPERVISOR.value == "supervisor"
