"""The reasons behind the figures: what an entity wrote next to a figure (the observation's
comment) and what the programme office wrote when it reviewed a submission (its review note), as
an actor may see them. The KPI page, the ministry page and the committee report draw from here.

Entity comments come from the submissions whose figures are shown for an (entity, quarter): the
official one (the latest approved revision) and, for those who see unapproved figures
(`services.actors.sees_unapproved`), the current revision when it is newer. Office notes come from
every reviewed revision the actor may read (approved ones for everybody). So the committee reads
only what came with approved figures; an entity team reads its own entity's in every status and
the approved ones of the others; the office reads everything. Texts are user text: callers show
them as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Entity, Kpi, Observation, Period, Submission
from services.actors import Action, Actor, Status, require, sees_unapproved

Kind = Literal["entity", "office"]
ENTITY: Kind = "entity"
OFFICE: Kind = "office"


@dataclass(frozen=True)
class Reason:
    entity_code: str
    kpi_code: str | None  # None: the office's note on the whole submission
    period: str
    text: str
    kind: Kind  # "entity": the entity's comment on its figure; "office": the review note
    at: datetime | None  # when it was written: submitted (entity) or reviewed (office)
    approved: bool  # whether it came with approved (official) figures
    revision: int = 1
    status: str = Status.APPROVED


def reasons(
    session: Session,
    actor: Actor,
    period: str | Iterable[str],
    *,
    kpi: str | None = None,
    entity: str | None = None,
) -> list[Reason]:
    """The reasons `actor` may read for `period` (a quarter code, or several), optionally for one
    KPI and/or one entity. The office's notes are on whole submissions (`kpi_code` None) and come
    with any `kpi`. Sorted by entity, quarter, entity comments before the office's notes, KPI.
    An actor who may not see the programme is `Denied`."""
    require(actor, Action.VIEW_PROGRAMME)
    periods = [period] if isinstance(period, str) else list(period)
    subs = _submissions(session, actor, periods, entity)
    if not subs:
        return []
    found = _entity_comments(session, _speaking(subs), kpi) + _office_notes(subs)
    return sorted(found, key=_order)


@dataclass(frozen=True)
class _Sub:
    id: int
    entity_code: str
    period: str
    status: str
    revision: int
    is_current: bool
    at: datetime | None
    reviewed_at: datetime | None
    note: str


def _submissions(
    session: Session, actor: Actor, periods: list[str], entity: str | None
) -> list[_Sub]:
    """Every submission of the quarters (oldest revision first) whose figures the actor may
    read: approved ones for everybody, the others for who sees that entity's unapproved figures."""
    stmt = (
        select(
            Submission.id,
            Entity.code,
            Period.code,
            Submission.status,
            Submission.revision,
            Submission.is_current,
            Submission.submitted_at,
            Submission.uploaded_at,
            Submission.reviewed_at,
            Submission.review_reason,
        )
        .join(Entity, Submission.entity_id == Entity.id)
        .join(Period, Submission.period_id == Period.id)
        .where(Entity.active, Period.code.in_(periods))
        .order_by(Submission.revision, Submission.id)
    )
    if entity:
        stmt = stmt.where(Entity.code == entity.strip().upper())
    return [
        _Sub(sid, ent, per, str(status), rev, bool(cur), sub_at or up_at, rev_at, note or "")
        for sid, ent, per, status, rev, cur, sub_at, up_at, rev_at, note in session.execute(stmt)
        if status == Status.APPROVED or sees_unapproved(actor, ent)
    ]


def _speaking(subs: list[_Sub]) -> dict[int, _Sub]:
    """Per (entity, quarter) the submissions whose figures are shown: the latest approved one
    and the current one when it is newer (only there if the actor may see it)."""
    official: dict[tuple[str, str], _Sub] = {}
    current: dict[tuple[str, str], _Sub] = {}
    for sub in subs:
        if sub.status == Status.APPROVED:
            official[(sub.entity_code, sub.period)] = sub  # the last approved wins
        if sub.is_current:
            current[(sub.entity_code, sub.period)] = sub
    chosen = {sub.id: sub for sub in official.values()}
    for key, sub in current.items():
        if key not in official or sub.revision > official[key].revision:
            chosen[sub.id] = sub
    return chosen


def _entity_comments(session: Session, chosen: dict[int, _Sub], kpi: str | None) -> list[Reason]:
    """Comments on the submissions' figures (an annual KPI's figure for `2024` comes in the
    `2024-Q4` submission: its reason is the quarter's)."""
    stmt = (
        select(Observation.submission_id, Kpi.code, Observation.comment)
        .join(Kpi, Observation.kpi_id == Kpi.id)
        .where(Observation.submission_id.in_(list(chosen)), Observation.comment != "")
        .order_by(Observation.id)
    )
    if kpi:
        stmt = stmt.where(Kpi.code == kpi.strip().upper())
    found = []
    for sid, kpi_code, comment in session.execute(stmt):
        text = (comment or "").strip()
        if text:
            sub = chosen[sid]
            found.append(_reason(sub, kpi_code, text, ENTITY, sub.at))
    return found


def _office_notes(subs: list[_Sub]) -> list[Reason]:
    """The office's notes on every reviewed revision the actor may read (a returned revision's
    note stays part of the quarter's story after the corrected one is approved)."""
    return [
        _reason(sub, None, sub.note.strip(), OFFICE, sub.reviewed_at)
        for sub in subs
        if sub.note.strip() and sub.status in (Status.APPROVED, Status.RETURNED)
    ]


def _reason(sub: _Sub, kpi_code: str | None, text: str, kind: Kind, at) -> Reason:
    approved = sub.status == Status.APPROVED
    return Reason(
        sub.entity_code, kpi_code, sub.period, text, kind, at, approved, sub.revision, sub.status
    )


def _order(reason: Reason) -> tuple:
    return (
        reason.entity_code,
        reason.period,
        reason.kind == OFFICE,
        reason.kpi_code or "",
        -reason.revision,
    )
