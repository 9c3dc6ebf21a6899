"""What no page sends but a forged request may: repeated parameters, state of the wrong shape,
ids out of range. Each is refused or ignored, never a 500, and reveals nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data.models import AuditEvent
from tests.web.test_auth import dash_post, routing


def signed_in(login, role: str):
    """Signed in, with the page's CSRF cookie (set by the first page)."""
    client = login(role)
    client.get("/")
    return client


def page_text(client, path: str, search: str = "") -> tuple[int, str]:
    body = routing(path)
    body["inputs"][1]["value"] = search
    answer = dash_post(client, body)
    return answer.status_code, answer.text


def test_a_repeated_entity_parameter_counts_once(login):
    client = signed_in(login, "entity")
    status, text = page_text(client, "/submissions", "?entity=moh&entity=mof")
    assert (status == 200 and "Submissions of MOH" in text) or "Nothing submitted yet" in text
    assert page_text(client, "/submissions", "?entity=mof&entity=moh")[0] == 403


@pytest.mark.parametrize("path", ["/entity/MOH/x", "/entity/MOH/../MOF"])
def test_an_entity_path_with_more_segments_is_no_page(login, path):
    assert page_text(signed_in(login, "entity"), path)[0] == 403


@pytest.mark.parametrize("state", [[1, 2], "MOH", 7, None, {"code": ["T1"], "period": 3}])
def test_analytics_callbacks_take_any_state_without_failing(login, state):
    body = {
        "output": "kpi-content.children",
        "outputs": {"id": "kpi-content", "property": "children"},
        "inputs": [{"id": "kpi-params", "property": "data", "value": state}],
        "changedPropIds": ["kpi-params.data"],
        "state": [],
    }
    answer = dash_post(signed_in(login, "committee"), body)
    assert answer.status_code == 200, answer.text[:300]
    assert "No such indicator" in answer.text


def template_call(context) -> dict:
    """The template button's callback, with the page's stored context as sent."""
    return {
        "output": "submissions-download.data",
        "outputs": {"id": "submissions-download", "property": "data"},
        "inputs": [{"id": "submissions-template", "property": "n_clicks", "value": 1}],
        "state": [{"id": "submissions-context", "property": "data", "value": context}],
        "changedPropIds": ["submissions-template.n_clicks"],
    }


@pytest.mark.parametrize(
    "context",
    [
        None,
        "MOH",
        {"period": "2025-Q3"},
        {"entity": ["MOH"]},
        {"entity": "MOH", "period": "9999-Q4"},  # no quarter of the programme
    ],
)
def test_a_forged_submissions_context_is_400(login, context):
    assert dash_post(signed_in(login, "entity"), template_call(context)).status_code == 400


def test_a_file_id_beyond_the_store_is_404(login):
    answer = login("supervisor").get("/submissions/file/99999999999999999999")
    assert answer.status_code == 404


def test_refusals_stop_filling_the_audit_chain_after_a_burst(app, login):
    client = signed_in(login, "entity")
    store = app.server.extensions["store"]

    def refused_events() -> int:
        with store.session() as db:
            query = select(func.count()).where(AuditEvent.action == "access.refused")
            return db.scalar(query)

    before = refused_events()
    for _ in range(40):
        assert client.get("/review").status_code == 403
    assert refused_events() - before == 30  # lockout.REFUSALS_AUDITED, then the log only
