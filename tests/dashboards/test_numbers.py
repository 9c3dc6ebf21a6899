"""Numbers the committee can trust (issue 13), as the pages say them on the demo history."""

import re
from datetime import datetime

from sqlalchemy import select

from data.models import Entity, Period, Submission
from etl.load import Row, load_submission
from etl.workflow import return_for_changes
from tests.dashboards.conftest import page, text_of

Q3, Q4 = "2025-Q3", "2025-Q4"


def params(period=Q4, **more):
    return {"period": period, "unapproved": "0", **more}


def test_the_forecast_is_final_once_the_target_period_is_reported(as_role):
    with as_role("committee"):
        kpi = page("kpi")
        prog = kpi.programme(kpi.from_params(params(code="T1.1")))
        words = text_of(kpi.render(params(code="T1.1")))
        overview = text_of(page("home").render(params()))
    pic = prog.national["T1.1"]
    assert pic.forecast.final and pic.forecast.period == Q4
    assert pic.forecast.value == pic.series[-1].value  # the reported figure, not a projection
    verdict = "Final: target met" if pic.forecast.value >= 100 else "Final: target not met"
    assert f"{verdict}: " in words and f"reported for \u2066{Q4}\u2069" in words
    assert "by the end of 2025" not in words
    assert verdict in overview


def test_before_the_target_period_the_forecast_is_a_projection(as_role):
    with as_role("committee"):
        words = text_of(page("kpi").render(params(Q3, code="T1.1")))
    assert "by the end of 2025" in words and "Final:" not in words


def test_what_changed_compares_the_same_entities(as_role):
    with as_role("committee"):
        home = page("home")
        prog = home.programme(home.from_params(params()))
        words = text_of(home.render(params()))
    change = prog.changes["T2.6"]
    reported = {
        period: {f.entity for f in prog.ranking_figures["T2.6"] if f.period.code == period}
        for period in (Q3, Q4)
    }
    assert change.entities_compared == len(reported[Q3] & reported[Q4])
    assert change.entities_compared < len(reported[Q3])  # the demo's Q4 is not all approved
    assert f"Compared over {change.entities_compared} entities reported in both quarters" in words


def test_ranks_count_only_entities_with_a_score(as_role):
    with as_role("committee"):
        entity = page("entity")
        prog = entity.programme(entity.from_params(params(code="MOH")))
        words = text_of(entity.render(params(code="MOH")))
        overview = text_of(page("home").render(params()))
    ranked = sum(1 for s in prog.scores.values() if s is not None)
    assert prog.ranked_among == ranked and prog.unscored == len(prog.entity_names) - ranked
    assert prog.unscored > 0  # the demo's Q4 leaves some entities without an approved figure
    assert re.search(rf"rank \d+ of {ranked} entities with a score\.", words)
    assert f"{prog.unscored} of {len(prog.entity_names)} entities have no score yet" in words
    assert f"Ranked among the {ranked} entities with a score; {prog.unscored} have no" in overview


def test_entity_page_and_grid_say_which_revision_is_official(demo_app, as_role):
    """A revision 2 returned leaves revision 1's figures official, and the pages say so."""
    store = demo_app.server.extensions["store"]
    with store.transaction() as db:
        first = db.scalar(
            select(Submission)
            .join(Entity, Entity.id == Submission.entity_id)
            .join(Period, Period.id == Submission.period_id)
            .where(Entity.code == "MOH", Period.code == Q3, Submission.status == "approved")
        )
        second = load_submission(
            db, first.entity, first.period, [Row("T1.5", Q3, 99.0)], uploader=None
        )
        return_for_changes(db, second, None, "Check T1.5", at=datetime(2025, 11, 1))
        revisions = (first.revision, second.revision)
    with as_role("committee"):
        words = text_of(page("entity").render(params(Q3, code="MOH")))
        other = text_of(page("entity").render(params(Q3, code="MOF")))
        grid = text_of(page("completeness").render(params(Q3)))
    official, returned = revisions
    assert (
        f"\u2066{Q3}\u2069: Official: revision {official}, approved; "
        f"revision {returned} returned" in words
    )
    assert "Official: revision" not in other
    assert "99.0%" not in words  # the returned figure does not count
    assert f"↩ Returned · official: revision {official}, approved" in grid
