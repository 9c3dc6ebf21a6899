"""Restating a KPI's baseline or target (DESIGN.md, "Definitions are versioned"): a new version
of its definition, in force from a quarter the office chooses, with who, when and why; the
earlier versions stay and rate the periods before it (kpis.spec.definition_in_force).

A restatement may not take effect in or before a quarter that is locked or published: it would
change the status of figures the office has closed or the committee has been given. The earliest
quarter it may take effect from is the one after the last such quarter (`earliest_quarter`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import record
from data.models import Kpi, KpiDefinition, Period, ProgrammeCycle, Release, User
from etl.parse import (
    control_character,
    is_blank,
    parse_amount,
    parse_count,
    parse_percent,
    parse_rank,
)
from kpis.periods import PeriodCode, parse_period, quarters
from kpis.spec import Definition, definition_in_force, effective_order, quarters_governed
from services.actors import Action, Actor, require

REASON_LIMIT = 2000


class RestatementProblem(ValueError):
    """A restatement refused: `code` says why (the page words it in the user's language),
    `field` which input (`kpi`, `baseline`, `target`, `from_period`, `reason`), `detail` the
    value to name (a parse problem's code, a quarter)."""

    status = 400

    def __init__(self, code: str, field: str = "", detail: str = "") -> None:
        super().__init__(f"{code}: {field} {detail}".strip())
        self.code, self.field, self.detail = code, field, detail


@dataclass(frozen=True)
class DefinitionRow:
    """One version of a KPI's definition as the administration page lists it; `governs`: the
    quarters of the cycle it rates (none when replaced from the quarter it took effect from)."""

    version: int
    baseline: float | None
    baseline_year: int | None
    target: float | None
    target_year: int | None
    comparator: str
    effective_from: str
    set_by: str
    set_at: datetime | None
    reason: str
    governs: tuple[str, ...]


@dataclass(frozen=True)
class KpiDefinitions:
    kpi_id: int
    code: str
    cycle: str
    unit: str
    direction: str
    quarters: tuple[str, ...]  # the cycle's quarters
    earliest: str | None  # the first quarter a restatement may take effect from, None: none left
    rows: tuple[DefinitionRow, ...]  # in effective order, the one in force at the end last


def restate(
    session: Session,
    actor: Actor,
    kpi_code: str,
    *,
    baseline: object = None,
    target: object = None,
    from_period: str,
    reason: str,
    cycle: str | None = None,
) -> KpiDefinition:
    """Add a version of the KPI's definition with `baseline` and/or `target` (numbers, or text as
    typed: `85`, `85%`, `٨٥`; None or blank keeps the value in force at `from_period`), in force
    from the quarter `from_period` of the KPI's cycle (`cycle`, default the latest with that
    code), with `reason`. Writes the audit event `kpi.restate`. `RestatementProblem` says what
    is wrong."""
    require(actor, Action.RESTATE_TARGETS)
    kpi = _kpi(session, kpi_code, cycle)
    cycle_row = _cycle(session, kpi)
    if is_blank(baseline) and is_blank(target):
        raise RestatementProblem("nothing_given", "target")
    start = _from_quarter(session, cycle_row, from_period)
    before = definition_in_force(_definitions(kpi, cycle_row.start_year), start)
    new_baseline = _value(kpi, baseline, "baseline", before.baseline if before else None)
    new_target = _value(kpi, target, "target", before.target if before else None)
    text = _reason(reason)
    if before is not None and (new_baseline, new_target) == (before.baseline, before.target):
        raise RestatementProblem("no_change", "target", start.code)
    row = KpiDefinition(
        kpi_id=kpi.id,
        version=max((d.version for d in kpi.definitions), default=0) + 1,
        baseline_value=new_baseline,
        baseline_year=_year(before, "baseline_year", new_baseline, cycle_row.baseline_year),
        target_value=new_target,
        target_year=_year(before, "target_year", new_target, cycle_row.target_year),
        target_comparator=before.comparator if before else ">=",
        set_by_id=actor.user_id,
        reason=text,
        effective_from=start.code,
    )
    session.add(row)
    session.flush()
    record(
        session,
        "kpi.restate",
        "kpi",
        kpi.code,
        user=session.get(User, actor.user_id) if actor.user_id else None,
        before=_audited(before, kpi, cycle_row) if before else None,
        after={
            **_audited(_as_definition(row, start), kpi, cycle_row),
            **_changed(before, new_baseline, new_target),
        },
        reason=text,
    )
    return row


def _changed(before: Definition | None, baseline: float | None, target: float | None) -> dict:
    """Which values the restatement changed (`changed`), and the one a sentence names (`field`:
    the target when both changed)."""
    changed = [
        name
        for name, old, new in (
            ("baseline", before.baseline if before else None, baseline),
            ("target", before.target if before else None, target),
        )
        if old != new
    ]
    return {"changed": changed, "field": changed[-1]}


def _audited(d: Definition, kpi: Kpi, cycle: ProgrammeCycle) -> dict:
    return {
        "version": d.version,
        "baseline": d.baseline,
        "target": d.target,
        "from": d.effective_from.code,
        "unit": kpi.unit,
        "cycle": cycle.code,
    }


def _as_definition(row: KpiDefinition, start: PeriodCode) -> Definition:
    return Definition(
        row.version,
        start,
        row.baseline_value,
        row.baseline_year,
        row.target_value,
        row.target_year,
        row.target_comparator,
    )


def _year(before: Definition | None, name: str, value: float | None, default: int) -> int | None:
    """The year a restated value belongs to: the earlier definition's, else the cycle's."""
    if value is None:
        return None
    return (getattr(before, name) if before else None) or default


def _kpi(session: Session, code: str, cycle: str | None) -> Kpi:
    query = (
        select(Kpi)
        .join(ProgrammeCycle, Kpi.cycle_id == ProgrammeCycle.id)
        .where(Kpi.code == (code or "").strip().upper(), Kpi.active)
        .order_by(ProgrammeCycle.start_year.desc())
    )
    if cycle:
        query = query.where(ProgrammeCycle.code == cycle)
    kpi = session.scalars(query.limit(1)).first()
    if kpi is None:
        raise RestatementProblem("unknown_kpi", "kpi", (code or "")[:20])
    return kpi


def _cycle(session: Session, kpi: Kpi) -> ProgrammeCycle:
    return session.get(ProgrammeCycle, kpi.cycle_id)


def _reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise RestatementProblem("no_reason", "reason")
    if len(text) > REASON_LIMIT:
        raise RestatementProblem("reason_too_long", "reason", str(REASON_LIMIT))
    if control_character(text, frozenset("\n\t")):
        raise RestatementProblem("reason_control", "reason")
    return text


def _value(kpi: Kpi, raw: object, field: str, current: float | None) -> float | None:
    """The value typed, read by the unit's rule (as a clerk's figure is), or the current one."""
    if is_blank(raw):
        return current
    if kpi.aggregation == "share_of_entities" or kpi.unit in ("percent", "milestone"):
        parsed = parse_percent(raw, False)
    else:
        reader = {"count": parse_count, "rank": parse_rank}.get(kpi.unit, parse_amount)
        parsed = reader(raw)
    if not parsed.ok:
        raise RestatementProblem(f"bad_{field}", field, parsed.problem or "")
    return parsed.value


def _from_quarter(session: Session, cycle: ProgrammeCycle, text: object) -> PeriodCode:
    """The quarter a restatement takes effect from: one of the KPI's cycle, after every quarter
    locked or published (`earliest_quarter`)."""
    shown = str(text or "").strip()[:20]
    try:
        period = parse_period(shown)
    except ValueError:
        raise RestatementProblem("bad_period", "from_period", shown) from None
    if period.quarter is None:
        raise RestatementProblem("bad_period", "from_period", shown)
    if period not in cycle_quarters(cycle):
        raise RestatementProblem("outside_cycle", "from_period", cycle.code)
    earliest = earliest_quarter(session, cycle)
    if earliest is None:
        raise RestatementProblem("all_closed", "from_period", cycle.code)
    if period.start < earliest.start:
        raise RestatementProblem("closed_period", "from_period", earliest.code)
    return period


def _definitions(kpi: Kpi, start_year: int) -> tuple[Definition, ...]:
    start = PeriodCode(start_year, 1)
    return effective_order(
        _as_definition(d, parse_period(d.effective_from) if d.effective_from else start)
        for d in kpi.definitions
    )


def cycle_quarters(cycle: ProgrammeCycle) -> list[PeriodCode]:
    return quarters(cycle.start_year, cycle.target_year)


def earliest_quarter(session: Session, cycle: ProgrammeCycle) -> PeriodCode | None:
    """The first quarter of `cycle` a restatement may take effect from: the one after the last
    quarter that is locked or has a published edition; None when every quarter is closed."""
    closed = select(Period.code).where(
        Period.quarter.is_not(None),
        (Period.locked) | Period.id.in_(select(Release.period_id)),
    )
    last_closed = max((parse_period(c) for c in session.scalars(closed)), default=None)
    for quarter in cycle_quarters(cycle):
        if last_closed is None or quarter.start > last_closed.end:
            return quarter
    return None


@dataclass(frozen=True)
class KpiChoice:
    id: int
    code: str
    name_en: str
    name_ar: str
    cycle: str


def restatable_kpis(session: Session, actor: Actor) -> list[KpiChoice]:
    """The active KPIs, the latest cycle's first, in catalogue order."""
    require(actor, Action.RESTATE_TARGETS)
    rows = session.execute(
        select(Kpi.id, Kpi.code, Kpi.name_en, Kpi.name_ar, ProgrammeCycle.code)
        .join(ProgrammeCycle, Kpi.cycle_id == ProgrammeCycle.id)
        .where(Kpi.active)
        .order_by(ProgrammeCycle.start_year.desc(), Kpi.position)
    )
    return [KpiChoice(*row) for row in rows]


def kpi_definitions(session: Session, actor: Actor, kpi_id: int) -> KpiDefinitions | None:
    """Every version of a KPI's definition, who set it, when, why, from which quarter and the
    quarters it rates; None when there is no such KPI."""
    require(actor, Action.RESTATE_TARGETS)
    kpi = session.get(Kpi, kpi_id)
    if kpi is None or not kpi.active:
        return None
    cycle = _cycle(session, kpi)
    versions = _definitions(kpi, cycle.start_year)
    cycle_quarter_list = cycle_quarters(cycle)
    governed = quarters_governed(versions, cycle_quarter_list)
    stored = {d.version: d for d in kpi.definitions}
    setters = {
        u.id: u.email
        for u in session.scalars(
            select(User).where(User.id.in_({d.set_by_id for d in kpi.definitions} - {None}))
        )
    }
    rows = tuple(
        DefinitionRow(
            d.version,
            d.baseline,
            d.baseline_year,
            d.target,
            d.target_year,
            d.comparator,
            d.effective_from.code,
            setters.get(stored[d.version].set_by_id, ""),
            stored[d.version].set_at,
            stored[d.version].reason,
            tuple(q.code for q in governed[d.version]),
        )
        for d in versions
    )
    earliest = earliest_quarter(session, cycle)
    return KpiDefinitions(
        kpi.id,
        kpi.code,
        cycle.code,
        kpi.unit,
        kpi.direction,
        tuple(q.code for q in cycle_quarter_list),
        earliest.code if earliest else None,
        rows,
    )
