"""Audit events: who did what, when, with the state before and after and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from data.models import AuditEvent, User, utcnow

_INSERT = insert(AuditEvent)


def audit_event(
    action: str,
    object_type: str,
    object_id: object = "",
    *,
    user: User | None = None,
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> dict[str, Any]:
    """One event's columns; `at` defaults to now (the demo history passes its own dates)."""
    return dict(
        at=at or utcnow(),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        user_id=user.id if user else None,
        actor=user.email if user else "system",
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
    )


def record(session: Session, action: str, object_type: str, object_id: object = "", **fields):
    """Write one audit event (see `audit_event` for the fields)."""
    record_all(session, [audit_event(action, object_type, object_id, **fields)])


def record_all(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Write events in one INSERT on the session's connection: they are never read back here."""
    if events:
        session.connection().execute(_INSERT, list(events))
