"""Sessions held on the server: sign-out ends them, timeouts, a new id at sign-in, changes of role,
entity, state or password end them, the `__Host-` cookie, one lookup per request."""

from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie
from sqlalchemy import event, select, update

from app import create_app
from data.models import AuditEvent, User, UserSession, utcnow
from settings import ConfigError, Settings
from tests.conftest import PASSWORD, ROLE_USERS, _fresh_database, csrf_from
from tests.web.test_auth import dash_post, routing


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db_url(request):
    """These tests hold sessions in the store: run them on both backends."""
    yield from _fresh_database(request, "users")


def store(app):
    return app.server.extensions["store"]


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (a stolen cookie)."""
    thief = app.server.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def sign_out(client):
    client.get("/")
    token = client.get_cookie("_csrf_token").value
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def session_row(app, email):
    with store(app).session() as db:
        return db.scalars(
            select(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.email == email)
            .order_by(UserSession.id.desc())
        ).first()


def move_clock(app, row_id, **times):
    """Make the session look older: set its created/last-seen times in the store."""
    with store(app).transaction() as db:
        db.execute(update(UserSession).where(UserSession.id == row_id).values(**times))


def actions(app):
    with store(app).session() as db:
        return db.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_sign_out_ends_the_session_on_the_server(app, login):
    client = login("supervisor")
    thief = copy_of(app, client)
    assert signed_in(thief)  # the copy works while the session is open
    sign_out(client)
    assert not signed_in(client)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert thief.get("/_dash-layout").status_code == 401
    assert dash_post(thief, routing("/")).status_code in (400, 401)
    row = session_row(app, ROLE_USERS["supervisor"][0])
    assert row.ended_at is not None and row.end_reason == "signed out"
    assert "auth.sign_out" in actions(app)


def cookie_token(app, client) -> str:
    """What Flask-Login keeps in the signed session cookie."""
    serializer = app.server.session_interface.get_signing_serializer(app.server)
    return serializer.loads(client.get_cookie("session").value)["_user_id"]


def test_a_remember_cookie_does_not_bring_back_an_ended_session(app, login):
    client = login("committee")
    token = cookie_token(app, client)
    sign_out(client)
    with app.server.test_request_context():
        remember = encode_cookie(token)  # as Flask-Login would have set it, signed
    thief = app.server.test_client()
    thief.set_cookie("remember_token", remember)
    assert not signed_in(thief)


def test_the_cookie_carries_a_token_whose_hash_only_is_stored(app, login):
    client = login("committee")
    token = cookie_token(app, client)
    assert not token.isdigit() and len(token) >= 40  # not the user's id: a random token
    row = session_row(app, ROLE_USERS["committee"][0])
    assert row.token_hash != token and token not in row.token_hash


def test_each_sign_in_gets_a_new_session_and_ends_the_one_before(app, login):
    client = login("entity")
    first = copy_of(app, client)
    first_row = session_row(app, ROLE_USERS["entity"][0])
    client.get("/")
    again = {
        "email": ROLE_USERS["entity"][0],
        "password": PASSWORD,
        "csrf_token": client.get_cookie("_csrf_token").value,
    }
    assert client.post("/login", data=again).status_code == 302  # the same browser, again
    second_row = session_row(app, ROLE_USERS["entity"][0])
    assert second_row.id != first_row.id and second_row.token_hash != first_row.token_hash
    assert signed_in(client)
    assert not signed_in(first)


@pytest.mark.parametrize(
    ("times", "works"),
    [
        ({"last_seen_at": timedelta(minutes=29)}, True),
        ({"last_seen_at": timedelta(minutes=31)}, False),
        ({"created_at": timedelta(hours=11, minutes=50)}, True),
        ({"created_at": timedelta(hours=12, minutes=1)}, False),
    ],
)
def test_idle_and_absolute_timeouts(app, login, times, works):
    client = login("committee")
    row = session_row(app, ROLE_USERS["committee"][0])
    move_clock(app, row.id, **{name: utcnow() - ago for name, ago in times.items()})
    assert signed_in(client) is works
    if not works:
        ended = session_row(app, ROLE_USERS["committee"][0])
        reason = "idle timeout" if "last_seen_at" in times else "absolute timeout"
        assert ended.ended_at is not None and ended.end_reason == reason
        assert "auth.session_expired" in actions(app)
        move_clock(app, row.id, created_at=utcnow(), last_seen_at=utcnow())
        assert not signed_in(client)  # an ended session stays ended


def test_timeouts_are_configurable(settings, tmp_path):
    env = {"SESSION_IDLE_MINUTES": "5", "SESSION_MAX_HOURS": "1.5"}
    config = Settings.from_env(env).flask_config()
    assert config["SESSION_IDLE"] == timedelta(minutes=5)
    assert config["SESSION_MAX"] == timedelta(hours=1, minutes=30)
    defaults = Settings.from_env({}).flask_config()
    assert defaults["SESSION_IDLE"] == timedelta(minutes=30)
    assert defaults["SESSION_MAX"] == timedelta(hours=12)
    for bad in ("0", "-3", "soon", "nan", "inf"):
        with pytest.raises(ConfigError, match="SESSION_IDLE_MINUTES"):
            Settings.from_env({"SESSION_IDLE_MINUTES": bad})


def test_a_short_idle_timeout_from_settings_applies(settings, login, app):
    short = create_app(
        Settings(
            database_url=settings.database_url,
            app_env="test",
            instance_path=settings.instance_path,
            session_idle_minutes=2,
        )
    )
    try:
        client = short.server.test_client()
        page = client.get("/login")
        email = ROLE_USERS["admin"][0]
        data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        assert client.post("/login", data=data).status_code == 302
        row = session_row(short, email)
        move_clock(short, row.id, last_seen_at=utcnow() - timedelta(minutes=3))
        assert not signed_in(client)
    finally:
        store(short).engine.dispose()


@pytest.mark.parametrize(
    "change",
    [
        {"role": "committee", "entity_id": None},  # a role change
        {"active": False},  # the user is disabled
        {"password_hash": "changed-outside-the-app"},  # the password changed (even with SQL)
    ],
)
def test_changes_to_the_user_end_their_sessions(app, login, change):
    client = login("entity")
    assert signed_in(client)
    email = ROLE_USERS["entity"][0]
    with store(app).transaction() as db:
        db.execute(update(User).where(User.email == email).values(**change))
    assert not signed_in(client)
    assert session_row(app, email).ended_at is not None


def test_a_change_of_entity_ends_the_session(app, login):
    client = login("entity")
    with store(app).transaction() as db:
        other = db.scalar(select(User.entity_id).where(User.email == ROLE_USERS["entity_other"][0]))
        db.execute(
            update(User).where(User.email == ROLE_USERS["entity"][0]).values(entity_id=other)
        )
    assert not signed_in(client)


def test_one_lookup_per_request_and_last_seen_written_at_most_once_a_minute(app, login):
    client = login("supervisor")
    statements = []
    engine = store(app).engine

    def remember(_conn, _cursor, sql, *_args):
        statements.append(sql.lower())

    event.listen(engine, "before_cursor_execute", remember)
    try:
        for _ in range(5):
            assert client.get("/_dash-dependencies").status_code == 200
        touching = [s for s in statements if "user_sessions" in s]
        assert len(touching) == 5 and all(s.lstrip().startswith("select") for s in touching)
        row = session_row(app, ROLE_USERS["supervisor"][0])
        move_clock(app, row.id, last_seen_at=utcnow() - timedelta(seconds=61))
        statements.clear()
        client.get("/_dash-dependencies")
        client.get("/_dash-dependencies")
        updates = [s for s in statements if s.lstrip().startswith("update user_sessions")]
        assert len(updates) == 1
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert utcnow() - session_row(app, ROLE_USERS["supervisor"][0]).last_seen_at < timedelta(
        seconds=30
    )


def test_production_uses_a_host_prefixed_secure_cookie(settings):
    production = create_app(
        Settings(
            database_url=settings.database_url,
            secret_key="s" * 48,
            app_env="production",
            instance_path=settings.instance_path,
            workers=1,
        )
    )
    try:
        client = production.server.test_client()
        page = client.get("/login", base_url="https://localhost")
        data = {
            "email": ROLE_USERS["admin"][0],
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        }
        response = client.post(
            "/login",
            data=data,
            base_url="https://localhost",
            headers={"Referer": "https://localhost/login"},  # CSRF over HTTPS checks it
        )
        assert response.status_code == 302
        cookie = next(
            h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-session=")
        )
        assert "Secure" in cookie and "Path=/" in cookie and "HttpOnly" in cookie
        assert "Domain" not in cookie
        assert client.get("/", base_url="https://localhost").status_code == 200
    finally:
        store(production).engine.dispose()


def test_refused_pages_and_callbacks_are_audited(app, login):
    client = login("entity")
    assert client.get("/review").status_code == 403
    client.get("/")
    assert dash_post(client, routing("/audit")).status_code == 403
    with store(app).session() as db:
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.refused").order_by(AuditEvent.id)
        ).all()
    assert [e.after["path"] for e in events] == ["/review", "/_dash-update-component"]
    assert all(e.after["role"] == "entity" and e.actor == ROLE_USERS["entity"][0] for e in events)
    assert events[1].after["page"] == "/audit" and events[1].after["status"] == 403
