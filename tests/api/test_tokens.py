"""API tokens: made and revoked on the command line, stored hashed, refused once revoked or once
their account is switched off."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from data.models import ApiToken, AuditEvent, User
from tests.conftest import ROLE_USERS

ROOT = Path(__file__).resolve().parents[2]


def command(db_url: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = {"DATABASE_URL": db_url, "PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path / "i")}
    return subprocess.run(
        [sys.executable, "-m", "data", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )


def test_create_token_prints_it_once_and_keeps_only_its_hash(api, demo_db_url, tmp_path):
    made = command(demo_db_url, tmp_path, "create-token", "--email", ROLE_USERS["committee"][0])
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert len(token) >= 40
    with api.store.session() as db:
        hashes = db.scalars(select(ApiToken.token_hash)).all()
    assert hashlib.sha256(token.encode()).hexdigest() in hashes
    assert token not in hashes
    assert api.get("/api/v1/kpis", token=token).status_code == 200

    revoked = command(demo_db_url, tmp_path, "revoke-token", "--email", ROLE_USERS["committee"][0])
    assert revoked.returncode == 0 and "2 token(s) revoked" in revoked.stdout  # + the fixture's
    refused = api.get("/api/v1/kpis", token=token)
    assert refused.status_code == 401
    assert "revoked" in refused.json["error"]["message"]
    assert api.get("/api/v1/kpis", "committee").status_code == 401
    assert api.get("/api/v1/kpis", "supervisor").status_code == 200  # others' tokens still work


def test_unknown_account_is_an_error_on_the_command_line(demo_db_url, tmp_path):
    made = command(demo_db_url, tmp_path, "create-token", "--email", "nobody@test.om")
    assert made.returncode == 2 and "no user" in made.stderr and made.stdout == ""


def test_a_token_of_a_switched_off_account_is_refused(api):
    with api.store.transaction() as db:
        db.scalar(select(User).where(User.email == ROLE_USERS["entity"][0])).active = False
    assert api.get("/api/v1/kpis", "entity").status_code == 401


def test_bad_or_odd_authorization_headers_are_401(api):
    client = api.client()
    for header in ("Bearer", "Bearer not-a-token", "Basic dXNlcjpwdw==", "Token x"):
        response = client.get("/api/v1/kpis", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_is_not_a_session_no_cookie_is_set(api):
    response = api.get("/api/v1/programme?lang=ar", "supervisor")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_last_use_is_noted(api):
    api.get("/api/v1/kpis", "admin")
    with api.store.session() as db:
        admin = db.scalar(select(User).where(User.email == ROLE_USERS["admin"][0]))
        used = db.scalars(select(ApiToken.last_used_at).where(ApiToken.user_id == admin.id)).all()
    assert used and used[0] is not None


def test_token_events_are_audited(api):
    with api.store.session() as db:
        actions = db.scalars(select(AuditEvent.action)).all()
    assert actions.count("api_token.created") == len(api.tokens)


def test_a_session_that_must_choose_a_new_password_is_refused(api):
    client = api.session("supervisor")
    with api.store.transaction() as db:
        user = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        user.must_change_password = True
    response = client.get("/api/v1/kpis")
    assert response.status_code == 403
    assert "new password" in response.json["error"]["message"]


def test_spreadsheet_formulas_cannot_ride_in_csv():
    from web.api import _cell

    assert _cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert _cell("@SUM(A1)") == "'@SUM(A1)"
    assert _cell(-1.5) == "-1.5"  # numbers stay numbers
    assert _cell(None) == ""


def test_a_forced_password_reset_revokes_the_account_s_tokens(api):
    """A reset is what an operator does to an account thought compromised: a stolen token must
    not outlive it."""
    from data.users import force_password_reset

    assert api.get("/api/v1/kpis", "entity").status_code == 200
    with api.store.transaction() as db:
        force_password_reset(db, ROLE_USERS["entity"][0])
    assert api.get("/api/v1/kpis", "entity").status_code == 401
    assert api.get("/api/v1/kpis", "committee").status_code == 200  # others' tokens live on
