"""One path rule (issue 13): the validator's "short of the path without a comment" warning uses
the dashboard's expected value, so it fires for KPIs whose path starts at the first figure."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from data import analytics as queries
from data.db import Store
from data.models import Submission
from data.queries import kpi_specs
from etl.due import due_kpis
from etl.workflow import approve
from kpis.analysis import Observed, entity_pictures, national_picture
from kpis.periods import parse_period
from services.programme import Scope, build
from tests.etl.conftest import fill

ENTITIES = ("MOH", "MOF", "MOE")
LOW = 20.0  # a first figure far below every target, then no progress at all


def codes_in(template: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(template))["Data"]
    return [r[0].value for r in sheet.iter_rows(min_row=2) if r[0].value]


def low_values(desk, entity: str, period: str) -> dict[str, dict[str, object]]:
    """A figure for every KPI of the template: 0 for yes/no KPIs, LOW for the others."""
    with desk.store.session() as db:
        due = due_kpis(db, entity, parse_period(period))
    template = desk.template(entity, period)
    return {c: {"Value": 0 if due[c].yes_no else LOW} for c in codes_in(template)}


def upload(desk, entity: str, period: str, approved: bool):
    data = fill(desk.template(entity, period), low_values(desk, entity, period))
    outcome = desk.ingest(data, role="supervisor", name=f"{entity}.xlsx", entity_code=entity)
    assert outcome.outcome == "submitted", outcome.errors
    if approved:
        with desk.store.transaction() as db:
            approve(db, db.get(Submission, outcome.submission_id), None)
    return outcome


def short_of_path(outcome) -> set[str]:
    return {p.params["code"] for p in outcome.warnings if p.code == "off_path_no_comment"}


def test_short_of_the_path_fires_for_kpis_whose_path_starts_at_the_first_figure(desk):
    with desk.store.session() as db:
        no_baseline = {s.code for s in kpi_specs(db) if s.baseline is None and s.has_target}
    fired: dict[str, set[str]] = {}
    for entity in ENTITIES:
        upload(desk, entity, "2025-Q1", approved=True)
        fired[entity] = short_of_path(upload(desk, entity, "2025-Q2", approved=False))
    started_at_first = {e: codes & no_baseline for e, codes in fired.items()}
    assert all(len(codes) >= 5 for codes in started_at_first.values()), started_at_first
    assert len(set().union(*started_at_first.values())) >= 5
    assert {"T1.1", "T1.3", "T1.4", "T4.1"} <= started_at_first["MOH"]


def test_a_first_figure_starts_the_path_and_is_never_short(desk):
    outcome = upload(desk, "MOH", "2025-Q2", approved=False)
    with desk.store.session() as db:
        no_baseline = {s.code for s in kpi_specs(db) if s.baseline is None}
    assert short_of_path(outcome) & no_baseline == set()
    assert short_of_path(outcome)  # KPIs with a baseline still have their path


def test_a_comment_silences_the_warning(desk):
    upload(desk, "MOH", "2025-Q1", approved=True)
    values = low_values(desk, "MOH", "2025-Q2")
    for cells in values.values():
        cells["Comment"] = "Procurement delayed; catching up in Q4."
    data = fill(desk.template("MOH", "2025-Q2"), values)
    assert short_of_path(desk.ingest(data)) == set()


def test_dashboard_and_validator_expect_the_same_value(demo_db_url):
    """For every KPI due from a few entities, the entity page's expected value (its picture) is
    the value the validator checks that entity's next upload against."""
    store = Store(demo_db_url)
    quarter = parse_period("2025-Q4")  # annual KPIs are due too
    compared = with_start_at_first = 0
    try:
        with store.session() as db:
            specs = kpi_specs(db)
            assigned = queries.assignments(db)
            figures = queries.figures(db, include_unapproved=False)
            due = {e: due_kpis(db, e, quarter) for e in ("MOH", "MOF", "MTCIT", "ROP")}
        scope = Scope(quarter, include_unapproved=False, own_entity=None)
        prog = build(scope, specs, assigned, figures, [])
        for entity, kpis in due.items():
            for code, kpi in kpis.items():
                spec = prog.spec(code)
                period = parse_period(kpi.period)
                before = [
                    f for f in prog.ranking_figures.get(code, []) if f.period.end < quarter.start
                ]
                dashboard = _dashboard_expected(spec, entity, before, assigned, quarter, period)
                if not spec.has_target:  # no target: no path on either side
                    assert dashboard is None and kpi.expected is None, (entity, code)
                    continue
                if kpi.expected is None:  # no earlier figure: the upload starts the path
                    assert spec.baseline is None, (entity, code)
                    assert not any(f.entity == entity for f in before if f.figure is not None)
                    continue
                assert dashboard == kpi.expected, (entity, code)
                compared += 1
                with_start_at_first += spec.baseline is None
    finally:
        store.engine.dispose()
    assert compared >= 30 and with_start_at_first >= 10


def _dashboard_expected(spec, entity, before: list[Observed], assigned, as_of, period):
    """The expected value at `period` on the entity's page (its own picture), or on the KPI's
    national page for a KPI the entity reports for the nation."""
    if spec.scope == "national":
        pic = national_picture(spec, before, len(assigned.get(spec.code, ())), as_of)
    else:
        mine = [f for f in before if f.entity == entity]
        pic = entity_pictures(spec, mine, as_of).get(entity)
    if pic is None:
        return None
    return next(p.expected for p in pic.series if p.period == period)
