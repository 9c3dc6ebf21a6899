"""An entity's submission history, a page at a time, and only its own."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.db import Store
from data.models import Entity, Submission
from services import submissions
from services.actors import Actor, Denied, Role

MOH = Actor(Role.ENTITY, "MOH")
OFFICE = Actor(Role.SUPERVISOR)


def moh_total(db) -> int:
    query = select(func.count(Submission.id)).join(Entity).where(Entity.code == "MOH")
    return db.scalar(query)


def test_history_pages_through_every_submission_once(demo_db_url):
    with Store(demo_db_url).session() as db:
        total = moh_total(db)
        first = submissions.history(db, MOH, None, page=1, size=4)
        assert total > 8 and first.total == total and first.pages == -(-total // 4)
        seen = [
            r.id
            for page in range(1, first.pages + 1)
            for r in submissions.history(db, MOH, None, page, size=4).rows
        ]
    assert len(seen) == total == len(set(seen))  # every submission once, none twice


def test_a_page_past_the_end_shows_the_last(demo_db_url):
    with Store(demo_db_url).session() as db:
        last = submissions.history(db, OFFICE, "moh", page=10_000, size=4)
    assert last.page == last.pages and last.rows and all(r.entity == "MOH" for r in last.rows)


def test_an_entity_reads_no_other_entity_history(demo_db_url):
    with Store(demo_db_url).session() as db, pytest.raises(Denied):
        submissions.history(db, MOH, "MOF")
