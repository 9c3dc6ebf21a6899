"""Passwords on the web: the same cap at sign-in as at creation, every user changes their own
(which ends their other sessions), an administrator forces a reset."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from data.models import AuditEvent, User
from data.passwords import MAX_PASSWORD
from data.users import create_user, force_password_reset
from tests.conftest import PASSWORD, ROLE_USERS, _fresh_database, csrf_from

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "quiet-lantern-over-muscat"


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db_url(request):
    yield from _fresh_database(request, "users")


def store(app):
    return app.server.extensions["store"]


def sign_in(client, email, password, lang=""):
    page = client.get(f"/login{lang}")
    data = {"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    return client.post(f"/login{lang}", data=data)


def change(client, current, new, again=None, lang=""):
    page = client.get(f"/account/password{lang}")
    assert page.status_code == 200, page.text
    data = {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if again is None else again,
        "csrf_token": csrf_from(page.text),
    }
    return client.post(f"/account/password{lang}", data=data)


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_the_same_cap_at_creation_and_at_sign_in(app):
    longest = "k" + "w" * (MAX_PASSWORD - 2) + "!"
    with store(app).transaction() as db:
        create_user(db, "long@test.om", "committee", longest)
    client = app.server.test_client()
    assert sign_in(client, "long@test.om", longest).status_code == 302
    other = app.server.test_client()
    response = sign_in(other, "long@test.om", longest + "x")
    assert response.status_code == 400
    assert f"at most {MAX_PASSWORD} characters" in response.text
    arabic = sign_in(other, "long@test.om", "x" * 5000, lang="?lang=ar")
    assert arabic.status_code == 400 and f"على {MAX_PASSWORD} حرفًا" in arabic.text


@pytest.mark.parametrize(
    ("new", "again", "english", "arabic"),
    [
        ("short-one", None, "at least 12 characters", "12 حرفًا على الأقل"),
        ("y" * (MAX_PASSWORD + 1), None, "at most 128 characters", "على 128 حرفًا"),
        ("aaaaaaaaaaaa", None, "repeats the same few characters", "تكرر الأحرف"),
        ("Password2025!", None, "most common passwords", "أكثر كلمات المرور شيوعًا"),
        ("qwertyuiop123", None, "most common passwords", "أكثر كلمات المرور شيوعًا"),
        (ROLE_USERS["committee"][0], None, "cannot be your e-mail", "بريدك الإلكتروني"),
        (PASSWORD, None, "must differ from the current one", "تختلف"),
        (NEW_PASSWORD, "something-else-entirely", "two new passwords differ", "مختلفتان"),
    ],
)
def test_a_refused_new_password_says_why_in_both_languages(app, login, new, again, english, arabic):
    client = login("committee")
    response = change(client, PASSWORD, new, again)
    assert response.status_code == 400 and english in response.text
    response = change(client, PASSWORD, new, again, lang="?lang=ar")
    assert response.status_code == 400 and arabic in response.text
    assert signed_in(client)  # nothing changed: the session goes on
    assert (
        sign_in(app.server.test_client(), ROLE_USERS["committee"][0], PASSWORD).status_code == 302
    )


def test_the_current_password_is_needed_and_guesses_are_limited(app, login):
    client = login("committee")
    first = change(client, "not-my-password-at-all", NEW_PASSWORD)
    assert first.status_code == 400 and "not your current password" in first.text
    codes = [first.status_code]
    for _ in range(5):
        codes.append(change(client, "not-my-password-at-all", NEW_PASSWORD).status_code)
    assert codes == [400] * 5 + [429]  # a stolen session cannot guess the password either
    with store(app).session() as db:
        failed = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.password_check_failed")
        ).all()
    assert len(failed) == 5 and failed[0].actor == ROLE_USERS["committee"][0]


def test_the_change_needs_the_csrf_token(login):
    client = login("committee")
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    data["confirm_password"] = NEW_PASSWORD
    assert client.post("/account/password", data=data).status_code == 400


def test_changing_the_password_ends_the_other_sessions(app, login):
    email = ROLE_USERS["entity"][0]
    elsewhere = app.server.test_client()
    assert sign_in(elsewhere, email, PASSWORD).status_code == 302
    client = login("entity")
    before = client.get_cookie("session").value
    response = change(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    assert "Your password is changed" in client.get("/account/password").text
    assert client.get_cookie("session").value != before  # a new session id
    assert signed_in(client)
    assert not signed_in(elsewhere)
    fresh = app.server.test_client()
    assert sign_in(fresh, email, PASSWORD).status_code == 401
    assert sign_in(fresh, email, NEW_PASSWORD).status_code == 302
    with store(app).session() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_change"))
    assert event.actor == email and event.after == {"sessions_ended": 2}


def test_the_header_links_to_the_change_page(login):
    client = login("committee")
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert '"href": "/account/password"' in json.dumps(layout.get_json())
    arabic = client.get("/_dash-layout?lang=ar").get_json()
    assert "تغيير كلمة المرور" in json.dumps(arabic, ensure_ascii=False)


def test_a_forced_reset_sends_the_user_to_the_change_page(app, login):
    client = login("entity")
    email = ROLE_USERS["entity"][0]
    with store(app).transaction() as db:
        force_password_reset(db, email)
    assert not signed_in(client)  # the reset ended the session
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/account/password"
    assert client.get("/_dash-layout").status_code == 403
    page = client.get("/account/password")
    assert "asks you to choose a new password" in page.text
    assert change(client, PASSWORD, NEW_PASSWORD).status_code == 302
    assert signed_in(client)
    with store(app).session() as db:
        user = db.scalar(select(User).where(User.email == email))
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id)))
        assert {"user.password_reset_forced", "user.password_change"} <= set(actions)
    assert user.must_change_password is False


def test_cli_reset_password_and_force_reset(app, app_db_url):
    env = {"DATABASE_URL": app_db_url, "PATH": "/usr/bin:/bin"}
    email = ROLE_USERS["supervisor"][0]

    def run(*args, stdin=""):
        command = [sys.executable, "-m", "data", *args]
        return subprocess.run(
            command, input=stdin, env=env, cwd=ROOT, capture_output=True, text=True
        )

    done = run("reset-password", "--email", email, stdin="temporary-from-office\n")
    assert done.returncode == 0, done.stderr
    assert "a new password is asked for at the next sign-in" in done.stdout
    client = app.server.test_client()
    assert sign_in(client, email, PASSWORD).status_code == 401
    response = sign_in(client, email, "temporary-from-office")
    assert response.headers["Location"] == "/account/password"
    weak = run("reset-password", "--email", email, stdin="aaaaaaaaaaaaaaa\n")
    assert weak.returncode == 2 and "repeats" in weak.stderr
    nobody = run("force-reset", "--email", "nobody@test.om")
    assert nobody.returncode == 2 and "no user" in nobody.stderr
    forced = run("force-reset", "--email", email.upper())
    assert forced.returncode == 0, forced.stderr
    assert not signed_in(client)
