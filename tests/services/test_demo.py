"""The demo history: deterministic, plausible, entered through the load and review path."""

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
