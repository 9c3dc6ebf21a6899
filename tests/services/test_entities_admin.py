"""Administration of entities on the demo history, on SQLite and PostgreSQL: an entity added from
2025-Q3 is expected from then on only (completeness, overdue, coverage, templates, uploads), a
deactivated one no more from its quarter of deactivation; each change is audited; only the admin
may make them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data import analytics as queries
from data.cache import ResultCache
from data.db import Store
from data.models import AuditEvent, Entity, EntityKpi, Kpi, User
from data.queries import kpi_specs
from etl.due import NotReporting
from etl.ingest import ingest
from etl.template import template_bytes
from kpis.completeness import MISSING, NOT_EXPECTED
from kpis.periods import parse_period
from services import entities_admin as admin
from services.actors import Actor, Denied, Role
from services.api_view import programme_picture
from services.overview import due_count, quarter_tally, reporting_cell
from services.programme import programme, quarter_options, scope_for
from tests.conftest import ROLE_USERS

TODAY = date(2026, 11, 22)
QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q3")
COMMITTEE = Actor(Role.COMMITTEE)


@pytest.fixture
def demo(demo_db_url):
    store = Store(demo_db_url)
    yield store
    store.engine.dispose()


def actor_of(store: Store, role: str) -> Actor:
    with store.session() as db:
        return Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS[role][0])))


def counts(store: Store) -> dict[str, tuple]:
    """Per quarter: the completeness tally, the overdue (missing) entities, and each entity KPI's
    coverage (reported, expected) in the API's programme answer."""
    found = {}
    with store.session() as db:
        choices = quarter_options(db)
    for quarter in QUARTERS:
        with store.session() as db:
            t = quarter_tally(db, quarter, today=TODAY)
            overdue = tuple(sorted(overdue_entities(db, quarter)))
        prog = programme(store, ResultCache(), scope_for(COMMITTEE, quarter, False, choices))
        picture = programme_picture(prog, COMMITTEE)
        coverage = tuple(
            (k["code"], k["coverage"]["reported"], k["coverage"]["expected"])
            for k in picture["kpis"]
        )
        found[quarter] = ((t.expected, t.received, t.on_time, t.approved), overdue, coverage)
    return found


def overdue_entities(db, quarter: str) -> list[str]:
    """The entities the /completeness page lists as overdue for `quarter`."""
    from data.deadlines import quarter_deadline

    period = parse_period(quarter)
    specs = kpi_specs(db)
    assigned = queries.assignments(db)
    received = {(r.entity, r.period): r for r in queries.received(db)}
    due_day = quarter_deadline(db, period)
    return [
        e.code
        for e in queries.entities(db, deactivated=True)
        if reporting_cell(e.code, period, specs, assigned, received, TODAY, due_day).state
        == MISSING
    ]


def add_new(store: Store, actor: Actor, first: str = "2025-Q3") -> None:
    with store.transaction() as db:
        admin.add_entity(
            db,
            actor,
            code="new",
            name_en="Ministry of New Things",
            name_ar="وزارة الأشياء الجديدة",
            website="www.new.gov.om",
            first_period=first,
        )


def test_an_entity_added_from_2025_q3_is_expected_from_then_on_only(demo):
    before = counts(demo)
    add_new(demo, actor_of(demo, "admin"))
    after = counts(demo)
    for quarter in ("2025-Q1", "2025-Q2"):
        assert after[quarter] == before[quarter], quarter  # nothing earlier counts it missing
    with demo.session() as db:
        assigned = len(db.scalars(select(EntityKpi).join(Entity).where(Entity.code == "NEW")).all())
        due = due_count("NEW", parse_period("2025-Q3"), kpi_specs(db), queries.assignments(db))
    assert assigned == 15  # every entity KPI of the running cycle is assigned to it
    assert due == 13  # of which the quarterly ones are due in 2025-Q3
    (expected, *_rest), overdue, coverage = after["2025-Q3"]
    assert expected == before["2025-Q3"][0][0] + due  # 2025-Q3 expects its figures
    assert "NEW" in overdue  # and nothing came by the deadline
    assert "NEW" not in before["2025-Q3"][1]
    widened = [a[2] - b[2] for a, b in zip(coverage, before["2025-Q3"][2], strict=True)]
    assert widened.count(1) == due and set(widened) <= {0, 1}  # coverage: one more expected


