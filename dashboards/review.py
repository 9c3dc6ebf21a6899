"""Review `/review`: the queue of submitted files, one file's figures against the quarter before and
its earlier revision, approve or return with a reason; lock and unlock quarters."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import abort, current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, filter_form, notice, select_field, table
from dashboards._programme_rows import programme_tables
from dashboards._publishing import (
    PUBLISH_RUNNING,
    REVIEW_PUBLISH,
    REVIEW_PUBLISH_BODY,
    REVIEW_PUBLISH_NOTE,
    REVIEW_PUBLISH_PERIOD,
    REVIEW_PUBLISH_RESULT,
    REVIEW_PUBLISH_STATE,
    publish_quarter,
    publishing_body,
    publishing_choices,
    publishing_section,
)
from dashboards._text import localized, ltr, status_label, stored_text, when
from data.db import store_of
from data.models import Submission
from data.queries import quarter_choices, review_lines, review_queue
from etl.messages import render_all
from etl.programme import submission_programme
from etl.workflow import OwnSubmission, PeriodLocked, WorkflowError
from services.actors import Action, Actor
from services.review import NotFound, decidable, decide, lock_steps, set_lock

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
REVIEW_QUEUE = "review-queue"
REVIEW_WAITING = "review-waiting"
REVIEW_DECISION = "review-decision"
REVIEW_STATUS = "review-status"
REVIEW_LOCK_BODY = "review-lock-body"
REVIEW_LOCK_STATE = "review-lock-state"

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
        programme = submission_programme(db, chosen.id) if chosen else ([], [])
        quarters = quarter_choices(db, date.today())
        publishable = publishing_choices(db)
    return html.Div(
        [
            html.H1(_("Review")),
            html.Section(
                [html.H2(_("Waiting for review")), html.Div(_queue(queue), id=REVIEW_QUEUE)],
                className="card",
            ),
            dcc.Store(id=REVIEW_SUBMISSION, data=chosen.id if chosen else None),
            _detail(chosen, lines, report, programme) if chosen else _no_detail(),
            _locks(quarters, period if period in {q for q, _l in quarters} else quarters[0][0]),
            publishing_section(publishable, publish),
        ]
    )


def _no_detail() -> html.Div:
    """The regions a decision updates, empty: the page's refresh always finds them."""
    return html.Div([html.Div(id=REVIEW_DECISION), html.Div(id=REVIEW_RESULT)], hidden=True)


def _queue(queue) -> html.Div | html.P:
    if not queue:
        return html.P(_("Nothing is waiting for review."), id=REVIEW_WAITING)
    waiting = html.P(_("%(count)d submissions waiting.", count=len(queue)), id=REVIEW_WAITING)
    return html.Div([waiting, _queue_table(queue)])


def _queue_table(queue) -> html.Div:
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


