"""Errors go to a JSON-lines log with the request id, never to the user as a traceback; every
answer carries its request id."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime, timedelta

import pytest
from dash import Input, Output
from sqlalchemy import select

from app import create_app
from data.models import User
from tests.conftest import ROLE_USERS
from tests.web.test_auth import dash_post

SECRET = "database password is hunter2"  # what an exception may say and no user may read
FAILING_CALLBACK = {
    "output": "boom-out.children",
    "outputs": {"id": "boom-out", "property": "children"},
    "inputs": [{"id": "boom-in", "property": "value", "value": 1}],
    "changedPropIds": ["boom-in.value"],
    "state": [],
}


def with_failing_routes(dash_app):
    """A page route, a JSON route and a Dash callback that raise (registered before any request)."""
    server = dash_app.server

    @server.route("/audit")  # a page the office may open: the guard lets it through
    def page_boom():
        raise RuntimeError(SECRET)

    @server.route("/_test/boom", methods=["GET", "POST"])
    def json_boom():
        raise KeyError(SECRET)

    @dash_app.callback(Output("boom-out", "children"), Input("boom-in", "value"))
    def callback_boom(value):
        raise ValueError(SECRET)

    return dash_app


@pytest.fixture
def log_file(tmp_path):
    return tmp_path / "logs" / "tracker.jsonl"


@pytest.fixture
def failing_app(settings, log_file):
    log_file.parent.mkdir()
    dash_app = create_app(dataclasses.replace(settings, log_file=str(log_file)))
    yield with_failing_routes(dash_app)
    dash_app.server.extensions["store"].engine.dispose()


@pytest.fixture
def office(failing_app):
    """The failing app's test client, signed in as the supervisor, with the CSRF cookie."""
    from tests.conftest import PASSWORD, csrf_from

    client = failing_app.server.test_client()
    page = client.get("/login")
    email = ROLE_USERS["supervisor"][0]
    data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
    assert client.post("/login", data=data).status_code == 302
    client.get("/")
    return client


def user_id(dash_app, role: str) -> int:
    with dash_app.server.extensions["store"].session() as db:
        return db.scalar(select(User.id).where(User.email == ROLE_USERS[role][0]))


def logged_errors(log_file, request_id: str) -> list[dict]:
    lines = log_file.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    return [r for r in records if r.get("request_id") == request_id and r["level"] == "ERROR"]


def assert_no_traceback(text: str) -> None:
    for leak in (SECRET, "Traceback", 'File "', "RuntimeError", "KeyError", "ValueError"):
        assert leak not in text


def assert_logged(log_file, request_id, *, method, path, user, exception) -> dict:
    [record] = logged_errors(log_file, request_id)
    assert (record["method"], record["path"], record["user_id"]) == (method, path, user)
    assert record["exception_type"] == exception
    assert record["traceback"].startswith("Traceback (most recent call last)")
    assert SECRET in record["traceback"] and "test_logs.py" in record["traceback"]
    time = datetime.fromisoformat(record["time"])
    assert time.utcoffset() == timedelta(0)
    assert abs(datetime.now(time.tzinfo) - time) < timedelta(minutes=5)
    return record


