"""Load the programme's reference catalogue into the store, idempotently, and print it back."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import record
from data.models import (
    Entity,
    EntityKpi,
    Initiative,
    InterimTarget,
    InternationalIndicator,
    Kpi,
    KpiDefinition,
    Period,
    ProceduresPlan,
    ProgrammeCycle,
    Track,
)
from kpis.periods import PeriodCode, quarters

REFERENCE = Path(__file__).resolve().parent / "reference"
CYCLE_FIELDS = ("name_en", "name_ar", "baseline_year", "start_year", "target_year")


def catalogue_columns(cycle: ProgrammeCycle) -> tuple[str, ...]:
    """The reference catalogue's columns; baseline and target are named after the cycle's years
    (`baseline_2020`, `target_2025` for the 2021-2025 cycle)."""
    return (
        "code",
        "track",
        "name_en",
        "name_ar",
        "unit",
        "direction",
        f"baseline_{cycle.baseline_year}",
        f"target_{cycle.target_year}",
        "target_comparator",
        "scope",
        "aggregation",
        "frequency",
        "owner",
        "note",
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def number_or_none(text: str) -> float | None:
    return float(text) if text.strip() else None


def format_number(value: float | None) -> str:
    """The catalogue's way of printing a figure: blank for none, no trailing `.0`."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass
class LoadReport:
    """What a load changed: counts by kind of row."""

    added: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, new: bool) -> None:
        bucket = self.added if new else self.changed
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def empty(self) -> bool:
        return not self.added and not self.changed


def _upsert(session: Session, report: LoadReport, model, key: dict[str, Any], **values: Any):
    """Insert a row, or update the one with `key` where a value differs; count what changed."""
    row = session.scalars(select(model).filter_by(**key)).one_or_none()
    if row is None:
        row = model(**key, **values)
        session.add(row)
        report.count(model.__tablename__, new=True)
        return row
    differing = {k: v for k, v in values.items() if getattr(row, k) != v}
    for name, value in differing.items():
        setattr(row, name, value)
    if differing:
        report.count(model.__tablename__, new=False)
    return row


def load_catalogue(session: Session, folder: Path = REFERENCE) -> LoadReport:
    """Load cycle, tracks, entities, KPIs, plans, initiatives, indices and periods."""
    report = LoadReport()
    # the reference defines one cycle today; the next is imported the same way (issue 15)
    (defined,) = read_csv(folder / "cycles.csv")
    cycle = _upsert(
        session,
        report,
        ProgrammeCycle,
        {"code": defined["code"]},
        **{k: int(defined[k]) if k.endswith("_year") else defined[k] for k in CYCLE_FIELDS},
        budget_baisa=baisa_of(defined.get("budget_omr", "")),
    )
    session.flush()
    tracks = _load_tracks(session, report, cycle, read_csv(folder / "tracks.csv"))
    entities = _load_entities(session, report, read_csv(folder / "entities.csv"))
    kpis = _load_kpis(
        session, report, cycle, tracks, entities, read_csv(folder / defined["catalogue"])
    )
    if procedures_kpi := defined.get("procedures_kpi", "").strip():
        plan = read_csv(folder / "procedures_plan.csv")
        _load_plan(session, report, kpis[procedures_kpi], plan)
        _load_procedures(session, report, cycle, kpis[procedures_kpi], plan)
    _assign(session, report, kpis.values(), entities.values())
    _load_initiatives(
        session, report, cycle, tracks, entities, read_csv(folder / "initiatives.csv")
    )
    _load_indices(session, report, read_csv(folder / "international_indicators.csv"))
    _load_periods(session, report, cycle)
    if not report.empty:
        record(
            session,
            "catalogue.load",
            "catalogue",
            cycle.code,
            after={"added": report.added, "changed": report.changed},
        )
    return report


def _load_tracks(session, report, cycle, rows) -> dict[str, Track]:
    tracks = {}
    for position, row in enumerate(rows):
        tracks[row["code"]] = _upsert(
            session,
            report,
            Track,
            {"cycle_id": cycle.id, "code": row["code"]},
            name_en=row["name_en"],
            name_ar=row["name_ar"],
            focus_en=row["focus_en"],
            focus_ar=row.get("focus_ar", ""),
            position=position,
        )
    session.flush()
    return tracks


def _load_entities(session, report, rows) -> dict[str, Entity]:
    """Add the entities the reference lists and the store lacks; an entity already there keeps
    its names and web site, which the admin changes on /admin/entities (audited)."""
    known = {e.code: e for e in session.scalars(select(Entity))}
    entities = {
        row["code"]: known.get(row["code"])
        or _upsert(
            session,
            report,
            Entity,
            {"code": row["code"]},
            name_en=row["name_en"],
            name_ar=row["name_ar"],
            website=row["website"],
        )
        for row in rows
    }
    session.flush()
    return entities


def _load_kpis(session, report, cycle, tracks, entities, rows) -> dict[str, Kpi]:
    kpis = {}
    for position, row in enumerate(rows):
        owner = entities[row["owner"]].id if row["owner"] else None
        kpi = _upsert(
            session,
            report,
            Kpi,
            {"cycle_id": cycle.id, "code": row["code"]},
            track_id=tracks[row["track"]].id,
            name_en=row["name_en"],
            name_ar=row["name_ar"],
            unit=row["unit"],
            direction=row["direction"],
            scope=row["scope"],
            aggregation=row["aggregation"],
            frequency=row["frequency"],
            owner_entity_id=owner,
            note=row["note"],
            position=position,
        )
        session.flush()
        _define(session, report, kpi, cycle, row)
        kpis[kpi.code] = kpi
    return kpis


