"""Which programme cycle a period belongs to: the one question every page, template, check and
API answer asks before reading a catalogue (docs/cycles.md). Ask `cycle_of`, nothing else."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.analytics import CycleRow
from data.models import Kpi, ProgrammeCycle
from kpis.periods import PeriodCode, parse_period


def cycles(session: Session) -> list[CycleRow]:
    """Every cycle in the store, the earliest first."""
    rows = session.scalars(select(ProgrammeCycle).order_by(ProgrammeCycle.start_year))
    return [
        CycleRow(r.code, r.name_en, r.name_ar, r.baseline_year, r.start_year, r.target_year)
        for r in rows
    ]


def cycle_of(session: Session, period: PeriodCode | str) -> CycleRow | None:
    """The cycle whose years contain `period` (`2026-Q1` and `2026` belong to 2026-2030). A
    period outside every cycle (a baseline year, say) belongs to the last cycle that started
    before it, else to the first; None only when the store has no cycle."""
    if isinstance(period, str):
        period = parse_period(period)
    known = cycles(session)
    for cycle in known:
        if cycle.start_year <= period.year <= cycle.target_year:
            return cycle
    earlier = [c for c in known if c.start_year <= period.year]
    if earlier:
        return earlier[-1]
    return known[0] if known else None


def cycle_code_of(session: Session, period: PeriodCode | str) -> str | None:
    cycle = cycle_of(session, period)
    return cycle.code if cycle else None


def coded_ids(session: Session, model, cycle_code: str | None) -> dict[str, int]:
    """Code -> id of the KPIs, initiatives or budget lines (`model`) of one cycle."""
    query = select(model.code, model.id).join(ProgrammeCycle, model.cycle_id == ProgrammeCycle.id)
    if cycle_code is not None:
        query = query.where(ProgrammeCycle.code == cycle_code)
    return {code: id_ for code, id_ in session.execute(query.order_by(model.id))}


def kpi_ids(session: Session, cycle_code: str | None) -> dict[str, int]:
    """KPI code -> id within one cycle (codes repeat from one cycle to the next)."""
    query = select(Kpi.code, Kpi.id).join(ProgrammeCycle, Kpi.cycle_id == ProgrammeCycle.id)
    if cycle_code is not None:
        query = query.where(ProgrammeCycle.code == cycle_code)
    return {code: id_ for code, id_ in session.execute(query.order_by(Kpi.id))}
