"""The office sets a quarter's deadline (or goes back to the default rule), with a reason; each
change is audited (`period.deadline`). Which deadline applies is data.deadlines' answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import record
from data.models import Period, User
from etl.parse import control_character
from kpis.completeness import deadline
from kpis.periods import parse_period
from services.actors import Action, Actor, require

# a deadline more than this after the quarter's end is taken for a typing slip (2205 for 2025)
LONGEST_DELAY = timedelta(days=366)


class DeadlineError(ValueError):
    """The change cannot be made; `code` names why (the page words it), `values` fill it in."""

    def __init__(self, code: str, **values) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class QuarterDeadline:
    """A quarter's deadline: `day` in force, `default` by the rule, `override` set by the
    office (None: the default applies) and why."""

    code: str
    end: date
    default: date
    override: date | None
    reason: str
    locked: bool

    @property
    def day(self) -> date:
        return deadline(self.end, self.override)


def quarter_deadlines(session: Session) -> list[QuarterDeadline]:
    """Every quarter, the newest first."""
    rows = session.scalars(
        select(Period).where(Period.quarter.is_not(None)).order_by(Period.end_date.desc())
    )
    return [
        QuarterDeadline(
            p.code, p.end_date, deadline(p.end_date), p.deadline, p.deadline_reason, p.locked
        )
        for p in rows
    ]


REASON_LIMIT = 2000  # as a restatement's


def _reason(reason: object) -> str:
    """The office's reason, one line of plain text (it goes into the audit trail and exports)."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise DeadlineError("no_reason")
    if len(text) > REASON_LIMIT or control_character(text, frozenset("\t")):
        raise DeadlineError("bad_reason", limit=str(REASON_LIMIT))
    return text


def set_deadline(
    session: Session, actor: Actor, code: str, day: date | None, reason: str
) -> QuarterDeadline:
    """Set quarter `code`'s deadline to `day` (None: back to the default rule), with `reason`."""
    require(actor, Action.MANAGE_DEADLINES)
    reason = _reason(reason)
    try:
        quarter = parse_period(code or "")
    except ValueError:
        raise DeadlineError("no_quarter", quarter=code) from None
    period = session.scalar(select(Period).where(Period.code == quarter.code))
    if period is None or period.quarter is None:
        raise DeadlineError("no_quarter", quarter=code)
    if period.locked:
        raise DeadlineError("locked", quarter=period.code)
    if day is not None and day <= period.end_date:
        raise DeadlineError("too_early", quarter=period.code, end=period.end_date.isoformat())
    if day is not None and day > period.end_date + LONGEST_DELAY:
        raise DeadlineError("too_late", quarter=period.code, end=period.end_date.isoformat())
    if day == period.deadline:
        raise DeadlineError("unchanged", quarter=period.code)
    before = deadline(period.end_date, period.deadline)
    record(
        session,
        "period.deadline",
        "period",
        period.code,
        user=session.get(User, actor.user_id),
        before={"deadline": before.isoformat(), "set": period.deadline is not None},
        after={"deadline": deadline(period.end_date, day).isoformat(), "set": day is not None},
        reason=reason,
    )
    period.deadline = day
    period.deadline_reason = reason if day is not None else ""
    session.flush()
    return QuarterDeadline(
        period.code,
        period.end_date,
        deadline(period.end_date),
        period.deadline,
        period.deadline_reason,
        period.locked,
    )
