"""Read-side queries: each takes a session and returns plain rows, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from data.models import (
    AuditEvent,
    Entity,
    InterimTarget,
    Kpi,
    KpiDefinition,
    Observation,
    Period,
    ProgrammeCycle,
    Submission,
    Track,
    Upload,
    User,
)
from kpis.periods import PeriodCode, parse_period
from kpis.spec import Definition, KpiSpec, effective_order


@dataclass(frozen=True)
class KpiRow:
    code: str
    name_en: str
    name_ar: str
    unit: str
    direction: str
    scope: str
    frequency: str
    baseline: float | None
    baseline_year: int | None
    target: float | None
    target_year: int | None
    comparator: str


@dataclass(frozen=True)
class TrackRow:
    code: str
    name_en: str
    name_ar: str
    focus_en: str
    focus_ar: str
    kpis: tuple[KpiRow, ...]


def catalogue_by_track(session: Session, cycle_code: str | None = None) -> list[TrackRow]:
    """The catalogue of `cycle_code`, or of the cycle that started last."""
    if cycle_code is None:
        newest = select(ProgrammeCycle.code).order_by(ProgrammeCycle.start_year.desc()).limit(1)
        cycle_code = session.scalar(newest)
    tracks = session.scalars(
        select(Track)
        .join(ProgrammeCycle)
        .where(ProgrammeCycle.code == cycle_code)
        .options(selectinload(Track.kpis).selectinload(Kpi.definitions))
        .order_by(Track.position)
    ).all()
    return [
        TrackRow(
            t.code,
            t.name_en,
            t.name_ar,
            t.focus_en,
            t.focus_ar,
            tuple(_kpi_row(k) for k in t.kpis if k.active),
        )
        for t in tracks
    ]


def _kpi_row(kpi: Kpi) -> KpiRow:
    d = kpi.current
    return KpiRow(
        kpi.code,
        kpi.name_en,
        kpi.name_ar,
        kpi.unit,
        kpi.direction,
        kpi.scope,
        kpi.frequency,
        d.baseline_value if d else None,
        d.baseline_year if d else None,
        d.target_value if d else None,
        d.target_year if d else None,
        d.target_comparator if d else ">=",
    )


_OWNER = aliased(Entity)
_EARLIER = aliased(Kpi)
_KPI_ROWS = (
    select(
        Kpi.id,
        Kpi.code,
        Track.code.label("track"),
        Kpi.name_en,
        Kpi.name_ar,
        Kpi.unit,
        Kpi.direction,
        Kpi.scope,
        Kpi.aggregation,
        Kpi.frequency,
        Kpi.tolerance,
        _OWNER.code.label("owner"),
        ProgrammeCycle.start_year,
        ProgrammeCycle.baseline_year.label("cycle_baseline_year"),
        ProgrammeCycle.code.label("cycle"),
        _EARLIER.code.label("continues"),
    )
    .join(Track, Kpi.track_id == Track.id)
    .join(ProgrammeCycle, Track.cycle_id == ProgrammeCycle.id)
    .outerjoin(_OWNER, Kpi.owner_entity_id == _OWNER.id)
    .outerjoin(_EARLIER, Kpi.continues_id == _EARLIER.id)
    .where(Kpi.active)
    .order_by(ProgrammeCycle.start_year, Track.position, Kpi.position)
)
_DEFINITIONS = select(
    KpiDefinition.kpi_id,
    KpiDefinition.version,
    KpiDefinition.effective_from,
    KpiDefinition.reason,
    KpiDefinition.baseline_value,
    KpiDefinition.baseline_year,
    KpiDefinition.target_value,
    KpiDefinition.target_year,
    KpiDefinition.target_comparator,
).order_by(KpiDefinition.version)
_INTERIM = select(InterimTarget.kpi_id, InterimTarget.year, InterimTarget.value).order_by(
    InterimTarget.year
)


def kpi_specs(session: Session, cycle: str | None = None) -> list[KpiSpec]:
    """Every active KPI of `cycle` (of every cycle when None) with its definition in force, in
    catalogue order: three light queries of plain columns, built once (ORM objects would cost
    more than the rest of checking a workbook). Which cycle a period belongs to:
    `data.cycles.cycle_of`."""
    current: dict[int, list] = {}  # KPI id -> its definitions' rows, every version
    for row in session.execute(_DEFINITIONS):
        current.setdefault(row.kpi_id, []).append(row)
    interim: dict[int, list[tuple[int, float]]] = {}
    for kpi_id, year, value in session.execute(_INTERIM):
        interim.setdefault(kpi_id, []).append((year, value))
    rows = _KPI_ROWS if cycle is None else _KPI_ROWS.where(ProgrammeCycle.code == cycle)
    return [
        _spec(kpi, current.get(kpi.id), tuple(interim.get(kpi.id, ())))
        for kpi in session.execute(rows)
    ]


def _spec(kpi, rows, interim: tuple[tuple[int, float], ...]) -> KpiSpec:
    definitions = _definitions(rows or (), PeriodCode(kpi.start_year, 1))
    d = definitions[-1] if definitions else None  # in force at the end of the cycle
    return KpiSpec(
        id=kpi.id,
        code=kpi.code,
        track=kpi.track,
        name_en=kpi.name_en,
        name_ar=kpi.name_ar,
        unit=kpi.unit,
        direction=kpi.direction,
        scope=kpi.scope,
        aggregation=kpi.aggregation,
        frequency=kpi.frequency,
        baseline=d.baseline if d else None,
        baseline_year=d.baseline_year if d else None,
        target=d.target if d else None,
        target_year=d.target_year if d else None,
        comparator=d.comparator if d else ">=",
        definitions=definitions,
        interim=interim,
        tolerance=kpi.tolerance,
        owner=kpi.owner,
        first_year=kpi.start_year,
        cycle_baseline_year=kpi.cycle_baseline_year,
        cycle=kpi.cycle,
        continues=kpi.continues,
    )


def _definitions(rows, cycle_start: PeriodCode) -> tuple[Definition, ...]:
    """A KPI's definition rows as `kpis.spec.Definition`s in effective order; one stored without
    a quarter applies from the cycle's first."""
    return effective_order(
        Definition(
            version=r.version,
            effective_from=parse_period(r.effective_from) if r.effective_from else cycle_start,
            baseline=r.baseline_value,
            baseline_year=r.baseline_year,
            target=r.target_value,
            target_year=r.target_year,
            comparator=r.target_comparator,
            reason=r.reason or "",
        )
        for r in rows
    )


