"""A deterministic, plausible demo history, entered through the same load and review path as
real submissions (etl.load, etl.workflow): nothing here writes observations directly. The whole
programme's part (procedures targeted, the budget's allocations, initiative and budget reports)
is made in services.demo_programme."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Entity, EntityKpi, Kpi, Period, ProgrammeCycle, Submission, User
from data.queries import kpi_specs
from etl.load import Row, load_submission
from etl.workflow import approve, return_for_changes
from kpis.completeness import deadline as quarter_deadline  # a fresh store: no override yet
from kpis.periods import PeriodCode, quarters, reporting_period
from services.actors import Role
from services.demo_programme import (
    ENTITY_LINES,
    ProceduresDemo,
    ProgrammeReports,
    allocate_budget,
    procedures_demo,
    procedures_kpi,
    programme_reports,
)

RETURN_REASONS = (
    "Please attach the evidence link for the services counted as fully online.",
    "The denominator differs from last quarter by more than a third: please confirm.",
    "Comment missing for the drop against the previous quarter.",
)
# Figures reported once for the nation by the owner (MTCIT): value at the end of each year,
# the year counted from the cycle's baseline year (0 is the baseline year, 5 the fifth after it).
NATIONAL_PATHS = {
    "T1.2": {0: 24, 2: 22, 4: 21},
    "T4.6": {0: 38, 2: 34, 4: 29},
    "T2.2": {1: 20, 2: 55, 3: 85, 4: 100, 5: 100},
    "T3.2": {1: 10, 2: 60, 3: 100, 4: 100, 5: 100},
    "T3.5": {1: 0, 2: 30, 3: 70, 4: 100, 5: 100},
    "T3.6": {1: 2, 2: 4, 3: 5, 4: 7, 5: 8},
    "T4.2": {1: 1, 2: 1, 3: 2, 4: 3, 5: 3},
    "T4.4": {1: 60, 2: 75, 3: 80, 4: 90, 5: 95},
    "T4.5": {1: 4, 2: 5, 3: 6, 4: 8, 5: 9},
}


@dataclass(frozen=True)
class DemoCycle:
    """The cycle the history is made for, from the store; its code names the random streams, so
    the same store always gives the same history."""

    code: str
    baseline_year: int
    start_year: int
    target_year: int

    @classmethod
    def of(cls, cycle: ProgrammeCycle) -> DemoCycle:
        return cls(cycle.code, cycle.baseline_year, cycle.start_year, cycle.target_year)

    @property
    def seed(self) -> str:
        return f"gdt-{self.code}"

    @property
    def years(self) -> int:
        return self.target_year - self.baseline_year


@dataclass(frozen=True)
class Profile:
    """How an entity performs: its pace toward the targets and its reporting habits."""

    pace: float
    late_rate: float
    missing_rate: float
    return_rate: float


def profile(entity_code: str, cycle: DemoCycle) -> Profile:
    rng = random.Random(f"{cycle.seed}:{entity_code}")
    return Profile(
        pace=rng.uniform(0.55, 1.2),
        late_rate=rng.uniform(0.0, 0.2),
        missing_rate=rng.choice((0.0, 0.0, 0.03, 0.08)),
        return_rate=rng.uniform(0.02, 0.12),
    )


def demo_present(session: Session) -> bool:
    return bool(
        session.scalar(select(func.count()).select_from(Submission).where(Submission.is_demo))
    )


def seed_demo(session: Session, scale: int = 1) -> int:
    """Create the history for every active entity (and `scale`-1 copies of each); return the number
    of submissions made. Does nothing when demo data is already there."""
    if demo_present(session):
        return 0
    entities = _entities(session, scale)
    first = session.scalars(select(ProgrammeCycle).order_by(ProgrammeCycle.start_year)).first()
    kpis = session.scalars(
        select(Kpi).where(Kpi.active, Kpi.cycle_id == first.id).order_by(Kpi.position)
    ).all()
    periods = {p.code: p for p in session.scalars(select(Period))}
    cycle = DemoCycle.of(first)  # the history is of the first cycle, whatever came after it
    reviewer = session.scalar(select(User).where(User.role == Role.SUPERVISOR).order_by(User.id))
    cumulative = frozenset(s.code for s in kpi_specs(session, first.code) if s.cumulative)
    assigned = {entity.code: _assigned(session, entity, kpis) for entity in entities}
    procedures = _procedures(session, first, cycle, entities, assigned)
    targeted = procedures.targeted if procedures else {}
    biggest = sorted(targeted, key=lambda code: (-targeted[code], code))[:ENTITY_LINES]
    allocate_budget(session, first, cycle.seed, reviewer, biggest)
    programme = programme_reports(session, first, cycle.seed)
    made = 0
    for entity in entities:
        prof = profile(entity.code.split("-")[0], cycle)
        for quarter in quarters(cycle.start_year, cycle.target_year):
            rng = random.Random(f"{cycle.seed}:{entity.code}:{quarter}")
            rows = [
                row
                for kpi in assigned[entity.code]
                if (row := _row(kpi, entity, quarter, prof, cycle, cumulative, procedures))
            ]
            if not rows or rng.random() < prof.missing_rate:
                continue
            extra = _programme_rows(programme, entity, quarter)
            made += _submit(
                session,
                entity,
                periods[quarter.code],
                rows,
                rng,
                prof,
                reviewer,
                quarter,
                cycle,
                extra,
            )
    return made


def _entities(session: Session, scale: int) -> list[Entity]:
    base = session.scalars(
        select(Entity).where(Entity.active, ~Entity.is_demo).order_by(Entity.code)
    ).all()
    copies = []
    for n in range(2, scale + 1):
        for entity in base:
            copy = Entity(
                code=f"{entity.code}-{n}",
                name_en=f"{entity.name_en} (demo copy {n})",
                name_ar=f"{entity.name_ar} (نسخة تجريبية {n})",
                website=entity.website,
                is_demo=True,
            )
            session.add(copy)
            copies.append(copy)
    session.flush()
    assignments = session.scalars(select(EntityKpi)).all()
    for copy in copies:
        original = copy.code.rsplit("-", 1)[0]
        for assignment in assignments:
            if assignment.entity.code == original:
                session.add(EntityKpi(entity_id=copy.id, kpi_id=assignment.kpi_id))
    session.flush()
    return list(base) + copies


def _procedures(session, first, cycle, entities, assigned) -> ProceduresDemo | None:
    """The procedures targeted by the reference entities that report the procedures KPI."""
    code = procedures_kpi(session, first)
    if code is None:
        return None
    reporting = [
        entity.code
        for entity in entities
        if not entity.is_demo and any(k.code == code for k in assigned[entity.code])
    ]
    return procedures_demo(session, first, cycle.seed, code, reporting)


def _programme_rows(programme: ProgrammeReports, entity: Entity, quarter: PeriodCode) -> dict:
    """The initiative and budget reports the entity's submission for `quarter` carries."""
    return {
        "initiatives": programme.initiative_rows(entity.code, quarter),
        "budget": programme.budget_rows(entity.code, quarter),
    }


