"""Ingest one uploaded file: keep it, refuse what is hostile or wrong, validate, and load it as a
submission in the caller's transaction. A refused file changes no figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session

from data.audit import record
from data.models import Entity, EntityKpi, Observation, Period, Submission, Upload, User
from data.queries import kpi_specs
from etl.contract import DueKpi
from etl.load import StoredFile, code_ids, file_fields, record_rejected, submit_rows
from etl.messages import Problem, report_of
from etl.read import UnreadableWorkbook, read_workbook
from etl.safety import check_file
from etl.storage import keep
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
    stored = stored or keep(session, upload_dir, data, name)
    outcome = _assess(session, data, name, user, stored, entity_code, period, today or date.today())
    entity, period_row = (
        _ref(session, Entity, outcome.entity),
        _ref(session, Period, outcome.period),
    )
    report = outcome.report()
    if outcome.outcome == "valid":
        outcome.outcome = "submitted" if submit else "checked"
        if submit:
            outcome.submission_id = submit_rows(
                session,
                entity,
                period_row,
                outcome.valid_rows,
                uploader=user,
                stored=stored,
                report=report,
            )
    elif outcome.outcome == "refused" and entity and period_row:
        outcome.submission_id = record_rejected(session, entity, period_row, user, stored, report)
    outcome.upload_id = _run(
        session,
        _INSERT_UPLOAD,
        uploaded_by_id=user.id,
        entity_id=entity.id if entity else None,
        period_id=period_row.id if period_row else None,
        outcome=outcome.outcome,
        report=report,
        submission_id=outcome.submission_id,
        **file_fields(stored),
    ).scalar_one()
    record(
        session,
        f"upload.{outcome.outcome}",
        "upload",
        outcome.upload_id,
        user=user,
        entity_id=entity.id if entity else None,
        after={
            "file": stored.name,
            "sha256": stored.sha256,
            "period": outcome.period,
            "errors": len(outcome.errors),
            "warnings": len(outcome.warnings),
        },
    )
    return outcome


@dataclass(frozen=True)
class _Ref:
    id: int
    code: str


_PERIOD = select(Period.id, Period.code, Period.locked).where(Period.code == bindparam("code"))
_RECEIVED = (
    select(Submission.id)
    .where(
        Submission.entity_id == bindparam("entity_id"),
        Submission.period_id == bindparam("period_id"),
        Submission.file_sha256 == bindparam("sha256"),
        Submission.status != "rejected",
    )
    .limit(1)
)
_FIRST_RECEIVED = select(func.min(Submission.uploaded_at)).where(
    Submission.file_sha256 == bindparam("sha256")
)
_HISTORY = (
    select(Observation.kpi_id, Period.code, Observation.value)
    .join(Submission, Observation.submission_id == Submission.id)
    .join(Period, Period.id == Observation.period_id)
    .where(
        Observation.entity_id == bindparam("entity_id"),
        Submission.status == "approved",
        Period.end_date < bindparam("before"),
        Observation.value.is_not(None),
    )
    .order_by(Period.end_date, Submission.reviewed_at)
)
_INSERT_UPLOAD = insert(Upload).returning(Upload.id)


def _run(session: Session, statement, **params):
    """A prepared statement on the session's connection, without the ORM's per-query work."""
    return session.connection().execute(statement, params)


def _ref(session: Session, model, code: str | None) -> _Ref | None:
    """An entity or a period by code, from the session's code -> id map."""
    known = code_ids(session, model).get(code or "")
    return _Ref(known, code) if known is not None else None


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
    return bool(code) and code in code_ids(session, Period)


def _who_and_when(
    session, user: User, entity_code: str, period: str, today: date
) -> Problem | None:
    if not entity_code:
        return Problem("no_entity")
    if user.role == "entity" and entity_code != user_entity(user):
        return Problem("other_entity", {"found": entity_code, "expected": user_entity(user)})
    if user.role not in ("entity", "supervisor", "admin"):
        return Problem("not_allowed")
    if entity_code not in code_ids(session, Entity):
        return Problem("no_entity")
    try:
        code = parse_period(period)
    except ValueError:
        return Problem("unknown_period", {"cell": "About!B3", "found": period or "—"})
    row = _run(session, _PERIOD, code=code.code).first()  # read afresh: the lock may change
    if row is None or code.quarter is None:
        return Problem("unknown_period", {"cell": "About!B3", "found": period})
    if row.locked:
        return Problem("locked_period", {"period": row.code})
    if code.end >= today:
        return Problem("future_period", {"period": row.code, "end": code.end.isoformat()})
    return None


def _already_received(session, entity_code: str, period: str, sha256: str) -> bool:
    entity_id = code_ids(session, Entity)[entity_code]
    period_id = code_ids(session, Period)[period]
    found = _run(session, _RECEIVED, entity_id=entity_id, period_id=period_id, sha256=sha256)
    return found.first() is not None


def _received_on(session, sha256: str) -> str:
    first = _run(session, _FIRST_RECEIVED, sha256=sha256).scalar()
    return first.strftime("%Y-%m-%d") if first else ""


def due_kpis(session: Session, entity_code: str, quarter: PeriodCode) -> dict[str, DueKpi]:
    """The KPIs due from an entity in a quarter's template, with last official values and path."""
    entity_id = code_ids(session, Entity)[entity_code]
    assigned = _assignments(session).get(entity_id, frozenset())
    history = _official_history(session, entity_id, quarter)
    due = {}
    for spec in _specs(session):
        if spec.id not in assigned and spec.owner != entity_code:
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


def _assignments(session: Session) -> dict[int, frozenset[int]]:
    """Entity id -> ids of the KPIs assigned to it, read once per session like the catalogue."""
    if "assignments" not in session.info:
        pairs: dict[int, set[int]] = {}
        for entity_id, kpi_id in session.execute(select(EntityKpi.entity_id, EntityKpi.kpi_id)):
            pairs.setdefault(entity_id, set()).add(kpi_id)
        session.info["assignments"] = {e: frozenset(k) for e, k in pairs.items()}
    return session.info["assignments"]


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
    rows = _run(session, _HISTORY, entity_id=entity_id, before=before.start)
    latest: dict[int, dict[str, float]] = {}
    for kpi_id, code, value in rows:
        latest.setdefault(kpi_id, {})[code] = value
    return {kpi_id: list(values.values()) for kpi_id, values in latest.items()}
