"""Pages that list every entity answer with one page of rows however many entities there are
(issue 17): the completeness matrix and its overdue list, the KPI page's comparison table and
its chart. The demo seeded twice over (56 entities, more than a page) on SQLite and PostgreSQL;
the callbacks called as the browser calls them, through /_dash-update-component."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select, update

from app import create_app
from data import summary
from data.db import Store
from data.models import Entity, EntityKpi, Period, Submission
from kpis.paging import ALL, GAPS, NEXT, PAGE_SIZE, PREVIOUS
from services.demo import seed_demo
from settings import Settings
from tests.conftest import PG_SKIP
from tests.dashboards.test_figures import signed_in_client
from tests.web.test_auth import dash_post

PERIOD = "2025-Q3"
SCALE = 2  # 56 entities, and some that never report: two pages of the matrix
SILENT = 7  # entities that never reported: 8 quarters overdue each, two pages of overdue
ENTITIES = 28 * SCALE + SILENT


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def many_app(request, tmp_path_factory):
    if request.param == "postgresql":
        databases = request.getfixturevalue("postgres_databases")
        if databases is None:
            pytest.skip(PG_SKIP)
    else:
        databases = request.getfixturevalue("sqlite_databases")
    url = databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db, scale=SCALE)
        add_silent_entities(db)
        add_review_notes(db)
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("many")
    app = create_app(
        Settings(
            database_url=url,
            app_env="test",
            instance_path=folder / "instance",
            upload_dir=folder / "uploads",
        )
    )
    yield app
    app.server.extensions["store"].engine.dispose()
    databases.drop(url)


def add_silent_entities(db) -> None:
    """Entities due to report what the Ministry of Health reports, that never did."""
    kpis = db.scalars(select(EntityKpi.kpi_id).join(Entity).where(Entity.code == "MOH")).all()
    for n in range(1, SILENT + 1):
        entity = Entity(code=f"SIL{n}", name_en=f"Silent body {n}", name_ar=f"جهة صامتة {n}")
        db.add(entity)
        db.flush()
        db.add_all(EntityKpi(entity_id=entity.id, kpi_id=kpi) for kpi in kpis)
    db.flush()
    summary.rebuild(db)


def add_review_notes(db) -> None:
    """A note from the office on every approved file of the quarters the KPI page reads: more
    reasons than a page holds."""
    quarters = select(Period.id).where(Period.code.in_(["2025-Q2", PERIOD]))
    db.execute(
        update(Submission)
        .where(Submission.status == "approved", Submission.period_id.in_(quarters))
        .values(review_reason="Checked against the register.")
    )


@pytest.fixture(scope="module")
def office(many_app):
    return signed_in_client(many_app, "supervisor", "en")


def params(**more):
    return {"period": PERIOD, "unapproved": "0", **more}


def content(client, prefix: str, data: dict):
    """A page's content callback, as the browser calls it: its answer and its size."""
    client.get("/")
    body = {
        "output": f"{prefix}-content.children",
        "outputs": {"id": f"{prefix}-content", "property": "children"},
        "inputs": [{"id": f"{prefix}-params", "property": "data", "value": data}],
        "changedPropIds": [f"{prefix}-params.data"],
    }
    answer = dash_post(client, body)
    assert answer.status_code == 200, answer.text[:300]
    return answer.get_json()["response"][f"{prefix}-content"]["children"], len(answer.data)


