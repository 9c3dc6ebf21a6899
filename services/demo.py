"""A deterministic, plausible demo history, entered through the same load and review path as
real submissions (etl.load, etl.workflow): nothing here writes observations directly. The whole
programme's part (procedures targeted, the budget's allocations, initiative and budget reports)
is made in services.demo_programme.

Two ways in, one history: `bulk` (the default) checks every submission's figures with the
upload's validator (etl.validate) and writes thousands of submissions per batch through
etl.load.write_submissions, with their reviews as a few statements (a million observations in
minutes); `bulk=False` loads and reviews one submission at a time (etl.load.load_submission,
etl.workflow), the path the bulk one is compared with (tests/services/test_demo_scale.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from time import perf_counter

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from data import summary
from data.audit import audit_event, record_all
from data.models import (
    Entity,
    EntityKpi,
    Kpi,
    Observation,
    Period,
    ProgrammeCycle,
    Submission,
    User,
)
from data.queries import kpi_specs
from etl.contract import header_label
from etl.due import due_kpis
from etl.load import Pending, Row, load_submission, write_submissions
from etl.read import RawWorkbook
from etl.validate import Expectation, validate
from etl.workflow import approve, return_for_changes
from kpis.completeness import deadline as quarter_deadline  # a fresh store: no override yet
from kpis.periods import PeriodCode, parse_period, quarters, reporting_period
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
class DemoKpi:
    """What the history needs of a KPI, read once rather than from the ORM for every figure."""

    code: str
    frequency: str
    scope: str
    aggregation: str
    baseline: float | None
    target: float

    @classmethod
    def of(cls, kpi: Kpi) -> DemoKpi:
        """Baseline and target of the definition in force at the end of the cycle (a target of
        75 where none is set)."""
        definition = kpi.current
        baseline = definition.baseline_value if definition else None
        target = definition.target_value if definition else None
        return cls(
            kpi.code,
            kpi.frequency,
            kpi.scope,
            kpi.aggregation,
            baseline,
            75 if target is None else target,
        )


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


@dataclass(frozen=True)
class Review:
    """The office's review of one upload: approved, or returned with a reason."""

    status: str
    at: datetime
    reason: str = ""


# One quarter's uploads of an entity, in order: when each came and how it was reviewed (None:
# still waiting for review)
Timeline = tuple[tuple[datetime, Review | None], ...]


def seed_demo(session: Session, scale: int = 1, *, bulk: bool = True) -> int:
    """Create the history for every active entity (and `scale`-1 copies of each); return the number
    of submissions made. Does nothing when demo data is already there. `bulk`: validated and
    written in batches (the same history as `bulk=False`, one submission at a time)."""
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
    facts = {kpi.id: DemoKpi.of(kpi) for kpi in kpis}
    assigned = {
        entity.code: [facts[kpi.id] for kpi in _assigned(session, entity, kpis)]
        for entity in entities
    }
    procedures = _procedures(session, first, cycle, entities, assigned)
    targeted = procedures.targeted if procedures else {}
    biggest = sorted(targeted, key=lambda code: (-targeted[code], code))[:ENTITY_LINES]
    allocate_budget(session, first, cycle.seed, reviewer, biggest)
    programme = programme_reports(session, first, cycle.seed)
    writer = BulkWriter(session, reviewer) if bulk else None
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
            timeline = _timeline(rng, prof, quarter, cycle)
            period = periods[quarter.code]
            if writer is None:
                made += _submit(session, entity, period, rows, timeline, reviewer, extra)
            else:
                made += writer.add(entity, period, rows, timeline, extra)
    if writer is not None:
        writer.flush()
        _rebuild_summaries(session)
    return made


def seed_demo_command(session: Session, scale: int = 1) -> str:
    """`python -m data seed-demo`: the history, and what was made, how fast."""
    start = perf_counter()
    made = seed_demo(session, scale)
    if not made:
        return "demo data already present"
    seconds = perf_counter() - start
    observations = session.scalar(select(func.count()).select_from(Observation))
    return (
        f"demo data: {made:,} submissions, {observations:,} observations in {seconds:.1f} s "
        f"({observations / seconds:,.0f} observations/s)"
    )


def _rebuild_summaries(session: Session) -> None:
    """The national sums kept in the store (data.summary) follow each load and review step;
    the bulk path writes its reviews in batches, so it rebuilds them once at the end."""
    summary.rebuild(session)


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
    kpi: DemoKpi,
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


def _national_row(
    kpi: DemoKpi, period: PeriodCode, rng: random.Random, cycle: DemoCycle
) -> Row | None:
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


def _level(kpi: DemoKpi, entity: Entity, period: PeriodCode, prof: Profile, cycle: DemoCycle):
    """How far the entity is at `period` (0-100): its pace toward the target, with noise."""
    return _level_at(cycle, entity.code, kpi.code, period, prof.pace, kpi.baseline, kpi.target)


