"""Publishing a quarter (DESIGN.md, "Release"): the office publishes a quarter with approved
figures; it locks and an edition is frozen: every file of `reports.build`, each kept byte for byte
with its SHA-256, and the audit chain's head at that moment. Publishing again makes the next
edition, which needs a note saying what it corrects. Editions are never changed or deleted:
nothing here updates or deletes a release or its files.

Who may: `Action.PUBLISH` (the office) publishes; `Action.VIEW_REPORTS` (the office and the
committee) lists editions and downloads their files. The public reads, when open data is switched
on (the web layer decides that), only published open data packages and reports."""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from data.analytics import data_version
from data.audit import chain_head, record
from data.db import Store
from data.models import Period, Release, ReleaseFile, Submission, User, utcnow
from reports.stamp import EditionStamp
from services.actors import Action, Actor, require
from services.review import set_lock

NOTE_MAX = 2000
PUBLIC_KINDS = ("pdf", "opendata")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "excel": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "opendata": "application/zip",
}
MAX_ID = 2**31 - 1


class NotFound(LookupError):
    """No such quarter, edition or file (adapters answer 404)."""

    status = 404


class PublishRefused(ValueError):
    """Publishing is not possible as asked; `reason` names why for the adapter's message:
    `no_approved_figures`, `note_required`, `note_too_long`, `note_control_characters`,
    `changed_meanwhile`."""

    status = 400

    def __init__(self, reason: str, period: str = "") -> None:
        super().__init__(f"{reason} {period}".strip())
        self.reason = reason
        self.period = period


class FileDamaged(RuntimeError):
    """A stored file no longer has the SHA-256 recorded when it was published (or is gone)."""


@dataclass(frozen=True)
class EditionFile:
    id: int
    kind: str
    language: str
    file_name: str
    size: int
    sha256: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.kind, "application/octet-stream")


@dataclass(frozen=True)
class Edition:
    id: int
    period: str
    number: int
    published_at: datetime
    published_by: str
    note: str
    audit_seq: int
    audit_hash: str
    data_sha256: str
    files: tuple[EditionFile, ...]


class SessionStore:
    """A `Store` look-alike whose sessions share `session`'s connection and transaction, so that
    the files are built from exactly what the publishing transaction sees (the lock included)."""

    def __init__(self, session: Session) -> None:
        self._connection = session.connection()

    def session(self) -> Session:
        return Session(bind=self._connection, expire_on_commit=False)


@dataclass(frozen=True)
class _Prepared:
    """An edition built before the write: its number, stamp and files, and the data version
    its figures were read at."""

    number: int
    stamp: EditionStamp
    built: list
    version: tuple


def publish(
    store_or_session: Store | Session,
    actor: Actor,
    period: str,
    note: str | None = None,
    *,
    folder: Path | None = None,
) -> Edition:
    """Lock quarter `period` and freeze its next edition in `folder` (default: RELEASE_DIR).
    `Denied` unless the actor may publish; `NotFound` for an unknown quarter; `PublishRefused`
    without approved figures, or without a note for a correction (edition 2 on).

    Given a store, the files (seconds of Chromium) are built from a plain read first, and only
    the short write (lock, edition, files, audit event) holds the store's write lock, so that
    sign-ins and uploads do not wait for the PDFs; if the figures or the edition number changed
    in between, nothing is written and `PublishRefused("changed_meanwhile")` says to try again."""
    require(actor, Action.PUBLISH)
    folder = folder or _default_folder()
    note = _clean_note(note, period)
    if isinstance(store_or_session, Session):
        return _publish(store_or_session, actor, period, note, folder, None)
    prepared = _prepare(store_or_session, actor, period, note)
    with store_or_session.transaction() as session:
        return _publish(session, actor, period, note, folder, prepared)


def _clean_note(note: object, code: str) -> str:
    text = " ".join(note.split()) if isinstance(note, str) else ""
    if any(unicodedata.category(c) == "Cc" for c in text):  # NUL and the like: no text has them
        raise PublishRefused("note_control_characters", code)
    if len(text) > NOTE_MAX:
        raise PublishRefused("note_too_long", code)
    return text


def _checked(session: Session, actor: Actor, period: Period, note: str) -> tuple[User, int]:
    """The publisher and the next edition's number, or why not."""
    user = session.get(User, actor.user_id)
    if user is None:
        raise NotFound(actor.user_id)
    if not _has_approved_figures(session, period):
        raise PublishRefused("no_approved_figures", period.code)
    number = (session.scalar(_last_number(period.id)) or 0) + 1
    if number > 1 and not note:
        raise PublishRefused("note_required", period.code)
    return user, number