def test_a_page_that_fails_shows_a_plain_page_with_the_request_id(failing_app, office, log_file):
    response = office.get("/audit", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert "Something went wrong" in response.text and "programme office" in response.text
    assert request_id in response.text
    assert_no_traceback(response.text)
    assert response.headers["Cache-Control"] == "no-store"
    assert_logged(
        log_file,
        request_id,
        method="GET",
        path="/audit",
        user=user_id(failing_app, "supervisor"),
        exception="RuntimeError",
    )


def test_the_error_page_speaks_arabic(office):
    office.get("/?lang=ar")
    response = office.get("/audit", headers={"Accept": "text/html"})
    assert response.status_code == 500
    assert "حدث خطأ" in response.text and response.headers["X-Request-ID"] in response.text
    assert_no_traceback(response.text)


def test_a_failing_callback_answers_json_without_a_traceback(failing_app, office, log_file):
    response = dash_post(office, FAILING_CALLBACK)
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    error = response.get_json()["error"]
    assert error["code"] == 500 and error["request_id"] == request_id
    assert request_id in error["message"] and "programme office" in error["message"]
    assert_no_traceback(response.text)
    assert_logged(
        log_file,
        request_id,
        method="POST",
        path="/_dash-update-component",
        user=user_id(failing_app, "supervisor"),
        exception="ValueError",
    )


def test_a_failing_script_request_answers_json(failing_app, office, log_file):
    """Like the upload's XMLHttpRequest: it asks for anything (*/*), not for a page."""
    token = office.get_cookie("_csrf_token").value
    headers = {"Accept": "*/*", "X-Request-ID": "lb-7f3a.42", "X-CSRFToken": token}
    response = office.post("/_test/boom", headers=headers)
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "lb-7f3a.42"  # the proxy's id is kept
    assert response.get_json()["error"]["request_id"] == "lb-7f3a.42"
    assert_no_traceback(response.text)
    record = assert_logged(
        log_file,
        "lb-7f3a.42",
        method="POST",
        path="/_test/boom",
        user=user_id(failing_app, "supervisor"),
        exception="KeyError",
    )
    assert record["logger"] == "tracker"


@pytest.mark.parametrize(
    "incoming",
    [
        "",
        "<script>alert(1)</script>",
        "a" * 129,
        "id with spaces",
        "x;Set-Cookie=a",
        "-x",
        '"quoted"',
    ],
)
def test_an_unfit_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/login", headers={"X-Request-ID": incoming} if incoming else {})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/login", "/assets/tracker.css", "/nowhere", "/_dash-layout"])
def test_every_answer_carries_a_fresh_request_id(client, path):
    first, second = client.get(path), client.get(path)
    assert re.fullmatch(r"[0-9a-f]{32}", first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_the_log_goes_to_standard_error_by_default_once_per_error(settings, capfd):
    create_app(settings).server.extensions["store"].engine.dispose()  # an earlier app
    dash_app = with_failing_routes(create_app(settings))
    try:
        response = dash_app.server.test_client().get("/_test/boom")  # anonymous: refused first
        assert response.status_code == 401
        dash_app.server.view_functions["auth.login"] = dash_app.server.view_functions[
            "json_boom"
        ]  # the open sign-in page now fails too
        failed = dash_app.server.test_client().get("/login")
        assert failed.status_code == 500
    finally:
        dash_app.server.extensions["store"].engine.dispose()
    request_id = failed.headers["X-Request-ID"]
    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert len(mine) == 1  # one handler, however many apps this process built
    assert mine[0]["user_id"] is None and mine[0]["exception_type"] == "KeyError"
    assert mine[0]["level"] == "ERROR" and mine[0]["path"] == "/login"


def test_an_invitations_token_never_reaches_the_log(failing_app):
    """The one-time token is in the invitation's address: a log line (and Flask's "Exception on
    <path>") names the path without it."""
    import logging

    from web.logs import RequestContext

    token = "k3Y-ONE-TIME-secret_token"
    with failing_app.server.test_request_context(f"/invite/{token}", method="POST"):
        record = logging.LogRecord(
            "tracker", logging.ERROR, __file__, 1, f"Exception on /invite/{token} [POST]", (), None
        )
        assert RequestContext().filter(record)
    assert record.path == "/invite/[token]"
    assert token not in record.getMessage() and "/invite/[token]" in record.getMessage()
    with failing_app.server.test_request_context("/review"):
        record = logging.LogRecord("tracker", logging.ERROR, __file__, 1, "on /review", (), None)
        RequestContext().filter(record)
    assert record.path == "/review" and record.getMessage() == "on /review"


@pytest.mark.parametrize("logger_name", ["werkzeug", "gunicorn.access"])
def test_the_servers_access_logs_never_show_an_invitations_token(failing_app, logger_name):
    """The development server's and gunicorn's access logs write the request line themselves."""
    import logging

    token = "OojQaPZ76T73Mu0k40DbTKxCMSIdy1oHiM"
    kept: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            kept.append(record.getMessage())

    logger = logging.getLogger(logger_name)
    handler = Keep()
    logger.addHandler(handler)
    try:
        logger.warning(
            '%s - - [%s] "%s" 200 -', "127.0.0.1", "24/Nov/2026", f"GET /invite/{token} HTTP/1.1"
        )
        logger.warning("%s", f"GET /login?next=%2Finvite%2F{token} HTTP/1.1")
        logger.warning("%s", "GET /review HTTP/1.1")
    finally:
        logger.removeHandler(handler)
    assert not any(token in line for line in kept), kept
    assert "/invite/[token]" in kept[0] and "%2Finvite%2F[token]" in kept[1]
    assert kept[2] == "GET /review HTTP/1.1"
