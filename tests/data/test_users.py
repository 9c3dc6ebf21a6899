"""Accounts: Argon2id hashing at or above OWASP's minimum, validation, the command line."""

import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import extract_parameters
from argon2.low_level import Type
from sqlalchemy import select

from data.models import AuditEvent, User
from data.users import AccountError, authenticate, create_user

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