def _prepare(store: Store, actor: Actor, code: str, note: str) -> _Prepared:
    from reports.figures import read_edition  # the heavy part, only when publishing

    with store.session() as session:
        period = _period(session, code)
        _user, number = _checked(session, actor, period, note)
        version = data_version(session)
        seq, head, _at = chain_head(session)
    fig = read_edition(store, period.code)
    stamp = _stamp(period.code, number, seq, head, note, fig)
    return _Prepared(number, stamp, _build(store, stamp, fig), version)


def _stamp(code: str, number: int, seq: int, head: str, note: str, fig) -> EditionStamp:
    from reports.build import data_sha256

    return EditionStamp(
        period=code,
        number=number,
        published_at=utcnow().replace(microsecond=0),
        audit_seq=seq,
        audit_hash=head,
        data_sha256=data_sha256(fig, number),
        note=note or None,
    )


def _build(store: Store, stamp: EditionStamp, fig) -> list:
    from reports.build import build_edition

    return build_edition(store, stamp.period, stamp, fig)


def _publish(
    session: Session,
    actor: Actor,
    code: str,
    note: str,
    folder: Path,
    prepared: _Prepared | None,
) -> Edition:
    period = _claim_period(session, code)
    user, number = _checked(session, actor, period, note)
    if prepared is None:  # given a session: build inside it (tests, scripts)
        from reports.figures import read_edition

        if not period.locked:
            set_lock(session, actor, period.code, locked=True)
        session.flush()
        seq, head, _at = chain_head(session)
        reading = SessionStore(session)
        fig = read_edition(reading, period.code)
        stamp = _stamp(period.code, number, seq, head, note, fig)
        built = _build(reading, stamp, fig)
    else:
        if prepared.number != number or data_version(session) != prepared.version:
            raise PublishRefused("changed_meanwhile", period.code)
        if not period.locked:
            set_lock(session, actor, period.code, locked=True)
        stamp, built = prepared.stamp, prepared.built
    release = Release(
        period_id=period.id,
        number=number,
        published_at=stamp.published_at,
        published_by_id=user.id,
        note=note,
        audit_seq=stamp.audit_seq,
        audit_hash=stamp.audit_hash,
        data_sha256=stamp.data_sha256,
    )
    session.add(release)
    for item in built:
        stored = keep_file(folder, f"{period.code}/{uuid.uuid4().hex}", item.name, item.data)
        release.files.append(
            ReleaseFile(
                kind=item.kind,
                language=item.language,
                file_name=item.name,
                size=item.size,
                sha256=item.sha256,
                stored_name=stored,
            )
        )
    session.flush()
    record(
        session,
        "release.publish",
        "release",
        release.id,
        user=user,
        after={
            "period": period.code,
            "edition": number,
            "data_sha256": stamp.data_sha256,
            "audit_seq": stamp.audit_seq,
            "audit_hash": stamp.audit_hash,
            "files": {item.name: item.sha256 for item in built},
        },
        reason=note,
    )
    return _edition(release, period.code, user)


def _period(session: Session, code: str) -> Period:
    text = (code or "").strip().upper()
    period = session.scalar(select(Period).where(Period.code == text))
    if period is None or period.quarter is None:
        raise NotFound(text)
    return period


def _claim_period(session: Session, code: str) -> Period:
    """The quarter, claimed for this transaction (a no-op write): two offices publishing the same
    quarter at once take turns, and the second makes the next edition."""
    text = (code or "").strip().upper()
    claimed = session.execute(
        update(Period).where(Period.code == text).values(locked=Period.locked)
    ).rowcount
    period = session.scalar(select(Period).where(Period.code == text)) if claimed else None
    if period is None or period.quarter is None:
        raise NotFound(text)
    return period


def _has_approved_figures(session: Session, period: Period) -> bool:
    approved = select(Submission.id).where(
        Submission.period_id == period.id, Submission.status == "approved"
    )
    return session.scalar(approved.limit(1)) is not None


def _last_number(period_id: int):
    return select(func.max(Release.number)).where(Release.period_id == period_id)


