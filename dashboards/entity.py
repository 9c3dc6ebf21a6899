"""Entity `/entity/<code>`: the scorecard of all its KPIs, its score and rank among entities, and
its submissions with their lineage (file, uploader, reviewer, dates)."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user

from dashboards._access import page_layout
from dashboards._analytics import (
    PageIds,
    Programme,
    address,
    allowed,
    analytics_page,
    from_params,
    not_found,
    params,
    programme,
    quarter_options,
    requested_code,
    scope_for,
)
from dashboards._components import table
from dashboards._kpi_table import trend_cell
from dashboards._text import (
    kpi_status,
    localized,
    ltr,
    point_text,
    status_label,
    target_text,
    when,
)
from data import analytics as queries
from data.db import store_of

ENTITY = PageIds("entity-form", "entity-params", "entity-content")

dash.register_page(
    __name__,
    path_template="/entity/<code>",
    title=lambda code=None, **_k: _("Entity"),
    name="Entity",
)


@page_layout(lambda code=None, **_k: f"/entity/{code}")
def layout(code: str | None = None, period: str | None = None, unapproved=None, **_kwargs):
    code = (code or "").upper()
    with store_of(current_app).session() as db:
        entity = next((e for e in queries.entities(db) if e.code == code), None)
    if entity is None:
        return not_found(_("No such entity"))
    choices = quarter_options()
    scope = scope_for(period, unapproved, choices)
    heading = localized(entity, "name")
    return analytics_page(ENTITY, heading, scope, choices, params(scope, code=code))


@dash.callback(Output(ENTITY.content, "children"), Input(ENTITY.params, "data"))
def render(data):
    code = requested_code(data)
    allowed(f"/entity/{code}")
    if current_user.role == "entity" and code != current_user.entity_code:
        abort(403)
    prog = programme(from_params(data))
    with store_of(current_app).session() as db:
        history = queries.lineage(db, code, approved_only=current_user.role == "committee")
    return [standing(prog, code), scorecard(prog, code), submissions(history)]


def standing(prog: Programme, code: str) -> html.Section:
    score = prog.scores.get(code)
    rank = prog.ranks
    # An entity sees its own figures in every status, but is ranked like everybody else.
    note = _("Score and rank count approved figures only.") if prog.scope.own_entity else ""
    text = (
        _(
            "Score %(score).1f of 100, rank %(rank)s of %(count)d entities.",
            score=score,
            rank=rank.get(code, "—"),
            count=len(rank),
        )
        if score is not None
        else _("No score yet: no figure against a target.")
    )
    return html.Section(
        [
            html.H2(_("Standing")),
            html.P(html.Strong(text)),
            html.P(note, className="muted") if note else "",
        ],
        className="card",
    )


def scorecard(prog: Programme, code: str) -> html.Section:
    query = address(prog.scope)
    rows = []
    for spec in prog.specs:
        if spec.scope != "entity" or code not in prog.assigned.get(spec.code, set()):
            continue
        pic = prog.entity_pictures(spec.code).get(code)
        rows.append(
            [
                dcc.Link(
                    [ltr(spec.code), " ", localized(spec, "name")], href=f"/kpi/{spec.code}{query}"
                ),
                point_text(pic.current, spec.unit)
                if pic and pic.current and (pic.value is not None or pic.current.invalid)
                else _("No figure"),
                target_text(spec.target, spec.unit, spec.comparator),
                kpi_status(pic.status if pic else ("no_data" if spec.has_target else "no_target")),
                trend_cell(pic) if pic else "",
            ]
        )
    return html.Section(
        [
            html.H2(_("Scorecard")),
            table(
                [_("Indicator"), _("Figure"), _("Target 2025"), _("Status"), _("Trend")],
                rows,
                _("Indicators reported by this entity"),
                row_headers=True,
            ),
        ],
        className="card",
    )


def submissions(history) -> html.Section:
    rows = [
        [
            html.Span(ltr(s.period), className="nowrap"),
            s.revision,
            status_label(s.status) + ("" if s.is_current else " · " + _("superseded")),
            s.file_name,
            s.uploaded_by,
            when(s.uploaded_at),
            s.reviewed_by,
            when(s.reviewed_at),
            s.reason,
        ]
        for s in history
    ]
    return html.Section(
        [
            html.H2(_("Submissions")),
            table(
                [
                    _("Quarter"),
                    _("Revision"),
                    _("Status"),
                    _("File"),
                    _("Uploaded by"),
                    _("Uploaded"),
                    _("Reviewed by"),
                    _("Reviewed"),
                    _("Reason"),
                ],
                rows,
                _("%(count)d submissions, newest first", count=len(rows)),
                row_headers=True,
            ),
        ],
        className="card",
    )
