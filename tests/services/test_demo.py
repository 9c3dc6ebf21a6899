"""The demo history: deterministic, plausible, entered through the load and review path."""

import itertools
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from data.models import AuditEvent, Entity, Observation, Period, Submission
from services.demo import seed_demo


def fingerprint(db) -> list[tuple]:
    rows = db.execute(
        select(
            Entity.code,
            Period.code,
            Observation.kpi_id,
            Observation.value,
            Observation.numerator,
            Submission.status,
            Submission.revision,
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Entity, Entity.id == Observation.entity_id)
        .join(Period, Period.id == Observation.period_id)
        .order_by(Entity.code, Period.code, Observation.kpi_id, Submission.revision)
    )
    return [tuple(r) for r in rows]


def test_demo_history_is_plausible_and_goes_through_the_workflow(store):
    with store.transaction() as db:
        made = seed_demo(db)
    with store.session() as db:
        statuses = Counter(db.scalars(select(Submission.status)))
        entities = db.scalar(select(func.count(func.distinct(Submission.entity_id))))
        periods = db.scalars(
            select(func.distinct(Period.code)).join(Submission, Submission.period_id == Period.id)
        ).all()
        actions = Counter(db.scalars(select(AuditEvent.action)))
        late = sum(
            1
            for s in db.scalars(select(Submission).where(Submission.revision == 1))
            if s.uploaded_at.date() > s.period.end_date + timedelta(days=30)
        )
        ratio = db.execute(
            select(Observation.value, Observation.numerator, Observation.denominator).where(
                Observation.denominator.is_not(None)
            )
        ).first()
        on_bad = db.scalar(
            select(func.count())
            .select_from(Observation)
            .where((Observation.value < 0) | (Observation.value > 100))
        )
    assert made == sum(statuses.values())
    assert entities == 28
    assert len(periods) == 20 and min(periods) == "2021-Q1" and max(periods) == "2025-Q4"
    assert statuses["approved"] > 0.8 * made
    assert statuses["returned"] > 0 and statuses["submitted"] > 0
    assert made < 28 * 20 + statuses["returned"]  # some quarters are missing
    assert late > 0
    assert actions["submission.submit"] == made
    assert actions["submission.return"] == statuses["returned"]
    assert abs(ratio.value - ratio.numerator / ratio.denominator * 100) < 1e-6
    assert on_bad == 0


def test_demo_is_deterministic_and_a_second_run_adds_nothing(store, sqlite_databases):
    other = __import__("data.db", fromlist=["Store"]).Store(sqlite_databases.fresh("catalogue"))
    with store.transaction() as db:
        seed_demo(db)
    with other.transaction() as db:
        seed_demo(db)
    with store.transaction() as db:
        assert seed_demo(db) == 0
    with store.session() as a, other.session() as b:
        assert fingerprint(a) == fingerprint(b)
    other.engine.dispose()


def test_scale_multiplies_the_entities(store):
    with store.transaction() as db:
        seed_demo(db, scale=2)
    with store.session() as db:
        reporting = db.scalar(select(func.count(func.distinct(Submission.entity_id))))
        copies = db.scalar(select(func.count()).select_from(Entity).where(Entity.is_demo))
    assert copies == 28
    assert reporting == 56


def test_demo_programme_sums_to_the_reference_figures_through_the_same_paths(store):
    """Issue 16: T1.1's targeted procedures add up to the plan's 2,869, the allocations to the
    cycle's budget exactly (entered by the office, audited), and the lead entities' quarterly
    submissions carry their initiative and budget reports: plausible, marked as demo."""
    from data.models import (
        BudgetLine,
        BudgetReport,
        Initiative,
        InitiativeReport,
        Kpi,
        ProceduresPlan,
        ProgrammeCycle,
    )

    with store.transaction() as db:
        seed_demo(db)
    with store.session() as db:
        cycle = db.scalars(select(ProgrammeCycle)).one()
        plan = db.scalar(select(func.sum(ProceduresPlan.procedures)))
        targeted = dict(
            db.execute(
                select(Entity.code, func.max(Observation.denominator))
                .join(Entity, Entity.id == Observation.entity_id)
                .join(Kpi, Kpi.id == Observation.kpi_id)
                .where(Kpi.code == "T1.1")
                .group_by(Entity.code)
            ).all()
        )
        varying = db.scalar(
            select(func.count(func.distinct(Observation.denominator)))
            .join(Kpi, Kpi.id == Observation.kpi_id)
            .join(Entity, Entity.id == Observation.entity_id)
            .where(Kpi.code == "T1.1", Entity.code == "MOH")
        )
        lines = db.scalars(select(BudgetLine)).all()
        allocations = Counter(db.scalars(select(AuditEvent.action)))["budget.allocate"]
        initiative_reports = db.execute(
            select(InitiativeReport.status, InitiativeReport.percent_complete, Entity.code)
            .join(Submission, InitiativeReport.submission_id == Submission.id)
            .join(Entity, Entity.id == Submission.entity_id)
        ).all()
        initiative_ids = set(db.scalars(select(Initiative.id)))
        leads = set(
            db.scalars(select(Entity.code).join(Initiative, Initiative.lead_entity_id == Entity.id))
        )
        progress = db.execute(
            select(InitiativeReport.initiative_id, Period.code, InitiativeReport.percent_complete)
            .join(Period, Period.id == InitiativeReport.period_id)
            .order_by(InitiativeReport.initiative_id, Period.code)
        ).all()
        spending = db.execute(
            select(BudgetReport.committed_baisa, BudgetReport.spent_baisa, BudgetLine)
            .join(BudgetLine, BudgetReport.budget_line_id == BudgetLine.id)
            .join(Submission, BudgetReport.submission_id == Submission.id)
            .where(Submission.is_demo)
        ).all()
    assert plan == 2869 and sum(targeted.values()) == plan and len(targeted) == 28
    assert varying == 1  # what an entity targets does not change from quarter to quarter
    assert sum(line.allocated_baisa for line in lines) == cycle.budget_baisa == 170_000_000_000
    assert all(line.is_demo for line in lines) and allocations == len(lines)
    assert {line.initiative_id for line in lines if line.initiative_id} == initiative_ids
    assert {line.year for line in lines} == set(range(2021, 2026))
    assert {entity for *_rest, entity in initiative_reports} <= leads
    statuses = Counter(status for status, *_rest in initiative_reports)
    assert {"on_track", "at_risk", "delayed", "completed"} <= set(statuses)
    assert all(
        (status == "completed") == (percent == 100) for status, percent, _e in initiative_reports
    )
    # nothing the validator warns of (etl.validate_programme): no percent falls, no amount
    # falls within its year, spent never passes committed, nor committed the allocation
    for (initiative, _q, before), (same, _next, after) in itertools.pairwise(progress):
        assert initiative != same or after >= before
    assert len(spending) > 400
    by_line: dict[str, list] = {}
    for committed, spent, line in spending:
        by_line.setdefault(line.code, []).append((committed, spent))
    for amounts in by_line.values():
        ordered = sorted(set(amounts))
        assert [spent for _c, spent in ordered] == sorted(spent for _c, spent in ordered)
    assert all(
        0 <= spent <= committed <= line.allocated_baisa for committed, spent, line in spending
    )
