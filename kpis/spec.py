"""What the analytics need to know about a KPI: a plain, immutable snapshot of its definition."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiSpec:
    """A KPI with the definition in force (latest baseline and target) and its interim plan."""

    id: int
    code: str
    track: str
    name_en: str
    name_ar: str
    unit: str
    direction: str
    scope: str
    aggregation: str
    frequency: str
    baseline: float | None
    baseline_year: int | None
    target: float | None
    target_year: int | None
    comparator: str = ">="
    interim: tuple[tuple[int, float], ...] = ()
    tolerance: float = 0.9
    owner: str | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "decrease"

    @property
    def has_target(self) -> bool:
        return self.target is not None and self.target_year is not None

    @property
    def interim_plan(self) -> dict[int, float]:
        return dict(self.interim)
