"""An entity's submissions: the template, a file checked then submitted, the history and the kept
originals. Whose entity an actor acts on is `services.actors.entity_scope`'s answer, here only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from data.db import Store
from data.models import Entity, Period, Upload
from data.queries import SubmissionRow, count_submissions, submission_history
from etl.ingest import Incoming, Outcome, ingest_isolated
from etl.load import StoredFile
from etl.messages import Problem
from etl.storage import read_original
from etl.template import template_bytes
from services.actors import Action, Actor, acting_entity, entity_scope, may, require

MAX_ID = 2**31 - 1  # the store's integer keys


class NotYours(LookupError):
    """Another entity's file: answered like a file that does not exist, so that ids reveal
    nothing (adapters still record the refusal)."""


@dataclass(frozen=True)
class Original:
    name: str
    data: bytes


def template(session: Session, actor: Actor, entity: str | None, period: str) -> bytes:
    """The pre-filled template of `entity` (an entity team: its own) for `period`."""
    return template_bytes(session, acting_entity(actor, entity, Action.UPLOAD), period)


def check(
    store: Store, actor: Actor, upload_dir: Path, data: bytes, name: str, entity, period
) -> Outcome:
    """Keep and check one file without submitting it (a dry run)."""
    code = acting_entity(actor, entity, Action.UPLOAD)
    incoming = Incoming(data, name, code, period or None)
    return ingest_isolated(store, [incoming], actor.user_id, upload_dir)[0]


def checked(session: Session, actor: Actor, upload_id: int | None, entity: str) -> Outcome | None:
    """A checked upload's stored report: only for its uploader and the entity it was sent for."""
    upload = _own_upload(session, actor, upload_id, entity)
    if upload is None:
        return None
    stored = upload.report or {}
    return Outcome(
        upload.outcome,
        [Problem(**p) for p in stored.get("errors", [])],
        [Problem(**p) for p in stored.get("warnings", [])],
        stored.get("rows", 0),
        upload_id=upload.id,
    )


def submit(
    store: Store, actor: Actor, upload_dir: Path, upload_id: int | None, entity: str
) -> Outcome | None:
    """Submit a file that passed its check: only its uploader, for the entity it was checked for."""
    with store.session() as db:
        upload = _own_upload(db, actor, upload_id, entity)
        if (
            upload is None
            or upload.outcome != "checked"
            or None
            in (
                upload.entity_id,
                upload.period_id,
            )
        ):
            return None
        period = db.get(Period, upload.period_id).code
        data = read_original(upload_dir, upload.stored_name)
        kept = StoredFile(
            upload.file_name, upload.file_sha256, upload.file_size, upload.stored_name
        )
        code = db.get(Entity, upload.entity_id).code
    incoming = Incoming(data, kept.name, code, period, kept)
    return ingest_isolated(store, [incoming], actor.user_id, upload_dir, submit=True)[0]


@dataclass(frozen=True)
class HistoryPage:
    rows: list[SubmissionRow]
    page: int  # 1-based
    pages: int
    total: int


HISTORY_PAGE = 10  # two and a half years of quarters: a phone screen or two


def history(
    session: Session, actor: Actor, entity: str | None, page: int = 1, size: int = HISTORY_PAGE
) -> HistoryPage:
    """One page of the entity's submissions, newest first (an entity team: its own). A page past
    the end shows the last one."""
    code = acting_entity(actor, entity, Action.VIEW_SUBMISSIONS)
    total = count_submissions(session, code)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    rows = submission_history(session, code, limit=size, offset=(page - 1) * size)
    return HistoryPage(rows, page, pages, total)


def original(session: Session, actor: Actor, upload_dir: Path, upload_id: int) -> Original:
    """A kept file, byte for byte: the office any, an entity team its own entity's."""
    require(actor, Action.DOWNLOAD_ORIGINAL)
    upload = session.get(Upload, upload_id) if 0 < upload_id <= MAX_ID else None
    if upload is None:
        raise LookupError(upload_id)
    entity = session.get(Entity, upload.entity_id).code if upload.entity_id else None
    if not may(actor, Action.DOWNLOAD_ORIGINAL, entity) or (entity is None and not actor.is_office):
        raise NotYours(upload_id)
    return Original(upload.file_name, read_original(upload_dir, upload.stored_name))


def _own_upload(session: Session, actor: Actor, upload_id: int | None, entity: str | None):
    """The actor's own upload, sent for `entity` (or for no known entity: a refused file)."""
    code = entity_scope(actor, entity, Action.UPLOAD)
    known = type(upload_id) is int and 0 < upload_id <= MAX_ID  # a page's id, not a forged one
    upload = session.get(Upload, upload_id) if known else None
    if upload is None or upload.uploaded_by_id != actor.user_id:
        return None
    if upload.entity_id is None:
        return upload
    return upload if session.get(Entity, upload.entity_id).code == code else None


__all__ = [
    "HistoryPage",
    "Original",
    "SubmissionRow",
    "check",
    "checked",
    "history",
    "original",
    "submit",
]