def test_quarters_before_the_first_are_not_expected_and_refuse_templates_and_uploads(
    demo, tmp_path
):
    add_new(demo, actor_of(demo, "admin"))
    with demo.session() as db:
        assigned = queries.assignments(db)
        specs = kpi_specs(db)
        cell = reporting_cell("NEW", parse_period("2025-Q2"), specs, assigned, {}, TODAY, TODAY)
        assert cell.state == NOT_EXPECTED and cell.due == 0
        with pytest.raises(NotReporting) as refused:
            template_bytes(db, "NEW", "2025-Q2")
        assert str(refused.value) == (
            "NEW reports from 2025-Q3 on: nothing is expected for 2025-Q2. Choose 2025-Q3 or a "
            "later quarter."
        )
        data = template_bytes(db, "NEW", "2025-Q3")  # its first quarter: a template
    outcome = _upload(demo, _as_period(data, "2025-Q2"), tmp_path, "NEW")
    assert outcome.outcome == "refused"
    assert [p.code for p in outcome.errors] == ["before_first_period"]


def test_a_deactivated_entity_is_not_expected_from_that_quarter_and_keeps_its_past(demo, tmp_path):
    actor = actor_of(demo, "admin")
    with demo.session() as db:
        template = template_bytes(db, "MOH", "2025-Q2")
    before = counts(demo)
    with demo.transaction() as db:
        admin.deactivate(db, actor, "MOH", from_period="2025-Q2")
    after = counts(demo)
    assert after["2025-Q1"] == before["2025-Q1"]  # its past quarter, figures and coverage kept
    assert after["2025-Q2"][0][0] < before["2025-Q2"][0][0]  # no longer expected
    assert "MOH" not in after["2025-Q2"][1] + after["2025-Q3"][1]
    with demo.session() as db, pytest.raises(NotReporting):
        template_bytes(db, "MOH", "2025-Q3")
    outcome = _upload(demo, template, tmp_path, "MOH")
    assert [p.code for p in outcome.errors] == ["after_deactivation"]
    with demo.transaction() as db:
        admin.reactivate(db, actor, "MOH")
    assert counts(demo) == before


def test_each_change_is_audited_with_before_and_after(demo):
    actor = actor_of(demo, "admin")
    add_new(demo, actor)
    with demo.transaction() as db:
        admin.rename(db, actor, "NEW", name_en="Ministry of Newer Things", name_ar="وزارة أحدث")
        kpi = db.scalar(select(Kpi).where(Kpi.code == "T1.1"))
        admin.assign_kpi(db, actor, "NEW", kpi.id, baseline=10, target="90")
        admin.unassign_kpi(db, actor, "NEW", kpi.id)
        admin.deactivate(db, actor, "NEW", from_period="2025-Q4")
        admin.reactivate(db, actor, "NEW")
    with demo.session() as db:
        events = db.scalars(
            select(AuditEvent).where(AuditEvent.object_id == "NEW").order_by(AuditEvent.seq)
        ).all()
        rows = {r.code: r for r in admin.entity_rows(db, actor)}
    assert [e.action for e in events] == [
        "entity.add",
        "entity.rename",
        "entity.assign_kpi",
        "entity.unassign_kpi",
        "entity.deactivate",
        "entity.reactivate",
    ]
    assert {e.actor for e in events} == {"admin@test.om"}
    add, rename, assign, unassign, deactivate, reactivate = events
    assert add.after["first_period"] == "2025-Q3" and "T1.1" in add.after["kpis"]
    assert rename.before["name_en"] == "Ministry of New Things"
    assert rename.after["name_en"] == "Ministry of Newer Things"
    assert assign.before == {"kpi": "T1.1", "baseline": None, "target": None}
    assert assign.after == {"kpi": "T1.1", "baseline": 10.0, "target": 90.0}
    assert unassign.before == {"kpi": "T1.1", "baseline": 10.0, "target": 90.0}
    assert deactivate.after == {"active": False, "deactivated_from": "2025-Q4"}
    assert reactivate.before == {"active": False, "deactivated_from": "2025-Q4"}
    assert rows["NEW"].name_ar == "وزارة أحدث" and rows["NEW"].active
    assert rows["NEW"].kpis == add.after["kpis"].__len__() - 1


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"code": "moh"}, "code_taken"),
        ({"code": "x"}, "bad_code"),
        ({"code": "N EW"}, "bad_code"),
        ({"name_en": "  "}, "name_en_missing"),
        ({"name_ar": ""}, "name_ar_missing"),
        ({"website": "javascript:alert(1)"}, "bad_website"),
        ({"first_period": "2025"}, "bad_quarter"),
        ({"first_period": "2031-Q1"}, "bad_quarter"),  # not a quarter of the programme
        ({"name_en": "ministry of health"}, "name_en_taken"),  # MOH's, in another case
        ({"name_ar": "وزارة الصحة"}, "name_ar_taken"),
    ],
)
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(demo, fields, reason):
    actor = actor_of(demo, "admin")
    wanted = {
        "code": "NEW",
        "name_en": "New",
        "name_ar": "جديد",
        "website": "",
        "first_period": "2025-Q3",
        **fields,
    }
    with demo.session() as db:
        entities = len(admin.entity_rows(db, actor))
        events = len(db.scalars(select(AuditEvent.id)).all())
    with pytest.raises(admin.EntityRefused) as refused, demo.transaction() as db:
        admin.add_entity(db, actor, **wanted)
    assert refused.value.code == reason
    with demo.session() as db:
        assert len(admin.entity_rows(db, actor)) == entities
        assert len(db.scalars(select(AuditEvent.id)).all()) == events


