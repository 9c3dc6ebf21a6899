"""The admin's administration of entities (`/admin/entities`): add an entity with the first
quarter it reports, rename it, deactivate and reactivate it, assign KPIs to it with an optional
entity-specific baseline and target. Every change is audited with the state before and after.

Which quarters an entity is expected in is kpis.expected's rule, from `Entity.first_period` and
`Entity.deactivated_from`: adding an entity from 2025-Q3 makes no earlier quarter missing, and a
deactivated entity is expected no more from the quarter it was deactivated from (its figures of
the quarters before stay in the national figures of those quarters)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import summary
from data.audit import record
from data.models import Entity, EntityKpi, Kpi, Period, ProgrammeCycle, User
from kpis.periods import parse_period
from services.actors import Action, Actor, require

CODE = re.compile(r"[A-Z][A-Z0-9_-]{1,19}")
NAME_MAX = 200
# a host name or an http(s) address, without spaces or markup
WEBSITE = re.compile(r"(https?://)?[A-Za-z0-9.-]+\.[A-Za-z]{2,}(/[^\s<>\"']*)?")
OBJECT = "entity"


class EntityRefused(ValueError):
    """A change refused, with the reason's code and what to say (the page words it in the
    user's language): `code` is one of the keys of dashboards/admin_entities.py's REASONS."""

    status = 400

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.code = reason
        self.params = params


class UnknownEntity(LookupError):
    status = 404


@dataclass(frozen=True)
class EntityRow:
    code: str
    name_en: str
    name_ar: str
    website: str
    first_period: str | None
    deactivated_from: str | None
    active: bool
    kpis: int


@dataclass(frozen=True)
class AssignedKpi:
    kpi_id: int
    code: str
    name_en: str
    name_ar: str
    cycle: str
    baseline: float | None
    target: float | None


@dataclass(frozen=True)
class KpiChoice:
    kpi_id: int
    code: str
    name_en: str
    name_ar: str
    cycle: str


# ---------------------------------------------------------------------------------------------
# Reading


def entity_rows(session: Session, actor: Actor) -> list[EntityRow]:
    """Every entity, active or not, in code order, with how many KPIs are assigned to it."""
    require(actor, Action.MANAGE_ENTITIES)
    counted = (
        select(EntityKpi.entity_id, func.count().label("n"))
        .group_by(EntityKpi.entity_id)
        .subquery()
    )
    rows = session.execute(
        select(Entity, counted.c.n)
        .outerjoin(counted, counted.c.entity_id == Entity.id)
        .order_by(Entity.code)
    )
    return [
        EntityRow(
            e.code,
            e.name_en,
            e.name_ar,
            e.website,
            e.first_period,
            e.deactivated_from,
            e.active,
            n or 0,
        )
        for e, n in rows
    ]


def assigned_kpis(session: Session, actor: Actor, code: str) -> list[AssignedKpi]:
    """The KPIs assigned to entity `code`, in catalogue order, with its own baseline and target."""
    require(actor, Action.MANAGE_ENTITIES)
    entity = _entity(session, code)
    rows = session.execute(
        select(EntityKpi, Kpi, ProgrammeCycle.code)
        .join(Kpi, EntityKpi.kpi_id == Kpi.id)
        .join(ProgrammeCycle, Kpi.cycle_id == ProgrammeCycle.id)
        .where(EntityKpi.entity_id == entity.id)
        .order_by(ProgrammeCycle.start_year, Kpi.position)
    )
    return [
        AssignedKpi(k.id, k.code, k.name_en, k.name_ar, cycle, a.baseline_value, a.target_value)
        for a, k, cycle in rows
    ]


def kpi_choices(session: Session, actor: Actor) -> list[KpiChoice]:
    """The KPIs an entity may be assigned: the active entity-scoped KPIs of every cycle."""
    require(actor, Action.MANAGE_ENTITIES)
    rows = session.execute(
        select(Kpi.id, Kpi.code, Kpi.name_en, Kpi.name_ar, ProgrammeCycle.code)
        .join(ProgrammeCycle, Kpi.cycle_id == ProgrammeCycle.id)
        .where(Kpi.active, Kpi.scope == "entity")
        .order_by(ProgrammeCycle.start_year, Kpi.position)
    )
    return [KpiChoice(*row) for row in rows]


def quarter_codes(session: Session) -> list[str]:
    """The programme's quarters, oldest first: the choices of a first or last quarter."""
    return list(
        session.scalars(
            select(Period.code).where(Period.quarter.is_not(None)).order_by(Period.end_date)
        )
    )


