"""The audit trail as the office reads it: events filtered by entity, user, action and dates, with
what a sentence needs (before and after, the quarter of a submission) and the hash-chain columns
for an export. Only for actors who may view the audit (`Action.VIEW_AUDIT`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import AuditEvent, Entity, Period, Submission
from services.actors import Action, Actor, require

PAGE_LIMIT = 300  # the page shows the newest; an export takes every event the filters keep
EXPORT_LIMIT = 100_000
CHUNK = 500  # ids per IN (...): well under any database's limit of parameters


@dataclass(frozen=True)
class Filters:
    """The page's filters, as the address gave them (empty: no filter)."""

    entity: str = ""
    actor: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def of(cls, entity=None, actor=None, action=None, since=None, until=None) -> Filters:
        return cls(
            str(entity or "")[:50],
            str(actor or "")[:254],
            str(action or "")[:50],
            _date(since),
            _date(until),
        )

    def as_dict(self) -> dict[str, str]:
        return {
            "entity": self.entity,
            "actor": self.actor,
            "action": self.action,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LoggedEvent:
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    entity: str
    period: str  # a submission's quarter, where the event is about one
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    prev_hash: str
    hash: str


def events(
    session: Session, actor: Actor, filters: Filters, limit: int = PAGE_LIMIT
) -> list[LoggedEvent]:
    """The events the filters keep, newest first (by when they happened: the demo history is
    written after the fact, so the chain's order is not always the calendar's), at most `limit`."""
    require(actor, Action.VIEW_AUDIT)
    query = select(AuditEvent, Entity.code).outerjoin(Entity, Entity.id == AuditEvent.entity_id)
    if filters.entity:
        query = query.where(Entity.code == filters.entity)
    if filters.actor:
        query = query.where(AuditEvent.actor == filters.actor)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time.min))
    if filters.until:
        query = query.where(AuditEvent.at <= datetime.combine(filters.until, time.max))
    rows = session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.seq.desc()).limit(limit)
    ).all()
    quarters = _submission_quarters(session, [e for e, _code in rows])
    return [
        LoggedEvent(
            e.seq,
            e.at,
            e.actor,
            e.action,
            e.object_type,
            e.object_id,
            code or "",
            quarters.get(e.object_id, "") if e.object_type == "submission" else "",
            e.before,
            e.after,
            e.reason or "",
            e.prev_hash,
            e.hash,
        )
        for e, code in rows
    ]


def _submission_quarters(session: Session, found: list[AuditEvent]) -> dict[str, str]:
    """The quarter of each submission the events name, in one query."""
    ids = {
        int(e.object_id)
        for e in found
        if e.object_type == "submission" and e.object_id.isascii() and e.object_id.isdigit()
    }
    ordered, quarters = sorted(ids), {}
    for start in range(0, len(ordered), CHUNK):
        rows = session.execute(
            select(Submission.id, Period.code)
            .join(Period, Period.id == Submission.period_id)
            .where(Submission.id.in_(ordered[start : start + CHUNK]))
        )
        quarters |= {str(number): code for number, code in rows}
    return quarters


@dataclass(frozen=True)
class Choices:
    entities: list[str]
    actors: list[str]
    actions: list[str]


def choices(session: Session, actor: Actor) -> Choices:
    """What the filters offer: entities (all, active or not: history keeps them), the users and
    actions found in the trail."""
    require(actor, Action.VIEW_AUDIT)
    return Choices(
        list(session.scalars(select(Entity.code).order_by(Entity.code))),
        sorted(set(session.scalars(select(AuditEvent.actor).distinct()))),
        sorted(set(session.scalars(select(AuditEvent.action).distinct()))),
    )