# The history draws each number from a generator seeded by what it is about; the same numbers
# are asked for again (a cumulative KPI's best level so far), so they are kept, a bounded number
# (entities are generated one after another).
@lru_cache(maxsize=1 << 16)
def _level_at(cycle: DemoCycle, entity: str, kpi: str, period: PeriodCode, pace, baseline, target):
    start = _start(cycle.seed, entity, kpi, baseline)
    elapsed = (period.end.year - cycle.baseline_year - 1) + (period.end.month / 12)
    share = min(1.0, elapsed / cycle.years * pace)
    noise = _noise(cycle.seed, entity, kpi, period, 2.5)
    return max(0.0, min(100.0, start + (target - start) * share + noise))


@lru_cache(maxsize=1 << 16)
def _start(seed: str, entity: str, kpi: str, baseline: float | None) -> float:
    """Where the entity starts: the baseline (or a low level when the KPI has none), +/- 8."""
    rng = random.Random(f"{seed}:{entity}:{kpi}:start")
    return (baseline if baseline is not None else rng.uniform(5, 30)) + rng.uniform(-8, 8)


@lru_cache(maxsize=1 << 16)
def _counted(seed: str, entity: str, kpi: str) -> int:
    """How many things the entity counts for a ratio KPI (its denominator, before changes)."""
    return random.Random(f"{seed}:{entity}:{kpi}:start").randint(40, 400)


@lru_cache(maxsize=1 << 16)
def _noise(seed: str, entity: str, kpi: str, period: PeriodCode, sigma: float) -> float:
    return random.Random(f"{seed}:{entity}:{kpi}:{period}:noise").gauss(0, sigma)


def _cumulative_level(kpi, entity, period, prof, cycle: DemoCycle) -> float:
    """A cumulative KPI never falls: the best level reached up to `period` (the validator
    warns of a fall, and the demo history passes its own validation)."""
    return max(
        _level_at(cycle, entity.code, kpi.code, p, prof.pace, kpi.baseline, kpi.target)
        for p in _reported_until(kpi.frequency, period, cycle)
    )


@lru_cache(maxsize=4096)
def _reported_until(frequency: str, period: PeriodCode, cycle: DemoCycle) -> tuple[PeriodCode, ...]:
    """The periods a KPI of `frequency` reports from the cycle's start up to `period`."""
    reported = {
        due
        for quarter in quarters(cycle.start_year, period.year)
        if quarter.end <= period.end
        and (due := reporting_period(frequency, quarter, cycle.baseline_year)) is not None
    }
    return tuple(sorted(reported, key=lambda p: p.end))


def _entity_row(kpi, entity, period, prof, cycle: DemoCycle, rng, cumulative: bool) -> Row:
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
    counted = _counted(cycle.seed, entity.code, kpi.code)
    denominator = counted + (0 if cumulative else rng.randint(0, 10))
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
    noise = _noise(cycle.seed, entity.code, plan.kpi_code, period, 2)
    return max(0.0, min(100.0, 100 * plan.planned_share(period) * factor + noise))


def _procedures_row(kpi, entity, period, prof, cycle: DemoCycle, plan: ProceduresDemo) -> Row:
    """The procedures KPI (T1.1): procedures simplified to date (never falling) of the entity's
    targeted ones, which sum to the plan's total over the reference entities."""
    denominator = plan.denominator(entity.code)
    reported = _reported_until(kpi.frequency, period, cycle)
    level = max(_procedures_level(entity, p, prof, cycle, plan) for p in reported)
    numerator = round(denominator * level / 100)
    return Row(
        kpi.code,
        period.code,
        numerator / denominator * 100,
        float(numerator),
        float(denominator),
    )


def _timeline(rng: random.Random, prof: Profile, quarter: PeriodCode, cycle: DemoCycle) -> Timeline:
    """When the quarter's figures came and how the office reviewed them: on time or late, some
    returned with a reason and sent again, the last quarter's partly still awaiting review."""
    deadline = datetime.combine(quarter_deadline(quarter.end), time(12))
    late = rng.random() < prof.late_rate
    uploaded = deadline + timedelta(days=rng.randint(3, 40) if late else -rng.randint(2, 25))
    is_last_quarter = quarter == PeriodCode(cycle.target_year, 4)
    if is_last_quarter and rng.random() < 0.4:
        return ((uploaded, None),)  # still waiting for review
    reviewed = uploaded + timedelta(days=rng.randint(2, 9))
    if rng.random() < prof.return_rate:
        returned = Review("returned", reviewed, rng.choice(RETURN_REASONS))
        resubmitted = reviewed + timedelta(days=rng.randint(2, 7))
        approved = Review("approved", resubmitted + timedelta(days=rng.randint(1, 5)))
        return ((uploaded, returned), (resubmitted, approved))
    return ((uploaded, Review("approved", reviewed)),)


