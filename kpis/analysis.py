"""A KPI's national and per-entity picture at an "as of" quarter, from plain figures.

Everything here is pure: the pages fetch figures (data.analytics) and hand them over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from kpis.aggregate import Figure, National, Sums, national, national_of_sums
from kpis.forecast import Forecast, final_verdict, forecast
from kpis.path import FirstValue, expected_at, path_start, year_fraction
from kpis.periods import PeriodCode, quarters, reporting_period
from kpis.spec import KpiSpec
from kpis.status import progress, status
from kpis.values import Reading, read_figure


@dataclass(frozen=True)
class Observed:
    """One entity's figure for a KPI and period, as the viewer may see it."""

    entity: str
    kpi: str
    period: PeriodCode
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    approved: bool = True

    @cached_property
    def reading(self) -> Reading:
        """The figure as kpis.values reads it: usable, absent, or invalid (and left out); read
        once per figure (a page's standings ask it several times)."""
        return read_figure(self.value, self.numerator, self.denominator)

    @property
    def figure(self) -> float | None:
        """The value, or the ratio of numerator to denominator (in percent) where only they came;
        None where nothing usable was stored."""
        return self.reading.figure


@dataclass(frozen=True)
class Point:
    period: PeriodCode
    value: float | None
    expected: float | None
    national: National | None = None
    invalid: bool = False  # a figure was stored but is not a usable number: shown as invalid


@dataclass(frozen=True)
class Picture:
    """Where a KPI (nationally, or for one entity) stands at the as-of quarter. `spec` is the KPI
    as its current period is rated: with the baseline and target in force then (a restatement
    from a later quarter does not re-rate it); `spec.definitions` holds every version."""

    spec: KpiSpec
    series: tuple[Point, ...]
    current: Point | None
    previous: Point | None
    start: float | None
    status: str
    progress: float | None
    # the KPI as given (every definition) and the as-of quarter, for the forecast
    kpi: KpiSpec = field(repr=False, compare=False)
    as_of: PeriodCode = field(repr=False, compare=False)

    @cached_property
    def forecast(self) -> Forecast:
        """Computed when a page shows it: a Theil-Sen fit per series is the dearest part of a
        picture, and the overview's grid of every entity never shows one."""
        return ahead(self.kpi, self.series, self.as_of)

    @property
    def value(self) -> float | None:
        return self.current.value if self.current else None

    @property
    def expected(self) -> float | None:
        return self.current.expected if self.current else None


def due_periods(spec: KpiSpec, as_of: PeriodCode) -> list[PeriodCode]:
    """The periods the KPI reports, from the programme's first year up to `as_of`."""
    return list(_due_periods(spec.frequency, spec.first_year, spec.base_year, as_of))


@lru_cache(maxsize=256)
def _due_periods(
    frequency: str, first_year: int, baseline_year: int, as_of: PeriodCode
) -> tuple[PeriodCode, ...]:
    due = []
    for quarter in quarters(first_year, as_of.year):
        if quarter > as_of:
            break
        if period := reporting_period(frequency, quarter, baseline_year):
            due.append(period)
    return tuple(due)


@dataclass(frozen=True)
class Standing:
    """Where a KPI (nationally, or for one entity) stands at the as-of quarter, without its
    series: the part of a Picture that status grids, scores and ranks need."""

    spec: KpiSpec
    current: Point | None
    previous: Point | None
    start: float | None
    status: str
    progress: float | None

    @property
    def value(self) -> float | None:
        return self.current.value if self.current else None

    @property
    def expected(self) -> float | None:
        return self.current.expected if self.current else None