def page_call(client, prefix: str, pager: str, shows, data, stored, *, press=None, query=""):
    """A paged list's callback after the reader pressed `press` (previous, next, or a row
    choice's value) or searched `query`; its answer's parts by output."""
    ids = {part: f"{prefix}-{pager}-{part}" for part in ("body", "status", "state", "query")}
    show_type = f"{prefix}-{pager}-show"
    step = {PREVIOUS: f"{prefix}-{pager}-previous", NEXT: f"{prefix}-{pager}-next"}

    def show_id(value):
        return {"type": show_type, "value": value}

    key = next(
        k
        for k in callback_outputs(client)
        if k.startswith(f"..{ids['body']}.children...{ids['status']}")
    )
    if press in step:
        changed = f"{step[press]}.n_clicks"
    elif press is not None:
        changed = json.dumps(show_id(press), separators=(",", ":"), sort_keys=True) + ".n_clicks"
    else:
        changed = f"{ids['query']}.value"
    body = {
        "output": key,
        "outputs": [
            {"id": ids["body"], "property": "children"},
            {"id": ids["status"], "property": "children"},
            {"id": ids["state"], "property": "data"},
            [{"id": show_id(v), "property": "aria-pressed"} for v in shows],
            {"id": step[PREVIOUS], "property": "aria-disabled"},
            {"id": step[NEXT], "property": "aria-disabled"},
        ],
        "inputs": [
            {"id": ids["query"], "property": "value", "value": query},
            [{"id": show_id(v), "property": "n_clicks", "value": 1} for v in shows],
            {"id": step[PREVIOUS], "property": "n_clicks", "value": 1},
            {"id": step[NEXT], "property": "n_clicks", "value": 1},
        ],
        "state": [
            {"id": ids["state"], "property": "data", "value": stored},
            {"id": f"{prefix}-params", "property": "data", "value": data},
        ],
        "changedPropIds": [changed],
    }
    answer = dash_post(client, body)
    if answer.status_code == 204:  # PreventUpdate: nothing to change
        return None
    assert answer.status_code == 200, answer.text[:300]
    response = answer.get_json()["response"]
    return {
        "body": response[ids["body"]]["children"],
        "status": response[ids["status"]]["children"],
        "state": response[ids["state"]]["data"],
        "previous": response[step[PREVIOUS]]["aria-disabled"],
        "next": response[step[NEXT]]["aria-disabled"],
        "size": len(answer.data),
        "pressed": {
            json.loads(k)["value"]: v["aria-pressed"]
            for k, v in response.items()
            if k.startswith("{")
        },
    }


def callback_outputs(client) -> list[str]:
    return [c["output"] for c in client.get("/_dash-dependencies").get_json()]


def text(component) -> str:
    if isinstance(component, list):
        return " ".join(text(c) for c in component)
    if isinstance(component, dict):
        return text(component.get("props", {}).get("children"))
    return "" if component is None else str(component)


def components(tree, kind: str | None = None, **props) -> list[dict]:
    """Every component of a JSON tree of type `kind` with the `props` given."""
    found = []
    if isinstance(tree, list):
        for item in tree:
            found += components(item, kind, **props)
    elif isinstance(tree, dict):
        own = tree.get("props", {})
        if (kind is None or tree.get("type") == kind) and all(
            own.get(k) == v for k, v in props.items()
        ):
            found.append(tree)
        for value in own.values():
            if isinstance(value, list | dict):
                found += components(value, kind, **props)
    return found


def row_heads(tree) -> list[str]:
    """The first cell of each body row of the tables in `tree` (the entity's name)."""
    return [text(row["props"]["children"][0]) for row in components(tree, "Tr")[1:]]


def body_rows(tree) -> list[list[str]]:
    rows = []
    for tbody in components(tree, "Tbody"):
        for row in tbody["props"]["children"]:
            rows.append([text(cell) for cell in row["props"]["children"]])
    return rows


MATRIX_SHOWS = [ALL, GAPS]


