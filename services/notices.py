"""What concerns the user, shown on arrival (dashboards/_notices.py): to an entity team, its
submissions the office returned (with the reason) and its next deadline; to the office, the
submissions waiting for review and the entities late for the quarter whose deadline passed last."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.deadlines import deadlines_of
from data.models import Entity, Period, Submission
from data.queries import review_queue
from kpis.periods import parse_period
from kpis.revisions import Status
from services.actors import Action, Actor, Role, may
from services.reminders import SUBMITTED, Late, late_entities


@dataclass(frozen=True)
class Returned:
    """A current submission the office returned: the entity must upload a corrected file."""

    submission_id: int
    period: str
    revision: int
    reviewed_at: datetime | None
    reason: str
    deadline: date


@dataclass(frozen=True)
class Waiting:
    submission_id: int
    entity: str
    period: str
    uploaded_at: datetime | None


@dataclass(frozen=True)
class Notices:
    returned: list[Returned] = field(default_factory=list)
    next_deadline: tuple[str, date] | None = None  # (quarter, day) the entity owes next
    waiting: list[Waiting] = field(default_factory=list)
    late_period: tuple[str, date] | None = None  # (quarter, day) whose late entities follow
    late: list[Late] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.returned or self.next_deadline or self.waiting or self.late)


def notices(session: Session, actor: Actor, today: date | None = None) -> Notices:
    """The notices for `actor`: none for the committee."""
    today = today or date.today()
    if actor.role is Role.ENTITY and actor.entity_code:
        return _entity_notices(session, actor.entity_code, today)
    if may(actor, Action.REVIEW):
        return _office_notices(session, today)
    return Notices()


def _quarters(session: Session) -> dict[str, tuple[int, date]]:
    """Quarter code -> (id, deadline), every quarter."""
    rows = session.execute(
        select(Period.id, Period.code).where(Period.quarter.is_not(None)).order_by(Period.end_date)
    ).all()
    deadlines = deadlines_of(session, [parse_period(code) for _id, code in rows])
    return {code: (period_id, deadlines[code]) for period_id, code in rows}


def _entity_notices(session: Session, entity: str, today: date) -> Notices:
    quarters = _quarters(session)
    current = session.execute(
        select(Submission, Period.code)
        .join(Period, Submission.period_id == Period.id)
        .join(Entity, Submission.entity_id == Entity.id)
        .where(Entity.code == entity, Submission.is_current)
        .order_by(Period.end_date.desc())
    ).all()
    returned = [
        Returned(s.id, code, s.revision, s.reviewed_at, s.review_reason, quarters[code][1])
        for s, code in current
        if s.status == Status.RETURNED and code in quarters
    ]
    done = {code for s, code in current if s.status in SUBMITTED}
    upcoming = sorted(
        (day, code) for code, (_id, day) in quarters.items() if day >= today and code not in done
    )
    following = (upcoming[0][1], upcoming[0][0]) if upcoming else None
    return Notices(returned=returned, next_deadline=following)


def _office_notices(session: Session, today: date) -> Notices:
    waiting = [Waiting(s.id, s.entity, s.period, s.uploaded_at) for s in review_queue(session)]
    passed = [(day, code, pid) for code, (pid, day) in _quarters(session).items() if day < today]
    if not passed:
        return Notices(waiting=waiting)
    day, code, period_id = max(passed)
    return Notices(
        waiting=waiting, late_period=(code, day), late=late_entities(session, period_id, code)
    )
