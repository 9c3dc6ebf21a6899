"""The demo's whole programme (issue 16): the procedures targeted by each reference entity (T1.1's
denominators, summing to the plan's total), the cycle's budget allocated to the initiatives and a
few entities, and what the lead entities report each quarter on their initiatives and budget
lines. Deterministic like the rest of the demo (services.demo): every draw comes from a random
stream named after the cycle and what it is for. The allocations go through services.budget, the
reports through the submissions' load path, both marked as demo."""

# ruff: noqa: S311  (a reproducible demo history, not secrets)

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Entity, Initiative, Kpi, ProceduresPlan, ProgrammeCycle, Track, User
from data.reporting import LineRow, budget_lines
from etl.load import BudgetRow, InitiativeRow
from kpis.periods import PeriodCode, parse_period, quarters
from services.actors import Actor, Role
from services.budget import allocate

ALLOCATION_UNIT = 1_000_000  # allocations are whole thousands of OMR (in baisa)
ENTITY_LINE_SHARE = 0.06  # of the budget, to the entities simplifying the most procedures
ENTITY_LINES = 4  # how many entities get a line of their own (in the procedures' track)
# how far along a line's year commitments and spending are at the end of each quarter
COMMITTED_BY_QUARTER = (0.45, 0.68, 0.86, 0.98)
SPENT_BY_QUARTER = (0.2, 0.45, 0.7, 0.93)
# (threshold percent, milestone in English, in Arabic): the next milestone is the first one above
# the percent complete
MILESTONES = (
    (20, "Requirements signed off and tender issued", "اعتماد المتطلبات وطرح المناقصة"),
    (45, "Solution design approved", "اعتماد تصميم الحل"),
    (70, "Build and integration with entities' systems", "البناء والتكامل مع أنظمة الجهات"),
    (90, "Pilot with the first entities", "التشغيل التجريبي مع الجهات الأولى"),
    (100, "National rollout and handover to operations", "الإطلاق الوطني والتسليم للتشغيل"),
)
NOTES = {
    "at_risk": (
        "Vendor resources short this quarter; recovery plan agreed with the contractor.",
        "تأخر في توفير موارد المورد خلال هذا الربع، وتم الاتفاق على خطة معالجة مع المقاول.",
    ),
    "delayed": (
        "Integration with the entities' systems is behind plan; new dates under review.",
        "التكامل مع أنظمة الجهات متأخر عن الخطة، والمواعيد الجديدة قيد المراجعة.",
    ),
    "completed": (
        "Delivered and handed over to operations.",
        "تم الإنجاز والتسليم لفريق التشغيل.",
    ),
}
SPENDING_NOTES = (
    "Payments follow the contract's milestones.",
    "الصرف وفق مراحل العقد المعتمدة.",
)
# the initiatives' fates, handed out in a shuffled order: how fast each progresses against its
# straight-line plan, and how many quarters late it starts
FATES = (
    ("slipping", 0.74, 0.8, 0),
    ("slipping", 0.74, 0.8, 0),
    ("at_risk", 0.86, 0.9, 0),
    ("at_risk", 0.86, 0.9, 0),
    ("at_risk", 0.86, 0.9, 0),
    ("late_start", 1.12, 1.18, 3),
    ("ahead", 1.15, 1.3, 0),
    ("ahead", 1.15, 1.3, 0),
    ("ahead", 1.15, 1.3, 0),
    ("ahead", 1.15, 1.3, 0),
)
STEADY = ("steady", 1.02, 1.1, 0)


def largest_remainder(weights: dict[str, float], total: int) -> dict[str, int]:
    """Whole numbers in proportion to `weights` that sum to exactly `total` (Hamilton's
    method; ties go to the earlier key in order)."""
    whole = sum(weights.values())
    exact = {key: total * weight / whole for key, weight in weights.items()}
    shares = {key: math.floor(value) for key, value in exact.items()}
    left = total - sum(shares.values())
    for key in sorted(exact, key=lambda k: (shares[k] - exact[k], k))[:left]:
        shares[key] += 1
    return shares


# ---------------------------------------------------------------- the procedures (T1.1)


