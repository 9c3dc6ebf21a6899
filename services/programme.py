"""The picture of the programme as an actor may see it: whose figures, as of which quarter, every
KPI's national picture, entities' pictures, scores and ranks. Pages, the API and reports all draw
from here; the meaning of each number is in `kpis/`."""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import analytics as queries
from data import summary
from data.cache import ResultCache
from data.cycles import cycle_code_of, cycles
from data.db import Store
from data.models import Entity, Kpi, Period, ProgrammeCycle, Submission
from data.queries import kpi_specs
from kpis.aggregate import Sums
from kpis.analysis import (
    Observed,
    Picture,
    Standing,
    by_kpi,
    entity_pictures,
    entity_progress,
    entity_standings,
    holds_first_figure,
    national_picture,
    national_picture_of_sums,
    standing_periods,
    starts_from_first_figure,
)
from kpis.changes import Change, like_for_like
from kpis.expected import expected_entities
from kpis.own_targets import OwnTargets, by_own_spec
from kpis.periods import PeriodCode, parse_period, quarters
from kpis.revisions import RevisionStanding, revision_standing
from kpis.score import entity_score, ranks
from kpis.spec import KpiSpec
from services.actors import Action, Actor, Role, require

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The state a page is drawn from, checked on the server."""

    as_of: PeriodCode
    include_unapproved: bool
    own_entity: str | None  # an entity user's entity: theirs in every status, others not at all


def scope_for(
    actor: Actor | None, period: str | None, unapproved: bool, choices: list[str]
) -> Scope:
    """Committee: approved figures only. Entity users: approved national figures and their own
    entity in every status. The office: everything, unapproved figures when it asks for them.
    A period not among `choices` falls back to the first (the latest with approved figures)."""
    actor = require(actor, Action.VIEW_PROGRAMME)
    if not choices:
        raise LookupError("the programme has no quarters")
    as_of = period if period in choices else choices[0]
    own = actor.entity_code if actor.role is Role.ENTITY else None
    return Scope(parse_period(as_of), actor.is_office and unapproved, own)


# the stores programmes read entities' figures from, by a digest of their address: a programme
# shared through Redis (data.cache) names its store without carrying its address or password;
# held weakly, as long as the app (or a test) holds its store
_STORES: weakref.WeakValueDictionary[str, Store] = weakref.WeakValueDictionary()
_STORES_LOCK = threading.Lock()


def _store_key(store: Store) -> str:
    address = store.engine.url.render_as_string(hide_password=False)
    key = hashlib.sha256(address.encode()).hexdigest()
    with _STORES_LOCK:
        _STORES[key] = store
    return key


@dataclass(frozen=True)
class FigureSource:
    """Which entities' figures a programme shows, read from the store when a page asks."""

    store_key: str
    cycle: str | None
    include_unapproved: bool
    entity: str | None  # an entity user's own entity, in every status; None: every entity
    as_of: PeriodCode

    def read(
        self, kpi: str | None = None, periods: Collection[str] | None = None
    ) -> list[Observed]:
        with _STORES[self.store_key].session() as db:
            found = queries.figures(
                db,
                include_unapproved=self.include_unapproved,
                entity=self.entity,
                cycle=self.cycle,
                kpi=kpi,
                periods=periods,
            )
        return [f for f in found if f.period.end <= self.as_of.end]

    def of_entity(self, entity: str) -> FigureSource:
        """The same figures, of one entity."""
        return replace(self, entity=entity)

    def standing(self, specs: Iterable[KpiSpec]) -> dict[str, list[Observed]]:
        """KPI code -> the figures that say where each entity stands at `as_of` (status,
        progress, the change since the period before): those of the periods
        kpis.analysis.standing_periods names and each entity's first figure where its path
        starts from it; every figure of a KPI that needs them all. A few periods' figures
        instead of the whole history (issue 17); the same standings (tests/services)."""
        specs = list(specs)
        whole = [s for s in specs if standing_periods(s, self.as_of) is None]
        recent = [s for s in specs if s not in whole]
        periods = {p.code for s in recent for p in standing_periods(s, self.as_of)}
        with _STORES[self.store_key].session() as db:
            earliest, firsts = queries.first_figures(
                db,
                include_unapproved=self.include_unapproved,
                cycle=self.cycle,
                kpis=[s.code for s in recent if starts_from_first_figure(s)],
                until=self.as_of.end,
                entity=self.entity,
            )
        found = by_kpi([*self.read(periods=periods), *firsts])
        for spec in recent:
            if not self._starts_found(spec, found.get(spec.code, []), earliest):
                found[spec.code] = self.read(kpi=spec.code)  # rare: a first figure left out
        for spec in whole:
            found[spec.code] = self.read(kpi=spec.code)
        return {s.code: found.get(s.code, []) for s in specs}

    def _starts_found(
        self, spec: KpiSpec, figures: list[Observed], earliest: Mapping[tuple[str, str], date]
    ) -> bool:
        """Whether `figures` hold the first figure of every entity whose path starts there."""
        per_entity: dict[str, list[Observed]] = defaultdict(list)
        for f in figures:
            per_entity[f.entity].append(f)
        return all(
            holds_first_figure(spec, per_entity[entity], end, self.as_of)
            for (entity, code), end in earliest.items()
            if code == spec.code
        )


