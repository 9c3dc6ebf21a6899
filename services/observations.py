"""Figures as rows, as an actor may see them: the official figure of each (entity, KPI, period)
(from the latest approved submission) and, for those who see figures not yet approved, the figure
of a newer current submission awaiting review or returned, each row saying which it is.

The API's `/api/v1/observations` and any export draw from here; access is decided by
`services.actors` only."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.models import Entity, Kpi, Observation, Period, Submission
from kpis.periods import PeriodCode, parse_period
from kpis.revisions import PENDING  # a current revision newer than the official figure
from services.actors import Action, Actor, Status, entity_scope, require, sees_unapproved

APPROVED = "approved"
ALL = "all"
FIELDS = (
    "entity",
    "kpi",
    "period",
    "value",
    "numerator",
    "denominator",
    "status",
    "revision",
    "approved_at",
)


class QueryProblem(ValueError):
    """A parameter the service cannot use: `code` names the problem, `params` say where (the
    adapter words it in the user's language). `status` is the HTTP status an adapter answers."""

    status = 400

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(f"{code}: {params}")
        self.code = code
        self.params = params


class NotFound(QueryProblem):
    status = 404


@dataclass(frozen=True)
class ObservationQuery:
    """What `/api/v1/observations` asks for, parsed and checked (see `parse_query`)."""

    entity: str | None = None
    kpi: str | None = None
    start: PeriodCode | None = None
    end: PeriodCode | None = None
    status: str = APPROVED
    updated_after: datetime | None = None


@dataclass(frozen=True)
class ObservationRow:
    entity: str
    kpi: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    status: str
    revision: int
    approved_at: datetime | None
    updated_at: datetime | None = None  # for `updated_after`; not part of the published row

    def public(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS}


def parse_query(
    *,
    entity: str | None = None,
    kpi: str | None = None,
    start_period: str | None = None,
    end_period: str | None = None,
    status: str | None = None,
    updated_after: str | None = None,
) -> ObservationQuery:
    """Check the parameters as given (strings): a bad one raises `QueryProblem` naming it."""
    status = (status or APPROVED).strip().lower()
    if status not in (APPROVED, ALL):
        raise QueryProblem("bad_status", field="status", value=status[:40])
    start = _period(start_period, "startPeriod")
    end = _period(end_period, "endPeriod")
    if start and end and start.end > end.end:
        raise QueryProblem("bad_range", start=start.code, end=end.code)
    return ObservationQuery(
        _code(entity), _code(kpi), start, end, status, _moment(updated_after, "updatedAfter")
    )


def observations(session: Session, actor: Actor, query: ObservationQuery) -> list[ObservationRow]:
    """The rows `actor` may see. `status=all` is refused (`Denied`) to an actor who sees no
    unapproved figures, or who asks for another entity's; an unknown entity or KPI is `NotFound`."""
    require(actor, Action.VIEW_PROGRAMME)
    # per-entity figures as on the pages: an entity team its own entity's only
    query = replace(query, entity=entity_scope(actor, query.entity, Action.VIEW_ENTITY_FIGURES))
    if query.status == ALL:
        require(actor, Action.VIEW_UNAPPROVED, query.entity)
    _check_known(session, query)
    statuses = [Status.APPROVED, *PENDING] if query.status == ALL else [Status.APPROVED]
    rows = _read(session, query, statuses)
    shown = _official_and_pending(rows, include_pending=query.status == ALL)
    return [
        row
        for row in shown
        if (row.status == Status.APPROVED or sees_unapproved(actor, row.entity))
        and (
            query.updated_after is None or (row.updated_at and row.updated_at > query.updated_after)
        )
    ]


def _read(session: Session, query: ObservationQuery, statuses) -> list[tuple]:
    updated = func.coalesce(Submission.reviewed_at, Submission.submitted_at, Submission.uploaded_at)
    stmt = (
        select(
            Entity.code,
            Kpi.code,
            Period.code,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Submission.status,
            Submission.revision,
            Submission.reviewed_at,
            updated,
            Submission.id,
            Submission.is_current,
            Period.end_date,
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Entity, Observation.entity_id == Entity.id)
        .join(Kpi, Observation.kpi_id == Kpi.id)
        .join(Period, Observation.period_id == Period.id)
        .where(Entity.active, Submission.status.in_([str(s) for s in statuses]))
    )
    if query.entity:
        stmt = stmt.where(Entity.code == query.entity)
    if query.kpi:
        stmt = stmt.where(Kpi.code == query.kpi)
    if query.start:
        stmt = stmt.where(Period.end_date >= query.start.start)
    if query.end:
        stmt = stmt.where(Period.end_date <= query.end.end)
    return list(session.execute(stmt.order_by(Submission.id)))


def _official_and_pending(rows: list[tuple], *, include_pending: bool) -> list[ObservationRow]:
    """Per (entity, KPI, period) the latest approved row and, when asked, the current submission's
    row where it is newer and not approved. `rows` come in submission order."""
    official: dict[tuple, tuple] = {}
    pending: dict[tuple, tuple] = {}
    for row in rows:
        key, status, is_current = row[0:3], row[6], row[11]
        if status == Status.APPROVED:
            official[key] = row
            pending.pop(key, None)  # an approval after it supersedes it
        elif include_pending and is_current:
            pending[key] = row
    chosen = list(official.values()) + list(pending.values())
    chosen.sort(key=lambda r: (r[0], r[1], r[12], r[7]))
    return [_row(r) for r in chosen]


def _row(r: tuple) -> ObservationRow:
    approved_at = r[8] if r[6] == Status.APPROVED else None
    return ObservationRow(r[0], r[1], r[2], r[3], r[4], r[5], str(r[6]), r[7], approved_at, r[9])


def _check_known(session: Session, query: ObservationQuery) -> None:
    if (
        query.entity
        and session.scalar(select(Entity.id).where(Entity.code == query.entity)) is None
    ):
        raise NotFound("unknown_entity", field="entity", value=query.entity[:40])
    if query.kpi and session.scalar(select(Kpi.id).where(Kpi.code == query.kpi)) is None:
        raise NotFound("unknown_kpi", field="kpi", value=query.kpi[:40])


def _code(text: str | None) -> str | None:
    return text.strip().upper() if text and text.strip() else None


def _period(text: str | None, field: str) -> PeriodCode | None:
    if not text or not text.strip():
        return None
    try:
        return parse_period(text)
    except ValueError:
        raise QueryProblem("bad_period", field=field, value=text.strip()[:20]) from None


def _moment(text: str | None, field: str) -> datetime | None:
    """An ISO 8601 date or date and time; times with an offset are turned to UTC (the store
    keeps UTC without an offset)."""
    if not text or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise QueryProblem("bad_moment", field=field, value=text.strip()[:40]) from None
    if moment.tzinfo is not None:
        try:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the first UTC moment
            raise QueryProblem("bad_moment", field=field, value=text.strip()[:40]) from None
    return moment
