"""What the analytics need to know about a KPI: a plain, immutable snapshot of its definition."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from kpis.periods import PeriodCode

CUMULATIVE_UNITS = ("milestone",)


@dataclass(frozen=True)
class Definition:
    """One version of a KPI's baseline and target, in force from the quarter `effective_from`
    (the reference catalogue's from the cycle's first quarter; a restatement's from the quarter
    the office chose)."""

    version: int
    effective_from: PeriodCode
    baseline: float | None
    baseline_year: int | None
    target: float | None
    target_year: int | None
    comparator: str = ">="
    reason: str = ""  # why it was set (the pages show a restatement's reason)


def effective_order(definitions: Iterable[Definition]) -> tuple[Definition, ...]:
    """Oldest in force first: by the quarter each takes effect from, then by version (of two
    from the same quarter, the later version replaces the earlier)."""
    return tuple(sorted(definitions, key=lambda d: (d.effective_from.start, d.version)))


def definition_in_force(definitions: Iterable[Definition], period: PeriodCode) -> Definition | None:
    """THE restatement rule: a period is rated by the latest-effective definition that has taken
    effect by the period's end (of two from the same quarter, the later version); a restatement
    leaves the periods before it to the definitions before it. A year is rated by what is in
    force in its last quarter, when its figure is reported. Before the first definition takes
    effect, the first applies. None when there is no definition."""
    ordered = effective_order(definitions)
    return ordered[_in_force_index(ordered, period)] if ordered else None


def _in_force_index(ordered: tuple[Definition, ...], period: PeriodCode) -> int:
    """The rule on definitions already in effective order (a KpiSpec's), as an index: the last
    that has taken effect by the period's end, else the first."""
    end = period.end
    for index in range(len(ordered) - 1, 0, -1):
        if ordered[index].effective_from.start <= end:
            return index
    return 0


def quarters_governed(
    definitions: Iterable[Definition], quarters: Iterable[PeriodCode]
) -> dict[int, list[PeriodCode]]:
    """Version -> the quarters of `quarters` it rates (`definition_in_force`): what a page says
    of each version ("2021-Q1 to 2024-Q4"); a version replaced from the quarter it took effect
    from rates none (an empty list)."""
    definitions = tuple(definitions)
    governed: dict[int, list[PeriodCode]] = {d.version: [] for d in definitions}
    for quarter in quarters:
        if (chosen := definition_in_force(definitions, quarter)) is not None:
            governed[chosen.version].append(quarter)
    return governed


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
    # every version of its baseline and target, in effective order (`effective_order`); the
    # fields above are those of the last, the one in force at the end of the cycle
    definitions: tuple[Definition, ...] = ()
    cycle: str = ""  # the programme cycle it belongs to (`2021-2025`)
    continues: str | None = None  # the code of the KPI of the cycle before that it continues

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

    @property
    def restated(self) -> bool:
        """Whether its baseline or target was restated: its versions differ in value."""
        return len({_values(d) for d in self.definitions}) > 1

    def in_force(self, period: PeriodCode) -> KpiSpec:
        """This KPI as `period` is rated: with the baseline and target of the definition in
        force then (`definition_in_force`). Every rating of a period (path, status, progress)
        asks this."""
        if len(self.definitions) < 2:
            return self
        return self._as_rated_by[_in_force_index(self.definitions, period)]

    @cached_property
    def _as_rated_by(self) -> tuple[KpiSpec, ...]:
        """This KPI with each of its definitions, made once per spec (pages rate the same
        periods many times); the last is itself. Not a field: equality, hashing and `replace`
        ignore it."""
        return (*(_rated_by(self, d) for d in self.definitions[:-1]), self)


def _values(d: Definition) -> tuple:
    return (d.baseline, d.baseline_year, d.target, d.target_year, d.comparator)


def _rated_by(spec: KpiSpec, definition: Definition) -> KpiSpec:
    """`spec` with `definition`'s baseline and target."""
    return replace(
        spec,
        baseline=definition.baseline,
        baseline_year=definition.baseline_year,
        target=definition.target,
        target_year=definition.target_year,
        comparator=definition.comparator,
    )
