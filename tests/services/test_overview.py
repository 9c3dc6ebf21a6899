"""The overview's numbers on the demo history, on SQLite and PostgreSQL: the headline agrees with
the KPIs' own pictures and the API, the grid with the entities' pictures, and what it would take
reaches the target."""

from __future__ import annotations

import pytest

from data.cache import ResultCache
from data.db import Store
from kpis.analysis import entity_pictures
from kpis.status import AT_RISK, OFF_TRACK, STATUSES
from services.actors import Actor, Role
from services.api_view import programme_picture
from services.overview import (
    NOT_REPORTED,
    filter_grid,
    headline,
    ministry_grid,
    quarter_completeness,
    quarter_tally,
    sort_grid,
    what_it_would_take,
)
from services.programme import Programme, programme, quarter_options, scope_for

COMMITTEE = Actor(Role.COMMITTEE)
MOH = Actor(Role.ENTITY, "MOH")


@pytest.fixture
def demo(demo_db_url):
    store = Store(demo_db_url)
    yield store
    store.engine.dispose()


def picture_at(store: Store, period: str, actor: Actor = COMMITTEE) -> Programme:
    with store.session() as db:
        choices = quarter_options(db)
    return programme(store, ResultCache(), scope_for(actor, period, False, choices))


def test_headline_counts_add_up_and_agree_with_every_kpi_and_the_api(demo):
    prog = picture_at(demo, "2025-Q4")
    head = headline(prog)
    api = programme_picture(prog, COMMITTEE)
    whole = head.programme
    assert whole.kpis == len(prog.specs) == 24
    assert sum(whole.counts.values()) == whole.kpis
    assert whole.counts[OFF_TRACK] > 0  # the demo has KPIs off track at the end of the cycle
    assert set(head.tracks) == {"T1", "T2", "T3", "T4"}
    api_tracks = {t["code"]: t["counts"] for t in api["tracks"]}
    for code, line in head.tracks.items():
        statuses = [prog.national[s.code].status for s in prog.specs if s.track == code]
        assert line.counts == {s: statuses.count(s) for s in STATUSES}
        assert line.counts == api_tracks[code]
    for status in STATUSES:
        assert sum(t.counts[status] for t in head.tracks.values()) == whole.counts[status]
    entity_kpis = [k for k in api["kpis"] if prog.spec(k["code"]).scope == "entity"]
    assert whole.reported == sum(k["coverage"]["reported"] for k in entity_kpis)
    assert whole.expected == sum(k["coverage"]["expected"] for k in entity_kpis)
    assert whole.reported < whole.expected  # files of 2025-Q4 await review: not counted
    verdicts = [k["forecast"]["verdict"] for k in api["kpis"]]
    assert whole.likely == sum(v in ("likely", "met") for v in verdicts)
    assert whole.forecastable == sum(
        v in ("likely", "unlikely", "met", "not_met") for v in verdicts
    )


def test_quarter_completeness_counts_every_figure_due(demo):
    with demo.session() as db:
        received, expected = quarter_completeness(db, "2025-Q3")
        moh = quarter_tally(db, "2025-Q3", "MOH")
        q4_moh = quarter_tally(db, "2025-Q4", "MOH")
    prog = picture_at(demo, "2025-Q3")
    owed = sum(len(prog.assigned.get(s.code, ())) for s in prog.specs if s.frequency == "quarterly")
    assert expected == owed  # 2025-Q3: the quarterly KPIs of every entity assigned them
    assert 0 < received <= expected
    moh_owed = sum(
        1 for s in prog.specs if s.frequency == "quarterly" and "MOH" in prog.assigned[s.code]
    )
    assert moh.expected == moh_owed
    assert q4_moh.expected > moh.expected  # the fourth quarter's template adds the annual KPIs


