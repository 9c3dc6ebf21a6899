"""Read-side queries for initiatives and the procedures plan: plain rows only; which report counts
and what it means are services.initiatives' and kpis/'s."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data.analytics import shown_submissions
from data.models import (
    Entity,
    Initiative,
    InitiativeReport,
    Kpi,
    Period,
    ProceduresPlan,
    ProgrammeCycle,
    Submission,
    Track,
)
from kpis.periods import PeriodCode, parse_period


@dataclass(frozen=True)
class InitiativeRef:
    """An initiative of the catalogue: its track, lead (entity code, "" where none) and dates."""

    code: str
    track: str
    name_en: str
    name_ar: str
    lead: str
    start: str
    due: str


def initiatives_of(session: Session, cycle: str | None) -> list[InitiativeRef]:
    """The initiatives of `cycle` (every cycle: None), by track then code."""
    lead = aliased(Entity)
    query = (
        select(
            Initiative.code,
            Track.code,
            Initiative.name_en,
            Initiative.name_ar,
            lead.code,
            Initiative.start,
            Initiative.due,
        )
        .join(Track, Initiative.track_id == Track.id)
        .join(ProgrammeCycle, Initiative.cycle_id == ProgrammeCycle.id)
        .outerjoin(lead, Initiative.lead_entity_id == lead.id)
        .order_by(Track.position, Track.code, Initiative.code)
    )
    if cycle is not None:
        query = query.where(ProgrammeCycle.code == cycle)
    return [
        InitiativeRef(code, track, en, ar, lead_code or "", start or "", due or "")
        for code, track, en, ar, lead_code, start, due in session.execute(query)
    ]


@dataclass(frozen=True)
class ReportRow:
    """One initiative report as stored, with its submission's id and status."""

    initiative: str
    entity: str  # the entity whose submission carried it
    period: PeriodCode
    status: str
    percent_complete: float
    next_milestone: str
    milestone_due: str
    note: str
    submission_id: int
    approved: bool


def initiative_reports(
    session: Session,
    cycle: str | None,
    *,
    include_unapproved: bool,
    entity: str | None = None,
    up_to: PeriodCode | None = None,
) -> list[ReportRow]:
    """The reports of `cycle`'s initiatives in the submissions a page shows
    (data.analytics.shown_submissions), of `entity`'s submissions only when given, for quarters
    ending by `up_to`; oldest submission first, so that a later one overrides."""
    reporter = aliased(Entity)
    query = (
        select(
            Initiative.code,
            reporter.code,
            Period.code,
            InitiativeReport.status,
            InitiativeReport.percent_complete,
            InitiativeReport.next_milestone,
            InitiativeReport.milestone_due,
            InitiativeReport.note,
            Submission.id,
            Submission.status == "approved",
        )
        .join(Initiative, InitiativeReport.initiative_id == Initiative.id)
        .join(Submission, InitiativeReport.submission_id == Submission.id)
        .join(reporter, Submission.entity_id == reporter.id)
        .join(Period, InitiativeReport.period_id == Period.id)
        .where(shown_submissions(include_unapproved))
        .order_by(Submission.id)
    )
    if cycle is not None:
        query = query.join(ProgrammeCycle, Initiative.cycle_id == ProgrammeCycle.id).where(
            ProgrammeCycle.code == cycle
        )
    if entity is not None:
        query = query.where(reporter.code == entity)
    if up_to is not None:
        query = query.where(Period.end_date <= up_to.end)
    return [
        ReportRow(
            row[0],
            row[1],
            parse_period(row[2]),
            row[3],
            row[4],
            row[5] or "",
            row[6] or "",
            row[7] or "",
            row[8],
            bool(row[9]),
        )
        for row in session.execute(query)
    ]


@dataclass(frozen=True)
class PlanRow:
    year: int
    procedures: int
    kpi: str  # the KPI whose numerator counts procedures simplified (T1.1)


def procedures_plan(session: Session, cycle: str | None) -> list[PlanRow]:
    """The yearly procedures plan of `cycle`, by year."""
    query = (
        select(ProceduresPlan.year, ProceduresPlan.procedures, Kpi.code)
        .join(Kpi, ProceduresPlan.kpi_id == Kpi.id)
        .join(ProgrammeCycle, ProceduresPlan.cycle_id == ProgrammeCycle.id)
        .order_by(ProceduresPlan.year)
    )
    if cycle is not None:
        query = query.where(ProgrammeCycle.code == cycle)
    return [PlanRow(*row) for row in session.execute(query)]
