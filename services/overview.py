"""The programme at a glance, as plain data: the headline per track and for the programme, the
ministry × KPI grid of statuses, and what it would take to bring each KPI off its path back to
its target. The overview page and the committee report both draw from here, over the same
`Programme` (services.programme), so that they cannot disagree; the meaning of each number is in
`kpis/` (status, forecast, completeness, prescriptive)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from data import analytics as queries
from data.cache import ResultCache
from data.cycles import cycle_code_of, cycle_of
from data.db import Store
from data.deadlines import deadlines_of, quarter_deadline
from data.queries import kpi_specs
from kpis.aggregate import Figure
from kpis.analysis import Picture, Standing, target_period
from kpis.completeness import NOT_EXPECTED, Cell, Tally, cell_state, on_time, tally
from kpis.expected import entity_expected
from kpis.forecast import LIKELY, MET, NOT_MET, UNLIKELY
from kpis.periods import PeriodCode, parse_period, quarters, reporting_period
from kpis.prescriptive import entity_gaps, gain_per_quarter, heaviest, quarters_left, shares
from kpis.revisions import RevisionStanding
from kpis.spec import KpiSpec
from kpis.status import AT_RISK, OFF_TRACK, SEVERITY, STATUSES
from services.actors import Action, Actor, entity_scope, may
from services.api_view import coverage
from services.budget import BudgetPicture, budget_picture
from services.initiatives import InitiativesPicture, initiatives_picture
from services.procedures import ProceduresPicture, procedures_picture
from services.programme import Programme, revision_standings

OFF_PATH = (OFF_TRACK, AT_RISK)
FORECASTABLE = (LIKELY, UNLIKELY, MET, NOT_MET)
LIKELY_VERDICTS = (LIKELY, MET)


# ---------------------------------------------------------------------------------------------
# Headline


@dataclass(frozen=True)
class TrackHeadline:
    """A track's (or the programme's) KPIs at the as-of quarter: how many in each status,
    coverage summed over its entity-scoped KPIs (entities reported / expected), and how many
    are likely to meet their target (forecast `likely`, or final `met`) of those with a forecast
    (`forecastable`: a verdict other than insufficient data or no target)."""

    code: str
    counts: dict[str, int]
    kpis: int
    reported: int
    expected: int
    likely: int
    forecastable: int

    @property
    def coverage(self) -> float | None:
        return self.reported / self.expected if self.expected else None


@dataclass(frozen=True)
class Headline:
    programme: TrackHeadline
    tracks: dict[str, TrackHeadline]
    completeness: tuple[int, int] | None = None  # KPI figures received, expected in the quarter


def track_codes(prog: Programme) -> list[str]:
    """Tracks in the catalogue's order, then any a KPI names that the catalogue does not."""
    return list(dict.fromkeys([*prog.track_names, *(s.track for s in prog.specs)]))


def track_headline(prog: Programme, code: str, specs: Iterable[KpiSpec]) -> TrackHeadline:
    counts = dict.fromkeys(STATUSES, 0)
    kpis = reported = expected = likely = forecastable = 0
    for spec in specs:
        pic = prog.national[spec.code]
        kpis += 1
        counts[pic.status] = counts.get(pic.status, 0) + 1
        if spec.scope == "entity":
            covered = coverage(spec, pic, prog)
            reported += covered["reported"]
            expected += covered["expected"]
        likely += pic.forecast.verdict in LIKELY_VERDICTS
        forecastable += pic.forecast.verdict in FORECASTABLE
    return TrackHeadline(code, counts, kpis, reported, expected, likely, forecastable)


def headline(prog: Programme, completeness: tuple[int, int] | None = None) -> Headline:
    """The programme's and each track's headline (tracks without KPIs are left out)."""
    tracks = {
        code: track_headline(prog, code, [s for s in prog.specs if s.track == code])
        for code in track_codes(prog)
    }
    tracks = {code: t for code, t in tracks.items() if t.kpis}
    return Headline(track_headline(prog, "", prog.specs), tracks, completeness)


# ---------------------------------------------------------------------------------------------
# Completeness of a quarter: the rule of the /completeness page, in one place


def due_count(entity: str, quarter: PeriodCode, specs, assigned: Mapping[str, set[str]]) -> int:
    """KPIs an entity owes in `quarter`'s template (annual ones in the fourth quarter); none in a
    quarter it does not report (kpis.expected)."""
    if not entity_expected(assigned, entity, quarter):
        return 0
    return sum(
        1
        for s in specs
        if entity in assigned.get(s.code, ())
        and reporting_period(s.frequency, quarter, s.base_year)
    )


