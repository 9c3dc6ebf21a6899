"""The read API's budget route (issue 16), on web.api's blueprint: a thin adapter over
services.budget.budget_picture (the function every page calls), with /programme's access rules:
`period` a quarter with figures, `status=all` for the office only; the committee sees approved
figures, an entity team its own lines in every status and the others' approved."""

from __future__ import annotations

import marshmallow as ma
from flask import current_app

from data.db import store_of
from services import api_view
from services.budget import BUDGET_CSV_FIELDS, budget_picture, picture_data, picture_rows
from web.api import ProgrammeArgs, _format, actor, blueprint, csv_answer, documented, json_answer

PACE = "`behind`, `on_plan`, `ahead` (more than 10% off the plan either way), `nothing_planned`, "
PACE += "`not_reported`"


class TotalsSchema(ma.Schema):
    allocated_baisa = ma.fields.Integer(metadata={"description": "the whole cycle's lines"})
    allocated_to_date_baisa = ma.fields.Integer(metadata={"description": "lines of years begun"})
    planned_baisa = ma.fields.Integer(metadata={"description": "planned spend to date"})
    committed_baisa = ma.fields.Integer(allow_none=True)
    spent_baisa = ma.fields.Integer(
        allow_none=True, metadata={"description": "null: none reported"}
    )
    variance_baisa = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "spent − planned of the lines that reported (negative: behind)"},
    )
    burn = ma.fields.Float(allow_none=True, metadata={"description": "spent ÷ allocated to date"})
    cycle_burn = ma.fields.Float(allow_none=True, metadata={"description": "spent ÷ allocated"})
    pace = ma.fields.String(metadata={"description": PACE})
    lines = ma.fields.Integer()
    lines_due = ma.fields.Integer(metadata={"description": "lines of years begun with a reporter"})
    lines_reported = ma.fields.Integer()


class TrackBudgetSchema(TotalsSchema):
    code = ma.fields.String()


class InitiativeBudgetSchema(TotalsSchema):
    code = ma.fields.String()
    track = ma.fields.String()
    lead = ma.fields.String(allow_none=True)


class LineSchema(ma.Schema):
    code = ma.fields.String(metadata={"description": "I1.1-2024, MOH-T1-2024 or T1-2024"})
    track = ma.fields.String()
    year = ma.fields.Integer()
    initiative = ma.fields.String(allow_none=True)
    entity = ma.fields.String(allow_none=True)
    reporter = ma.fields.String(
        allow_none=True, metadata={"description": "who reports it; null: the track's reserve"}
    )
    allocated_baisa = ma.fields.Integer()
    planned_baisa = ma.fields.Integer()
    committed_baisa = ma.fields.Integer(allow_none=True)
    spent_baisa = ma.fields.Integer(allow_none=True)
    variance_baisa = ma.fields.Integer(allow_none=True)
    pace = ma.fields.String()
    reported_for = ma.fields.String(
        allow_none=True, metadata={"description": "the quarter of the report shown"}
    )
    approved = ma.fields.Boolean(
        allow_none=True, metadata={"description": "false: awaiting approval; null: no report"}
    )


class BudgetSchema(ma.Schema):
    period = ma.fields.String()
    figures = ma.fields.String(metadata={"description": "approved, or all"})
    cycle = ma.fields.String(allow_none=True)
    budget_baisa = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "the cycle's budget (OMR 170 million: 170000000000)"},
    )
    unallocated_baisa = ma.fields.Integer(allow_none=True)
    programme = ma.fields.Nested(TotalsSchema)
    tracks = ma.fields.List(ma.fields.Nested(TrackBudgetSchema))
    initiatives = ma.fields.List(ma.fields.Nested(InitiativeBudgetSchema))
    lines = ma.fields.List(ma.fields.Nested(LineSchema))


@blueprint.route("/budget")
@blueprint.arguments(ProgrammeArgs, location="query", as_kwargs=True)
@blueprint.response(200, BudgetSchema)
@documented
def budget(format=None, period=None, status=None):
    """The budget as of a quarter, as the /budget page shows it: amounts in baisa (1 OMR = 1,000
    baisa), exact. Per line its allocation, planned spend to date and the committed and spent
    reported (to date within the line's year); totals per track, per initiative and for the
    programme against the cycle's budget. CSV: one row per line, then per initiative, track and
    the programme (`level`)."""
    _format(format)  # a bad format is refused before any work
    scope = api_view.requested_scope(store_of(current_app), actor(), period, status)
    with store_of(current_app).session() as db:
        picture = budget_picture(db, scope)
    if _format(format) == "csv":
        return csv_answer(picture_rows(picture), BUDGET_CSV_FIELDS, f"budget-{picture.as_of}")
    return json_answer(picture_data(picture))