def _assigned(session: Session, entity: Entity, kpis) -> list[Kpi]:
    ids = set(session.scalars(select(EntityKpi.kpi_id).where(EntityKpi.entity_id == entity.id)))
    return [k for k in kpis if k.id in ids or k.owner_entity_id == entity.id]


def _row(
    kpi: Kpi,
    entity: Entity,
    quarter: PeriodCode,
    prof: Profile,
    cycle: DemoCycle,
    cumulative: frozenset[str],
    procedures: ProceduresDemo | None = None,
):
    period = reporting_period(kpi.frequency, quarter, cycle.baseline_year)
    if period is None:
        return None
    rng = random.Random(f"{cycle.seed}:{entity.code}:{kpi.code}:{period}")
    if kpi.scope == "national":
        return _national_row(kpi, period, rng, cycle)
    if procedures and kpi.code == procedures.kpi_code:
        return _procedures_row(kpi, entity, period, prof, cycle, procedures)
    return _entity_row(kpi, entity, period, prof, cycle, rng, kpi.code in cumulative)


def _national_row(kpi: Kpi, period: PeriodCode, rng: random.Random, cycle: DemoCycle) -> Row | None:
    path = NATIONAL_PATHS.get(kpi.code)
    if not path:
        return None
    known = [y for y in sorted(path) if y <= period.year - cycle.baseline_year]
    if not known:
        return None
    value = float(path[known[-1]])
    if kpi.code == "T4.4":
        planned = rng.randint(8, 14)
        done = round(planned * value / 100)
        return Row(kpi.code, period.code, done / planned * 100, done, planned)
    return Row(kpi.code, period.code, value)


def _level(kpi: Kpi, entity: Entity, period: PeriodCode, prof: Profile, cycle: DemoCycle):
    """How far the entity is at `period` (0-100): its pace toward the target, with noise."""
    definition = kpi.current
    start_rng = random.Random(f"{cycle.seed}:{entity.code}:{kpi.code}:start")
    baseline = definition.baseline_value if definition else None
    start = (baseline if baseline is not None else start_rng.uniform(5, 30)) + start_rng.uniform(
        -8, 8
    )
    target = definition.target_value if definition and definition.target_value is not None else 75
    elapsed = (period.end.year - cycle.baseline_year - 1) + (period.end.month / 12)
    share = min(1.0, elapsed / cycle.years * prof.pace)
    noise = random.Random(f"{cycle.seed}:{entity.code}:{kpi.code}:{period}:noise").gauss(0, 2.5)
    return max(0.0, min(100.0, start + (target - start) * share + noise))