def reporting_cell(
    entity, quarter: PeriodCode, specs, assigned, received, today: date, due_day: date
) -> Cell:
    """One entity's quarter for kpis.completeness: its state, KPIs due, figures received and
    whether its first file came by the deadline `due_day` (data.deadlines: the office's override
    or the default rule). `received` maps (entity, quarter code) to data.analytics.Received. A
    quarter the entity does not report is `not_expected`, whatever came (kpis.expected)."""
    if not entity_expected(assigned, entity, quarter):
        return Cell(NOT_EXPECTED, 0)
    row = received.get((entity, quarter.code))
    first = row.first_received if row else None
    state = cell_state(row.status if row else None, first, due_day, today)
    return Cell(
        state,
        due_count(entity, quarter, specs, assigned),
        row.figures if row else 0,
        on_time(first, due_day),
    )


def quarter_tally(
    session: Session, period_code: str, entity: str | None = None, today: date | None = None
) -> Tally:
    """The quarter's KPI figures expected, received, on time and approved, over every entity
    expected in it (or `entity` alone), as the /completeness page counts them."""
    quarter = parse_period(period_code)
    cycle = cycle_code_of(session, quarter)
    specs = kpi_specs(session, cycle)
    assigned = queries.assignments(session, cycle)
    codes = [
        e.code
        for e in queries.entities(session, deactivated=True)
        if entity is None or e.code == entity
    ]
    received = {(r.entity, r.period): r for r in queries.received(session, [period_code])}
    day = today or date.today()
    due_day = quarter_deadline(session, quarter)
    return tally(
        [reporting_cell(e, quarter, specs, assigned, received, day, due_day) for e in codes]
    )


def quarter_completeness(
    session: Session, period_code: str, entity: str | None = None, today: date | None = None
) -> tuple[int, int]:
    """(received, expected) KPI figures of the quarter; (0, 0) before its deadline has passed."""
    counted = quarter_tally(session, period_code, entity, today)
    return counted.received, counted.expected


@dataclass(frozen=True)
class Reporting:
    """Every entity's last `shown` quarters as /completeness draws them, for whoever may see
    them all (a page keeps an entity team's own row): each entity's cells, the revisions on
    their way (services.programme.revision_standings) and each quarter's deadline."""

    entities: list[queries.NamedRow]
    shown: list[PeriodCode]
    matrix: dict[str, list[Cell]]
    standings: dict[tuple[str, str], RevisionStanding]
    due: dict[str, date]


def reporting(
    store: Store, cache: ResultCache, as_of: PeriodCode, count: int, today: date | None = None
) -> Reporting:
    """The last `count` quarters up to `as_of` (of its cycle), computed once per version of the
    data (a moved deadline makes a new one) and day."""
    day = today or date.today()
    with store.session() as db:
        key = ("reporting", queries.data_version(db), as_of, count, day)
    return cache.get_or_make(key, lambda: _reporting(store, as_of, count, day))


def _reporting(store: Store, as_of: PeriodCode, count: int, day: date) -> Reporting:
    with store.session() as db:
        cycle = cycle_of(db, as_of)  # the quarters and KPIs of the as-of quarter's cycle
        first = cycle.start_year if cycle else as_of.year
        shown = [q for q in quarters(first, as_of.year) if q <= as_of][-count:]
        specs = kpi_specs(db, cycle.code if cycle else None)
        assigned = queries.assignments(db, cycle.code if cycle else None)
        entities = queries.entities(db, deactivated=True)
        codes = [q.code for q in shown]
        received = {(r.entity, r.period): r for r in queries.received(db, codes)}
        standings = revision_standings(db, codes)
        due = deadlines_of(db, shown)
    matrix = {
        e.code: [
            reporting_cell(e.code, q, specs, assigned, received, day, due[q.code]) for q in shown
        ]
        for e in entities
    }
    return Reporting(entities, shown, matrix, standings, due)


def programme_completeness(
    session: Session, prog: Programme, entity: str | None = None
) -> tuple[int, int]:
    """`quarter_completeness` at `prog`'s as-of quarter, remembered with the programme (one
    version of the data: a moved deadline makes a new one) for the day."""
    quarter = prog.scope.as_of
    key = ("quarter_completeness", entity, date.today())
    return prog.remember(key, lambda: quarter_completeness(session, quarter.code, entity))


