"""The guard in front of every route, sign-in and sign-out, cookies, CSRF and rate limits."""

import json

import pytest

from tests.conftest import PASSWORD, ROLE_USERS, csrf_from

ROUTING = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [
        {"id": "_pages_content", "property": "children"},
        {"id": "_pages_store", "property": "data"},
    ],
    "inputs": [
        {"id": "_pages_location", "property": "pathname", "value": "/"},
        {"id": "_pages_location", "property": "search", "value": ""},
    ],
    "changedPropIds": ["_pages_location.pathname"],
    "state": [],
}


def routing(path: str) -> dict:
    body = json.loads(json.dumps(ROUTING))
    body["inputs"][0]["value"] = path
    return body


def dash_post(client, body):
    token = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": token.value} if token else {}
    return client.post("/_dash-update-component", json=body, headers=headers)


@pytest.mark.parametrize("path", ["/", "/track/T1", "/kpi/T1.5", "/review", "/audit", "/nowhere"])
def test_anonymous_pages_redirect_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-layout",
        "/_dash-dependencies",
        "/_dash-component-suites/dash/dcc/dash_core_components.js",
    ],
)
def test_anonymous_dash_internals_get_nothing(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json() == {"error": "sign in first"}


def test_anonymous_callback_post_gets_no_data(client):
    response = client.post("/_dash-update-component", json=routing("/"))
    assert response.status_code == 401
    assert b"T1.5" not in response.data and b"_pages_content" not in response.data


def test_login_page_and_assets_are_open(client):
    assert client.get("/login").status_code == 200
    assert client.get("/assets/tracker.css").status_code == 200


def test_signed_in_callback_returns_the_page(login):
    client = login("supervisor")
    client.get("/")
    response = dash_post(client, routing("/"))
    assert response.status_code == 200
    assert "Programme overview" in response.text and "As of quarter" in response.text


def test_callback_without_csrf_token_is_refused(login):
    client = login("supervisor")
    response = client.post("/_dash-update-component", json=routing("/"))
    assert response.status_code == 400


def test_login_sets_a_fresh_httponly_lax_session(client):
    page = client.get("/login")
    before = client.get_cookie("session").value
    response = client.post(
        "/login",
        data={
            "email": ROLE_USERS["committee"][0],
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("session").value != before


def test_wrong_password_is_refused_with_a_message(client):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": ROLE_USERS["committee"][0],
            "password": "not-the-password",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 401
    assert "not right" in response.text
    assert client.get("/").status_code == 302


def test_login_form_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"email": ROLE_USERS["admin"][0], "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_failed_logins_are_rate_limited_per_account_and_address(client):
    token = csrf_from(client.get("/login").text)
    email = ROLE_USERS["entity"][0]

    def attempt(password, address):
        data = {"email": email, "password": password, "csrf_token": token}
        return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address}).status_code

    codes = [attempt("wrong-password", "10.9.0.66") for _ in range(7)]
    assert codes == [401] * 5 + [429, 429]
    assert attempt(PASSWORD, "10.9.0.66") == 429  # the attacker's address stays locked out
    assert attempt(PASSWORD, "10.9.0.1") == 302  # the owner, from their own address, gets in


def test_failed_logins_are_rate_limited_per_address(client):
    token = csrf_from(client.get("/login").text)
    codes = [
        client.post(
            "/login",
            data={"email": f"guess{n}@x.om", "password": "wrong-password", "csrf_token": token},
        ).status_code
        for n in range(6)
    ]
    assert codes == [401] * 5 + [429]


def test_logout_needs_post_and_ends_the_session(login):
    client = login("admin")
    assert client.get("/logout").status_code in (404, 405)
    assert client.get("/").status_code == 200  # a GET does not sign out
    client.get("/")
    response = client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_leave_the_site(client):
    page = client.get("/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={
            "email": ROLE_USERS["admin"][0],
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.headers["Location"] == "/"
