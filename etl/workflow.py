"""Review steps on a submission: approve or return, each written to the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from data import summary
from data.audit import record
from data.models import Period, Submission, User, utcnow


class WorkflowError(ValueError):
    """The step is not allowed in the submission's current state."""


class OwnSubmission(WorkflowError):
    """Nobody approves or returns a submission they uploaded themselves."""


class PeriodLocked(WorkflowError):
    """A locked quarter's figures change only after it is unlocked with a reason: a review
    would change the official figures of a quarter that may already be published."""


def approve(
    session: Session, submission: Submission, reviewer: User | None, at: datetime | None = None
) -> None:
    _review(session, submission, reviewer, "approved", "", at)


def return_for_changes(
    session: Session,
    submission: Submission,
    reviewer: User | None,
    reason: str,
    at: datetime | None = None,
) -> None:
    if not reason.strip():
        raise WorkflowError("a returned submission needs a reason the entity can act on")
    _review(session, submission, reviewer, "returned", reason.strip(), at)


def _review(session, submission, reviewer, status, reason, at) -> None:
    if submission.status != "submitted" or not submission.is_current:
        raise WorkflowError(
            f"only the current submitted revision can be reviewed, not a {submission.status} one"
        )
    period = session.get(Period, submission.period_id)
    if period is not None and period.locked:
        raise PeriodLocked(f"{period.code} is locked: unlock it, with a reason, to review")
    if reviewer is not None and submission.uploaded_by_id == reviewer.id:
        raise OwnSubmission(
            "a submission is reviewed by someone other than who uploaded it: ask another "
            "member of the programme office"
        )
    before = {"status": submission.status}
    submission.status = status
    submission.reviewed_by_id = reviewer.id if reviewer else None
    submission.reviewed_at = at or utcnow()
    submission.review_reason = reason
    record(
        session,
        f"submission.{'approve' if status == 'approved' else 'return'}",
        "submission",
        submission.id,
        user=reviewer,
        entity_id=submission.entity_id,
        before=before,
        after={"status": status},
        reason=reason,
        at=submission.reviewed_at,
    )
    # approving adds the figures to the official ones; returning takes them out of those
    # awaiting review
    view = "approved" if status == "approved" else "pending"
    summary.refresh(session, [submission.entity_id], [submission.period_id], views=(view,))


def lock_period(session: Session, period: Period, user: User | None) -> None:
    """Close a quarter after review: no upload changes its figures until it is unlocked."""
    if period.locked:
        raise WorkflowError(f"{period.code} is locked already")
    period.locked, period.locked_at = True, utcnow()
    period.locked_by_id = user.id if user else None
    record(
        session,
        "period.lock",
        "period",
        period.code,
        user=user,
        before={"locked": False},
        after={"locked": True},
    )


def unlock_period(session: Session, period: Period, user: User | None, reason: str) -> None:
    if not period.locked:
        raise WorkflowError(f"{period.code} is not locked")
    if not reason.strip():
        raise WorkflowError("unlocking a quarter needs a reason")
    period.locked, period.locked_at, period.locked_by_id = False, None, None
    record(
        session,
        "period.unlock",
        "period",
        period.code,
        user=user,
        before={"locked": True},
        after={"locked": False},
        reason=reason.strip(),
    )
