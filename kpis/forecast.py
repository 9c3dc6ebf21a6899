"""Where a KPI is heading: a robust (Theil-Sen) trend projected to the target period, or, once
the target period is reported, the final verdict from the reported figure."""

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
MET = "met"  # final: the target period's reported figure meets the target
NOT_MET = "not_met"  # final: it does not
FINAL_VERDICTS = (MET, NOT_MET)
MIN_POINTS = 3


@dataclass(frozen=True)
class Forecast:
    verdict: str
    value: float | None = None  # the projection, or the reported figure when final
    slope: float | None = None  # change per year (None when final: nothing is projected)
    period: str | None = None  # when final: the target period whose figure decided it

    @property
    def final(self) -> bool:
        return self.verdict in FINAL_VERDICTS


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


def final_verdict(
    reported: float, period: str, target: float | None, *, lower_is_better: bool = False
) -> Forecast:
    """The verdict once the target period is reported: `met` or `not_met` from the reported
    figure itself (no projection); `no_target` where there is no target to meet."""
    if target is None:
        return Forecast(NO_TARGET, reported, None, period)
    verdict = MET if better(reported, target, lower_is_better) else NOT_MET
    return Forecast(verdict, reported, None, period)
