"""Scores, ranks, changes, the grid's statuses and an entity's pictures, read from a few
periods' figures (services.programme: `standing_figures`, `standings`, `pictures_of`), are those
computed from every figure, on the demo's history, on both stores, in both views, including a
first figure made invalid by a later revision (which sends the read back to the whole history)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from data.db import Store
from data.models import Entity, Kpi, Observation, Period, Submission
from services.actors import Actor, Role
from services.programme import Programme, _read, _store_key, scope_for


def both(store: Store, period: str, unapproved: bool) -> tuple[Programme, Programme]:
    """The programme as pages get it (figures read when asked for) and the same programme
    with every figure read first."""
    office = Actor(Role.SUPERVISOR)
    scope = scope_for(office, period, unapproved, [period])
    key = _store_key(store)
    light, full = _read(store, key, scope), _read(store, key, scope)
    full.ranking_figures.everything()
    return light, full


def assert_same_standing(light: Programme, full: Programme) -> None:
    assert light.scores == full.scores
    assert light.ranks == full.ranks
    assert light.changes == full.changes
    for spec in light.specs:
        pictures = full.entity_pictures(spec.code)
        standings = light.standings(spec.code)
        for entity, pic in pictures.items():
            got = standings.get(entity)
            if got is None:
                assert pic.value is None
                continue
            assert (got.status, got.progress, got.current, got.start) == (
                pic.status,
                pic.progress,
                pic.current,
                pic.start,
            ), (spec.code, entity)


@pytest.mark.parametrize("period", ["2023-Q2", "2025-Q3"])
@pytest.mark.parametrize("unapproved", [False, True])
def test_standings_from_a_few_periods_are_those_of_every_figure(demo_db_url, period, unapproved):
    store = Store(demo_db_url)
    light, full = both(store, period, unapproved)
    assert not light.ranking_figures.complete  # the light one never read everything
    assert_same_standing(light, full)
    assert not light.ranking_figures.complete
    assert light.scores and any(light.standings(s.code) for s in light.specs)
    store.engine.dispose()


def test_an_entitys_page_reads_its_own_figures_only_and_draws_the_same(demo_db_url):
    store = Store(demo_db_url)
    light, full = both(store, "2025-Q3", False)
    for entity in ("MOH", "MOE"):
        mine = light.pictures_of(entity)
        expected = {
            s.code: pic
            for s in full.specs
            if (pic := full.entity_pictures(s.code).get(entity)) is not None
        }
        assert mine.keys() == expected.keys() and mine
        for code, pic in expected.items():
            assert (mine[code].series, mine[code].status, mine[code].forecast) == (
                pic.series,
                pic.status,
                pic.forecast,
            )
    assert not light.ranking_figures.complete
    store.engine.dispose()


def test_a_first_figure_spoilt_by_a_later_revision_is_looked_for_in_the_whole_history(
    demo_db_url,
):
    """The earliest period anything was carried for is not always the first figure that
    counts: here the latest revision of an entity's first quarter holds an unusable number."""
    store = Store(demo_db_url)
    with store.transaction() as db:
        first_quarter = db.scalar(select(Period.id).where(Period.code == "2021-Q1"))
        kpi = db.scalar(select(Kpi.id).where(Kpi.code == "T1.1"))
        entity = db.scalar(select(Entity.id).where(Entity.code == "MOH"))
        latest = db.scalar(
            select(Observation.id)
            .join(Submission, Submission.id == Observation.submission_id)
            .where(
                Observation.entity_id == entity,
                Observation.kpi_id == kpi,
                Observation.period_id == first_quarter,
                Submission.status == "approved",
            )
            .order_by(Submission.id.desc())
            .limit(1)
        )
        assert latest is not None
        db.execute(
            update(Observation)
            .where(Observation.id == latest)
            .values(value=1e300, numerator=None, denominator=None)
        )
    light, full = both(store, "2025-Q3", False)
    assert_same_standing(light, full)
    # read again whole: the KPI's figures are every one of them
    assert len(light.standing_figures["T1.1"]) == len(full.ranking_figures["T1.1"])
    assert full.entity_pictures("T1.1")["MOH"].start != 1e300
    store.engine.dispose()
