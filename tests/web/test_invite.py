"""The invitee's one-time link `/invite/<token>` (web/invite.py) and the users page's callbacks
over HTTP (dashboards/admin_users.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app import create_app
from data.models import AuditEvent, Invitation, User, utcnow
from data.users import authenticate, find_user
from services.accounts import invite
from services.actors import Actor
from settings import Settings
from tests.conftest import PASSWORD, ROLE_USERS, csrf_from
from tests.web.test_auth import dash_post

NEW_PASSWORD = "a quiet harbour at dawn"


@pytest.fixture
def users_app(users_db_url, tmp_path):
    """The app on a database with one user per role, on each backend."""
    dash_app = create_app(
        Settings(
            database_url=users_db_url,
            app_env="test",
            instance_path=tmp_path / "instance",
            upload_dir=tmp_path / "uploads",
            public_url="https://tracker.test.om",
        )
    )
    yield dash_app
    dash_app.server.extensions["store"].engine.dispose()


@pytest.fixture
def web(users_app):
    return users_app.server.test_client()


@pytest.fixture
def store(users_app):
    return users_app.server.extensions["store"]


def issue(store, email="new@moh.gov.om", language="en"):
    with store.transaction() as db:
        admin = Actor.of(find_user(db, ROLE_USERS["admin"][0]))
        return invite(
            db, admin, email, role="entity", entity_code="MOH", name="New", language=language
        )


def sign_in(client, role: str):
    page = client.get("/login")
    data = {"email": ROLE_USERS[role][0], "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    assert client.post("/login", data=data).status_code == 302
    return client


def accept(client, token, password=NEW_PASSWORD, confirm=None, csrf=True):
    page = client.get(f"/invite/{token}")
    data = {"new_password": password, "confirm_password": confirm or password}
    if csrf:  # a dead link's page has no form: the session's token from the sign-in page
        form = page.text if "csrf_token" in page.text else client.get("/login").text
        data["csrf_token"] = csrf_from(form)
    return client.post(f"/invite/{token}", data=data)


def test_a_good_link_sets_the_password_and_signs_in(web, store):
    issued = issue(store)
    page = web.get(f"/invite/{issued.token}")
    assert page.status_code == 200
    assert "new@moh.gov.om" in page.text and 'autocomplete="new-password"' in page.text
    done = accept(web, issued.token)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Signed in as new@moh.gov.om" in web.get("/account/password").text
    assert web.get("/submissions").status_code == 200  # an entity team's page, as that user
    with store.session() as db:
        assert authenticate(db, "new@moh.gov.om", NEW_PASSWORD) is not None
        actions = list(db.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions[-2:] == ["user.invitation_accepted", "auth.sign_in"]


def test_a_used_link_says_so_in_both_languages(web, users_app, store):
    issued = issue(store)
    accept(web, issued.token)
    other = users_app.server.test_client()
    again = other.get(f"/invite/{issued.token}?lang=en")
    assert again.status_code == 410
    assert "has been used already" in again.text and "استُخدم" in again.text
    assert "csrf_token" not in again.text  # no form: nothing more can be done with it
    reuse = accept(other, issued.token, "another long passphrase!")
    assert reuse.status_code == 410
    with store.session() as db:
        assert authenticate(db, "new@moh.gov.om", "another long passphrase!") is None


def test_an_expired_link_says_so(web, store):
    issued = issue(store)
    with store.transaction() as db:
        db.execute(update(Invitation).values(expires_at=utcnow() - timedelta(seconds=1)))
    page = web.get(f"/invite/{issued.token}?lang=ar")
    assert page.status_code == 410
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "انتهت صلاحية" in page.text and "has expired" in page.text
    assert accept(web, issued.token).status_code == 410


def test_an_unknown_link_says_so(web):
    page = web.get("/invite/" + "A" * 43)
    assert page.status_code == 404
    assert "This invitation link is not known" in page.text


def test_the_form_needs_its_csrf_token(web, store):
    issued = issue(store)
    refused = accept(web, issued.token, csrf=False)
    assert refused.status_code == 400
    with store.session() as db:
        assert authenticate(db, "new@moh.gov.om", NEW_PASSWORD) is None
        assert db.scalar(select(Invitation.used_at)) is None


def test_a_refused_password_is_explained_and_the_link_still_works(web, store):
    issued = issue(store)
    common = accept(web, issued.token, "Password2025!")
    assert common.status_code == 400 and "most common passwords" in common.text
    differ = accept(web, issued.token, NEW_PASSWORD, confirm="something else entirely")
    assert differ.status_code == 400 and "The two new passwords differ" in differ.text
    assert accept(web, issued.token).status_code == 302


def test_the_page_speaks_the_invitees_language(web, store):
    issued = issue(store, language="ar")
    page = web.get(f"/invite/{issued.token}")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "كلمة المرور" in page.text


def test_link_guessing_is_limited_per_address(web, store):
    issued = issue(store)
    for attempt in range(5):  # LOGIN_ATTEMPTS: 5 per minute
        assert web.get(f"/invite/guess{attempt}").status_code == 404
    assert web.get("/invite/guess-again").status_code == 429
    assert web.get(f"/invite/{issued.token}").status_code == 429  # this address waits


@pytest.mark.parametrize("path", ["/invite", "/invite/", "/invite/a.b", "/invite/x/y"])
def test_only_the_link_itself_is_open(web, path):
    response = web.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_signed_in_user_is_asked_to_sign_out_first(web, store):
    issued = issue(store)
    sign_in(web, "supervisor")
    page = web.get(f"/invite/{issued.token}")
    assert page.status_code == 409 and "Sign out first" in page.text
    with store.session() as db:
        assert db.scalar(select(Invitation.used_at)) is None


# --- the users page's callbacks, through Dash's own endpoint -----------------------------------


def act(client, step: str, **fields):
    """Press a button of the users page: assets/admin_users.js puts the button and the form's
    values into the `users-request` store, whose change fires the server's callback."""
    dependencies = client.get("/_dash-dependencies").get_json()
    spec = next(d for d in dependencies if "users-invite-result" in d["output"])
    outputs = [
        dict(zip(("id", "property"), part.rsplit(".", 1), strict=True))
        for part in spec["output"].strip(".").split("...")
    ]
    request = {"step": step, "at": 1, **fields}
    body = {
        "output": spec["output"],
        "outputs": outputs,
        "inputs": [{"id": "users-request", "property": "data", "value": request}],
        "changedPropIds": ["users-request.data"],
    }
    return dash_post(client, body)


