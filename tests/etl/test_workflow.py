"""The review loop: submit, return with a reason, resubmit, approve, lock, unlock; each audited."""

import pytest
from sqlalchemy import select

from data.models import AuditEvent, Period, Submission, User
from etl.workflow import (
    PeriodLocked,
    WorkflowError,
    approve,
    lock_period,
    return_for_changes,
    unlock_period,
)
from tests.conftest import ROLE_USERS
from tests.etl.conftest import PERIOD, fill


def supervisor(db) -> User:
    return db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))


def test_submit_return_resubmit_approve_lock_unlock(desk):
    first = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}))
    with desk.store.transaction() as db:
        with pytest.raises(WorkflowError, match="reason"):
            return_for_changes(db, db.get(Submission, first.submission_id), supervisor(db), " ")
        return_for_changes(
            db, db.get(Submission, first.submission_id), supervisor(db), "Attach the evidence link."
        )
    second = desk.ingest(
        fill(desk.template(), {"T1.5": {"Value": 40, "Evidence link": "https://moh.gov.om/e"}})
    )
    with desk.store.transaction() as db:
        with pytest.raises(WorkflowError, match="current submitted"):
            approve(db, db.get(Submission, first.submission_id), supervisor(db))
        approve(db, db.get(Submission, second.submission_id), supervisor(db))
        lock_period(db, db.scalar(select(Period).where(Period.code == PERIOD)), supervisor(db))
    locked = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 41}}))
    assert [p.code for p in locked.errors] == ["locked_period"]
    with desk.store.transaction() as db:
        period = db.scalar(select(Period).where(Period.code == PERIOD))
        with pytest.raises(WorkflowError, match="reason"):
            unlock_period(db, period, supervisor(db), "")
        unlock_period(db, period, supervisor(db), "MOH corrected T1.5 after the audit.")
    assert desk.ingest(fill(desk.template(), {"T1.5": {"Value": 41}})).outcome == "submitted"
    with desk.store.session() as db:
        statuses = [s.status for s in db.scalars(select(Submission).order_by(Submission.id))]
        actions = [
            e.action
            for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if e.action.startswith(("submission.", "period.", "upload."))
        ]
        returned = db.get(Submission, first.submission_id)
    assert statuses == ["returned", "approved", "rejected", "submitted"]
    assert returned.review_reason == "Attach the evidence link."
    assert actions == [
        "submission.submit",
        "upload.submitted",
        "submission.return",
        "submission.submit",
        "upload.submitted",
        "submission.approve",
        "period.lock",
        "upload.refused",
        "period.unlock",
        "submission.submit",
        "upload.submitted",
    ]


def test_a_locked_quarter_is_not_reviewed_until_unlocked(desk):
    """Locked (and perhaps published): approving or returning would change its official figures
    behind the edition's back."""
    pending = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}))
    with desk.store.transaction() as db:
        lock_period(db, db.scalar(select(Period).where(Period.code == PERIOD)), supervisor(db))
    with desk.store.transaction() as db:
        submission = db.get(Submission, pending.submission_id)
        with pytest.raises(PeriodLocked, match="locked"):
            approve(db, submission, supervisor(db))
        with pytest.raises(PeriodLocked, match="locked"):
            return_for_changes(db, submission, supervisor(db), "Attach the evidence link.")
    with desk.store.transaction() as db:
        unlock_period(
            db,
            db.scalar(select(Period).where(Period.code == PERIOD)),
            supervisor(db),
            "late review",
        )
        approve(db, db.get(Submission, pending.submission_id), supervisor(db))
    with desk.store.session() as db:
        assert db.get(Submission, pending.submission_id).status == "approved"
