"""Load validated rows as submissions, in the caller's transaction.

Ingest writes a whole batch of files in a few statements, built once and executed on the
session's connection: per file, the ORM's unit of work and even one statement per table cost
more than reading and checking the workbook."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any, Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from data import summary
from data.audit import audit_event, record_all
from data.cycles import coded_ids, cycle_code_of, kpi_ids
from data.models import (
    BudgetLine,
    BudgetReport,
    Entity,
    Initiative,
    InitiativeReport,
    Observation,
    Period,
    Submission,
    User,
    utcnow,
)


class Coded(Protocol):
    """An entity or a period as the loader needs it: an ORM object or a plain row."""

    id: int
    code: str


@dataclass(frozen=True)
class Row:
    """One validated line of a submission: a KPI's figure for a period."""

    kpi_code: str
    period: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    comment: str = ""
    evidence_link: str = ""


@dataclass(frozen=True)
class InitiativeRow:
    """One validated line of an Initiatives sheet: what an initiative's lead reports for a
    quarter (status: one of data.models.INITIATIVE_STATUSES; percent complete 0-100)."""

    initiative: str
    period: str
    status: str
    percent_complete: float
    next_milestone: str = ""
    milestone_due: str = ""
    note: str = ""


@dataclass(frozen=True)
class BudgetRow:
    """One validated line of a Budget sheet: committed and spent on a budget line, in baisa, to
    date within the line's year, at the end of the quarter `period`."""

    line: str
    period: str
    committed_baisa: int
    spent_baisa: int
    note: str = ""


@dataclass(frozen=True)
class StoredFile:
    """The original upload as kept on disk."""

    name: str
    sha256: str
    size: int
    stored_name: str


@dataclass
class Pending:
    """A submission to write: `submitted` rows that supersede the current ones for the same
    entity and period, or a `rejected` file kept with its report in the history."""

    entity: Coded
    period: Coded
    rows: Sequence[Row]
    uploader: User | None
    status: str = "submitted"
    initiatives: Sequence[InitiativeRow] = ()
    budget: Sequence[BudgetRow] = ()
    stored: StoredFile | None = None
    report: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utcnow)
    is_demo: bool = False
    revision: int = 1
    supersedes: int | Pending | None = None
    is_current: bool = False
    id: int | None = None


_LOCK_ENTITIES = (
    select(Entity.id)
    .where(Entity.id.in_(bindparam("entity_ids", expanding=True)))
    .order_by(Entity.id)
    .with_for_update()
)
_CURRENT = (
    select(Submission.id, Submission.entity_id, Submission.period_id, Submission.revision)
    .where(
        Submission.entity_id.in_(bindparam("entity_ids", expanding=True)),
        Submission.period_id.in_(bindparam("period_ids", expanding=True)),
        Submission.is_current,
    )
    .with_for_update()
)
_SUPERSEDE = (
    update(Submission)
    .where(Submission.id.in_(bindparam("previous", expanding=True)))
    .values(is_current=False)
)
_INSERT_SUBMISSIONS = insert(Submission).returning(Submission.id, sort_by_parameter_order=True)
_LINK_PREVIOUS = (
    update(Submission)
    .where(Submission.id == bindparam("submission_id"))
    .values(supersedes_id=bindparam("previous_id"))
)


def write_submissions(
    session: Session, pending: Sequence[Pending], *, summarise: bool = True
) -> list[int]:
    """Write a batch of submissions with their rows and audit events in a few statements, and
    return their ids. Each submitted one supersedes the current submission for its entity and
    period, or the one before it in the batch. `summarise`: refresh the national sums they
    change (data.summary; off for a bulk load that rebuilds them at its end)."""
    if not pending:
        return []
    connection = session.connection()
    _chain(connection, [p for p in pending if p.status == "submitted"])
    ids = connection.execute(_INSERT_SUBMISSIONS, [_columns(p) for p in pending]).scalars().all()
    for item, id_ in zip(pending, ids, strict=True):
        item.id = id_
    links = [
        {"submission_id": p.id, "previous_id": p.supersedes.id}
        for p in pending
        if isinstance(p.supersedes, Pending)
    ]
    if links:
        connection.execute(_LINK_PREVIOUS, links)
    _add_observations(session, [p for p in pending if p.status == "submitted"])
    _add_programme_reports(session, [p for p in pending if p.status == "submitted"])
    record_all(session, [_submitted(p) for p in pending if p.status == "submitted"])
    if summarise:
        _summarise(session, [p for p in pending if p.status == "submitted"])
    return list(ids)