def has_demo_data(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Submission.is_demo))))


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    entity: str
    period: str
    revision: int
    status: str
    is_current: bool
    file_name: str
    uploaded_at: datetime | None
    uploaded_by: str
    reviewed_at: datetime | None
    reviewed_by: str
    reason: str
    warnings: int
    errors: int
    upload_id: int | None
    uploaded_by_id: int | None = None


def _submission_rows(
    session: Session, *conditions, limit: int | None = None, offset: int = 0
) -> list[SubmissionRow]:
    uploader, reviewer = aliased(User), aliased(User)
    rows = session.execute(
        select(Submission, Entity.code, Period.code, uploader.email, reviewer.email, Upload.id)
        .join(Entity, Entity.id == Submission.entity_id)
        .join(Period, Period.id == Submission.period_id)
        .outerjoin(uploader, uploader.id == Submission.uploaded_by_id)
        .outerjoin(reviewer, reviewer.id == Submission.reviewed_by_id)
        .outerjoin(Upload, Upload.submission_id == Submission.id)
        .where(*conditions)
        .order_by(Period.end_date.desc(), Entity.code, Submission.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        SubmissionRow(
            s.id,
            entity,
            period,
            s.revision,
            s.status,
            s.is_current,
            s.file_name,
            s.uploaded_at,
            up or ("demo" if s.is_demo else ""),
            s.reviewed_at,
            rev or "",
            s.review_reason,
            len((s.report or {}).get("warnings", [])),
            len((s.report or {}).get("errors", [])),
            upload_id,
            s.uploaded_by_id,
        )
        for s, entity, period, up, rev, upload_id in rows
    ]


def submission_history(
    session: Session, entity_code: str, limit: int = 200, offset: int = 0
) -> list[SubmissionRow]:
    """The entity's submissions, newest quarter first, `limit` of them from `offset`."""
    return _submission_rows(session, Entity.code == entity_code, limit=limit, offset=offset)


def count_submissions(session: Session, entity_code: str) -> int:
    return session.scalar(
        select(func.count(Submission.id))
        .join(Entity, Entity.id == Submission.entity_id)
        .where(Entity.code == entity_code)
    )


def review_queue(session: Session) -> list[SubmissionRow]:
    return _submission_rows(session, Submission.status == "submitted", Submission.is_current)


@dataclass(frozen=True)
class ReviewLine:
    kpi: str
    name_en: str
    name_ar: str
    unit: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    previous_quarter: float | None
    previous_revision: float | None
    comment: str
    evidence: str


def review_lines(session: Session, submission_id: int) -> list[ReviewLine]:
    """A submission's figures beside the last quarter's official ones and the earlier revision."""
    submission = session.get(Submission, submission_id)
    observed = session.execute(
        select(Observation, Kpi)
        .join(Kpi, Kpi.id == Observation.kpi_id)
        .where(Observation.submission_id == submission_id)
        .order_by(Kpi.position)
    ).all()
    earlier = {}
    if submission.supersedes_id:
        earlier = {
            o.kpi_id: o.value
            for o in session.scalars(
                select(Observation).where(Observation.submission_id == submission.supersedes_id)
            )
        }
    previous = _previous_official(session, submission)
    return [
        ReviewLine(
            kpi.code,
            kpi.name_en,
            kpi.name_ar,
            kpi.unit,
            session.get(Period, o.period_id).code,
            o.value,
            o.numerator,
            o.denominator,
            previous.get(kpi.id),
            earlier.get(kpi.id),
            o.comment,
            o.evidence_link,
        )
        for o, kpi in observed
    ]


def _previous_official(session: Session, submission: Submission) -> dict[int, float]:
    """Approved figures of the entity in the quarter before the submission's."""
    period = session.get(Period, submission.period_id)
    before = session.scalar(
        select(Period)
        .where(Period.quarter.is_not(None), Period.end_date < period.start_date)
        .order_by(Period.end_date.desc())
    )
    if before is None:
        return {}
    rows = session.execute(
        select(Observation.kpi_id, Observation.value)
        .join(Submission)
        .where(
            Submission.entity_id == submission.entity_id,
            Submission.period_id == before.id,
            Submission.status == "approved",
        )
        .order_by(Submission.id)
    ).all()
    return {kpi_id: value for kpi_id, value in rows}


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    entity: str
    reason: str
    after: dict | None


def audit_events(
    session: Session,
    *,
    entity: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 300,
) -> list[AuditRow]:
    query = select(AuditEvent, Entity.code).outerjoin(Entity, Entity.id == AuditEvent.entity_id)
    if entity:
        query = query.where(Entity.code == entity)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, time.min))
    if until:
        query = query.where(AuditEvent.at <= datetime.combine(until, time.max))
    rows = session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [
        AuditRow(e.at, e.actor, e.action, e.object_type, e.object_id, code or "", e.reason, e.after)
        for e, code in rows
    ]


def audit_choices(session: Session) -> dict[str, list[str]]:
    return {
        "actors": sorted(set(session.scalars(select(AuditEvent.actor).distinct()))),
        "actions": sorted(set(session.scalars(select(AuditEvent.action).distinct()))),
    }


def entity_choices(session: Session) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in session.execute(
            select(Entity.code, Entity.name_en, Entity.name_ar)
            .where(Entity.active)
            .order_by(Entity.code)
        )
    ]


def quarter_choices(session: Session, today: date) -> list[tuple[str, bool]]:
    """Ended quarters, newest first, with whether each is locked."""
    return [
        tuple(r)
        for r in session.execute(
            select(Period.code, Period.locked)
            .where(Period.quarter.is_not(None), Period.end_date < today)
            .order_by(Period.end_date.desc())
        )
    ]
