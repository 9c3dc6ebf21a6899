"""The overview's ministry × KPI grid sends one page of ministries however many there are
(issue 17): Previous and Next move a page, a new track, status or order starts again at the
first, a forged page falls back to one that exists. The demo seeded twice over (test_paging's
63 entities) on SQLite and PostgreSQL; the grid's callback called as the browser calls it."""

from __future__ import annotations

import json

import pytest

from dashboards._grid import CHOICE, STEP, STEPS, STEPS_STATUS, step_state
from kpis.paging import NEXT, PAGE_SIZE, PREVIOUS, window
from tests.dashboards.test_figures import signed_in_client
from tests.dashboards.test_paging import (  # noqa: F401 - many_app: a fixture
    ENTITIES,
    components,
    content,
    many_app,
    params,
    text,
)
from tests.web.test_auth import dash_post

GRID_TABLE = "overview-grid"
GRID_STATE = "overview-grid-choice-state"
CHOICES = [("status", "all"), ("status", "off_track"), ("sort", "name"), ("sort", "score")]


@pytest.fixture(scope="module")
def office(many_app):  # noqa: F811 - the fixture above
    return signed_in_client(many_app, "supervisor", "en")


def grid_call(client, stored: dict, pressed: dict) -> dict:
    """The grid's callback after a click on `pressed` (a choice or a step button's id)."""
    choices = [{"type": CHOICE, "group": g, "value": v} for g, v in CHOICES]
    steps = [{"type": STEP, "value": v} for v in (PREVIOUS, NEXT)]

    def key(component_id: dict) -> str:
        return json.dumps(component_id, separators=(",", ":"), sort_keys=True)

    output = next(
        c["output"]
        for c in client.get("/_dash-dependencies").get_json()
        if c["output"].startswith(f"..{GRID_TABLE}.children")
    )
    body = {
        "output": output,
        "outputs": [
            {"id": GRID_TABLE, "property": "children"},
            {"id": GRID_STATE, "property": "data"},
            [{"id": c, "property": "aria-pressed"} for c in choices],
            {"id": STEPS_STATUS, "property": "children"},
            {"id": STEPS, "property": "hidden"},
            *[{"id": s, "property": "aria-disabled"} for s in steps],
        ],
        "inputs": [
            [{"id": c, "property": "n_clicks", "value": 1} for c in choices],
            [{"id": s, "property": "n_clicks", "value": 1} for s in steps],
        ],
        "state": [
            {"id": GRID_STATE, "property": "data", "value": stored},
            {"id": "overview-params", "property": "data", "value": params()},
        ],
        "changedPropIds": [f"{key(pressed)}.n_clicks"],
    }
    answer = dash_post(client, body)
    assert answer.status_code == 200, answer.text[:300]
    response = answer.get_json()["response"]
    return {
        "table": response[GRID_TABLE]["children"],
        "state": response[GRID_STATE]["data"],
        "status": response[STEPS_STATUS]["children"],
        "hidden": response[STEPS]["hidden"],
        "previous": response[key(steps[0])]["aria-disabled"],
        "next": response[key(steps[1])]["aria-disabled"],
        "size": len(answer.data),
    }


def ministries(tree) -> list[str]:
    """The ministries of the grid's rows (each row's header cell)."""
    return [
        text(row["props"]["children"][0])
        for tbody in components(tree, "Tbody")
        for row in tbody["props"]["children"]
    ]


def status_of(tree) -> str:
    (status,) = components(tree, id=STEPS_STATUS)
    assert status["props"]["aria-live"] == "polite"
    return text(status)


def step(value: str) -> dict:
    return {"type": STEP, "value": value}


def test_the_overview_sends_one_page_of_ministries(office):
    parts, _size = content(office, "overview", params())
    (grid,) = components(parts, id=GRID_TABLE)
    first = ministries(grid)
    assert len(first) == PAGE_SIZE
    assert first == sorted(first, key=str.casefold)
    (steps,) = components(parts, id=STEPS)
    assert not steps["props"].get("hidden")
    assert status_of(steps) == f"Rows 1–50 of {ENTITIES} (page 1 of 2)"
    (previous,) = components(steps, id=step(PREVIOUS))
    assert previous["props"]["aria-disabled"] == "true"


def test_next_shows_the_rest_and_a_new_choice_starts_again(office):
    content(office, "overview", params())
    start = {"track": "all", "status": "all", "sort": "name", "page": 1}
    second = grid_call(office, start, step(NEXT))
    assert second["state"]["page"] == 2
    rest = ministries(second["table"])
    assert len(rest) == ENTITIES - PAGE_SIZE
    assert second["status"] == f"Rows 51–{ENTITIES} of {ENTITIES} (page 2 of 2)"
    assert (second["previous"], second["next"], second["hidden"]) == ("false", "true", False)
    beyond = grid_call(office, second["state"], step(NEXT))  # past the end: the last page
    assert beyond["state"]["page"] == 2 and ministries(beyond["table"]) == rest
    back = grid_call(office, second["state"], step(PREVIOUS))
    assert back["state"]["page"] == 1 and rest[0] not in ministries(back["table"])
    by_score = grid_call(
        office, second["state"], {"type": CHOICE, "group": "sort", "value": "score"}
    )
    assert by_score["state"] == {**start, "sort": "score"}


def test_a_forged_page_falls_back_to_one_that_exists(office):
    content(office, "overview", params())
    for forged in (-3, "2", 10**9, True, None):
        stored = {"track": "all", "status": "all", "sort": "name", "page": forged}
        answer = grid_call(office, stored, step(PREVIOUS))
        assert answer["state"]["page"] in (1, 2)
        assert len(ministries(answer["table"])) in (PAGE_SIZE, ENTITIES - PAGE_SIZE)


def test_the_steps_hide_while_the_rows_fit_on_one_page():
    assert step_state(None) == ("", True, "true", "true")  # nothing shown
    assert step_state(window(PAGE_SIZE, 1)) == ("", True, "true", "true")
    assert step_state(window(PAGE_SIZE + 1, 2))[1:] == (False, "false", "true")
