"""Who gets what from `/api/v1`, per role, by token and by browser session: the same access as
the pages (docs/roles.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.models import AuditEvent
from tests.api.conftest import PENDING_KPI, PENDING_PERIOD, ROLES

ENDPOINTS = ("/api/v1/kpis", "/api/v1/entities", "/api/v1/observations", "/api/v1/programme")


def unapproved(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r["status"] != "approved"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_every_endpoint_with_its_token(api, role):
    for url in ENDPOINTS:
        response = api.get(url, role)
        assert response.status_code == 200, (url, response.text)
        assert response.json


def test_without_credentials_every_address_answers_401_json_not_the_sign_in_page(api):
    for url in (*ENDPOINTS, "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/nothing", "/api/v2/x"):
        response = api.get(url)
        assert response.status_code == 401, url
        assert response.json["error"]["code"] == 401
        assert "token" in response.json["error"]["message"]
        assert "Location" not in response.headers


def test_official_figures_are_the_default_for_everybody(api):
    for role in ROLES:
        rows = api.get(f"/api/v1/observations?kpi={PENDING_KPI}", role).json
        assert rows and unapproved(rows) == [], role


def test_committee_sees_approved_figures_only(api):
    for url in ("/api/v1/observations?status=all", "/api/v1/programme?status=all"):
        response = api.get(url, "committee")
        assert response.status_code == 403, url
        assert response.json["error"]["code"] == 403


def test_an_entity_token_sees_its_own_unapproved_figures_and_nobody_elses(api):
    rows = api.get("/api/v1/observations?status=all", "entity").json
    pending = unapproved(rows)
    assert {r["entity"] for r in pending} == {"MOH"}
    mine = [r for r in pending if (r["kpi"], r["period"]) == (PENDING_KPI, PENDING_PERIOD)]
    assert mine == [
        {
            "entity": "MOH",
            "kpi": PENDING_KPI,
            "period": PENDING_PERIOD,
            "value": 50.0,
            "numerator": 1.0,
            "denominator": 2.0,
            "status": "submitted",
            "revision": mine[0]["revision"],
            "approved_at": None,
        }
    ]
    # the official figure stays beside it, labelled
    official = [
        r
        for r in rows
        if (r["entity"], r["kpi"], r["period"]) == ("MOH", PENDING_KPI, PENDING_PERIOD)
        and r["status"] == "approved"
    ]
    assert len(official) == 1 and official[0]["revision"] < mine[0]["revision"]
    assert official[0]["approved_at"]
    # other entities' figures, as on the pages: none, and asking for them is refused
    assert {r["entity"] for r in rows} == {"MOH"}
    for query in ("status=all&entity=MOF", "entity=MOF"):
        assert api.get(f"/api/v1/observations?{query}", "entity").status_code == 403


def test_another_entity_token_does_not_see_moh_pending_figures(api):
    rows = api.get("/api/v1/observations?status=all", "entity_other").json
    assert rows and {r["entity"] for r in rows} == {"MOF"}


@pytest.mark.parametrize("role", ["admin", "supervisor"])
def test_the_office_sees_every_entitys_figures_awaiting_review(api, role):
    pending = unapproved(api.get("/api/v1/observations?status=all", role).json)
    entities = {r["entity"] for r in pending}
    assert "MOH" in entities and len(entities) > 1  # the demo's own pending submissions too
    assert {r["status"] for r in pending} <= {"submitted", "returned"}


def test_a_browser_session_gets_the_same_answers_as_the_token(api):
    for role in ("entity", "committee"):
        client = api.session(role)
        for url in ("/api/v1/observations?kpi=T1.1", "/api/v1/programme?period=2025-Q4"):
            by_session = client.get(url)
            assert by_session.status_code == 200
            assert by_session.json == api.get(url, role).json, (role, url)
    session = api.session("entity")
    assert session.get("/api/v1/observations?status=all&entity=MOF").status_code == 403


def test_programme_standings_an_entity_sees_its_own_only(api):
    committee = api.get("/api/v1/programme?period=2025-Q4", "committee").json
    entity = api.get("/api/v1/programme?period=2025-Q4", "entity").json
    assert [e["code"] for e in entity["entities"]] == ["MOH"]
    moh = next(e for e in committee["entities"] if e["code"] == "MOH")
    assert entity["entities"][0] == moh
    scored = [e for e in committee["entities"] if e["score"] is not None]
    assert all(e["ranked_among"] == len(scored) for e in committee["entities"])
    assert sorted(e["rank"] for e in scored)[0] == 1


def test_a_refusal_is_an_audit_event(api):
    api.get("/api/v1/observations?status=all", "committee")
    with api.store.session() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused")).all()[
            -1
        ]
    assert event.actor == "committee@test.om"
    assert event.after["path"] == "/api/v1/observations"
    assert event.after["status"] == 403
