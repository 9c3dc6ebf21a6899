"""The procedures plan against the procedures simplified, as an actor may see them at an as-of
quarter: the national count (T1.1's numerators) against the yearly plan, year by year and
cumulatively, and each entity's count, share of the national count and own plan.

THE function the /procedures page, the overview, the committee report and the API call:
`procedures_picture(session, prog)`, from the same `services.programme.Programme` the KPI pages
draw (so T1.1's figures and these counts come from the same figures, under the same access
rules: approved figures nationally; an entity team's own entity in every status). The meanings
are kpis.procedures'."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from data.cycles import cycle_code_of
from data.initiatives import procedures_plan
from kpis.analysis import Observed
from kpis.procedures import (
    Count,
    PlanYear,
    cumulative,
    latest_counts,
    national_count,
    own_plan,
    own_planned_to_date,
    plan_years,
    planned_to_date,
    share,
)
from services.programme import Programme


@dataclass(frozen=True)
class EntityProcedures:
    """One entity: its latest count up to the as-of quarter and what it plans."""

    code: str
    name_en: str
    name_ar: str
    simplified: float | None  # procedures simplified to date (its latest T1.1 numerator)
    targeted: float | None  # its procedures to simplify (that figure's denominator)
    period: str | None  # the quarter of that figure
    approved: bool  # False: the figure awaits review (shown to the office or the entity)
    share: float | None  # percent of the national count
    own_plan: dict[int, float]  # year -> procedures planned simplified by its end (cumulative)
    planned_to_date: float | None  # its own plan at the as-of quarter
    own_target: float | None  # the office's own T1.1 target for it, where set (percent)

    @property
    def gap(self) -> float | None:
        """Simplified − planned to date (negative: behind its own plan)."""
        if self.simplified is None or self.planned_to_date is None:
            return None
        return self.simplified - self.planned_to_date


@dataclass(frozen=True)
class ProceduresPicture:
    as_of: str
    include_unapproved: bool
    kpi: str  # the KPI that counts procedures (T1.1); "" where the cycle has no plan
    years: tuple[PlanYear, ...]
    total_planned: int  # the whole plan (2,869)
    simplified: float  # national count at the as-of quarter
    planned_to_date: float  # the plan at the as-of quarter (straight line within the year)
    entities: tuple[EntityProcedures, ...]  # with a count or a plan, most simplified first

    @property
    def share_of_plan(self) -> float | None:
        """The national count as a percentage of the whole plan."""
        return share(self.simplified, self.total_planned)


def procedures_picture(session: Session, prog: Programme) -> ProceduresPicture:
    """The procedures at `prog.scope` (read the plan from the store, the counts from `prog`),
    made once per programme: it reads every figure of the KPI that counts them."""
    return prog.remember("procedures_picture", lambda: _procedures_picture(session, prog))


def _procedures_picture(session: Session, prog: Programme) -> ProceduresPicture:
    scope = prog.scope
    plan_rows = procedures_plan(session, cycle_code_of(session, scope.as_of))
    if not plan_rows:
        return ProceduresPicture(scope.as_of.code, scope.include_unapproved, "", (), 0, 0, 0, ())
    kpi = plan_rows[0].kpi
    plan = {row.year: row.procedures for row in plan_rows}
    national = [_count(f) for f in prog.ranking_figures.get(kpi, [])]
    simplified = national_count(national, scope.as_of)
    return ProceduresPicture(
        scope.as_of.code,
        scope.include_unapproved,
        kpi,
        tuple(plan_years(plan, national, scope.as_of)),
        sum(plan.values()),
        simplified,
        planned_to_date(plan, scope.as_of),
        tuple(_entities(prog, kpi, simplified)),
    )


def _count(figure: Observed) -> Count:
    return Count(figure.entity, figure.period, figure.numerator, figure.denominator)


def _entities(prog: Programme, kpi: str, national: float) -> list[EntityProcedures]:
    """Each entity's row, from the figures the actor may see in detail (`entity_figures`: an
    entity team its own entity only, in every status), against the national count."""
    spec = prog.spec(kpi)
    shares = spec.interim_plan if spec else {}
    figures = prog.entity_figures.get(kpi, [])
    counts = [_count(f) for f in figures]
    approved = {(f.entity, f.period): f.approved for f in figures}
    shown = {prog.scope.own_entity} if prog.scope.own_entity else prog.assigned.get(kpi, set())
    latest = latest_counts(counts, prog.scope.as_of)
    own_targets = prog.own_targets.get(kpi, {})
    rows = []
    for code in sorted({*latest, *shown} & set(prog.entity_names)):
        found = latest.get(code)
        target = own_targets.get(code, (None, None))[1]
        plan = own_plan(
            found.targeted if found else None, shares, target, spec.target if spec else None
        )
        name = prog.entity_names[code]
        rows.append(
            EntityProcedures(
                code,
                name.name_en,
                name.name_ar,
                found.simplified if found else None,
                found.targeted if found else None,
                found.period.code if found else None,
                approved.get((code, found.period), True) if found else True,
                share(found.simplified, national) if found else None,
                plan,
                own_planned_to_date(plan, prog.scope.as_of),
                target,
            )
        )
    rows.sort(key=lambda r: (r.simplified is None, -(r.simplified or 0), r.code))
    return rows


__all__ = ["EntityProcedures", "PlanYear", "ProceduresPicture", "cumulative", "procedures_picture"]
