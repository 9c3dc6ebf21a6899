"""The path to the target: the value expected at a period's end (docs/numbers.md)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from itertools import pairwise

from kpis.periods import PeriodCode
from kpis.spec import KpiSpec


@lru_cache(maxsize=4096)
def year_fraction(day: date) -> float:
    """A date as a fractional year, month by month: the end of June 2023 is 2023.5, the end of
    2020 is 2021.0, so that quarters fall on quarters of the line."""
    days_in_month = calendar.monthrange(day.year, day.month)[1]
    return day.year + (day.month - 1 + day.day / days_in_month) / 12


def expected_value(
    at: date,
    baseline: float | None,
    baseline_year: int | None,
    target: float | None,
    target_year: int | None,
    interim: Mapping[int, float] | None = None,
    first_value: tuple[date, float] | None = None,
) -> float | None:
    """Straight line between known year-end points (baseline, interim targets, target).

    With no baseline the path starts at the first reported value (or follows the interim plan
    alone); with no target there is no path.
    """
    if target is None or target_year is None:
        return None
    points: dict[float, float] = {float(y + 1): v for y, v in (interim or {}).items()}
    points[float(target_year + 1)] = target
    if baseline is not None and baseline_year is not None:
        points[float(baseline_year + 1)] = baseline
    elif first_value is not None:
        points.setdefault(year_fraction(first_value[0]), first_value[1])
    elif len(points) < 2:
        return None  # no start: neither a baseline, a first value nor an interim plan
    xs = sorted(points)
    x = year_fraction(at)
    if x <= xs[0]:
        return points[xs[0]]
    if x >= xs[-1]:
        return points[xs[-1]]
    for left, right in pairwise(xs):
        if left <= x <= right:
            share = (x - left) / (right - left)
            return points[left] + (points[right] - points[left]) * share
    return None


FirstValue = tuple[PeriodCode, float]  # the first reported figure: its period and value


def path_start(reported: Iterable[tuple[PeriodCode, float | None]]) -> FirstValue | None:
    """The earliest figure reported (None values skipped): where the path starts for a KPI
    without a baseline."""
    known = [(period, value) for period, value in reported if value is not None]
    return min(known, key=lambda pair: pair[0].end) if known else None


def expected_at(spec: KpiSpec, period: PeriodCode, first: FirstValue | None) -> float | None:
    """The one path rule: the value expected of a KPI at the end of `period`, nationally or for
    one entity, given the first figure reported (by the nation, or by that entity).

    The dashboard (kpis.analysis) and the validator's "short of the path" warning (etl.due) both
    call this, so that a KPI with a path on the dashboard has the same path in validation."""
    return expected_value(
        period.end,
        spec.baseline,
        spec.baseline_year,
        spec.target,
        spec.target_year,
        spec.interim_plan,
        first_value=(first[0].end, first[1]) if first is not None else None,
    )
