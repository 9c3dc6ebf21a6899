"""The programme's budget (issue 16, docs/programme.md): allocations in OMR per track, initiative
or entity and year, set by the programme office; committed and spent reported each quarter in the
entities' Budget sheets (etl). Amounts are kept in baisa (1 OMR = 1,000 baisa), exact.

A line is allocated to an initiative (`I1.1-2024`), to an entity within a track (`MOH-T1-2024`) or
to a track as a whole, its reserve (`T1-2024`); its code, named so, identifies it in templates and
imports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import record
from data.cycles import cycle_of
from data.models import BudgetLine, Entity, Initiative, ProgrammeCycle, Track, utcnow
from services.actors import Action, Actor, require

OBJECT = "budget_line"


class BudgetRefused(ValueError):
    """An allocation refused, with the reason's code and what to say (the page words it)."""

    status = 400

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.code = reason
        self.params = params


def line_code(target: str, year: int) -> str:
    """The code of the line allocating `year`'s money to `target` (an initiative's code, an
    entity's and track's `MOH-T1`, or a track's)."""
    return f"{target}-{year}"


def allocate(
    session: Session,
    actor: Actor,
    *,
    year: int,
    baisa: int,
    track: str | None = None,
    initiative: str | None = None,
    entity: str | None = None,
    reason: str = "",
    is_demo: bool = False,
) -> BudgetLine:
    """Set the allocation of `year` to an initiative, to an entity within a track, or to a track
    (its reserve), in the cycle that year belongs to: a new line, or the existing one changed.
    Audited."""
    require(actor, Action.MANAGE_BUDGET)
    if (initiative is None) == (track is None) or (initiative is not None and entity is not None):
        raise BudgetRefused("one_target")
    if baisa < 0:
        raise BudgetRefused("negative")
    cycle_row = cycle_of(session, str(year))
    if cycle_row is None or not cycle_row.start_year <= year <= cycle_row.target_year:
        raise BudgetRefused("year_outside_cycle", year=str(year))
    cycle = session.scalars(select(ProgrammeCycle).filter_by(code=cycle_row.code)).one()
    target, columns = _target(session, cycle, track, initiative, entity)
    code = line_code(target, year)
    line = session.scalars(select(BudgetLine).filter_by(cycle_id=cycle.id, code=code)).one_or_none()
    before = {"allocated_baisa": line.allocated_baisa} if line else None
    if line is None:
        line = BudgetLine(cycle_id=cycle.id, code=code, year=year, is_demo=is_demo, **columns)
        session.add(line)
    line.allocated_baisa = baisa
    line.updated_at = utcnow()
    session.flush()
    record(
        session,
        "budget.allocate",
        OBJECT,
        code,
        user=_user(session, actor),
        before=before,
        after={"allocated_baisa": baisa, "year": year, "cycle": cycle.code},
        reason=reason,
    )
    return line


def _target(session, cycle, track, initiative, entity) -> tuple[str, dict[str, Any]]:
    """The code a line is named after and its columns (an initiative's line is in the
    initiative's track)."""
    if initiative is not None:
        found = session.scalars(
            select(Initiative).filter_by(cycle_id=cycle.id, code=initiative.strip())
        ).one_or_none()
        if found is None:
            raise BudgetRefused("unknown_initiative", code=initiative)
        return found.code, {"initiative_id": found.id, "track_id": found.track_id}
    in_track = session.scalars(
        select(Track).filter_by(cycle_id=cycle.id, code=track.strip().upper())
    ).one_or_none()
    if in_track is None:
        raise BudgetRefused("unknown_track", code=track)
    if entity is None:
        return in_track.code, {"track_id": in_track.id}
    found = session.scalars(select(Entity).filter_by(code=entity.strip().upper())).one_or_none()
    if found is None:
        raise BudgetRefused("unknown_entity", code=entity)
    return f"{found.code}-{in_track.code}", {"entity_id": found.id, "track_id": in_track.id}


def _user(session: Session, actor: Actor):
    from data.models import User

    return session.get(User, actor.user_id) if actor.user_id else None