def test_the_completeness_matrix_sends_one_page_and_every_entitys_totals(office):
    page, size = content(office, "completeness", params())
    (matrix, overdue) = page
    assert "Overdue" in text(overdue)
    rows = body_rows(components(matrix, id="completeness-matrix-body"))
    assert len(rows) == PAGE_SIZE + 1  # a page of entities and the totals of all
    assert rows[-1][0] == "All entities"
    (status,) = components(matrix, id="completeness-matrix-status")
    assert status["props"]["aria-live"] == "polite"
    assert text(status) == f"Rows 1–50 of {ENTITIES} (page 1 of 2)"
    (previous,) = components(matrix, id="completeness-matrix-previous")
    (following,) = components(matrix, id="completeness-matrix-next")
    assert previous["props"]["aria-disabled"] == "true"
    assert following["props"]["aria-disabled"] == "false"
    assert following["props"]["aria-label"] == "Next page"

    second = page_call(
        office, "completeness", "matrix", MATRIX_SHOWS, params(), status_state(matrix), press=NEXT
    )
    later = body_rows(second["body"])
    assert len(later) == ENTITIES - PAGE_SIZE + 1
    assert later[-1] == rows[-1]  # the totals are every entity's, on every page
    assert {r[0] for r in later[:-1]}.isdisjoint(r[0] for r in rows[:-1])
    assert second["status"] == f"Rows 51–{ENTITIES} of {ENTITIES} (page 2 of 2)"
    assert (second["previous"], second["next"]) == ("false", "true")
    assert second["size"] < size

    back = page_call(
        office, "completeness", "matrix", MATRIX_SHOWS, params(), second["state"], press=PREVIOUS
    )
    assert body_rows(back["body"]) == rows


def status_state(section) -> dict:
    """The choice in force a paged list keeps in its store."""
    (store,) = [s for s in components(section, "Store") if s["props"]["id"].endswith("-state")]
    return store["props"]["data"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("moh-2", ["Ministry of Health (demo copy 2)"]),  # a code, in any case
        ("health copy", ["Ministry of Health (demo copy 2)"]),
        ("وزارة الصحة", ["Ministry of Health", "Ministry of Health (demo copy 2)"]),  # Arabic
    ],
)
def test_a_search_finds_an_entity_on_any_page(office, query, expected):
    found = page_call(office, "completeness", "matrix", MATRIX_SHOWS, params(), None, query=query)
    names = [r[0] for r in body_rows(found["body"])]
    assert names == [*expected, "All entities"]
    total = len(expected)
    assert found["status"] == f"Rows 1–{total} of {total} found, among {ENTITIES} (page 1 of 1)"
    assert found["state"] == {"page": 1, "query": " ".join(query.split()).casefold(), "show": ALL}


def test_nothing_found_says_so(office):
    found = page_call(
        office, "completeness", "matrix", MATRIX_SHOWS, params(), None, query="no such place"
    )
    assert [r[0] for r in body_rows(found["body"])] == ["All entities"]
    assert found["status"].startswith("Nothing matches")


def test_rows_with_a_gap_are_those_with_a_quarter_missing_late_or_returned(office):
    found = page_call(office, "completeness", "matrix", MATRIX_SHOWS, params(), None, press=GAPS)
    assert found["pressed"] == {ALL: "false", GAPS: "true"}
    rows = body_rows(found["body"])[:-1]
    assert rows, "the demo has entities with a quarter to chase"
    assert all(re.search(r"Missing|Late|Returned", " ".join(r[1:9])) for r in rows)
    everyone = []
    for number in (1, 2):
        stored = {"page": number, "query": "", "show": ALL}
        every = page_call(office, "completeness", "matrix", MATRIX_SHOWS, params(), stored)
        everyone += body_rows(every["body"])[:-1]
    with_gap = [r for r in everyone if re.search(r"Missing|Late|Returned", " ".join(r[1:9]))]
    assert len(rows) == min(PAGE_SIZE, len(with_gap)) and len(with_gap) < ENTITIES


def test_a_forged_choice_falls_back_to_the_first_page_of_all(office):
    forged = {"page": "9; drop", "query": ["x"], "show": "<script>"}
    found = page_call(office, "completeness", "matrix", MATRIX_SHOWS, params(), forged)
    assert found["state"] == {"page": 1, "query": "", "show": ALL}
    far = {"page": 999, "query": "", "show": ALL}
    found = page_call(office, "completeness", "matrix", MATRIX_SHOWS, params(), far, press=NEXT)
    assert found["state"]["page"] == 2  # past the end: the last page


