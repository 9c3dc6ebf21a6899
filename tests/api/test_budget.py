"""GET /api/v1/budget on the demo history, on SQLite and PostgreSQL: the same picture as the
/budget page (services.budget.budget_picture), JSON and CSV, with the same access: the committee
never sees a figure awaiting review, an entity team sees its own, the office asks for them."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from data.models import Entity, Period
from etl.load import BudgetRow, load_submission
from kpis.periods import parse_period
from services.actors import Actor, Role
from services.budget import allocate, budget_picture, picture_data
from services.programme import Scope

URL = "/api/v1/budget"
LINE = "MOF-T4-2025"  # an entity line the test sets itself, reported by MOF


def pending_report(api, spent_omr: int) -> None:
    """MOF's 2025-Q4 report on LINE, awaiting review."""
    with api.store.transaction() as db:
        allocate(
            db, Actor(Role.SUPERVISOR), year=2025, baisa=9_000_000_000, track="T4", entity="MOF"
        )
        mof = db.scalar(select(Entity).where(Entity.code == "MOF"))
        q4 = db.scalar(select(Period).where(Period.code == "2025-Q4"))
        row = BudgetRow(LINE, "2025-Q4", spent_omr * 2000, spent_omr * 1000)
        load_submission(db, mof, q4, [], uploader=None, budget=[row])


def line_of(body: dict) -> dict:
    return next(line for line in body["lines"] if line["code"] == LINE)


def test_the_api_gives_the_pages_picture(api):
    pending_report(api, 1234)
    answer = api.get(f"{URL}?period=2025-Q4", "committee")
    assert answer.status_code == 200
    body = answer.get_json()
    with api.store.session() as db:
        picture = budget_picture(db, Scope(parse_period("2025-Q4"), False, None))
    assert body == picture_data(picture)
    assert body["budget_baisa"] == 170_000_000_000
    assert body["programme"]["allocated_baisa"] == sum(t["allocated_baisa"] for t in body["tracks"])
    line = line_of(body)
    assert line["allocated_baisa"] == 9_000_000_000 and line["spent_baisa"] is None


def test_figures_awaiting_review_as_the_role_may_see_them(api):
    pending_report(api, 1234)
    assert line_of(api.get(URL, "committee").get_json())["spent_baisa"] is None
    assert api.get(f"{URL}?status=all", "committee").status_code == 403
    assert api.get(f"{URL}?status=all", "entity").status_code == 403
    office = line_of(api.get(f"{URL}?period=2025-Q4&status=all", "supervisor").get_json())
    assert (office["spent_baisa"], office["approved"]) == (1_234_000, False)
    # MOF's own team sees its line in every status; MOH's team does not see MOF's
    assert line_of(api.get(f"{URL}?period=2025-Q4", "entity_other").get_json())["spent_baisa"] == (
        1_234_000
    )
    assert line_of(api.get(f"{URL}?period=2025-Q4", "entity").get_json())["spent_baisa"] is None


def test_csv_and_refusals(api):
    answer = api.get(f"{URL}?format=csv", "committee")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.data.decode("utf-8-sig"))))
    programme = [r for r in rows if r["level"] == "programme"]
    assert len(programme) == 1
    lines = [r for r in rows if r["level"] == "line"]
    assert sum(int(r["allocated_baisa"]) for r in lines) == int(programme[0]["allocated_baisa"])
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}?period=2019-Q1", "committee").status_code == 404
    assert api.get(f"{URL}?period=nonsense", "committee").status_code == 400
    assert api.get(f"{URL}?format=xml", "committee").status_code == 400
    session = api.session("committee")
    assert session.get(URL).status_code == 200


def test_the_endpoint_is_described(api):
    spec = api.get("/api/v1/openapi.json", "committee").get_json()
    described = spec["paths"]["/api/v1/budget"]["get"]
    names = {p["name"] for p in described["parameters"]}
    assert {"period", "status", "format"} <= names
