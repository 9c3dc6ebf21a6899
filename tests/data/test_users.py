"""Accounts: Argon2id hashing at or above OWASP's minimum, validation, the command line."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from sqlalchemy import select, update

from data.models import AuditEvent, User, UserSession, utcnow
from data.passwords import MAX_PASSWORD, common_passwords
from data.users import (
    AccountError,
    PasswordRefused,
    WrongPassword,
    authenticate,
    change_password,
    create_user,
    force_password_reset,
)
from web.sessions import start_session

ROOT = Path(__file__).resolve().parents[2]


def test_password_is_hashed_with_argon2id_at_owasp_cost_or_above(store):
    with store.transaction() as db:
        user = create_user(db, "Head@MOH.gov.om", "entity", "a-long-password", entity_code="moh")
    params = extract_parameters(user.password_hash)
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert "a-long-password" not in user.password_hash
    assert user.email == "head@moh.gov.om"


def test_authenticate_accepts_the_right_password_only(store):
    with store.transaction() as db:
        create_user(db, "s@mtcit.gov.om", "supervisor", "a-long-password")
    with store.transaction() as db:
        assert authenticate(db, "S@mtcit.gov.om", "a-long-password").role == "supervisor"
        assert authenticate(db, "s@mtcit.gov.om", "wrong-password!") is None
        assert authenticate(db, "nobody@mtcit.gov.om", "a-long-password") is None


@pytest.mark.parametrize(
    ("email", "role", "password", "entity", "message"),
    [
        ("x@y.om", "minister", "a-long-password", None, "unknown role"),
        ("x@y.om", "entity", "a-long-password", None, "needs --entity"),
        ("x@y.om", "entity", "a-long-password", "NOPE", "unknown entity"),
        ("x@y.om", "committee", "a-long-password", "MOH", "only entity users"),
        ("not-an-address", "admin", "a-long-password", None, "not an e-mail"),
        ("x@y.om", "admin", "short", None, "at least 12"),
        ("x@y.om", "admin", "y" * 129, None, "at most 128"),
        ("x@y.om", "admin", "aaaaaaaaaaaa", None, "repeats"),
        ("x@y.om", "admin", "abcabcabcabc", None, "repeats"),
        ("x@y.om", "admin", "Password2025!", None, "most common"),
        ("x@y.om", "admin", "1q2w3e4r5t6y", None, "most common"),
        ("long.name@y.om", "admin", "Long.Name@y.om", None, "e-mail"),
    ],
)
def test_create_user_refuses_bad_input(store, email, role, password, entity, message):
    with store.transaction() as db, pytest.raises(AccountError, match=message):
        create_user(db, email, role, password, entity_code=entity)


def test_create_user_writes_an_audit_event_and_refuses_duplicates(store):
    with store.transaction() as db:
        create_user(db, "c@fec.gov.om", "committee", "a-long-password")
    with store.transaction() as db, pytest.raises(AccountError, match="exists already"):
        create_user(db, "C@fec.gov.om", "committee", "another-password")
    with store.session() as db:
        actions = db.scalars(select(AuditEvent.action)).all()
    assert "user.create" in actions


def test_cli_create_user_reads_the_password_from_stdin(store, db_url):
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin"}
    command = [
        sys.executable,
        "-m",
        "data",
        "create-user",
        "--email",
        "team@moh.gov.om",
        "--role",
        "entity",
        "--entity",
        "MOH",
    ]
    done = subprocess.run(
        command, input="from-stdin-password\n", env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    no_entity = [*command[:4], "--email", "other@moh.gov.om", "--role", "entity"]
    bad = subprocess.run(
        no_entity, input="from-stdin-password\n", env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "needs --entity" in bad.stderr
    with store.transaction() as db:
        assert authenticate(db, "team@moh.gov.om", "from-stdin-password").entity.code == "MOH"
        assert db.scalar(select(User).where(User.email == "team@moh.gov.om")).is_demo is False


def test_the_longest_password_is_accepted_and_the_cap_holds_at_sign_in(store):
    longest = "k" + "w" * (MAX_PASSWORD - 2) + "!"
    with store.transaction() as db:
        create_user(db, "l@y.om", "admin", longest)
    with store.transaction() as db:
        assert authenticate(db, "l@y.om", longest) is not None
        assert authenticate(db, "l@y.om", longest + "x") is None


def test_the_common_list_ships_with_the_app():
    common = common_passwords()
    assert len(common) > 19_000 and "password" in common and "1q2w3e4r5t6y" in common
    assert all(password == password.lower() for password in common)


def _open_sessions(db, user_id):
    query = select(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None)
    )
    return db.scalars(query).all()


def test_change_password_checks_the_current_one_and_ends_every_session(store):
    with store.transaction() as db:
        user = create_user(db, "e@y.om", "admin", "first-long-password")
        start_session(db, user, "192.0.2.1")
        start_session(db, user, "192.0.2.2")
    with store.transaction() as db, pytest.raises(WrongPassword):
        change_password(db, db.get(User, user.id), "not-the-password", "second-long-password")
    with store.transaction() as db, pytest.raises(PasswordRefused, match="most common"):
        change_password(db, db.get(User, user.id), "first-long-password", "iloveyou1234")
    with store.transaction() as db:
        assert len(_open_sessions(db, user.id)) == 2
        ended = change_password(
            db, db.get(User, user.id), "first-long-password", "second-long-password"
        )
        assert ended == 2 and _open_sessions(db, user.id) == []
    with store.transaction() as db:
        assert authenticate(db, "e@y.om", "second-long-password") is not None
        assert authenticate(db, "e@y.om", "first-long-password") is None


def test_force_reset_ends_sessions_and_asks_for_a_new_password(store):
    with store.transaction() as db:
        user = create_user(db, "f@y.om", "committee", "first-long-password")
        start_session(db, user, "192.0.2.1")
    with store.transaction() as db:
        force_password_reset(db, "F@y.om")
    with store.transaction() as db:
        assert db.get(User, user.id).must_change_password is True
        assert _open_sessions(db, user.id) == []
        event = db.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.password_reset_forced")
        )
        assert event.after == {
            "email": "f@y.om",
            "new_password_set": False,
            "sessions_ended": 1,
            "tokens_revoked": 0,
        }
    with store.transaction() as db, pytest.raises(AccountError, match="no user"):
        force_password_reset(db, "nobody@y.om")


def test_sessions_unused_for_ninety_days_are_pruned_at_the_next_sign_in(store):
    with store.transaction() as db:
        user = create_user(db, "p@y.om", "committee", "first-long-password")
        start_session(db, user, "192.0.2.1")
        db.execute(
            update(UserSession)
            .where(UserSession.user_id == user.id)
            .values(last_seen_at=utcnow() - timedelta(days=91))
        )
        start_session(db, user, "192.0.2.2")
    with store.session() as db:
        kept = db.scalars(select(UserSession.address).where(UserSession.user_id == user.id))
        assert kept.all() == ["192.0.2.2"]


def test_the_demo_password_is_nobodys_own():
    """It is printed at every development start and in the README: no one may choose it."""
    from data.users import DEMO_PASSWORD, PasswordRefused, check_new_password

    with pytest.raises(PasswordRefused):
        check_new_password(DEMO_PASSWORD, "clerk@mof.gov.om")
