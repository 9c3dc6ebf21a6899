"""The figures of one edition, read once and shared by the Excel pack and the open data package:
the approved figures as the committee sees them (`services.programme`, Role.COMMITTEE), the
entities' approved figures of the quarter with their comments, and the quarter's completeness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data import analytics as queries
from data.cache import ResultCache
from data.cycles import cycle_code_of
from data.db import Store
from data.deadlines import quarter_deadline
from data.models import Entity, Kpi, Observation, Period, Submission
from data.queries import kpi_specs
from kpis.analysis import Picture
from kpis.completeness import Cell, cell_state, on_time
from kpis.periods import PeriodCode, parse_period
from kpis.spec import KpiSpec
from reports.programme import WholeProgramme, whole_programme
from services import api_view
from services.actors import Actor, Role
from services.overview import due_count
from services.programme import Programme, programme, quarter_options, scope_for

COMMITTEE = Actor(Role.COMMITTEE)


class UnknownPeriod(LookupError):
    """No approved figures for this quarter (or not a quarter at all)."""


@dataclass(frozen=True)
class EntityFigure:
    """One entity's approved figure of the edition's quarter (or, in a fourth quarter, of its
    year for annual KPIs), with the comment it was given with."""

    entity: str
    kpi: str
    period: str
    value: float | None
    numerator: float | None
    denominator: float | None
    comment: str


@dataclass(frozen=True)
class Completeness:
    entity: str
    due: int
    received: int
    state: str
    on_time: bool
    approved: bool


@dataclass
class EditionFigures:
    period: PeriodCode
    prog: Programme
    picture: dict  # services.api_view.programme_picture, as the committee's API answers it
    entities: list[queries.NamedRow]
    tracks: list[queries.NamedRow]
    figures: list[EntityFigure]
    completeness: list[Completeness]
    whole: WholeProgramme | None = None  # initiatives, procedures, budget (reports.programme)

    @property
    def specs(self) -> list[KpiSpec]:
        return self.prog.specs

    def national(self, code: str) -> Picture:
        return self.prog.national[code]

    def in_edition(self, period: PeriodCode | None) -> bool:
        """Whether a figure of `period` belongs to this edition: the quarter itself, and in a
        fourth quarter the year (annual and biennial KPIs report it then)."""
        return period is not None and period.code in edition_periods(self.period)


def edition_periods(quarter: PeriodCode) -> tuple[str, ...]:
    return (quarter.code, str(quarter.year)) if quarter.quarter == 4 else (quarter.code,)


def approved_quarters(session: Session) -> list[str]:
    """Quarters with approved figures, newest first: those an edition can be made of."""
    return list(
        session.scalars(
            select(Period.code)
            .where(
                Period.quarter.is_not(None),
                Period.id.in_(select(Submission.period_id).where(Submission.status == "approved")),
            )
            .order_by(Period.end_date.desc())
        )
    )


def read_edition(store: Store, period: str) -> EditionFigures:
    """Everything an edition of `period` shows; `UnknownPeriod` when it has no approved figures."""
    try:
        quarter = parse_period(period)
    except ValueError:
        raise UnknownPeriod(period) from None
    with store.session() as db:
        if quarter.quarter is None or quarter.code not in approved_quarters(db):
            raise UnknownPeriod(period)
        choices = quarter_options(db)
        entities = queries.entities(db)
        tracks = queries.tracks(db, cycle_code_of(db, quarter))
        figures = entity_figures(db, quarter)
        completeness = quarter_completeness(db, quarter, entities)
    scope = scope_for(COMMITTEE, quarter.code, False, [quarter.code, *choices])
    prog = programme(store, ResultCache(1), scope)
    picture = api_view.programme_picture(prog, COMMITTEE)
    whole = whole_programme(store, prog)
    return EditionFigures(quarter, prog, picture, entities, tracks, figures, completeness, whole)


def entity_figures(session: Session, quarter: PeriodCode) -> list[EntityFigure]:
    """The official figure (latest approved submission) of each active entity, KPI and period of
    the edition, with its comment, in catalogue order."""
    observed = aliased(Period)
    rows = session.execute(
        select(
            Entity.code,
            Kpi.code,
            observed.code,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Observation.comment,
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Entity, Entity.id == Observation.entity_id)
        .join(Kpi, Kpi.id == Observation.kpi_id)
        .join(observed, observed.id == Observation.period_id)
        .where(
            Submission.status == "approved",
            Entity.active,
            Kpi.active,
            observed.code.in_(edition_periods(quarter)),
        )
        .order_by(Submission.id)
    )
    latest: dict[tuple[str, str, str], EntityFigure] = {}
    for entity, kpi, period, value, num, den, comment in rows:
        latest[(entity, kpi, period)] = EntityFigure(
            entity, kpi, period, value, num, den, comment or ""
        )
    order = {code: i for i, code in enumerate(session.scalars(select(Kpi.code).order_by(Kpi.id)))}
    return sorted(latest.values(), key=lambda f: (f.entity, order.get(f.kpi, 0), f.period))


def quarter_completeness(
    session: Session, quarter: PeriodCode, entities: list[queries.NamedRow]
) -> list[Completeness]:
    """Per entity: KPIs due in the quarter, figures received, the state of its submission as of
    the deadline's day after (so the same store always gives the same table)."""
    specs = kpi_specs(session, cycle_code_of(session, quarter))
    assigned = queries.assignments(session, cycle_code_of(session, quarter))
    received = {(r.entity, r.period): r for r in queries.received(session)}
    due_day = quarter_deadline(session, quarter)
    as_of = _day_after(due_day)
    result = []
    for entity in entities:
        due = due_count(entity.code, quarter, specs, assigned)  # none where not expected
        if not due:
            continue
        row = received.get((entity.code, quarter.code))
        first = row.first_received if row else None
        cell = Cell(
            cell_state(row.status if row else None, first, due_day, as_of),
            due,
            row.figures if row else 0,
            on_time(first, due_day),
        )
        result.append(
            Completeness(
                entity.code,
                cell.due,
                cell.received,
                cell.state,
                cell.timely,
                bool(row and row.status == "approved"),
            )
        )
    return result


def _day_after(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)
