"""Where a KPI is heading: a robust (Theil-Sen) trend projected to the target period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from statistics import median

from kpis.status import better

LIKELY = "likely"
UNLIKELY = "unlikely"
INSUFFICIENT = "insufficient_data"
NO_TARGET = "no_target"
MIN_POINTS = 3


@dataclass(frozen=True)
class Forecast:
    verdict: str
    value: float | None = None
    slope: float | None = None  # change per year


def theil_sen(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """Slope = median of pairwise slopes; intercept = median of y − slope·x (robust to outliers)."""
    slopes = [(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in combinations(points, 2) if x2 != x1]
    slope = median(slopes) if slopes else 0.0
    return slope, median(y - slope * x for x, y in points)


def forecast(
    points: Sequence[tuple[float, float]],
    at: float,
    target: float | None,
    *,
    lower_is_better: bool = False,
) -> Forecast:
    """Project `points` (x in fractional years) to `at`; `likely` when the projection meets the
    target. Fewer than three points: `insufficient_data`."""
    if len(points) < MIN_POINTS:
        return Forecast(INSUFFICIENT)
    slope, intercept = theil_sen(points)
    value = intercept + slope * at
    if target is None:
        return Forecast(NO_TARGET, value, slope)
    verdict = LIKELY if better(value, target, lower_is_better) else UNLIKELY
    return Forecast(verdict, value, slope)