# ---------------------------------------------------------------------------------------------
# The ministry × KPI grid


@dataclass(frozen=True)
class GridRow:
    """An entity's row: its score and rank, and per entity-scoped KPI assigned to it the status
    of its own figure (None: not reported). KPIs not assigned to it are absent from `cells`."""

    entity_code: str
    name_en: str
    name_ar: str
    score: float | None
    rank: int | None
    cells: dict[str, str | None] = field(default_factory=dict)

    def count(self, status: str | None, kpis: Iterable[str] | None = None) -> int:
        """How many of its KPIs (of `kpis`, all by default) are in `status` (None: not
        reported)."""
        shown = self.cells if kpis is None else {k: self.cells[k] for k in kpis if k in self.cells}
        return sum(1 for s in shown.values() if s == status)


def grid_kpis(prog: Programme) -> list[KpiSpec]:
    """The grid's columns: the entity-scoped KPIs (national ones have no ministry's figure)."""
    return [s for s in prog.specs if s.scope == "entity"]


def cell_status(pic: Picture | Standing | None) -> str | None:
    """The status of an entity's own figure, None where it reported none for the period."""
    if pic is None or pic.current is None or pic.value is None:
        return None
    return pic.status


def ministry_grid(prog: Programme, actor: Actor | None = None) -> list[GridRow]:
    """One row per active entity (those `actor` may see the figures of, when given), in code
    order; the pages and the report sort and filter it."""
    rows = prog.remember("ministry_grid", lambda: _grid_rows(prog), shared=True)
    if actor is None:
        return rows
    return [r for r in rows if may(actor, Action.VIEW_ENTITY_FIGURES, r.entity_code)]


def _grid_rows(prog: Programme) -> list[GridRow]:
    columns = grid_kpis(prog)
    rows = []
    for code, names in prog.entity_names.items():
        cells = {
            spec.code: cell_status(prog.standings(spec.code).get(code))
            for spec in columns
            if code in prog.assigned.get(spec.code, ())
        }
        rows.append(
            GridRow(
                code,
                names.name_en,
                names.name_ar,
                prog.scores.get(code),
                prog.ranks.get(code),
                cells,
            )
        )
    return sorted(rows, key=lambda r: r.entity_code)


NOT_REPORTED = "not_reported"  # a filter on the grid's cells whose status is None
SORTS = ("name", "score", "off_track")  # by name; lowest score first; most KPIs off track first


def grid_columns(prog: Programme, track: str | None = None) -> list[KpiSpec]:
    """The grid's KPIs, of one track or of all (`track` None)."""
    return [s for s in grid_kpis(prog) if track is None or s.track == track]


def filter_grid(rows: Iterable[GridRow], kpis: list[str], status: str | None) -> list[GridRow]:
    """The rows with at least one of `kpis` in `status` (`NOT_REPORTED`: not reported); every
    row with any of `kpis` assigned when `status` is None."""
    if status is None:
        return [r for r in rows if any(k in r.cells for k in kpis)]
    wanted = None if status == NOT_REPORTED else status
    return [r for r in rows if r.count(wanted, kpis)]


def sort_grid(rows: Iterable[GridRow], by: str, kpis: list[str], name=None) -> list[GridRow]:
    """`name` (by `name(row)`, the English name by default), `score` (lowest first, entities
    without a score last) or `off_track` (most of `kpis` off track first, then lowest score)."""
    name = name or (lambda row: row.name_en)
    low_first = {
        "score": lambda r: (r.score is None, r.score or 0.0, name(r)),
        "off_track": lambda r: (-r.count(OFF_TRACK, kpis), r.score is None, r.score or 0.0),
    }
    return sorted(rows, key=low_first.get(by, lambda r: (name(r).casefold(), r.entity_code)))


# ---------------------------------------------------------------------------------------------
# What it would take


@dataclass(frozen=True)
class Need:
    """A KPI off its path: from `now` (the national figure of `now_period`) to `target` by
    `target_period`, `quarters_left` quarters after the as-of quarter, takes `gain_per_quarter`
    a quarter (signed; None once no quarter is left: the gap is `target - now`). `heaviest`: the
    entities whose gap weighs most on the national figure, with their share of the gap
    (kpis.prescriptive), against the path's value `path` at `now_period`."""

    kpi_code: str
    status: str
    now: float
    target: float
    target_period: str
    quarters_left: int
    gain_per_quarter: float | None
    heaviest: list[tuple[str, float]]
    unit: str = ""
    now_period: str = ""
    path: float | None = None

    @property
    def gap(self) -> float:
        return self.target - self.now


