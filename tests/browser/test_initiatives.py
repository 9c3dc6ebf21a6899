"""/initiatives, /procedures and the initiatives on a track's and an entity's page, in a browser,
in English and Arabic: they settle, show the reports the reader may see, and axe-core finds
nothing. The lead entities' 2025-Q4 initiative reports are made here through the load path (one
approved revision for every initiative, then MTCIT's revision awaiting review)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.db import Store
from data.models import Entity, Period
from data.reporting import initiatives_due
from etl.load import InitiativeRow, load_submission
from etl.workflow import approve
from kpis.initiatives import REPORTED_STATUSES
from services.demo import seed_demo
from tests.browser.conftest import axe_violations, serve
from tests.conftest import PASSWORD, ROLE_USERS

QUARTER = "2025-Q4"
PENDING_NOTE = "Revised plan awaiting the office"


def reports(db, lead: str) -> list[InitiativeRow]:
    return [
        InitiativeRow(
            due.code,
            QUARTER,
            REPORTED_STATUSES[n % len(REPORTED_STATUSES)],
            10.0 * (n % 10),
            f"Milestone of {due.code}",
            "2026-Q2",
            f"Note on {due.code}",
        )
        for n, due in enumerate(initiatives_due(db, lead, QUARTER))
    ]


def submit(db, lead: str, rows):
    entity = db.scalar(select(Entity).where(Entity.code == lead))
    quarter = db.scalar(select(Period).where(Period.code == QUARTER))
    return load_submission(db, entity, quarter, [], uploader=None, initiatives=rows)


@pytest.fixture(scope="module")
def server(sqlite_databases, tmp_path_factory):
    url = sqlite_databases.fresh("users")
    store = Store(url)
    with store.transaction() as db:
        seed_demo(db)
        for lead in ("MTCIT", "ISFU"):
            approve(db, submit(db, lead, reports(db, lead)), None)
        pending = InitiativeRow(
            "I1.1", QUARTER, "delayed", 5.0, "Retender", "2026-Q3", PENDING_NOTE
        )
        submit(db, "MTCIT", [pending])
    store.engine.dispose()
    folder = tmp_path_factory.mktemp("initiatives")
    yield from serve(url, folder)


@pytest.fixture
def enter(browser, server):
    """Sign in as `role` in a fresh browser (each role its own) and open `path`."""
    contexts = []

    def go(role: str, lang: str, path: str, ready: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{server}/login?lang={lang}")
        page.fill("#email", ROLE_USERS[role][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#overview-content section")
        page.goto(f"{server}{path}")
        page.wait_for_selector(ready)
        page.wait_for_function("!document.querySelector('[data-dash-is-loading]')")
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        return page

    yield go
    for context in contexts:
        context.close()


def table_rows(page, caption_part: str) -> int:
    return page.locator(f"table:has(caption:has-text('{caption_part}')) tbody tr").count()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_initiatives_page_counts_charts_and_tables_every_initiative(enter, lang):
    page = enter(
        "committee", lang, f"/initiatives?period={QUARTER}", "#initiatives-content .main-svg"
    )
    assert page.locator("h1").count() == 1
    assert page.locator("#initiatives-timeline .bars .point").count() >= 24  # spans, and done
    assert table_rows(page, "24") == 24
    counts = page.locator("#initiatives-content .status-counts li")
    assert counts.count() == 7  # six statuses and "overdue"
    assert axe_violations(page) == []


def test_the_committee_sees_the_approved_report_and_the_office_the_one_awaiting_review(enter):
    page = enter(
        "committee",
        "en",
        f"/initiatives?period={QUARTER}",
        "#initiatives-content section:last-child table",
    )
    row = page.locator(
        "#initiatives-content section:last-child table tbody tr", has_text="I1.1"
    ).first
    assert "Note on I1.1" in row.inner_text() and PENDING_NOTE not in page.content()
    page = enter(
        "supervisor",
        "en",
        f"/initiatives?period={QUARTER}&unapproved=1",
        "#initiatives-content section:last-child table",
    )
    row = page.locator(
        "#initiatives-content section:last-child table tbody tr", has_text="I1.1"
    ).first
    text = row.inner_text()
    assert PENDING_NOTE in text and "Delayed" in text and "awaiting review" in text


def test_one_track_at_a_time(enter):
    page = enter(
        "supervisor",
        "en",
        f"/initiatives?period={QUARTER}&track=T2",
        "#initiatives-content section:last-child table",
    )
    assert (
        page.locator("#initiatives-content section:last-child table tbody tr").nth(5).is_visible()
    )
    rows = page.locator("#initiatives-content section:last-child table tbody tr")
    assert rows.count() == 6 and all("T2" in rows.nth(i).inner_text() for i in range(6))
    assert page.input_value("#initiatives-form-track") == "T2"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_procedures_page_shows_the_plan_and_the_first_entities(enter, lang):
    page = enter("supervisor", lang, "/procedures", "#procedures-content .main-svg")
    assert page.locator("h1").count() == 1
    years = page.locator("#procedures-content table").first.locator("tbody tr")
    assert years.count() == 5
    assert "2,869" in page.inner_text("#procedures-content .facts")
    entities = page.locator("#procedures-content section:last-child table tbody tr")
    assert entities.count() == 20
    assert axe_violations(page) == []


def test_procedures_lists_every_entity_when_asked_and_an_entity_team_its_own(enter):
    page = enter("supervisor", "en", "/procedures?show=all&sort=name", "#procedures-content table")
    assert page.locator("#procedures-content section:last-child table tbody tr").count() > 20
    page = enter("entity", "en", "/procedures", "#procedures-content table")
    rows = page.locator("#procedures-content section:last-child table tbody tr")
    assert rows.count() == 1 and "Ministry of Health" in rows.first.inner_text()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_track_and_entity_pages_show_the_initiatives(enter, lang):
    page = enter("committee", lang, f"/track/T1?period={QUARTER}", "#track-timeline .main-svg")
    section = page.locator("#track-content section", has=page.locator("#track-timeline"))
    assert section.locator("table").last.locator("tbody tr").count() == 6
    assert section.locator("a[href^='/initiatives?period=']").count() == 1
    assert axe_violations(page) == []
    page = enter("committee", lang, f"/entity/MTCIT?period={QUARTER}", "#entity-initiatives")
    assert page.locator("#entity-initiatives tbody tr").count() == 23  # MTCIT leads 23 of 24
    assert axe_violations(page) == []
