"""`/api/v1/initiatives` and `/api/v1/procedures`: the pages' pictures as data, with /programme's
access rules, on the demo history (SQLite and PostgreSQL). MTCIT's 2025-Q4 initiative reports
are made here: one approved revision, then one awaiting review."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from data.models import Entity, Period
from etl.load import InitiativeRow, load_submission
from etl.workflow import approve

AS_OF = "2025-Q4"
APPROVED = InitiativeRow("I1.1", AS_OF, "delayed", 12.5, "Tender signed", "2026-Q1", "API test")
PENDING = InitiativeRow("I1.1", AS_OF, "at_risk", 33.3, "Pilot", "2026-Q2", "awaiting review")


@pytest.fixture
def reported(api):
    with api.store.transaction() as db:
        mtcit = db.scalar(select(Entity).where(Entity.code == "MTCIT"))
        quarter = db.scalar(select(Period).where(Period.code == AS_OF))
        first = load_submission(db, mtcit, quarter, [], uploader=None, initiatives=[APPROVED])
        approve(db, first, None)
        load_submission(db, mtcit, quarter, [], uploader=None, initiatives=[PENDING])
    return api


def by_code(answer: dict) -> dict:
    return {i["code"]: i for i in answer["initiatives"]}


def test_the_committee_gets_the_approved_report_and_counts_that_add_up(reported):
    answer = reported.get(f"/api/v1/initiatives?period={AS_OF}", "committee")
    assert answer.status_code == 200
    body = answer.json
    i11 = by_code(body)["I1.1"]
    assert (i11["status"], i11["percent_complete"], i11["overdue"]) == ("delayed", 12.5, False)
    assert i11["report"] == {
        "period": AS_OF,
        "status": "delayed",
        "percent_complete": 12.5,
        "next_milestone": "Tender signed",
        "milestone_due": "2026-Q1",
        "note": "API test",
        "approved": True,
    }
    assert i11["planned_percent"] == 100.0 and i11["start"] == "2021-Q1"
    assert len(body["initiatives"]) == 24 and sum(body["counts"].values()) == 24
    assert {t["code"] for t in body["tracks"]} == {"T1", "T2", "T3", "T4"}
    assert sum(sum(t["counts"].values()) for t in body["tracks"]) == 24
    assert body["overdue"] == sum(i["overdue"] for i in body["initiatives"])


def test_the_office_asking_for_all_sees_the_report_awaiting_review(reported):
    body = reported.get(f"/api/v1/initiatives?period={AS_OF}&status=all", "supervisor").json
    i11 = by_code(body)["I1.1"]
    assert (i11["status"], i11["percent_complete"]) == ("at_risk", 33.3)
    assert i11["report"]["approved"] is False and body["figures"] == "all"


@pytest.mark.parametrize("role", ["committee", "entity"])
def test_only_the_office_may_ask_for_reports_awaiting_review(reported, role):
    answer = reported.get(f"/api/v1/initiatives?period={AS_OF}&status=all", role)
    assert answer.status_code == 403 and answer.json["error"]["reason"] == "forbidden"
    body = reported.get(f"/api/v1/initiatives?period={AS_OF}", role).json
    assert by_code(body)["I1.1"]["report"]["note"] == "API test"


def test_one_track_and_an_unknown_one(reported):
    body = reported.get(f"/api/v1/initiatives?period={AS_OF}&track=t2", "committee").json
    assert {i["track"] for i in body["initiatives"]} == {"T2"} and len(body["initiatives"]) == 6
    assert [t["code"] for t in body["tracks"]] == ["T2"]
    unknown = reported.get("/api/v1/initiatives?track=T9", "committee")
    assert unknown.status_code == 404 and "T9" in unknown.json["error"]["message"]


def test_initiatives_as_csv_one_row_each(reported):
    answer = reported.get(f"/api/v1/initiatives?period={AS_OF}&format=csv", "committee")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    assert len(rows) == 24
    i11 = next(r for r in rows if r["code"] == "I1.1")
    assert (i11["status"], i11["percent_complete"], i11["note"]) == ("delayed", "12.5", "API test")


def test_without_credentials_nothing(reported):
    for path in ("/api/v1/initiatives", "/api/v1/procedures"):
        assert reported.get(path).status_code == 401


def latest_numerators(rows: list[dict]) -> dict[str, float]:
    """Entity -> its latest T1.1 numerator (by period end) of the observations given."""
    latest: dict[str, tuple[str, float]] = {}
    for r in rows:
        if r["numerator"] is None:
            continue
        key = r["period"] if "-" in r["period"] else f"{r['period']}-Q4"
        if r["entity"] not in latest or key > latest[r["entity"]][0]:
            latest[r["entity"]] = (key, r["numerator"])
    return {entity: n for entity, (_k, n) in latest.items()}


def test_the_national_count_is_the_sum_of_the_latest_approved_numerators(api):
    body = api.get(f"/api/v1/procedures?period={AS_OF}", "committee").json
    rows = api.get(f"/api/v1/observations?kpi=T1.1&endPeriod={AS_OF}", "committee").json
    expected = sum(latest_numerators(rows).values())
    assert expected > 0 and body["simplified"] == pytest.approx(expected)
    assert body["total_planned"] == 2869 and body["kpi"] == "T1.1"
    assert [y["cumulative_planned"] for y in body["years"]] == [1074, 1522, 2039, 2515, 2869]
    assert body["years"][-1]["cumulative_simplified"] == pytest.approx(expected)
    assert sum(y["simplified"] for y in body["years"]) == pytest.approx(expected)
    assert sum(e["simplified"] or 0 for e in body["entities"]) == pytest.approx(expected)
    assert sum(e["share"] or 0 for e in body["entities"]) == pytest.approx(100)


def test_an_entity_team_gets_its_own_row_in_every_status(api):
    """MOH's 2025-Q4 revision awaiting review (tests/api/conftest.py) says 1 of 2."""
    body = api.get(f"/api/v1/procedures?period={AS_OF}", "entity").json
    assert [(e["code"], e["simplified"], e["approved"]) for e in body["entities"]] == [
        ("MOH", 1.0, False)
    ]
    assert body["entities"][0]["own_plan"]["2025"] == pytest.approx(2.0)
    committee = api.get(f"/api/v1/procedures?period={AS_OF}", "committee").json
    assert body["simplified"] == committee["simplified"]  # the national count: approved only


def test_procedures_as_csv_by_year_or_by_entity(api):
    years = api.get(f"/api/v1/procedures?period={AS_OF}&format=csv", "committee")
    rows = list(csv.DictReader(io.StringIO(years.data.decode("utf-8-sig"))))
    assert [r["year"] for r in rows] == ["2021", "2022", "2023", "2024", "2025"]
    entities = api.get(f"/api/v1/procedures?period={AS_OF}&format=csv&table=entities", "supervisor")
    rows = list(csv.DictReader(io.StringIO(entities.data.decode("utf-8-sig"))))
    assert len(rows) > 20 and {"code", "simplified", "share"} <= set(rows[0])
    bad = api.get("/api/v1/procedures?table=budget", "committee")
    assert bad.status_code == 400 and bad.json["error"]["reason"] == "bad_table"


def test_both_endpoints_are_described(api):
    spec = api.get("/api/v1/openapi.json", "committee").json
    for path in ("/api/v1/initiatives", "/api/v1/procedures"):
        operation = spec["paths"][path]["get"]
        names = {p["name"] for p in operation["parameters"]}
        assert {"period", "status", "format"} <= names
        assert operation["responses"]["200"]