def _summarise(session: Session, submitted: Sequence[Pending]) -> None:
    """A new current submission changes what is shown with the figures awaiting review: its
    own, and the one it supersedes."""
    if submitted:
        entities = {p.entity.id for p in submitted}
        periods = {p.period.id for p in submitted}
        summary.refresh(session, entities, periods, views=("pending",))


def _chain(connection, submitted: list[Pending]) -> None:
    """Revision numbers and what each submission supersedes; the superseded stop being current."""
    if not submitted:
        return
    entity_ids = sorted({p.entity.id for p in submitted})
    lock_entities(connection, entity_ids)
    pairs = {(p.entity.id, p.period.id) for p in submitted}
    found = connection.execute(
        _CURRENT, {"entity_ids": entity_ids, "period_ids": sorted({p for _, p in pairs})}
    )
    current: dict[tuple[int, int], Any] = {
        (row.entity_id, row.period_id): row
        for row in found
        if (row.entity_id, row.period_id) in pairs
    }
    superseded = [row.id for row in current.values()]
    for item in submitted:
        previous = current.get((item.entity.id, item.period.id))
        if isinstance(previous, Pending):
            previous.is_current = False
        item.revision = previous.revision + 1 if previous else 1
        item.supersedes = previous if isinstance(previous, Pending) else _id_of(previous)
        item.is_current = True
        current[(item.entity.id, item.period.id)] = item
    if superseded:
        connection.execute(_SUPERSEDE, {"previous": superseded})


def lock_entities(connection, entity_ids: Sequence[int]) -> None:
    """One writer per entity at a time (until the transaction ends), so that concurrent
    uploads leave one current submission and see each other's files. SQLite already allows
    one writer at a time."""
    if entity_ids and connection.dialect.name != "sqlite":
        connection.execute(_LOCK_ENTITIES, {"entity_ids": sorted(entity_ids)})


def _id_of(row) -> int | None:
    return row.id if row is not None else None


def _columns(item: Pending) -> dict[str, Any]:
    submitted = item.status == "submitted"
    return {
        "entity_id": item.entity.id,
        "period_id": item.period.id,
        "status": item.status,
        "is_current": item.is_current,
        "revision": item.revision,
        "supersedes_id": item.supersedes if isinstance(item.supersedes, int) else None,
        "uploaded_by_id": item.uploader.id if item.uploader else None,
        "uploaded_at": item.at,
        "submitted_at": item.at if submitted else None,
        "report": item.report,
        "is_demo": item.is_demo,
        **file_fields(item.stored),
    }


def _submitted(item: Pending) -> dict[str, Any]:
    return audit_event(
        "submission.submit",
        "submission",
        item.id,
        user=item.uploader,
        entity_id=item.entity.id,
        after={"period": item.period.code, "rows": len(item.rows), "revision": item.revision},
        at=item.at,
    )


def submit_rows(
    session: Session,
    entity: Coded,
    period: Coded,
    rows: Sequence[Row],
    *,
    uploader: User | None,
    **options,
) -> int:
    """Record one submission's rows and return its id (see `Pending` for the options)."""
    return write_submissions(session, [Pending(entity, period, rows, uploader, **options)])[0]


def load_submission(session: Session, entity: Coded, period: Coded, rows, **options) -> Submission:
    """`submit_rows`, returning the submission as an ORM object (for the demo's workflow)."""
    return session.get(Submission, submit_rows(session, entity, period, rows, **options))


def file_fields(stored: StoredFile | None) -> dict[str, Any]:
    if stored is None:
        return {"file_name": "", "file_sha256": "", "file_size": 0, "stored_name": ""}
    return {
        "file_name": stored.name,
        "file_sha256": stored.sha256,
        "file_size": stored.size,
        "stored_name": stored.stored_name,
    }


def code_ids(session: Session, model) -> dict[str, int]:
    """Code -> id of entities, KPIs or periods, read once per session (none changes within one)."""
    key = f"code_ids:{model.__tablename__}"
    if key not in session.info:
        session.info[key] = {
            code: id_ for code, id_ in session.execute(select(model.code, model.id))
        }
    return session.info[key]


def _kpi_ids_of(session: Session, period: str) -> dict[str, int]:
    """KPI code -> id in the cycle `period` belongs to (codes repeat across cycles), read once
    per session and period."""
    key = f"kpi_ids:{period}"
    if key not in session.info:
        session.info[key] = kpi_ids(session, cycle_code_of(session, period))
    return session.info[key]


