"""What changed since the previous period, like for like: a KPI's national figure in its last two
reporting periods, both computed over the same entities (those that reported in both).

Comparing the nation over 28 entities in one quarter with 19 in the next says more about who
reported than about progress; over the same entities the change is the entities' own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kpis.aggregate import Figure, national
from kpis.analysis import Observed, due_periods
from kpis.periods import PeriodCode
from kpis.spec import KpiSpec


@dataclass(frozen=True)
class Change:
    """A KPI's national figure `before` (in `from_period`) and `now` (in `to_period`), both over
    the `entities_compared` entities with a usable figure in both periods."""

    from_period: PeriodCode
    to_period: PeriodCode
    before: float
    now: float
    entities_compared: int

    @property
    def delta(self) -> float:
        return self.now - self.before


def like_for_like(spec: KpiSpec, figures: Sequence[Observed], as_of: PeriodCode) -> Change | None:
    """The change between the KPI's last two periods due by `as_of`, over the entities that
    reported a usable figure in both; None when there are not two periods or no such entity.
    Invalid figures count as not reported (kpis.values)."""
    due = due_periods(spec, as_of)
    if len(due) < 2:
        return None
    earlier, later = due[-2], due[-1]
    reported: dict[PeriodCode, dict[str, Figure]] = {earlier: {}, later: {}}
    for f in figures:
        if f.period in reported and f.figure is not None:
            reported[f.period][f.entity] = Figure(f.entity, f.value, f.numerator, f.denominator)
    both = sorted(reported[earlier].keys() & reported[later].keys())
    if not both:
        return None
    before, now = (
        national(spec.aggregation, [reported[p][e] for e in both], len(both)).value
        for p in (earlier, later)
    )
    if before is None or now is None:
        return None
    return Change(earlier, later, before, now, len(both))