# ---------------------------------------------------------------------------------------------
# Changes


def add_entity(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name_en: str,
    name_ar: str,
    website: str = "",
    first_period: str,
    assign_all: bool = True,
) -> Entity:
    """A new entity reporting from `first_period` on; with `assign_all`, every active entity-scoped
    KPI of the cycles still running at that quarter is assigned to it (as the catalogue does for
    the entities it lists)."""
    require(actor, Action.MANAGE_ENTITIES)
    code = _code(code)
    names = _names(name_en, name_ar)
    site = _website(website)
    first = _quarter(session, first_period, "first_period")
    if session.scalar(select(Entity.id).where(func.upper(Entity.code) == code)) is not None:
        raise EntityRefused("code_taken", code=code)
    _names_free(session, names)
    entity = Entity(code=code, website=site, first_period=first, active=True, **names)
    session.add(entity)
    session.flush()
    kpis = _kpis_running_at(session, first) if assign_all else []
    for kpi in kpis:
        session.add(EntityKpi(entity_id=entity.id, kpi_id=kpi.id))
    _audit(
        session,
        actor,
        "entity.add",
        entity,
        after={**names, "website": site, "first_period": first, "kpis": [k.code for k in kpis]},
    )
    return entity


def rename(
    session: Session, actor: Actor, code: str, *, name_en: str, name_ar: str, website: str = ""
) -> Entity:
    """New names (and web site) for an entity; its code, history and figures stay."""
    require(actor, Action.MANAGE_ENTITIES)
    entity = _entity(session, code)
    wanted = {**_names(name_en, name_ar), "website": _website(website)}
    before = {key: getattr(entity, key) for key in wanted}
    if before == wanted:
        raise EntityRefused("unchanged", code=entity.code)
    _names_free(session, wanted, but=entity.id)
    for key, value in wanted.items():
        setattr(entity, key, value)
    _audit(session, actor, "entity.rename", entity, before=before, after=wanted)
    return entity


def deactivate(session: Session, actor: Actor, code: str, *, from_period: str) -> Entity:
    """The entity reports no more from `from_period` on (not expected then nor after; its
    pages, files and earlier figures stay)."""
    require(actor, Action.MANAGE_ENTITIES)
    entity = _entity(session, code)
    if not entity.active:
        raise EntityRefused("already_inactive", code=entity.code)
    until = _quarter(session, from_period, "from_period")
    if entity.first_period and parse_period(until) <= parse_period(entity.first_period):
        raise EntityRefused("before_first", code=entity.code, first=entity.first_period)
    entity.active = False
    entity.deactivated_from = until
    _audit(
        session,
        actor,
        "entity.deactivate",
        entity,
        before={"active": True, "deactivated_from": None},
        after={"active": False, "deactivated_from": until},
    )
    summary.refresh(session, entity_ids=[entity.id])  # its figures from `until` on count no more
    return entity


def reactivate(session: Session, actor: Actor, code: str) -> Entity:
    """Undo a deactivation: the entity is expected again from the quarter it was deactivated
    from on (those quarters count as due again)."""
    require(actor, Action.MANAGE_ENTITIES)
    entity = _entity(session, code)
    if entity.active:
        raise EntityRefused("already_active", code=entity.code)
    before = {"active": False, "deactivated_from": entity.deactivated_from}
    entity.active = True
    entity.deactivated_from = None
    _audit(
        session,
        actor,
        "entity.reactivate",
        entity,
        before=before,
        after={"active": True, "deactivated_from": None},
    )
    summary.refresh(session, entity_ids=[entity.id])  # its figures count again
    return entity


def assign_kpi(
    session: Session,
    actor: Actor,
    code: str,
    kpi_id: int,
    *,
    baseline: float | None = None,
    target: float | None = None,
) -> EntityKpi:
    """Assign an entity-scoped KPI to the entity, or change its entity-specific baseline and
    target where it is assigned already (None: the KPI's own)."""
    require(actor, Action.MANAGE_ENTITIES)
    entity = _entity(session, code)
    kpi = session.get(Kpi, kpi_id)
    if kpi is None or not kpi.active or kpi.scope != "entity":
        raise EntityRefused("unknown_kpi")
    wanted = {"baseline": _number(baseline, "baseline"), "target": _number(target, "target")}
    assignment = session.scalar(
        select(EntityKpi).where(EntityKpi.entity_id == entity.id, EntityKpi.kpi_id == kpi.id)
    )
    before = None
    if assignment is None:
        assignment = EntityKpi(entity_id=entity.id, kpi_id=kpi.id)
        session.add(assignment)
    else:
        before = {"baseline": assignment.baseline_value, "target": assignment.target_value}
        if before == wanted:
            raise EntityRefused("unchanged", code=entity.code)
    assignment.baseline_value = wanted["baseline"]
    assignment.target_value = wanted["target"]
    session.flush()
    _audit(
        session,
        actor,
        "entity.assign_kpi",
        entity,
        before={"kpi": kpi.code, **before} if before else None,
        after={"kpi": kpi.code, **wanted},
    )
    return assignment


