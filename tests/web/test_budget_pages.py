"""The budget's pages through Dash's callback endpoint as a browser (or a forger) calls it:
/budget for every role, /admin/budget for the office only (a forged callback from a committee
member or an entity team is refused and writes nothing), refusals in the user's language."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from data.models import AuditEvent, BudgetLine
from services.actors import Actor, Role
from services.budget import allocate
from tests.web.test_auth import dash_post, routing

OFFICE = Actor(Role.SUPERVISOR)


def key(app, start: str) -> str:
    """The registered callback whose outputs begin with `start` (Dash suffixes duplicates)."""
    found = [k for k in app.callback_map if k.lstrip(".").startswith(start)]
    assert len(found) == 1, found
    return found[0]


def request(app, start: str, inputs: list[tuple[str, str, object]], state=()) -> dict:
    output = key(app, start)
    outputs = [
        dict(zip(("id", "property"), part.split(".", 1), strict=True))
        for part in output.strip(".").split("...")
    ]
    as_list = lambda items: [{"id": i, "property": p, "value": v} for i, p, v in items]  # noqa: E731
    return {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": as_list(inputs),
        "state": as_list(state),
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }


def set_request(app, target="T1", entity="MOH", year="2024", amount="1,500.250", reason="plan"):
    return request(
        app,
        "budget-set-result.children",
        [("budget-set", "n_clicks", 1)],
        [
            ("budget-target", "value", target),
            ("budget-entity", "value", entity),
            ("budget-year", "value", year),
            ("budget-amount", "value", amount),
            ("budget-reason", "value", reason),
            ("budget-admin-state", "data", {"cycle": "2021-2025", "year": None}),
        ],
    )


def import_request(app, text: str, name="allocations.csv"):
    data = "data:text/csv;base64," + base64.b64encode(text.encode()).decode()
    return request(
        app,
        "budget-import-result.children",
        [("budget-import", "n_clicks", 1)],
        [
            ("budget-upload", "contents", data),
            ("budget-upload", "filename", name),
            ("budget-admin-state", "data", {"cycle": "2021-2025", "year": None}),
        ],
    )


def lines(app) -> dict[str, int]:
    with app.server.extensions["store"].session() as db:
        return {line.code: line.allocated_baisa for line in db.scalars(select(BudgetLine))}


@pytest.mark.parametrize("role", ["committee", "entity"])
def test_forged_allocation_callbacks_are_refused_and_write_nothing(app, login, role):
    client = login(role)
    client.get("/")
    assert dash_post(client, set_request(app)).status_code == 403
    csv = "track,year,allocated_omr\nT1,2024,5\n"
    assert dash_post(client, import_request(app, csv)).status_code == 403
    assert lines(app) == {}
    assert client.get("/admin/budget").status_code == 403
    assert dash_post(client, routing("/admin/budget")).status_code == 403


def test_the_office_sets_an_allocation_in_its_language(app, login):
    client = login("supervisor", lang="ar")
    client.get("/?lang=ar")
    done = dash_post(client, set_request(app, amount="١٬٥٠٠٫٢٥")).get_json()["response"]
    assert "أصبح مخصص البند" in str(done["budget-set-result"])
    assert "1,500.250" in str(done["budget-set-result"])
    assert lines(app) == {"MOH-T1-2024": 1_500_250}
    refused = dash_post(client, set_request(app, amount="1.2345")).get_json()["response"]
    assert "ثلاث خانات عشرية على الأكثر" in str(refused["budget-set-result"])
    assert lines(app) == {"MOH-T1-2024": 1_500_250}
    with app.server.extensions["store"].session() as db:
        actions = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("budget.%")))
        assert list(actions) == ["budget.allocate"]


def test_the_office_imports_a_sheet_or_hears_every_problem_by_row(app, login):
    client = login("supervisor", lang="en")
    client.get("/?lang=en")
    bad = "initiative,track,year,allocated_omr\nI1.1,,2024,1.0001\n,T9,2024,5\n"
    answer = str(dash_post(client, import_request(app, bad)).get_json()["response"])
    assert "Row 2, column" in answer and "At most three decimals" in answer
    assert "Row 3, column" in answer and "There is no track" in answer
    assert lines(app) == {}
    good = 'initiative,track,entity,year,allocated_omr\nI1.1,,,2024,"2,000,000"\n,T2,MOH,2025,7.5\n'
    answer = str(dash_post(client, import_request(app, good)).get_json()["response"])
    assert "allocations.csv" in answer and "imported: 2 lines" in answer
    assert lines(app) == {"I1.1-2024": 2_000_000_000, "MOH-T2-2025": 7_500}


@pytest.mark.parametrize("role", ["committee", "entity", "supervisor"])
def test_every_role_sees_the_budget_page(app, login, role):
    with app.server.extensions["store"].transaction() as db:
        allocate(db, OFFICE, year=2024, baisa=4_000_000_500, track="T1", entity="MOH")
    client = login(role, lang="en")
    client.get("/?lang=en")
    page = str(dash_post(client, routing("/budget")).get_json())
    assert "As of quarter" in page
    body = request(
        app,
        "budget-content.children",
        [("budget-params", "data", {"period": "2025-Q4", "unapproved": "0"})],
    )
    drawn = str(dash_post(client, body).get_json()["response"])
    assert "OMR 170,000,000.000" in drawn  # the cycle's budget
    assert "OMR 4,000,000.500" in drawn  # the line allocated
    assert "Not reported" in drawn
