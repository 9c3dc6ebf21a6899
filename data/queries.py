"""Read-side queries: each takes a session and returns plain rows, never ORM objects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from data.models import Kpi, ProgrammeCycle, Submission, Track


@dataclass(frozen=True)
class KpiRow:
    code: str
    name_en: str
    name_ar: str
    unit: str
    direction: str
    scope: str
    frequency: str
    baseline: float | None
    baseline_year: int | None
    target: float | None
    target_year: int | None
    comparator: str


@dataclass(frozen=True)
class TrackRow:
    code: str
    name_en: str
    name_ar: str
    focus_en: str
    focus_ar: str
    kpis: tuple[KpiRow, ...]


def catalogue_by_track(session: Session, cycle_code: str = "2021-2025") -> list[TrackRow]:
    tracks = session.scalars(
        select(Track)
        .join(ProgrammeCycle)
        .where(ProgrammeCycle.code == cycle_code)
        .options(selectinload(Track.kpis).selectinload(Kpi.definitions))
        .order_by(Track.position)
    ).all()
    return [
        TrackRow(
            t.code,
            t.name_en,
            t.name_ar,
            t.focus_en,
            t.focus_ar,
            tuple(_kpi_row(k) for k in t.kpis if k.active),
        )
        for t in tracks
    ]


def _kpi_row(kpi: Kpi) -> KpiRow:
    d = kpi.current
    return KpiRow(
        kpi.code,
        kpi.name_en,
        kpi.name_ar,
        kpi.unit,
        kpi.direction,
        kpi.scope,
        kpi.frequency,
        d.baseline_value if d else None,
        d.baseline_year if d else None,
        d.target_value if d else None,
        d.target_year if d else None,
        d.target_comparator if d else ">=",
    )


def has_demo_data(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(Submission.is_demo))))
