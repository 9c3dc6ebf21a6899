"""/healthz and /readyz answer a balancer without signing in, say which check fails and nothing
secret, are never rate limited, and open no other route to anonymous visitors."""

from __future__ import annotations

import pytest

from app import create_app
from settings import Settings
from tests.conftest import _free_port, _fresh_database
from tests.web.test_lockout import redis_url  # noqa: F401 - the fixture: a Redis on loopback
from web.auth import limiter

SECRET = "sekret-password-in-url"


@pytest.fixture(params=["sqlite", "postgresql"])
def app_db_url(request):
    """The `app` and `client` fixtures on both backends."""
    yield from _fresh_database(request, "users")


def _app(tmp_path, database_url: str, **settings):
    return create_app(
        Settings(database_url=database_url, app_env="test", instance_path=tmp_path, **settings)
    )


@pytest.fixture
def make_app(tmp_path):
    made = []

    def build(database_url: str, **settings):
        made.append(_app(tmp_path / f"instance{len(made)}", database_url, **settings))
        return made[-1]

    yield build
    for dash_app in made:
        dash_app.server.extensions["store"].engine.dispose()


def _closed_port() -> int:
    return _free_port()  # free a moment ago: nothing listens there


def test_both_answer_anonymous_visitors_with_each_check_timed(client):
    live = client.get("/healthz")
    assert live.status_code == 200
    assert live.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.get_json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database"]  # no Redis configured: nothing else to check
    assert body["checks"]["database"]["ok"] is True
    assert 0 <= body["checks"]["database"]["ms"] < 5000
    for answer in (live, ready):
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.mimetype == "application/json"
        assert "Set-Cookie" not in answer.headers  # no session, no CSRF cookie for a balancer


def test_a_database_that_does_not_answer_fails_readiness_only(make_app):
    url = f"postgresql+psycopg://tracker:{SECRET}@127.0.0.1:{_closed_port()}/tracker"
    client = make_app(url).server.test_client()
    assert client.get("/healthz").status_code == 200  # liveness never touches the database
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["status"] == "fail"
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["database"]["error"] == "OperationalError"
    for leak in (SECRET, "tracker:", "Traceback", "postgresql", "127.0.0.1"):
        assert leak not in ready.text


def test_a_configured_redis_that_does_not_answer_fails_readiness(make_app, app_db_url):
    storage = f"redis://:{SECRET}@127.0.0.1:{_closed_port()}/0"
    client = make_app(app_db_url, ratelimit_storage_uri=storage).server.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    body = ready.get_json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": body["checks"]["redis"]["ms"],
    }
    assert SECRET not in ready.text and "Traceback" not in ready.text


def test_each_redis_the_workers_share_is_checked(make_app, app_db_url, redis_url):  # noqa: F811
    server = make_app(app_db_url, ratelimit_storage_uri=redis_url).server
    client = server.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert list(ready.get_json()["checks"]) == ["database", "redis"]
    assert ready.get_json()["checks"]["redis"]["ok"] is True
    # the shared cache's Redis (REDIS_URL) on another server than the limits: both are checked
    server.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    body = client.get("/readyz").get_json()
    assert body["failing"] == ["redis"]
    assert body["checks"]["ratelimit_redis"]["ok"] is True
    server.config["REDIS_URL"] = redis_url  # the same Redis for both: one check
    assert list(client.get("/readyz").get_json()["checks"]) == ["database", "redis"]


def test_no_other_route_became_public(client):
    page = client.get("/")
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login")
    assert client.get("/api/v1/programme").status_code == 401
    for near in ("/healthz/", "/readyz/x", "/healthzz", "/_readyz"):
        answer = client.get(near)
        assert answer.status_code in (302, 401), near
        assert answer.status_code == 401 or "/login" in answer.headers["Location"]


def test_they_are_not_rate_limited(tmp_path, app_db_url, monkeypatch):
    """With a default limit of 3 a minute on every route, the health checks still answer."""
    # the limiter is one object for every app of the process: its defaults come back afterwards
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [])
    flask_config = Settings.flask_config
    monkeypatch.setattr(
        Settings,
        "flask_config",
        lambda self: {**flask_config(self), "RATELIMIT_DEFAULT": "3 per minute"},
    )
    dash_app = _app(tmp_path, app_db_url)
    try:
        client = dash_app.server.test_client()
        assert [client.get("/login").status_code for _ in range(4)] == [200] * 3 + [429]
        for _ in range(10):
            assert client.get("/healthz").status_code == 200
            assert client.get("/readyz").status_code == 200
    finally:
        dash_app.server.extensions["store"].engine.dispose()