def test_grid_shows_each_entitys_own_status_and_not_reported_apart(demo):
    prog = picture_at(demo, "2025-Q4")
    rows = {r.entity_code: r for r in ministry_grid(prog)}
    assert len(rows) == len(prog.entity_names) == 28
    moh_t11 = entity_pictures(prog.spec("T1.1"), prog.entity_figures["T1.1"], prog.scope.as_of)
    assert rows["MOH"].cells["T1.1"] == moh_t11["MOH"].status
    assert rows["MOH"].score == prog.scores["MOH"] and rows["MOH"].rank == prog.ranks["MOH"]
    # the committee sees approved figures only: some entities' 2025-Q4 files await review
    unreported = [r for r in rows.values() if r.count(None)]
    assert unreported and all(r.score is None for r in unreported if len(r.cells) == r.count(None))
    national = {s.code for s in prog.specs if s.scope == "national"}
    assert not any(national & set(r.cells) for r in rows.values())
    assert not ({"T1.1"} - set(rows["MOH"].cells))


def test_grid_filters_and_sorts(demo):
    prog = picture_at(demo, "2025-Q4")
    rows = ministry_grid(prog)
    t1 = [s.code for s in prog.specs if s.track == "T1" and s.scope == "entity"]
    off = filter_grid(rows, t1, OFF_TRACK)
    assert off and all(any(r.cells.get(k) == OFF_TRACK for k in t1) for r in off)
    silent = filter_grid(rows, t1, NOT_REPORTED)
    assert silent and all(any(r.cells.get(k) is None for k in t1 if k in r.cells) for r in silent)
    by_score = sort_grid(rows, "score", t1)
    scores = [r.score for r in by_score if r.score is not None]
    assert scores == sorted(scores) and by_score[-1].score is None
    by_off = sort_grid(rows, "off_track", t1)
    counts = [r.count(OFF_TRACK, t1) for r in by_off]
    assert counts == sorted(counts, reverse=True)
    names = [r.name_en for r in sort_grid(rows, "name", t1)]
    assert names == sorted(names, key=str.casefold)


def test_an_entity_team_sees_its_own_row_and_its_own_share_only(demo):
    prog = picture_at(demo, "2025-Q2", MOH)
    assert [r.entity_code for r in ministry_grid(prog, MOH)] == ["MOH"]
    needs = what_it_would_take(prog, MOH)
    assert needs and all({e for e, _share in n.heaviest} <= {"MOH"} for n in needs)
    own = [share for n in needs for e, share in n.heaviest]
    assert own and all(0 < share < 1 for share in own)  # MOH is behind the path on some KPIs
    committee = {n.kpi_code: n for n in what_it_would_take(picture_at(demo, "2025-Q2"))}
    for n in needs:  # the same KPIs and the same arithmetic as the committee's
        assert (n.now, n.gain_per_quarter) == (
            committee[n.kpi_code].now,
            committee[n.kpi_code].gain_per_quarter,
        )


def test_what_it_would_take_reaches_the_target(demo):
    prog = picture_at(demo, "2025-Q2")
    needs = {n.kpi_code: n for n in what_it_would_take(prog)}
    off_path = {s.code for s in prog.specs if prog.national[s.code].status in (OFF_TRACK, AT_RISK)}
    assert set(needs) == off_path and off_path
    for need in needs.values():
        assert need.quarters_left == (2 if need.target_period in ("2025-Q4", "2025") else 0)
        assert need.now + need.gain_per_quarter * need.quarters_left == pytest.approx(need.target)
        shares = [share for _e, share in need.heaviest]
        assert shares == sorted(shares, reverse=True)
        assert not shares or 0 < sum(shares) <= 1 + 1e-9
    t15 = needs["T1.5"]  # ratio_of_sums: the entities short of the path's share of services
    assert t15.gain_per_quarter > 0 and len(t15.heaviest) == 3
    entity = t15.heaviest[0][0]
    mine = next(
        f for f in prog.ranking_figures["T1.5"] if f.entity == entity and f.period.code == "2025-Q2"
    )
    assert mine.numerator < t15.path / 100 * mine.denominator  # it is behind the path


def test_at_the_target_period_only_the_gap_remains(demo):
    prog = picture_at(demo, "2025-Q4")
    needs = what_it_would_take(prog)
    assert needs
    for need in needs:
        assert need.quarters_left == 0 and need.gain_per_quarter is None
        assert need.gap != 0
