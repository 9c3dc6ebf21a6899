"""Ingest one uploaded file: keep it, refuse what is hostile or wrong, validate, and load it as a
submission in the caller's transaction. A refused file changes no figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import record
from data.models import Entity, EntityKpi, Observation, Period, Submission, Upload, User
from data.queries import kpi_specs
from etl.contract import DueKpi
from etl.load import StoredFile, load_submission
from etl.messages import Problem, report_of
from etl.read import UnreadableWorkbook, read_workbook
from etl.safety import check_file
from etl.storage import keep_original
from etl.validate import Expectation, Validation, validate
from kpis.path import expected_value
from kpis.periods import PeriodCode, parse_period, reporting_period
from kpis.spec import KpiSpec

CUMULATIVE_UNITS = ("milestone",)


@dataclass
class Outcome:
    """What became of one file: `refused`, `checked` (dry run), `submitted` or `duplicate`."""

    outcome: str
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rows: int = 0
    upload_id: int | None = None
    submission_id: int | None = None
    entity: str | None = None
    period: str | None = None
    valid_rows: list = field(default_factory=list, repr=False)

    @property
    def loaded(self) -> bool:
        return self.outcome in ("submitted", "checked", "duplicate")

    def report(self) -> dict[str, Any]:
        return report_of(self.rows, self.errors, self.warnings)


def ingest(
    session: Session,
    data: bytes,
    name: str,
    user: User,
    upload_dir: Path,
    *,
    submit: bool = False,
    entity_code: str | None = None,
    period: str | None = None,
    today: date | None = None,
    stored: StoredFile | None = None,
) -> Outcome:
    """`stored`: the file as already kept (submitting a checked upload); else it is kept now."""
    stored = stored or keep_original(upload_dir, data, name)
    outcome = _assess(session, data, name, user, stored, entity_code, period, today or date.today())
    entity = (
        session.scalar(select(Entity).where(Entity.code == outcome.entity))
        if outcome.entity
        else None
    )
    period_row = (
        session.scalar(select(Period).where(Period.code == outcome.period))
        if outcome.period
        else None
    )
    if outcome.outcome == "valid":
        outcome.outcome = "submitted" if submit else "checked"
        if submit:
            submission = load_submission(
                session,
                entity,
                period_row,
                outcome.valid_rows,
                uploader=user,
                stored=stored,
                report=outcome.report(),
            )
            outcome.submission_id = submission.id
    elif outcome.outcome == "refused" and entity and period_row:
        outcome.submission_id = _rejected(session, entity, period_row, user, stored, outcome).id
    upload = Upload(
        file_name=stored.name,
        file_sha256=stored.sha256,
        file_size=stored.size,
        stored_name=stored.stored_name,
        uploaded_by_id=user.id,
        entity_id=entity.id if entity else None,
        period_id=period_row.id if period_row else None,
        outcome=outcome.outcome,
        report=outcome.report(),
        submission_id=outcome.submission_id,
    )
    session.add(upload)
    session.flush()
    outcome.upload_id = upload.id
    record(
        session,
        f"upload.{outcome.outcome}",
        "upload",
        upload.id,
        user=user,
        entity_id=upload.entity_id,
        after={
            "file": stored.name,
            "sha256": stored.sha256,
            "period": outcome.period,
            "errors": len(outcome.errors),
            "warnings": len(outcome.warnings),
        },
    )
    return outcome


def _assess(session, data, name, user, stored, entity_code, period, today) -> Outcome:
    if problem := check_file(name, data):
        return Outcome("refused", [problem], entity=_own_entity(user, entity_code))
    try:
        workbook = read_workbook(data)
    except UnreadableWorkbook:
        return Outcome("refused", [Problem("damaged")], entity=_own_entity(user, entity_code))
    entity_code = (entity_code or workbook.about.get("entity") or user_entity(user) or "").upper()
    period = (period or workbook.about.get("period") or "").upper()
    if refusal := _who_and_when(session, user, entity_code, period, today):
        return Outcome(
            "refused",
            [refusal],
            entity=entity_code or None,
            period=period if _known_period(session, period) else None,
        )
    result = Outcome("valid", entity=entity_code, period=period)
    if _already_received(session, entity_code, period, stored.sha256):
        result.outcome = "duplicate"
        result.errors = []
        result.warnings = [
            Problem("duplicate_file", {"date": _received_on(session, stored.sha256)})
        ]
        return result
    due = due_kpis(session, entity_code, parse_period(period))
    checked: Validation = validate(workbook, Expectation(entity_code, period, due))
    result.errors, result.warnings, result.rows = (
        checked.errors,
        checked.warnings,
        len(checked.rows),
    )
    result.valid_rows = checked.rows
    if checked.errors:
        result.outcome = "refused"
    return result


def user_entity(user: User) -> str | None:
    return user.entity.code if user.entity else None


def _own_entity(user: User, entity_code: str | None) -> str | None:
    return (entity_code or user_entity(user) or "").upper() or None


def _known_period(session: Session, code: str) -> bool:
    return bool(code) and session.scalar(select(Period.id).where(Period.code == code)) is not None


def _who_and_when(
    session, user: User, entity_code: str, period: str, today: date
) -> Problem | None:
    if not entity_code:
        return Problem("no_entity")
    if user.role == "entity" and entity_code != user_entity(user):
        return Problem("other_entity", {"found": entity_code, "expected": user_entity(user)})
    if user.role not in ("entity", "supervisor", "admin"):
        return Problem("not_allowed")
    if session.scalar(select(Entity.id).where(Entity.code == entity_code)) is None:
        return Problem("no_entity")
    try:
        code = parse_period(period)
    except ValueError:
        return Problem("unknown_period", {"cell": "About!B3", "found": period or "—"})
    row = session.scalar(select(Period).where(Period.code == code.code))
    if row is None or code.quarter is None:
        return Problem("unknown_period", {"cell": "About!B3", "found": period})
    if row.locked:
        return Problem("locked_period", {"period": row.code})
    if code.end >= today:
        return Problem("future_period", {"period": row.code, "end": code.end.isoformat()})
    return None


def _already_received(session, entity_code: str, period: str, sha256: str) -> bool:
    return (
        session.scalar(
            select(Submission.id)
            .join(Entity)
            .join(Period)
            .where(
                Entity.code == entity_code,
                Period.code == period,
                Submission.file_sha256 == sha256,
                Submission.status != "rejected",
            )
        )
        is not None
    )


def _received_on(session, sha256: str) -> str:
    first = session.scalar(
        select(Submission.uploaded_at)
        .where(Submission.file_sha256 == sha256)
        .order_by(Submission.uploaded_at)
    )
    return first.strftime("%Y-%m-%d") if first else ""


def _rejected(session, entity, period, user, stored: StoredFile, outcome: Outcome) -> Submission:
    submission = Submission(
        entity_id=entity.id,
        period_id=period.id,
        status="rejected",
        is_current=False,
        uploaded_by_id=user.id,
        file_name=stored.name,
        file_sha256=stored.sha256,
        file_size=stored.size,
        stored_name=stored.stored_name,
        report=outcome.report(),
    )
    session.add(submission)
    session.flush()
    return submission


def due_kpis(session: Session, entity_code: str, quarter: PeriodCode) -> dict[str, DueKpi]:
    """The KPIs due from an entity in a quarter's template, with last official values and path."""
    entity = session.scalar(select(Entity).where(Entity.code == entity_code))
    assigned = set(
        session.scalars(select(EntityKpi.kpi_id).where(EntityKpi.entity_id == entity.id))
    )
    history = _official_history(session, entity.id, quarter)
    due = {}
    for spec in _specs(session):
        if spec.id not in assigned and spec.owner != entity.code:
            continue
        period = reporting_period(spec.frequency, quarter, spec.baseline_year or 2020)
        if period is None:
            continue
        past = history.get(spec.id, [])
        due[spec.code] = DueKpi(
            code=spec.code,
            name_en=spec.name_en,
            name_ar=spec.name_ar,
            unit=spec.unit,
            aggregation=spec.aggregation,
            period=period.code,
            target=spec.target,
            comparator=spec.comparator,
            previous=past[-1] if past else None,
            history=tuple(past),
            cumulative=spec.unit in CUMULATIVE_UNITS or bool(spec.interim),
            expected=_expected(spec, period),
        )
    return due


