"""Ingest uploaded files: keep each, refuse what is hostile or wrong, validate, and load the valid
ones as submissions in the caller's transaction. A refused file changes no figure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from data.audit import audit_event, record_all
from data.models import Entity, Period, Submission, Upload, User, utcnow
from etl.due import History, due_kpis, official_histories
from etl.load import Pending, StoredFile, code_ids, file_fields, write_submissions
from etl.messages import Problem, report_of
from etl.read import RawWorkbook, UnreadableWorkbook, read_workbook
from etl.safety import check_file
from etl.storage import keep
from etl.validate import Expectation, validate
from kpis.periods import parse_period


@dataclass
class Outcome:
    """What became of one file: `refused`, `checked` (dry run), `submitted` or `duplicate`."""

    outcome: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0
    upload_id: int | None = None
    submission_id: int | None = None
    entity: str | None = None
    period: str | None = None
    valid_rows: list = field(default_factory=list, repr=False)

    @property
    def loaded(self) -> bool:
        return self.outcome in ("submitted", "checked", "duplicate")

    def report(self) -> dict[str, Any]:
        return report_of(self.rows, self.errors, self.warnings)


@dataclass(frozen=True)
class Incoming:
    """One file to ingest, and whose and for when its uploader says it is (else its About
    sheet says). `stored`: the file as already kept, when a checked upload is submitted."""

    data: bytes
    name: str
    entity_code: str | None = None
    period: str | None = None
    stored: StoredFile | None = None


def ingest(
    session: Session,
    data: bytes,
    name: str,
    user: User,
    upload_dir: Path,
    *,
    submit: bool = False,
    entity_code: str | None = None,
    period: str | None = None,
    today: date | None = None,
    stored: StoredFile | None = None,
) -> Outcome:
    """One file (see `ingest_many`)."""
    incoming = Incoming(data, name, entity_code, period, stored)
    return ingest_many(session, [incoming], user, upload_dir, submit=submit, today=today)[0]


def ingest_many(
    session: Session,
    files: Sequence[Incoming],
    user: User,
    upload_dir: Path,
    *,
    submit: bool = False,
    today: date | None = None,
    progress: Callable[[], None] | None = None,
) -> list[Outcome]:
    """Keep and check each file, then write them all in the caller's transaction: the valid ones
    as submissions (when `submit`), the refused ones as rejected with their reports, and every
    upload with its audit event. Files are checked one by one (`progress` is called after each)
    and written together: a few statements for the batch cost less than a few for every file."""
    if not files:
        return []
    kept = [f.stored or keep(session, upload_dir, f.data, f.name) for f in files]
    batch = _Batch.read(session, today or date.today(), [k.sha256 for k in kept])
    opened = [_open(batch, f, user) for f in files]
    histories = _histories(session, [outcome for outcome, _ in opened])
    outcomes, pending = [], []
    for (outcome, workbook), stored in zip(opened, kept, strict=True):
        if workbook is not None:
            _check(batch, outcome, workbook, stored, histories)
        outcomes.append(outcome)
        pending.append(_pending(batch, outcome, user, stored, submit))
        if progress:
            progress()
    write_submissions(session, [p for p in pending if p is not None])
    for outcome, item in zip(outcomes, pending, strict=True):
        outcome.submission_id = item.id if item else None
    _record_uploads(batch, user, outcomes, kept)
    return outcomes


@dataclass
class _Batch:
    """What a batch reads once, in its transaction: the periods with their locks, and the
    earlier submissions of the same files (as it goes, the batch's own are added)."""

    session: Session
    today: date
    at: datetime
    periods: dict[str, Any]
    received: dict[str, list[Any]]

    @classmethod
    def read(cls, session: Session, today: date, hashes: list[str]) -> _Batch:
        received: dict[str, list[Any]] = {}
        for row in _run(session, _RECEIVED, hashes=sorted(set(hashes))):
            received.setdefault(row.file_sha256, []).append(row)
        periods = {row.code: row for row in _run(session, _PERIODS)}
        return cls(session, today, utcnow(), periods, received)

    def already_received(self, entity_id: int, period_id: int, sha256: str) -> bool:
        return any(
            (row.entity_id, row.period_id) == (entity_id, period_id) and row.status != "rejected"
            for row in self.received.get(sha256, [])
        )

    def received_on(self, sha256: str) -> str:
        first = min((row.uploaded_at for row in self.received.get(sha256, [])), default=None)
        return first.strftime("%Y-%m-%d") if first else ""

    def add(self, entity_id: int, period_id: int, sha256: str) -> None:
        self.received.setdefault(sha256, []).append(
            _Received(entity_id, period_id, sha256, "submitted", self.at)
        )


@dataclass(frozen=True)
class _Received:
    entity_id: int
    period_id: int
    file_sha256: str
    status: str
    uploaded_at: datetime


@dataclass(frozen=True)
class _Ref:
    id: int
    code: str


_PERIODS = select(Period.id, Period.code, Period.locked)
_RECEIVED = select(
    Submission.entity_id,
    Submission.period_id,
    Submission.file_sha256,
    Submission.status,
    Submission.uploaded_at,
).where(Submission.file_sha256.in_(bindparam("hashes", expanding=True)))
_INSERT_UPLOADS = insert(Upload).returning(Upload.id, sort_by_parameter_order=True)


def _run(session: Session, statement, **params):
    """A prepared statement on the session's connection, without the ORM's per-query work."""
    return session.connection().execute(statement, params)


def _ref(session: Session, model, code: str | None) -> _Ref | None:
    """An entity or a period by code, from the session's code -> id map."""
    known = code_ids(session, model).get(code or "")
    return _Ref(known, code) if known is not None else None


def _pending(batch: _Batch, outcome: Outcome, user: User, stored, submit: bool) -> Pending | None:
    """The submission a file makes, if any: its figures when valid and submitted, else its
    report as a rejected submission when whose and for when it is are known."""
    entity = _ref(batch.session, Entity, outcome.entity)
    period = _ref(batch.session, Period, outcome.period)
    report = outcome.report()
    if outcome.outcome == "valid":
        outcome.outcome = "submitted" if submit else "checked"
        if not submit:
            return None
        batch.add(entity.id, period.id, stored.sha256)
        rows = outcome.valid_rows
        return Pending(entity, period, rows, user, stored=stored, report=report, at=batch.at)
    if outcome.outcome == "refused" and entity and period:
        return Pending(entity, period, (), user, "rejected", stored, report, batch.at)
    return None


def _record_uploads(batch: _Batch, user: User, outcomes: list[Outcome], kept) -> None:
    """Every file's upload row and audit event, in two statements for the whole batch."""
    session, at = batch.session, batch.at
    rows = []
    for outcome, stored in zip(outcomes, kept, strict=True):
        entity = _ref(session, Entity, outcome.entity)
        period = _ref(session, Period, outcome.period)
        rows.append(
            {
                "uploaded_by_id": user.id,
                "uploaded_at": at,
                "entity_id": entity.id if entity else None,
                "period_id": period.id if period else None,
                "outcome": outcome.outcome,
                "report": outcome.report(),
                "submission_id": outcome.submission_id,
                **file_fields(stored),
            }
        )
    ids = session.connection().execute(_INSERT_UPLOADS, rows).scalars().all()
    events = []
    for outcome, stored, upload_id, row in zip(outcomes, kept, ids, rows, strict=True):
        outcome.upload_id = upload_id
        events.append(
            audit_event(
                f"upload.{outcome.outcome}",
                "upload",
                upload_id,
                user=user,
                entity_id=row["entity_id"],
                after={
                    "file": stored.name,
                    "sha256": stored.sha256,
                    "period": outcome.period,
                    "errors": len(outcome.errors),
                    "warnings": len(outcome.warnings),
                },
                at=at,
            )
        )
    record_all(session, events)


def _open(batch: _Batch, incoming: Incoming, user: User) -> tuple[Outcome, RawWorkbook | None]:
    """Refuse a hostile or unreadable file, or one the user may not send for that entity and
    period; else read it, for `_check`."""
    if problem := check_file(incoming.name, incoming.data):
        return Outcome("refused", [problem], entity=_own_entity(user, incoming.entity_code)), None
    try:
        workbook = read_workbook(incoming.data)
    except UnreadableWorkbook:
        damaged = [Problem("damaged")]
        return Outcome("refused", damaged, entity=_own_entity(user, incoming.entity_code)), None
    about = workbook.about
    entity_code = (incoming.entity_code or about.get("entity") or user_entity(user) or "").upper()
    period = (incoming.period or about.get("period") or "").upper()
    if refusal := _who_and_when(batch, user, entity_code, period):
        known_period = period if period in batch.periods else None
        return Outcome("refused", [refusal], entity=entity_code or None, period=known_period), None
    return Outcome("valid", entity=entity_code, period=period), workbook


def _histories(session: Session, opened: list[Outcome]) -> dict[tuple[str, str], History]:
    """The official history of every (entity, period) the batch may load, a query per period."""
    entities: dict[str, set[str]] = {}
    for outcome in opened:
        if outcome.outcome == "valid":
            entities.setdefault(outcome.period, set()).add(outcome.entity)
    found = {}
    ids = code_ids(session, Entity)
    for period, codes in entities.items():
        read = official_histories(session, [ids[c] for c in codes], parse_period(period))
        found.update({(code, period): read.get(ids[code], {}) for code in codes})
    return found


def _check(batch: _Batch, outcome: Outcome, workbook: RawWorkbook, stored, histories) -> None:
    """A file already sent for the same entity and period is a duplicate; else validate it."""
    entity_id = code_ids(batch.session, Entity)[outcome.entity]
    if batch.already_received(entity_id, batch.periods[outcome.period].id, stored.sha256):
        outcome.outcome = "duplicate"
        outcome.warnings = [Problem("duplicate_file", {"date": batch.received_on(stored.sha256)})]
        return
    quarter = parse_period(outcome.period)
    history = histories[(outcome.entity, outcome.period)]
    due = due_kpis(batch.session, outcome.entity, quarter, history)
    checked = validate(workbook, Expectation(outcome.entity, outcome.period, due))
    outcome.errors, outcome.warnings = checked.errors, checked.warnings
    outcome.rows, outcome.valid_rows = len(checked.rows), checked.rows
    if checked.errors:
        outcome.outcome = "refused"


def user_entity(user: User) -> str | None:
    return user.entity.code if user.entity else None


def _own_entity(user: User, entity_code: str | None) -> str | None:
    return (entity_code or user_entity(user) or "").upper() or None


def _who_and_when(batch: _Batch, user: User, entity_code: str, period: str) -> Problem | None:
    if not entity_code:
        return Problem("no_entity")
    if user.role == "entity" and entity_code != user_entity(user):
        return Problem("other_entity", {"found": entity_code, "expected": user_entity(user)})
    if user.role not in ("entity", "supervisor", "admin"):
        return Problem("not_allowed")
    if entity_code not in code_ids(batch.session, Entity):
        return Problem("no_entity")
    try:
        code = parse_period(period)
    except ValueError:
        return Problem("unknown_period", {"cell": "About!B3", "found": period or "—"})
    row = batch.periods.get(code.code)
    if row is None or code.quarter is None:
        return Problem("unknown_period", {"cell": "About!B3", "found": period})
    if row.locked:
        return Problem("locked_period", {"period": row.code})
    if code.end >= batch.today:
        return Problem("future_period", {"period": row.code, "end": code.end.isoformat()})
    return None
