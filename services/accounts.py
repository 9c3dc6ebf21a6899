"""Users administered by the admin (issue 15): invite, change role or entity, disable and enable,
force a new password, and the invitee's one-time link. Every step is an audit event.

An invited user exists from the start (so that a role and an entity can be given and the list
shows them) but has no usable password until they open their link and choose one. The link
carries a random token; only its SHA-256 is stored; it works once, until it expires, and stops
when a newer invitation replaces it or the account is disabled."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data.audit import record
from data.models import ROLES, Entity, Invitation, User, UserSession, utcnow
from data.tokens import token_digest
from data.users import (
    EMAIL,
    UNUSABLE_PASSWORD,
    check_new_password,
    end_sessions,
    find_user,
    force_password_reset,
    has_usable_password,
    hash_password,
)
from services.actors import Action, Actor, Role, require
from services.mail import Mail, mail_configured, send

INVITATION_VALID = timedelta(days=7)
TOKEN_BYTES = 32  # 256 bits: 43 URL-safe characters
LANGUAGES = ("en", "ar")
NAME_MAX = 200


class AccountRefused(ValueError):
    """The change cannot be made; `code` names why (the pages say it in the user's language):
    email, exists, role, entity_needed, entity_unknown, entity_not_allowed, language,
    not_found, unchanged, self_disable, self_demote, invited, not_invited, disabled."""

    status = 400

    def __init__(self, code: str, detail: str = "") -> None:
        reason = REFUSALS.get(code, code)
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.code = code
        self.detail = detail


# in English for the command line and the logs; the pages say each in the user's language
REFUSALS = {
    "email": "not an e-mail address",
    "exists": "a user with this e-mail exists already",
    "role": "unknown role; one of " + ", ".join(ROLES),
    "entity_needed": "an entity user needs an entity (--entity CODE)",
    "entity_unknown": "unknown entity code",
    "entity_not_allowed": "only entity users belong to an entity",
    "language": "the language is en or ar",
    "name": "the name is one line of plain text, at most 200 characters",
    "entity_inactive": "the entity is deactivated: it has no team any more",
    "not_found": "no such user",
    "unchanged": "nothing to change",
    "self_disable": "an administrator cannot disable their own account",
    "self_demote": "an administrator cannot change their own role or entity",
    "invited": "the user has not chosen a password yet: send a new invitation",
    "not_invited": "the user has chosen a password already",
    "disabled": "the account is disabled",
}


class InvitationInvalid(LookupError):
    """The link does not work: `state` is unknown, expired, used or replaced."""

    status = 404

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


@dataclass(frozen=True)
class UserRow:
    """One line of the users' list."""

    id: int
    email: str
    name: str
    role: str
    entity_code: str | None
    language: str
    status: str  # active, disabled, invited
    last_sign_in: datetime | None
    invitation_expires: datetime | None  # an invited user's live link; None once expired


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation: the token is here once, to be mailed or shown, never stored."""

    user_id: int
    email: str
    name: str
    role: str
    language: str
    token: str
    expires_at: datetime

    def link(self, public_url: str) -> str:
        return f"{public_url.rstrip('/')}/invite/{self.token}"


@dataclass(frozen=True)
class InvitationCheck:
    """A live invitation as the invitee's page shows it."""

    email: str
    name: str
    language: str
    expires_at: datetime


# --- the list -------------------------------------------------------------------------------


def list_users(session: Session, actor: Actor) -> list[UserRow]:
    """Every user, by e-mail, with status and last sign-in (from the sessions kept, 90 days)."""
    require(actor, Action.MANAGE_USERS)
    last = dict(
        session.execute(
            select(UserSession.user_id, func.max(UserSession.created_at)).group_by(
                UserSession.user_id
            )
        ).all()
    )
    links = dict(
        session.execute(
            select(Invitation.user_id, func.max(Invitation.expires_at))
            .where(
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .group_by(Invitation.user_id)
        ).all()
    )
    users = session.scalars(select(User).order_by(func.lower(User.email))).all()
    return [
        UserRow(
            user.id,
            user.email,
            user.name,
            user.role,
            user.entity_code,
            user.language,
            status_of(user),
            last.get(user.id),
            links.get(user.id) if status_of(user) == "invited" else None,
        )
        for user in users
    ]


def status_of(user: User) -> str:
    if not user.active:
        return "disabled"
    return "active" if has_usable_password(user.password_hash) else "invited"


# --- invitations ----------------------------------------------------------------------------


def invite(
    session: Session,
    actor: Actor,
    email: str,
    *,
    role: str,
    name: str = "",
    entity_code: str | None = None,
    language: str = "en",
    by_mail: bool = False,
) -> IssuedInvitation:
    """Create the account (no usable password yet) and its first one-time link."""
    admin = _admin(session, actor)
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise AccountRefused("email", email)
    if find_user(session, email) is not None:
        raise AccountRefused("exists", email)
    if language not in LANGUAGES:
        raise AccountRefused("language", str(language))
    entity = _entity_for(session, role, entity_code)
    user = User(
        email=email,
        name=_name(name) or email,
        role=role,
        password_hash=UNUSABLE_PASSWORD,
        entity_id=entity.id if entity else None,
        language=language,
        active=True,
        is_demo=False,
        must_change_password=False,
    )
    session.add(user)
    session.flush()
    issued = _issue(session, user, admin)
    record(
        session,
        "user.invite",
        "user",
        user.id,
        user=admin,
        entity_id=user.entity_id,
        after={
            **_facts(user),
            "expires_at": issued.expires_at.isoformat(timespec="seconds"),
            "delivery": "e-mail" if by_mail else "link shown once",
        },
    )
    return issued


def reinvite(session: Session, actor: Actor, user_id: int, *, by_mail: bool = False):
    """A new link for a user who has not chosen a password yet; earlier links stop working."""
    admin = _admin(session, actor)
    user = _user(session, user_id)
    if not user.active:
        raise AccountRefused("disabled", user.email)
    if has_usable_password(user.password_hash):
        raise AccountRefused("not_invited", user.email)
    issued = _issue(session, user, admin)
    record(
        session,
        "user.invite",
        "user",
        user.id,
        user=admin,
        entity_id=user.entity_id,
        after={
            **_facts(user),
            "expires_at": issued.expires_at.isoformat(timespec="seconds"),
            "delivery": "e-mail" if by_mail else "link shown once",
            "replaces_earlier_link": True,
        },
    )
    return issued


def note_mail_failure(session: Session, actor: Actor, issued: IssuedInvitation, error: str):
    """The invitation's e-mail did not leave: the admin was shown the link instead."""
    admin = _admin(session, actor)
    record(
        session,
        "user.invitation_mail_failed",
        "user",
        issued.user_id,
        user=admin,
        after={"email": issued.email},
        reason=str(error)[:500],
    )


def check_invitation(session: Session, token: str, now: datetime | None = None):
    """The live invitation of `token`, or `InvitationInvalid` saying why it does not work."""
    held = _invitation(session, token)
    _refuse_dead(held, now or utcnow())
    user = held.user
    return InvitationCheck(user.email, user.name, user.language, held.expires_at)


def accept_invitation(
    session: Session, token: str, password: str, now: datetime | None = None
) -> User:
    """The invitee chooses their password: the link is spent and the account can sign in.
    `PasswordRefused` (data/users.py) when the password breaks a rule: the link still works."""
    now = now or utcnow()
    held = _invitation(session, token, lock=True)
    _refuse_dead(held, now)
    user = held.user
    check_new_password(password, user.email)
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.must_change_password = False
    held.used_at = now
    record(
        session,
        "user.invitation_accepted",
        "user",
        user.id,
        user=user,
        entity_id=user.entity_id,
        after={"email": user.email, "invited_at": held.created_at.isoformat(timespec="seconds")},
    )
    return user


def invitation_mail(issued: IssuedInvitation, public_url: str, inviter: str) -> Mail:
    """The invitation e-mail in the invitee's language."""
    subject, body = INVITATION_TEXT.get(issued.language, INVITATION_TEXT["en"])
    values = {
        "name": issued.name,
        "inviter": inviter,
        "role": ROLE_NAMES[issued.language if issued.language in LANGUAGES else "en"].get(
            issued.role, issued.role
        ),
        "expires": issued.expires_at.strftime("%Y-%m-%d %H:%M"),
        "link": issued.link(public_url),
    }
    return Mail(issued.email, subject, body.format(**values), issued.language)


def send_invitation(
    issued: IssuedInvitation, *, smtp_url: str | None, sender: str, public_url: str, inviter: str
) -> bool:
    """E-mail the link when a mail server is configured: True when sent, False when there is no
    server (the caller shows the link once). `MailError` when the server refused it."""
    if not mail_configured(smtp_url):
        return False
    send(smtp_url, sender, [invitation_mail(issued, public_url, inviter)])
    return True


def needs_entity(role: str) -> bool:
    """Whether users of `role` belong to an entity (the pages keep the entity chosen only then)."""
    return role in ROLES and Role(role) is Role.ENTITY


ROLE_NAMES = {
    "en": {
        "admin": "administrator",
        "supervisor": "programme office",
        "committee": "committee member",
        "entity": "entity team",
    },
    "ar": {
        "admin": "مدير النظام",
        "supervisor": "مكتب البرنامج",
        "committee": "عضو اللجنة",
        "entity": "فريق الجهة",
    },
}

INVITATION_TEXT = {
    "en": (
        "Your invitation to the Digital Transformation Programme tracker",
        "Hello {name},\n\n"
        "{inviter} has invited you to the Government Digital Transformation Programme "
        "tracker ({role}).\n\n"
        "Open this link to choose your password. It works once, until {expires} UTC:\n\n"
        "{link}\n\n"
        "If you did not expect this message, you can ignore it: without the link nobody can "
        "use the account.\n",
    ),
    "ar": (
        "دعوتك إلى منصة متابعة برنامج التحول الرقمي",
        "مرحبًا {name}،\n\n"
        "دعاك {inviter} إلى منصة متابعة برنامج التحول الرقمي الحكومي ({role}).\n\n"
        "افتح هذا الرابط لتختار كلمة المرور. يعمل الرابط مرة واحدة حتى {expires} بالتوقيت "
        "العالمي المنسق:\n\n"
        "{link}\n\n"
        "إن لم تكن تتوقع هذه الرسالة فتجاهلها: لا يستطيع أحد استخدام الحساب دون الرابط.\n",
    ),
}


# --- changes to a user ----------------------------------------------------------------------


def change_role(
    session: Session, actor: Actor, user_id: int, role: str, entity_code: str | None = None
) -> User:
    """A new role and entity (an entity team needs one; the others have none). The user's
    sessions end (they sign in again with the new rights); an admin cannot demote themselves."""
    admin = _admin(session, actor)
    user = _user(session, user_id)
    entity = _entity_for(session, role, entity_code)
    new_entity_id = entity.id if entity else None
    if user.role == role and user.entity_id == new_entity_id:
        raise AccountRefused("unchanged", user.email)
    if admin is not None and user.id == admin.id:
        raise AccountRefused("self_demote", user.email)
    before = _facts(user)
    user.role = role
    user.entity_id = new_entity_id
    user.entity = entity
    ended = end_sessions(session, user.id, "role changed")
    record(
        session,
        "user.role_change",
        "user",
        user.id,
        user=admin,
        entity_id=new_entity_id or before.get("entity_id"),
        before={"email": user.email, "role": before["role"], "entity": before["entity"]},
        after={
            "email": user.email,
            "role": role,
            "entity": entity.code if entity else None,
            "sessions_ended": ended,
        },
    )
    return user


def set_active(session: Session, actor: Actor, user_id: int, *, active: bool) -> User:
    """Disable (sessions end, sign-in and API tokens are refused, pending links stop) or enable
    again. An admin cannot disable themselves: nobody would be left to undo it."""
    admin = _admin(session, actor)
    user = _user(session, user_id)
    if admin is not None and user.id == admin.id and not active:
        raise AccountRefused("self_disable", user.email)
    if user.active == active:
        raise AccountRefused("unchanged", user.email)
    user.active = active
    after: dict[str, object] = {"active": active}
    if not active:
        after["sessions_ended"] = end_sessions(session, user.id, "user disabled")
        after["links_stopped"] = _revoke_links(session, user.id)
    record(
        session,
        "user.enable" if active else "user.disable",
        "user",
        user.id,
        user=admin,
        entity_id=user.entity_id,
        before={"active": not active, "email": user.email},
        after=after,
    )
    return user


def force_reset(session: Session, actor: Actor, user_id: int) -> User:
    """The user must choose a new password at their next sign-in; sessions and tokens end
    (data/users.py `force_password_reset`, audited as `user.password_reset_forced`)."""
    admin = _admin(session, actor)
    user = _user(session, user_id)
    if not user.active:
        raise AccountRefused("disabled", user.email)
    if not has_usable_password(user.password_hash):
        raise AccountRefused("invited", user.email)
    return force_password_reset(session, user.email, actor=admin)


# --- helpers --------------------------------------------------------------------------------


COMMAND_LINE = Actor(Role.ADMIN)  # `python -m data invite`: the operator, no user of the app


def _admin(session: Session, actor: Actor) -> User | None:
    """The acting admin's row; None for the command line (audited as "system")."""
    require(actor, Action.MANAGE_USERS)
    if actor is COMMAND_LINE:
        return None
    admin = session.get(User, actor.user_id) if actor.user_id else None
    if admin is None or not admin.active:
        raise AccountRefused("not_found", "the acting user")
    return admin


MAX_ID = 2**31 - 1  # beyond any row id (and beyond what the databases' integers hold)


def _user(session: Session, user_id: int) -> User:
    known = type(user_id) is int and 0 < user_id <= MAX_ID
    user = session.get(User, user_id) if known else None
    if user is None:
        raise AccountRefused("not_found", str(user_id))
    return user


def _entity_for(session: Session, role: str, entity_code: str | None) -> Entity | None:
    if role not in ROLES:
        raise AccountRefused("role", str(role))
    code = (entity_code or "").strip().upper()
    if Role(role) is not Role.ENTITY:
        if code:
            raise AccountRefused("entity_not_allowed", code)
        return None
    if not code:
        raise AccountRefused("entity_needed")
    entity = session.scalar(select(Entity).where(Entity.code == code))
    if entity is None:
        raise AccountRefused("entity_unknown", code)
    if not entity.active:
        raise AccountRefused("entity_inactive", code)
    return entity


def _name(name: object) -> str:
    """A person's name as typed, one line of plain text (no control or direction marks: it goes
    into e-mails, the audit trail and exports)."""
    raw = name.strip() if isinstance(name, str) else ""
    if len(raw) > NAME_MAX or not raw.isprintable():
        raise AccountRefused("name", raw[:40])
    return " ".join(raw.split())


def _facts(user: User) -> dict[str, object]:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "entity": user.entity_code,
        "entity_id": user.entity_id,
        "language": user.language,
    }


def _issue(session: Session, user: User, admin: User | None) -> IssuedInvitation:
    _revoke_links(session, user.id)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    held = Invitation(
        user_id=user.id,
        token_hash=token_digest(token),
        created_at=now,
        created_by_id=admin.id if admin else None,
        expires_at=now + INVITATION_VALID,
    )
    session.add(held)
    session.flush()
    return IssuedInvitation(
        user.id, user.email, user.name, user.role, user.language, token, held.expires_at
    )


def _revoke_links(session: Session, user_id: int) -> int:
    done = session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user_id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    return done.rowcount


def _invitation(session: Session, token: str, *, lock: bool = False) -> Invitation:
    if not token or len(token) > 100:
        raise InvitationInvalid("unknown")
    query = select(Invitation).where(Invitation.token_hash == token_digest(token))
    held = session.scalar(query.with_for_update() if lock else query)
    if held is None:
        raise InvitationInvalid("unknown")
    return held


def _refuse_dead(held: Invitation, now: datetime) -> None:
    if held.used_at is not None:
        raise InvitationInvalid("used")
    if held.revoked_at is not None or not held.user.active:
        raise InvitationInvalid("replaced")
    if held.expires_at <= now:
        raise InvitationInvalid("expired")
