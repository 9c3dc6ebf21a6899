"""The programme as plain data (dicts, lists, numbers, strings): what the read API answers and a
report or export can write. Everything is read from the same `Programme` the pages draw, so the
API and the pages cannot disagree; nothing here decides access beyond asking `services.actors`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from data import analytics as queries
from data.cache import ResultCache
from data.db import Store
from data.queries import kpi_specs
from kpis.analysis import Picture
from kpis.expected import expected_entities
from kpis.periods import parse_period
from kpis.spec import KpiSpec
from kpis.status import STATUSES
from services.actors import Action, Actor, Denied, entity_scope, require, sees_unapproved
from services.observations import ALL, APPROVED, NotFound, QueryProblem
from services.programme import Programme, Scope, programme, quarter_options, scope_for

KPI_FIELDS = (
    "code",
    "track",
    "name_en",
    "name_ar",
    "unit",
    "direction",
    "scope",
    "aggregation",
    "frequency",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "comparator",
    "owner",
    "cycle",
    "continues",
)
# the programme's per-KPI picture flattened to one CSV row (nested objects joined by "_")
PROGRAMME_CSV_FIELDS = (
    "code",
    "track",
    "period",
    "value",
    "coverage_reported",
    "coverage_expected",
    "expected",
    "status",
    "progress",
    "forecast_value",
    "forecast_verdict",
    "change_from_period",
    "change_to_period",
    "change_before",
    "change_now",
    "change_entities_compared",
)


def kpi_catalogue(session: Session, actor: Actor) -> list[dict]:
    """Every active KPI of every cycle with the definition in force, its cycle and the KPI of
    the cycle before that it continues (a code may repeat from one cycle to the next)."""
    require(actor, Action.VIEW_PROGRAMME)
    return [{name: getattr(spec, name) for name in KPI_FIELDS} for spec in kpi_specs(session)]


def entity_list(session: Session, actor: Actor) -> list[dict]:
    """The active entities (their names are public; their figures follow the access rules)."""
    require(actor, Action.VIEW_PROGRAMME)
    return [
        {"code": e.code, "name_en": e.name_en, "name_ar": e.name_ar}
        for e in queries.entities(session)
    ]


def programme_for(
    store: Store, cache: ResultCache, actor: Actor, period: str | None, status: str | None
) -> Programme:
    """The Programme `actor` asked for: `period` a quarter with figures (default: the latest with
    approved figures), `status=all` (figures awaiting approval too) for the office only."""
    return programme(store, cache, requested_scope(store, actor, period, status))


def requested_scope(store: Store, actor: Actor, period: str | None, status: str | None) -> Scope:
    """The Scope an API request asks for, with /programme's rules (see `programme_for`)."""
    require(actor, Action.VIEW_PROGRAMME)
    status = (status or APPROVED).strip().lower()
    if status not in (APPROVED, ALL):
        raise QueryProblem("bad_status", field="status", value=status)
    if status == ALL and not sees_unapproved(actor):
        raise Denied(Action.VIEW_UNAPPROVED)
    with store.session() as db:
        choices = quarter_options(db)
    wanted = _quarter(period) if period and period.strip() else None
    if wanted is not None and wanted not in choices:
        raise NotFound("unknown_period", field="period", value=wanted)
    return scope_for(actor, wanted, status == ALL, choices)


def _quarter(text: str) -> str:
    try:
        code = parse_period(text)
    except ValueError:
        code = None
    if code is None or code.quarter is None:
        raise QueryProblem("bad_quarter", field="period", value=text.strip()[:20])
    return code.code


def programme_picture(prog: Programme, actor: Actor) -> dict:
    """The picture the overview, track and entity pages show, as data: per KPI its national
    figure, coverage, path, status, progress, forecast and change; status counts per track;
    entities' scores and ranks ("rank r of n", n = entities with a score). An entity team gets
    its own entity's standing only, as on its pages."""
    require(actor, Action.VIEW_PROGRAMME)
    kpis = [kpi_picture(spec, prog.national[spec.code], prog) for spec in prog.specs]
    return {
        "period": prog.scope.as_of.code,
        "figures": "all" if prog.scope.include_unapproved else "approved",
        "kpis": kpis,
        "tracks": track_counts(prog),
        "entities": standings(prog, entity_scope(actor, None, Action.VIEW_PROGRAMME)),
        "entities_without_score": prog.unscored,
    }


def kpi_picture(spec: KpiSpec, pic: Picture, prog: Programme) -> dict:
    return {
        "code": spec.code,
        "track": spec.track,
        "period": pic.current.period.code if pic.current else None,
        "value": pic.value,
        "coverage": coverage(spec, pic, prog),
        "expected": pic.expected,
        "status": pic.status,
        "progress": pic.progress,
        "forecast": {"value": pic.forecast.value, "verdict": pic.forecast.verdict},
        "change": change(prog, spec.code),
    }


def coverage(spec: KpiSpec, pic: Picture, prog: Programme) -> dict:
    """How many entities the national figure counts, of how many are expected to report it."""
    national = pic.current.national if pic.current else None
    if national is not None:
        return {"reported": national.reported, "expected": national.expected}
    period = pic.current.period if pic.current else prog.scope.as_of
    expected = (
        1 if spec.scope == "national" else len(expected_entities(prog.assigned, spec.code, period))
    )
    return {"reported": 0, "expected": expected}


def change(prog: Programme, code: str) -> dict | None:
    """The like-for-like change between the KPI's last two periods due (`kpis.changes`): both
    national figures over the `entities_compared` entities that reported in both; None (null)
    where there is nothing to compare."""
    found = prog.changes.get(code)
    if found is None:
        return None
    return {
        "from_period": found.from_period.code,
        "to_period": found.to_period.code,
        "before": found.before,
        "now": found.now,
        "entities_compared": found.entities_compared,
    }


def track_counts(prog: Programme) -> list[dict]:
    tracks = list(dict.fromkeys([*prog.track_names, *(s.track for s in prog.specs)]))
    result = []
    for track in tracks:
        statuses = [prog.national[s.code].status for s in prog.specs if s.track == track]
        if statuses:
            result.append({"code": track, "counts": {s: statuses.count(s) for s in STATUSES}})
    return result


def standings(prog: Programme, only: str | None) -> list[dict]:
    """Entities by score, best first; those without a score last, unranked."""
    scores, ranks = prog.scores, prog.ranks
    codes = [only] if only else list(scores)
    rows = [
        {
            "code": code,
            "score": scores.get(code),
            "rank": ranks.get(code),
            "ranked_among": prog.ranked_among,
        }
        for code in codes
    ]
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))


def programme_rows(picture: dict) -> list[dict]:
    """The per-KPI part of `programme_picture` as flat rows (for CSV)."""
    rows = []
    for kpi in picture["kpis"]:
        change_ = kpi["change"] or {}
        rows.append(
            {
                "code": kpi["code"],
                "track": kpi["track"],
                "period": kpi["period"],
                "value": kpi["value"],
                "coverage_reported": kpi["coverage"]["reported"],
                "coverage_expected": kpi["coverage"]["expected"],
                "expected": kpi["expected"],
                "status": kpi["status"],
                "progress": kpi["progress"],
                "forecast_value": kpi["forecast"]["value"],
                "forecast_verdict": kpi["forecast"]["verdict"],
                "change_from_period": change_.get("from_period"),
                "change_to_period": change_.get("to_period"),
                "change_before": change_.get("before"),
                "change_now": change_.get("now"),
                "change_entities_compared": change_.get("entities_compared"),
            }
        )
    return rows