def _detail(chosen, lines, report, programme=([], [])) -> html.Section:
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
            _provenance(chosen),
            html.Div(
                [html.H3(_("Warnings")), html.Ul([html.Li(w) for w in warnings])]
                if warnings
                else html.P(_("No warnings."))
            ),
            table(headers, rows, _("Figures of this submission"), row_headers=True),
            *programme_tables(*programme),
            html.Div(_decision(chosen), id=REVIEW_DECISION),
            html.Div(id=REVIEW_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _own_upload() -> str:
    return _("You uploaded this submission: another member of the programme office reviews it.")


def _decision(chosen) -> list:
    """The submission's status, then approve and return (live only while it waits for a
    decision, `services.review.decidable`), or why not; etl.workflow enforces the rule."""
    status = html.P(status_label(chosen.status), id=REVIEW_STATUS)
    if chosen.uploaded_by_id and chosen.uploaded_by_id == current_actor().user_id:
        return [
            status,
            html.Div(
                [
                    html.Button(_("Approve"), id=REVIEW_APPROVE, hidden=True),
                    html.Button(_("Return to the entity"), id=REVIEW_RETURN, hidden=True),
                    dcc.Textarea(id=REVIEW_REASON, hidden=True),
                    html.P(_own_upload()),
                ],
                className="actions",
            ),
        ]
    closed = not decidable(chosen.status, chosen.is_current)
    return [
        status,
        html.Div(
            [
                html.Button(
                    _("Approve"), id=REVIEW_APPROVE, className="button primary", disabled=closed
                ),
                field(
                    _("Reason for returning (the entity will see it)"),
                    dcc.Textarea(id=REVIEW_REASON, rows=2, disabled=closed),
                    REVIEW_REASON,
                ),
                html.Button(
                    _("Return to the entity"), id=REVIEW_RETURN, className="button", disabled=closed
                ),
            ],
            className="actions",
        ),
        html.P(_("This submission has been decided: nothing is left to do here."))
        if closed
        else "",
    ]


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
    return html.Section(
        [
            html.H2(_("Lock a quarter")),
            html.P(_("A locked quarter takes no more uploads; unlocking needs a reason.")),
            html.Div(_lock_body(quarters, chosen), id=REVIEW_LOCK_BODY),
            html.Div(id=REVIEW_LOCK_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _lock_body(quarters, chosen: str) -> list:
    """The quarters with their lock, the chosen one's state, and only the step it allows live
    (`services.review.lock_steps`)."""
    state = {True: _("locked"), False: _("open")}
    options = [(q, f"{ltr(q)} · {state[bool(locked)]}") for q, locked in quarters]
    locked = bool(dict(quarters).get(chosen))
    may_lock, may_unlock = lock_steps(locked)
    now = (
        _("%(period)s is locked: no upload changes its figures.")
        if locked
        else _("%(period)s is open: uploads can still change its figures.")
    )
    return [
        filter_form(
            "review-period-form",
            [select_field(REVIEW_PERIOD, "period", _("Quarter"), options, chosen)],
            _("Choose"),
        ),
        dcc.Store(id=REVIEW_PERIOD + "-chosen", data=chosen),
        html.P(html.Strong(now % {"period": ltr(chosen)}), id=REVIEW_LOCK_STATE),
        html.Div(
            [
                field(
                    _("Reason for unlocking"),
                    dcc.Input(id=REVIEW_LOCK_REASON, type="text", disabled=not may_unlock),
                    REVIEW_LOCK_REASON,
                ),
                html.Button(
                    _("Lock"), id=REVIEW_LOCK, className="button primary", disabled=not may_lock
                ),
                html.Button(
                    _("Unlock"), id=REVIEW_UNLOCK, className="button", disabled=not may_unlock
                ),
            ],
            className="actions",
        ),
    ]


@guarded_callback(
    Output(REVIEW_RESULT, "children"),
    Input(REVIEW_APPROVE, "n_clicks"),
    Input(REVIEW_RETURN, "n_clicks"),
    State(REVIEW_SUBMISSION, "data"),
    State(REVIEW_REASON, "value"),
    action=Action.REVIEW,
    prevent_initial_call=True,
)
def review_decision(actor: Actor, approve_clicks, return_clicks, submission_id, reason):
    returning = dash.ctx.triggered_id == REVIEW_RETURN
    _pressed(return_clicks if returning else approve_clicks)
    try:
        with store_of(current_app).transaction() as db:
            decide(db, actor, int(submission_id or 0), returning=returning, reason=reason or "")
    except NotFound:
        abort(404)
    except OwnSubmission:
        return notice(_own_upload(), "error")
    except PeriodLocked:
        return notice(
            _("Its quarter is locked: unlock it below (with a reason) to review this submission."),
            "error",
        )
    except WorkflowError:
        message = (
            _("Write the reason the entity should act on, then return it.")
            if returning
            else _("This submission was already reviewed or replaced.")
        )
        return notice(message, "error")
    done = _("Returned to the entity.") if returning else _("Approved: the figures are official.")
    return notice([done, " ", dcc.Link(_("Back to the queue"), href="/review")], "success")


def _pressed(clicks) -> None:
    """Dash calls a button's callback when `refresh` draws the button again, with no click:
    that is no action (only a press is)."""
    if not clicks:
        raise PreventUpdate


@guarded_callback(
    Output(REVIEW_LOCK_RESULT, "children"),
    Input(REVIEW_LOCK, "n_clicks"),
    Input(REVIEW_UNLOCK, "n_clicks"),
    State(REVIEW_PERIOD + "-chosen", "data"),
    State(REVIEW_LOCK_REASON, "value"),
    action=Action.REVIEW,
    prevent_initial_call=True,
)
def lock(actor: Actor, lock_clicks, unlock_clicks, period_code, reason):
    unlocking = dash.ctx.triggered_id == REVIEW_UNLOCK
    _pressed(unlock_clicks if unlocking else lock_clicks)
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
    page="/review",
    job=True,  # a Celery worker builds the edition when REDIS_URL is set (web/jobs.py)
    prevent_initial_call=True,
    running=PUBLISH_RUNNING,
)
def publish(actor: Actor, clicks, period_code, note):
    """Publish the chosen quarter (dashboards/_publishing.py, services.releases.publish)."""
    _pressed(clicks)
    return publish_quarter(actor, period_code, note)


@guarded_callback(
    Output(REVIEW_QUEUE, "children"),
    Output(REVIEW_DECISION, "children"),
    Output(REVIEW_LOCK_BODY, "children"),
    Output(REVIEW_PUBLISH_BODY, "children"),
    Input(REVIEW_RESULT, "children"),
    Input(REVIEW_LOCK_RESULT, "children"),
    Input(REVIEW_PUBLISH_RESULT, "children"),
    State(REVIEW_SUBMISSION, "data"),
    State(REVIEW_PERIOD + "-chosen", "data"),
    State(REVIEW_PUBLISH_PERIOD + "-chosen", "data"),
    action=Action.REVIEW,
    prevent_initial_call=True,
)
def refresh(actor: Actor, _review_said, _lock_said, _publish_said, submission_id, period, publish):
    """After any action on the page (its message shown), everything that depends on the store
    is drawn again from it: the queue and its count, the submission's status and buttons, the
    quarters' locks and the publishing state."""
    with store_of(current_app).session() as db:
        queue = review_queue(db)
        chosen = _submission_row(db, submission_id)
        quarters = quarter_choices(db, date.today())
        publishable = publishing_choices(db)
    known = {q for q, _l in quarters}
    return (
        _queue(queue),
        _decision(chosen) if _decided(chosen) else dash.no_update,
        _lock_body(quarters, period if period in known else quarters[0][0]),
        publishing_body(publishable, publish if isinstance(publish, str) else None),
    )


def _decided(chosen) -> bool:
    """Whether the decision region must be drawn again: its submission no longer waits (while it
    does, what the reviewer typed stays)."""
    return chosen is not None and not decidable(chosen.status, chosen.is_current)


def _submission_row(session, submission_id):
    """The chosen submission as the decision needs it, or None (none chosen, or a forged id)."""
    if type(submission_id) is not int or not 0 < submission_id < 2**31:
        return None
    return session.get(Submission, submission_id)
