"""What the committee report says, gathered once for every language: plain data drawn from the
same `services.programme.Programme` the pages and `/api/v1/programme` draw (approved figures
only, as the committee reads them), the reasons (`services.reasons`) and the quarter's
completeness. The templates only lay it out and translate it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from data import analytics as queries
from data.cache import ResultCache
from data.cycles import cycle_code_of, cycle_of
from data.db import Store
from data.deadlines import quarter_deadline
from data.queries import kpi_specs
from kpis.analysis import Picture
from kpis.completeness import NOT_EXPECTED, Cell, Tally, tally
from kpis.forecast import LIKELY, UNLIKELY
from kpis.periods import parse_period
from kpis.spec import KpiSpec
from kpis.status import STATUSES
from reports.programme import WholeProgramme, whole_programme
from reports.stamp import EditionStamp
from services import overview
from services.actors import Actor, Role
from services.programme import (
    Programme,
    programme,
    quarter_options,
    revision_standings,
    scope_for,
)
from services.reasons import OFFICE, reasons

COMMITTEE = Actor(Role.COMMITTEE)


@dataclass(frozen=True)
class Named:
    code: str
    name_en: str
    name_ar: str


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    value: float | None
    expected: float | None


@dataclass(frozen=True)
class KpiLine:
    """One KPI's national picture at the quarter, as `/api/v1/programme` gives it."""

    code: str
    track: str
    name_en: str
    name_ar: str
    unit: str
    lower_is_better: bool
    period: str | None  # the period of the figure shown (a year for an annual KPI)
    value: float | None
    invalid: bool
    reported: int
    expected_entities: int
    expected: float | None  # the value on the path at that period
    target: float | None
    target_year: int | None
    comparator: str
    status: str
    progress: float | None
    verdict: str
    forecast_value: float | None
    forecast_final: bool
    series: tuple[SeriesPoint, ...]

    @property
    def partial(self) -> bool:
        return self.reported < self.expected_entities

    @property
    def has_path(self) -> bool:
        return any(p.expected is not None for p in self.series)

    @property
    def projected(self) -> bool:
        """Whether the forecast's value is a projection judged against the target (a final
        verdict's value is the figure already shown; without a target nothing is judged)."""
        return self.forecast_value is not None and self.verdict in (LIKELY, UNLIKELY)


@dataclass(frozen=True)
class TrackPart:
    track: Named
    counts: dict[str, int]
    kpis: tuple[KpiLine, ...]


@dataclass(frozen=True)
class GridLine:
    """A ministry's row of the grid (services.overview.GridRow) with its names."""

    entity: Named
    row: overview.GridRow


@dataclass(frozen=True)
class Grid:
    kpis: tuple[str, ...]
    rows: tuple[GridLine, ...]  # best rank first, those without a score last
    ranked_among: int
    unscored: int


@dataclass(frozen=True)
class NeedLine:
    """What it would take for a KPI off its path (services.overview.Need), with the KPI's
    picture and the ministries whose gap weighs most, named, with their share of the gap."""

    need: overview.Need
    kpi: KpiLine
    heaviest: tuple[tuple[Named, float], ...]


@dataclass(frozen=True)
class ReasonLine:
    entity: Named
    kpi: KpiLine | None  # None: the office's note on the whole submission
    period: str
    text: str
    by_office: bool


@dataclass(frozen=True)
class Completeness:
    tally: Tally
    states: dict[str, int]  # entity quarters per state (approved, late, missing ...)
    # entities whose current figures are not approved: their state and the revision whose
    # figures count meanwhile (None: no official figure for the quarter yet)
    behind: tuple[tuple[Named, str, int | None], ...]


@dataclass(frozen=True)
class Report:
    period: str
    cycle: queries.CycleRow | None
    stamp: EditionStamp
    headline: overview.Headline
    tracks: tuple[TrackPart, ...]
    grid: Grid
    needs: tuple[NeedLine, ...]
    reasons: tuple[ReasonLine, ...]
    completeness: Completeness
    kpis: dict[str, KpiLine] = field(default_factory=dict)
    whole: WholeProgramme | None = None  # initiatives, procedures, budget (reports.programme)


def gather(store: Store, period: str, stamp: EditionStamp) -> Report:
    """The report of quarter `period` as the committee reads it (approved figures only), its
    completeness counted on the day of publication so that it does not change afterwards."""
    with store.session() as db:
        choices = quarter_options(db)
        if period not in choices:
            raise LookupError(f"no figures for quarter {period}")
        cycle = cycle_of(db, period)
    prog = programme(store, ResultCache(size=1), scope_for(COMMITTEE, period, False, choices))
    lines = {spec.code: kpi_line(spec, prog.national[spec.code], prog) for spec in prog.specs}
    entities = {code: _named(row) for code, row in prog.entity_names.items()}
    with store.session() as db:
        found = reasons(db, COMMITTEE, period)
        cells = quarter_cells(db, period, stamp.published_at.date())
        standings = revision_standings(db, [period])
    official = {entity: s.official for (entity, _quarter), s in standings.items()}
    quarter = _completeness(cells, entities, official)
    counted = (quarter.tally.received, quarter.tally.expected)
    return Report(
        period=period,
        cycle=cycle,
        stamp=stamp,
        headline=overview.headline(prog, counted),
        tracks=track_parts(prog, lines),
        grid=ministry_grid(prog, entities),
        needs=needs(prog, lines, entities),
        reasons=tuple(_reason_line(r, lines, entities) for r in found),
        completeness=quarter,
        kpis=lines,
        whole=whole_programme(store, prog),
    )


