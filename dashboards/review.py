"""Review `/review`: the queue of submitted files, one file's figures against the quarter before and
its earlier revision, approve or return with a reason; lock and unlock quarters."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, dcc, html
from flask import abort, current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, filter_form, notice, select_field, table
from dashboards._publishing import (
    REVIEW_PUBLISH,
    REVIEW_PUBLISH_NOTE,
    REVIEW_PUBLISH_PERIOD,
    REVIEW_PUBLISH_RESULT,
    REVIEW_PUBLISH_STATE,
    publish_quarter,
    publishing_choices,
    publishing_section,
)
from dashboards._text import localized, ltr, status_label, stored_text, when
from data.db import store_of
from data.models import Submission
from data.queries import quarter_choices, review_lines, review_queue
from etl.messages import render_all
from etl.workflow import OwnSubmission, WorkflowError
from services.actors import Action, Actor
from services.review import NotFound, decide, set_lock

REVIEW_SUBMISSION = "review-submission"
REVIEW_APPROVE = "review-approve"
REVIEW_RETURN = "review-return"
REVIEW_REASON = "review-reason"
REVIEW_RESULT = "review-result"
REVIEW_PERIOD = "review-period"
REVIEW_LOCK = "review-lock"
REVIEW_UNLOCK = "review-unlock"
REVIEW_LOCK_REASON = "review-lock-reason"
REVIEW_LOCK_RESULT = "review-lock-result"
REVIEW_PROVENANCE = "review-provenance"

dash.register_page(__name__, path="/review", title=lambda: _("Review"), name="Review")


@page_layout("/review")
def layout(
    submission: str | None = None,
    period: str | None = None,
    publish: str | None = None,
    **_kwargs,
):
    with store_of(current_app).session() as db:
        queue = review_queue(db)
        chosen = next((s for s in queue if str(s.id) == str(submission)), None)
        lines = review_lines(db, chosen.id) if chosen else []
        report = db.get(Submission, chosen.id).report if chosen else {}
        quarters = quarter_choices(db, date.today())
        publishable = publishing_choices(db)
    return html.Div(
        [
            html.H1(_("Review")),
            html.Section([html.H2(_("Waiting for review")), _queue(queue)], className="card"),
            _detail(chosen, lines, report) if chosen else html.Div(),
            _locks(quarters, period if period in {q for q, _l in quarters} else quarters[0][0]),
            publishing_section(publishable, publish),
        ]
    )


def _queue(queue) -> html.Div:
    if not queue:
        return html.P(_("Nothing is waiting for review."))
    headers = [_("Entity"), _("Quarter"), _("Revision"), _("Uploaded"), _("Warnings"), _("Open")]
    rows = [
        [
            s.entity,
            ltr(s.period),
            s.revision,
            when(s.uploaded_at),
            s.warnings,
            dcc.Link(
                _("Review %(entity)s %(period)s", entity=s.entity, period=ltr(s.period)),
                href=f"/review?submission={s.id}",
            ),
        ]
        for s in queue
    ]
    return table(
        headers, rows, _("%(count)d submissions waiting", count=len(queue)), row_headers=True
    )


def _detail(chosen, lines, report) -> html.Section:
    headers = [
        _("KPI"),
        _("Period"),
        _("Value"),
        _("Numerator"),
        _("Denominator"),
        _("Last quarter (official)"),
        _("Earlier revision"),
        _("Comment"),
    ]
    rows = [
        [
            f"{line.kpi} · {localized(line, 'name')}",
            line.period,
            stored_text(line.value, line.unit),
            _number(line.numerator),
            _number(line.denominator),
            stored_text(line.previous_quarter, line.unit) or "—",
            stored_text(line.previous_revision, line.unit) or "—",
            line.comment,
        ]
        for line in lines
    ]
    warnings = render_all(report.get("warnings", []), _)
    return html.Section(
        [
            html.H2(
                _(
                    "%(entity)s, %(period)s, revision %(revision)d",
                    entity=chosen.entity,
                    period=ltr(chosen.period),
                    revision=chosen.revision,
                )
            ),
            html.P(status_label(chosen.status)),
            _provenance(chosen),
            html.Div(
                [html.H3(_("Warnings")), html.Ul([html.Li(w) for w in warnings])]
                if warnings
                else html.P(_("No warnings."))
            ),
            table(headers, rows, _("Figures of this submission"), row_headers=True),
            dcc.Store(id=REVIEW_SUBMISSION, data=chosen.id),
            _decision(chosen),
            html.Div(id=REVIEW_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _own_upload() -> str:
    return _("You uploaded this submission: another member of the programme office reviews it.")


def _decision(chosen) -> html.Div:
    """Approve and return, or why not: the rule itself is enforced by etl.workflow."""
    if chosen.uploaded_by_id and chosen.uploaded_by_id == current_actor().user_id:
        return html.Div(
            [
                html.Button(_("Approve"), id=REVIEW_APPROVE, hidden=True),
                html.Button(_("Return to the entity"), id=REVIEW_RETURN, hidden=True),
                dcc.Textarea(id=REVIEW_REASON, hidden=True),
                html.P(_own_upload()),
            ],
            className="actions",
        )
    return html.Div(
        [
            html.Button(_("Approve"), id=REVIEW_APPROVE, className="button primary"),
            field(
                _("Reason for returning (the entity will see it)"),
                dcc.Textarea(id=REVIEW_REASON, rows=2),
                REVIEW_REASON,
            ),
            html.Button(_("Return to the entity"), id=REVIEW_RETURN, className="button"),
        ],
        className="actions",
    )


def _provenance(chosen) -> html.P:
    """Who sent it and when, with the original file for the reviewer to open."""
    sent = _("Sent by %(user)s", user=ltr(chosen.uploaded_by or "—"))
    parts = [sent, " ", when(chosen.uploaded_at)]
    if chosen.upload_id:
        original = html.A(chosen.file_name, href=f"/submissions/file/{chosen.upload_id}")
        parts += [html.Br(), _("Original file:"), " ", original]
    return html.P(parts, id=REVIEW_PROVENANCE)


def _number(value: float | None) -> str:
    return stored_text(value, "count") if value is not None else ""


def _locks(quarters, chosen: str) -> html.Section:
    state = {True: _("locked"), False: _("open")}
    options = [(q, f"{ltr(q)} · {state[bool(locked)]}") for q, locked in quarters]
    return html.Section(
        [
            html.H2(_("Lock a quarter")),
            html.P(_("A locked quarter takes no more uploads; unlocking needs a reason.")),
            filter_form(
                "review-period-form",
                [select_field(REVIEW_PERIOD, "period", _("Quarter"), options, chosen)],
                _("Choose"),
            ),
            dcc.Store(id=REVIEW_PERIOD + "-chosen", data=chosen),
            html.Div(
                [
                    field(
                        _("Reason for unlocking"),
                        dcc.Input(id=REVIEW_LOCK_REASON, type="text"),
                        REVIEW_LOCK_REASON,
                    ),
                    html.Button(_("Lock"), id=REVIEW_LOCK, className="button primary"),
                    html.Button(_("Unlock"), id=REVIEW_UNLOCK, className="button"),
                ],
                className="actions",
            ),
            html.Div(id=REVIEW_LOCK_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


@guarded_callback(
    Output(REVIEW_RESULT, "children"),
    Input(REVIEW_APPROVE, "n_clicks"),
    Input(REVIEW_RETURN, "n_clicks"),
    State(REVIEW_SUBMISSION, "data"),
    State(REVIEW_REASON, "value"),
    action=Action.REVIEW,
    prevent_initial_call=True,
)
def review_decision(actor: Actor, _approve, _return, submission_id, reason):
    returning = dash.ctx.triggered_id == REVIEW_RETURN
    try:
        with store_of(current_app).transaction() as db:
            decide(db, actor, int(submission_id or 0), returning=returning, reason=reason or "")
    except NotFound:
        abort(404)
    except OwnSubmission:
        return notice(_own_upload(), "error")
    except WorkflowError:
        message = (
            _("Write the reason the entity should act on, then return it.")
            if returning
            else _("This submission was already reviewed or replaced.")
        )
        return notice(message, "error")
    done = _("Returned to the entity.") if returning else _("Approved: the figures are official.")
    return notice([done, " ", dcc.Link(_("Back to the queue"), href="/review")], "success")


@guarded_callback(
    Output(REVIEW_LOCK_RESULT, "children"),
    Input(REVIEW_LOCK, "n_clicks"),
    Input(REVIEW_UNLOCK, "n_clicks"),
    State(REVIEW_PERIOD + "-chosen", "data"),
    State(REVIEW_LOCK_REASON, "value"),
    action=Action.REVIEW,
    prevent_initial_call=True,
)
def lock(actor: Actor, _lock, _unlock, period_code, reason):
    unlocking = dash.ctx.triggered_id == REVIEW_UNLOCK
    try:
        with store_of(current_app).transaction() as db:
            set_lock(db, actor, str(period_code), locked=not unlocking, reason=reason or "")
    except NotFound:
        abort(404)
    except WorkflowError:
        message = (
            _("To unlock, choose a locked quarter and write the reason.")
            if unlocking
            else _("That quarter is locked already.")
        )
        return notice(message, "error")
    done = _("%(period)s unlocked.") if unlocking else _("%(period)s locked.")
    return notice(done % {"period": ltr(period_code)}, "success")


@guarded_callback(
    Output(REVIEW_PUBLISH_RESULT, "children"),
    Output(REVIEW_PUBLISH_STATE, "children"),
    Input(REVIEW_PUBLISH, "n_clicks"),
    State(REVIEW_PUBLISH_PERIOD + "-chosen", "data"),
    State(REVIEW_PUBLISH_NOTE, "value"),
    action=Action.PUBLISH,
    prevent_initial_call=True,
    running=[(Output(REVIEW_PUBLISH, "disabled"), True, False)],
)
def publish(actor: Actor, _clicks, period_code, note):
    """Publish the chosen quarter (dashboards/_publishing.py, services.releases.publish)."""
    return publish_quarter(actor, period_code, note)
