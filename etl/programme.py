"""What an entity's Initiatives and Budget sheets are checked against for a quarter (issue 16):
the initiatives it leads and the budget lines it reports (data.reporting, the one rule), each
with its last shown report, for the template's reference columns and the validator's warnings."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from data.analytics import shown_submissions
from data.cycles import coded_ids, cycle_code_of
from data.models import (
    BudgetLine,
    BudgetReport,
    Entity,
    Initiative,
    InitiativeReport,
    Period,
    Submission,
)
from data.reporting import InitiativeDue, LineDue, initiatives_led, lines_reported
from kpis.periods import PeriodCode, parse_period


@dataclass(frozen=True)
class InitiativeExpected:
    due: InitiativeDue
    previous_status: str | None = None  # the last shown report before the quarter
    previous_percent: float | None = None
    previous_period: str | None = None


@dataclass(frozen=True)
class LineExpected:
    due: LineDue
    previous_committed: int | None = None  # baisa, at the previous quarter of the same year
    previous_spent: int | None = None


@dataclass(frozen=True)
class ProgrammeExpectation:
    """The programme rows an entity reports for `period`, by code; `other_initiatives` and
    `other_lines`: codes of the cycle it does not report (to say so rather than `unknown`)."""

    period: str
    initiatives: dict[str, InitiativeExpected] = field(default_factory=dict)
    lines: dict[str, LineExpected] = field(default_factory=dict)
    other_initiatives: frozenset[str] = frozenset()
    other_lines: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.initiatives and not self.lines


def programme_expectation(session: Session, entity_code: str, period: str) -> ProgrammeExpectation:
    quarter = parse_period(period)
    due = _due(session, quarter)
    leads = due.initiatives.get(entity_code, [])
    lines = due.lines.get(entity_code, [])
    previous = _last_initiative_reports(session, entity_code, quarter, [i.code for i in leads])
    codes = [line.code for line in lines]
    before = _previous_quarter_spending(session, entity_code, quarter, codes)
    return ProgrammeExpectation(
        quarter.code,
        {i.code: InitiativeExpected(i, *previous.get(i.code, (None, None, None))) for i in leads},
        {line.code: LineExpected(line, *before.get(line.code, (None, None))) for line in lines},
        due.initiative_codes - {i.code for i in leads},
        due.line_codes - {line.code for line in lines},
    )


@dataclass(frozen=True)
class _Due:
    """A quarter's initiatives and budget lines due, by entity, and every code of its cycle."""

    initiatives: dict[str, list[InitiativeDue]]
    lines: dict[str, list[LineDue]]
    initiative_codes: frozenset[str]
    line_codes: frozenset[str]


def _due(session: Session, quarter: PeriodCode) -> _Due:
    """What every entity reports for `quarter`, read once per session like the catalogue
    (etl.due): a batch of a quarter's uploads asks it for each file."""
    key = f"programme_due:{quarter.code}"
    if key not in session.info:
        cycle = cycle_code_of(session, quarter)
        session.info[key] = _Due(
            initiatives_led(session, quarter.code),
            lines_reported(session, quarter.code),
            frozenset(coded_ids(session, Initiative, cycle)),
            frozenset(coded_ids(session, BudgetLine, cycle)),
        )
    return session.info[key]


# the two reads made for each file (the rest is read once per batch, `_due`), built once
_INITIATIVE_REPORTS = (
    select(Initiative.code, Period.code, InitiativeReport.status, InitiativeReport.percent_complete)
    .join(Initiative, InitiativeReport.initiative_id == Initiative.id)
    .join(Period, InitiativeReport.period_id == Period.id)
    .join(Submission, InitiativeReport.submission_id == Submission.id)
    .join(Entity, Submission.entity_id == Entity.id)
    .where(
        shown_submissions(include_unapproved=True),
        Entity.code == bindparam("entity"),
        Initiative.code.in_(bindparam("codes", expanding=True)),
    )
    .order_by(Submission.id)
)
_LINE_SPENDING = (
    select(BudgetLine.code, BudgetReport.committed_baisa, BudgetReport.spent_baisa)
    .join(BudgetLine, BudgetReport.budget_line_id == BudgetLine.id)
    .join(Period, BudgetReport.period_id == Period.id)
    .join(Submission, BudgetReport.submission_id == Submission.id)
    .join(Entity, Submission.entity_id == Entity.id)
    .where(
        shown_submissions(include_unapproved=True),
        Entity.code == bindparam("entity"),
        Period.code == bindparam("period"),
        BudgetLine.code.in_(bindparam("codes", expanding=True)),
    )
    .order_by(Submission.id)
)


