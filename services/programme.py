"""The picture of the programme as an actor may see it: whose figures, as of which quarter, every
KPI's national picture, entities' pictures, scores and ranks. Pages, the API and reports all draw
from here; the meaning of each number is in `kpis/`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import analytics as queries
from data.cache import ResultCache
from data.cycles import cycle_code_of, cycles
from data.db import Store
from data.models import Entity, Period, Submission
from data.queries import kpi_specs
from kpis.analysis import (
    Observed,
    Picture,
    by_kpi,
    entity_pictures,
    entity_progress,
    national_picture,
)
from kpis.changes import Change, like_for_like
from kpis.expected import expected_entities
from kpis.own_targets import OwnTargets, by_own_spec
from kpis.periods import PeriodCode, parse_period, quarters
from kpis.revisions import RevisionStanding, revision_standing
from kpis.score import entity_score, ranks
from kpis.spec import KpiSpec
from services.actors import Action, Actor, Role, require


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


@dataclass
class Programme:
    """Every KPI's national picture; entities' pictures computed when a page asks for them."""

    scope: Scope
    specs: list[KpiSpec]
    national: dict[str, Picture]
    entity_figures: dict[str, list[Observed]]  # KPI code -> entities' figures shown in detail
    ranking_figures: dict[str, list[Observed]]  # KPI code -> every entity's figures, for ranks
    assigned: dict[str, set[str]]
    entity_names: dict[str, queries.NamedRow] = field(default_factory=dict)
    track_names: dict[str, queries.NamedRow] = field(default_factory=dict)
    # KPI code -> entity -> its own (baseline, target): they rate its own figures (kpis.own_targets)
    own_targets: dict[str, OwnTargets] = field(default_factory=dict)
    _pictures: dict[str, dict[str, Picture]] = field(default_factory=dict)

    def spec(self, code: str) -> KpiSpec | None:
        return next((s for s in self.specs if s.code == code), None)

    def entity_pictures(self, code: str) -> dict[str, Picture]:
        """Entity code -> picture of KPI `code` (entity-scoped KPIs only)."""
        spec = self.spec(code)
        if spec is None or spec.scope != "entity":
            return {}
        if code not in self._pictures:
            figures = self.entity_figures.get(code, [])
            own = self.own_targets.get(code, {})
            self._pictures[code] = {
                entity: pic
                for rated, group in by_own_spec(spec, figures, own)
                for entity, pic in entity_pictures(rated, group, self.scope.as_of).items()
            }
        return self._pictures[code]

    @cached_property
    def scores(self) -> dict[str, float | None]:
        """Every entity's score from the figures everybody may rank on (approved ones, unless
        the office includes those awaiting approval)."""
        per_entity: dict[str, list[float | None]] = {e: [] for e in self.entity_names}
        for spec in self.specs:
            if spec.scope != "entity":
                continue
            figures = self.ranking_figures.get(spec.code, [])
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
        entities reported in both: kpis.changes); KPIs with nothing to compare are absent."""
        found = {}
        for spec in self.specs:
            figures = self.ranking_figures.get(spec.code, [])
            if change := like_for_like(spec, figures, self.scope.as_of):
                found[spec.code] = change
        return found


def programme(store: Store, cache: ResultCache, scope: Scope) -> Programme:
    """The programme at `scope`, computed once per version of the data (the heavy part)."""
    with store.session() as db:
        version = queries.data_version(db)
    return cache.get_or_make(("programme", version, scope), lambda: _read(store, scope))


def _read(store: Store, scope: Scope) -> Programme:
    """The KPIs, tracks and figures of the cycle `scope.as_of` belongs to."""
    with store.session() as db:
        cycle = cycle_code_of(db, scope.as_of)
        specs = kpi_specs(db, cycle)
        assigned = queries.assignments(db, cycle)
        names = {e.code: e for e in queries.entities(db)}
        track_names = {t.code: t for t in queries.tracks(db, cycle)}
        own_targets = queries.own_targets(db, cycle)
        shown = queries.figures(db, include_unapproved=scope.include_unapproved, cycle=cycle)
        own = (
            queries.figures(db, include_unapproved=True, entity=scope.own_entity, cycle=cycle)
            if scope.own_entity
            else []
        )
    return build(scope, specs, assigned, shown, own, names, track_names, own_targets)


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
