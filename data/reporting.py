"""What an entity reports beside its KPIs, each quarter (issue 16, docs/programme.md): the
initiatives it leads and the budget lines it answers for. The one place these rules are written;
the template, the validator, the demo and the pages ask here.

- An initiative is reported by its lead entity in every quarter of its cycle from its start on
  (also once completed: the report says so).
- A budget line is reported by the entity it is allocated to, or by the lead of the initiative it
  is allocated to, in each quarter of the line's year. A line allocated to a whole track has no
  reporter: the office keeps it as the track's reserve, and spending is reported on initiative and
  entity lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, aliased

from data.cycles import cycle_code_of
from data.models import BudgetLine, Entity, Initiative, ProgrammeCycle, Track
from kpis.periods import parse_period


@dataclass(frozen=True)
class InitiativeDue:
    code: str
    track: str
    name_en: str
    name_ar: str
    start: str
    due: str


@dataclass(frozen=True)
class LineDue:
    code: str
    track: str
    year: int
    allocated_baisa: int
    initiative: str | None  # the initiative's code, for a line allocated to one
    entity: str | None  # the entity's code, for a line allocated to one
    name_en: str  # what the line is for: the initiative's or the entity's name, or the track's
    name_ar: str


def reporter_id():
    """The entity that reports a budget line's spending, as a column expression over
    BudgetLine joined (outer) to its Initiative: its own entity, else its initiative's lead."""
    return func.coalesce(BudgetLine.entity_id, Initiative.lead_entity_id)


def initiatives_due(session: Session, entity_code: str, period: str) -> list[InitiativeDue]:
    """The initiatives `entity_code` leads that are reported for the quarter `period`."""
    return initiatives_led(session, period).get(entity_code, [])


_LED = (
    select(
        Entity.code,
        Initiative.code,
        Track.code,
        Initiative.name_en,
        Initiative.name_ar,
        Initiative.start,
        Initiative.due,
    )
    .join(Track, Initiative.track_id == Track.id)
    .join(Entity, Initiative.lead_entity_id == Entity.id)
    .join(ProgrammeCycle, Initiative.cycle_id == ProgrammeCycle.id)
    .where(ProgrammeCycle.code == bindparam("cycle"))
    .order_by(Initiative.code)
)


def initiatives_led(session: Session, period: str) -> dict[str, list[InitiativeDue]]:
    """By lead entity's code, the initiatives reported for the quarter `period`: every entity's
    in one query (a batch of uploads asks for all of them)."""
    rows = session.execute(_LED, {"cycle": cycle_code_of(session, period)}).all()
    quarter = parse_period(period)
    found: dict[str, list[InitiativeDue]] = {}
    for lead, *row in rows:
        due = InitiativeDue(*row)
        if not due.start or parse_period(due.start).end <= quarter.end:
            found.setdefault(lead, []).append(due)
    return found


def lines_due(session: Session, entity_code: str, period: str) -> list[LineDue]:
    """The budget lines `entity_code` reports for the quarter `period` (lines of its year)."""
    return lines_reported(session, period).get(entity_code, [])


def lines_reported(session: Session, period: str) -> dict[str, list[LineDue]]:
    """By reporting entity's code, the budget lines reported for the quarter `period`: every
    entity's in one query."""
    cycle = cycle_code_of(session, period)
    found: dict[str, list[LineDue]] = {}
    for line in budget_lines(session, cycle, year=parse_period(period).year):
        if line.reporter is not None:
            found.setdefault(line.reporter, []).append(line)
    return found


@dataclass(frozen=True)
class LineRow(LineDue):
    reporter: str | None = None  # the entity that reports its spending (None: a track's reserve)


def budget_lines(session: Session, cycle: str | None, *, year: int | None = None) -> list[LineRow]:
    """Every budget line of `cycle` (of `year`, when given) with what it is for and who reports
    it, ordered by track, year and code."""
    params = {"cycle": cycle, "year": year}
    query = _lines_query(cycle is not None, year is not None)
    given = {name: value for name, value in params.items() if value is not None}
    return [LineRow(*row) for row in session.execute(query, given)]


@cache
def _lines_query(of_cycle: bool, of_year: bool):
    """`budget_lines`' statement, built once (its aliases cost more to build than to run)."""
    own = aliased(Entity)
    reporter = aliased(Entity)
    query = (
        select(
            BudgetLine.code,
            Track.code,
            BudgetLine.year,
            BudgetLine.allocated_baisa,
            Initiative.code,
            own.code,
            func.coalesce(Initiative.name_en, own.name_en, Track.name_en),
            func.coalesce(Initiative.name_ar, own.name_ar, Track.name_ar),
            reporter.code,
        )
        .join(Track, BudgetLine.track_id == Track.id)
        .join(ProgrammeCycle, BudgetLine.cycle_id == ProgrammeCycle.id)
        .outerjoin(Initiative, BudgetLine.initiative_id == Initiative.id)
        .outerjoin(own, BudgetLine.entity_id == own.id)
        .outerjoin(reporter, reporter.id == reporter_id())
        .order_by(Track.position, Track.code, BudgetLine.year, BudgetLine.code)
    )
    if of_cycle:
        query = query.where(ProgrammeCycle.code == bindparam("cycle"))
    if of_year:
        query = query.where(BudgetLine.year == bindparam("year"))
    return query
