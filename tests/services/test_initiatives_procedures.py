"""Initiatives and the procedures plan as each role sees them (services.initiatives,
services.procedures), through the real load and review path, on SQLite and PostgreSQL.

The story (as of 2025-Q1):
- MTCIT, lead of I1.1-I1.5: 2024-Q4 approved (I1.1 on track 40%, I1.2 completed, I1.5 delayed
  80%, due 2022-Q1); 2025-Q1 awaiting review (I1.1 at risk 45%).
- ISFU, lead of I1.6: 2024-Q4 returned (I1.6 at risk, never shown), 2025-Q1 approved (completed).
- T1.1: MOH 300 of 500 simplified (2024-Q4, approved), 400 of 500 (2025-Q1, awaiting review);
  MOF 100 of 200 (2024-Q2, approved)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.cache import ResultCache
from data.db import Store
from data.models import Entity, Period
from etl.load import InitiativeRow, Row, load_submission
from etl.workflow import approve, return_for_changes
from kpis.periods import parse_period
from services.actors import Actor, Role
from services.initiatives import initiatives_picture
from services.procedures import procedures_picture
from services.programme import Scope, programme, scope_for


def submit(db, entity: str, period: str, rows=(), initiatives=()):
    who = db.scalar(select(Entity).where(Entity.code == entity))
    quarter = db.scalar(select(Period).where(Period.code == period))
    return load_submission(db, who, quarter, list(rows), uploader=None, initiatives=initiatives)


def report(code, period, status, percent, milestone="", note=""):
    return InitiativeRow(code, period, status, percent, milestone, "2025-Q2", note)


@pytest.fixture
def story(users_db_url):
    store = Store(users_db_url)
    with store.transaction() as db:
        approve(
            db,
            submit(
                db,
                "MTCIT",
                "2024-Q4",
                initiatives=[
                    report("I1.1", "2024-Q4", "on_track", 40, "Pilot in three ministries"),
                    report("I1.2", "2024-Q4", "completed", 100),
                    report("I1.5", "2024-Q4", "delayed", 80, note="Vendor late"),
                ],
            ),
            None,
        )
        submit(db, "MTCIT", "2025-Q1", initiatives=[report("I1.1", "2025-Q1", "at_risk", 45)])
        returned = submit(
            db, "ISFU", "2024-Q4", initiatives=[report("I1.6", "2024-Q4", "at_risk", 10)]
        )
        return_for_changes(db, returned, None, "Check the percentage")
        approve(
            db,
            submit(
                db, "ISFU", "2025-Q1", initiatives=[report("I1.6", "2025-Q1", "completed", 100)]
            ),
            None,
        )
        approve(db, submit(db, "MOH", "2024-Q4", [Row("T1.1", "2024-Q4", 60.0, 300, 500)]), None)
        submit(db, "MOH", "2025-Q1", [Row("T1.1", "2025-Q1", 80.0, 400, 500)])
        approve(db, submit(db, "MOF", "2024-Q2", [Row("T1.1", "2024-Q2", 50.0, 100, 200)]), None)
    yield store
    store.engine.dispose()


COMMITTEE = Scope(parse_period("2025-Q1"), False, None)
OFFICE_ALL = Scope(parse_period("2025-Q1"), True, None)
MTCIT_TEAM = Scope(parse_period("2025-Q1"), False, "MTCIT")
ISFU_TEAM = Scope(parse_period("2025-Q1"), False, "ISFU")


def standings(store, scope):
    with store.session() as db:
        picture = initiatives_picture(db, scope)
    return picture, {i.code: i for i in picture.initiatives}


def test_the_committee_sees_approved_reports_only_and_the_last_one_with_its_quarter(story):
    picture, by_code = standings(story, COMMITTEE)
    assert len(picture.initiatives) == 24  # every initiative of the reference catalogue
    i11 = by_code["I1.1"]
    assert i11.status == "not_reported"  # its 2025-Q1 report awaits review
    assert (i11.report.period, i11.report.status, i11.percent_complete) == (
        "2024-Q4",
        "on_track",
        40,
    )
    assert i11.report.next_milestone == "Pilot in three ministries"
    assert i11.planned_percent == pytest.approx(100 * 17 / 20)  # 2021-Q1 .. 2025-Q4
    assert by_code["I1.6"].status == "completed" and not by_code["I1.6"].overdue
    assert by_code["I1.5"].overdue and by_code["I1.5"].report.note == "Vendor late"
    assert by_code["I2.1"].report is None and by_code["I2.1"].status == "not_reported"
    assert picture.counts["completed"] == 1 and picture.counts["not_reported"] == 23
    assert sum(picture.counts.values()) == 24
    assert picture.tracks["T1"]["completed"] == 1 and sum(picture.tracks["T2"].values()) == 6


def test_a_returned_report_is_never_shown(story):
    with story.session() as db:
        for scope in (COMMITTEE, OFFICE_ALL, ISFU_TEAM):
            picture = initiatives_picture(db, scope)
            shown = {i.code: i for i in picture.initiatives}["I1.6"].report
            assert shown.period == "2025-Q1" and shown.status == "completed"
        earlier = initiatives_picture(db, Scope(parse_period("2024-Q4"), True, "ISFU"))
    assert {i.code: i for i in earlier.initiatives}["I1.6"].report is None


def test_the_office_asking_for_it_sees_the_report_awaiting_review(story):
    _picture, by_code = standings(story, OFFICE_ALL)
    i11 = by_code["I1.1"]
    assert (i11.status, i11.percent_complete, i11.report.approved) == ("at_risk", 45, False)


def test_the_lead_entity_sees_its_own_reports_in_every_status_and_others_approved_only(story):
    _picture, own = standings(story, MTCIT_TEAM)
    assert own["I1.1"].status == "at_risk" and not own["I1.1"].report.approved
    _picture, other = standings(story, ISFU_TEAM)
    assert other["I1.1"].status == "not_reported" and other["I1.1"].report.approved


def test_the_as_of_quarter_picks_the_report_of_that_time(story):
    _picture, by_code = standings(story, Scope(parse_period("2024-Q4"), False, None))
    assert by_code["I1.1"].status == "on_track"
    assert by_code["I1.6"].status == "not_reported" and by_code["I1.6"].report is None


def test_scope_for_gives_the_committee_approved_reports_whatever_it_asks(story):
    scope = scope_for(Actor(Role.COMMITTEE), "2025-Q1", True, ["2025-Q1"])
    _picture, by_code = standings(story, scope)
    assert by_code["I1.1"].status == "not_reported"


def procedures(store, scope):
    prog = programme(store, ResultCache(), scope)
    with store.session() as db:
        return procedures_picture(db, prog)


def test_the_national_count_sums_each_entitys_latest_approved_numerator(story):
    picture = procedures(story, COMMITTEE)
    assert picture.kpi == "T1.1" and picture.total_planned == 2869
    assert picture.simplified == 400  # MOH 300 (2024-Q4) + MOF 100 (2024-Q2)
    years = {y.year: y for y in picture.years}
    assert (years[2024].simplified, years[2024].cumulative_simplified) == (400, 400)
    assert years[2024].cumulative_planned == 2515
    assert years[2025].partial and years[2025].simplified == 0
    assert picture.planned_to_date == pytest.approx(2515 + 354 / 4)
    rows = {e.code: e for e in picture.entities}
    assert rows["MOH"].simplified == 300 and rows["MOH"].share == pytest.approx(75)
    assert rows["MOH"].own_plan[2025] == pytest.approx(500)  # 500 targeted × 100%
    assert rows["MOF"].own_plan[2021] == pytest.approx(74)  # 200 × 37%
    assert rows["MOH"].approved and picture.entities[0].code == "MOH"


def test_the_office_including_figures_awaiting_review_counts_them(story):
    picture = procedures(story, OFFICE_ALL)
    assert picture.simplified == 500
    assert {e.code: e for e in picture.entities}["MOH"].approved is False


def test_an_entity_team_sees_the_approved_national_count_and_its_own_row_in_every_status(story):
    picture = procedures(story, Scope(parse_period("2025-Q1"), False, "MOH"))
    assert picture.simplified == 400
    assert [(e.code, e.simplified, e.approved) for e in picture.entities] == [("MOH", 400, False)]
    mof = procedures(story, Scope(parse_period("2025-Q1"), False, "MOF"))
    assert [(e.code, e.simplified) for e in mof.entities] == [("MOF", 100)]