class LazyFigures(Mapping[str, list[Observed]]):
    """KPI code -> entities' figures, read from the store one KPI at a time as pages ask for
    them; all at once (one query) for what needs every KPI (scores, changes, grids), or once
    more than `ONE_BY_ONE` KPIs are asked for. Every code maps to a list, empty when nothing was
    reported. Safe to share between threads: at worst two read the same figures."""

    # KPIs read one at a time before the rest are read at once: a KPI's page asks for one, the
    # overview and an entity's page for every KPI (measured at 280 entities: a KPI's figures in
    # about 0.1 s, all of them in about 1 s)
    ONE_BY_ONE = 1

    def __init__(self, source: FigureSource) -> None:
        self.source = source
        self._found: dict[str, list[Observed]] = {}
        self._complete = False

    def __getitem__(self, code: str) -> list[Observed]:
        if code not in self._found and not self._complete:
            if len(self._found) >= self.ONE_BY_ONE:
                self.everything()
            else:  # copy on write: another thread may be iterating over the old dict
                self._found = {**self._found, code: self.source.read(code)}
        return self._found.get(code, [])

    @property
    def complete(self) -> bool:
        """Whether every KPI's figures have been read."""
        return self._complete

    def everything(self) -> LazyFigures:
        if not self._complete:
            self._found = dict(by_kpi(self.source.read()))
            self._complete = True
        return self

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and bool(self[code])

    def __iter__(self) -> Iterator[str]:
        self.everything()
        return iter([code for code, found in self._found.items() if found])

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class Programme:
    """Every KPI's national picture; entities' pictures computed when a page asks for them."""

    scope: Scope
    specs: list[KpiSpec]
    national: dict[str, Picture]
    # KPI code -> entities' figures shown in detail (LazyFigures: read when asked for)
    entity_figures: Mapping[str, list[Observed]]
    # KPI code -> every entity's figures, for ranks (LazyFigures: read when asked for)
    ranking_figures: Mapping[str, list[Observed]]
    assigned: dict[str, set[str]]
    entity_names: dict[str, queries.NamedRow] = field(default_factory=dict)
    track_names: dict[str, queries.NamedRow] = field(default_factory=dict)
    # KPI code -> entity -> its own (baseline, target): they rate its own figures (kpis.own_targets)
    own_targets: dict[str, OwnTargets] = field(default_factory=dict)
    _pictures: dict[str, dict[str, Picture]] = field(default_factory=dict)
    _entity_pictures: dict[str, dict[str, Picture]] = field(default_factory=dict)
    _standings: dict[str, dict[str, Standing]] = field(default_factory=dict)
    _remembered: dict[Hashable, Any] = field(default_factory=dict)
    # (the result cache, the data's version) this programme came from: `share_through`
    _shared: tuple[ResultCache, tuple] | None = field(default=None, repr=False, compare=False)

    def __getstate__(self) -> dict:
        """Pickled (into Redis) without what belongs to this process: the cache it came from
        and what it remembered."""
        state = self.__dict__.copy()
        state.update(_shared=None, _remembered={})
        return state

    def share_through(self, cache: ResultCache, version: tuple) -> None:
        """Parts remembered `shared` go through `cache` (Redis when set): one worker makes them
        for every worker and machine, as it made the programme."""
        if self._shared is None:
            self._shared = (cache, version)

    def spec(self, code: str) -> KpiSpec | None:
        return next((s for s in self.specs if s.code == code), None)

    def remember(self, key: Hashable, make: Callable[[], T], *, shared: bool = False) -> T:
        """What `make` gives, made once per programme: a programme is one version of the data
        at one scope (`programme`), so whatever is drawn from that alone (the overview's parts,
        read from the store or computed from every entity's figures) is remembered with it,
        and a page shown again does not compute it again. `key` names what is made and what
        else it depends on (an entity, the day). `shared`: made once for every worker (through
        the result cache, `share_through`), for what is dear to make from every entity's
        figures. Safe between threads: at worst two make it."""
        if key not in self._remembered:
            made = self._made_once(key, make) if shared else make()
            # copy on write: a Programme is shared by the threads of a worker
            self._remembered = {**self._remembered, key: made}
        return self._remembered[key]

    def _made_once(self, key: Hashable, make: Callable[[], T]) -> T:
        """Through Redis only (kept here in `_remembered`, not in the cache's own bounded list,
        where parts would push programmes out)."""
        shared = self._shared[0].shared if self._shared else None
        if shared is None:
            return make()
        return shared.get_or_make(("programme_part", self._shared[1], self.scope, key), make)

    def entity_pictures(self, code: str) -> dict[str, Picture]:
        """Entity code -> picture of KPI `code` (entity-scoped KPIs only)."""
        if code not in self._pictures:
            pictures = self._pictures_from(code, self.entity_figures.get(code, []))
            # copy on write: a Programme is shared by the threads of a worker
            self._pictures = {**self._pictures, code: pictures}
        return self._pictures[code]

    def pictures_of(self, entity: str) -> dict[str, Picture]:
        """KPI code -> the picture of `entity`'s own figures (entity-scoped KPIs it reported),
        read from its figures alone: an entity's page reads one entity's history, not
        everyone's. Nothing for an entity whose figures are not shown in detail (an entity
        user's programme shows its own entity only)."""
        if entity not in self._entity_pictures:
            source = getattr(self.entity_figures, "source", None)
            if source is None or self.entity_figures.complete:
                found = {s.code: self.entity_pictures(s.code).get(entity) for s in self.specs}
            elif source.entity not in (None, entity):
                found = {}
            else:
                figures = by_kpi(source.of_entity(entity).read())
                found = {
                    s.code: self._pictures_from(s.code, figures.get(s.code, [])).get(entity)
                    for s in self.specs
                }
            found = {code: picture for code, picture in found.items() if picture is not None}
            self._entity_pictures = {**self._entity_pictures, entity: found}
        return self._entity_pictures[entity]

    def standings(self, code: str) -> dict[str, Standing]:
        """Entity code -> where it stands on KPI `code` (entity-scoped KPIs only), as its
        picture says, from its standing figures (`standing_figures`)."""
        if code not in self._standings:
            figures = (
                self.standing_figures
                if self.entity_figures is self.ranking_figures
                else self.entity_figures  # an entity user's own figures: one entity's
            )
            found = self._pictures_from(code, figures.get(code, []), entity_standings)
            self._standings = {**self._standings, code: found}
        return self._standings[code]

    @cached_property
    def standing_figures(self) -> Mapping[str, list[Observed]]:
        """KPI code -> the figures everybody may rank on that scores, ranks, changes and the
        grid need: a few periods' (FigureSource.standing), or all of them once read."""
        figures = self.ranking_figures
        if isinstance(figures, LazyFigures) and not figures.complete:
            return figures.source.standing(self.specs)
        return figures

    def _pictures_from(self, code: str, figures: list[Observed], of=None) -> dict:
        """Entity code -> its picture (or what `of` makes) of KPI `code`, each entity's figures
        rated by its own baseline and target where it has them (kpis.own_targets)."""
        spec = self.spec(code)
        if spec is None or spec.scope != "entity":
            return {}
        own = self.own_targets.get(code, {})
        return {
            entity: pic
            for rated, group in by_own_spec(spec, figures, own)
            for entity, pic in (of or entity_pictures)(rated, group, self.scope.as_of).items()
        }

    @cached_property
    def scores(self) -> dict[str, float | None]:
        """Every entity's score from the figures everybody may rank on (approved ones, unless
        the office includes those awaiting approval); made once for every worker."""
        return self.remember("scores", self._scores, shared=True)

    def _scores(self) -> dict[str, float | None]:
        per_entity: dict[str, list[float | None]] = {e: [] for e in self.entity_names}
        every = self.standing_figures
        for spec in self.specs:
            if spec.scope != "entity":
                continue
            figures = every.get(spec.code, [])
            own = self.own_targets.get(spec.code, {})
            progress = {
                entity: value
                for rated, group in by_own_spec(spec, figures, own)
                for entity, value in entity_progress(rated, group, self.scope.as_of).items()
            }
            for entity, value in progress.items():
                if self.entity_names and entity not in self.entity_names:
                    continue  # a deactivated entity: its past figures count, it ranks no more
                per_entity.setdefault(entity, []).append(value)
        return {e: entity_score(p) for e, p in per_entity.items()}

    @cached_property
    def ranks(self) -> dict[str, int]:
        """Rank of each entity with a score (1 is the best); entities without one are absent."""
        return ranks(self.scores)

    @property
    def ranked_among(self) -> int:
        """How many entities have a score: "rank r of n" counts among these only."""
        return len(self.ranks)

    @property
    def unscored(self) -> int:
        """How many active entities have no score (no figure against a target)."""
        return sum(1 for e in self.entity_names if self.scores.get(e) is None)

    @cached_property
    def changes(self) -> dict[str, Change]:
        """KPI code -> its national figure in its last two periods due, like for like (over the
        entities reported in both: kpis.changes); KPIs with nothing to compare are absent. Made
        once for every worker."""
        return self.remember("changes", self._changes, shared=True)

    def _changes(self) -> dict[str, Change]:
        found = {}
        every = self.standing_figures
        for spec in self.specs:
            figures = every.get(spec.code, [])
            if change := like_for_like(spec, figures, self.scope.as_of):
                found[spec.code] = change
        return found