@dataclass(frozen=True)
class ProceduresDemo:
    """The procedures KPI's code, each reference entity's targeted procedures (its denominator)
    and the plan's cumulative share at each year's end (0-1)."""

    kpi_code: str
    targeted: dict[str, int]
    cumulative_share: dict[int, float]

    def denominator(self, entity_code: str) -> int | None:
        """A demo copy (`MOH-2`) targets as many procedures as its original."""
        return self.targeted.get(entity_code, self.targeted.get(entity_code.rsplit("-", 1)[0]))

    def planned_share(self, period: PeriodCode) -> float:
        """The plan's cumulative share at the end of `period`: straight within a year from the
        previous year's end."""
        years = sorted(self.cumulative_share)
        if period.year < years[0]:
            return 0.0
        if period.year > years[-1]:
            return 1.0
        before = self.cumulative_share.get(period.year - 1, 0.0)
        within = (period.quarter or 4) / 4
        return before + (self.cumulative_share[period.year] - before) * within


def procedures_kpi(session: Session, cycle: ProgrammeCycle) -> str | None:
    """The KPI whose numerator counts the procedures simplified (T1.1), from the cycle's plan."""
    return session.scalar(
        select(Kpi.code)
        .join(ProceduresPlan, ProceduresPlan.kpi_id == Kpi.id)
        .where(ProceduresPlan.cycle_id == cycle.id)
        .limit(1)
    )


def procedures_demo(
    session: Session, cycle: ProgrammeCycle, seed: str, kpi_code: str, reporting: Iterable[str]
) -> ProceduresDemo | None:
    """The targeted procedures of the entities `reporting` the procedures KPI, in proportion to
    each one's random weight (the one the demo drew before the plan was known) and summing to the
    plan's total; None when the cycle has no plan."""
    plan = session.execute(
        select(ProceduresPlan.year, ProceduresPlan.procedures)
        .where(ProceduresPlan.cycle_id == cycle.id)
        .order_by(ProceduresPlan.year)
    ).all()
    if not plan:
        return None
    total = sum(row.procedures for row in plan)
    weights = {
        code: random.Random(f"{seed}:{code}:{kpi_code}:start").randint(40, 400)
        for code in sorted(reporting)
    }
    running, shares = 0, {}
    for row in plan:
        running += row.procedures
        shares[row.year] = running / total
    targeted = largest_remainder(weights, total) if weights else {}
    return ProceduresDemo(kpi_code, targeted, shares)


# ---------------------------------------------------------------- the budget's allocations


