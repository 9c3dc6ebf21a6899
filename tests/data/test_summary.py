"""The national sums kept in the store (data.summary) equal a recomputation from the figures the
pages are given (data.analytics.figures, kpis.aggregate.sums_of), after every step that changes
what is shown, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import astuple

import pytest
from sqlalchemy import select, update

from data import summary
from data.analytics import figures
from data.db import Store
from data.models import Entity, Kpi, KpiSummary, Observation, Period, ProgrammeCycle, Submission
from etl.load import Row, load_submission
from etl.workflow import approve, return_for_changes
from kpis.aggregate import Figure, Sums, sums_of
from services import entities_admin
from services.actors import Actor, Role

ADMIN = Actor(Role.ADMIN)


@pytest.fixture
def demo(demo_db_url):
    store = Store(demo_db_url)
    yield store
    store.engine.dispose()


def recomputed(db, view: str) -> dict[tuple[str, str, str], Sums]:
    """(cycle, KPI, period) -> the sums of what data.analytics.figures shows in `view`."""
    found = {}
    for cycle in db.scalars(select(ProgrammeCycle.code)):
        grouped = defaultdict(list)
        for f in figures(db, include_unapproved=view == "pending", cycle=cycle):
            grouped[(f.kpi, f.period.code)].append(
                Figure(f.entity, f.value, f.numerator, f.denominator)
            )
        for (kpi, period), group in grouped.items():
            found[(cycle, kpi, period)] = sums_of(group)
    return found


def kept(db, view: str) -> dict[tuple[str, str, str], Sums]:
    """(cycle, KPI, period) -> the sums in the summary table."""
    rows = db.execute(
        select(ProgrammeCycle.code, Kpi.code, Period.code, *summary._columns())
        .join(Kpi, Kpi.id == KpiSummary.kpi_id)
        .join(ProgrammeCycle, ProgrammeCycle.id == Kpi.cycle_id)
        .join(Period, Period.id == KpiSummary.period_id)
        .where(KpiSummary.view == view)
    )
    return {(c, k, p): Sums(*rest) for c, k, p, *rest in rows}


def _close(got: Sums, want: Sums) -> bool:
    """Equal, but for the last digits of a sum (SQL adds in its own order)."""
    return all(
        g == w if g is None or w is None else g == pytest.approx(w, rel=1e-12)
        for g, w in zip(astuple(got), astuple(want), strict=True)
    )


def assert_same(store: Store) -> None:
    with store.session() as db:
        for view in summary.VIEWS:
            want, got = recomputed(db, view), kept(db, view)
            assert set(got) == set(want), (view, set(got) ^ set(want))
            for key, sums in want.items():
                assert _close(got[key], sums), (view, key, got[key], sums)


def test_the_seeded_demo_is_summarised(demo):
    with demo.session() as db:
        assert not summary.is_empty(db)
        assert len(kept(db, "approved")) > 100
        assert kept(db, "pending") != kept(db, "approved")  # the demo has figures awaiting review
    assert_same(demo)


def _submit(db, entity: str, quarter: str, rows):
    who = db.scalar(select(Entity).where(Entity.code == entity))
    period = db.scalar(select(Period).where(Period.code == quarter))
    return load_submission(db, who, period, rows, uploader=None)


def _national(db, view: str, kpi: str, period: str) -> Sums:
    return kept(db, view)[("2021-2025", kpi, period)]


def test_each_step_keeps_the_summary(demo):
    # an upload: a new current submission, shown only with the figures awaiting review
    with demo.transaction() as db:
        before = _national(db, "approved", "T1.5", "2025-Q4")
        first = _submit(
            db,
            "MOH",
            "2025-Q4",
            [Row("T1.5", "2025-Q4", None, 7_000_000, 9_000_000), Row("T1.1", "2025-Q4", 12.5)],
        )
        first_id = first.id
    assert_same(demo)
    with demo.session() as db:
        assert _national(db, "approved", "T1.5", "2025-Q4") == before
        assert _national(db, "pending", "T1.5", "2025-Q4").ratio_numerator > 7_000_000

    # approved: now official
    with demo.transaction() as db:
        approve(db, db.get(Submission, first_id), None)
    assert_same(demo)
    with demo.session() as db:
        assert _national(db, "approved", "T1.5", "2025-Q4") != before

    # a national KPI reported once (rule `latest`): the newest submission's figure
    with demo.transaction() as db:
        returned = _submit(db, "MTCIT", "2025-Q4", [Row("T2.2", "2025-Q4", 42.0)])
        assert _national(db, "pending", "T2.2", "2025-Q4").latest_value == 42.0
        return_for_changes(db, returned, None, "check the milestone")
    assert_same(demo)
    with demo.session() as db:
        assert _national(db, "pending", "T2.2", "2025-Q4").latest_value != 42.0

    # an entity switched off from 2024-Q1: its figures from then on count no more
    with demo.transaction() as db:
        reported = _national(db, "approved", "T1.5", "2024-Q2").reported
        entities_admin.deactivate(db, ADMIN, "MOH", from_period="2024-Q1")
    assert_same(demo)
    with demo.session() as db:
        assert _national(db, "approved", "T1.5", "2024-Q2").reported == reported - 1
    with demo.transaction() as db:
        entities_admin.reactivate(db, ADMIN, "MOH")
    assert_same(demo)


def test_invalid_figures_are_counted_apart(demo):
    """A figure no unit allows (written by hand, past the store's checks) is left out of the
    sums and counted as invalid, as kpis.aggregate does."""
    with demo.transaction() as db:
        kpi = db.scalar(select(Kpi.id).where(Kpi.code == "T1.5"))
        period = db.scalar(select(Period.id).where(Period.code == "2023-Q2"))
        db.execute(
            update(Observation)
            .where(Observation.kpi_id == kpi, Observation.period_id == period)
            .values(value=1e16)
        )
        summary.refresh(db, kpi_ids=[kpi], period_ids=[period])
    assert_same(demo)
    with demo.session() as db:
        sums = _national(db, "approved", "T1.5", "2023-Q2")
        assert sums.invalid > 0 and sums.reported == 0


def test_rebuild_gives_the_same_rows(demo):
    with demo.session() as db:
        before = {v: kept(db, v) for v in summary.VIEWS}
    with demo.transaction() as db:
        db.execute(KpiSummary.__table__.delete())
        assert summary.is_empty(db)
        summary.rebuild(db)
    with demo.session() as db:
        for view in summary.VIEWS:
            after = kept(db, view)
            assert set(after) == set(before[view])
            assert all(_close(after[key], sums) for key, sums in before[view].items())


def test_two_recomputations_at_once(demo):
    """Two transactions recomputing the same rows at once: the second waits for the first to end,
    then deletes what it wrote and recomputes (reviews and uploads also take turns on the audit
    chain's head; a refresh called without an audit event must not rely on it). SQLite allows
    one writer at a time anyway."""
    with demo.transaction() as db:
        moh = _submit(db, "MOH", "2025-Q4", [Row("T1.5", "2025-Q4", None, 10.0, 20.0)]).id
        kpi = db.scalar(select(Kpi.id).where(Kpi.code == "T1.5"))
    first = demo.session()
    first.begin()
    first.execute(update(Submission).where(Submission.id == moh).values(status="approved"))
    summary.refresh(first, kpi_ids=[kpi])  # holds its rows until it ends
    failures = []

    def second() -> None:
        try:
            with demo.transaction() as db:
                summary.refresh(db, kpi_ids=[kpi])
        except Exception as error:
            failures.append(error)

    worker = threading.Thread(target=second)
    if demo.engine.dialect.name == "postgresql":
        worker.start()
        time.sleep(1.0)  # the second is now waiting for the first
        first.commit()
    else:
        first.commit()
        worker.start()
    worker.join(timeout=60)
    first.close()
    assert not worker.is_alive() and not failures, failures
    assert_same(demo)


def _near(a: float | None, b: float | None) -> bool:
    return a is b if a is None or b is None else a == pytest.approx(b, rel=1e-9)


def _old_programme(store: Store, scope):
    """The programme as it was made before the summaries: every figure read and aggregated."""
    from data import analytics as queries
    from data.cycles import cycle_code_of
    from data.queries import kpi_specs
    from services.programme import build

    with store.session() as db:
        cycle = cycle_code_of(db, scope.as_of)
        shown = queries.figures(db, include_unapproved=scope.include_unapproved, cycle=cycle)
        own = (
            queries.figures(db, include_unapproved=True, entity=scope.own_entity, cycle=cycle)
            if scope.own_entity
            else []
        )
        return build(
            scope,
            kpi_specs(db, cycle),
            queries.assignments(db, cycle),
            shown,
            own,
            {e.code: e for e in queries.entities(db)},
            {},
            queries.own_targets(db, cycle),
        )


@pytest.mark.parametrize(
    ("quarter", "unapproved", "own"),
    [("2025-Q3", False, None), ("2025-Q4", True, None), ("2023-Q2", False, "MOH")],
)
def test_the_programme_from_the_summary_is_the_one_from_every_figure(
    demo, quarter, unapproved, own
):
    """National pictures (values, coverage, status, forecast), scores, ranks, changes and an
    entity's pictures: the same as computed from every figure; and a programme shared between
    processes (pickled) still reads its entities' figures when asked."""
    import pickle

    from data.cache import ResultCache
    from kpis.periods import parse_period
    from services.programme import Scope, programme

    scope = Scope(parse_period(quarter), unapproved, own)
    new, old = programme(demo, ResultCache(), scope), _old_programme(demo, scope)
    assert set(new.national) == set(old.national)
    for code, picture in old.national.items():
        got = new.national[code]
        assert got.status == picture.status and _near(got.progress, picture.progress), code
        assert got.forecast.verdict == picture.forecast.verdict, code
        assert _near(got.forecast.value, picture.forecast.value), code
        assert len(got.series) == len(picture.series), code
        for a, b in zip(got.series, picture.series, strict=True):
            assert a.period == b.period and a.invalid == b.invalid, (code, a.period)
            assert _near(a.value, b.value) and _near(a.expected, b.expected), (code, a.period)
            counts = [
                (n.reported, n.expected, n.invalid) if n else None for n in (a.national, b.national)
            ]
            assert counts[0] == counts[1], (code, a.period)
    shared = pickle.loads(pickle.dumps(new))  # noqa: S301 - made here
    assert shared.entity_pictures("T1.5") == old.entity_pictures("T1.5")
    assert (new.scores, new.ranks, new.changes) == (old.scores, old.ranks, old.changes)
    assert new.scores and any(p.value is not None for p in new.national.values())


def test_the_command_line_rebuilds_after_a_change_by_hand(demo, monkeypatch, capsys):
    """A figure changed in the database outside the app reaches the sums after
    `python -m data rebuild-summaries`, not before."""
    from data.__main__ import main

    with demo.transaction() as db:
        kpi = db.scalar(select(Kpi.id).where(Kpi.code == "T1.5"))
        period = db.scalar(select(Period.id).where(Period.code == "2023-Q2"))
        db.execute(
            update(Observation)
            .where(Observation.kpi_id == kpi, Observation.period_id == period)
            .values(value=1e16)
        )
    with demo.session() as db:
        assert _national(db, "approved", "T1.5", "2023-Q2").invalid == 0  # not yet
    monkeypatch.setenv("DATABASE_URL", demo.engine.url.render_as_string(hide_password=False))
    assert main(["rebuild-summaries"]) == 0
    assert "recomputed" in capsys.readouterr().out
    with demo.session() as db:
        assert _national(db, "approved", "T1.5", "2023-Q2").invalid > 0
    assert_same(demo)