def programme(store: Store, cache: ResultCache, scope: Scope) -> Programme:
    """The programme at `scope`, computed once per version of the data (the heavy part)."""
    key = _store_key(store)  # before the cache: a programme made elsewhere reads from here
    with store.session() as db:
        version = queries.data_version(db)
    found = cache.get_or_make(("programme", version, scope), lambda: _read(store, key, scope))
    found.share_through(cache, version)
    return found


def _read(store: Store, store_key: str, scope: Scope) -> Programme:
    """The KPIs and tracks of the cycle `scope.as_of` belongs to, every KPI's national picture
    from the sums kept in the store (data.summary), and entities' figures read when asked for."""
    with store.session() as db:
        cycle = cycle_code_of(db, scope.as_of)
        specs = kpi_specs(db, cycle)
        assigned = queries.assignments(db, cycle)
        names = {e.code: e for e in queries.entities(db)}
        track_names = {t.code: t for t in queries.tracks(db, cycle)}
        own_targets = queries.own_targets(db, cycle)
        sums = _national_sums(db, scope, cycle)
    national = {
        s.code: national_picture_of_sums(
            s,
            sums.get(s.code, {}),
            lambda period, code=s.code: len(expected_entities(assigned, code, period)),
            scope.as_of,
        )
        for s in specs
    }
    shown = LazyFigures(FigureSource(store_key, cycle, scope.include_unapproved, None, scope.as_of))
    detailed = (
        LazyFigures(FigureSource(store_key, cycle, True, scope.own_entity, scope.as_of))
        if scope.own_entity
        else shown
    )
    return Programme(
        scope, specs, national, detailed, shown, assigned, names, track_names, own_targets
    )


