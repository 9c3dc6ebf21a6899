"""A quarter's deadline: period end + 30 days, unless the office sets another (with a reason,
audited); every count follows the one rule (kpis.completeness.deadline via data.deadlines)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from data.audit import verify_chain
from data.cache import ResultCache
from data.db import Store
from data.deadlines import quarter_deadline
from data.models import AuditEvent, Entity, Period, Submission, User
from kpis.completeness import deadline
from kpis.periods import parse_period
from reports.content import quarter_cells
from services.actors import Actor, Denied
from services.deadlines import DeadlineError, quarter_deadlines, set_deadline
from services.overview import reporting
from tests.conftest import ROLE_USERS

Q2 = parse_period("2025-Q2")


def test_the_rule_default_and_override():
    assert deadline(date(2025, 6, 30)) == date(2025, 7, 30)
    assert deadline(date(2025, 6, 30), date(2025, 8, 20)) == date(2025, 8, 20)
    assert deadline(date(2025, 6, 30), None, days=45) == date(2025, 8, 14)


@pytest.fixture
def store(users_db_url):
    s = Store(users_db_url)
    yield s
    s.engine.dispose()


def actor(db, role: str) -> Actor:
    return Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS[role][0])))


def change(store, role, day, reason="Eid holidays", code="2025-Q2"):
    with store.transaction() as db:
        return set_deadline(db, actor(db, role), code, day, reason)


def moh_submits(store, at: datetime, entity: str = "MOH") -> None:
    with store.transaction() as db:
        db.add(
            Submission(
                entity_id=db.scalar(select(Entity.id).where(Entity.code == entity)),
                period_id=db.scalar(select(Period.id).where(Period.code == "2025-Q2")),
                status="submitted",
                is_current=True,
                submitted_at=at,
            )
        )


def moh_state(store) -> str:
    with store.session() as db:
        return dict(quarter_cells(db, "2025-Q2", date(2025, 10, 1)))["MOH"].state


def test_an_override_is_the_deadline_everywhere_and_is_audited(store):
    moh_submits(store, datetime(2025, 8, 10, 9))
    assert moh_state(store) == "late"  # after 2025-07-30
    change(store, "supervisor", date(2025, 8, 20), "Eid holidays: two weeks more")
    with store.session() as db:
        assert quarter_deadline(db, Q2) == date(2025, 8, 20)
        shown = next(q for q in quarter_deadlines(db) if q.code == "2025-Q2")
        assert (shown.day, shown.default, shown.reason) == (
            date(2025, 8, 20),
            date(2025, 7, 30),
            "Eid holidays: two weeks more",
        )
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "period.deadline"))
        assert event.object_id == "2025-Q2" and event.reason == "Eid holidays: two weeks more"
        assert event.before == {"deadline": "2025-07-30", "set": False}
        assert event.after == {"deadline": "2025-08-20", "set": True}
        assert event.actor == ROLE_USERS["supervisor"][0]
    assert moh_state(store) == "submitted"  # on time now
    change(store, "admin", None, "Back to the usual rule")
    with store.session() as db:
        assert quarter_deadline(db, Q2) == date(2025, 7, 30)
        assert verify_chain(db).broken_seq is None
    assert moh_state(store) == "late"


@pytest.mark.parametrize(
    ("day", "reason", "code", "why"),
    [
        (date(2025, 8, 20), "", "2025-Q2", "no_reason"),
        (date(2025, 6, 30), "early", "2025-Q2", "too_early"),
        (date(2026, 8, 20), "slip", "2025-Q2", "too_late"),
        (date(2025, 8, 20), "x", "2031-Q9", "no_quarter"),
        (date(2025, 8, 20), "x", "", "no_quarter"),
        (date(2025, 8, 20), "late MOH\r\nBcc: a@evil.om", "2025-Q2", "bad_reason"),
        (date(2025, 8, 20), "x" * 2001, "2025-Q2", "bad_reason"),
        (date(2025, 8, 20), {"not": "text"}, "2025-Q2", "no_reason"),
        (None, "already the rule", "2025-Q2", "unchanged"),
    ],
)
def test_a_change_is_refused_with_the_reason(store, day, reason, code, why):
    with pytest.raises(DeadlineError) as refused:
        change(store, "supervisor", day, reason, code)
    assert refused.value.code == why
    with store.session() as db:
        assert quarter_deadline(db, Q2) == date(2025, 7, 30)


def test_a_locked_quarter_keeps_its_deadline(store):
    with store.transaction() as db:
        db.execute(Period.__table__.update().where(Period.code == "2025-Q2").values(locked=True))
    with pytest.raises(DeadlineError) as refused:
        change(store, "supervisor", date(2025, 8, 20))
    assert refused.value.code == "locked"


@pytest.mark.parametrize("role", ["entity", "committee"])
def test_only_the_office_sets_deadlines(store, role):
    with pytest.raises(Denied):
        change(store, role, date(2025, 8, 20))


def test_the_remembered_reporting_grid_follows_a_moved_deadline(store):
    """/completeness computes its matrix once per version of the data (services.overview
    .reporting); a deadline the office moves, with no submission, is seen at once."""
    moh_submits(store, datetime(2025, 8, 10, 9))
    cache = ResultCache()

    def moh_state_remembered() -> str:
        return reporting(store, cache, Q2, 1, date(2025, 10, 1)).matrix["MOH"][0].state

    assert moh_state_remembered() == "late"
    assert moh_state_remembered() == "late" and len(cache) == 1  # remembered, not recomputed
    change(store, "supervisor", date(2025, 8, 20), "Eid holidays: two weeks more")
    assert moh_state_remembered() == "submitted"
    moh_submits(store, datetime(2025, 8, 25, 9), "MOF")  # a new version of the data
    assert reporting(store, cache, Q2, 1, date(2025, 10, 1)).matrix["MOF"][0].state == "late"
