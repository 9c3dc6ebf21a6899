"""API tokens: made for a user (shown once, stored as SHA-256 only), revoked, and looked up for a
request. A token acts with its user's role and entity; a revoked token or an inactive user's token
opens nothing."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data.audit import record
from data.models import ApiToken, User, utcnow
from data.users import AccountError, find_user

TOKEN_BYTES = 32  # 256 bits of randomness, 43 URL-safe characters
# `last_used_at` is written at most this often per token: a busy client does not write every call
USE_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, email: str) -> str:
    """A new token for the user with `email`; the only time the token itself is seen."""
    user = _active_user(session, email)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    held = ApiToken(user_id=user.id, token_hash=token_digest(token))
    session.add(held)
    session.flush()
    record(
        session,
        "api_token.created",
        "api_token",
        held.id,
        entity_id=user.entity_id,
        after={"user": user.email},
    )
    return token


def revoke_tokens(session: Session, email: str) -> int:
    """Revoke every live token of the user with `email`; how many were revoked."""
    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with the e-mail {email}")
    live = list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        )
    )
    now = utcnow()
    for held in live:
        held.revoked_at = now
        record(
            session,
            "api_token.revoked",
            "api_token",
            held.id,
            entity_id=user.entity_id,
            after={"user": user.email},
        )
    return len(live)


def token_user(session: Session, token: str) -> User | None:
    """The active user a live token belongs to, or None; notes when the token was last used."""
    if not token:
        return None
    held = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if held is None or held.revoked_at is not None or not held.user.active:
        return None
    now = utcnow()
    if held.last_used_at is None or now - held.last_used_at >= USE_RESOLUTION:
        session.execute(update(ApiToken).where(ApiToken.id == held.id).values(last_used_at=now))
    return held.user


def _active_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with the e-mail {email}")
    if not user.active:
        raise AccountError(f"the account {email} is switched off: it cannot have a token")
    return user
