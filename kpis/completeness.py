"""Completeness and timeliness of reporting: what was expected, received, on time, approved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kpis.revisions import Status

DEADLINE_DAYS = 30
APPROVED = Status.APPROVED
SUBMITTED = Status.SUBMITTED
RETURNED = Status.RETURNED
LATE = "late"
MISSING = "missing"
OPEN = "open"
NOT_EXPECTED = "not_expected"  # before the entity's first quarter or after it was deactivated


def deadline(period_end: date, override: date | None = None, days: int = DEADLINE_DAYS) -> date:
    """A quarter's deadline, the one rule every page, count and reminder uses: the office's
    override where it set one for the quarter (`Period.deadline`), else `days` after its end."""
    return override if override is not None else period_end + timedelta(days=days)


def on_time(received: datetime | date | None, due: date) -> bool:
    if received is None:
        return False
    day = received.date() if isinstance(received, datetime) else received
    return day <= due


def cell_state(status: str | None, received: datetime | None, due: date, today: date) -> str:
    """One entity's quarter: `approved`; `returned` (awaiting a corrected file); `late` (received
    after the deadline, awaiting review); `submitted`; `missing` (nothing by the deadline);
    `open` (nothing yet, the deadline still ahead)."""
    if status == APPROVED:
        return APPROVED
    if status == RETURNED:
        return RETURNED
    if status == SUBMITTED:
        return SUBMITTED if on_time(received, due) else LATE
    return MISSING if today > due else OPEN


@dataclass(frozen=True)
class Cell:
    """One entity's quarter: its state, KPIs due, KPI figures received, and whether on time."""

    state: str
    due: int
    received: int = 0
    timely: bool = False


@dataclass(frozen=True)
class Tally:
    """Expected = KPIs due in quarters whose deadline has passed (docs/numbers.md)."""

    expected: int
    received: int
    on_time: int
    approved: int

    @property
    def completeness(self) -> float | None:
        return self.received / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def approval(self) -> float | None:
        return self.approved / self.expected if self.expected else None


def tally(cells: list[Cell]) -> Tally:
    """Count KPI figures over cells; `open` quarters are not yet expected, and quarters an entity
    does not report (kpis.expected) never are."""
    counted = [c for c in cells if c.state not in (OPEN, NOT_EXPECTED)]
    return Tally(
        expected=sum(c.due for c in counted),
        received=sum(min(c.received, c.due) for c in counted if c.state != MISSING),
        on_time=sum(min(c.received, c.due) for c in counted if c.timely),
        approved=sum(min(c.received, c.due) for c in counted if c.state == APPROVED),
    )
