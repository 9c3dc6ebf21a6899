"""Read-side queries for the analytics pages: figures as the viewer may see them, assignments,
submission lineage and the reporting matrix. Plain rows only; the meaning is in `kpis/`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased

from data.models import (
    AuditEvent,
    Entity,
    EntityKpi,
    Initiative,
    InternationalIndicator,
    Kpi,
    KpiDefinition,
    Observation,
    Period,
    ProgrammeCycle,
    Submission,
    Track,
    User,
)
from kpis.analysis import Observed
from kpis.expected import Assignments, Span, is_expected
from kpis.periods import parse_period


def data_version(session: Session) -> tuple:
    """Changes whenever a figure or its meaning can change: a submission made or reviewed, a
    target restated, an entity or KPI switched on or off, an entity added, renamed or given KPIs
    (every such change of an entity writes an audit event about it: services.entities_admin),
    a quarter's deadline moved (which makes a quarter late or on time: services.deadlines)."""
    submissions = select(
        func.count(Submission.id), func.max(Submission.id), func.max(Submission.reviewed_at)
    )
    catalogue = select(
        func.max(KpiDefinition.id),
        select(func.count(Entity.id)).where(Entity.active).scalar_subquery(),
        select(func.count(Kpi.id)).where(Kpi.active).scalar_subquery(),
        select(func.max(AuditEvent.id))
        .where(or_(AuditEvent.object_type == "entity", AuditEvent.action == "period.deadline"))
        .scalar_subquery(),
    )
    return (*session.execute(submissions).one(), *session.execute(catalogue).one())


def shown_submissions(include_unapproved: bool):
    """Which submissions' figures a page shows (a condition on Submission): the approved ones, and
    with `include_unapproved` a current one awaiting review. Of those, per (entity, period) and
    thing reported, the latest (highest id) counts. The one rule for observations, initiative
    reports and budget reports alike."""
    shown = Submission.status == "approved"
    if include_unapproved:
        shown = or_(shown, (Submission.status == "submitted") & Submission.is_current)
    return shown


def figures(
    session: Session,
    *,
    include_unapproved: bool,
    entity: str | None = None,
    cycle: str | None = None,
    kpi: str | None = None,
    periods: Collection[str] | None = None,
) -> list[Observed]:
    """Per (entity, KPI, period) the official figure (latest approved submission) or, with
    `include_unapproved`, the figure of a current submission awaiting review when newer; of the
    KPIs of `cycle` only, when given (a KPI code may repeat from one cycle to the next); of KPI
    `kpi` only, when given; in `periods` (codes) only, when given."""
    query = _shown_rows(include_unapproved)
    if periods is not None:
        query = query.where(
            Observation.period_id.in_(select(Period.id).where(Period.code.in_(sorted(periods))))
        )
    return _latest_shown(session, query, entity, cycle, None if kpi is None else [kpi])


def first_figures(
    session: Session,
    *,
    include_unapproved: bool,
    cycle: str | None,
    kpis: Collection[str],
    until: date,
    entity: str | None = None,
) -> tuple[dict[tuple[str, str], date], list[Observed]]:
    """Per (entity, KPI) of `kpis`: the end of the earliest period, up to `until`, for which a
    shown submission carries a figure (a value, or a numerator over a non-zero denominator), and
    the figures of that period (as `figures` gives them). No figure that counts is earlier;
    whether this one counts (usable, due, in the entity's span, kept by the latest revision) is
    kpis.analysis.holds_first_figure's to say."""
    if not kpis:
        return {}, []
    ids = _in_cycle(select(Kpi.id), cycle).where(Kpi.code.in_(sorted(kpis)))
    carried = or_(
        Observation.value.is_not(None),
        Observation.numerator.is_not(None)
        & Observation.denominator.is_not(None)
        & (Observation.denominator != 0),
    )
    earliest = (
        select(Observation.entity_id, Observation.kpi_id, func.min(Period.end_date).label("first"))
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Period, Period.id == Observation.period_id)
        .where(shown_submissions(include_unapproved), Period.end_date <= until)
        .where(Observation.kpi_id.in_(ids), carried)
        .group_by(Observation.entity_id, Observation.kpi_id)
    )
    if entity is not None:
        earliest = earliest.where(
            Observation.entity_id
            == select(Entity.id).where(Entity.code == entity).scalar_subquery()
        )
    earliest = earliest.subquery("earliest")
    query = (
        _shown_rows(include_unapproved)
        .join(Period, Period.id == Observation.period_id)
        .join(
            earliest,
            (earliest.c.entity_id == Observation.entity_id)
            & (earliest.c.kpi_id == Observation.kpi_id)
            & (earliest.c.first == Period.end_date),
        )
    )
    # every (entity, KPI) of the group-by has a row here, at its earliest period's end
    dates: dict[tuple[str, str], date] = {}
    found = _latest_shown(session, query, entity, cycle, list(kpis), dates)
    return dates, found


