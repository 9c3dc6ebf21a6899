"""Who reaches which page: the table itself, direct requests, and the pages' own callback."""

import pytest

from services.actors import Actor, Role, page_allowed, sees_unapproved
from tests.web.test_auth import dash_post, routing

PAGES = [
    "/",
    "/track/T1",
    "/kpi/T1.5",
    "/entity/MOH",
    "/entity/MOF",
    "/completeness",
    "/international",
    "/submissions",
    "/review",
    "/audit",
    "/admin",
    "/admin/users",
    "/admin/entities",
    "/admin/kpis",
    "/admin/cycles",
    "/admin/deadlines",
]
ADMIN_ONLY = {"/admin/users", "/admin/entities", "/admin/cycles"}
OFFICE_ONLY = {"/review", "/audit", "/admin", "/admin/kpis", "/admin/deadlines"}
# role -> pages it may open (entity users: their own entity, MOH here)
ALLOWED = {
    "admin": set(PAGES),
    "supervisor": set(PAGES) - ADMIN_ONLY,
    "committee": set(PAGES) - {"/submissions"} - OFFICE_ONLY - ADMIN_ONLY,
    "entity": set(PAGES) - {"/entity/MOF"} - OFFICE_ONLY - ADMIN_ONLY,
}


def viewer(role: str):
    return Actor(Role(role), "MOH" if role == "entity" else None)


@pytest.mark.parametrize("role", ALLOWED)
@pytest.mark.parametrize("path", PAGES)
def test_page_table(role, path):
    assert page_allowed(viewer(role), path) == (path in ALLOWED[role])


@pytest.mark.parametrize(
    "path", ["/admin/x", "/admin/users/1", "/_secret", "/nothing/here", "/login-debug"]
)
def test_unknown_paths_are_denied_to_everyone(path):
    assert not any(page_allowed(viewer(role), path) for role in ALLOWED)


@pytest.mark.parametrize(
    ("role", "entity", "expected"),
    [
        ("supervisor", None, True),
        ("admin", "MOF", True),
        ("committee", "MOH", False),
        ("entity", "MOH", True),
        ("entity", "MOF", False),
        ("entity", None, False),
    ],
)
def test_who_sees_unapproved_figures(role, entity, expected):
    assert sees_unapproved(viewer(role), entity) is expected


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("entity", "/review", 403),
        ("entity", "/audit", 403),
        ("committee", "/submissions", 403),
        ("entity", "/entity/MOF", 403),
        ("entity", "/entity/MOH", 200),
        ("supervisor", "/review", 200),
        ("committee", "/", 200),
        ("supervisor", "/no-such-page", 404),
        # below a page is no page: a real 404, not the page saying "not found" with 200
        ("entity", "/submissions/file/-1", 404),
        ("supervisor", "/submissions/anything", 404),
        ("supervisor", "/kpi/T1.1/extra", 404),
        ("committee", "/track", 404),
        ("committee", "/reports/file/x", 404),
    ],
)
def test_direct_requests_follow_the_table(login, role, path, status):
    response = login(role).get(path)
    assert response.status_code == status
    if status == 403:
        assert "do not have access" in response.text


@pytest.mark.parametrize(
    ("role", "path"), [("entity", "/review"), ("committee", "/audit"), ("entity", "/entity/MOF")]
)
def test_page_callback_refuses_a_page_the_role_may_not_see(login, role, path):
    client = login(role)
    client.get("/")
    response = dash_post(client, routing(path))
    assert response.status_code == 403
    assert "_pages_content" not in response.text


def test_page_callback_refuses_a_forbidden_page_sent_under_another_name(login):
    """Dash passes the router's inputs by position: naming the forbidden path `search` and an
    allowed one `pathname` in second place must not get it through."""
    client = login("entity")
    client.get("/")
    body = routing("/")
    body["inputs"] = [
        {"id": "_pages_location", "property": "search", "value": "/audit"},
        {"id": "_pages_location", "property": "pathname", "value": "/"},
    ]
    response = dash_post(client, body)
    assert response.status_code == 403
    assert "_pages_content" not in response.text


def test_page_callback_serves_an_allowed_page(login):
    client = login("entity")
    client.get("/")
    response = dash_post(client, routing("/"))
    assert response.status_code == 200
    assert "_pages_content" in response.text and "overview-content" in response.text


@pytest.mark.parametrize("code", ["NOPE", "T1.1[]*"])
def test_a_forged_kpi_code_downloads_nothing_and_fails_nothing(login, code):
    from tests.web.test_auth import dash_post

    client = login("entity")
    client.get("/kpi/T1.5")
    body = {
        "output": "kpi-download.data",
        "outputs": {"id": "kpi-download", "property": "data"},
        "inputs": [
            {"id": "kpi-csv", "property": "n_clicks", "value": 1},
            {"id": "kpi-excel", "property": "n_clicks", "value": None},
        ],
        "state": [{"id": "kpi-params", "property": "data", "value": {"code": code}}],
        "changedPropIds": ["kpi-csv.n_clicks"],
    }
    assert dash_post(client, body).status_code == 204  # nothing to send, not a 500