def unassign_kpi(session: Session, actor: Actor, code: str, kpi_id: int) -> None:
    """The entity no longer reports the KPI (figures it sent stay)."""
    require(actor, Action.MANAGE_ENTITIES)
    entity = _entity(session, code)
    assignment = session.scalar(
        select(EntityKpi).where(EntityKpi.entity_id == entity.id, EntityKpi.kpi_id == kpi_id)
    )
    if assignment is None:
        raise EntityRefused("not_assigned", code=entity.code)
    kpi_code = session.get(Kpi, kpi_id).code
    before = {
        "kpi": kpi_code,
        "baseline": assignment.baseline_value,
        "target": assignment.target_value,
    }
    session.delete(assignment)
    session.flush()
    _audit(session, actor, "entity.unassign_kpi", entity, before=before, after=None)


# ---------------------------------------------------------------------------------------------
# Checks


def _entity(session: Session, code: str) -> Entity:
    entity = session.scalar(select(Entity).where(Entity.code == str(code or "").upper()))
    if entity is None:
        raise UnknownEntity(code)
    return entity


def _code(text: str) -> str:
    code = str(text or "").strip().upper()
    if not CODE.fullmatch(code):
        raise EntityRefused("bad_code")
    return code


def _names(name_en: str, name_ar: str) -> dict[str, str]:
    names = {"name_en": _text(name_en), "name_ar": _text(name_ar)}
    for key, value in names.items():
        if not value:
            raise EntityRefused(f"{key}_missing")
        if len(value) > NAME_MAX or not value.isprintable():
            raise EntityRefused(f"{key}_bad", limit=NAME_MAX)
    return names


def _names_free(session: Session, names: dict[str, str], but: int | None = None) -> None:
    """Two entities with one name could not be told apart on any page, list or report."""
    for key in ("name_en", "name_ar"):
        column = getattr(Entity, key)
        other = session.scalar(
            select(Entity.code).where(
                func.lower(column) == names[key].lower(), Entity.id != (but or -1)
            )
        )
        if other is not None:
            raise EntityRefused(f"{key}_taken", code=other)


def _text(value: str | None) -> str:
    return " ".join(str(value or "").split())


def _website(text: str | None) -> str:
    site = str(text or "").strip()
    if site and (len(site) > NAME_MAX or not WEBSITE.fullmatch(site)):
        raise EntityRefused("bad_website")
    return site


def _quarter(session: Session, text: str | None, field: str) -> str:
    """A quarter of the programme, as its code; refused otherwise."""
    try:
        quarter = parse_period(str(text or ""))
    except ValueError:
        raise EntityRefused("bad_quarter", field=field) from None
    known = session.scalar(select(Period.id).where(Period.code == quarter.code))
    if quarter.quarter is None or known is None:
        raise EntityRefused("bad_quarter", field=field)
    return quarter.code


def _number(value: float | str | None, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).replace(",", "").strip())
    except ValueError:
        raise EntityRefused("bad_number", field=field) from None
    if not math.isfinite(number):
        raise EntityRefused("bad_number", field=field)
    return number


def _kpis_running_at(session: Session, quarter: str) -> list[Kpi]:
    """The active entity-scoped KPIs of the cycles that have not ended by `quarter`."""
    year = parse_period(quarter).year
    return list(
        session.scalars(
            select(Kpi)
            .join(ProgrammeCycle, Kpi.cycle_id == ProgrammeCycle.id)
            .where(Kpi.active, Kpi.scope == "entity", ProgrammeCycle.target_year >= year)
            .order_by(ProgrammeCycle.start_year, Kpi.position)
        )
    )


def _audit(session: Session, actor: Actor, action: str, entity: Entity, **fields) -> None:
    record(
        session,
        action,
        OBJECT,
        entity.code,
        user=session.get(User, actor.user_id) if actor.user_id else None,
        entity_id=entity.id,
        **fields,
    )