def _last_initiative_reports(
    session: Session, entity_code: str, quarter: PeriodCode, codes: list[str]
) -> dict[str, tuple[str, float, str]]:
    """Per initiative, the status and percent of the latest report shown to its lead entity (its
    own reports in every status: approved, or current and awaiting review) of a quarter before
    `quarter`; per quarter the highest submission id wins (data.analytics.shown_submissions)."""
    if not codes:
        return {}
    params = {"entity": entity_code, "codes": codes}
    rows = session.connection().execute(_INITIATIVE_REPORTS, params).all()
    found: dict[str, tuple[str, float, str]] = {}
    for code, period, status, percent in rows:
        try:
            when = parse_period(period)
        except ValueError:
            continue
        if when.quarter is None or when >= quarter:
            continue
        if code not in found or parse_period(found[code][2]) <= when:
            found[code] = (status, percent, period)
    return found


def _previous_quarter_spending(
    session: Session, entity_code: str, quarter: PeriodCode, codes: list[str]
) -> dict[str, tuple[int, int]]:
    """Per line, committed and spent shown at the quarter before `quarter` in the same year
    (nothing in a first quarter: the figures are to date within the year)."""
    if not codes or quarter.quarter in (None, 1):
        return {}
    previous = PeriodCode(quarter.year, quarter.quarter - 1).code
    params = {"entity": entity_code, "period": previous, "codes": codes}
    rows = session.connection().execute(_LINE_SPENDING, params).all()
    return {code: (committed, spent) for code, committed, spent in rows}  # the latest id wins


@dataclass(frozen=True)
class InitiativeShown:
    """An initiative row of one submission, as the reviewer reads it."""

    code: str
    name_en: str
    name_ar: str
    period: str
    status: str
    percent_complete: float
    next_milestone: str
    milestone_due: str
    note: str


@dataclass(frozen=True)
class BudgetShown:
    """A budget row of one submission, amounts in baisa."""

    code: str
    name_en: str
    name_ar: str
    year: int
    period: str
    allocated_baisa: int
    committed_baisa: int
    spent_baisa: int
    note: str


def submission_programme(
    session: Session, submission_id: int
) -> tuple[list[InitiativeShown], list[BudgetShown]]:
    """The Initiatives and Budget rows a submission carries, by code."""
    initiatives = session.execute(
        select(
            Initiative.code,
            Initiative.name_en,
            Initiative.name_ar,
            Period.code,
            InitiativeReport.status,
            InitiativeReport.percent_complete,
            InitiativeReport.next_milestone,
            InitiativeReport.milestone_due,
            InitiativeReport.note,
        )
        .join(Initiative, InitiativeReport.initiative_id == Initiative.id)
        .join(Period, InitiativeReport.period_id == Period.id)
        .where(InitiativeReport.submission_id == submission_id)
        .order_by(Initiative.code)
    ).all()
    lines = {line.code: line for line in _lines_of(session, submission_id)}
    budget = session.execute(
        select(
            BudgetLine.code,
            BudgetLine.year,
            Period.code,
            BudgetLine.allocated_baisa,
            BudgetReport.committed_baisa,
            BudgetReport.spent_baisa,
            BudgetReport.note,
        )
        .join(BudgetLine, BudgetReport.budget_line_id == BudgetLine.id)
        .join(Period, BudgetReport.period_id == Period.id)
        .where(BudgetReport.submission_id == submission_id)
        .order_by(BudgetLine.code)
    ).all()
    return (
        [InitiativeShown(*row) for row in initiatives],
        [
            BudgetShown(
                code,
                *_line_names(lines.get(code)),
                year,
                period,
                allocated,
                committed,
                spent,
                note,
            )
            for code, year, period, allocated, committed, spent, note in budget
        ],
    )


def _lines_of(session: Session, submission_id: int):
    """What each budget line of the submission's cycle is for (data.reporting.budget_lines)."""
    from data.reporting import budget_lines

    period = session.scalar(
        select(Period.code)
        .join(Submission, Submission.period_id == Period.id)
        .where(Submission.id == submission_id)
    )
    return budget_lines(session, cycle_code_of(session, period)) if period else []


def _line_names(line) -> tuple[str, str]:
    return (line.name_en, line.name_ar) if line is not None else ("", "")


def current_programme(
    session: Session, entity_code: str, period: str
) -> tuple[list[InitiativeShown], list[BudgetShown]]:
    """The Initiatives and Budget rows of an entity's current submission for `period` (none
    when it has none)."""
    found = session.scalar(
        select(Submission.id)
        .join(Entity, Submission.entity_id == Entity.id)
        .join(Period, Submission.period_id == Period.id)
        .where(Entity.code == entity_code, Period.code == period, Submission.is_current)
    )
    return submission_programme(session, found) if found is not None else ([], [])
