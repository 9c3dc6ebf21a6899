"""JSON or CSV, errors as JSON, no caching, and the OpenAPI description with its readable page."""

from __future__ import annotations

import csv
import io

import pytest

from tests.api.conftest import ROLES


def test_csv_is_utf8_with_a_byte_order_mark_and_the_same_rows_as_json(api):
    url = "/api/v1/observations?entity=MOH&startPeriod=2025-Q1&endPeriod=2025-Q4"
    as_json = api.get(url, "supervisor").json
    response = api.get(url + "&format=csv", "supervisor")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "entity", "kpi", "period", "value", "numerator", "denominator", "status", "revision",
        "approved_at",
    ]  # fmt: skip
    assert len(rows) == len(as_json) > 0
    assert {r["period"] for r in rows} <= {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025"}
    assert float(rows[0]["value"]) == as_json[0]["value"]


def test_arabic_names_survive_csv(api):
    response = api.get("/api/v1/entities?format=csv", "committee")
    text = response.data.decode("utf-8-sig")
    assert "وزارة" in text


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("/api/v1/observations?startPeriod=2025-Q5", 400, "startPeriod"),
        ("/api/v1/observations?endPeriod=soon", 400, "endPeriod"),
        ("/api/v1/observations?startPeriod=2025&endPeriod=2024", 400, None),
        ("/api/v1/observations?status=pending", 400, "status"),
        ("/api/v1/observations?updatedAfter=yesterday", 400, "updatedAfter"),
        ("/api/v1/kpis?format=xml", 400, None),
        ("/api/v1/observations?entity=NOPE", 404, "entity"),
        ("/api/v1/observations?kpi=T9.9", 404, "kpi"),
        ("/api/v1/programme?period=2019-Q1", 404, "period"),
        ("/api/v1/programme?period=2025", 400, "period"),
        ("/api/v1/no-such-thing", 404, None),
        ("/api/v2/kpis", 404, None),
        ("/api/", 404, None),
    ],
)
def test_bad_requests_answer_json_saying_what_is_wrong(api, query, status, field):
    response = api.get(query, "supervisor")
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json"
    error = response.json["error"]
    assert error["code"] == status and error["message"]
    if field:
        assert error["field"] == field and field in error["message"]


def test_errors_in_arabic(api):
    response = api.get("/api/v1/observations?startPeriod=2025-Q5&lang=ar", "supervisor")
    assert response.status_code == 400
    assert "startPeriod" in response.json["error"]["message"]
    assert any("\u0600" <= ch <= "\u06ff" for ch in response.json["error"]["message"])


def test_the_api_only_reads(api):
    response = api.client().post(
        "/api/v1/kpis", headers={"Authorization": f"Bearer {api.tokens['admin']}"}
    )
    assert response.status_code == 405
    assert response.json["error"]["code"] == 405


def test_nothing_is_cached(api):
    for url in ("/api/v1/kpis", "/api/v1/programme?format=csv", "/api/v1/openapi.json"):
        assert api.get(url, "committee").headers["Cache-Control"] == "no-store"
    assert api.get("/api/v1/kpis").headers["Cache-Control"] == "no-store"


def test_filters(api):
    rows = api.get(
        "/api/v1/observations?entity=moh&kpi=t1.1&startPeriod=2024-Q3&endPeriod=2025-Q2",
        "committee",
    ).json
    assert [r["period"] for r in rows] == ["2024-Q3", "2024-Q4", "2025-Q1", "2025-Q2"]
    assert {(r["entity"], r["kpi"]) for r in rows} == {("MOH", "T1.1")}
    everything = api.get("/api/v1/observations?entity=MOH", "committee").json
    late = api.get("/api/v1/observations?entity=MOH&updatedAfter=2025-10-01", "committee").json
    assert 0 < len(late) < len(everything)
    assert all(r["approved_at"] > "2025-10-01" for r in late)


def test_openapi_lists_every_endpoint(api):
    spec = api.get("/api/v1/openapi.json", "committee").json
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert paths == {
        "/api/v1/kpis",
        "/api/v1/entities",
        "/api/v1/observations",
        "/api/v1/programme",
        "/api/v1/initiatives",
        "/api/v1/procedures",
        "/api/v1/budget",
        "/api/v1/public/observations",  # the open data, answering only with OPEN_DATA_PUBLIC=1
    }
    names = {p["name"] for p in spec["paths"]["/api/v1/observations"]["get"]["parameters"]}
    assert {"entity", "kpi", "startPeriod", "endPeriod", "status", "updatedAfter"} <= names
    assert "bearerToken" in spec["components"]["securitySchemes"]


@pytest.mark.parametrize("role", ROLES)
def test_the_docs_page_lists_the_endpoints_without_any_script(api, role):
    response = api.get("/api/v1/docs", role)
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script" not in response.text
    for path in ("/api/v1/kpis", "/api/v1/entities", "/api/v1/observations", "/api/v1/programme"):
        assert path in response.text
