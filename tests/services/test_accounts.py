"""Users administered by the admin (services/accounts.py): invitations, role and entity changes,
disabling, forced resets; who may do it; what each step leaves in the audit trail."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from data.db import Store
from data.models import AuditEvent, Entity, Invitation, User, UserSession, utcnow
from data.tokens import create_token, token_user
from data.users import PasswordRefused, authenticate, find_user
from services.accounts import (
    AccountRefused,
    InvitationInvalid,
    accept_invitation,
    change_role,
    check_invitation,
    force_reset,
    invitation_mail,
    invite,
    list_users,
    reinvite,
    send_invitation,
    set_active,
)
from services.actors import Actor, Denied
from services.mail import MailError
from tests.conftest import PASSWORD, ROLE_USERS
from web.sessions import start_session

NEW_PASSWORD = "a quiet harbour at dawn"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def users_store(users_db_url):
    store = Store(users_db_url)
    yield store
    store.engine.dispose()


def actor_of(db, role: str) -> Actor:
    return Actor.of(find_user(db, ROLE_USERS[role][0]))


def user_id(db, role: str) -> int:
    return find_user(db, ROLE_USERS[role][0]).id


def events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_invited_user_chooses_a_password_and_signs_in(users_store):
    with users_store.transaction() as db:
        issued = invite(
            db,
            actor_of(db, "admin"),
            " New.Clerk@MOH.gov.om ",
            role="entity",
            name="New clerk",
            entity_code="moh",
            language="ar",
        )
    assert len(issued.token) >= 40
    with users_store.session() as db:
        held = db.scalar(select(Invitation))
        assert held.token_hash != issued.token and issued.token not in held.token_hash
        assert timedelta(days=6) < held.expires_at - held.created_at <= timedelta(days=7)
        rows = {row.email: row for row in list_users(db, actor_of(db, "admin"))}
        row = rows["new.clerk@moh.gov.om"]
        assert (row.status, row.role, row.entity_code, row.language) == (
            "invited",
            "entity",
            "MOH",
            "ar",
        )
        assert row.invitation_expires == held.expires_at
        # no password opens an invited account, not even the marker stored in its place
        assert authenticate(db, "new.clerk@moh.gov.om", "!invited") is None
        assert check_invitation(db, issued.token).email == "new.clerk@moh.gov.om"
        (event,) = events(db, "user.invite")
        assert event.actor == ROLE_USERS["admin"][0]
        assert event.after["role"] == "entity" and event.after["entity"] == "MOH"
    with users_store.transaction() as db:
        accept_invitation(db, issued.token, NEW_PASSWORD)
    with users_store.transaction() as db:
        assert authenticate(db, "new.clerk@moh.gov.om", NEW_PASSWORD).entity_code == "MOH"
        rows = {row.email: row for row in list_users(db, actor_of(db, "admin"))}
        assert rows["new.clerk@moh.gov.om"].status == "active"
        (accepted,) = events(db, "user.invitation_accepted")
        assert accepted.actor == "new.clerk@moh.gov.om"
    with users_store.transaction() as db, pytest.raises(InvitationInvalid) as used:
        accept_invitation(db, issued.token, "another long passphrase")
    assert used.value.state == "used"


def test_links_that_do_not_work_say_why(users_store):
    with users_store.transaction() as db:
        admin = actor_of(db, "admin")
        first = invite(db, admin, "a@x.om", role="committee")
        second = reinvite(db, admin, first.user_id)
        late = invite(db, admin, "b@x.om", role="committee")
    with users_store.session() as db:
        for token, state in [
            ("no-such-token", "unknown"),
            ("", "unknown"),
            ("x" * 500, "unknown"),
            (first.token, "replaced"),
        ]:
            with pytest.raises(InvitationInvalid) as invalid:
                check_invitation(db, token)
            assert invalid.value.state == state, token
        assert check_invitation(db, second.token).email == "a@x.om"
        with pytest.raises(InvitationInvalid) as expired:
            check_invitation(db, late.token, now=late.expires_at + timedelta(seconds=1))
        assert expired.value.state == "expired"


def test_a_refused_password_keeps_the_link(users_store):
    with users_store.transaction() as db:
        issued = invite(db, actor_of(db, "admin"), "c@x.om", role="supervisor")
    with users_store.transaction() as db, pytest.raises(PasswordRefused) as refused:
        accept_invitation(db, issued.token, "Password2025!")
    assert refused.value.code == "common"
    with users_store.transaction() as db:
        accept_invitation(db, issued.token, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("email", "role", "entity", "language", "code"),
    [
        ("not-an-address", "committee", None, "en", "email"),
        ("admin@test.om", "committee", None, "en", "exists"),
        ("d@x.om", "minister", None, "en", "role"),
        ("d@x.om", "entity", None, "en", "entity_needed"),
        ("d@x.om", "entity", "NOPE", "en", "entity_unknown"),
        ("d@x.om", "committee", "MOH", "en", "entity_not_allowed"),
        ("d@x.om", "committee", None, "fr", "language"),
        ("d@x.om,victim@x.om", "committee", None, "en", "email"),  # two recipients of one mail
        ("D Boss <d@x.om>", "committee", None, "en", "email"),
    ],
)
def test_bad_invitations_are_refused_with_a_reason(
    users_store, email, role, entity, language, code
):
    with users_store.transaction() as db, pytest.raises(AccountRefused) as refused:
        invite(db, actor_of(db, "admin"), email, role=role, entity_code=entity, language=language)
    assert refused.value.code == code
    with users_store.session() as db:
        assert find_user(db, "d@x.om") is None


@pytest.mark.parametrize("name", ["Eve\r\nBcc: attacker@evil.om", "Eve\u202eevE", "E" * 201])
def test_a_name_that_is_not_one_line_of_plain_text_is_refused(users_store, name):
    """The name goes into e-mails, the audit trail and exports."""
    with users_store.transaction() as db, pytest.raises(AccountRefused) as refused:
        invite(db, actor_of(db, "admin"), "d@x.om", role="committee", name=name)
    assert refused.value.code == "name"
    with users_store.transaction() as db:
        invite(db, actor_of(db, "admin"), "d@x.om", role="committee", name="  Salim   Al-Harthy ")
        assert find_user(db, "d@x.om").name == "Salim Al-Harthy"


def test_nobody_joins_a_deactivated_entity(users_store):
    with users_store.transaction() as db:
        db.execute(Entity.__table__.update().where(Entity.code == "MOF").values(active=False))
    with users_store.transaction() as db, pytest.raises(AccountRefused) as refused:
        invite(db, actor_of(db, "admin"), "d@x.om", role="entity", entity_code="MOF")
    assert refused.value.code == "entity_inactive"


@pytest.mark.parametrize("role", ["supervisor", "committee", "entity"])
def test_only_the_admin_manages_users(users_store, role):
    with users_store.transaction() as db:
        actor = actor_of(db, role)
        target = user_id(db, "committee")
        for attempt in (
            lambda: invite(db, actor, "e@x.om", role="committee"),
            lambda: list_users(db, actor),
            lambda: set_active(db, actor, target, active=False),
            lambda: change_role(db, actor, target, "admin"),
            lambda: force_reset(db, actor, target),
        ):
            with pytest.raises(Denied):
                attempt()
    with users_store.session() as db:
        assert find_user(db, "e@x.om") is None
        assert find_user(db, ROLE_USERS["committee"][0]).role == "committee"


def test_role_change_ends_sessions_and_is_audited(users_store):
    with users_store.transaction() as db:
        committee = find_user(db, ROLE_USERS["committee"][0])
        start_session(db, committee, "127.0.0.1")
    with users_store.transaction() as db:
        change_role(db, actor_of(db, "admin"), committee.id, "entity", "mof")
    with users_store.session() as db:
        user = db.get(User, committee.id)
        assert (user.role, user.entity_code) == ("entity", "MOF")
        assert db.scalar(select(UserSession.ended_at).where(UserSession.user_id == user.id))
        (event,) = events(db, "user.role_change")
        assert event.before == {"email": committee.email, "role": "committee", "entity": None}
        assert event.after == {
            "email": committee.email,
            "role": "entity",
            "entity": "MOF",
            "sessions_ended": 1,
        }
    with users_store.transaction() as db, pytest.raises(AccountRefused) as same:
        change_role(db, actor_of(db, "admin"), committee.id, "entity", "MOF")
    assert same.value.code == "unchanged"


def test_an_admin_cannot_disable_or_demote_themselves(users_store):
    with users_store.transaction() as db:
        admin = actor_of(db, "admin")
        with pytest.raises(AccountRefused) as disable:
            set_active(db, admin, admin.user_id, active=False)
        with pytest.raises(AccountRefused) as demote:
            change_role(db, admin, admin.user_id, "supervisor")
    assert (disable.value.code, demote.value.code) == ("self_disable", "self_demote")
    with users_store.session() as db:
        me = find_user(db, ROLE_USERS["admin"][0])
        assert (me.active, me.role) == (True, "admin")


def test_a_disabled_user_cannot_sign_in_or_use_a_token_until_enabled(users_store):
    email = ROLE_USERS["entity"][0]
    with users_store.transaction() as db:
        token = create_token(db, email)
        start_session(db, find_user(db, email), "127.0.0.1")
        target = user_id(db, "entity")
    with users_store.transaction() as db:
        set_active(db, actor_of(db, "admin"), target, active=False)
    with users_store.transaction() as db:
        assert authenticate(db, email, PASSWORD) is None
        assert token_user(db, token) is None
        assert db.scalar(select(UserSession.end_reason).where(UserSession.user_id == target)) == (
            "user disabled"
        )
        (event,) = events(db, "user.disable")
        assert event.after["sessions_ended"] == 1
        row = {r.email: r for r in list_users(db, actor_of(db, "admin"))}[email]
        assert row.status == "disabled"
    with users_store.transaction() as db:
        set_active(db, actor_of(db, "admin"), target, active=True)
    with users_store.transaction() as db:
        assert authenticate(db, email, PASSWORD) is not None
        assert token_user(db, token).email == email
        assert len(events(db, "user.enable")) == 1


def test_disabling_an_invited_user_stops_their_link(users_store):
    with users_store.transaction() as db:
        issued = invite(db, actor_of(db, "admin"), "f@x.om", role="committee")
        set_active(db, actor_of(db, "admin"), issued.user_id, active=False)
    with users_store.transaction() as db:
        with pytest.raises(InvitationInvalid):
            accept_invitation(db, issued.token, NEW_PASSWORD)
        with pytest.raises(AccountRefused) as refused:
            reinvite(db, actor_of(db, "admin"), issued.user_id)
    assert refused.value.code == "disabled"


def test_forced_reset_by_the_admin(users_store):
    email = ROLE_USERS["supervisor"][0]
    with users_store.transaction() as db:
        token = create_token(db, email)
        force_reset(db, actor_of(db, "admin"), user_id(db, "supervisor"))
    with users_store.transaction() as db:
        assert find_user(db, email).must_change_password
        assert token_user(db, token) is None
        (event,) = events(db, "user.password_reset_forced")
        assert event.actor == ROLE_USERS["admin"][0]
        assert event.after["tokens_revoked"] == 1
        invited = invite(db, actor_of(db, "admin"), "g@x.om", role="committee")
        with pytest.raises(AccountRefused) as refused:
            force_reset(db, actor_of(db, "admin"), invited.user_id)
    assert refused.value.code == "invited"


def test_invitation_mail_in_the_invitees_language(users_store, smtp_sink):
    with users_store.transaction() as db:
        issued = invite(db, actor_of(db, "admin"), "h@x.om", role="committee", language="ar")
    sent = send_invitation(
        issued,
        smtp_url=smtp_sink.url,
        sender="tracker@test.om",
        public_url="https://tracker.test.om/",
        inviter="Admin",
    )
    assert sent is True
    (message,) = smtp_sink.to("h@x.om")
    body = message.get_payload(decode=True).decode("utf-8")
    assert message["Content-Language"] == "ar"
    assert f"https://tracker.test.om/invite/{issued.token}" in body
    assert "كلمة المرور" in body and "عضو اللجنة" in body
    english = invitation_mail(issued.__class__(**{**vars(issued), "language": "en"}), "u", "A")
    assert "choose your password" in english.body and "committee member" in english.body


def test_without_a_mail_server_nothing_is_sent_and_a_refusal_is_said(users_store):
    with users_store.transaction() as db:
        issued = invite(db, actor_of(db, "admin"), "i@x.om", role="committee")
    common = {"sender": "t@x.om", "public_url": "http://x", "inviter": "A"}
    assert send_invitation(issued, smtp_url=None, **common) is False
    with pytest.raises(MailError):
        send_invitation(issued, smtp_url="smtp://127.0.0.1:9", **common)


def test_the_command_line_invites_and_prints_the_link_once(users_store, users_db_url, tmp_path):
    env = {
        "DATABASE_URL": users_db_url,
        "PATH": "/usr/bin:/bin",
        "INSTANCE_PATH": str(tmp_path / "i"),
        "PUBLIC_URL": "https://tracker.test.om",
    }
    args = ["invite", "--email", "J@MOF.gov.om", "--role", "entity", "--entity", "mof"]
    run = subprocess.run(
        [sys.executable, "-m", "data", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    link = run.stdout.strip().splitlines()[-1]
    assert link.startswith("https://tracker.test.om/invite/")
    token = link.rsplit("/", 1)[1]
    with users_store.session() as db:
        assert check_invitation(db, token).email == "j@mof.gov.om"
        (event,) = events(db, "user.invite")
        assert event.actor == "system" and event.after["entity"] == "MOF"
    again = subprocess.run(
        [sys.executable, "-m", "data", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 2
    assert "exists already" in again.stderr and "/invite/" not in again.stdout


def test_the_list_says_when_an_invitation_has_no_live_link(users_store):
    with users_store.transaction() as db:
        issued = invite(db, actor_of(db, "admin"), "k@x.om", role="committee")
    with users_store.transaction() as db:
        db.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    with users_store.session() as db:
        row = {r.email: r for r in list_users(db, actor_of(db, "admin"))}["k@x.om"]
        assert (row.status, row.invitation_expires) == ("invited", None)
    with users_store.transaction() as db:
        fresh = reinvite(db, actor_of(db, "admin"), issued.user_id)
    with users_store.session() as db:
        row = {r.email: r for r in list_users(db, actor_of(db, "admin"))}["k@x.om"]
        assert row.invitation_expires == fresh.expires_at


@pytest.mark.parametrize("user_id", [10**40, -1, 0, "3", None])
def test_a_user_number_that_is_no_row_is_not_found(users_store, user_id):
    """A forged callback's number beyond the databases' integers is refused like any unknown."""
    with users_store.transaction() as db, pytest.raises(AccountRefused) as refused:
        set_active(db, actor_of(db, "admin"), user_id, active=False)
    assert refused.value.code == "not_found"
