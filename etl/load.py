"""Load validated rows as one submission, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from data.audit import record
from data.models import Entity, Kpi, Observation, Period, Submission, User, utcnow


@dataclass(frozen=True)
class Row:
    """One validated line of a submission: a KPI's figure for a period."""

    kpi_code: str
    period: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    comment: str = ""
    evidence_link: str = ""


@dataclass(frozen=True)
class StoredFile:
    """The original upload as kept on disk."""

    name: str
    sha256: str
    size: int
    stored_name: str


def load_submission(
    session: Session,
    entity: Entity,
    period: Period,
    rows: Sequence[Row],
    *,
    uploader: User | None,
    stored: StoredFile | None = None,
    report: dict[str, Any] | None = None,
    at: datetime | None = None,
    is_demo: bool = False,
) -> Submission:
    """Record a submitted workbook's rows; the new submission supersedes the current one."""
    at = at or utcnow()
    # one writer per entity at a time, so that concurrent uploads leave one current submission
    session.execute(select(Entity.id).where(Entity.id == entity.id).with_for_update())
    previous = _current(session, entity.id, period.id)
    if previous is not None:
        session.execute(
            update(Submission).where(Submission.id == previous.id).values(is_current=False)
        )
    submission = Submission(
        entity_id=entity.id,
        period_id=period.id,
        status="submitted",
        is_current=True,
        revision=(previous.revision + 1) if previous else 1,
        supersedes_id=previous.id if previous else None,
        uploaded_by_id=uploader.id if uploader else None,
        uploaded_at=at,
        submitted_at=at,
        report=report or {},
        is_demo=is_demo,
        **(_file_fields(stored) if stored else {}),
    )
    session.add(submission)
    session.flush()
    _add_observations(session, submission, rows)
    record(
        session,
        "submission.submit",
        "submission",
        submission.id,
        user=uploader,
        entity_id=entity.id,
        after={"period": period.code, "rows": len(rows), "revision": submission.revision},
        at=at,
    )
    return submission


def _current(session: Session, entity_id: int, period_id: int) -> Submission | None:
    return session.scalars(
        select(Submission)
        .where(
            Submission.entity_id == entity_id,
            Submission.period_id == period_id,
            Submission.is_current,
        )
        .with_for_update()
    ).first()


def _file_fields(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_name": stored.name,
        "file_sha256": stored.sha256,
        "file_size": stored.size,
        "stored_name": stored.stored_name,
    }


def _code_ids(session: Session, model) -> dict[str, int]:
    """Code -> id of KPIs or periods, read once per session (they do not change within one)."""
    key = f"code_ids:{model.__tablename__}"
    if key not in session.info:
        session.info[key] = {
            code: id_ for code, id_ in session.execute(select(model.code, model.id))
        }
    return session.info[key]


def _add_observations(session: Session, submission: Submission, rows: Sequence[Row]) -> None:
    """One multi-row INSERT rather than an ORM object per row."""
    if not rows:
        return
    kpi_ids, period_ids = _code_ids(session, Kpi), _code_ids(session, Period)
    session.execute(
        insert(Observation),
        [
            {
                "submission_id": submission.id,
                "entity_id": submission.entity_id,
                "kpi_id": kpi_ids[row.kpi_code],
                "period_id": period_ids[row.period],
                "value": row.value,
                "numerator": row.numerator,
                "denominator": row.denominator,
                "comment": row.comment,
                "evidence_link": row.evidence_link,
            }
            for row in rows
        ],
    )
