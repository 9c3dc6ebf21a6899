"""Accounts: creation, Argon2id password hashing, password changes and forced resets, ending a
user's sessions, and the development demo accounts."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.audit import record
from data.models import ROLES, Entity, User, UserSession, utcnow
from data.passwords import MAX_PASSWORD, MESSAGES, password_problem

# Argon2id at RFC 9106's low-memory profile (t=3, 64 MiB, p=4): above OWASP's minimum (t=2, 19 MiB).
HASHER = PasswordHasher()
# one plain address (no display name, no list: a comma would make two recipients of a mail)
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
DEMO_PASSWORD = "demo-password-2025"  # noqa: S105 - development-only accounts, refused in production
DEMO_ACCOUNTS = (
    ("admin@demo.gov.om", "Demo administrator", "admin", None),
    ("supervisor@demo.gov.om", "Demo programme officer", "supervisor", None),
    ("committee@demo.gov.om", "Demo committee member", "committee", None),
    ("entity@demo.gov.om", "Demo MOH team", "entity", "MOH"),
)


# the stored "hash" of an invited user who has not chosen a password yet: no password matches it
UNUSABLE_PASSWORD = "!invited"  # noqa: S105 - a marker, not a password


def has_usable_password(password_hash: str) -> bool:
    return not password_hash.startswith("!")


class AccountError(ValueError):
    """A user cannot be created or changed as asked."""


class PasswordRefused(AccountError):
    """The password breaks a rule of data/passwords.py; `code` names which."""

    def __init__(self, code: str) -> None:
        super().__init__(MESSAGES[code])
        self.code = code


class WrongPassword(AccountError):
    """The password given to confirm a change is not the user's."""


def check_new_password(password: str, email: str = "") -> None:
    """Raise PasswordRefused unless `password` may be chosen by the user of `email`."""
    code = password_problem(password, email)
    if code:
        raise PasswordRefused(code)
    if password == DEMO_PASSWORD:  # printed by every development start and in the README
        raise PasswordRefused("common")


@dataclass(frozen=True)
class Account:
    """What the web layer keeps of a user: plain values, no session attached."""

    id: int
    email: str
    name: str
    role: str
    entity_id: int | None
    entity_code: str | None
    language: str
    must_change_password: bool = False


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    email: str,
    role: str,
    password: str,
    *,
    entity_code: str | None = None,
    name: str = "",
    is_demo: bool = False,
    actor: User | None = None,
) -> User:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if not (is_demo and password == DEMO_PASSWORD):  # the demo accounts' own, nobody else's
        check_new_password(password, email)
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(f"a user with e-mail {email} exists already")
    entity = None
    if role == "entity":
        if not entity_code:
            raise AccountError("an entity user needs --entity CODE")
        entity = session.scalar(select(Entity).where(Entity.code == entity_code.upper()))
        if entity is None:
            raise AccountError(f"unknown entity code {entity_code!r}")
    elif entity_code:
        raise AccountError(f"only entity users belong to an entity, not a {role}")
    user = User(
        email=email,
        name=name or email,
        role=role,
        password_hash=hash_password(password),
        entity_id=entity.id if entity else None,
        is_demo=is_demo,
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    record(
        session,
        "user.create",
        "user",
        user.id,
        user=actor,
        entity_id=user.entity_id,
        after={"email": email, "role": role},
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    if len(password) > MAX_PASSWORD:
        return None  # never hash more than any password may be
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active or not has_usable_password(user.password_hash):
        verify_password(_dummy_hash(), password)  # same work whether or not the account exists
        return None
    if not verify_password(user.password_hash, password):
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def account(session: Session, user_id: int) -> Account | None:
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return Account(
        user.id,
        user.email,
        user.name,
        user.role,
        user.entity_id,
        user.entity.code if user.entity else None,
        user.language,
        user.must_change_password,
    )


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def change_password(session: Session, user: User, current: str, new: str) -> int:
    """The user's own change: the current password first, then the rules. Every session of the
    user ends (the caller starts a new one for the browser that asked); returns how many."""
    if not verify_password(user.password_hash, current[: MAX_PASSWORD + 1]):
        raise WrongPassword("the current password is not right")
    if new == current:
        raise PasswordRefused("unchanged")
    check_new_password(new, user.email)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    ended = end_sessions(session, user.id, "password changed")
    record(
        session,
        "user.password_change",
        "user",
        user.id,
        user=user,
        entity_id=user.entity_id,
        after={"sessions_ended": ended},
    )
    return ended


def force_password_reset(
    session: Session, email: str, new: str | None = None, *, actor: User | None = None
) -> User:
    """An administrator's reset: the user must choose a new password at the next sign-in (after
    signing in with `new`, when given, or with the old password); their sessions end now, and
    their API tokens are revoked (a reset is what one does to an account thought compromised).
    `actor`: the administrator, when done from the pages (the command line has none)."""
    from data.tokens import revoke_tokens  # tokens name their user: imported here, not above

    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with e-mail {email.strip().lower()}")
    if new is not None:
        check_new_password(new, user.email)
        user.password_hash = hash_password(new)
        user.password_changed_at = utcnow()
    user.must_change_password = True
    ended = end_sessions(session, user.id, "password reset")
    revoked = revoke_tokens(session, user.email)
    record(
        session,
        "user.password_reset_forced",
        "user",
        user.id,
        user=actor,
        entity_id=user.entity_id,
        after={
            "email": user.email,
            "new_password_set": new is not None,
            "sessions_ended": ended,
            "tokens_revoked": revoked,
        },
    )
    return user


def end_sessions(session: Session, user_id: int, reason: str) -> int:
    """End every open session of the user; return how many."""
    done = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason[:30])
    )
    return done.rowcount


def ensure_demo_accounts(session: Session) -> list[tuple[str, str]]:
    """Create the development accounts that are missing; return (email, role) of each."""
    created = []
    for email, name, role, entity in DEMO_ACCOUNTS:
        if not session.scalar(select(User.id).where(User.email == email)):
            create_user(
                session, email, role, DEMO_PASSWORD, entity_code=entity, name=name, is_demo=True
            )
        created.append((email, role))
    return created


def demo_accounts_exist(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User).where(User.is_demo)) > 0


@cache
def _dummy_hash() -> str:
    return HASHER.hash(secrets.token_hex(8))
