"""The audit trail is a hash chain: appended to only, and any change made outside the app is found
at the event where it was made."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from data.audit import (
    audit_event,
    canonical,
    chain_head,
    link_hash,
    record,
    record_all,
    verify_chain,
)
from data.db import Store
from data.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def chained(users_db_url):
    """A store whose chain holds the catalogue's and users' events plus 20 more."""
    store = Store(users_db_url)
    with store.transaction() as db:
        for number in range(20):
            record(db, "test.step", "thing", number, after={"n": number, "note": "ملاحظة"})
    yield store
    store.engine.dispose()


def _tamper(store: Store, statement: str) -> None:
    """Change the table as someone with SQL access would: switch the guard off first."""
    with store.transaction() as db:
        if db.bind.dialect.name == "postgresql":
            db.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            db.execute(text(statement))
            db.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            db.execute(text("DROP TRIGGER audit_events_no_update"))
            db.execute(text("DROP TRIGGER audit_events_no_delete"))
            db.execute(text(statement))


def _check(store: Store):
    with store.session() as db:
        return verify_chain(db)


def test_a_fresh_chain_verifies_and_its_head_is_the_newest_event(chained):
    check = _check(chained)
    assert check.ok, check.describe()
    with chained.session() as db:
        newest = db.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert chain_head(db)[:2] == (newest.seq, newest.hash) == (check.events, check.head)
    assert check.events >= 21


@pytest.mark.parametrize(
    ("statement", "broken", "words"),
    [
        ("UPDATE audit_events SET reason = 'nothing happened' WHERE seq = 7", 7, "content"),
        ("UPDATE audit_events SET at = at - INTERVAL '1 hour' WHERE seq = 9", 9, "content"),
        ("DELETE FROM audit_events WHERE seq = 12", 13, "missing"),
        ("DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)", None, "end"),
    ],
    ids=["edit-reason", "edit-time", "delete-middle", "delete-last"],
)
def test_a_change_made_with_sql_breaks_the_chain_at_that_event(chained, statement, broken, words):
    if "INTERVAL" in statement and chained.engine.dialect.name == "sqlite":
        statement = "UPDATE audit_events SET at = datetime(at, '-1 hour') WHERE seq = 9"
    last = _check(chained).events
    _tamper(chained, statement)
    check = _check(chained)
    assert not check.ok
    assert check.broken_seq == (broken or last)
    assert words in check.reason


def test_rewriting_an_event_and_its_hash_breaks_the_next_link(chained):
    with chained.session() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.seq == 5)).one()
        forged = {
            c.name: getattr(event, c.name) for c in AuditEvent.__table__.columns if c.name != "id"
        }
    forged["reason"] = "forged"
    new_hash = link_hash(forged["prev_hash"], forged)
    _tamper(
        chained, f"UPDATE audit_events SET reason = 'forged', hash = '{new_hash}' WHERE seq = 5"
    )
    check = _check(chained)
    assert (check.broken_seq, check.ok) == (6, False)
    assert "does not follow" in check.reason


def test_the_store_refuses_to_change_or_delete_events(chained):
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), chained.transaction() as db:
            db.execute(text(statement))
    assert _check(chained).ok


def test_verify_audit_command_names_the_first_broken_event(chained):
    env = {"DATABASE_URL": str(chained.engine.url.render_as_string(hide_password=False))}
    env["PATH"] = "/usr/bin:/bin"
    intact = subprocess.run(
        [sys.executable, "-m", "data", "verify-audit"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert intact.returncode == 0 and "audit chain intact" in intact.stdout
    _tamper(chained, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 3")
    answers = set()
    for zone in ("UTC", "Asia/Muscat", "America/Los_Angeles"):
        broken = subprocess.run(
            [sys.executable, "-m", "data", "verify-audit"],
            env={**env, "TZ": zone, "PGTZ": zone},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert broken.returncode == 1
        answers.add(broken.stderr.strip())
    assert len(answers) == 1
    assert "broken at event 3" in answers.pop()


def test_times_are_hashed_as_utc_whatever_the_zone_they_come_in():
    muscat = timezone(timedelta(hours=4))
    local = audit_event("x", "y", at=datetime(2026, 1, 1, 14, 0, tzinfo=muscat))
    utc = audit_event("x", "y", at=datetime(2026, 1, 1, 10, 0, tzinfo=UTC))
    naive = audit_event("x", "y", at=datetime(2026, 1, 1, 10, 0))
    assert canonical(local) == canonical(utc) == canonical(naive)
    assert '"at":"2026-01-01T10:00:00.000000Z"' in canonical(naive)


def test_concurrent_writers_keep_one_unbroken_chain(chained):
    errors = []

    def write(worker: int) -> None:
        try:
            for step in range(10):
                with chained.transaction() as db:
                    record_all(db, [audit_event("test.parallel", "worker", f"{worker}/{step}")])
        except Exception as error:  # collected for the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = _check(chained)
    assert check.ok, check.describe()
    with chained.session() as db:
        parallel = db.scalar(
            select(text("count(*)"))
            .select_from(AuditEvent)
            .where(AuditEvent.action == "test.parallel")
        )
    assert parallel == 40


def test_the_audit_page_shows_the_chain_head(demo_app):
    from tests.dashboards.conftest import page, signed_in, text_of

    with signed_in(demo_app, "supervisor"):
        with demo_app.server.extensions["store"].session() as db:
            events, digest, _at = chain_head(db)
        shown = text_of(page("audit").layout())
    assert digest in shown and f"{events} events are chained" in shown


def test_migration_chains_events_written_before_it(empty_db_url):
    """Events already in a store when the chain arrives are chained in the order they were
    written, so an existing installation starts with a verifiable trail."""
    from alembic import command

    from data.db import alembic_config

    config = alembic_config(empty_db_url)
    command.upgrade(config, "0004")
    store = Store(empty_db_url)
    with store.transaction() as db:
        for number in range(3):
            db.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, object_type, object_id, reason)"
                    " VALUES (:at, 'system', 'old.step', 'thing', :n, '')"
                ),
                {"at": datetime(2024, 1, 1) + timedelta(days=number), "n": str(number)},
            )
    command.upgrade(config, "head")
    check = _check(store)
    assert check.ok and check.events == 3
    store.engine.dispose()
