"""Notices on arrival: a clerk sees their returned submission with the office's reason and the
next deadline; the office sees the submissions waiting and the entities late; the committee
sees none. The pages `/` and `/submissions` show them in a region with a heading."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from data.db import Store
from data.models import Entity, Period, Submission, User
from services.actors import Actor
from services.notices import notices
from tests.conftest import ROLE_USERS
from tests.web.test_auth import dash_post, routing

TODAY = date(2025, 8, 10)  # 2025-Q2's deadline (2025-07-30) passed; 2025-Q3's is 2025-10-30
REASON = "T1.5: the denominator is missing"


def add(db, entity: str, period: str, status: str, reason: str = "") -> int:
    submission = Submission(
        entity_id=db.scalar(select(Entity.id).where(Entity.code == entity)),
        period_id=db.scalar(select(Period.id).where(Period.code == period)),
        status=status,
        is_current=True,
        revision=2,
        submitted_at=datetime(2025, 7, 20, 9),
        reviewed_at=datetime(2025, 7, 26, 10) if status == "returned" else None,
        review_reason=reason,
    )
    db.add(submission)
    db.flush()
    return submission.id


def someone(db, role: str) -> Actor:
    return Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS[role][0])))


@pytest.fixture
def store(users_db_url):
    s = Store(users_db_url)
    with s.transaction() as db:
        add(db, "MOH", "2025-Q2", "returned", REASON)
        add(db, "MOF", "2025-Q2", "submitted")
    yield s
    s.engine.dispose()


def test_a_clerk_sees_the_returned_submission_and_the_next_deadline(store):
    with store.session() as db:
        found = notices(db, someone(db, "entity"), TODAY)
    (returned,) = found.returned
    assert (returned.period, returned.reason, returned.deadline) == (
        "2025-Q2",
        REASON,
        date(2025, 7, 30),
    )
    assert found.next_deadline == ("2025-Q3", date(2025, 10, 30))
    assert found.waiting == [] and found.late == []  # the office's business


def test_a_clerk_of_another_entity_sees_nothing_of_it(store):
    with store.session() as db:
        found = notices(db, someone(db, "entity_other"), TODAY)
    assert found.returned == []  # MOF's own submission waits for review: nothing to do
    assert found.next_deadline == ("2025-Q3", date(2025, 10, 30))


def test_the_office_sees_the_queue_and_the_late_entities(store):
    with store.session() as db:
        found = notices(db, someone(db, "supervisor"), TODAY)
        committee = notices(db, someone(db, "committee"), TODAY)
    assert [(w.entity, w.period) for w in found.waiting] == [("MOF", "2025-Q2")]
    assert found.late_period == ("2025-Q2", date(2025, 7, 30))
    late = {e.code: e for e in found.late}
    assert "MOF" not in late and late["MOH"].reason == REASON and "MOE" in late
    assert committee.empty


@pytest.fixture
def returned_in_app(app):
    with app.server.extensions["store"].transaction() as db:
        add(db, "MOH", "2025-Q2", "returned", REASON)
    return app


@pytest.mark.parametrize(("lang", "heading"), [("en", "For your attention"), ("ar", "لعنايتك")])
@pytest.mark.parametrize("path", ["/", "/submissions"])
def test_the_pages_show_the_notices_on_arrival(returned_in_app, login, lang, heading, path):
    client = login("entity", lang)
    client.get(f"{path}?lang={lang}")  # the page itself first: its CSRF cookie
    page = json.dumps(dash_post(client, routing(path)).get_json(), ensure_ascii=False)
    assert heading in page and REASON in page
    assert '"aria-labelledby": "notices-heading"' in page and '"role": "region"' in page


def test_the_committee_sees_no_notices(returned_in_app, login):
    client = login("committee")
    client.get("/")
    page = json.dumps(dash_post(client, routing("/")).get_json(), ensure_ascii=False)
    assert "For your attention" not in page and REASON not in page
