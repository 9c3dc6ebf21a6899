"""Load validated rows as one submission, in the caller's transaction.

Ingest runs a batch of files through here, so the statements are built once and executed on the
session's connection: the ORM's unit of work costs more than the few rows a submission writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from data.audit import record
from data.models import Entity, Kpi, Observation, Period, Submission, User, utcnow


class Coded(Protocol):
    """An entity or a period as the loader needs it: an ORM object or a plain row."""

    id: int
    code: str


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


_LOCK_ENTITY = select(Entity.id).where(Entity.id == bindparam("entity_id")).with_for_update()
_CURRENT = (
    select(Submission.id, Submission.revision)
    .where(
        Submission.entity_id == bindparam("entity_id"),
        Submission.period_id == bindparam("period_id"),
        Submission.is_current,
    )
    .with_for_update()
)
_SUPERSEDE = (
    update(Submission).where(Submission.id == bindparam("previous")).values(is_current=False)
)
_INSERT_SUBMISSION = insert(Submission).returning(Submission.id)


def submit_rows(
    session: Session,
    entity: Coded,
    period: Coded,
    rows: Sequence[Row],
    *,
    uploader: User | None,
    stored: StoredFile | None = None,
    report: dict[str, Any] | None = None,
    at: datetime | None = None,
    is_demo: bool = False,
) -> int:
    """Record a submitted workbook's rows and return the new submission's id; it supersedes the
    current submission for the same entity and period."""
    at = at or utcnow()
    connection = session.connection()
    if connection.dialect.name != "sqlite":  # SQLite already allows one writer at a time
        # one writer per entity at a time, so that concurrent uploads leave one current submission
        connection.execute(_LOCK_ENTITY, {"entity_id": entity.id})
    previous = connection.execute(
        _CURRENT, {"entity_id": entity.id, "period_id": period.id}
    ).first()
    if previous is not None:
        connection.execute(_SUPERSEDE, {"previous": previous.id})
    revision = previous.revision + 1 if previous else 1
    submission_id = connection.execute(
        _INSERT_SUBMISSION,
        {
            "entity_id": entity.id,
            "period_id": period.id,
            "status": "submitted",
            "is_current": True,
            "revision": revision,
            "supersedes_id": previous.id if previous else None,
            "uploaded_by_id": uploader.id if uploader else None,
            "uploaded_at": at,
            "submitted_at": at,
            "report": report or {},
            "is_demo": is_demo,
            **file_fields(stored),
        },
    ).scalar_one()
    _add_observations(session, submission_id, entity.id, rows)
    record(
        session,
        "submission.submit",
        "submission",
        submission_id,
        user=uploader,
        entity_id=entity.id,
        after={"period": period.code, "rows": len(rows), "revision": revision},
        at=at,
    )
    return submission_id


def record_rejected(
    session: Session,
    entity: Coded,
    period: Coded,
    uploader: User,
    stored: StoredFile,
    report: dict[str, Any],
) -> int:
    """A refused file's submission, kept with its report in the history; never current."""
    return (
        session.connection()
        .execute(
            _INSERT_SUBMISSION,
            {
                "entity_id": entity.id,
                "period_id": period.id,
                "status": "rejected",
                "is_current": False,
                "uploaded_by_id": uploader.id,
                "report": report,
                **file_fields(stored),
            },
        )
        .scalar_one()
    )


def load_submission(session: Session, entity: Coded, period: Coded, rows, **options) -> Submission:
    """`submit_rows`, returning the submission as an ORM object (for the demo's workflow)."""
    return session.get(Submission, submit_rows(session, entity, period, rows, **options))


def file_fields(stored: StoredFile | None) -> dict[str, Any]:
    if stored is None:
        return {"file_name": "", "file_sha256": "", "file_size": 0, "stored_name": ""}
    return {
        "file_name": stored.name,
        "file_sha256": stored.sha256,
        "file_size": stored.size,
        "stored_name": stored.stored_name,
    }


def code_ids(session: Session, model) -> dict[str, int]:
    """Code -> id of entities, KPIs or periods, read once per session (none changes within one)."""
    key = f"code_ids:{model.__tablename__}"
    if key not in session.info:
        session.info[key] = {
            code: id_ for code, id_ in session.execute(select(model.code, model.id))
        }
    return session.info[key]


def _add_observations(
    session: Session, submission_id: int, entity_id: int, rows: Sequence[Row]
) -> None:
    """One multi-row INSERT rather than an ORM object per row."""
    if not rows:
        return
    kpi_ids, period_ids = code_ids(session, Kpi), code_ids(session, Period)
    session.connection().execute(
        insert(Observation),
        [
            {
                "submission_id": submission_id,
                "entity_id": entity_id,
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
