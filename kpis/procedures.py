"""The procedures plan against what was simplified (docs/programme.md, "Procedures plan"). Pure:
the counts come from the numerators of the procedures KPI (T1.1: procedures simplified to date,
of the targeted ones, its denominator), handed in as `Count`s.

- The national count at a quarter is the sum, over entities, of each one's latest count up to
  that quarter (an entity that has not reported this quarter still counts what it reported last).
- A year's count is the national count at its end (or at the as-of quarter for the year under
  way); simplified within a year = its count − the year before's.
- Planned to date = the cumulative plan of the years before + this year's plan × quarters
  elapsed / 4 (a straight line within the year)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate

from kpis.periods import PeriodCode
from kpis.values import usable


@dataclass(frozen=True)
class Count:
    """One entity's procedures simplified to date, as reported for `period`."""

    entity: str
    period: PeriodCode
    simplified: float | None
    targeted: float | None = None  # the denominator: its procedures to be simplified


@dataclass(frozen=True)
class PlanYear:
    """One year of the plan beside what was simplified. `simplified` and `cumulative_simplified`
    are None for a year after the as-of quarter; `partial` marks the year under way."""

    year: int
    planned: int
    cumulative_planned: int
    simplified: float | None
    cumulative_simplified: float | None
    partial: bool = False

    @property
    def cumulative_share(self) -> float | None:
        """Cumulative simplified as a share (percent) of the cumulative plan."""
        if self.cumulative_simplified is None or not self.cumulative_planned:
            return None
        return 100.0 * self.cumulative_simplified / self.cumulative_planned


def cumulative(plan: Mapping[int, int]) -> dict[int, int]:
    """Year -> procedures planned simplified by its end."""
    years = sorted(plan)
    return dict(zip(years, accumulate(plan[y] for y in years), strict=True))


def latest_counts(counts: Iterable[Count], at: PeriodCode) -> dict[str, Count]:
    """Entity -> its latest count with a usable number, reported for a period ending by `at`."""
    latest: dict[str, Count] = {}
    for count in counts:
        if count.period.end > at.end or not usable(count.simplified):
            continue
        found = latest.get(count.entity)
        if found is None or count.period.end > found.period.end:
            latest[count.entity] = count
    return latest


def national_count(counts: Iterable[Count], at: PeriodCode) -> float:
    """Procedures simplified nationally by the end of `at` (see the module's rule)."""
    return float(sum(c.simplified for c in latest_counts(counts, at).values()))


def plan_years(
    plan: Mapping[int, int], counts: Iterable[Count], as_of: PeriodCode
) -> list[PlanYear]:
    """Every year of the plan: planned and simplified within it, and both cumulatively."""
    counts = list(counts)
    planned = cumulative(plan)
    rows, before = [], 0.0
    for year in sorted(plan):
        if year > as_of.year:
            rows.append(PlanYear(year, plan[year], planned[year], None, None))
            continue
        at = PeriodCode(year, 4) if year < as_of.year else as_of
        to_date = national_count(counts, at)
        partial = year == as_of.year and as_of.quarter not in (None, 4)
        rows.append(PlanYear(year, plan[year], planned[year], to_date - before, to_date, partial))
        before = to_date
    return rows


def planned_to_date(plan: Mapping[int, int], as_of: PeriodCode) -> float:
    """Procedures planned simplified by the end of `as_of` (straight line within its year)."""
    done = sum(n for year, n in plan.items() if year < as_of.year)
    this_year = plan.get(as_of.year, 0) * (as_of.quarter or 4) / 4
    return float(done + this_year)


def share(part: float | None, whole: float | None) -> float | None:
    """`part` as a percentage of `whole`; None where either is missing or `whole` is 0."""
    if part is None or not whole:
        return None
    return 100.0 * part / whole


def own_plan(
    targeted: float | None,
    cumulative_shares: Mapping[int, float],
    own_target: float | None = None,
    kpi_target: float | None = None,
) -> dict[int, float]:
    """An entity's own cumulative plan, year -> procedures: its targeted procedures (T1.1's
    denominator) × the KPI's cumulative share for the year (its interim targets, 37% … 100%).
    Where the office set the entity its own target (say 80% instead of 100%), every year's share
    is scaled by own target ÷ the KPI's target. Empty without a usable denominator."""
    if not usable(targeted) or targeted <= 0:
        return {}
    scale = 1.0
    if own_target is not None and kpi_target:
        scale = own_target / kpi_target
    return {year: targeted * pct * scale / 100.0 for year, pct in sorted(cumulative_shares.items())}


def own_planned_to_date(plan: Mapping[int, float], as_of: PeriodCode) -> float | None:
    """An entity's own cumulative plan at `as_of`: a straight line within the year between the
    year before's end (0 before the first year) and this year's end."""
    if not plan or as_of.year not in plan:
        return None
    before = plan.get(as_of.year - 1, 0.0)
    return before + (plan[as_of.year] - before) * (as_of.quarter or 4) / 4