def test_only_the_admin_manages_entities(demo):
    for role in ("supervisor", "committee", "entity"):
        actor = actor_of(demo, role)
        with pytest.raises(Denied), demo.transaction() as db:
            admin.add_entity(
                db, actor, code="NEW", name_en="N", name_ar="ج", first_period="2025-Q3"
            )
        with pytest.raises(Denied), demo.session() as db:
            admin.entity_rows(db, actor)


def test_deactivating_before_the_first_quarter_or_twice_is_refused(demo):
    actor = actor_of(demo, "admin")
    add_new(demo, actor)
    with pytest.raises(admin.EntityRefused) as refused, demo.transaction() as db:
        admin.deactivate(db, actor, "NEW", from_period="2025-Q3")
    assert refused.value.code == "before_first"
    with demo.transaction() as db:
        admin.deactivate(db, actor, "NEW", from_period="2025-Q4")
    with pytest.raises(admin.EntityRefused) as refused, demo.transaction() as db:
        admin.deactivate(db, actor, "NEW", from_period="2025-Q4")
    assert refused.value.code == "already_inactive"


def _as_period(data: bytes, period: str) -> bytes:
    """The template with another quarter written in its About sheet (as a clerk might)."""
    workbook = load_workbook(io.BytesIO(data))
    workbook["About"]["B3"] = period
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(store: Store, data: bytes, tmp_path, entity: str):
    with store.transaction() as db:
        user = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        return ingest(
            db, data, "file.xlsx", user, tmp_path / "uploads", entity_code=entity, today=TODAY
        )


def test_an_entity_specific_target_rates_its_own_figures_only(demo):
    actor = actor_of(demo, "admin")
    with demo.session() as db:
        choices = quarter_options(db)
        kpi_id = db.scalar(select(Kpi.id).where(Kpi.code == "T1.3"))
    scope = scope_for(COMMITTEE, "2025-Q4", False, choices)
    before = programme(demo, ResultCache(), scope)
    mine, other = before.entity_pictures("T1.3")["MOH"], before.entity_pictures("T1.3")["MOF"]
    assert mine.value is not None and mine.spec.target == 80
    own_target = round(mine.value * 2, 1)  # twice its own figure: half way from 0
    with demo.transaction() as db:
        admin.assign_kpi(db, actor, "MOH", kpi_id, baseline=0, target=own_target)
    after = programme(demo, ResultCache(), scope)
    rated = after.entity_pictures("T1.3")["MOH"]
    assert (rated.spec.baseline, rated.spec.target) == (0, own_target)
    assert rated.progress == pytest.approx(mine.value / own_target)  # about 0.5
    assert rated.status != "achieved" and mine.progress != rated.progress
    assert after.scores["MOH"] < before.scores["MOH"]  # its score uses its own target
    # everybody else, and the national figure, keep the KPI's definition
    assert after.entity_pictures("T1.3")["MOF"] == other
    assert after.national["T1.3"] == before.national["T1.3"]
    assert after.scores["MOF"] == before.scores["MOF"]


def test_loading_the_catalogue_again_keeps_the_admins_names(demo):
    from data.catalogue import load_catalogue

    actor = actor_of(demo, "admin")
    with demo.transaction() as db:
        admin.rename(db, actor, "MOH", name_en="Ministry of Health (renamed)", name_ar="الصحة")
    with demo.transaction() as db:
        load_catalogue(db)  # `python -m data init`, safe to repeat
    with demo.session() as db:
        moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
        assert (moh.name_en, moh.name_ar) == ("Ministry of Health (renamed)", "الصحة")