def kpi_line(spec: KpiSpec, pic: Picture, prog: Programme) -> KpiLine:
    national = pic.current.national if pic.current else None
    if national is not None:
        reported, expected = national.reported, national.expected
    else:
        reported = 0
        expected = 1 if spec.scope == "national" else len(prog.assigned.get(spec.code, ()))
    return KpiLine(
        code=spec.code,
        track=spec.track,
        name_en=spec.name_en,
        name_ar=spec.name_ar,
        unit=spec.unit,
        lower_is_better=spec.lower_is_better,
        period=pic.current.period.code if pic.current else None,
        value=pic.value,
        invalid=bool(pic.current and pic.current.invalid),
        reported=reported,
        expected_entities=expected,
        expected=pic.expected,
        target=pic.spec.target,  # the target the period shown is rated by (kpis.spec.in_force)
        target_year=pic.spec.target_year,
        comparator=pic.spec.comparator,
        status=pic.status,
        progress=pic.progress,
        verdict=pic.forecast.verdict,
        forecast_value=pic.forecast.value,
        forecast_final=pic.forecast.final,
        series=tuple(SeriesPoint(p.period.code, p.value, p.expected) for p in pic.series),
    )


def track_parts(prog: Programme, lines: dict[str, KpiLine]) -> tuple[TrackPart, ...]:
    codes = list(dict.fromkeys([*prog.track_names, *(s.track for s in prog.specs)]))
    parts = []
    for code in codes:
        kpis = tuple(lines[s.code] for s in prog.specs if s.track == code)
        if not kpis:
            continue
        row = prog.track_names.get(code)
        named = _named(row) if row else Named(code, code, code)
        counts = {s: sum(1 for k in kpis if k.status == s) for s in STATUSES}
        parts.append(TrackPart(named, counts, kpis))
    return tuple(parts)


def ministry_grid(prog: Programme, entities: dict[str, Named]) -> Grid:
    """Each ministry's status on each entity-scoped KPI assigned to it, best rank first."""
    rows = [
        GridLine(entities[row.entity_code], row)
        for row in overview.ministry_grid(prog)
        if row.entity_code in entities
    ]
    rows.sort(key=lambda r: (r.row.rank is None, r.row.rank or 0, r.entity.code))
    codes = tuple(s.code for s in overview.grid_kpis(prog))
    return Grid(codes, tuple(rows), prog.ranked_among, prog.unscored)


def needs(
    prog: Programme, lines: dict[str, KpiLine], entities: dict[str, Named]
) -> tuple[NeedLine, ...]:
    """Every KPI off its path, worst first, with what it would take (services.overview)."""
    return tuple(
        NeedLine(
            need,
            lines[need.kpi_code],
            tuple((entities[e], share) for e, share in need.heaviest if e in entities),
        )
        for need in overview.what_it_would_take(prog)
    )


def quarter_cells(db, period: str, today: date) -> list[tuple[str, Cell]]:
    """(entity code, its quarter's cell) for every entity expected in the quarter (kpis.expected),
    by the /completeness page's rule (services.overview.reporting_cell), as it stands on `today`."""
    quarter = parse_period(period)
    specs = kpi_specs(db, cycle_code_of(db, quarter))
    assigned = queries.assignments(db, cycle_code_of(db, quarter))
    received = {(r.entity, r.period): r for r in queries.received(db)}
    due_day = quarter_deadline(db, quarter)
    cells = [
        (
            e.code,
            overview.reporting_cell(e.code, quarter, specs, assigned, received, today, due_day),
        )
        for e in queries.entities(db, deactivated=True)
    ]
    return [(code, cell) for code, cell in cells if cell.state != NOT_EXPECTED]


def _completeness(
    cells: list[tuple[str, Cell]], entities: dict[str, Named], official: dict[str, int | None]
) -> Completeness:
    states: dict[str, int] = {}
    for _code, cell in cells:
        states[cell.state] = states.get(cell.state, 0) + 1
    behind = tuple(
        (entities[code], cell.state, official.get(code))
        for code, cell in cells
        if cell.state != "approved" and code in entities
    )
    return Completeness(tally([c for _code, c in cells]), states, behind)


def _reason_line(reason, lines: dict[str, KpiLine], entities: dict[str, Named]) -> ReasonLine:
    entity = entities.get(reason.entity_code) or Named(reason.entity_code, "", "")
    kpi = lines.get(reason.kpi_code) if reason.kpi_code else None
    return ReasonLine(entity, kpi, reason.period, reason.text, reason.kind == OFFICE)


def _named(row) -> Named:
    return Named(row.code, row.name_en, row.name_ar)
