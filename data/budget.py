"""Read-side queries for the budget (issue 16): the lines of a cycle and the committed and spent
reported on them, as the viewer may see them. Plain rows; the meaning is in kpis/budget.py and
the picture in services/budget.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.analytics import shown_submissions
from data.models import (
    BudgetLine,
    BudgetReport,
    Entity,
    Initiative,
    Period,
    ProgrammeCycle,
    Submission,
    Track,
)
from data.reporting import LineRow, budget_lines
from kpis.budget import Reported

__all__ = ["LineRow", "NamedCode", "budget_lines", "cycle_budget", "line_reports", "targets"]


@dataclass(frozen=True)
class ReportRow(Reported):
    line: str = ""
    entity: str = ""
    period: str = ""
    note: str = ""


def line_reports(
    session: Session, cycle: str, *, include_unapproved: bool, own_entity: str | None = None
) -> dict[str, list[ReportRow]]:
    """Line code -> the quarterly reports shown on it (data.analytics.shown_submissions: approved,
    and a current one awaiting review with `include_unapproved`; `own_entity`'s in every status
    the rule shows, everybody else's approved). Per (entity, quarter, line) the latest
    submission's report counts."""
    shown = shown_submissions(include_unapproved)
    if own_entity:
        own_id = select(Entity.id).where(Entity.code == own_entity).scalar_subquery()
        shown = shown | (shown_submissions(True) & (Submission.entity_id == own_id))
    query = (
        select(
            BudgetLine.code,
            Entity.code,
            Period.code,
            Period.year,
            Period.quarter,
            BudgetReport.committed_baisa,
            BudgetReport.spent_baisa,
            Submission.status == "approved",
            BudgetReport.note,
        )
        .join(BudgetLine, BudgetReport.budget_line_id == BudgetLine.id)
        .join(ProgrammeCycle, BudgetLine.cycle_id == ProgrammeCycle.id)
        .join(Submission, BudgetReport.submission_id == Submission.id)
        .join(Entity, Submission.entity_id == Entity.id)
        .join(Period, BudgetReport.period_id == Period.id)
        .where(ProgrammeCycle.code == cycle, shown, Period.quarter.is_not(None))
        .order_by(Submission.id)
    )
    latest: dict[tuple[str, str, str], ReportRow] = {}
    for line, entity, period, year, quarter, committed, spent, approved, note in session.execute(
        query
    ):
        latest[(entity, period, line)] = ReportRow(
            year, quarter, committed, spent, bool(approved), line, entity, period, note or ""
        )
    found: dict[str, list[ReportRow]] = defaultdict(list)
    for row in latest.values():
        found[row.line].append(row)
    return dict(found)


@dataclass(frozen=True)
class CycleBudget:
    code: str
    name_en: str
    name_ar: str
    start_year: int
    target_year: int
    budget_baisa: int | None


def cycle_budget(session: Session, cycle: str) -> CycleBudget | None:
    row = session.scalars(select(ProgrammeCycle).filter_by(code=cycle)).one_or_none()
    if row is None:
        return None
    return CycleBudget(
        row.code, row.name_en, row.name_ar, row.start_year, row.target_year, row.budget_baisa
    )


@dataclass(frozen=True)
class NamedCode:
    """A track, initiative or entity a line may be allocated to, with its names."""

    code: str
    name_en: str
    name_ar: str
    track: str = ""  # an initiative's track
    lead: str = ""  # an initiative's lead entity


def targets(session: Session, cycle: str) -> dict[str, list[NamedCode]]:
    """What lines of `cycle` may be allocated to: `tracks`, `initiatives` (with their track and
    lead) and active `entities`, each in the catalogue's order."""
    cycle_id = select(ProgrammeCycle.id).where(ProgrammeCycle.code == cycle).scalar_subquery()
    tracks = session.execute(
        select(Track.code, Track.name_en, Track.name_ar)
        .where(Track.cycle_id == cycle_id)
        .order_by(Track.position, Track.code)
    )
    initiatives = session.execute(
        select(Initiative.code, Initiative.name_en, Initiative.name_ar, Track.code, Entity.code)
        .join(Track, Initiative.track_id == Track.id)
        .outerjoin(Entity, Initiative.lead_entity_id == Entity.id)
        .where(Initiative.cycle_id == cycle_id)
        .order_by(Track.position, Initiative.code)
    )
    entities = session.execute(
        select(Entity.code, Entity.name_en, Entity.name_ar)
        .where(Entity.active)
        .order_by(Entity.code)
    )
    return {
        "tracks": [NamedCode(*row) for row in tracks],
        "initiatives": [NamedCode(c, en, ar, t, lead or "") for c, en, ar, t, lead in initiatives],
        "entities": [NamedCode(*row) for row in entities],
    }
