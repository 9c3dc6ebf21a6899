"""The KPIs due from an entity in a quarter: what its template lists and what its upload is
checked against, with the last official values and the expected path."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from data.analytics import reporting_spans
from data.cycles import cycle_code_of
from data.models import Entity, EntityKpi, Kpi, Observation, Period, Submission
from data.queries import kpi_specs
from etl.contract import DueKpi
from etl.load import code_ids
from etl.messages import Problem
from kpis.expected import Span, is_expected
from kpis.path import expected_at
from kpis.periods import PeriodCode, parse_period, reporting_period
from kpis.spec import KpiSpec
from kpis.values import usable

# KPI id -> period code -> official (approved) value of the earlier periods, oldest first
History = dict[int, dict[str, float]]

_ASSIGNMENTS = select(EntityKpi.entity_id, EntityKpi.kpi_id)

_HISTORY = (
    select(Observation.entity_id, Observation.kpi_id, Period.code, Observation.value)
    .join(Submission, Observation.submission_id == Submission.id)
    .join(Period, Period.id == Observation.period_id)
    .where(
        Observation.entity_id.in_(bindparam("entity_ids", expanding=True)),
        Submission.status == "approved",
        Period.end_date < bindparam("before"),
        Observation.value.is_not(None),
    )
    .order_by(Period.end_date, Submission.reviewed_at)
)


class NotReporting(ValueError):
    """A template asked for a quarter its entity does not report (kpis.expected)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem


def not_reporting(
    session: Session, entity_code: str, quarter: PeriodCode, spans: dict[str, Span] | None = None
) -> Problem | None:
    """Why `entity_code` sends nothing for `quarter` (before its first quarter, or from its
    deactivation on), or None when it is expected then: the rule is kpis.expected's. `spans`:
    every entity's (data.analytics.reporting_spans), when a batch has already read them."""
    span = (reporting_spans(session) if spans is None else spans).get(entity_code)
    if span is None or is_expected(span, quarter):
        return None
    params = {"entity": entity_code, "period": quarter.code}
    if span.first is not None and quarter < span.first:
        return Problem("before_first_period", {**params, "first": span.first.code})
    return Problem("after_deactivation", {**params, "until": span.until.code})


def due_kpis(
    session: Session, entity_code: str, quarter: PeriodCode, history: History | None = None
) -> dict[str, DueKpi]:
    """The KPIs due from an entity in a quarter's template, with last official values and path.
    `history`: the entity's, when already read with others' (see `official_histories`)."""
    entity_id = code_ids(session, Entity)[entity_code]
    assigned = _assignments(session).get(entity_id, frozenset())
    if history is None:
        history = official_histories(session, [entity_id], quarter).get(entity_id, {})
    due = {}
    for spec, period in _due_in(session, quarter):
        if spec.id not in assigned and spec.owner != entity_code:
            continue
        official = history.get(spec.id, {})
        # a KPI that continues one of the cycle before: its last official value is the earlier
        # KPI's (the template shows it, the check compares a jump with it); the path does not
        earlier = history.get(_predecessors(session).get(spec.id, -1), {})
        past = [*earlier.values(), *official.values()]
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
            cumulative=spec.cumulative,
            expected=_expected(spec, period, official),
        )
    return due


def _assignments(session: Session) -> dict[int, frozenset[int]]:
    """Entity id -> ids of the KPIs assigned to it, read once per session like the catalogue."""
    if "assignments" not in session.info:
        pairs: dict[int, set[int]] = {}
        for entity_id, kpi_id in session.execute(_ASSIGNMENTS):
            pairs.setdefault(entity_id, set()).add(kpi_id)
        session.info["assignments"] = {e: frozenset(k) for e, k in pairs.items()}
    return session.info["assignments"]


def _predecessors(session: Session) -> dict[int, int]:
    """KPI id -> id of the KPI of the cycle before that it continues, read once per session."""
    if "predecessors" not in session.info:
        rows = session.execute(
            select(Kpi.id, Kpi.continues_id).where(Kpi.continues_id.is_not(None))
        )
        session.info["predecessors"] = dict(rows.tuples().all())
    return session.info["predecessors"]


def _due_in(session: Session, quarter: PeriodCode) -> list[tuple[KpiSpec, PeriodCode]]:
    """Each KPI reported in `quarter`'s templates and the period it reports: the catalogue is
    read once per session and this once per quarter, not per entity."""
    key = f"due_in:{quarter.code}"
    if key not in session.info:
        cycle = cycle_code_of(session, quarter)  # the KPIs of the cycle the quarter belongs to
        if f"kpi_specs:{cycle}" not in session.info:
            session.info[f"kpi_specs:{cycle}"] = kpi_specs(session, cycle)
        due = []
        for spec in session.info[f"kpi_specs:{cycle}"]:
            period = reporting_period(spec.frequency, quarter, spec.base_year)
            if period is not None:  # checked against the definition in force at the period
                due.append((spec.in_force(period), period))
        session.info[key] = due
    return session.info[key]


def _expected(spec: KpiSpec, period: PeriodCode, official: dict[str, float]) -> float | None:
    """The entity's expected value at `period` by the dashboard's rule (kpis.path.expected_at),
    its path starting at its first official figure where the KPI has no baseline. With no
    baseline and no earlier figure, the one being checked starts the path: nothing to fall short
    of (on the dashboard the expected value there is that figure itself)."""
    earliest = next(iter(official.items()), None)  # oldest first
    first = (parse_period(earliest[0]), earliest[1]) if earliest else None
    if first is None and spec.baseline is None:
        return None
    return expected_at(spec, period, first)


def official_histories(
    session: Session, entity_ids: Iterable[int], before: PeriodCode
) -> dict[int, History]:
    """Per entity and KPI, approved values of periods before `before` by period code, oldest
    first (the latest approval per period), for several entities in one query."""
    rows = session.connection().execute(
        _HISTORY, {"entity_ids": sorted(set(entity_ids)), "before": before.start}
    )
    latest: dict[int, History] = {}
    for entity_id, kpi_id, code, value in rows:
        if not usable(value):  # an invalid stored figure is no history to compare with
            continue
        latest.setdefault(entity_id, {}).setdefault(kpi_id, {})[code] = value
    return latest