def test_the_overdue_list_pages_and_finds_a_quarter(office):
    (_matrix, overdue), _size = content(office, "completeness", params())
    (caption,) = components(overdue, "Caption")
    count = int(re.match(r"(\d+) overdue submissions", text(caption))[1])
    assert count > PAGE_SIZE  # the silent entities' quarters, each of them
    first = body_rows(components(overdue, id="completeness-overdue-body"))
    assert len(first) == PAGE_SIZE
    (status,) = components(overdue, id="completeness-overdue-status")
    assert text(status) == f"Rows 1–50 of {count} (page 1 of 2)"
    second = page_call(office, "completeness", "overdue", [], params(), {"page": 1}, press=NEXT)
    assert len(body_rows(second["body"])) == count - PAGE_SIZE
    found = page_call(office, "completeness", "overdue", [], params(), None, query="SIL3 2025-Q2")
    assert [(r[0], r[1]) for r in body_rows(found["body"])] == [
        ("Silent body 3", "\u20662025-Q2\u2069")
    ]


def test_an_entity_team_sees_its_own_row_and_no_pager(many_app):
    client = signed_in_client(many_app, "entity", "en")
    (matrix, _overdue), _size = content(client, "completeness", params())
    assert [r[0] for r in body_rows(matrix)] == ["Ministry of Health", "All entities"]
    assert not components(matrix, id="completeness-matrix-status")


def test_an_entity_team_paging_by_hand_still_gets_only_its_own_row(many_app):
    """The pager's callback applies the same scope as the page: a forged page or search shows
    another entity's row to nobody who may not see it."""
    client = signed_in_client(many_app, "entity", "en")
    for stored, query in [({"page": 2}, ""), (None, "MOF")]:
        found = page_call(
            client, "completeness", "matrix", MATRIX_SHOWS, params(), stored, query=query
        )
        names = [r[0] for r in body_rows(found["body"])]
        assert names in (["Ministry of Health", "All entities"], ["All entities"])


def test_the_answers_stay_small_with_many_entities(office):
    """However many entities, an answer holds a page of each list: its table rows are counted
    (the whole lists would hold every entity and every overdue quarter)."""
    page, _size = content(office, "completeness", params())
    (_matrix, overdue) = page
    (caption,) = components(overdue, "Caption")
    overdue_count = int(re.match(r"(\d+) overdue", text(caption))[1])
    rows = len(components(page, "Tr"))
    assert rows == 2 * (PAGE_SIZE + 1) + 1  # two pages of 50 with their headers, and the totals
    assert rows < ENTITIES + overdue_count
    kpi, _size = content(office, "kpi", params(code="T1.5"))
    names = [r[0] for r in body_rows(kpi)]
    assert not [n for n in names if n.startswith("Silent body")]  # they are on the last page
    assert (
        len(components(kpi, "Tr")) < 20 + 3 * (PAGE_SIZE + 1) + 30
    )  # chart, table, reasons, series


# --- the KPI page ------------------------------------------------------------------------

KPI_SHOWS = [ALL, "off_track", "at_risk", "no_figure"]


def test_the_kpi_chart_draws_the_best_and_the_weakest_and_the_table_pages(office):
    page, _size = content(office, "kpi", params(code="T1.5"))
    (graph,) = components(page, "Graph", id="kpi-ranked")
    bars = graph["props"]["figure"]["data"][0]
    assert len(bars["y"]) == 20
    assert len(graph["props"]["figure"]["data"]) == 2  # bars and their ends: no crosses
    (summary,) = components(page, id="kpi-ranked-summary")
    assert re.search(
        r"The chart shows the 10 best and the 10 weakest of \d+ entities with a figure",
        text(summary),
    )
    # the chart's own table lists what it draws, the paged one every entity
    (block,) = [f for f in components(page, "Figure") if components(f, id="kpi-ranked")]
    (details,) = components(block, "Details")
    assert [r[0] for r in body_rows(details)] == bars["y"]
    table = components(page, id="kpi-entities-body")
    assert len(body_rows(table)) == PAGE_SIZE
    (status,) = components(page, id="kpi-entities-status")
    total = int(re.search(r"of (\d+)", text(status))[1])
    assert total == ENTITIES  # every entity due: ranked, invalid and not reported

    weakest = bars["y"][-1]
    middle = body_rows(table)[25][0]
    assert middle not in bars["y"]  # left out of the chart, found in the table
    found = page_call(office, "kpi", "entities", KPI_SHOWS, params(code="T1.5"), None, query=middle)
    assert middle in [r[0] for r in body_rows(found["body"])]
    last = page_call(
        office, "kpi", "entities", KPI_SHOWS, params(code="T1.5"), {"page": 1}, press=NEXT
    )
    assert last["status"].startswith(f"Rows 51–{ENTITIES} of {ENTITIES}")
    names = [r[0] for r in body_rows(last["body"])]
    assert weakest in names or any("Not reported" in " ".join(r) for r in body_rows(last["body"]))


