"""`/api/v1/programme` is the pages' picture as data: its national figures are the aggregation of
the approved figures `/api/v1/observations` gives, and each KPI's status and value are those of the
same `Programme` the overview draws."""

from __future__ import annotations

from collections import defaultdict

import pytest

from data.cache import ResultCache
from data.queries import kpi_specs
from kpis.aggregate import Figure, national
from kpis.analysis import due_periods
from kpis.periods import parse_period
from kpis.status import better
from services.actors import Actor, Role
from services.programme import programme, quarter_options, scope_for

AS_OF = "2025-Q4"


def test_national_figures_equal_the_aggregation_of_the_approved_observations(api):
    picture = api.get(f"/api/v1/programme?period={AS_OF}", "committee").json
    rows = api.get(f"/api/v1/observations?endPeriod={AS_OF}", "committee").json
    figures = defaultdict(list)
    for r in rows:
        assert r["status"] == "approved"
        figures[(r["kpi"], r["period"])].append(
            Figure(r["entity"], r["value"], r["numerator"], r["denominator"])
        )
    with api.store.session() as db:
        specs = {s.code: s for s in kpi_specs(db)}
    compared = 0
    for kpi in picture["kpis"]:
        spec = specs[kpi["code"]]
        period = kpi["period"] or due_periods(spec, parse_period(AS_OF))[-1].code
        combined = national(spec.aggregation, figures[(kpi["code"], period)], 0)
        if kpi["value"] is None:
            assert combined.value is None, kpi["code"]
            continue
        assert kpi["value"] == pytest.approx(combined.value, rel=1e-12), kpi["code"]
        assert kpi["coverage"]["reported"] == combined.reported, kpi["code"]
        compared += 1
    assert compared == len(picture["kpis"]) > 20  # the demo reports every KPI by 2025-Q4


@pytest.mark.parametrize(
    ("role", "status", "actor"),
    [
        ("committee", "approved", Actor(Role.COMMITTEE)),
        ("supervisor", "all", Actor(Role.SUPERVISOR)),
        ("entity", "approved", Actor(Role.ENTITY, "MOH")),
    ],
)
def test_the_api_shows_what_the_pages_show(api, role, status, actor):
    """The pages draw from `services.programme`: the API answers its figures, status for status."""
    answer = api.get(f"/api/v1/programme?period={AS_OF}&status={status}", role).json
    with api.store.session() as db:
        choices = quarter_options(db)
    scope = scope_for(actor, AS_OF, status == "all", choices)
    prog = programme(api.store, ResultCache(), scope)
    assert answer["period"] == AS_OF and answer["figures"] == status
    assert [k["code"] for k in answer["kpis"]] == [s.code for s in prog.specs]
    for kpi in answer["kpis"]:
        pic = prog.national[kpi["code"]]
        assert kpi["status"] == pic.status, kpi["code"]
        assert kpi["value"] == pic.value, kpi["code"]
        assert kpi["expected"] == pic.expected, kpi["code"]
        assert kpi["forecast"] == {"value": pic.forecast.value, "verdict": pic.forecast.verdict}
    counts = {t["code"]: t["counts"] for t in answer["tracks"]}
    for track, by_status in counts.items():
        shown = [prog.national[s.code].status for s in prog.specs if s.track == track]
        assert sum(by_status.values()) == len(shown)
        assert all(by_status[s] == shown.count(s) for s in by_status)
    if actor.role is not Role.ENTITY:
        assert {e["code"]: e["rank"] for e in answer["entities"]} == {
            e: prog.ranks.get(e) for e in prog.scores
        }


def test_every_kpi_has_a_like_for_like_change_over_the_entities_in_both_periods(api):
    picture = api.get(f"/api/v1/programme?period={AS_OF}", "committee").json
    rows = api.get(f"/api/v1/observations?endPeriod={AS_OF}", "committee").json
    with api.store.session() as db:
        specs = {s.code: s for s in kpi_specs(db)}
    by_period = defaultdict(dict)
    for r in rows:
        by_period[(r["kpi"], r["period"])][r["entity"]] = Figure(
            r["entity"], r["value"], r["numerator"], r["denominator"]
        )
    for kpi in picture["kpis"]:
        change = kpi["change"]
        assert change is not None, kpi["code"]
        assert change["to_period"] == kpi["period"]
        before = by_period[(kpi["code"], change["from_period"])]
        now = by_period[(kpi["code"], change["to_period"])]
        both = sorted(set(before) & set(now))
        assert change["entities_compared"] == len(both) > 0, kpi["code"]
        rule = specs[kpi["code"]].aggregation
        for side, figures in (("before", before), ("now", now)):
            expected = national(rule, [figures[e] for e in both], 0).value
            assert change[side] == pytest.approx(expected, rel=1e-12), (kpi["code"], side)
    t26 = next(k for k in picture["kpis"] if k["code"] == "T2.6")
    assert t26["change"]["entities_compared"] < 28  # not the 28-versus-19 of issue 13


def test_figures_awaiting_review_count_for_the_office_only_when_asked(api):
    approved = api.get(f"/api/v1/programme?period={AS_OF}", "supervisor").json
    everything = api.get(f"/api/v1/programme?period={AS_OF}&status=all", "supervisor").json
    t11 = {p["figures"]: next(k for k in p["kpis"] if k["code"] == "T1.1")
           for p in (approved, everything)}  # fmt: skip
    assert t11["all"]["value"] != t11["approved"]["value"]  # MOH's pending 50 % counts


def test_final_verdict_where_the_target_period_is_reported(api):
    picture = api.get(f"/api/v1/programme?period={AS_OF}", "committee").json
    with api.store.session() as db:
        specs = {s.code: s for s in kpi_specs(db)}
    judged = [
        k
        for k in picture["kpis"]
        if k["value"] is not None
        and specs[k["code"]].has_target
        and parse_period(k["period"]).year == specs[k["code"]].target_year
    ]
    assert judged
    assert len(judged) > 10
    for kpi in judged:
        spec = specs[kpi["code"]]
        met = better(kpi["value"], spec.target, spec.lower_is_better)
        assert kpi["forecast"]["verdict"] == ("met" if met else "not_met"), kpi["code"]
        assert kpi["forecast"]["value"] == kpi["value"]  # never contradicts the reported figure


def test_csv_has_one_row_per_kpi(api):
    response = api.get(f"/api/v1/programme?period={AS_OF}&format=csv", "committee")
    lines = response.data.decode("utf-8-sig").strip().splitlines()
    json_kpis = api.get(f"/api/v1/programme?period={AS_OF}", "committee").json["kpis"]
    assert lines[0].startswith("code,track,period,value,coverage_reported,coverage_expected")
    assert len(lines) == 1 + len(json_kpis)
