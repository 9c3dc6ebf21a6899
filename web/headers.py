"""Security headers on every response: flask-talisman sets the Content-Security-Policy,
`X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy`, `Permissions-Policy` and, in
production, HSTS; this module adds `Cache-Control: no-store` to everything but static files.

The policy is as strict as Dash 4.1 and plotly.js allow; each exception says why below, and
tests/browser/test_csp.py opens every page for every role in both languages and fails on any
violation."""

from __future__ import annotations

from collections import OrderedDict

import dash
from flask import request
from flask_talisman import Talisman

SELF = "'self'"
NONE = "'none'"
HSTS_MAX_AGE = 365 * 24 * 3600
# Static code and files, the same for everyone and holding nothing of the user: they may be cached.
# Dash's component suites carry a version in their address; /assets/ carry a modification time.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
# Styles, the one exception to "no inline code": Dash 4.1's renderer and core components put their
# stylesheets into <style> elements from their scripts (webpack's style-loader), dcc.Loading renders
# its spinner's <style>, and plotly.js adds an empty <style id="plotly.js-style-global"> that it
# fills through the CSSOM (which CSP does not govern). Rather than 'unsafe-inline', the policy names
# these exact texts by hash, so an injected <style> is still refused. They change only with Dash
# (pinned in requirements.txt): tests/browser/test_csp.py then fails, and Chromium's message names
# each new hash. Style attributes need nothing: React and plotly set them through the CSSOM.
# Scripts need no exception: no 'unsafe-inline' (Dash's inline scripts are named by hash, read from
# Dash itself) and no 'unsafe-eval' (plotly.js's basic bundle draws without eval; checked in
# Chromium by tests/browser/test_csp.py on the track and KPI charts).
DASH_STYLE_HASHES = (
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # empty: plotly.js-style-global
    "'sha256-X2TqJwnIiE/ceDVeAdr7v7BOWBU6CEzE6qxlNzBzvBk='",  # :root { --Dash-Spacing ...
    "'sha256-Do5Z9ZqsPvCQTUBQS9BnDm/2+on7omuzuLYk5sbA+2s='",  # ._dash-undo-redo
    "'sha256-ITR5T9OwskhdqdsliUJRmgp9ltOFAHgXe1F7eRvGnmQ='",  # .dash-button
    "'sha256-Z8VokGxeiKThZOEmkdUgfW+jxbvItBwAXC8M1c4wqAM='",  # .dash-options-list-option
    "'sha256-0IJGrxhCP5NUIafylLkj5118xkZH1kp5FmNio7NOckI='",  # ... .dash-checklist-inline
    "'sha256-Aq43X0SlmB69maWGob4rp/UuSHhwePalkRRExtsxOJ8='",  # ... .dash-radioitems-inline
    "'sha256-VUA+tqvhK3niMn7AdszqidMFPRh9FLqxB2iINUrsiTw='",  # .dash-input-container
    "'sha256-+QoPrsxO0auPnxSulD3bAr9CoDGgzv7YRfYE0vfxeQI='",  # .dash-textarea
    "'sha256-MsPYCdcnTTw/4h8zzfqAz8zyPTH9JiAfhGlrw42vY1A='",  # .dash-slider-root
    "'sha256-uDiOZWps1U7E8/0BTaQrclYMhVhRVE4dT0vb5X6nXOw='",  # .tab-parent
    "'sha256-MJs2ke1SA6Cy3tTCZu2QH0rj0r//iNqU0idy9bM4leg='",  # .dash-tooltip
    "'sha256-lsn/ZzqWfkYOzUU7BjYl3Yl7bQ8aBSpCwy4c+W4VfY4='",  # dcc.Loading type="dot" spinner
)


# browser features the tracker never uses, refused to the page and anything it might embed
PERMISSIONS_POLICY = {
    feature: "()"
    for feature in ("browsing-topics", "camera", "geolocation", "microphone", "payment", "usb")
}


def content_security_policy() -> OrderedDict[str, list[str]]:
    """The policy without script hashes (`refresh_script_hashes` adds Dash's inline scripts)."""
    return OrderedDict(
        [
            ("default-src", [NONE]),  # deny by default: every kind of resource is named below
            ("script-src", [SELF]),  # plus the hashes of Dash's inline scripts, never inline code
            ("style-src", [SELF, *DASH_STYLE_HASHES]),
            ("img-src", [SELF]),
            ("font-src", [SELF]),  # assets/fonts (Noto Sans Arabic)
            # callbacks and the upload; data: because assets/upload.js reads the file that
            # dcc.Upload hands over as a data: URL with fetch() (it never leaves the browser)
            ("connect-src", [SELF, "data:"]),
            ("object-src", [NONE]),
            ("base-uri", [NONE]),
            ("form-action", [SELF]),  # sign-in and sign-out post to the app itself
            ("frame-ancestors", [NONE]),  # nobody frames the tracker (clickjacking)
        ]
    )


def init_app(app: dash.Dash, *, production: bool) -> Talisman:
    server = app.server
    talisman = Talisman(
        server,
        content_security_policy=content_security_policy(),
        frame_options="DENY",  # for browsers without CSP's frame-ancestors
        referrer_policy="strict-origin-when-cross-origin",  # other sites see the origin only
        permissions_policy=PERMISSIONS_POLICY,
        strict_transport_security=production,
        strict_transport_security_max_age=HSTS_MAX_AGE,
        strict_transport_security_include_subdomains=False,
        # TLS ends at the proxy in front of gunicorn, which redirects plain HTTP: Talisman must not,
        # nor touch the session cookie settings that settings.py decides
        force_https=False,
        session_cookie_secure=bool(server.config.get("SESSION_COOKIE_SECURE")),
        session_cookie_samesite=server.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        session_cookie_http_only=bool(server.config.get("SESSION_COOKIE_HTTPONLY", True)),
    )

    # after_request functions run last-registered first: this runs before Talisman writes the header
    @server.after_request
    def refresh_script_hashes(response):
        """Dash adds inline scripts (its renderer's start, page-title callback) up to its first
        request, so the hashes are read from Dash when answering, not once at start-up."""
        talisman.content_security_policy["script-src"] = [SELF, *app.csp_hashes()]
        return response

    server.after_request(no_store)
    return talisman


def no_store(response):
    """Nothing but static files is kept by the browser or a proxy: signed-in pages, callbacks,
    downloads and error pages carry the user's data."""
    if request.path.startswith(STATIC_PREFIXES) and response.status_code < 400:
        return response
    response.headers["Cache-Control"] = "no-store"
    return response
