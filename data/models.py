"""The tracker's store: SQLAlchemy 2 typed models of the programme's domain (docs/numbers.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from kpis.initiatives import REPORTED_STATUSES
from kpis.revisions import Status

UNITS = ("percent", "rank", "count", "milestone", "omr")
DIRECTIONS = ("increase", "decrease")
SCOPES = ("entity", "national")
AGGREGATIONS = ("ratio_of_sums", "mean", "sum", "share_of_entities", "latest")
FREQUENCIES = ("quarterly", "annual", "biennial")
COMPARATORS = (">=", "<=", "=")
ROLES = ("admin", "supervisor", "committee", "entity")
SUBMISSION_STATUSES = tuple(Status)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ProgrammeCycle(Base):
    __tablename__ = "programme_cycles"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    baseline_year: Mapped[int]
    start_year: Mapped[int]
    target_year: Mapped[int]
    # the money the programme is to invest, in baisa (1 OMR = 1,000 baisa): OMR 170 million for
    # 2021-2025 (seed 001); None where the reference data gives no figure
    budget_baisa: Mapped[int | None] = mapped_column(BigInteger)


class Track(Base):
    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("programme_cycles.id"))
    code: Mapped[str] = mapped_column(String(10))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    focus_en: Mapped[str] = mapped_column(Text, default="")
    focus_ar: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    kpis: Mapped[list[Kpi]] = relationship(back_populates="track", order_by="Kpi.position")


class Entity(Base):
    __tablename__ = "entities"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ar: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # the quarters it reports (kpis/expected.py): from `first_period` (None: from the programme's
    # start) up to, not including, `deactivated_from` (set when deactivated; `active` is then off)
    first_period: Mapped[str | None] = mapped_column(String(7))
    deactivated_from: Mapped[str | None] = mapped_column(String(7))


class Kpi(Base):
    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("programme_cycles.id"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    code: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(Text)
    name_ar: Mapped[str] = mapped_column(Text)
    definition_en: Mapped[str] = mapped_column(Text, default="")
    definition_ar: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(10))
    aggregation: Mapped[str] = mapped_column(String(30))
    frequency: Mapped[str] = mapped_column(String(20))
    owner_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    tolerance: Mapped[float] = mapped_column(Float, default=0.9)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # the KPI of the cycle before that this one continues (its history is shown with this one)
    continues_id: Mapped[int | None] = mapped_column(ForeignKey("kpis.id"))
    track: Mapped[Track] = relationship(back_populates="kpis")
    owner: Mapped[Entity | None] = relationship()
    definitions: Mapped[list[KpiDefinition]] = relationship(
        back_populates="kpi", order_by="KpiDefinition.version"
    )
    interim_targets: Mapped[list[InterimTarget]] = relationship(
        back_populates="kpi", order_by="InterimTarget.year"
    )

    @property
    def current(self) -> KpiDefinition | None:
        """The definition in force at the end of the cycle: the latest-effective one (of two from
        the same quarter, the later version); kpis.spec.definition_in_force rates each period."""
        if not self.definitions:
            return None
        return max(self.definitions, key=lambda d: (d.effective_from or "", d.version))


class KpiDefinition(Base):
    """One version of a KPI's baseline and target; a restatement adds a version, keeping the old,
    which still rates the periods before `effective_from` (services/restatements.py)."""

    __tablename__ = "kpi_definitions"
    __table_args__ = (UniqueConstraint("kpi_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    version: Mapped[int]
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_year: Mapped[int | None]
    target_value: Mapped[float | None] = mapped_column(Float)
    target_year: Mapped[int | None]
    target_comparator: Mapped[str] = mapped_column(String(2), default=">=")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    # the quarter it rates periods from (`2025-Q1`); the reference catalogue's: the cycle's first.
    # None (written by older code): from the cycle's first quarter
    effective_from: Mapped[str | None] = mapped_column(String(7))
    kpi: Mapped[Kpi] = relationship(back_populates="definitions")


class InterimTarget(Base):
    """A year-end value on a KPI's planned path (e.g. T1.1's procedure plan)."""

    __tablename__ = "interim_targets"
    __table_args__ = (UniqueConstraint("kpi_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    year: Mapped[int]
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    kpi: Mapped[Kpi] = relationship(back_populates="interim_targets")


class EntityKpi(Base):
    """A KPI assigned to an entity, with an optional entity-specific baseline and target."""

    __tablename__ = "entity_kpis"
    __table_args__ = (UniqueConstraint("entity_id", "kpi_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    baseline_value: Mapped[float | None] = mapped_column(Float)
    target_value: Mapped[float | None] = mapped_column(Float)
    entity: Mapped[Entity] = relationship()
    kpi: Mapped[Kpi] = relationship()


class Initiative(Base):
    """A flagship project of a track, led by one entity, from `start` to `due` (quarters such as
    `2021-Q1`; the loader fills a blank due with the cycle's last quarter)."""

    __tablename__ = "initiatives"
    __table_args__ = (UniqueConstraint("cycle_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("programme_cycles.id"))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    code: Mapped[str] = mapped_column(String(20))
    name_en: Mapped[str] = mapped_column(Text)
    name_ar: Mapped[str] = mapped_column(Text)
    lead_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    start: Mapped[str] = mapped_column(String(10), default="")
    due: Mapped[str] = mapped_column(String(10), default="")


class ProceduresPlan(Base):
    """The yearly plan for simplifying government procedures (reference `procedures_plan.csv`):
    how many are to be simplified in `year`. Simplified procedures are counted by the numerator
    of `kpi` (T1.1: procedures simplified to date, of those targeted), docs/programme.md."""

    __tablename__ = "procedures_plan"
    __table_args__ = (UniqueConstraint("cycle_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("programme_cycles.id"))
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"))
    year: Mapped[int]
    procedures: Mapped[int]


INITIATIVE_STATUSES = REPORTED_STATUSES  # kpis.initiatives: the statuses a lead may report


class InitiativeReport(Base):
    """What an initiative's lead reported for a quarter, in a submission's Initiatives sheet. The
    official report is the one of the latest approved submission, as for observations."""

    __tablename__ = "initiative_reports"
    __table_args__ = (
        UniqueConstraint("submission_id", "initiative_id"),
        CheckConstraint("percent_complete >= 0 AND percent_complete <= 100", name="percent_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    percent_complete: Mapped[float] = mapped_column(Float)
    next_milestone: Mapped[str] = mapped_column(Text, default="")
    milestone_due: Mapped[str] = mapped_column(String(10), default="")
    note: Mapped[str] = mapped_column(Text, default="")


class BudgetLine(Base):
    """An allocation (in baisa) for a year of a cycle, to a track, an initiative or an entity.
    `code` names it in templates and imports: `I1.1-2024`, `MOH-2024`, `T1-2024`."""

    __tablename__ = "budget_lines"
    __table_args__ = (
        UniqueConstraint("cycle_id", "code"),
        CheckConstraint("allocated_baisa >= 0", name="allocated_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("programme_cycles.id"))
    code: Mapped[str] = mapped_column(String(40))
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id"))
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    year: Mapped[int]
    allocated_baisa: Mapped[int] = mapped_column(BigInteger)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BudgetReport(Base):
    """Committed and spent on a budget line, to date within the line's year, as reported at the
    end of a quarter in a submission's Budget sheet (baisa)."""

    __tablename__ = "budget_reports"
    __table_args__ = (
        UniqueConstraint("submission_id", "budget_line_id"),
        CheckConstraint("committed_baisa >= 0 AND spent_baisa >= 0", name="amounts_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    budget_line_id: Mapped[int] = mapped_column(ForeignKey("budget_lines.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    committed_baisa: Mapped[int] = mapped_column(BigInteger)
    spent_baisa: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")


class InternationalIndicator(Base):
    __tablename__ = "international_indicators"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_ar: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(10))
    value: Mapped[float] = mapped_column(Float)
    year: Mapped[int]
    direction: Mapped[str] = mapped_column(String(10))


class Period(Base):
    """A reporting period: a quarter (`2024-Q3`) or a year (`2024`)."""

    __tablename__ = "periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(7), unique=True)
    year: Mapped[int]
    quarter: Mapped[int | None]
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[datetime | None] = mapped_column(DateTime)
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # the office's deadline for this quarter, with why; None: the default rule
    # (kpis.completeness.deadline: period end + 30 days)
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_reason: Mapped[str] = mapped_column(Text, default="")


class Role(Base):
    __tablename__ = "roles"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(100))
    name_ar: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(ForeignKey("roles.code"))
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"))
    language: Mapped[str] = mapped_column(String(2), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # set by an administrator (`python -m data force-reset`): the user must choose a new password
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime)
    entity: Mapped[Entity | None] = relationship()

    @property
    def entity_code(self) -> str | None:
        return self.entity.code if self.entity else None


class UserSession(Base):
    """A signed-in session held on the server: the cookie carries only a random token, whose
    SHA-256 is `token_hash`. Sign-out, the timeouts and any change of the user's role, entity,
    password or state end it (see web/sessions.py)."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # what the user was at sign-in: a session stops working when any of it changes
    role: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    credential: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str] = mapped_column(String(30), default="")


class ApiToken(Base):
    """A bearer token for the read API: it acts with its user's role and entity. Only the SHA-256
    of the token is kept (it is shown once, when made); revoking sets `revoked_at`."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship()


class Invitation(Base):
    """A one-time link for an invited user to choose their password (services/accounts.py). Only
    the SHA-256 of the token is kept; it works once (`used_at`), until `expires_at`, and stops
    when a newer invitation for the same user replaces it (`revoked_at`)."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Submission(Base):
    """One uploaded workbook for (entity, period); the newest supersedes earlier ones."""

    __tablename__ = "submissions"
    __table_args__ = (
        # at most one current submission per (entity, period), even under concurrent uploads
        Index(
            "uq_submissions_current",
            "entity_id",
            "period_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    revision: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="", index=True)
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    stored_name: Mapped[str] = mapped_column(String(255), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    entity: Mapped[Entity] = relationship()
    period: Mapped[Period] = relationship()
    observations: Mapped[list[Observation]] = relationship(back_populates="submission")


# `received`: kept and recorded, not yet checked (a crash while reading leaves it so);
# `failed`: the tracker could not finish loading it (the file is kept, an audit event says why)
UPLOAD_OUTCOMES = ("received", "refused", "checked", "submitted", "duplicate", "failed")


class Upload(Base):
    """Every file ever uploaded, kept byte for byte outside the web root, whatever became of it."""

    __tablename__ = "uploads"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(Integer)
    stored_name: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    period_id: Mapped[int | None] = mapped_column(ForeignKey("periods.id"))
    outcome: Mapped[str] = mapped_column(String(20))
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))


def finite(column: str) -> str:
    """The store's own rule that a number is finite, the same on SQLite and PostgreSQL: NaN (which
    PostgreSQL orders above every number) and the infinities are above the largest float. SQLite
    stores NaN as NULL and keeps infinities, which this refuses (issue 12)."""
    return f"{column} IS NULL OR abs({column}) <= 1.7976931348623157e308"


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("submission_id", "kpi_id", "period_id"),
        CheckConstraint(finite("value"), name="value_finite"),
        CheckConstraint(finite("numerator"), name="numerator_finite"),
        CheckConstraint(finite("denominator"), name="denominator_finite"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    value: Mapped[float | None] = mapped_column(Float)
    numerator: Mapped[float | None] = mapped_column(Float)
    denominator: Mapped[float | None] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence_link: Mapped[str] = mapped_column(Text, default="")
    submission: Mapped[Submission] = relationship(back_populates="observations")


class KpiSummary(Base):
    """Per view ("approved": official figures only; "pending": with the current submissions
    awaiting review), KPI and period, the sums its national figure is computed from
    (kpis.aggregate.Sums), over the figures data.analytics.figures shows. Kept by data/summary.py
    in the transaction of every change of what is shown; never edited by hand."""

    __tablename__ = "kpi_summaries"
    view: Mapped[str] = mapped_column(String(10), primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), primary_key=True)
    reported: Mapped[int]
    invalid: Mapped[int]
    ratio_numerator: Mapped[float] = mapped_column(Float)
    ratio_denominator: Mapped[float] = mapped_column(Float)
    ratio_count: Mapped[int]
    value_sum: Mapped[float] = mapped_column(Float)
    value_count: Mapped[int]
    positive_count: Mapped[int]
    latest_value: Mapped[float | None] = mapped_column(Float)


class Reminder(Base):
    """One reminder or escalation e-mail per (entity, quarter, step, recipient), ever: the unique
    key is claimed (a `sending` row, committed) before the mail goes out and marked `sent` once
    the server took it, so that no run sends it twice (services/reminders.py explains the rest).
    An escalation writes one row per late entity it names, all for the one e-mail."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("entity_id", "period_id", "step", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    step: Mapped[str] = mapped_column(String(20))  # before | due | after | escalation
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recipient: Mapped[str] = mapped_column(String(254))  # the address it went to
    language: Mapped[str] = mapped_column(String(2))
    deadline: Mapped[date] = mapped_column(Date)  # the deadline the message named
    # `sending`: claimed by a run handing it to the mail server; `sent`: the server took it
    state: Mapped[str] = mapped_column(String(10))
    claimed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    entity: Mapped[Entity] = relationship()
    period: Mapped[Period] = relationship()


class AuditEvent(Base):
    """One step in the audit trail. Events form a hash chain in `seq` order (see data/audit.py):
    each `hash` covers the event and the hash of the one before, so an edit or a deletion made
    outside the app breaks the chain at that event."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[str] = mapped_column(String(50), default="")
    entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")


class AuditHead(Base):
    """The chain's newest link, one row: writers lock it so that events are chained one after
    another even when several transactions record at once."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime | None] = mapped_column(DateTime)


RELEASE_FILE_KINDS = ("pdf", "excel", "opendata")


class Release(Base):
    """One published edition of a quarter (DESIGN.md, "Release"): frozen when published, never
    changed or deleted. `audit_seq`/`audit_hash` are the audit chain's head at that moment,
    `data_sha256` the SHA-256 of the edition's observations CSV; `note` says why an edition after
    the first was made."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("period_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("periods.id"), index=True)
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(DateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    audit_seq: Mapped[int]
    audit_hash: Mapped[str] = mapped_column(String(64))
    data_sha256: Mapped[str] = mapped_column(String(64))
    period: Mapped[Period] = relationship()
    published_by: Mapped[User | None] = relationship()
    files: Mapped[list[ReleaseFile]] = relationship(
        back_populates="release", order_by="ReleaseFile.id"
    )


class ReleaseFile(Base):
    """One file of an edition, kept byte for byte under the releases folder (`stored_name`)."""

    __tablename__ = "release_files"
    __table_args__ = (UniqueConstraint("release_id", "file_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # RELEASE_FILE_KINDS
    language: Mapped[str] = mapped_column(String(3))  # "ar", "en"; "mul" for bilingual files
    file_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(255))
    release: Mapped[Release] = relationship(back_populates="files")
