"""A submission's Initiatives and Budget rows on `/review` (the office) and on `/submissions` (the
entity's own): status as icon and word, OMR with three decimals and thousands grouped, tables
with captions, in English and Arabic."""

from __future__ import annotations

import pytest
from dash import html
from sqlalchemy import select

from data.models import Entity, Period, User
from etl.load import BudgetRow, InitiativeRow, submit_rows
from services.actors import Actor
from services.budget import allocate
from tests.conftest import ROLE_USERS
from tests.dashboards.conftest import find, page, signed_in, text_of

PERIOD = "2025-Q3"


def submit(app, entity: str, *, initiatives=(), budget=()) -> int:
    store = app.server.extensions["store"]
    with store.transaction() as db:
        office = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        clerk = db.scalar(select(User).where(User.email == ROLE_USERS["entity"][0]))
        allocate(db, Actor.of(office), year=2025, baisa=2_000_000_000, initiative="I1.1")
        allocate(db, Actor.of(office), year=2025, baisa=300_000_000, track="T1", entity="MOH")
        return submit_rows(
            db,
            db.scalar(select(Entity).filter_by(code=entity)),
            db.scalar(select(Period).filter_by(code=PERIOD)),
            (),
            uploader=clerk,
            initiatives=list(initiatives),
            budget=list(budget),
        )


INITIATIVES = [
    InitiativeRow("I1.1", PERIOD, "at_risk", 45.0, "Pilot live", "2025-Q4", "Vendor late"),
    InitiativeRow("I1.2", PERIOD, "completed", 100.0),
]
BUDGET = [BudgetRow("I1.1-2025", PERIOD, 1_234_567_500, 800_000_000, "Licences")]


def captions(tree) -> list[str]:
    return [text_of(c) for c in find(tree, lambda c: isinstance(c, html.Caption))]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_review_shows_the_submission_s_initiatives_and_budget(app, lang):
    submission = submit(app, "MTCIT", initiatives=INITIATIVES, budget=BUDGET)
    with signed_in(app, "supervisor", lang):
        tree = page("review").layout(submission=str(submission))
    text = " ".join(text_of(tree).split())
    if lang == "en":
        assert "Initiatives reported in this submission" in captions(tree)
        assert any(c.startswith("Budget reported in this submission") for c in captions(tree))
        assert "⚠ At risk" in text and "★ Completed" in text  # icon and word
        assert "OMR 1,234,567.500" in text and "OMR 2,000,000.000" in text
        assert "Pilot live" in text and "Licences" in text
    else:
        assert "المبادرات المبلَّغ عنها في هذا التقديم" in captions(tree)
        assert "⚠ معرض للخطر" in text and "★ مكتملة" in text  # the app's words for them
        assert "\u20661,234,567.500\u2069 ر.ع." in text


def test_an_entity_sees_its_own_rows_on_its_submissions_page(app):
    submit(app, "MOH", budget=[BudgetRow("MOH-T1-2025", PERIOD, 100_000, 50_500, "")])
    with signed_in(app, "entity"):
        tree = page("submissions").layout(period=PERIOD)
    text = text_of(tree)
    assert f"Initiatives and budget reported for \u2066{PERIOD}\u2069" in text
    assert "OMR 100.000" in text and "OMR 50.500" in text
    with signed_in(app, "entity"):  # another quarter: nothing of this one
        other = page("submissions").layout(period="2025-Q2")
    assert "Budget reported in this submission" not in text_of(other)