def keep_file(folder: Path, subfolder: str, name: str, data: bytes) -> str:
    """Write `data` as `folder/subfolder/name`, atomically and never over an existing file: a
    temporary file is written and flushed, then linked into place (linking fails if the name
    exists). Returns the stored name, relative to `folder`."""
    target = folder / subfolder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{name}.{uuid.uuid4().hex}.part")
    with open(temporary, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, target)
    finally:
        temporary.unlink()
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return f"{subfolder}/{name}"


def editions(session: Session, actor: Actor) -> list[Edition]:
    """Every edition, the newest quarter first and within it the newest edition first."""
    require(actor, Action.VIEW_REPORTS)
    return published(session)


def published(session: Session, kinds: tuple[str, ...] | None = None) -> list[Edition]:
    """Every edition with its files (only files of `kinds` when given). No access check: the
    adapters call it for an actor who may view reports, or for the public open data pages."""
    rows = session.scalars(
        select(Release)
        .join(Period, Period.id == Release.period_id)
        .options(selectinload(Release.files), selectinload(Release.published_by))
        .order_by(Period.end_date.desc(), Release.number.desc())
    ).all()
    periods = dict(session.execute(select(Period.id, Period.code)).all())
    found = []
    for release in rows:
        edition = _edition(release, periods[release.period_id], release.published_by)
        if kinds is not None:
            files = tuple(f for f in edition.files if f.kind in kinds)
            edition = replace(edition, files=files)
        found.append(edition)
    return found


def _edition(release: Release, period: str, user: User | None) -> Edition:
    return Edition(
        id=release.id,
        period=period,
        number=release.number,
        published_at=release.published_at,
        published_by=(user.name or user.email) if user else "",
        note=release.note,
        audit_seq=release.audit_seq,
        audit_hash=release.audit_hash,
        data_sha256=release.data_sha256,
        files=tuple(
            EditionFile(f.id, f.kind, f.language, f.file_name, f.size, f.sha256)
            for f in release.files
        ),
    )


def edition_file(
    session: Session, actor: Actor, file_id: int, *, folder: Path | None = None
) -> tuple[EditionFile, bytes]:
    """A published file, byte for byte, after checking its SHA-256 against the one recorded."""
    require(actor, Action.VIEW_REPORTS)
    return stored_file(session, file_id, folder=folder)


def public_file(
    session: Session, file_id: int, *, folder: Path | None = None
) -> tuple[EditionFile, bytes]:
    """A published file the public may read (a report or an open data package)."""
    return stored_file(session, file_id, folder=folder, kinds=PUBLIC_KINDS)


def stored_file(
    session: Session,
    file_id: int,
    *,
    folder: Path | None = None,
    kinds: tuple[str, ...] | None = None,
) -> tuple[EditionFile, bytes]:
    folder = folder or _default_folder()
    row = (
        session.get(ReleaseFile, file_id)
        if type(file_id) is int and 0 < file_id <= MAX_ID
        else None
    )
    if row is None or (kinds is not None and row.kind not in kinds):
        raise NotFound(file_id)
    data = _read(folder, row.stored_name)
    if data is None or hashlib.sha256(data).hexdigest() != row.sha256:
        raise FileDamaged(row.file_name)
    return EditionFile(row.id, row.kind, row.language, row.file_name, row.size, row.sha256), data


def _read(folder: Path, stored_name: str) -> bytes | None:
    path = (folder / stored_name).resolve()
    if folder.resolve() not in path.parents:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def public_observations(session: Session, *, folder: Path | None = None) -> list[dict]:
    """The published figures: per quarter, the observations of its latest edition, read from
    the stored open data package itself (what was frozen is what is served)."""
    from reports.opendata import OBSERVATION_FIELDS, read_observations

    types = {name: kind for name, kind, _about in OBSERVATION_FIELDS}

    rows: list[dict] = []
    seen: set[str] = set()
    for edition in published(session, kinds=("opendata",)):
        if edition.period in seen or not edition.files:
            continue
        seen.add(edition.period)
        _file, data = stored_file(session, edition.files[0].id, folder=folder)
        rows.extend(
            {name: _typed(value, types.get(name, "string")) for name, value in row.items()}
            for row in read_observations(data)
        )
    return rows


def _typed(text: str, kind: str):
    """A CSV cell as the Table Schema types it: numbers as numbers, empty as None."""
    if text == "" and kind != "string":
        return None
    if kind == "integer":
        return int(text)
    if kind == "number":
        return float(text)
    return text


def _default_folder() -> Path:
    from settings import Settings

    return Settings.from_env().release_dir
