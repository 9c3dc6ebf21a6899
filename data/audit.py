"""Audit events: who did what, when, with the state before and after and the reason.

Events form a hash chain: each event's `hash` is SHA-256 over the previous event's hash and a
canonical JSON of the event (sorted keys, UTC times written out), in `seq` order. A row changed or
deleted with plain SQL no longer matches, and `verify_chain` names the first such event; the
answer does not depend on the time zone of the machine or of the database session."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from data.models import AuditEvent, AuditHead, User, utcnow

GENESIS = "0" * 64
HEAD_ID = 1
CHAINED = (
    "seq",
    "at",
    "user_id",
    "actor",
    "action",
    "object_type",
    "object_id",
    "entity_id",
    "before",
    "after",
    "reason",
)
_INSERT = insert(AuditEvent)
_CLAIM_HEAD = update(AuditHead).where(AuditHead.id == HEAD_ID).values(seq=AuditHead.seq)
_READ_HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
_EVENTS = select(
    AuditEvent.id,
    AuditEvent.prev_hash,
    AuditEvent.hash,
    *(getattr(AuditEvent, name) for name in CHAINED),
).order_by(AuditEvent.seq)


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
    actor: str | None = None,
) -> dict[str, Any]:
    """One event's columns; `at` defaults to now (the demo history passes its own dates).
    `actor` names who acted where there is no user (an e-mail tried at sign-in)."""
    return dict(
        at=_naive_utc(at or utcnow()),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        user_id=user.id if user else None,
        actor=(user.email if user else actor or "system")[:254],
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
    )


def record(session: Session, action: str, object_type: str, object_id: object = "", **fields):
    """Write one audit event (see `audit_event` for the fields)."""
    record_all(session, [audit_event(action, object_type, object_id, **fields)])


def record_all(session: Session, events: Sequence[dict[str, Any]]) -> None:
    """Chain and write events in one INSERT on the session's connection.

    The head row is claimed first (an UPDATE, so PostgreSQL locks it and SQLite takes its write
    lock): concurrent transactions then chain their events one after the other."""
    if not events:
        return
    connection = session.connection()
    connection.execute(_CLAIM_HEAD)
    seq, previous = connection.execute(_READ_HEAD).one()
    rows = []
    for event in events:
        seq += 1
        row = {**event, "seq": seq, "prev_hash": previous}
        row["hash"] = previous = link_hash(previous, row)
        rows.append(row)
    connection.execute(_INSERT, rows)
    connection.execute(
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(seq=seq, hash=previous, at=rows[-1]["at"])
    )


def link_hash(previous: str, event: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the event's canonical JSON."""
    return hashlib.sha256(f"{previous}\n{canonical(event)}".encode()).hexdigest()


_ENCODE = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical(event: dict[str, Any]) -> str:
    """The event as JSON with sorted keys, no spaces and times as UTC `...Z` strings."""
    fields = {name: event.get(name) for name in CHAINED}
    fields["at"] = _naive_utc(fields["at"]).isoformat(timespec="microseconds") + "Z"
    return _ENCODE(fields)


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the chain: how many events, the head, and the first break."""

    events: int
    head: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None

    def describe(self) -> str:
        if self.ok:
            return f"audit chain intact: {self.events} events, head {self.head}"
        return f"audit chain broken at event {self.broken_seq} (id {self.broken_id}): {self.reason}"


def verify_chain(session: Session) -> ChainCheck:
    """Recompute the chain from the first event and compare it with what is stored."""
    connection = session.connection()
    head = connection.execute(_READ_HEAD).one_or_none()
    rows = connection.execution_options(yield_per=2000).execute(_EVENTS)
    return check_rows(rows, head)


def check_rows(rows: Iterable[Any], head: Any) -> ChainCheck:
    """`rows`: (id, prev_hash, hash, *CHAINED fields) in `seq` order; `head`: (seq, hash)."""
    previous, expected_seq, count, last_id = GENESIS, 1, 0, None
    for id_, prev_hash, stored_hash, *values in rows:
        event = dict(zip(CHAINED, values, strict=True))
        if broken := _break_in(event, prev_hash, stored_hash, previous, expected_seq):
            return ChainCheck(count, previous, event["seq"], id_, broken)
        previous, expected_seq, count, last_id = stored_hash, event["seq"] + 1, count + 1, id_
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq > count:
        reason = f"events {count + 1} to {head_seq} are missing at the end (deleted)"
        return ChainCheck(count, previous, count + 1, None, reason)
    if (head_seq, head_hash) != (count, previous):
        reason = "the chain's head does not match its newest event (the head was changed)"
        return ChainCheck(count, previous, count, last_id, reason)
    return ChainCheck(count, previous)


def _break_in(event, prev_hash: str, stored_hash: str, previous: str, expected_seq: int) -> str:
    if event["seq"] != expected_seq:
        return f"event {expected_seq} is missing before it (deleted)"
    if prev_hash != previous:
        return "it does not follow the event before it (an event before it was changed)"
    if link_hash(previous, event) != stored_hash:
        return "its content no longer matches its hash (changed after it was written)"
    return ""


def chain_head(session: Session) -> tuple[int, str, datetime | None]:
    """How many events the chain holds, its newest hash and when that event happened."""
    row = session.execute(
        select(AuditHead.seq, AuditHead.hash, AuditHead.at).where(AuditHead.id == HEAD_ID)
    ).one_or_none()
    return (row.seq, row.hash, row.at) if row else (0, GENESIS, None)
