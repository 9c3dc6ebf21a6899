"""Review by the programme office: approve or return a submission, lock or unlock a quarter.
The steps and their audit events are `etl.workflow`'s; who may take them is decided here."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Period, Submission, User
from etl.workflow import approve, lock_period, return_for_changes, unlock_period
from kpis.revisions import Status
from services.actors import Action, Actor, require


class NotFound(LookupError):
    """No such submission or quarter (adapters answer 404)."""

    status = 404


def decide(
    session: Session, actor: Actor, submission_id: int, *, returning: bool, reason: str = ""
) -> Submission:
    """Approve the submission, or return it with `reason`; `etl.workflow.WorkflowError` (and its
    `OwnSubmission`) when the step is not allowed in the submission's state or for this reviewer."""
    reviewer = _reviewer(session, actor)
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(submission_id)
    if returning:
        return_for_changes(session, submission, reviewer, reason)
    else:
        approve(session, submission, reviewer)
    return submission


def decidable(status: str, is_current: bool = True) -> bool:
    """Whether a submission still waits for a decision (approve or return): the pages show its
    buttons live only then; `etl.workflow` refuses the step otherwise."""
    return status == Status.SUBMITTED and is_current


def lock_steps(locked: bool) -> tuple[bool, bool]:
    """(may lock, may unlock) a quarter that is `locked` or not, as `etl.workflow` allows."""
    return (not locked, locked)


def set_lock(
    session: Session, actor: Actor, period_code: str, *, locked: bool, reason: str = ""
) -> Period:
    """Lock a quarter (no upload changes it), or unlock it with a reason."""
    user = _reviewer(session, actor)
    period = session.scalar(select(Period).where(Period.code == period_code))
    if period is None:
        raise NotFound(period_code)
    if locked:
        lock_period(session, period, user)
    else:
        unlock_period(session, period, user, reason)
    return period


def _reviewer(session: Session, actor: Actor) -> User:
    require(actor, Action.REVIEW)
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(actor.user_id)
    return user