def _shown_rows(include_unapproved: bool):
    """The observations of the submissions shown, in submission order (the latest last)."""
    return (
        select(
            Observation.entity_id,
            Observation.kpi_id,
            Observation.period_id,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Submission.status == "approved",
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .where(shown_submissions(include_unapproved))
        .order_by(Submission.id)
    )


def _latest_shown(
    session: Session,
    query,
    entity: str | None,
    cycle: str | None,
    kpis: list[str] | None,
    dates: dict[tuple[str, str], date] | None = None,
) -> list[Observed]:
    """Of the rows of `query` (`_shown_rows`), per (entity, KPI, period) the latest one, where
    its entity reports that period; of `entity`, of the KPIs of `cycle` and of `kpis`. With
    `dates`, notes there the end of each row's period by (entity, KPI), whatever is kept."""
    # every entity, switched off or not: a figure counts for the periods its entity reports
    # (kpis.expected), so a deactivated entity's past figures stay in past national figures
    entity_codes = dict(session.execute(select(Entity.id, Entity.code)).all())
    spans = reporting_spans(session)
    if entity:
        entity_codes = {i: c for i, c in entity_codes.items() if c == entity}
        query = query.where(Observation.entity_id.in_(entity_codes))
    kpi_codes = dict(session.execute(_in_cycle(select(Kpi.id, Kpi.code), cycle)).all())
    if kpis is not None:
        kpi_codes = {i: c for i, c in kpi_codes.items() if c in kpis}
    if cycle is not None or kpis is not None:
        query = query.where(Observation.kpi_id.in_(list(kpi_codes)))
    periods = {i: parse_period(c) for i, c in session.execute(select(Period.id, Period.code))}
    span_of = {i: spans.get(code) for i, code in entity_codes.items()}  # None: every period
    latest: dict[tuple[int, int, int], Observed] = {}
    # thousands of rows: read on the connection, without the ORM's per-row bookkeeping
    for e, k, p, value, num, den, approved in session.connection().execute(query):
        if dates is not None and e in entity_codes and k in kpi_codes:
            dates[(entity_codes[e], kpi_codes[k])] = periods[p].end
        if e in span_of and ((span := span_of[e]) is None or is_expected(span, periods[p])):
            # in the order of the submissions shown: a KPI the nation reports once (`latest`)
            # takes the most recently submitted figure (data.summary keeps the same)
            latest.pop((e, k, p), None)
            latest[(e, k, p)] = Observed(
                entity_codes[e], kpi_codes[k], periods[p], value, num, den, bool(approved)
            )
    return list(latest.values())


def _in_cycle(query, cycle: str | None):
    """`query` (selecting from Kpi) limited to the KPIs of `cycle`, when given."""
    if cycle is None:
        return query
    return query.where(
        Kpi.cycle_id
        == select(ProgrammeCycle.id).where(ProgrammeCycle.code == cycle).scalar_subquery()
    )


def assignments(session: Session, cycle: str | None = None) -> Assignments:
    """KPI code -> codes of the entities assigned it (owners for national KPIs), deactivated ones
    included, for the KPIs of `cycle` when given; with each entity's reporting span, so that
    which of them is expected in a period is kpis.expected's answer (`expected_entities`)."""
    result: dict[str, set[str]] = defaultdict(set)
    rows = session.execute(
        _in_cycle(
            select(Kpi.code, Entity.code)
            .join(EntityKpi, EntityKpi.kpi_id == Kpi.id)
            .join(Entity, EntityKpi.entity_id == Entity.id)
            .where(Kpi.active),
            cycle,
        )
    )
    for kpi, entity in rows:
        result[kpi].add(entity)
    owner = aliased(Entity)
    for kpi, entity in session.execute(
        _in_cycle(select(Kpi.code, owner.code).join(owner, Kpi.owner_entity_id == owner.id), cycle)
    ):
        result[kpi].add(entity)
    return Assignments(result, reporting_spans(session))


def own_targets(
    session: Session, cycle: str | None = None
) -> dict[str, dict[str, tuple[float | None, float | None]]]:
    """KPI code -> entity code -> its own (baseline, target), for the assignments with either
    (kpis.own_targets), of the KPIs of `cycle` when given."""
    query = (
        select(Kpi.code, Entity.code, EntityKpi.baseline_value, EntityKpi.target_value)
        .join(EntityKpi, EntityKpi.kpi_id == Kpi.id)
        .join(Entity, EntityKpi.entity_id == Entity.id)
        .where(EntityKpi.baseline_value.is_not(None) | EntityKpi.target_value.is_not(None))
        .order_by(Kpi.id)
    )
    rows = session.execute(_in_cycle(query, cycle))
    found: dict[str, dict[str, tuple[float | None, float | None]]] = defaultdict(dict)
    for kpi, entity, baseline, target in rows:
        found[kpi][entity] = (baseline, target)
    return dict(found)


def reporting_spans(session: Session) -> dict[str, Span]:
    """Entity code -> the quarters it reports (kpis.expected), for every entity."""
    rows = session.execute(
        select(Entity.code, Entity.first_period, Entity.deactivated_from, Entity.active)
    )
    return {code: Span.of(first, until, active) for code, first, until, active in rows}


def latest_approved_quarter(session: Session) -> str | None:
    return session.scalar(
        select(Period.code)
        .join(Submission, Submission.period_id == Period.id)
        .where(Submission.status == "approved", Period.quarter.is_not(None))
        .order_by(Period.end_date.desc())
        .limit(1)
    )


def reported_quarters(session: Session) -> list[str]:
    """Quarters with any submission, newest first: the choices for "as of"."""
    return list(
        session.scalars(
            select(Period.code)
            .where(
                Period.quarter.is_not(None),
                Period.id.in_(select(Submission.period_id).where(Submission.status != "rejected")),
            )
            .order_by(Period.end_date.desc())
        )
    )


def last_quarter(session: Session, before: date) -> str | None:
    """The programme's latest quarter that ended before `before` (else its first): what pages show
    before anything is reported."""
    quarters = select(Period.code).where(Period.quarter.is_not(None))
    return session.scalar(
        quarters.where(Period.end_date < before).order_by(Period.end_date.desc()).limit(1)
    ) or session.scalar(quarters.order_by(Period.end_date).limit(1))


@dataclass(frozen=True)
class CycleRow:
    code: str
    name_en: str
    name_ar: str
    baseline_year: int
    start_year: int
    target_year: int


def current_cycle(session: Session) -> CycleRow | None:
    """The programme cycle in force: the one that started last."""
    newest = select(ProgrammeCycle).order_by(ProgrammeCycle.start_year.desc()).limit(1)
    row = session.scalar(newest)
    if row is None:
        return None
    return CycleRow(
        row.code, row.name_en, row.name_ar, row.baseline_year, row.start_year, row.target_year
    )


@dataclass(frozen=True)
class NamedRow:
    code: str
    name_en: str
    name_ar: str


def entities(session: Session, *, deactivated: bool = False) -> list[NamedRow]:
    """The active entities, in code order; with `deactivated`, the switched-off ones too (for
    the quarters they reported in)."""
    query = select(Entity.code, Entity.name_en, Entity.name_ar).order_by(Entity.code)
    rows = session.execute(query if deactivated else query.where(Entity.active))
    return [NamedRow(*r) for r in rows]


def tracks(session: Session, cycle: str | None = None) -> list[NamedRow]:
    query = select(Track.code, Track.name_en, Track.name_ar).order_by(Track.position)
    if cycle is not None:
        query = query.join(ProgrammeCycle, Track.cycle_id == ProgrammeCycle.id).where(
            ProgrammeCycle.code == cycle
        )
    rows = session.execute(query)
    return [NamedRow(*r) for r in rows]


@dataclass(frozen=True)
class InitiativeRow:
    code: str
    name_en: str
    name_ar: str
    lead: str
    due: str


def initiatives(session: Session, track: str) -> list[InitiativeRow]:
    lead = aliased(Entity)
    rows = session.execute(
        select(Initiative.code, Initiative.name_en, Initiative.name_ar, lead.code, Initiative.due)
        .join(Track, Initiative.track_id == Track.id)
        .outerjoin(lead, Initiative.lead_entity_id == lead.id)
        .where(Track.code == track)
        .order_by(Initiative.code)
    )
    return [InitiativeRow(c, en, ar, le or "", due or "") for c, en, ar, le, due in rows]


@dataclass(frozen=True)
class IndexRow:
    code: str
    name_en: str
    name_ar: str
    measure: str
    value: float
    year: int
    direction: str


def international(session: Session) -> list[IndexRow]:
    rows = session.execute(
        select(
            InternationalIndicator.code,
            InternationalIndicator.name_en,
            InternationalIndicator.name_ar,
            InternationalIndicator.measure,
            InternationalIndicator.value,
            InternationalIndicator.year,
            InternationalIndicator.direction,
        ).order_by(InternationalIndicator.id)
    )
    return [IndexRow(*r) for r in rows]


@dataclass(frozen=True)
class Lineage:
    """One submission of an entity: the file, who uploaded and reviewed it, and when."""

    id: int
    period: str
    revision: int
    status: str
    is_current: bool
    file_name: str
    uploaded_by: str
    uploaded_at: datetime | None
    reviewed_by: str
    reviewed_at: datetime | None
    reason: str
    uploaded_by_office: bool = False  # the office uploaded for the entity


def lineage(session: Session, entity: str, *, approved_only: bool) -> list[Lineage]:
    uploader, reviewer = aliased(User), aliased(User)
    query = (
        select(Submission, Period.code, uploader.email, reviewer.email, uploader.role)
        .join(Entity, Submission.entity_id == Entity.id)
        .join(Period, Submission.period_id == Period.id)
        .outerjoin(uploader, Submission.uploaded_by_id == uploader.id)
        .outerjoin(reviewer, Submission.reviewed_by_id == reviewer.id)
        .where(Entity.code == entity)
        .order_by(Period.end_date.desc(), Submission.revision.desc())
    )
    if approved_only:
        query = query.where(Submission.status == "approved")
    return [
        Lineage(
            s.id,
            p,
            s.revision,
            s.status,
            s.is_current,
            s.file_name,
            up or ("demo" if s.is_demo else ""),
            s.uploaded_at,
            rev or "",
            s.reviewed_at,
            s.review_reason,
            role in ("admin", "supervisor"),
        )
        for s, p, up, rev, role in session.execute(query)
    ]


@dataclass(frozen=True)
class Received:
    """An entity's quarter as received: the current submission and when it first came."""

    entity: str
    period: str
    status: str
    first_received: datetime | None
    figures: int


def received(session: Session, periods: Collection[str] | None = None) -> list[Received]:
    """Per entity and quarter (of `periods`, codes, when given), the current (or last)
    non-refused submission's status, the time of the first non-refused upload, and how many
    figures the current one holds (counted for the current submissions only, from the index
    on observations' submission: not a count of every observation)."""
    first = (
        select(
            Submission.entity_id,
            Submission.period_id,
            func.min(Submission.submitted_at).label("first"),
        )
        .where(Submission.status != "rejected")
        .group_by(Submission.entity_id, Submission.period_id)
    )
    current = Submission.is_current & (Submission.status != "rejected")
    if periods is not None:
        chosen = select(Period.id).where(Period.code.in_(sorted(periods)))
        first = first.where(Submission.period_id.in_(chosen))
        current = current & Submission.period_id.in_(chosen)
    first = first.subquery()
    counted = (
        select(func.count())
        .where(Observation.submission_id == Submission.id)
        .correlate(Submission)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Entity.code, Period.code, Submission.status, first.c.first, counted)
        .join(Entity, Submission.entity_id == Entity.id)
        .join(Period, Submission.period_id == Period.id)
        .join(
            first,
            (first.c.entity_id == Submission.entity_id)
            & (first.c.period_id == Submission.period_id),
        )
        .where(current)
    )
    return [Received(e, p, s, f, n or 0) for e, p, s, f, n in rows]