def _add_observations(session: Session, submitted: Sequence[Pending]) -> None:
    """Every row of every submission in one INSERT rather than an ORM object per row."""
    period_ids = code_ids(session, Period)
    rows = [
        {
            "submission_id": item.id,
            "entity_id": item.entity.id,
            "kpi_id": _kpi_ids_of(session, row.period)[row.kpi_code],
            "period_id": period_ids[row.period],
            "value": row.value,
            "numerator": row.numerator,
            "denominator": row.denominator,
            "comment": row.comment,
            "evidence_link": row.evidence_link,
        }
        for item in submitted
        for row in item.rows
    ]
    if rows:
        insert_plain_rows(session.connection(), Observation.__table__, rows)


def _add_programme_reports(session: Session, submitted: Sequence[Pending]) -> None:
    """The Initiatives and Budget sheets' rows, each kind in one INSERT."""
    period_ids = code_ids(session, Period)
    initiatives = [
        {
            "submission_id": item.id,
            "initiative_id": _ids_of(session, Initiative, row.period, row.initiative),
            "period_id": period_ids[row.period],
            "status": row.status,
            "percent_complete": row.percent_complete,
            "next_milestone": row.next_milestone,
            "milestone_due": row.milestone_due,
            "note": row.note,
        }
        for item in submitted
        for row in item.initiatives
    ]
    budget = [
        {
            "submission_id": item.id,
            "budget_line_id": _ids_of(session, BudgetLine, row.period, row.line),
            "period_id": period_ids[row.period],
            "committed_baisa": row.committed_baisa,
            "spent_baisa": row.spent_baisa,
            "note": row.note,
        }
        for item in submitted
        for row in item.budget
    ]
    if initiatives:
        insert_plain_rows(session.connection(), InitiativeReport.__table__, initiatives)
    if budget:
        insert_plain_rows(session.connection(), BudgetReport.__table__, budget)


def _ids_of(session: Session, model, period: str, code: str) -> int:
    """The id of the initiative or budget line `code` in the cycle `period` belongs to. Codes
    are read once per session, and again when one is missing (a line added since)."""
    key = f"cycle_of:{period}"  # the period's cycle, asked once per session, not once per row
    if key not in session.info:
        session.info[key] = cycle_code_of(session, period)
    cycle = session.info[key]
    key = f"{model.__tablename__}_ids:{cycle}"
    if code not in session.info.get(key, {}):
        session.info[key] = coded_ids(session, model, cycle)
    return session.info[key][code]


def insert_plain_rows(connection, table, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows in one INSERT run for each of them by the driver (executemany), straight: for
    rows of plain values (ids, floats, texts; no column type that converts them), SQLAlchemy's
    per-row parameter work costs half as much again as the database's writing them (on SQLite
    2.2 against 1.5 ms per 100 observations). The statement is compiled once per engine, like
    SQLAlchemy's own cache."""
    columns = tuple(rows[0])
    if connection.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy_rows(connection, table, columns, rows)
        return
    statement, order = _plain_insert(connection.dialect, table, columns)
    if order is None:  # named parameters
        connection.exec_driver_sql(statement, list(rows))
    else:
        values = itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
        connection.exec_driver_sql(statement, [values(row) for row in rows])


# From this many rows on, PostgreSQL gets them by COPY (a bulk load: the demo at scale writes
# hundreds of thousands of observations; executemany sends them at about a tenth of the speed)
COPY_FROM = 1000


def _copy_rows(connection, table, columns: tuple[str, ...], rows) -> None:
    """The rows by PostgreSQL's COPY, in the connection's transaction (psycopg's cursor.copy),
    written as COPY's text format here: psycopg's adapting each value costs more than sending."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column) for column in columns)
    driver = connection.connection.driver_connection
    statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(rows), 10_000):
            lines = (
                "\t".join([_copy_text(row[column]) for column in columns])
                for row in rows[start : start + 10_000]
            )
            copy.write("\n".join(lines) + "\n")


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format: NULL as \\N, texts with their specials escaped, floats
    exactly (repr: the shortest text that reads back as the same number)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, float):
        return repr(value)
    return str(value)


_PLAIN_INSERTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _plain_insert(dialect, table, columns: tuple[str, ...]) -> tuple[str, tuple[str, ...] | None]:
    known = _PLAIN_INSERTS.setdefault(dialect, {})
    if (table.name, columns) not in known:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
        order = tuple(compiled.positiontup) if compiled.positiontup else None
        known[table.name, columns] = (str(compiled), order)
    return known[table.name, columns]