def _national_sums(
    session: Session, scope: Scope, cycle: str | None
) -> dict[str, dict[PeriodCode, Sums]]:
    """KPI code -> period -> the sums of the figures shown (data.summary), up to `scope.as_of`,
    of the KPIs of `cycle`."""
    kpis = select(Kpi.id, Kpi.code)
    if cycle is not None:
        kpis = kpis.join(ProgrammeCycle, ProgrammeCycle.id == Kpi.cycle_id).where(
            ProgrammeCycle.code == cycle
        )
    codes = dict(session.execute(kpis).all())
    periods = {
        i: parse_period(c)
        for i, c, end in session.execute(select(Period.id, Period.code, Period.end_date))
        if end <= scope.as_of.end
    }
    found: dict[str, dict[PeriodCode, Sums]] = defaultdict(dict)
    view = summary.view_of(scope.include_unapproved)
    for (kpi, period), sums in summary.read(session, view, codes).items():
        if period in periods:
            found[codes[kpi]][periods[period]] = sums
    return found


def build(
    scope, specs, assigned, shown, own, names=None, track_names=None, own_targets=None
) -> Programme:
    """National pictures from `shown`; entities' figures from `own` for an entity user (its own
    entity only), from `shown` for everybody else."""
    grouped = by_kpi(f for f in shown if f.period.end <= scope.as_of.end)
    national = {
        s.code: national_picture(
            s,
            grouped.get(s.code, []),
            lambda period, code=s.code: len(expected_entities(assigned, code, period)),
            scope.as_of,
        )
        for s in specs
    }
    detailed = (
        by_kpi(f for f in own if f.period.end <= scope.as_of.end) if scope.own_entity else grouped
    )
    return Programme(
        scope,
        specs,
        national,
        detailed,
        grouped,
        assigned,
        names or {},
        track_names or {},
        own_targets or {},
    )


