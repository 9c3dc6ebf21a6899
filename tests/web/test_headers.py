"""Security headers on every kind of answer: the sign-in page, a signed-in page, a callback, an
asset, a 404, a download, the upload check; HSTS only in production."""

from __future__ import annotations

import pytest

from app import create_app
from settings import Settings
from tests.web.test_auth import dash_post, routing
from tests.web.test_submission_access import signed_in, upload

COMMON = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


def assert_secured(response, *, cacheable: bool = False) -> None:
    for name, value in COMMON.items():
        assert response.headers.get(name) == value, name
    assert "camera=()" in response.headers["Permissions-Policy"]
    csp = policy(response)
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[directive] and "'unsafe-eval'" not in csp[directive]
        assert "*" not in csp[directive] and "data:" not in csp[directive]
    assert "Strict-Transport-Security" not in response.headers  # not in development or test
    if cacheable:
        assert "no-store" not in response.headers.get("Cache-Control", "")
    else:
        assert response.headers["Cache-Control"] == "no-store"


def test_sign_in_page(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert_secured(response)
    assert policy(response)["form-action"] == ["'self'"]


def test_signed_in_page_names_dash_inline_scripts_by_hash(app, login):
    client = login("supervisor")
    response = client.get("/")
    assert response.status_code == 200
    assert_secured(response)
    scripts = policy(response)["script-src"]
    assert scripts[0] == "'self'"
    assert set(app.csp_hashes()) <= set(scripts)  # Dash's renderer start, not inline code at large
    assert len(scripts) == 1 + len(app.csp_hashes())


def test_callback(login):
    client = login("committee")
    client.get("/")  # the page gives the CSRF cookie that callbacks send back
    response = dash_post(client, routing("/"))
    assert response.status_code == 200
    assert_secured(response)


def test_asset_may_be_cached(client):
    response = client.get("/assets/tracker.css")
    assert response.status_code == 200
    assert_secured(response, cacheable=True)


def test_dash_component_code_may_be_cached(login):
    client = login("committee")
    response = client.get("/_dash-component-suites/dash/dcc/dash_core_components.js")
    assert response.status_code == 200
    assert_secured(response, cacheable=True)


@pytest.mark.parametrize("role", [None, "committee"])
def test_not_found(login, client, role):
    if role:
        login(role)
    response = client.get("/assets/nothing-here.css" if role is None else "/nowhere")
    assert response.status_code == 404
    assert_secured(response)


def test_upload_check_and_download_of_the_original(login):
    client = signed_in(login, "entity")
    checked = upload(client, "MOH", b"not a workbook")
    assert checked.status_code == 200
    assert_secured(checked)
    download = client.get(f"/submissions/file/{checked.get_json()['upload_id']}")
    assert download.status_code == 200 and download.data == b"not a workbook"
    assert_secured(download)


def test_anonymous_callback_is_refused_with_the_headers(client):
    response = client.post("/_dash-update-component", json=routing("/"))
    assert response.status_code == 401
    assert_secured(response)


def production_app(settings: Settings):
    return create_app(
        Settings(
            database_url=settings.database_url,
            secret_key="s" * 48,
            app_env="production",
            instance_path=settings.instance_path,
            upload_dir=settings.upload_dir,
            workers=1,  # one worker may keep sign-in limits in memory://
        )
    )


def test_hsts_in_production_only(settings, client):
    over_https = {"base_url": "https://tracker.example"}
    assert "Strict-Transport-Security" not in client.get("/login", **over_https).headers
    production = production_app(settings)
    try:
        response = production.server.test_client().get("/login", **over_https)
        assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Cache-Control"] == "no-store"
        behind_proxy = production.server.test_client().get(
            "/login", headers={"X-Forwarded-Proto": "https"}
        )
        assert "Strict-Transport-Security" in behind_proxy.headers
    finally:
        production.server.extensions["store"].engine.dispose()