def _define(session, report, kpi: Kpi, cycle: ProgrammeCycle, row: dict[str, str]) -> None:
    """Add a definition version when the reference's baseline or target differ from the current."""
    baseline = number_or_none(row[f"baseline_{cycle.baseline_year}"])
    target = number_or_none(row[f"target_{cycle.target_year}"])
    wanted = {
        "baseline_value": baseline,
        "baseline_year": cycle.baseline_year if baseline is not None else None,
        "target_value": target,
        "target_year": cycle.target_year if target is not None else None,
        "target_comparator": row["target_comparator"] or ">=",
    }
    # compared with the catalogue's own latest version (from the cycle's start), not with a
    # restatement made since: loading the same reference again must not undo a restatement
    start = f"{cycle.start_year}-Q1"
    versions = session.scalars(
        select(KpiDefinition).filter_by(kpi_id=kpi.id).order_by(KpiDefinition.version.desc())
    ).all()
    current = next((d for d in versions if d.effective_from in (start, None)), None)
    if current and all(getattr(current, k) == v for k, v in wanted.items()):
        return
    version = versions[0].version + 1 if versions else 1
    session.add(
        KpiDefinition(
            kpi_id=kpi.id,
            version=version,
            reason="reference catalogue",
            effective_from=start,
            **wanted,
        )
    )
    report.count("kpi_definitions", new=True)


def _load_plan(session, report, kpi: Kpi, rows) -> None:
    for row in rows:
        _upsert(
            session,
            report,
            InterimTarget,
            {"kpi_id": kpi.id, "year": int(row["year"])},
            value=float(row["cumulative_share_percent"]),
            note=f"{row['procedures']} procedures simplified in {row['year']}",
        )


def _load_procedures(session, report, cycle, kpi: Kpi, rows) -> None:
    for row in rows:
        _upsert(
            session,
            report,
            ProceduresPlan,
            {"cycle_id": cycle.id, "year": int(row["year"])},
            kpi_id=kpi.id,
            procedures=int(row["procedures"]),
        )


def baisa_of(omr: str) -> int | None:
    """An amount in OMR as written in reference data (`170000000`, `12.5`) in baisa."""
    return int(Decimal(omr.strip()) * 1000) if omr.strip() else None


def _assign(session, report, kpis, entities) -> None:
    existing = {(e, k) for e, k in session.execute(select(EntityKpi.entity_id, EntityKpi.kpi_id))}
    for kpi in kpis:
        if kpi.scope != "entity":
            continue
        for entity in entities:
            if (entity.id, kpi.id) not in existing:
                session.add(EntityKpi(entity_id=entity.id, kpi_id=kpi.id))
                report.count("entity_kpis", new=True)


def _load_initiatives(session, report, cycle, tracks, entities, rows) -> None:
    for row in rows:
        lead = entities.get(row["lead"])
        _upsert(
            session,
            report,
            Initiative,
            {"cycle_id": cycle.id, "code": row["code"]},
            track_id=tracks[row["track"]].id,
            name_en=row["name_en"],
            name_ar=row["name_ar"],
            lead_entity_id=lead.id if lead else None,
            start=row.get("start") or f"{cycle.start_year}-Q1",
            due=row["due"] or f"{cycle.target_year}-Q4",
        )


def _load_indices(session, report, rows) -> None:
    for row in rows:
        _upsert(
            session,
            report,
            InternationalIndicator,
            {"code": row["code"]},
            name_en=row["name_en"],
            name_ar=row["name_ar"],
            measure=row["measure"],
            value=float(row["value"]),
            year=int(row["year"]),
            direction=row["direction"],
        )


def _load_periods(session, report, cycle) -> None:
    years = range(cycle.start_year, cycle.target_year + 1)
    codes = quarters(cycle.start_year, cycle.target_year) + [PeriodCode(y) for y in years]
    existing = set(session.scalars(select(Period.code)))
    for period in codes:
        if period.code not in existing:
            session.add(
                Period(
                    code=period.code,
                    year=period.year,
                    quarter=period.quarter,
                    start_date=period.start,
                    end_date=period.end,
                )
            )
            report.count("periods", new=True)


def catalogue_rows(session: Session, cycle: ProgrammeCycle) -> list[dict[str, str]]:
    """The KPI catalogue as the reference file's rows, from the definitions in force."""
    baseline_column = f"baseline_{cycle.baseline_year}"
    target_column = f"target_{cycle.target_year}"
    kpis = session.scalars(
        select(Kpi).join(ProgrammeCycle).where(ProgrammeCycle.id == cycle.id).order_by(Kpi.position)
    ).all()
    rows = []
    for kpi in kpis:
        current = kpi.current
        rows.append(
            {
                "code": kpi.code,
                "track": kpi.track.code,
                "name_en": kpi.name_en,
                "name_ar": kpi.name_ar,
                "unit": kpi.unit,
                "direction": kpi.direction,
                baseline_column: format_number(current and current.baseline_value),
                target_column: format_number(current and current.target_value),
                "target_comparator": current.target_comparator if current else "",
                "scope": kpi.scope,
                "aggregation": kpi.aggregation,
                "frequency": kpi.frequency,
                "owner": kpi.owner.code if kpi.owner else "",
                "note": kpi.note,
            }
        )
    return rows


def catalogue_csv(session: Session) -> str:
    """The catalogue of the cycle in force (the one that started last), as the reference CSV."""
    cycle = session.scalars(
        select(ProgrammeCycle).order_by(ProgrammeCycle.start_year.desc()).limit(1)
    ).one()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=catalogue_columns(cycle), lineterminator="\n")
    writer.writeheader()
    writer.writerows(catalogue_rows(session, cycle))
    return buffer.getvalue()
