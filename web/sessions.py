"""Server-side sessions. Flask's session is a signed cookie that the server cannot take back; the
cookie here carries only a random token, and the server keeps the session as a `UserSession` row
(the token's SHA-256, the user, when it began and was last seen, when and why it ended).

Each request costs one indexed lookup (session, user and entity in one query); `last_seen_at` is
written at most once a minute. A session stops working when it is signed out, idle longer than
SESSION_IDLE, older than SESSION_MAX, or when the user's role, entity or password changes or the
user is disabled (the row keeps what they were at sign-in and is compared on every request)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from data.audit import record
from data.db import Store
from data.models import Entity, User, UserSession, utcnow
from data.users import Account

TOUCH_EVERY = timedelta(minutes=1)
KEEP_ENDED = timedelta(days=90)


@dataclass(frozen=True)
class Timeouts:
    idle: timedelta
    absolute: timedelta


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def credential_of(password_hash: str) -> str:
    """A fingerprint of the stored password hash: it changes with the password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()


def start_session(db: Session, user: User, address: str) -> str:
    """A new session for `user`; returns the token the cookie will carry (never stored).
    The user's sessions unused for KEEP_ENDED go (their sign-ins and sign-outs stay audited)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < now - KEEP_ENDED
        )
    )
    db.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user.id,
            role=user.role,
            entity_id=user.entity_id,
            credential=credential_of(user.password_hash),
            address=address[:64],
            created_at=now,
            last_seen_at=now,
            ended_at=None,
            end_reason="",
        )
    )
    db.flush()
    return token


def end_session(db: Session, token: str, reason: str) -> bool:
    """End the session of `token`; False when it had ended already (or never existed)."""
    done = db.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:30])
    )
    return done.rowcount > 0


_LOOKUP = (
    select(UserSession, User, Entity.code)
    .join(User, User.id == UserSession.user_id)
    .outerjoin(Entity, Entity.id == User.entity_id)
)


def resume_session(store: Store, token: str, timeouts: Timeouts) -> Account | None:
    """The account signed in with `token`, or None when that session no longer works."""
    if not token or len(token) > 100:
        return None
    with store.session() as db:
        row = db.execute(_LOOKUP.where(UserSession.token_hash == token_hash(token))).first()
        if row is None or row[0].ended_at is not None:
            return None
        held, user, entity_code = row
        now = utcnow()
        reason = why_over(held, user, now, timeouts)
        if reason:
            _expire(db, held, user, reason)
            db.commit()
            return None
        if now - held.last_seen_at >= TOUCH_EVERY:
            db.execute(
                update(UserSession).where(UserSession.id == held.id).values(last_seen_at=now)
            )
            db.commit()
        return Account(
            user.id,
            user.email,
            user.name,
            user.role,
            user.entity_id,
            entity_code,
            user.language,
            user.must_change_password,
        )


def why_over(held: UserSession, user: User, now: datetime, timeouts: Timeouts) -> str | None:
    """Why the session must end now, or None while it may go on."""
    if not user.active:
        return "user disabled"
    if held.role != user.role or held.entity_id != user.entity_id:
        return "role changed"
    if held.credential != credential_of(user.password_hash):
        return "password changed"
    if now - held.created_at > timeouts.absolute:
        return "absolute timeout"
    if now - held.last_seen_at > timeouts.idle:
        return "idle timeout"
    return None


def _expire(db: Session, held: UserSession, user: User, reason: str) -> None:
    ended = db.execute(
        update(UserSession)
        .where(UserSession.id == held.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if ended.rowcount:
        record(
            db,
            "auth.session_expired",
            "session",
            held.id,
            user=user,
            entity_id=user.entity_id,
            after={"reason": reason, "last_seen_at": held.last_seen_at.isoformat()},
        )
