"""An initiative's standing at a quarter (docs/programme.md, "Initiatives"): the status its lead
reported, the schedule it is held to (a straight line from its start quarter, 0%, to its due
quarter, 100%) and whether it is overdue. Pure: the store's reports are handed in.

The statuses are written here once; data.models checks stored reports against
`REPORTED_STATUSES`, and kpis.words gives each status its word and icon."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from kpis.periods import PeriodCode, parse_period

NOT_STARTED = "not_started"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
DELAYED = "delayed"
COMPLETED = "completed"
NOT_REPORTED = "not_reported"  # no report for the as-of quarter (the last one is shown apart)
# what a lead may report (the Initiatives sheet's choices), in the order of a quarter's life
REPORTED_STATUSES = (NOT_STARTED, ON_TRACK, AT_RISK, DELAYED, COMPLETED)
# every status a page shows, worst first: a headline sorts its problems first
STATUSES = (DELAYED, AT_RISK, NOT_REPORTED, NOT_STARTED, ON_TRACK, COMPLETED)


def quarter_index(period: PeriodCode) -> int:
    """Quarters counted on one line (2021-Q1 is one after 2020-Q4); a year counts as its Q4."""
    return period.year * 4 + (period.quarter or 4) - 1


def planned_percent(start: str, due: str, at: PeriodCode) -> float:
    """The share of the work planned done by the end of quarter `at`: 0 before the start quarter,
    a straight line over the quarters from `start` to `due` (so the start quarter's end is 1/n of
    the way for n quarters), 100 from the due quarter's end on. A due before the start counts as
    due in the start quarter."""
    first = quarter_index(parse_period(start))
    last = max(quarter_index(parse_period(due)), first)
    now = quarter_index(at)
    if now < first:
        return 0.0
    if now >= last:
        return 100.0
    return 100.0 * (now - first + 1) / (last - first + 1)


def status_at(
    at: PeriodCode, start: str, reported_period: PeriodCode | None, reported_status: str | None
) -> str:
    """The status shown for quarter `at`: what the lead reported for that quarter; "not reported"
    when its latest report is older (or there is none) once the initiative has begun; "not
    started" before its start quarter, when nothing is due from it yet."""
    if (
        reported_period is not None
        and reported_status
        and quarter_index(reported_period) == quarter_index(at)
    ):
        return reported_status
    if quarter_index(at) < quarter_index(parse_period(start)):
        return NOT_STARTED
    return NOT_REPORTED


def overdue(at: PeriodCode, due: str, latest_status: str | None) -> bool:
    """Past its due quarter at the end of `at` and not reported completed (its latest report up
    to `at`, whatever its quarter; never reported counts as not completed)."""
    return quarter_index(at) > quarter_index(parse_period(due)) and latest_status != COMPLETED


def count_statuses(statuses: Iterable[str]) -> dict[str, int]:
    """How many initiatives have each status, every status present (zero where none)."""
    counted = Counter(statuses)
    return {status: counted.get(status, 0) for status in STATUSES}
