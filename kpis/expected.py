"""Whether an entity is expected to report in a period: the one rule every count of "expected",
"missing" and "overdue" asks (completeness, the overview's headline, coverage of national
figures, the overdue list, templates and uploads, the API).

An entity reports from its first quarter (`first`, added by the admin) up to, not including, the
quarter it was deactivated from (`until`). A year (an annual or biennial KPI's period) is reported
in its fourth quarter's template, so it is expected when that quarter is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kpis.periods import PeriodCode, parse_period

# Before every quarter: the `until` of an entity switched off with no quarter recorded.
NEVER = PeriodCode(1000, 1)


@dataclass(frozen=True)
class Span:
    """The quarters an entity reports: from `first` (None: from the programme's start) up to,
    not including, `until` (None: still reporting)."""

    first: PeriodCode | None = None
    until: PeriodCode | None = None

    @classmethod
    def of(cls, first: str | None, until: str | None, active: bool = True) -> Span:
        """From the stored codes; an inactive entity without a quarter of deactivation is
        expected nowhere."""
        stop = parse_period(until) if until else (None if active else NEVER)
        return cls(parse_period(first) if first else None, stop)


ALWAYS = Span()


def template_quarter(period: PeriodCode) -> PeriodCode:
    """The quarter whose template reports `period`: itself, or a year's fourth quarter."""
    return period if period.quarter else PeriodCode(period.year, 4)


def is_expected(span: Span | None, period: PeriodCode) -> bool:
    """THE rule: is an entity with `span` (None: no limits) expected to report `period`?"""
    if span is None:
        return True
    quarter = template_quarter(period)
    if span.first is not None and quarter < span.first:
        return False
    return span.until is None or quarter < span.until


class Assignments(dict):
    """KPI code -> codes of the entities assigned it (owners of national KPIs included), with
    each entity's `Span`. A plain dict works wherever this does: every entity then reports in
    every period."""

    def __init__(self, pairs=(), spans: Mapping[str, Span] | None = None) -> None:
        super().__init__(pairs)
        self.spans: dict[str, Span] = dict(spans or {})


def _spans(assigned: Mapping[str, Iterable[str]]) -> Mapping[str, Span]:
    return assigned.spans if isinstance(assigned, Assignments) else {}


def entity_expected(assigned: Mapping[str, Iterable[str]], entity: str, period: PeriodCode) -> bool:
    """Whether `entity` reports in `period` at all (its KPIs aside)."""
    return is_expected(_spans(assigned).get(entity), period)


def expected_entities(
    assigned: Mapping[str, Iterable[str]], kpi: str, period: PeriodCode
) -> set[str]:
    """The entities expected to report KPI `kpi` for `period`."""
    spans = _spans(assigned)
    # most entities have no span (always expected): no call for them
    return {
        e
        for e in assigned.get(kpi, ())
        if (span := spans.get(e)) is None or is_expected(span, period)
    }