def allocate_budget(
    session: Session, cycle: ProgrammeCycle, seed: str, office: User | None, entities: list[str]
) -> int:
    """Spread the cycle's budget over its initiatives' years (and a few `entities`' lines in the
    procedures' track) in whole thousands of OMR, summing to exactly the budget; return the
    number of lines. Nothing when the cycle has no budget or lines already exist."""
    if not cycle.budget_baisa:
        return 0
    actor = Actor(Role.SUPERVISOR, user_id=office.id if office else None)
    weights = _allocation_weights(session, cycle, seed, entities)
    units = largest_remainder(weights, cycle.budget_baisa // ALLOCATION_UNIT)
    odd = cycle.budget_baisa % ALLOCATION_UNIT  # baisa short of a whole unit: to the largest line
    largest = max(units, key=lambda key: (units[key], key))
    for key in sorted(units):
        target, year = key.rsplit("@", 1)
        baisa = units[key] * ALLOCATION_UNIT + (odd if key == largest else 0)
        where = _target(target)
        allocate(session, actor, year=int(year), baisa=baisa, is_demo=True, **where)
    return len(units)


def _target(key: str) -> dict[str, str]:
    """`I1.1` → an initiative's line; `MOH/T1` → an entity's line within a track."""
    if "/" in key:
        entity, track = key.split("/")
        return {"entity": entity, "track": track}
    return {"initiative": key}


def _allocation_weights(session, cycle, seed, entities) -> dict[str, float]:
    """Weight of each (initiative or entity line, year): a size per initiative, spread over its
    years with a rise to the middle of its span and a fall after."""
    rng = random.Random(f"{seed}:budget")
    found = session.execute(
        select(Initiative.code, Initiative.start, Initiative.due, Initiative.track_id)
        .where(Initiative.cycle_id == cycle.id)
        .order_by(Initiative.code)
    ).all()
    weights: dict[str, float] = {}
    initiative_total = 1 - (ENTITY_LINE_SHARE if entities else 0)
    sizes = {row.code: rng.lognormvariate(0, 0.55) for row in found}
    scale = initiative_total / sum(sizes.values()) if sizes else 0
    for row in found:
        first = parse_period(row.start).year if row.start else cycle.start_year
        last = parse_period(row.due).year if row.due else cycle.target_year
        years = list(range(first, min(last, cycle.target_year) + 1))
        spread = [1.0 + math.sin(math.pi * (i + 0.5) / len(years)) for i in range(len(years))]
        spread = [s * rng.uniform(0.85, 1.15) for s in spread]
        for year, part in zip(years, spread, strict=True):
            weights[f"{row.code}@{year}"] = sizes[row.code] * scale * part / sum(spread)
    track = _procedures_track(session, cycle)
    years = list(range(cycle.start_year + 1, cycle.target_year))
    for entity in entities if track else ():
        for year in years:
            share = ENTITY_LINE_SHARE / len(entities) / len(years)
            weights[f"{entity}/{track}@{year}"] = share * rng.uniform(0.8, 1.2)
    return weights


def _procedures_track(session: Session, cycle: ProgrammeCycle) -> str | None:
    """The track of the procedures KPI: where the entities' own lines go."""
    return session.scalar(
        select(Track.code)
        .join(Kpi, Kpi.track_id == Track.id)
        .join(ProceduresPlan, ProceduresPlan.kpi_id == Kpi.id)
        .where(ProceduresPlan.cycle_id == cycle.id)
        .limit(1)
    )


# ---------------------------------------------------------------- what the leads report


@dataclass(frozen=True)
class InitiativePlan:
    code: str
    first: int  # index of its start quarter among the cycle's quarters
    last: int  # index of its due quarter
    pace: float
    late_start: int
    fate: str


@dataclass
class ProgrammeReports:
    """What each entity reports beside its KPIs, built once for the whole history."""

    seed: str
    cycle_quarters: list[PeriodCode]
    initiatives: dict[str, list[InitiativePlan]]  # lead entity -> its initiatives
    lines: dict[tuple[str, int], list[LineRow]]  # (reporter, year) -> its lines
    fates: dict[str, str]  # initiative -> its fate (slowing its spending)

    def initiative_rows(self, entity: str, quarter: PeriodCode) -> list[InitiativeRow]:
        index = self.cycle_quarters.index(quarter)
        return [
            _initiative_row(plan, index, self.cycle_quarters, self.seed)
            for plan in self.initiatives.get(entity, ())
            if plan.first <= index
        ]

    def budget_rows(self, entity: str, quarter: PeriodCode) -> list[BudgetRow]:
        return [
            _budget_row(line, quarter, self.seed, self.fates.get(line.initiative or "", ""))
            for line in self.lines.get((entity, quarter.year), ())
        ]


def programme_reports(session: Session, cycle: ProgrammeCycle, seed: str) -> ProgrammeReports:
    cycle_quarters = quarters(cycle.start_year, cycle.target_year)
    index = {q.code: i for i, q in enumerate(cycle_quarters)}
    found = session.execute(
        select(Initiative.code, Initiative.start, Initiative.due, Entity.code.label("lead"))
        .outerjoin(Entity, Entity.id == Initiative.lead_entity_id)
        .where(Initiative.cycle_id == cycle.id)
        .order_by(Initiative.code)
    ).all()
    order = [row.code for row in found]
    random.Random(f"{seed}:initiatives").shuffle(order)
    fate_of = {code: FATES[i] if i < len(FATES) else STEADY for i, code in enumerate(order)}
    leads: dict[str, list[InitiativePlan]] = defaultdict(list)
    for row in found:
        name, low, high, late = fate_of[row.code]
        pace = random.Random(f"{seed}:{row.code}:pace").uniform(low, high)
        first = index.get(row.start, 0)
        last = index.get(row.due, len(cycle_quarters) - 1)
        if row.lead:
            leads[row.lead].append(InitiativePlan(row.code, first, last, pace, late, name))
    lines: dict[tuple[str, int], list[LineRow]] = defaultdict(list)
    for line in budget_lines(session, cycle.code):
        if line.reporter:
            lines[(line.reporter, line.year)].append(line)
    fates = {code: fate[0] for code, fate in fate_of.items()}
    return ProgrammeReports(seed, cycle_quarters, dict(leads), dict(lines), fates)


def _percent(plan: InitiativePlan, index: int, seed: str) -> float:
    """Percent complete at the end of quarter `index`: the plan's straight line at the
    initiative's pace, with a little noise; it never falls and reaches 100 at most."""
    span = plan.last - plan.first + 1
    best = 0.0
    for k in range(plan.first, index + 1):
        done = k - plan.first + 1 - plan.late_start
        noise = random.Random(f"{seed}:{plan.code}:{k}").gauss(0, 2)
        level = 0.0 if done <= 0 else min(100.0, 100 * done / span * plan.pace + noise)
        best = max(best, round(level))
    return float(best)


def _initiative_row(plan: InitiativePlan, index: int, cycle_quarters, seed) -> InitiativeRow:
    percent = _percent(plan, index, seed)
    planned = min(100.0, 100 * (index - plan.first + 1) / (plan.last - plan.first + 1))
    quarter = cycle_quarters[index]
    if percent >= 100:
        status = "completed"
    elif percent == 0:
        status = "not_started" if index - plan.first < plan.late_start + 1 else "delayed"
    elif index > plan.last or planned - percent > 15:
        status = "delayed"
    elif planned - percent > 5:
        status = "at_risk"
    else:
        status = "on_track"
    milestone, due = _next_milestone(plan, percent, index, cycle_quarters)
    return InitiativeRow(
        plan.code,
        quarter.code,
        status,
        percent,
        next_milestone=milestone,
        milestone_due=due,
        note=_note(status, f"{seed}:{plan.code}:{quarter.code}:note"),
    )


def _next_milestone(plan, percent, index, cycle_quarters) -> tuple[str, str]:
    """The first milestone above `percent`, due when the initiative's pace reaches it (never
    before the next quarter, never after the cycle's last)."""
    for threshold, english, arabic in MILESTONES:
        if percent < threshold:
            span = plan.last - plan.first + 1
            reached = plan.first + plan.late_start + math.ceil(threshold / 100 * span / plan.pace)
            when = min(max(reached - 1, index + 1), len(cycle_quarters) - 1)
            in_arabic = random.Random(f"{plan.code}:{index}:words").random() < 0.3
            words = arabic if in_arabic else english
            return words, cycle_quarters[when].code
    return "", ""


def _note(status: str, stream: str) -> str:
    """Notes where a clerk writes one, in English or Arabic as the clerk writes."""
    rng = random.Random(stream)
    english, arabic = NOTES.get(status, ("", ""))
    if not english or rng.random() < 0.25:
        return ""
    return arabic if rng.random() < 0.4 else english


def _budget_row(line: LineRow, quarter: PeriodCode, seed: str, fate: str) -> BudgetRow:
    """Committed and spent to date within the line's year: commitments ahead of spending,
    spending behind for a slipping initiative; neither falls within the year nor passes the
    allocation, and spending never passes commitments."""
    rng = random.Random(f"{seed}:{line.code}:spending")
    commit_pace = rng.uniform(0.95, 1.03)
    behind = fate in ("slipping", "at_risk")
    spend_pace = rng.uniform(0.55, 0.72) if behind else rng.uniform(0.9, 1.08)
    q = (quarter.quarter or 4) - 1
    committed = round(line.allocated_baisa * min(1.0, COMMITTED_BY_QUARTER[q] * commit_pace))
    spent = min(committed, round(line.allocated_baisa * SPENT_BY_QUARTER[q] * spend_pace))
    note = ""
    if rng.random() < 0.2:
        note = SPENDING_NOTES[1] if rng.random() < 0.4 else SPENDING_NOTES[0]
    return BudgetRow(line.code, quarter.code, committed, spent, note)
