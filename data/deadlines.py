"""Each quarter's deadline as the store holds it: the office's override (`Period.deadline`) fed
to the one rule, `kpis.completeness.deadline`. Every page, count and reminder asks here."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Period
from kpis.completeness import deadline
from kpis.periods import PeriodCode


def overrides(session: Session) -> dict[str, date]:
    """Quarter code -> the deadline the office set for it (absent: the default rule)."""
    rows = session.execute(select(Period.code, Period.deadline).where(Period.deadline.is_not(None)))
    return {code: day for code, day in rows}


def quarter_deadline(session: Session, quarter: PeriodCode) -> date:
    """The deadline of one quarter."""
    override = session.scalar(select(Period.deadline).where(Period.code == quarter.code))
    return deadline(quarter.end, override)


def deadlines_of(session: Session, quarters: list[PeriodCode]) -> dict[str, date]:
    """Quarter code -> deadline, for many quarters with one query."""
    set_by_office = overrides(session)
    return {q.code: deadline(q.end, set_by_office.get(q.code)) for q in quarters}
