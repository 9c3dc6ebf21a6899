"""Ingest uploaded files: keep each, refuse what is hostile or wrong, validate, and load the valid
ones as submissions in the caller's transaction. A refused file changes no figure."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, bindparam, insert, select, update
from sqlalchemy.orm import Session

from data.analytics import reporting_spans
from data.audit import audit_event, record_all
from data.models import Entity, Period, Submission, Upload, User, utcnow
from etl.due import History, due_kpis, not_reporting, official_histories
from etl.load import (
    Pending,
    StoredFile,
    code_ids,
    file_fields,
    lock_entities,
    write_submissions,
)
from etl.messages import Problem, report_of
from etl.parse import shown_text
from etl.programme import programme_expectation
from etl.read import RawWorkbook, RefusedWorkbook, prefetch, read_workbook
from etl.safety import check_bytes
from etl.storage import keep
from etl.validate import Expectation, validate
from kpis.expected import Span
from kpis.periods import parse_period
from services.actors import Action, Actor, Denied, entity_scope, may

LOG = logging.getLogger(__name__)


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
    valid_initiatives: list = field(default_factory=list, repr=False)  # etl.load.InitiativeRow
    valid_budget: list = field(default_factory=list, repr=False)  # etl.load.BudgetRow

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
    receipt: Receipt | None = None


@dataclass(frozen=True)
class Receipt:
    """A file kept on disk with the upload row that names its uploader, both committed."""

    stored: StoredFile
    upload_id: int


class IngestFailed(RuntimeError):
    """The batch could not be written (a fault of the tracker or its store, not of the files);
    `receipts` are the kept files and their upload rows, committed before it failed."""

    def __init__(self, receipts: list[Receipt], error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.receipts = receipts
        self.error = error


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
    receipts = receive(session, files, user, upload_dir)
    prefetch([f.data for f in files])  # the reader's workers begin on the batch side by side
    try:
        return _check_and_write(session, files, receipts, user, submit, today, progress)
    except Exception as error:
        raise IngestFailed(receipts, error) from error


def _check_and_write(session, files, receipts, user, submit, today, progress) -> list[Outcome]:
    kept = [receipt.stored for receipt in receipts]
    batch = _Batch.read(session, today or date.today())
    early = _EarlyChecks(session) if len(files) > 1 else None
    opened = []
    for incoming in files:
        outcome, workbook = _open(batch, incoming, user)
        if early and workbook is not None:
            early.validate(outcome, workbook)  # while the reader's workers read the next ones
        opened.append((outcome, workbook))
    batch.claim(opened, receipts)
    histories = _histories(session, [outcome for outcome, _ in opened])
    outcomes, pending = [], []
    for (outcome, workbook), stored in zip(opened, kept, strict=True):
        if workbook is not None:
            _check(batch, outcome, workbook, stored, histories, early)
        outcomes.append(outcome)
        pending.append(_pending(batch, outcome, user, stored, submit))
        if progress:
            progress()
    write_submissions(session, [p for p in pending if p is not None])
    for outcome, item in zip(outcomes, pending, strict=True):
        outcome.submission_id = item.id if item else None
    _record_uploads(batch, user, outcomes, receipts)
    return outcomes


def receive(session: Session, files: Sequence[Incoming], user: User, upload_dir: Path):
    """Keep every file and record who sent it, committed on a connection of its own before any
    file is read: whatever reading does, a crash included, the file stays with a row naming its
    uploader. A file already received (a retry) keeps its receipt."""
    fresh = [f for f in files if f.receipt is None]
    made: list[Receipt] = []
    if fresh:
        with Session(session.get_bind()) as own, own.begin():
            kept = [f.stored or keep(own, upload_dir, f.data, f.name) for f in fresh]
            at = utcnow()
            rows = [_upload_row(user, at, stored) for stored in kept]
            ids = own.connection().execute(_INSERT_UPLOADS, rows).scalars().all()
        made = [Receipt(stored, id_) for stored, id_ in zip(kept, ids, strict=True)]
    fresh_receipts = iter(made)
    return [f.receipt or next(fresh_receipts) for f in files]


def _upload_row(user: User, at: datetime, stored: StoredFile) -> dict[str, Any]:
    return {
        "uploaded_by_id": user.id,
        "uploaded_at": at,
        "entity_id": None,
        "period_id": None,
        "outcome": "received",
        "report": {},
        "submission_id": None,
        **file_fields(stored),
    }


def ingest_isolated(store, files: Sequence[Incoming], user_id: int, upload_dir: Path, **options):
    """`ingest_many` in a transaction of its own (of `store`, a data.db.Store). When the batch
    cannot be written, each file is tried alone, so one bad file never costs the others; a file
    that fails alone is recorded as failed (kept, with its uploader and an audit event)."""
    try:
        with store.transaction() as db:
            return ingest_many(db, files, db.get(User, user_id), upload_dir, **options)
    except IngestFailed as failed:
        options.pop("progress", None)
        if len(files) > 1:
            retried = [replace(f, receipt=r) for f, r in zip(files, failed.receipts, strict=True)]
            return [
                outcome
                for file in retried
                for outcome in ingest_isolated(store, [file], user_id, upload_dir, **options)
            ]
        with store.transaction() as db:
            return [fail_upload(db, failed.receipts[0], db.get(User, user_id), failed.error)]


def fail_upload(session: Session, receipt: Receipt, user: User, error: BaseException) -> Outcome:
    """Record that the tracker could not load a kept file: its upload row and an audit event
    (for the office: the error's type and first words; never shown to the uploader)."""
    LOG.error("upload %s could not be loaded", receipt.upload_id, exc_info=error)
    outcome = Outcome("failed", [Problem("ingest_failed", {"upload": receipt.upload_id})])
    outcome.upload_id = receipt.upload_id
    session.execute(
        update(Upload)
        .where(Upload.id == receipt.upload_id)
        .values(outcome="failed", report=outcome.report())
    )
    record_all(
        session,
        [
            audit_event(
                "upload.failed",
                "upload",
                receipt.upload_id,
                user=user,
                after={
                    "file": receipt.stored.name,
                    "sha256": receipt.stored.sha256,
                    "error": f"{type(error).__name__}: {str(error)[:200]}",
                },
            )
        ],
    )
    return outcome


@dataclass
class _Batch:
    """What a batch reads once, in its transaction: the periods with their locks, and the
    earlier submissions of the same files (as it goes, the batch's own are added)."""

    session: Session
    today: date
    at: datetime
    periods: dict[str, Any]
    received: dict[str, list[Any]]
    spans: dict[str, Span]  # which quarters each entity reports

    @classmethod
    def read(cls, session: Session, today: date) -> _Batch:
        periods = {row.code: row for row in _run(session, _PERIODS)}
        return cls(session, today, utcnow(), periods, {}, reporting_spans(session))

    def claim(self, opened: list[tuple[Outcome, Any]], receipts: list[Receipt]) -> None:
        """Write whose each file is, then read what was received before under the lock of those
        entities (PostgreSQL locks their rows; on SQLite the first write takes the store's
        write lock): the same file sent twice at once makes one submission, not two."""
        ids = code_ids(self.session, Entity)
        readable = sorted({ids[o.entity] for o, workbook in opened if workbook is not None})
        lock_entities(self.session.connection(), readable)
        rows = []
        for (outcome, _workbook), receipt in zip(opened, receipts, strict=True):
            entity = _ref(self.session, Entity, outcome.entity)
            period = _ref(self.session, Period, outcome.period)
            rows.append(
                {
                    "upload_id": receipt.upload_id,
                    "to_entity": entity.id if entity else None,
                    "to_period": period.id if period else None,
                }
            )
        _run(self.session, _CLAIM_UPLOADS, rows)
        hashes = sorted({receipt.stored.sha256 for receipt in receipts})
        for row in _run(self.session, _RECEIVED, hashes=hashes):
            self.received.setdefault(row.file_sha256, []).append(row)

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
_CLAIM_UPLOADS = (
    update(Upload)
    .where(Upload.id == bindparam("upload_id"))
    .values(entity_id=bindparam("to_entity"), period_id=bindparam("to_period"))
)
_RECORD_UPLOADS = (
    update(Upload)
    .where(Upload.id == bindparam("upload_id"))
    .values(
        entity_id=bindparam("to_entity"),
        period_id=bindparam("to_period"),
        outcome=bindparam("to_outcome"),
        report=bindparam("to_report", type_=JSON),
        submission_id=bindparam("to_submission"),
    )
)


def _run(session: Session, statement, many=None, **params):
    """A prepared statement on the session's connection, without the ORM's per-query work;
    `many`, a list of parameter sets, runs it once for each."""
    return session.connection().execute(statement, many if many is not None else params)


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
        return Pending(
            entity,
            period,
            outcome.valid_rows,
            user,
            initiatives=outcome.valid_initiatives,
            budget=outcome.valid_budget,
            stored=stored,
            report=report,
            at=batch.at,
        )
    if outcome.outcome == "refused" and entity and period:
        return Pending(
            entity, period, (), user, "rejected", stored=stored, report=report, at=batch.at
        )
    return None


def _record_uploads(batch: _Batch, user: User, outcomes: list[Outcome], receipts) -> None:
    """Every file's outcome on its upload row, and its audit event: two statements a batch."""
    session, at = batch.session, batch.at
    rows, events = [], []
    for outcome, receipt in zip(outcomes, receipts, strict=True):
        entity = _ref(session, Entity, outcome.entity)
        period = _ref(session, Period, outcome.period)
        outcome.upload_id = receipt.upload_id
        rows.append(
            {
                "upload_id": receipt.upload_id,
                "to_entity": entity.id if entity else None,
                "to_period": period.id if period else None,
                "to_outcome": outcome.outcome,
                "to_report": outcome.report(),
                "to_submission": outcome.submission_id,
            }
        )
        events.append(
            audit_event(
                f"upload.{outcome.outcome}",
                "upload",
                receipt.upload_id,
                user=user,
                entity_id=entity.id if entity else None,
                after={
                    "file": receipt.stored.name,
                    "sha256": receipt.stored.sha256,
                    "period": outcome.period,
                    "errors": len(outcome.errors),
                    "warnings": len(outcome.warnings),
                },
                at=at,
            )
        )
    _run(session, _RECORD_UPLOADS, rows)
    record_all(session, events)


def _open(batch: _Batch, incoming: Incoming, user: User) -> tuple[Outcome, RawWorkbook | None]:
    """Refuse a hostile or unreadable file, or one the user may not send for that entity and
    period; else read it, for `_check`."""
    if problem := check_bytes(incoming.name, incoming.data):  # the reader checks the zip
        return Outcome("refused", [problem], entity=_own_entity(user, incoming.entity_code)), None
    try:
        workbook = read_workbook(incoming.data)
    except RefusedWorkbook as refusal:  # its structure, or the reader crashed or timed out
        entity = _own_entity(user, incoming.entity_code)
        return Outcome("refused", refusal.problems, entity=entity), None
    about = workbook.about
    entity_code = _own_entity(user, incoming.entity_code) or about.get("entity", "").upper()
    period = (incoming.period or about.get("period") or "").upper()
    if refusal := _who_and_when(batch, user, incoming.entity_code, entity_code, period):
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


def _check(batch: _Batch, outcome: Outcome, workbook: RawWorkbook, stored, histories, early=None):
    """A file already sent for the same entity and period is a duplicate; else validate it."""
    entity_id = code_ids(batch.session, Entity)[outcome.entity]
    if batch.already_received(entity_id, batch.periods[outcome.period].id, stored.sha256):
        outcome.outcome = "duplicate"
        outcome.warnings = [Problem("duplicate_file", {"date": batch.received_on(stored.sha256)})]
        return
    history = histories[(outcome.entity, outcome.period)]
    checked = early.result(workbook, history) if early else None
    if checked is None:
        checked = _validated(batch.session, outcome, workbook, history)
    outcome.errors, outcome.warnings = checked.errors, checked.warnings
    outcome.rows, outcome.valid_rows = len(checked.rows), checked.rows
    outcome.valid_initiatives, outcome.valid_budget = checked.initiatives, checked.budget
    if checked.errors:
        outcome.outcome = "refused"


def _validated(session: Session, outcome: Outcome, workbook: RawWorkbook, history: History):
    """The file checked against the KPIs due from its entity for its period, given the entity's
    official `history` (all else that `due_kpis` reads is read once per session)."""
    due = due_kpis(session, outcome.entity, parse_period(outcome.period), history)
    programme = programme_expectation(session, outcome.entity, outcome.period)
    return validate(workbook, Expectation(outcome.entity, outcome.period, due, programme))


class _EarlyChecks:
    """A batch's files validated each as soon as it is read, while the reader's workers read the
    next ones, rather than all after the last read: with a core to spare, the validation is off
    the batch's time (28 templates: 57 ms of work after the last read became 29; the reads take
    longer by part of it, by all of it on a machine with no core to spare). The official
    histories it checks against are read at the first file of each period, for every entity
    (which entities the batch holds is known only once all are read). A result stands only for
    the history it was checked against: when the entity's history read after the claim differs
    (an approval in between), the file is validated again (`result` is None), so that the
    outcome is the same either way."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.histories: dict[str, dict[int, History]] = {}
        self.checked: dict[int, tuple[History, Any]] = {}

    def validate(self, outcome: Outcome, workbook: RawWorkbook) -> None:
        ids = code_ids(self.session, Entity)
        if outcome.period not in self.histories:
            quarter = parse_period(outcome.period)
            read = official_histories(self.session, ids.values(), quarter)
            self.histories[outcome.period] = read
        history = self.histories[outcome.period].get(ids[outcome.entity], {})
        checked = _validated(self.session, outcome, workbook, history)
        self.checked[id(workbook)] = (history, checked)

    def result(self, workbook: RawWorkbook, history: History):
        found = self.checked.pop(id(workbook), None)
        return found[1] if found is not None and found[0] == history else None


def _own_entity(user: User, requested: str | None) -> str | None:
    """Whose file it is, as far as the uploader decides: an entity team's own entity, always
    (on the web and the command line alike, so a template of another entity is refused and
    recorded under the uploader's); the entity the office names, else (None) the About sheet's."""
    actor = _actor(user)
    if actor is None:
        return None
    try:
        return entity_scope(actor, requested, Action.UPLOAD)
    except Denied:  # another entity asked for: `_who_and_when` refuses it, kept under its own
        return actor.entity_code


def _actor(user: User) -> Actor | None:
    try:
        return Actor.of(user)
    except (Denied, ValueError):
        return None


def _who_and_when(
    batch: _Batch, user: User, requested: str | None, entity_code: str, period: str
) -> Problem | None:
    if not entity_code:
        return Problem("no_entity")
    actor = _actor(user)
    if not may(actor, Action.UPLOAD):
        return Problem("not_allowed")
    if not may(actor, Action.UPLOAD, (requested or entity_code).upper()):
        found = shown_text((requested or entity_code).upper())
        return Problem("other_entity", {"found": found, "expected": actor.entity_code})
    if entity_code not in code_ids(batch.session, Entity):
        return Problem("no_entity")
    try:
        code = parse_period(period)
    except ValueError:
        return Problem("unknown_period", {"cell": "About!B3", "found": shown_text(period or "—")})
    row = batch.periods.get(code.code)
    if row is None or code.quarter is None:
        return Problem("unknown_period", {"cell": "About!B3", "found": shown_text(period)})
    if row.locked:
        return Problem("locked_period", {"period": row.code})
    if code.end >= batch.today:
        return Problem("future_period", {"period": row.code, "end": code.end.isoformat()})
    return not_reporting(batch.session, entity_code, code, batch.spans)