def _specs(session: Session) -> list[KpiSpec]:
    """The catalogue, read once per session: a batch of files shares it."""
    if "kpi_specs" not in session.info:
        session.info["kpi_specs"] = kpi_specs(session)
    return session.info["kpi_specs"]


def _expected(spec: KpiSpec, period: PeriodCode) -> float | None:
    return expected_value(
        period.end,
        spec.baseline,
        spec.baseline_year,
        spec.target,
        spec.target_year,
        spec.interim_plan,
    )


def _official_history(session, entity_id: int, before: PeriodCode) -> dict[int, list[float]]:
    """Per KPI, approved values of earlier periods, oldest first (latest approval per period)."""
    rows = session.execute(
        select(Observation.kpi_id, Period.code, Observation.value)
        .join(Submission, Observation.submission_id == Submission.id)
        .join(Period, Period.id == Observation.period_id)
        .where(
            Observation.entity_id == entity_id,
            Submission.status == "approved",
            Period.end_date < before.start,
            Observation.value.is_not(None),
        )
        .order_by(Period.end_date, Submission.reviewed_at)
    ).all()
    latest: dict[int, dict[str, float]] = {}
    for kpi_id, code, value in rows:
        latest.setdefault(kpi_id, {})[code] = value
    return {kpi_id: list(values.values()) for kpi_id, values in latest.items()}
