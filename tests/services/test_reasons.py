"""The reasons behind the figures (services.reasons): who reads which comment and review note.

One quarter, told through the real load and review path on SQLite and PostgreSQL:
- MOH: revision 1 approved with a comment (and an office note), revision 2 awaiting review with
  another comment;
- MOF: revision 1 returned with the office's reason, revision 2 approved, each with a comment;
- MOH the quarter before: an approved comment (the period filter)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from data.db import Store
from data.models import Entity, Period
from etl.load import Row, load_submission
from etl.workflow import approve, return_for_changes
from services.actors import Actor, Denied, Role
from services.reasons import reasons

QUARTER, BEFORE = "2025-Q3", "2025-Q2"
MOH_APPROVED = "MOH: three services moved late to the portal"
MOH_PENDING = "MOH: corrected count after the directorates merged"
MOH_OTHER_KPI = "MOH: verification service down for a month"
MOH_BEFORE = "MOH: the quarter before"
MOF_RETURNED = "MOF: first count, sent back"
MOF_APPROVED = "MOF: recount confirmed by the audit"
RETURN_NOTE = "The denominator differs by a third: please confirm."
APPROVAL_NOTE = "Approved; send the evidence links next quarter."

COMMITTEE = Actor(Role.COMMITTEE)
OFFICE = Actor(Role.SUPERVISOR)
MOH = Actor(Role.ENTITY, "MOH")
MOF = Actor(Role.ENTITY, "MOF")


def submit(db, entity: str, period: str, comments: dict[str, str], day: int):
    moh = db.scalar(select(Entity).where(Entity.code == entity))
    quarter = db.scalar(select(Period).where(Period.code == period))
    rows = [Row(kpi, period, 50.0, 1.0, 2.0, comment=text) for kpi, text in comments.items()]
    return load_submission(db, moh, quarter, rows, uploader=None, at=datetime(2025, 10, day))


@pytest.fixture
def story(users_db_url) -> Store:
    store = Store(users_db_url)
    with store.transaction() as db:
        before = submit(db, "MOH", BEFORE, {"T1.1": MOH_BEFORE}, 1)
        approve(db, before, None)
        first = submit(db, "MOH", QUARTER, {"T1.1": MOH_APPROVED, "T1.3": MOH_OTHER_KPI}, 2)
        approve(db, first, None, at=datetime(2025, 10, 5))
        first.review_reason = APPROVAL_NOTE  # a note the office left with its approval
        submit(db, "MOH", QUARTER, {"T1.1": MOH_PENDING}, 8)
        returned = submit(db, "MOF", QUARTER, {"T1.1": MOF_RETURNED}, 3)
        return_for_changes(db, returned, None, RETURN_NOTE, at=datetime(2025, 10, 6))
        second = submit(db, "MOF", QUARTER, {"T1.1": MOF_APPROVED}, 9)
        approve(db, second, None, at=datetime(2025, 10, 12))
    yield store
    store.engine.dispose()


def texts(store: Store, actor: Actor, period=QUARTER, **which) -> set[str]:
    with store.session() as db:
        return {r.text for r in reasons(db, actor, period, **which)}


def test_the_committee_reads_only_what_came_with_approved_figures(story):
    assert texts(story, COMMITTEE) == {MOH_APPROVED, MOH_OTHER_KPI, APPROVAL_NOTE, MOF_APPROVED}


def test_an_entity_reads_its_own_in_every_status_and_the_others_approved(story):
    assert texts(story, MOH) == {
        MOH_APPROVED,
        MOH_OTHER_KPI,
        MOH_PENDING,
        APPROVAL_NOTE,
        MOF_APPROVED,
    }
    # MOF reads why its first count was returned (not that count's comment: the approved
    # revision replaced it), and nothing of MOH's pending revision
    assert texts(story, MOF) == {
        RETURN_NOTE,
        MOF_APPROVED,
        MOH_APPROVED,
        MOH_OTHER_KPI,
        APPROVAL_NOTE,
    }


def test_the_office_reads_everything(story):
    assert texts(story, OFFICE) == {
        MOH_APPROVED,
        MOH_OTHER_KPI,
        MOH_PENDING,
        APPROVAL_NOTE,
        MOF_APPROVED,
        RETURN_NOTE,
    }


def test_each_reason_says_who_wrote_it_when_and_whether_it_is_approved(story):
    with story.session() as db:
        found = {r.text: r for r in reasons(db, OFFICE, QUARTER)}
    note, pending = found[RETURN_NOTE], found[MOH_PENDING]
    assert (note.kind, note.entity_code, note.kpi_code, note.approved) == (
        "office",
        "MOF",
        None,
        False,
    )
    assert note.at == datetime(2025, 10, 6) and note.status == "returned" and note.revision == 1
    assert (pending.kind, pending.kpi_code, pending.approved, pending.revision) == (
        "entity",
        "T1.1",
        False,
        2,
    )
    assert found[MOF_APPROVED].approved and found[MOF_APPROVED].period == QUARTER


def test_filters_by_kpi_entity_and_quarters(story):
    # the office's notes are on whole submissions (kpi_code None): they come with any KPI
    assert texts(story, OFFICE, kpi="t1.3") == {MOH_OTHER_KPI, APPROVAL_NOTE, RETURN_NOTE}
    assert texts(story, COMMITTEE, entity="mof") == {MOF_APPROVED}
    assert texts(story, COMMITTEE, [QUARTER, BEFORE], entity="MOH", kpi="T1.1") == {
        MOH_APPROVED,
        MOH_BEFORE,
        APPROVAL_NOTE,
    }
    assert MOH_BEFORE not in texts(story, COMMITTEE)


def test_nobody_signed_in_reads_nothing(story):
    with story.session() as db, pytest.raises(Denied):
        reasons(db, None, QUARTER)
