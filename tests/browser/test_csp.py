"""The Content-Security-Policy holds in real Chromium: every page, for every role allowed to open
it, in English and Arabic, renders (charts included) without a single CSP violation."""

from __future__ import annotations

import pytest

from services.actors import Actor, Role, page_allowed

pytestmark = pytest.mark.browser

PAGES = {  # what shows that the page rendered: its figures, charts or form
    "/": "#overview-content section.track",
    "/track/T1": "#track-content .js-plotly-plot .main-svg",
    "/kpi/T1.5": "#kpi-content .js-plotly-plot .main-svg",
    "/entity/MOH": "#entity-content section",
    "/completeness": "#completeness-content section",
    "/international": "main table",
    "/submissions": "#submissions-report, #submissions-result, main form, main h1",
    "/review": "#review-approve, main table, main h1",
    "/audit": "main table",
    "/admin": "#admin-links",
    "/admin/users": "#users-list table",
    "/admin/entities": "main table",
    "/admin/kpis": "#admin-kpis-from",
    "/admin/cycles": "main h1",
    "/admin/deadlines": "#deadlines-quarter",
}
# Every violation the page reports, from the moment the document starts (before Dash's scripts)
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample || ""}`
  );
});
"""


ROLES = {  # the actor of each demo account
    "admin": Actor(Role.ADMIN),
    "supervisor": Actor(Role.SUPERVISOR),
    "committee": Actor(Role.COMMITTEE),
    "entity": Actor(Role.ENTITY, "MOH"),
}


def watch(page) -> list[str]:
    """Collect CSP violations from the console and from the page's own event."""
    console: list[str] = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(LISTEN)
    return console


def violations(page, console: list[str]) -> list[str]:
    return console + page.evaluate("window.__cspViolations || []")


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_renders_without_a_csp_violation(page, sign_in, live_server, role, lang):
    console = watch(page)
    sign_in(role, lang)
    opened = []
    for path, ready in PAGES.items():
        if not page_allowed(ROLES[role], path):
            continue
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
        page.wait_for_selector(ready)
        page.wait_for_load_state("networkidle")
        assert violations(page, console) == [], path
        opened.append(path)
    assert "/" in opened and len(opened) >= 6  # the six analytics pages, at least
    response = page.goto(f"{live_server}/nowhere")  # the error pages keep to the policy too
    assert response.status == 404
    page.wait_for_selector("#error-title")
    assert violations(page, console) == []


def test_injected_inline_script_and_style_are_refused_and_reported(page, sign_in, live_server):
    """What an attacker's injected markup would do is blocked, and this file's watch sees it."""
    console = watch(page)
    sign_in("committee")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__injected = true";
            document.head.appendChild(script);
            const style = document.createElement("style");
            style.textContent = "body { display: none }";
            document.head.appendChild(style);
        }"""
    )
    page.wait_for_function("window.__cspViolations.length >= 2")
    assert page.evaluate("window.__injected") is None
    assert page.locator("#overview-content").is_visible()
    found = violations(page, console)
    assert any("script-src" in v for v in found) and any("style-src" in v for v in found)