def settling_period(spec: KpiSpec) -> PeriodCode | None:
    """The period that settles the target (kpis.analysis.target_period), or the target year
    itself for a KPI that reports nothing then (a biennial KPI off its year)."""
    if spec.target_year is None:
        return None
    return target_period(spec) or PeriodCode(spec.target_year)


def current_figures(prog: Programme, spec: KpiSpec, period: PeriodCode) -> list[Figure]:
    """The entities' usable figures the national figure of `period` was computed from."""
    return [
        figure
        for f in prog.standing_figures.get(spec.code, [])
        if f.period == period
        if not (figure := Figure(f.entity, f.value, f.numerator, f.denominator)).invalid
    ]


def off_path(prog: Programme, spec: KpiSpec) -> bool:
    """Whether the KPI's national figure is off its path (off track or at risk) with a target
    and a period that settles it: what "what it would take" lists."""
    pic = prog.national[spec.code]
    return bool(
        pic.status in OFF_PATH
        and pic.value is not None
        and spec.target is not None
        and settling_period(spec)
    )


def every_gap(prog: Programme) -> dict[str, dict[str, float]]:
    """KPI code -> each entity's gap on the national figure (kpis.prescriptive.entity_gaps), of
    the entity-scoped KPIs off their path."""
    found = {}
    for spec in prog.specs:
        pic = prog.national[spec.code]
        if off_path(prog, spec) and spec.scope == "entity" and pic.expected is not None:
            found[spec.code] = entity_gaps(
                spec.aggregation,
                current_figures(prog, spec, pic.current.period),
                pic.expected,
                lower_is_better=spec.lower_is_better,
            )
    return found


def need(prog: Programme, spec: KpiSpec, actor: Actor | None = None) -> Need | None:
    if not off_path(prog, spec):
        return None
    pic = prog.national[spec.code]
    settles = settling_period(spec)
    period = pic.current.period
    left = quarters_left(prog.scope.as_of, settles)
    gaps = prog.remember("entity_gaps", lambda: every_gap(prog), shared=True).get(spec.code, {})
    return Need(
        spec.code,
        pic.status,
        pic.value,
        spec.target,
        settles.code,
        left,
        gain_per_quarter(pic.value, spec.target, left, lower_is_better=spec.lower_is_better),
        named_gaps(gaps, actor),
        spec.unit,
        period.code,
        pic.expected,
    )


def named_gaps(gaps: Mapping[str, float], actor: Actor | None) -> list[tuple[str, float]]:
    """The heaviest entities for whoever sees every entity; for an entity team, its own share of
    the gap (wherever it stands), and no other entity."""
    if actor is None or entity_scope(actor, None, Action.VIEW_PROGRAMME) is None:
        return heaviest(gaps)
    return sorted(
        (e, share) for e, share in shares(gaps).items() if may(actor, Action.VIEW_ENTITY_FIGURES, e)
    )


def what_it_would_take(prog: Programme, actor: Actor | None = None) -> list[Need]:
    """Every KPI off its path (off track or at risk), worst first. Entities are named only where
    `actor` (when given) may see their figures (`named_gaps`); the shares are of every entity's
    gap."""
    found = [n for spec in prog.specs if (n := need(prog, spec, actor)) is not None]
    order = {s.code: i for i, s in enumerate(prog.specs)}
    return sorted(found, key=lambda n: (SEVERITY[n.status], order[n.kpi_code]))


# ---------------------------------------------------------------------------------------------
# The whole programme (issue 16): initiatives, the procedures plan and the budget


@dataclass(frozen=True)
class WholeProgramme:
    """The three pictures of the programme beside its KPIs at `prog`'s scope, as the services
    give them to their own pages and the API: the overview's headline and the committee report
    show these, so that their numbers agree with /initiatives, /procedures and /budget."""

    initiatives: InitiativesPicture
    procedures: ProceduresPicture
    budget: BudgetPicture


def whole_programme(session: Session, prog: Programme) -> WholeProgramme:
    """The initiatives and the procedures are remembered with the programme (they change only
    with a submission, which makes a new version of the data); the budget is read each time
    (the office's allocations change it without one)."""
    return WholeProgramme(
        prog.remember("initiatives_picture", lambda: initiatives_picture(session, prog.scope)),
        procedures_picture(session, prog),
        budget_picture(session, prog.scope),
    )