def quarter_options(session: Session, today: date | None = None) -> list[str]:
    """Quarters with figures, the latest with approved figures first (the default "as of");
    then the ended quarters of a cycle that has no figures yet (a cycle just begun can be
    opened before its first figure); before anything is reported, the programme's last quarter
    ended."""
    today = today or date.today()
    latest = queries.latest_approved_quarter(session)
    choices = queries.reported_quarters(session)
    if not choices:
        last = queries.last_quarter(session, today)
        return [last] if last else []
    choices = _begun_without_figures(session, choices[0], today) + choices
    if latest in choices:
        choices.remove(latest)
        choices.insert(0, latest)
    return choices


def _begun_without_figures(session: Session, newest: str, today: date) -> list[str]:
    """Ended quarters, newest first, of the cycles that started after the newest quarter with
    figures: none while a single cycle runs."""
    after = parse_period(newest).year
    return [
        quarter.code
        for cycle in reversed(cycles(session))
        if cycle.start_year > after
        for quarter in reversed(quarters(cycle.start_year, cycle.target_year))
        if quarter.end < today
    ]


def revision_standings(
    session: Session, quarters: Iterable[str]
) -> dict[tuple[str, str], RevisionStanding]:
    """(entity code, quarter) -> which revision's figures are official and the revisions after
    it awaiting review or returned, for those of `quarters` where such a later revision exists.
    Only numbers and statuses: whoever sees the grid may know that a revision is on its way."""
    rows = session.execute(
        select(Entity.code, Period.code, Submission.revision, Submission.status)
        .join(Entity, Entity.id == Submission.entity_id)
        .join(Period, Period.id == Submission.period_id)
        .where(Entity.active, Period.code.in_(list(quarters)))
    )
    grouped: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for entity, period, revision, status in rows:
        grouped.setdefault((entity, period), []).append((revision, status))
    standings = {key: revision_standing(found) for key, found in grouped.items()}
    return {key: standing for key, standing in standings.items() if standing.worth_saying}
