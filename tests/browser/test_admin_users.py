"""Users in the browser, as the admin: invite someone with mail configured (a real SMTP sink on
loopback), follow the link from the e-mail, choose a password, sign in as them; disable a user,
who then cannot sign in and whose API token is refused; axe-core on the pages in both languages,
and screenshots at 1440 and 390 px under /tmp/admin-users/."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from data.db import Store
from data.tokens import create_token
from data.users import find_user
from services.accounts import invite
from services.actors import Actor
from settings import Settings
from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS, SmtpSink

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/admin-users")
NEW_PASSWORD = "lanterns over the old souq"


@pytest.fixture(scope="module")
def mail_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def site(sqlite_databases, tmp_path_factory, mail_sink):
    """A live tracker of its own, with mail going to the sink; (address, store)."""
    url = sqlite_databases.fresh("users")
    folder = tmp_path_factory.mktemp("users-live")
    app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
            login_attempts="100 per minute",
            smtp_url=mail_sink.url,
            mail_from="tracker@test.om",
        )
    )
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    address = f"http://127.0.0.1:{server.server_port}"
    app.server.config["PUBLIC_URL"] = address  # the links in the e-mails lead here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    store = Store(url)
    yield address, store
    server.shutdown()
    store.engine.dispose()


@pytest.fixture
def fresh_page(browser):
    contexts = []

    def make(width: int = 1280):
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        return tab

    yield make
    for context in contexts:
        context.close()


def sign_in(page, address: str, email: str, password: str = PASSWORD, lang: str = "en"):
    page.goto(f"{address}/login?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def open_users_page(page, address: str, lang: str = "en"):
    sign_in(page, address, ROLE_USERS["admin"][0], lang=lang)
    page.wait_for_selector(".account-name")
    page.goto(f"{address}/admin/users")
    page.wait_for_selector("#users-table")
    return page


def api_status(page, address: str, token: str) -> int:
    """The read API's answer to a bearer token, from a context without cookies."""
    answer = page.request.get(
        f"{address}/api/v1/kpis", headers={"Authorization": f"Bearer {token}"}
    )
    return answer.status


def test_invite_by_mail_then_the_invitee_sets_a_password_and_signs_in(site, mail_sink, fresh_page):
    address, _store = site
    admin = open_users_page(fresh_page(), address)
    admin.fill("#users-invite-email", "Clerk.One@MOH.gov.om")
    admin.fill("#users-invite-name", "Clerk One")
    admin.select_option("#users-invite-role", "entity")
    admin.select_option("#users-invite-entity", "MOH")
    admin.select_option("#users-invite-language", "ar")
    admin.click("#users-invite")
    admin.wait_for_selector("#users-invite-result .alert-success")
    assert "clerk.one@moh.gov.om" in admin.inner_text("#users-invite-result")
    assert "/invite/" not in admin.inner_text("#users-invite-result")  # mailed, not shown
    SHOTS.mkdir(exist_ok=True)
    admin.screenshot(path=SHOTS / "users-after-invite.png", full_page=True)
    # the list and the choice of users are redrawn at once, without reloading the page
    row = admin.locator("#users-table tr", has_text="clerk.one@moh.gov.om")
    assert "Invited" in row.inner_text() and "MOH" in row.inner_text()
    assert admin.locator("#users-change-user option", has_text="clerk.one@moh.gov.om").count()

    (mail,) = mail_sink.to("clerk.one@moh.gov.om")
    body = mail.get_payload(decode=True).decode("utf-8")
    assert mail["Content-Language"] == "ar" and "كلمة المرور" in body
    link = re.search(rf"{re.escape(address)}/invite/[A-Za-z0-9_-]+", body)[0]

    invitee = fresh_page()
    invitee.goto(link)
    assert invitee.get_attribute("html", "lang") == "ar"  # the language the admin chose
    assert "clerk.one@moh.gov.om" in invitee.inner_text("main")
    invitee.fill("#new_password", "Password2025!")
    invitee.fill("#confirm_password", "Password2025!")
    invitee.click("button[type=submit]")
    invitee.wait_for_selector(".field-error")  # a common password: said, and the link kept
    invitee.fill("#new_password", NEW_PASSWORD)
    invitee.fill("#confirm_password", NEW_PASSWORD)
    invitee.click("button[type=submit]")
    invitee.wait_for_selector(".account-name")
    assert invitee.inner_text(".account-name") == "Clerk One"
    invitee.click(".logout button")
    sign_in(invitee, address, "clerk.one@moh.gov.om", NEW_PASSWORD)
    invitee.wait_for_selector(".account-name")
    invitee.goto(link)  # the link has done its work
    assert "استُخدم" in invitee.inner_text("main") or "used already" in invitee.inner_text("main")

    admin.reload()
    admin.wait_for_selector("#users-table")
    row = admin.locator("#users-table tr", has_text="clerk.one@moh.gov.om")
    assert "Active" in row.inner_text() and "Never" not in row.inner_text()


