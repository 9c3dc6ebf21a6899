"""What the analytics need to know about a KPI: a plain, immutable snapshot of its definition."""

from __future__ import annotations

from dataclasses import dataclass

CUMULATIVE_UNITS = ("milestone",)


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
    first_year: int  # the cycle's first reporting year (from the store)
    cycle_baseline_year: int  # the cycle's baseline year, for KPIs without their own
    comparator: str = ">="
    interim: tuple[tuple[int, float], ...] = ()
    tolerance: float = 0.9
    owner: str | None = None

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "decrease"

    @property
    def base_year(self) -> int:
        """The year its reporting rhythm counts from: its baseline's, else the cycle's."""
        return self.baseline_year or self.cycle_baseline_year

    @property
    def has_target(self) -> bool:
        return self.target is not None and self.target_year is not None

    @property
    def interim_plan(self) -> dict[int, float]:
        return dict(self.interim)

    @property
    def cumulative(self) -> bool:
        """A KPI that only grows: a milestone (percent complete) or one with a cumulative
        interim plan (T1.1's yearly share of procedures simplified). A fall is a warning in
        validation, and the demo history never falls."""
        return self.unit in CUMULATIVE_UNITS or bool(self.interim)
