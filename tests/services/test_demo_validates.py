"""The demo history passes its own validation: every figure of every demo submission, checked by
the validator's rules (etl.validate) against the official history before it, has no error, and
no cumulative KPI falls (issue 13)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from data import analytics as queries
from data.db import Store
from data.models import Entity, Observation, Period, Submission
from data.queries import kpi_specs
from etl.contract import header_label
from etl.due import due_kpis
from etl.read import RawWorkbook
from etl.validate import Expectation, validate
from kpis.analysis import by_kpi
from kpis.changes import like_for_like
from kpis.periods import parse_period

KEYS = ("code", "period", "numerator", "denominator", "value", "comment")


def workbook(entity: str, period: str, rows: list[tuple], due) -> RawWorkbook:
    """The submission's figures as a template's Data sheet, the way the reader hands it over
    (a yes/no KPI typed as the clerk types it: 1 for yes, 0 for no; stored as 100 or 0)."""
    typed = [
        (code, period, num, den, (value / 100 if code in due and due[code].yes_no else value))
        for code, period, num, den, value in rows
    ]
    sheet = [[header_label(k) for k in KEYS], *[[*row, None] for row in typed]]
    about = {"entity": entity, "period": period}
    return RawWorkbook(b"", {"Data": sheet}, "Data", about)


def demo_submissions(db) -> dict[tuple[str, str], list[tuple]]:
    """(entity, quarter) -> figures of its current submission, as they were loaded."""
    found: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    rows = db.execute(
        select(
            Entity.code,
            Submission.period_id,
            Observation.kpi_id,
            Period.code,
            Observation.numerator,
            Observation.denominator,
            Observation.value,
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Entity, Entity.id == Observation.entity_id)
        .join(Period, Period.id == Observation.period_id)
        .where(Submission.is_demo, Submission.is_current)
    )
    quarters = dict(db.execute(select(Period.id, Period.code)).all())
    codes = {s.id: s.code for s in kpi_specs(db)}
    for entity, quarter_id, kpi_id, period, num, den, value in rows:
        found[(entity, quarters[quarter_id])].append((codes[kpi_id], period, num, den, value))
    return found


def test_every_demo_figure_passes_the_validators_rules(demo_db_url):
    store = Store(demo_db_url)
    problems, checked = [], 0
    try:
        with store.session() as db:
            for (entity, quarter), rows in sorted(demo_submissions(db).items()):
                due = due_kpis(db, entity, parse_period(quarter))
                sheet = workbook(entity, quarter, rows, due)
                result = validate(sheet, Expectation(entity, quarter, due))
                checked += len(result.rows)
                problems += [(entity, quarter, e.code, e.params) for e in result.errors]
                falls = [w for w in result.warnings if w.code == "below_cumulative"]
                problems += [(entity, quarter, w.code, w.params) for w in falls]
    finally:
        store.engine.dispose()
    assert checked > 5000
    assert problems == []


def test_cumulative_kpis_never_fall_nationally_over_the_same_entities(demo_db_url):
    """T1.1 (cumulative) over the entities approved in both of two quarters never falls."""
    store = Store(demo_db_url)
    try:
        with store.session() as db:
            specs = [s for s in kpi_specs(db) if s.cumulative]
            figures = by_kpi(queries.figures(db, include_unapproved=False))
    finally:
        store.engine.dispose()
    assert "T1.1" in {s.code for s in specs}
    compared = 0
    for spec in specs:
        for year in range(2021, 2026):
            for q in range(1, 5):
                as_of = parse_period(f"{year}-Q{q}")
                shown = [f for f in figures.get(spec.code, []) if f.period.end <= as_of.end]
                change = like_for_like(spec, shown, as_of)
                if change is not None:
                    compared += 1
                    assert change.now >= change.before, (spec.code, as_of.code, change)
    assert compared > 20