def test_the_kpi_table_shows_the_rows_off_track_or_without_figure(office):
    for show, word in [("off_track", "Off track"), ("no_figure", None)]:
        found = page_call(
            office, "kpi", "entities", KPI_SHOWS, params(code="T1.5"), None, press=show
        )
        rows = body_rows(found["body"])
        assert found["pressed"][show] == "true"
        if word:
            assert rows and all(r[3].endswith(word) for r in rows)
        else:
            words = {" ".join(r[1].split()) for r in rows}
            assert words <= {
                "Invalid",
                "✗ Not reported",
                "✗ Awaiting approval",
                "✗ Returned for correction",
            }
            assert {f"Silent body {n}" for n in range(1, SILENT + 1)} <= {r[0] for r in rows}


def test_the_reasons_given_page_and_find_an_entity(office):
    page, _size = content(office, "kpi", params(code="T1.5"))
    (section,) = components(page, id="kpi-reasons")
    first = body_rows(components(section, id="kpi-reasons-list-body"))
    (status,) = components(section, id="kpi-reasons-list-status")
    total = int(re.search(r"of (\d+)", text(status))[1])
    assert len(first) == PAGE_SIZE < total
    data = params(code="T1.5")
    later = page_call(office, "kpi", "reasons-list", [], data, {"page": 1}, press=NEXT)
    assert len(body_rows(later["body"])) == min(PAGE_SIZE, total - PAGE_SIZE)
    found = page_call(office, "kpi", "reasons-list", [], data, None, query="MOF-2 2025-Q2")
    rows = body_rows(found["body"])
    assert rows and {r[0] for r in rows} == {"Ministry of Finance (demo copy 2)"}
    assert {r[1] for r in rows} == {"\u20662025-Q2\u2069"}


def test_a_kpi_reported_for_the_nation_has_nothing_to_page(office):
    data = params(code="T4.6")
    assert page_call(office, "kpi", "entities", KPI_SHOWS, data, None, query="x") is None


def test_the_demo_is_unchanged_one_page_and_every_bar(demo_app):
    """28 entities fit on a page: no search, no pager, and the chart draws every entity."""
    client = signed_in_client(demo_app, "supervisor", "en")
    (matrix, _overdue), _size = content(client, "completeness", params())
    assert len(body_rows(matrix)) == 29 and not components(matrix, "Nav")
    assert not components(matrix, "Input")
    page, _size = content(client, "kpi", params(code="T1.5"))
    assert not components(page, id="kpi-entities-body")
    assert not components(page, id="kpi-reasons-list-body")
    (graph,) = components(page, "Graph", id="kpi-ranked")
    bars, *crosses = [
        t
        for t in graph["props"]["figure"]["data"]
        if t.get("type") != "scatter" or t.get("mode") == "markers+text"
    ]
    (summary,) = components(page, id="kpi-ranked-summary")
    reported = int(re.match(r"(\d+) entities reported", text(summary))[1])
    assert len(bars["y"]) == reported
    assert "The chart shows" not in text(summary)
    (block,) = [f for f in components(page, "Figure") if components(f, id="kpi-ranked")]
    drawn = len(bars["y"]) + sum(len(c["y"]) for c in crosses)
    assert len(body_rows(block)) >= drawn  # the chart's table: every entity, as before