def standing(spec: KpiSpec, values: dict[PeriodCode, Point], as_of: PeriodCode) -> Standing:
    """Status and progress at `as_of` from points keyed by period: those of the current and
    previous periods due and the first figure are all it reads (kpis.analysis.standing_periods)."""
    periods = due_periods(spec, as_of)
    due = _due_set(spec.frequency, spec.first_year, spec.base_year, as_of)
    # the points given are few (kpis.analysis.standing_periods), the periods due many
    first = path_start((p, given.value) for p, given in values.items() if p in due)

    def point(period: PeriodCode) -> Point:
        return _with_expected(spec, values.get(period) or Point(period, None, None), first)

    current = point(periods[-1]) if periods else None
    if current and current.value is None and spec.aggregation == "latest":
        # the latest figure reported; an invalid one is not passed over for an older one
        shown = (p for p in reversed(periods) if p in values)
        latest = next((p for p in shown if values[p].value is not None or values[p].invalid), None)
        current = point(latest) if latest else current
    previous = point(periods[-2]) if len(periods) > 1 else None
    # the current period is rated by the definition in force then (kpis.spec.in_force)
    rated = spec.in_force(current.period) if current else spec
    start = rated.baseline if rated.baseline is not None else (first[1] if first else None)
    judged = status(
        current.value if current else None,
        current.expected if current else None,
        rated.target,
        start,
        lower_is_better=spec.lower_is_better,
        tolerance=spec.tolerance,
        due=current is not None,
    )
    value = current.value if current else None
    return Standing(rated, current, previous, start, judged, progress(value, start, rated.target))


def picture(spec: KpiSpec, values: dict[PeriodCode, Point], as_of: PeriodCode) -> Picture:
    """The standing at `as_of` with the series of every period due, the forecast when asked."""
    periods = due_periods(spec, as_of)
    first = path_start((p, values[p].value) for p in periods if p in values)
    series = tuple(
        _with_expected(spec, values.get(p) or Point(p, None, None), first) for p in periods
    )
    now = standing(spec, values, as_of)
    return Picture(
        now.spec,
        series,
        now.current,
        now.previous,
        now.start,
        now.status,
        now.progress,
        spec,
        as_of,
    )


def target_period(spec: KpiSpec) -> PeriodCode | None:
    """The period that settles the target: the one the KPI reports in its target year's last
    quarter (the year for annual KPIs), or None when it reports nothing then (a biennial KPI off
    its year) or has no target year."""
    if spec.target_year is None:
        return None
    return reporting_period(spec.frequency, PeriodCode(spec.target_year, 4), spec.base_year)


def ahead(spec: KpiSpec, series: Sequence[Point], as_of: PeriodCode) -> Forecast:
    """The final verdict once the target period is reported (by `as_of`), from that figure;
    before, the projection of the series to the end of the target year."""
    settling = target_period(spec)
    if settling is not None:  # judged by the definition in force when the target is settled
        spec = spec.in_force(settling)
    if settling is not None and settling.end <= as_of.end:
        reported = next((p for p in series if p.period == settling and p.value is not None), None)
        if reported is not None:
            return final_verdict(
                reported.value, settling.code, spec.target, lower_is_better=spec.lower_is_better
            )
    points = [(year_fraction(p.period.end), p.value) for p in series if p.value is not None]
    return forecast(
        points,
        float((spec.target_year or as_of.year) + 1),
        spec.target,
        lower_is_better=spec.lower_is_better,
    )


def _with_expected(spec: KpiSpec, point: Point, first: FirstValue | None) -> Point:
    """The point with the value expected on the path of the definition in force at its period:
    after a restatement the path follows the restated baseline and target."""
    expected = expected_at(spec.in_force(point.period), point.period, first)
    return Point(point.period, point.value, expected, point.national, point.invalid)


def by_kpi(figures: Iterable[Observed]) -> dict[str, list[Observed]]:
    grouped: dict[str, list[Observed]] = defaultdict(list)
    for figure in figures:
        grouped[figure.kpi].append(figure)
    return grouped


def national_picture(
    spec: KpiSpec,
    figures: Sequence[Observed],
    expected_entities: int | Callable[[PeriodCode], int],
    as_of: PeriodCode,
) -> Picture:
    """The nation's figure per period by the KPI's aggregation rule, with coverage against the
    entities expected (a number, or per period: kpis.expected.expected_entities)."""
    per_period: dict[PeriodCode, list[Figure]] = defaultdict(list)
    for f in figures:
        per_period[f.period].append(Figure(f.entity, f.value, f.numerator, f.denominator))
    points = {}
    for period, group in per_period.items():
        expected = _expected_count(spec, expected_entities, period)
        points[period] = _national_point(period, national(spec.aggregation, group, expected))
    return picture(spec, points, as_of)


