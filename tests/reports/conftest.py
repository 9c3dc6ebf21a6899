"""The demo history on each backend, built once per test module (rendering a report starts a
browser: the tests of a module share one rendering), with what the committee must and must not
read: a comment and an office note that came with approved figures, and a revision of MOH's
2025-Q4 figures awaiting review, with its own comment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from data.db import Store
from data.models import Entity, Kpi, Observation, Period, Submission
from etl.load import Row, load_submission
from tests.conftest import _fresh_database

QUARTER = "2025-Q4"
# user text with markup: the report shows it as text, never as markup
APPROVED_COMMENT = "Two regional offices joined the unified portal late <b>(see annex)</b>."
OFFICE_NOTE = "Checked against the portal's service register."
PENDING_COMMENT = "Pending revision: not yet reviewed."
PENDING = Row("T1.1", QUARTER, 12.5, 1.0, 8.0, comment=PENDING_COMMENT)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def report_store(request) -> Iterator[Store]:
    """A demo store of its own for the module, with the reasons above."""
    database = _fresh_database(request, "demo")
    store = Store(next(database))
    with store.transaction() as db:
        add_reasons(db)
    yield store
    store.engine.dispose()
    next(database, None)  # drops it


def add_reasons(db) -> None:
    moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
    period = db.scalar(select(Period).where(Period.code == QUARTER))
    approved = db.scalar(
        select(Submission)
        .where(
            Submission.entity_id == moh.id,
            Submission.period_id == period.id,
            Submission.status == "approved",
        )
        .order_by(Submission.revision.desc())
    )
    assert approved is not None, "the demo approves MOH's 2025-Q4 figures"
    approved.review_reason = OFFICE_NOTE
    t11 = db.scalar(select(Kpi.id).where(Kpi.code == "T1.1"))
    observation = db.scalar(
        select(Observation).where(
            Observation.submission_id == approved.id,
            Observation.kpi_id == t11,
            Observation.period_id == period.id,
        )
    )
    observation.comment = APPROVED_COMMENT
    load_submission(db, moh, period, [PENDING], uploader=None)