def test_a_disabled_user_cannot_sign_in_or_use_a_token(site, fresh_page):
    address, store = site
    email = ROLE_USERS["committee"][0]
    with store.transaction() as db:
        token = create_token(db, email)
        user_id = find_user(db, email).id
    client = fresh_page()
    assert api_status(client, address, token) == 200
    member = fresh_page()
    sign_in(member, address, email)
    member.wait_for_selector(".account-name")

    admin = open_users_page(fresh_page(), address)
    admin.select_option("#users-change-user", str(user_id))
    admin.click("#users-disable")
    admin.wait_for_selector("#users-change-result .alert-success")
    assert "disabled" in admin.inner_text("#users-change-result")
    row = admin.locator("#users-table tr", has_text=email)
    assert "Disabled" in row.inner_text()
    admin.screenshot(path=SHOTS / "users-after-disable.png", full_page=True)

    assert api_status(client, address, token) == 401
    member.goto(f"{address}/")  # their open session has ended
    member.wait_for_selector("#email")
    sign_in(member, address, email)
    member.wait_for_selector("[role=alert]")
    assert "/login" in member.url

    admin.select_option("#users-change-user", str(user_id))
    admin.click("#users-enable")
    admin.wait_for_selector("#users-change-result .alert-success:has-text('enabled again')")
    assert api_status(client, address, token) == 200


def test_the_admin_cannot_disable_themselves(site, fresh_page):
    address, store = site
    with store.session() as db:
        me = find_user(db, ROLE_USERS["admin"][0]).id
    admin = open_users_page(fresh_page(), address)
    admin.select_option("#users-change-user", str(me))
    admin.click("#users-disable")
    admin.wait_for_selector("#users-change-result .alert-error")
    assert "cannot disable your own account" in admin.inner_text("#users-change-result")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_pages_are_accessible_and_looked_at(site, fresh_page, lang):
    address, store = site
    SHOTS.mkdir(exist_ok=True)
    with store.transaction() as db:
        admin = Actor.of(find_user(db, ROLE_USERS["admin"][0]))
        issued = invite(
            db, admin, f"look-{lang}@x.om", role="committee", name="Look", language=lang
        )
    refused = []
    for width in (1440, 390):
        users = fresh_page(width)
        users.on("console", lambda message: refused.append(message.text))
        open_users_page(users, address, lang)
        assert users.get_attribute("html", "lang") == lang
        assert axe_violations(users) == []
        users.screenshot(path=SHOTS / f"users-{lang}-{width}.png", full_page=True)
        invited = fresh_page(width)
        invited.on("console", lambda message: refused.append(message.text))
        invited.goto(f"{address}/invite/{issued.token}?lang={lang}")
        invited.wait_for_selector("#new_password")
        assert axe_violations(invited) == []
        invited.screenshot(path=SHOTS / f"invite-{lang}-{width}.png", full_page=True)
    assert not [text for text in refused if "Content Security Policy" in text]
    dead = fresh_page()
    dead.goto(f"{address}/invite/{'Z' * 43}?lang={lang}")
    assert axe_violations(dead) == []
    dead.screenshot(path=SHOTS / f"invite-unknown-{lang}.png", full_page=True)