INVITE_FORM = {
    "email": "clerk@mof.gov.om",
    "name": "Clerk",
    "role": "entity",
    "entity": "MOF",
    "language": "ar",
}


def test_the_admin_invites_from_the_page_and_sees_the_link_once(web, store):
    sign_in(web, "admin")
    answer = act(web, "users-invite", **INVITE_FORM)
    assert answer.status_code == 200, answer.text
    text = json.dumps(answer.get_json(), ensure_ascii=False)
    link = re.search(r"https://tracker\.test\.om/invite/([A-Za-z0-9_-]{43})", text)
    assert link, text
    assert "clerk@mof.gov.om" in text  # the refreshed list carries the new user
    assert accept(web.application.test_client(), link[1]).status_code == 302
    with store.session() as db:
        user = find_user(db, "clerk@mof.gov.om")
        assert (user.role, user.entity_code, user.language) == ("entity", "MOF", "ar")


def test_the_page_says_why_an_invitation_is_refused(web):
    sign_in(web, "admin")
    answer = act(web, "users-invite", **{**INVITE_FORM, "email": ROLE_USERS["committee"][0]})
    assert "exists already" in answer.get_data(as_text=True)


@pytest.mark.parametrize("role", ["supervisor", "committee", "entity"])
def test_other_roles_cannot_fire_the_users_callbacks(web, store, role):
    sign_in(web, role)
    answer = act(web, "users-invite", **INVITE_FORM)
    assert answer.status_code == 403
    with store.session() as db:
        assert find_user(db, "clerk@mof.gov.om") is None


def test_the_admin_cannot_disable_themselves_from_the_page(web, store):
    sign_in(web, "admin")
    with store.session() as db:
        me = db.scalar(select(User.id).where(User.email == ROLE_USERS["admin"][0]))
    answer = act(web, "users-disable", user=str(me))
    assert "You cannot disable your own account" in answer.get_data(as_text=True)
    with store.session() as db:
        assert db.get(User, me).active
