"""National figures' sums kept in the store (`kpi_summaries`), recomputed in SQL where the data
changes, so that no page reads every figure to draw the nation's (issue 17).

Per view, KPI and period, a row holds kpis.aggregate.Sums over the figures
data.analytics.figures shows in that view: of each (entity, KPI, period), the observation of the
latest shown submission (`shown_submissions`), for the periods its entity reports
(kpis.expected.is_expected with the entity's span). kpis.aggregate.national_of_sums makes the
national figure from a row and the number of entities expected, which the page counts itself.

What changes a row, and calls `refresh` in the same transaction:
- a submission made (etl.load.write_submissions): the "pending" view;
- a submission approved or returned (etl.workflow): "approved", "pending";
- an entity deactivated or reactivated (services.entities_admin): its span, both views.
Targets, restatements, KPIs switched on or off, assignments and new cycles change no sum (they
change what a sum is compared with, which pages read from the catalogue). The demo's bulk
seeding writes its reviews in batches and calls `rebuild` at its end.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, literal, or_, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from data.analytics import shown_submissions
from data.models import Entity, Kpi, KpiSummary, Observation, Period, Submission
from kpis.aggregate import Sums
from kpis.values import MAX_MAGNITUDE, MIN_NORMAL

# view name -> whether it shows the current submissions awaiting review
VIEWS = {"approved": False, "pending": True}
ALL_VIEWS = tuple(VIEWS)
SUMS = (
    "reported",
    "invalid",
    "ratio_numerator",
    "ratio_denominator",
    "ratio_count",
    "value_sum",
    "value_count",
    "positive_count",
    "latest_value",
)


def view_of(include_unapproved: bool) -> str:
    return "pending" if include_unapproved else "approved"


def rebuild(session: Session) -> None:
    """Recompute every row (after bulk seeding, or to repair the table)."""
    _recompute(session, None, None, ALL_VIEWS)


def refresh(
    session: Session,
    entity_ids: Iterable[int] | None = None,
    period_ids: Iterable[int] | None = None,
    kpi_ids: Iterable[int] | None = None,
    *,
    views: Collection[str] = ALL_VIEWS,
) -> None:
    """Recompute the rows that figures of `entity_ids` reported in `period_ids` for `kpi_ids`
    (None: any) count in. A period matches the observation's own period or the quarter of its
    submission, so a fourth quarter's submission brings its annual figures along. Pending ORM
    changes are flushed first: a status just set counts."""
    if entity_ids is None and period_ids is None and kpi_ids is None:
        _recompute(session, None, None, views)
        return
    session.flush()
    touched = select(Observation.kpi_id, Observation.period_id).distinct()
    if entity_ids is not None:
        touched = touched.where(Observation.entity_id.in_(sorted(set(entity_ids))))
    if kpi_ids is not None:
        touched = touched.where(Observation.kpi_id.in_(sorted(set(kpi_ids))))
    if period_ids is not None:
        periods = sorted(set(period_ids))
        reported_in = select(Submission.id).where(Submission.period_id.in_(periods))
        touched = touched.where(
            or_(Observation.period_id.in_(periods), Observation.submission_id.in_(reported_in))
        )
    pairs = session.execute(touched).all()
    if pairs:
        kpis = sorted({k for k, _ in pairs})
        periods = sorted({p for _, p in pairs})
        _recompute(session, kpis, periods, views)


def _recompute(
    session: Session, kpis: list[int] | None, periods: list[int] | None, views: Iterable[str]
) -> None:
    """Delete the rows of `kpis` × `periods` (None: all) in `views` and insert them afresh."""
    session.flush()
    _one_writer_per_kpi(session, kpis)
    for view in views:
        gone = delete(KpiSummary).where(KpiSummary.view == view)
        if kpis is not None:
            gone = gone.where(KpiSummary.kpi_id.in_(kpis))
        if periods is not None:
            gone = gone.where(KpiSummary.period_id.in_(periods))
        session.execute(gone)
        columns = ["view", "kpi_id", "period_id", *SUMS]
        found = _sums(view, kpis, periods, session.get_bind().dialect.name)
        session.execute(insert(KpiSummary).from_select(columns, found))


def _one_writer_per_kpi(session: Session, kpis: list[int] | None) -> None:
    """On PostgreSQL, wait for any other transaction recomputing these KPIs' rows to end, so
    that this one deletes the rows that one wrote and recomputes over its figures: without it,
    two approvals at once could both insert the same row. The lock (FOR NO KEY UPDATE on the
    KPIs, in id order) lets figures referring to the KPIs be written meanwhile. SQLite already
    allows one writer at a time."""
    if session.get_bind().dialect.name != "postgresql":
        return
    locked = select(Kpi.id).order_by(Kpi.id).with_for_update(key_share=True)
    if kpis is not None:
        locked = locked.where(Kpi.id.in_(kpis))
    session.execute(locked).all()


def _usable(column):
    """kpis.values.usable in SQL: absent, or zero, or a normal number within every unit. NaN
    (PostgreSQL orders it above every number) and the infinities fail the upper bound; SQLite
    stores NaN as NULL."""
    magnitude = func.abs(column)
    return or_(
        column.is_(None),
        column == 0,
        and_(magnitude >= MIN_NORMAL, magnitude <= MAX_MAGNITUDE),
    )


def _quarter_index(year, quarter):
    return year * 4 + quarter


def _code_index(code):
    """A stored quarter code (`2024-Q3`) as a number that orders like the quarters."""
    return _quarter_index(
        cast(func.substr(code, 1, 4), Integer), cast(func.substr(code, 7, 1), Integer)
    )


def _expected():
    """kpis.expected.is_expected in SQL, on Entity and Period: a year is reported in its fourth
    quarter's template; an entity from its first quarter up to, not including, the quarter it
    was deactivated from (switched off without one: never)."""
    quarter = _quarter_index(Period.year, func.coalesce(Period.quarter, 4))
    return and_(
        or_(Entity.first_period.is_(None), quarter >= _code_index(Entity.first_period)),
        or_(
            and_(Entity.deactivated_from.is_(None), Entity.active),
            and_(
                Entity.deactivated_from.is_not(None),
                quarter < _code_index(Entity.deactivated_from),
            ),
        ),
    )


def _shown_figures(view: str, kpis: list[int] | None, periods: list[int] | None):
    """Per (entity, KPI, period) the observation of the latest shown submission, where its
    entity reports that period: what data.analytics.figures returns, as a subquery."""
    latest = select(
        Observation.entity_id,
        Observation.kpi_id,
        Observation.period_id,
        func.max(Observation.submission_id).label("submission_id"),
    ).join(Submission, Submission.id == Observation.submission_id)
    latest = latest.where(shown_submissions(VIEWS[view]))
    if kpis is not None:
        latest = latest.where(Observation.kpi_id.in_(kpis))
    if periods is not None:
        latest = latest.where(Observation.period_id.in_(periods))
    latest = latest.group_by(
        Observation.entity_id, Observation.kpi_id, Observation.period_id
    ).subquery("latest")
    shown = aliased(Observation, name="shown")
    return (
        select(
            shown.entity_id,
            shown.kpi_id,
            shown.period_id,
            shown.submission_id,
            shown.value,
            shown.numerator,
            shown.denominator,
        )
        .join(
            latest,
            and_(
                shown.submission_id == latest.c.submission_id,
                shown.kpi_id == latest.c.kpi_id,
                shown.period_id == latest.c.period_id,
            ),
        )
        .join(Entity, Entity.id == shown.entity_id)
        .join(Period, Period.id == shown.period_id)
        .where(_expected())
        .subquery("figures")
    )


def _sums(view: str, kpis: list[int] | None, periods: list[int] | None, dialect: str):
    """kpis.aggregate.sums_of in SQL, grouped by KPI and period; `latest_value` is the value of
    the figure from the latest submission among those with a usable value (the order
    data.analytics.figures gives them in)."""
    f = _shown_figures(view, kpis, periods)
    valid = and_(_usable(f.c.value), _usable(f.c.numerator), _usable(f.c.denominator))
    pair = and_(
        valid,
        f.c.numerator.is_not(None),
        f.c.denominator.is_not(None),
        f.c.denominator != 0,
    )
    with_value = and_(valid, f.c.value.is_not(None))
    reported = or_(with_value, pair)

    def count(condition):
        return func.count(case((condition, 1)))

    def total(condition, column):
        added = case((condition, column))
        if dialect == "postgresql":  # in one order, whatever the rows' order on disk: the same
            added = aggregate_order_by(added, f.c.entity_id)  # figures give the same sums
        return func.coalesce(func.sum(added), 0.0)

    grouped = (
        select(
            f.c.kpi_id,
            f.c.period_id,
            count(reported).label("reported"),
            count(~valid).label("invalid"),
            total(pair, f.c.numerator).label("ratio_numerator"),
            total(pair, f.c.denominator).label("ratio_denominator"),
            count(pair).label("ratio_count"),
            total(with_value, f.c.value).label("value_sum"),
            count(with_value).label("value_count"),
            count(and_(with_value, f.c.value > 0)).label("positive_count"),
            func.max(case((with_value, f.c.submission_id))).label("latest_submission"),
        )
        .group_by(f.c.kpi_id, f.c.period_id)
        .subquery("grouped")
    )
    latest = aliased(Observation, name="latest_figure")
    return select(
        literal(view),
        grouped.c.kpi_id,
        grouped.c.period_id,
        *(grouped.c[name] for name in SUMS[:-1]),
        latest.value,
    ).outerjoin(
        latest,
        and_(
            latest.submission_id == grouped.c.latest_submission,
            latest.kpi_id == grouped.c.kpi_id,
            latest.period_id == grouped.c.period_id,
        ),
    )


def read(
    session: Session, view: str, kpi_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], Sums]:
    """(KPI id, period id) -> the sums of `view`, for `kpi_ids` (None: all)."""
    query = select(KpiSummary.kpi_id, KpiSummary.period_id, *_columns()).where(
        KpiSummary.view == view
    )
    if kpi_ids is not None:
        query = query.where(KpiSummary.kpi_id.in_(sorted(set(kpi_ids))))
    return {(row[0], row[1]): Sums(*row[2:]) for row in session.execute(query)}


def _columns():
    return [getattr(KpiSummary, name) for name in SUMS]


def is_empty(session: Session) -> bool:
    return session.scalar(select(KpiSummary.kpi_id).limit(1)) is None
