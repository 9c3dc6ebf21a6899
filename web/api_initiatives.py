"""The read API's initiative and procedures routes (issue 16), on web.api's blueprint: thin
adapters over services/ (services.initiatives.initiatives_picture and
services.procedures.procedures_picture, the functions the pages call), with /programme's access
rules: `period` a quarter with figures, `status=all` for the office only."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask_babel import lazy_gettext as _l

from data.cache import results_of
from data.db import store_of
from kpis.initiatives import STATUSES
from services import api_view
from services.initiatives import InitiativesPicture, InitiativeStanding, initiatives_picture
from services.procedures import ProceduresPicture, procedures_picture
from web.api import (
    MESSAGES,
    ApiError,
    ProgrammeArgs,
    _format,
    actor,
    blueprint,
    csv_answer,
    documented,
    json_answer,
)

MESSAGES["unknown_track"] = _l(
    "There is no track %(value)s in this cycle. Leave track out for all."
)
MESSAGES["bad_table"] = _l("table must be years or entities, not %(value)s.")

INITIATIVE_CSV_FIELDS = (
    "code",
    "track",
    "name_en",
    "name_ar",
    "lead",
    "start",
    "due",
    "status",
    "percent_complete",
    "planned_percent",
    "overdue",
    "report_period",
    "report_status",
    "next_milestone",
    "milestone_due",
    "note",
    "report_approved",
)
YEAR_FIELDS = (
    "year",
    "planned",
    "cumulative_planned",
    "simplified",
    "cumulative_simplified",
    "partial",
)
ENTITY_FIELDS = (
    "code",
    "name_en",
    "name_ar",
    "simplified",
    "targeted",
    "period",
    "approved",
    "share",
    "planned_to_date",
    "own_target",
)
TABLES = ("years", "entities")


class InitiativeArgs(ProgrammeArgs):
    track = ma.fields.String(metadata={"description": "track code, e.g. T1 (default: every track)"})


class ProceduresArgs(ProgrammeArgs):
    table = ma.fields.String(
        metadata={
            "description": "with `format=csv`: `years` (default, the plan year by year) or "
            "`entities` (each entity's count and own plan)",
            "enum": list(TABLES),
        }
    )


class ReportSchema(ma.Schema):
    period = ma.fields.String(metadata={"description": "the quarter the report is for"})
    status = ma.fields.String()
    percent_complete = ma.fields.Float()
    next_milestone = ma.fields.String()
    milestone_due = ma.fields.String()
    note = ma.fields.String()
    approved = ma.fields.Boolean(metadata={"description": "false: awaiting review"})


class InitiativeSchema(ma.Schema):
    code = ma.fields.String()
    track = ma.fields.String()
    name_en = ma.fields.String()
    name_ar = ma.fields.String()
    lead = ma.fields.String(metadata={"description": "the lead entity's code"})
    start = ma.fields.String(metadata={"description": "start quarter"})
    due = ma.fields.String(metadata={"description": "due quarter"})
    status = ma.fields.String(
        metadata={
            "description": "for the as-of quarter: the status reported, or `not_reported` "
            "(the last report, if any, is in `report`)",
            "enum": list(STATUSES),
        }
    )
    percent_complete = ma.fields.Float(allow_none=True, metadata={"description": "last report's"})
    planned_percent = ma.fields.Float(
        metadata={"description": "straight line from start (0) to due (100) at the quarter's end"}
    )
    overdue = ma.fields.Boolean(metadata={"description": "past its due quarter, not completed"})
    report = ma.fields.Nested(ReportSchema, allow_none=True)


class StatusCountsSchema(ma.Schema):
    code = ma.fields.String()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())


class InitiativesSchema(ma.Schema):
    period = ma.fields.String()
    figures = ma.fields.String(metadata={"description": "approved, or all"})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    overdue = ma.fields.Integer()
    tracks = ma.fields.List(ma.fields.Nested(StatusCountsSchema))
    initiatives = ma.fields.List(ma.fields.Nested(InitiativeSchema))


class PlanYearSchema(ma.Schema):
    year = ma.fields.Integer()
    planned = ma.fields.Integer()
    cumulative_planned = ma.fields.Integer()
    simplified = ma.fields.Float(allow_none=True, metadata={"description": "within the year"})
    cumulative_simplified = ma.fields.Float(allow_none=True)
    partial = ma.fields.Boolean(metadata={"description": "the year under way (to date)"})


class EntityProceduresSchema(ma.Schema):
    code = ma.fields.String()
    name_en = ma.fields.String()
    name_ar = ma.fields.String()
    simplified = ma.fields.Float(allow_none=True)
    targeted = ma.fields.Float(allow_none=True)
    period = ma.fields.String(allow_none=True)
    approved = ma.fields.Boolean()
    share = ma.fields.Float(allow_none=True, metadata={"description": "% of the national count"})
    planned_to_date = ma.fields.Float(allow_none=True)
    own_target = ma.fields.Float(allow_none=True)
    own_plan = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.Float(),
        metadata={"description": "year -> procedures planned simplified by its end"},
    )


class ProceduresSchema(ma.Schema):
    period = ma.fields.String()
    figures = ma.fields.String()
    kpi = ma.fields.String(metadata={"description": "the KPI whose numerator counts them"})
    total_planned = ma.fields.Integer()
    simplified = ma.fields.Float()
    planned_to_date = ma.fields.Float()
    share_of_plan = ma.fields.Float(allow_none=True)
    years = ma.fields.List(ma.fields.Nested(PlanYearSchema))
    entities = ma.fields.List(ma.fields.Nested(EntityProceduresSchema))


@blueprint.route("/initiatives")
@blueprint.arguments(InitiativeArgs, location="query", as_kwargs=True)
@blueprint.response(200, InitiativesSchema)
@documented
def initiatives(format=None, period=None, status=None, track=None):
    """The initiatives at the as-of quarter, as the /initiatives page shows them: per initiative
    the status for the quarter, the last report shown (its quarter, percent complete, next
    milestone, note), the planned percent and whether it is overdue; counts by status for the
    programme and each track. CSV: one row per initiative."""
    _format(format)  # a bad format is refused before any work
    who = actor()
    prog = api_view.programme_for(
        store_of(current_app), results_of(current_app), who, period, status
    )
    with store_of(current_app).session() as db:
        picture = initiatives_picture(db, prog.scope)
    chosen = (track or "").strip().upper()
    if chosen and chosen not in picture.tracks:
        raise ApiError(404, "unknown_track", value=chosen[:20])
    body = initiatives_answer(picture, chosen or None)
    if _format(format) == "csv":
        rows = [initiative_row(i) for i in body["initiatives"]]
        return csv_answer(rows, INITIATIVE_CSV_FIELDS, f"initiatives-{picture.as_of}")
    return json_answer(body)


def initiatives_answer(picture: InitiativesPicture, track: str | None) -> dict:
    items = picture.of_track(track) if track else list(picture.initiatives)
    return {
        "period": picture.as_of,
        "figures": "all" if picture.include_unapproved else "approved",
        "counts": picture.tracks[track] if track else picture.counts,
        "overdue": sum(1 for i in items if i.overdue),
        "tracks": [
            {"code": code, "counts": counts}
            for code, counts in picture.tracks.items()
            if track in (None, code)
        ],
        "initiatives": [initiative_data(i) for i in items],
    }


def initiative_data(item: InitiativeStanding) -> dict:
    report = item.report
    return {
        "code": item.code,
        "track": item.track,
        "name_en": item.name_en,
        "name_ar": item.name_ar,
        "lead": item.lead,
        "start": item.start,
        "due": item.due,
        "status": item.status,
        "percent_complete": item.percent_complete,
        "planned_percent": item.planned_percent,
        "overdue": item.overdue,
        "report": None
        if report is None
        else {
            "period": report.period,
            "status": report.status,
            "percent_complete": report.percent_complete,
            "next_milestone": report.next_milestone,
            "milestone_due": report.milestone_due,
            "note": report.note,
            "approved": report.approved,
        },
    }


def initiative_row(data: dict) -> dict:
    report = data["report"] or {}
    return {
        **{k: v for k, v in data.items() if k != "report"},
        "report_period": report.get("period"),
        "report_status": report.get("status"),
        "next_milestone": report.get("next_milestone"),
        "milestone_due": report.get("milestone_due"),
        "note": report.get("note"),
        "report_approved": report.get("approved"),
    }


@blueprint.route("/procedures")
@blueprint.arguments(ProceduresArgs, location="query", as_kwargs=True)
@blueprint.response(200, ProceduresSchema)
@documented
def procedures(format=None, period=None, status=None, table=None):
    """The procedures simplified (the numerators of T1.1) against the yearly plan at the as-of
    quarter, as the /procedures page shows them: year by year and cumulatively, and each
    entity's count, share of the national count and own plan (an entity team: its own entity
    only). CSV: one row per year, or per entity with `table=entities`."""
    chosen = _format(format)  # a bad format is refused before any work
    which = (table or "years").strip().lower()
    if which not in TABLES:
        raise ApiError(400, "bad_table", value=which[:20])
    who = actor()
    prog = api_view.programme_for(
        store_of(current_app), results_of(current_app), who, period, status
    )
    with store_of(current_app).session() as db:
        picture = procedures_picture(db, prog)
    body = procedures_answer(picture)
    if chosen == "csv":
        fields = YEAR_FIELDS if which == "years" else ENTITY_FIELDS
        return csv_answer(body[which], fields, f"procedures-{which}-{picture.as_of}")
    return json_answer(body)


def procedures_answer(picture: ProceduresPicture) -> dict:
    return {
        "period": picture.as_of,
        "figures": "all" if picture.include_unapproved else "approved",
        "kpi": picture.kpi,
        "total_planned": picture.total_planned,
        "simplified": picture.simplified,
        "planned_to_date": picture.planned_to_date,
        "share_of_plan": picture.share_of_plan,
        "years": [
            {
                "year": y.year,
                "planned": y.planned,
                "cumulative_planned": y.cumulative_planned,
                "simplified": y.simplified,
                "cumulative_simplified": y.cumulative_simplified,
                "partial": y.partial,
            }
            for y in picture.years
        ],
        "entities": [
            {
                "code": e.code,
                "name_en": e.name_en,
                "name_ar": e.name_ar,
                "simplified": e.simplified,
                "targeted": e.targeted,
                "period": e.period,
                "approved": e.approved,
                "share": e.share,
                "planned_to_date": e.planned_to_date,
                "own_target": e.own_target,
                "own_plan": {str(year): n for year, n in e.own_plan.items()},
            }
            for e in picture.entities
        ],
    }
