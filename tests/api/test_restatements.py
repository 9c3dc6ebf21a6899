"""A restated target on the demo history, on SQLite and PostgreSQL: the quarters before the
restatement keep their status and progress, the quarters from it are rated by the new target, on
the programme picture the pages draw and in `/api/v1/programme`; the old definition stays."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.cache import ResultCache
from data.models import AuditEvent, Kpi, Period, Release, User
from etl.due import due_kpis
from kpis.periods import parse_period
from services.actors import Actor, Denied, Role
from services.programme import programme, quarter_options, scope_for
from services.restatements import RestatementProblem, kpi_definitions, restate
from tests.conftest import ROLE_USERS

CODE, BASELINE, OLD, NEW = "T1.5", 34.0, 80.0, 70.0
RATED = ("value", "expected", "status", "progress", "coverage", "period")


def supervisor(db) -> Actor:
    return Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0])))


def api_kpi(api, period: str) -> dict:
    answer = api.get(f"/api/v1/programme?period={period}", "committee")
    assert answer.status_code == 200, answer.text
    return next(k for k in answer.json["kpis"] if k["code"] == CODE)


def national(api, period: str):
    with api.store.session() as db:
        scope = scope_for(Actor(Role.COMMITTEE), period, False, quarter_options(db))
    return programme(api.store, ResultCache(), scope).national[CODE]


def test_a_restated_target_rates_the_quarters_from_its_own(api):
    before = {q: api_kpi(api, q) for q in ("2024-Q4", "2025-Q1", "2025-Q2")}
    assert all(before[q]["value"] is not None for q in before)
    with api.store.transaction() as db:
        restate(
            db,
            supervisor(db),
            CODE,
            target="70%",
            from_period="2025-Q1",
            reason="Cabinet raised the ambition",
        )
    after = {q: api_kpi(api, q) for q in before}
    # 2024-Q4 is rated by the old target: its status, progress and path did not change
    assert {k: after["2024-Q4"][k] for k in RATED} == {k: before["2024-Q4"][k] for k in RATED}
    assert after["2024-Q4"]["status"] == "off_track"
    # its forecast is judged against the target in force at the target period: the new one
    assert before["2024-Q4"]["forecast"]["verdict"] == "unlikely"  # 72.6 projected, 80 wanted
    assert after["2024-Q4"]["forecast"]["verdict"] == "likely"  # 70 wanted
    # from 2025-Q1, the new target: progress, path and status follow it
    for quarter in ("2025-Q1", "2025-Q2"):
        value = after[quarter]["value"]
        assert value == before[quarter]["value"]
        assert after[quarter]["progress"] == pytest.approx((value - BASELINE) / (NEW - BASELINE))
        assert before[quarter]["progress"] == pytest.approx((value - BASELINE) / (OLD - BASELINE))
        share = (parse_period(quarter).quarter + 16) / 20  # quarters from the end of 2020
        assert after[quarter]["expected"] == pytest.approx(BASELINE + (NEW - BASELINE) * share)
    assert before["2025-Q1"]["status"] == before["2025-Q2"]["status"] == "off_track"
    assert after["2025-Q1"]["status"] == after["2025-Q2"]["status"] == "on_track"
    # the programme the pages draw says the same, and carries the target each quarter is rated by
    at_q4, at_q1 = national(api, "2024-Q4"), national(api, "2025-Q1")
    assert (at_q4.status, at_q4.progress) == (
        before["2024-Q4"]["status"],
        before["2024-Q4"]["progress"],
    )
    assert (at_q4.spec.target, at_q1.spec.target) == (OLD, NEW)
    assert at_q1.status == after["2025-Q1"]["status"]
    targets = {p.period.code: p.expected for p in at_q1.series}
    assert targets["2024-Q4"] == pytest.approx(BASELINE + (OLD - BASELINE) * 16 / 20)
    # the API's catalogue gives the definition in force now
    catalogue = api.get("/api/v1/kpis", "committee").json
    assert next(k for k in catalogue if k["code"] == CODE)["target"] == NEW


def test_a_file_is_checked_against_the_definition_in_force_at_its_period(api):
    """The "short of the path" warning (etl.due) uses the same rule as the pages."""
    with api.store.transaction() as db:
        restate(db, supervisor(db), CODE, target="70", from_period="2025-Q1", reason="why")
    with api.store.session() as db:
        q4 = due_kpis(db, "MOH", parse_period("2024-Q4"))[CODE]
    with api.store.session() as db:
        q1 = due_kpis(db, "MOH", parse_period("2025-Q1"))[CODE]
    assert (q4.target, q4.expected) == (OLD, pytest.approx(BASELINE + (OLD - BASELINE) * 0.8))
    assert (q1.target, q1.expected) == (NEW, pytest.approx(BASELINE + (NEW - BASELINE) * 0.85))


def test_both_definitions_are_kept_with_who_when_why_and_the_audit_event(api):
    with api.store.transaction() as db:
        actor = supervisor(db)
        restate(db, actor, CODE, target="70", from_period="2025-Q1", reason="Cabinet decision 12")
    with api.store.session() as db:
        kpi_id = db.scalar(select(Kpi.id).where(Kpi.code == CODE))
        listed = kpi_definitions(db, actor, kpi_id)
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "kpi.restate"))
    old, new = listed.rows
    assert (old.version, old.target, old.effective_from) == (1, OLD, "2021-Q1")
    assert (old.governs[0], old.governs[-1]) == ("2021-Q1", "2024-Q4")
    assert (new.version, new.target, new.baseline, new.effective_from) == (2, NEW, 34, "2025-Q1")
    assert (new.set_by, new.reason) == (ROLE_USERS["supervisor"][0], "Cabinet decision 12")
    assert new.set_at is not None and new.governs == ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4")
    assert (event.object_id, event.reason) == (CODE, "Cabinet decision 12")
    assert event.before == {
        "version": 1,
        "baseline": BASELINE,
        "target": OLD,
        "from": "2021-Q1",
        "unit": "percent",
        "cycle": "2021-2025",
    }
    assert event.after == {
        **event.before,
        "version": 2,
        "target": NEW,
        "from": "2025-Q1",
        "changed": ["target"],
        "field": "target",
    }
    assert event.actor == ROLE_USERS["supervisor"][0]


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"reason": "  "}, "no_reason", "reason"),
        ({"target": "", "baseline": None}, "nothing_given", "target"),
        ({"target": "80"}, "no_change", "target"),
        ({"target": "eighty"}, "bad_target", "target"),
        ({"target": "180"}, "bad_target", "target"),  # a percentage beyond 100
        ({"baseline": "-3"}, "bad_baseline", "baseline"),
        ({"from_period": "2025"}, "bad_period", "from_period"),
        ({"from_period": "2026-Q1"}, "outside_cycle", "from_period"),
        ({"from_period": "Q1"}, "bad_period", "from_period"),
        ({"kpi_code": "T9.9"}, "unknown_kpi", "kpi"),
    ],
)
def test_a_bad_restatement_is_refused_and_changes_nothing(api, changes, code, field):
    wanted = {
        "kpi_code": CODE,
        "target": "85",
        "from_period": "2025-Q1",
        "reason": "why",
        **changes,
    }
    with pytest.raises(RestatementProblem) as refused, api.store.transaction() as db:
        restate(db, supervisor(db), wanted.pop("kpi_code"), **wanted)
    assert (refused.value.code, refused.value.field) == (code, field)
    with api.store.session() as db:
        assert len(db.scalar(select(Kpi).where(Kpi.code == CODE)).definitions) == 1
        assert db.scalar(select(AuditEvent).where(AuditEvent.action == "kpi.restate")) is None


def test_a_published_or_locked_quarter_is_not_re_rated(api):
    with api.store.transaction() as db:
        db.scalar(select(Period).where(Period.code == "2025-Q2")).locked = True
    with pytest.raises(RestatementProblem) as refused, api.store.transaction() as db:
        restate(db, supervisor(db), CODE, target="85", from_period="2025-Q1", reason="why")
    assert (refused.value.code, refused.value.detail) == ("closed_period", "2025-Q3")
    with api.store.transaction() as db:
        restate(db, supervisor(db), CODE, target="85", from_period="2025-Q3", reason="why")
        kpi_id = db.scalar(select(Kpi.id).where(Kpi.code == CODE))
        assert kpi_definitions(db, supervisor(db), kpi_id).earliest == "2025-Q3"
        assert db.scalar(select(Release.id)) is None  # locked, not published: both count


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.ENTITY])
def test_only_the_office_restates(api, role):
    actor = Actor(role, "MOH" if role is Role.ENTITY else None)
    with pytest.raises(Denied), api.store.transaction() as db:
        restate(db, actor, CODE, target="85", from_period="2025-Q1", reason="why")