def _cumulative_level(kpi, entity, period, prof, cycle: DemoCycle) -> float:
    """A cumulative KPI never falls: the best level reached up to `period` (the validator
    warns of a fall, and the demo history passes its own validation)."""
    reported = {
        due
        for quarter in quarters(cycle.start_year, period.year)
        if quarter.end <= period.end
        and (due := reporting_period(kpi.frequency, quarter, cycle.baseline_year)) is not None
    }
    return max(_level(kpi, entity, p, prof, cycle) for p in reported)


def _entity_row(kpi, entity, period, prof, cycle: DemoCycle, rng, cumulative: bool) -> Row:
    start_rng = random.Random(f"{cycle.seed}:{entity.code}:{kpi.code}:start")
    if cumulative:
        level = _cumulative_level(kpi, entity, period, prof, cycle)
    else:
        level = _level(kpi, entity, period, prof, cycle)
    if kpi.aggregation == "share_of_entities":
        return Row(kpi.code, period.code, 100.0 if level >= 60 else 0.0)
    if kpi.aggregation == "sum":
        return Row(kpi.code, period.code, float(max(0, round(level / 25 + rng.uniform(-1, 1)))))
    if kpi.aggregation == "mean":
        return Row(kpi.code, period.code, round(level, 1))
    # what is counted (targeted services, say) stays put for a cumulative KPI, so that its
    # numerator, and the ratio, never fall either
    denominator = start_rng.randint(40, 400) + (0 if cumulative else rng.randint(0, 10))
    numerator = round(denominator * level / 100)
    return Row(
        kpi.code,
        period.code,
        numerator / denominator * 100,
        float(numerator),
        float(denominator),
    )


def _procedures_level(entity, period, prof: Profile, cycle: DemoCycle, plan: ProceduresDemo):
    """How far (0-100) the entity is at `period` in simplifying its targeted procedures: the
    plan's cumulative share, faster or slower with its pace, with noise."""
    factor = 0.8 + 0.25 * (prof.pace - 0.55) / 0.65  # 0.8 (slowest) to 1.05 (fastest)
    noise = random.Random(f"{cycle.seed}:{entity.code}:{plan.kpi_code}:{period}:noise").gauss(0, 2)
    return max(0.0, min(100.0, 100 * plan.planned_share(period) * factor + noise))


def _procedures_row(kpi, entity, period, prof, cycle: DemoCycle, plan: ProceduresDemo) -> Row:
    """The procedures KPI (T1.1): procedures simplified to date (never falling) of the entity's
    targeted ones, which sum to the plan's total over the reference entities."""
    denominator = plan.denominator(entity.code)
    reported = [
        due
        for quarter in quarters(cycle.start_year, period.year)
        if quarter.end <= period.end
        and (due := reporting_period(kpi.frequency, quarter, cycle.baseline_year)) is not None
    ]
    level = max(_procedures_level(entity, p, prof, cycle, plan) for p in reported)
    numerator = round(denominator * level / 100)
    return Row(
        kpi.code,
        period.code,
        numerator / denominator * 100,
        float(numerator),
        float(denominator),
    )


def _submit(session, entity, period, rows, rng, prof, reviewer, quarter, cycle, extra) -> int:
    deadline = datetime.combine(quarter_deadline(quarter.end), time(12))
    late = rng.random() < prof.late_rate
    uploaded = deadline + timedelta(days=rng.randint(3, 40) if late else -rng.randint(2, 25))
    first = load_submission(
        session, entity, period, rows, uploader=None, at=uploaded, is_demo=True, **extra
    )
    is_last_quarter = quarter == PeriodCode(cycle.target_year, 4)
    if is_last_quarter and rng.random() < 0.4:
        return 1  # still waiting for review
    reviewed = uploaded + timedelta(days=rng.randint(2, 9))
    if rng.random() < prof.return_rate:
        return_for_changes(session, first, reviewer, rng.choice(RETURN_REASONS), at=reviewed)
        resubmitted = reviewed + timedelta(days=rng.randint(2, 7))
        second = load_submission(
            session, entity, period, rows, uploader=None, at=resubmitted, is_demo=True, **extra
        )
        approve(session, second, reviewer, at=resubmitted + timedelta(days=rng.randint(1, 5)))
        return 2
    approve(session, first, reviewer, at=reviewed)
    return 1