def _submit(session, entity, period, rows, timeline: Timeline, reviewer, extra) -> int:
    """One submission at a time through the load path and the review workflow."""
    for uploaded, review in timeline:
        submission = load_submission(
            session, entity, period, rows, uploader=None, at=uploaded, is_demo=True, **extra
        )
        if review is None:
            continue
        if review.status == "approved":
            approve(session, submission, reviewer, at=review.at)
        else:
            return_for_changes(session, submission, reviewer, review.reason, at=review.at)
    return len(timeline)


_REVIEW = (
    update(Submission.__table__)
    .where(Submission.__table__.c.id == bindparam("submission_id"))
    .values(
        status=bindparam("new_status"),
        reviewed_by_id=bindparam("reviewer_id"),
        reviewed_at=bindparam("review_at"),
        review_reason=bindparam("reason"),
    )
)
_VALIDATED_KEYS = ("code", "period", "numerator", "denominator", "value", "comment")


class DemoInvalid(ValueError):
    """A generated figure the upload's validator refuses: the demo would show what no entity
    could have sent."""


class BulkWriter:
    """Submissions and their reviews in batches: each submission's figures pass the upload's
    validator first (etl.validate, the checks a template gets, without the warnings that
    compare with earlier quarters), then `BATCH` submissions go through
    etl.load.write_submissions at once (observations in one executemany, by COPY on
    PostgreSQL; audit events chained in one go) and their reviews as one UPDATE and one batch
    of audit events, like etl.workflow's (which reviews one ORM object at a time)."""

    BATCH = 4000

    def __init__(self, session: Session, reviewer: User | None) -> None:
        self.session = session
        self.reviewer = reviewer
        self.pending: list[tuple[Pending, Review | None]] = []
        # entities were added and given KPIs in this session: read them afresh (etl.due and
        # etl.load read them once per session)
        for key in ("assignments", "code_ids:entities"):
            session.info.pop(key, None)

    def add(self, entity: Entity, period: Period, rows, timeline: Timeline, extra: dict) -> int:
        self.check(entity, period, rows)
        for uploaded, review in timeline:
            item = Pending(entity, period, rows, None, at=uploaded, is_demo=True, **extra)
            self.pending.append((item, review))
        if len(self.pending) >= self.BATCH:
            self.flush()
        return len(timeline)

    def check(self, entity: Entity, period: Period, rows) -> None:
        """Raise DemoInvalid when the validator finds an error in the rows, as a template."""
        due = due_kpis(self.session, entity.code, parse_period(period.code), history={})
        template = _as_template(entity.code, period.code, rows, due)
        result = validate(template, Expectation(entity.code, period.code, due))
        if result.errors:
            shown = "; ".join(problem.render() for problem in result.errors[:3])
            raise DemoInvalid(f"{entity.code} {period.code}: {shown}")

    def flush(self) -> None:
        if not self.pending:
            return
        # data.summary is rebuilt once at the end (seed_demo)
        write_submissions(self.session, [item for item, _ in self.pending], summarise=False)
        reviewed = [(item, review) for item, review in self.pending if review is not None]
        if reviewed:
            reviewer_id = self.reviewer.id if self.reviewer else None
            self.session.connection().execute(
                _REVIEW,
                [
                    {
                        "submission_id": item.id,
                        "new_status": review.status,
                        "reviewer_id": reviewer_id,
                        "review_at": review.at,
                        "reason": review.reason,
                    }
                    for item, review in reviewed
                ],
            )
            record_all(self.session, [self._event(item, review) for item, review in reviewed])
        self.pending = []

    def _event(self, item: Pending, review: Review) -> dict:
        verb = "approve" if review.status == "approved" else "return"
        return audit_event(
            f"submission.{verb}",
            "submission",
            item.id,
            user=self.reviewer,
            entity_id=item.entity.id,
            before={"status": "submitted"},
            after={"status": review.status},
            reason=review.reason,
            at=review.at,
        )


def _as_template(entity: str, period: str, rows, due) -> RawWorkbook:
    """The rows as a filled template's Data sheet, the way the reader hands it over: a yes/no
    KPI typed as a clerk types it (1 for yes, 0 for no; stored as 100 or 0), a percentage as
    a clerk types it when it could be read as a share (`0.93%`: a bare 0.93 is refused as
    ambiguous, and one procedure of 107 is 0.93%)."""
    sheet = [[header_label(key) for key in _VALIDATED_KEYS]]
    for row in rows:
        kpi = due.get(row.kpi_code)
        value = row.value
        if kpi is not None and value is not None:
            if kpi.yes_no:
                value = value / 100
            elif kpi.unit == "percent" and 0 < value < 1:
                value = f"{value:f}%"
        sheet.append([row.kpi_code, row.period, row.numerator, row.denominator, value, row.comment])
    return RawWorkbook(b"", {"Data": sheet}, "Data", {"entity": entity, "period": period})
