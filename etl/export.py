"""The export (docs/interfaces.md): one row per entity, KPI and period, the latest submitted
figure and the official one, safe to open in Excel."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from data.models import Entity, Kpi, Observation, Period, Submission
from kpis.formatting import INVALID
from kpis.values import is_invalid

COLUMNS = (
    "entity",
    "kpi",
    "period",
    "value",
    "numerator",
    "denominator",
    "status",
    "official_value",
    "official_numerator",
    "official_denominator",
    "submission_id",
    "revision",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that Excel would read as a formula is prefixed with an apostrophe; a stored number
    that is not usable (kpis.values) is written `invalid`, never `nan` or `inf`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, float) and is_invalid(value):
        return INVALID
    return "" if value is None else value


def export_rows(session: Session, *, approved_only: bool = False) -> list[dict[str, object]]:
    """`approved_only` (who reads approved figures only, the committee): the latest approved
    submission is the row's submission, and nothing awaiting approval shows."""
    observed = aliased(Period)
    statement = (
        select(
            Entity.code,
            Kpi.code,
            observed.code,
            Observation.value,
            Observation.numerator,
            Observation.denominator,
            Submission.status,
            Submission.is_current,
            Submission.id,
            Submission.revision,
            Submission.reviewed_at,
        )
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Entity, Entity.id == Observation.entity_id)
        .join(Kpi, Kpi.id == Observation.kpi_id)
        .join(observed, observed.id == Observation.period_id)
        .order_by(Entity.code, Kpi.position, observed.code, Submission.id)
    )
    if approved_only:
        statement = statement.where(Submission.status == "approved")
    rows = session.execute(statement).all()
    table: dict[tuple, dict[str, object]] = {}
    for entity, kpi, period, value, num, den, status, current, sid, revision, _reviewed in rows:
        entry = table.setdefault(
            (entity, kpi, period),
            {
                "entity": entity,
                "kpi": kpi,
                "period": period,
                "official_value": None,
                "official_numerator": None,
                "official_denominator": None,
            },
        )
        if current or approved_only or "status" not in entry:
            entry.update(
                value=value,
                numerator=num,
                denominator=den,
                status=status,
                submission_id=sid,
                revision=revision,
            )
        if status == "approved":  # rows come oldest first: the last approved wins
            entry.update(official_value=value, official_numerator=num, official_denominator=den)
    return list(table.values())


def export_csv(session: Session) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in export_rows(session):
        writer.writerow({k: safe_cell(row.get(k)) for k in COLUMNS})
    return buffer.getvalue()