def national_picture_of_sums(
    spec: KpiSpec,
    sums: Mapping[PeriodCode, Sums],
    expected_entities: int | Callable[[PeriodCode], int],
    as_of: PeriodCode,
) -> Picture:
    """`national_picture` from each period's sums of the figures (data.summary keeps them)
    rather than the figures themselves."""
    points = {}
    for period, found in sums.items():
        expected = _expected_count(spec, expected_entities, period)
        points[period] = _national_point(
            period, national_of_sums(spec.aggregation, found, expected)
        )
    return picture(spec, points, as_of)


def _expected_count(spec: KpiSpec, expected_entities, period: PeriodCode) -> int:
    if spec.scope == "national":
        return 1
    if callable(expected_entities):
        return expected_entities(period)
    return expected_entities


def _national_point(period: PeriodCode, combined: National) -> Point:
    invalid = combined.value is None and combined.invalid > 0
    return Point(period, combined.value, None, combined, invalid)


def standing_periods(spec: KpiSpec, as_of: PeriodCode) -> tuple[PeriodCode, ...] | None:
    """The periods whose figures say where an entity stands on the KPI at `as_of`, besides its
    first figure (`starts_from_first_figure`): the last two due, for its status and progress
    and the change since the period before; None where any period may be the one shown (a KPI
    taking the latest figure reported)."""
    if spec.aggregation == "latest":
        return None
    return tuple(due_periods(spec, as_of)[-2:])


def starts_from_first_figure(spec: KpiSpec) -> bool:
    """Whether an entity's path and progress start from its first figure: a definition of the
    KPI has no baseline."""
    return spec.baseline is None or any(d.baseline is None for d in spec.definitions)


def holds_first_figure(
    spec: KpiSpec, figures: Iterable[Observed], earliest: date, as_of: PeriodCode
) -> bool:
    """Whether `figures`, some of one entity's figures, hold the first one its path starts from,
    given that nothing was reported for a period ending before `earliest`: the first usable
    figure among them in a period due ends on that date."""
    due = _due_set(spec.frequency, spec.first_year, spec.base_year, as_of)
    first = path_start((f.period, f.figure) for f in figures if f.period in due)
    return first is not None and first[0].end == earliest


@lru_cache(maxsize=256)
def _due_set(
    frequency: str, first_year: int, baseline_year: int, as_of: PeriodCode
) -> frozenset[PeriodCode]:
    return frozenset(_due_periods(frequency, first_year, baseline_year, as_of))


def entity_pictures(
    spec: KpiSpec, figures: Sequence[Observed], as_of: PeriodCode
) -> dict[str, Picture]:
    """Each reporting entity's own picture of the KPI."""
    return {e: picture(spec, points, as_of) for e, points in _entity_points(figures).items()}


def _entity_points(figures: Sequence[Observed]) -> dict[str, dict[PeriodCode, Point]]:
    per_entity: dict[str, dict[PeriodCode, Point]] = defaultdict(dict)
    for f in figures:
        reading = f.reading
        per_entity[f.entity][f.period] = Point(
            f.period, reading.figure, None, None, reading.invalid
        )
    return per_entity


def entity_standings(
    spec: KpiSpec, figures: Sequence[Observed], as_of: PeriodCode
) -> dict[str, Standing]:
    """Each reporting entity's standing on the KPI: `entity_pictures` without the series, from
    its figures of the periods `standing_periods` names and its first (or all of them)."""
    return {e: standing(spec, points, as_of) for e, points in _entity_points(figures).items()}


def entity_progress(
    spec: KpiSpec, figures: Sequence[Observed], as_of: PeriodCode
) -> dict[str, float | None]:
    """Each entity's progress to target at `as_of` (for scores): the light part of a picture."""
    due = due_periods(spec, as_of)
    if not due:
        return {}
    spec = spec.in_force(due[-1])  # progress at the last period due, by its definition
    if not spec.has_target:
        return {}
    per_entity: dict[str, dict[PeriodCode, float]] = defaultdict(dict)
    for f in figures:
        figure = f.figure  # None when absent or invalid: an invalid figure never scores
        if figure is not None:
            per_entity[f.entity][f.period] = figure
    result = {}
    for entity, values in per_entity.items():
        reported = [values[p] for p in due if p in values]
        start = spec.baseline if spec.baseline is not None else (reported[0] if reported else None)
        result[entity] = progress(values.get(due[-1]), start, spec.target)
    return result
