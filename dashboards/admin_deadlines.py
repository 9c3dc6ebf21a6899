"""Deadlines and reminders `/admin/deadlines` (the office): each quarter's deadline, the default
(period end + 30 days) or the one the office set with a reason; setting or clearing it (audited
`period.deadline`, services/deadlines.py); and the log of the reminders and escalations that
`python -m etl remind` sent (services/reminders.py)."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._components import choice_input, choice_options, choices_id, field, notice, table
from dashboards._text import ltr, when
from data.db import store_of
from kpis.completeness import DEADLINE_DAYS
from services.actors import Action, Actor
from services.deadlines import DeadlineError, QuarterDeadline, quarter_deadlines, set_deadline
from services.reminders import AFTER, BEFORE, ESCALATION, LogRow, reminder_log

PATH = "/admin/deadlines"
QUARTER = "deadlines-quarter"
DAY = "deadlines-day"
REASON = "deadlines-reason"
SET = "deadlines-set"
CLEAR = "deadlines-clear"
RESULT = "deadlines-result"
QUARTERS = "deadlines-quarters"
LOG = "deadlines-log"

dash.register_page(
    __name__, path=PATH, title=lambda: _("Deadlines and reminders"), name="Deadlines"
)


@page_layout(PATH)
def layout(**_kwargs):
    with store_of(current_app).session() as db:
        quarters = quarter_deadlines(db)
        log = reminder_log(db)
    return html.Div(
        [
            html.H1(_("Deadlines and reminders")),
            html.P(
                _(
                    "A quarter's deadline is %(days)d days after the quarter ends, unless the "
                    "programme office sets another for it. Completeness, on-time counts, notices "
                    "and reminders all follow the deadline shown here.",
                    days=DEADLINE_DAYS,
                )
            ),
            _change_card(quarters),
            html.Section(
                [
                    html.H2(_("Quarters and their deadlines")),
                    html.Div(_quarters_table(quarters), id=QUARTERS),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H2(_("Reminders sent")),
                    html.P(_steps_text()),
                    html.Div(_log_table(log), id=LOG),
                ],
                className="card",
            ),
        ]
    )


def _options(quarters: list[QuarterDeadline]) -> list[tuple[str, str]]:
    """The quarters whose deadline may change (not locked), with the deadline in force."""
    return [(q.code, f"{q.code} · {q.day.isoformat()}") for q in quarters if not q.locked]


def _change_card(quarters: list[QuarterDeadline]) -> html.Section:
    options = _options(quarters)
    return html.Section(
        [
            html.H2(_("Set a quarter's deadline")),
            html.P(
                _(
                    "Choose the quarter, write the new deadline and why. A locked quarter keeps "
                    "its deadline."
                )
            ),
            html.Div(
                [
                    field(
                        _("Quarter"),
                        choice_input(QUARTER, options, _("Choose a quarter")),
                        QUARTER,
                    ),
                    field(
                        _("New deadline"),
                        dcc.Input(
                            id=DAY,
                            type="text",
                            placeholder="2025-11-15",
                            inputMode="numeric",
                            style={"direction": "ltr"},
                        ),
                        DAY,
                        _("A date written year-month-day, e.g. 2025-11-15"),
                    ),
                    field(_("Reason"), dcc.Input(id=REASON, type="text"), REASON),
                ],
                className="deadline-form",
            ),
            html.Div(
                [
                    html.Button(_("Set the deadline"), id=SET, className="button primary"),
                    html.Button(_("Back to the default deadline"), id=CLEAR, className="button"),
                ],
                className="actions",
            ),
            html.Div(id=RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _how_set(q: QuarterDeadline) -> str:
    if q.override is None:
        return _("Default: %(days)d days after the quarter ends", days=DEADLINE_DAYS)
    return _(
        "Set by the office (default %(default)s): %(reason)s",
        default=ltr(q.default.isoformat()),
        reason=q.reason,
    )


def _quarters_table(quarters: list[QuarterDeadline]):
    if not quarters:
        return html.P(_("No quarter yet."))
    rows = [
        [
            ltr(q.code),
            ltr(q.end.isoformat()),
            html.Strong(ltr(q.day.isoformat())),
            _how_set(q),
            "🔒 " + _("locked") if q.locked else _("open"),
        ]
        for q in quarters
    ]
    headers = [_("Quarter"), _("Quarter ends"), _("Deadline"), _("How it was set"), _("State")]
    return table(headers, rows, _("Each quarter's deadline, the newest first"), row_headers=True)


def _steps_text() -> str:
    return _(
        "Each user of an entity that has not submitted gets an e-mail %(before)d days before "
        "the deadline, on the day and %(after)d days after it; %(escalate)d days after the "
        "deadline the supervisors get the list of the entities still late. Nothing is sent "
        "twice.",
        before=-BEFORE.starts,
        after=AFTER.starts,
        escalate=ESCALATION.starts,
    )


def step_label(step: str) -> str:
    return {
        "before": _("Before the deadline"),
        "due": _("On the deadline"),
        "after": _("After the deadline"),
        "escalation": _("Escalation to the office"),
    }.get(step, step)


def state_label(state: str) -> str:
    return {
        "sent": _("Sent to the mail server"),
        "sending": _("Being sent"),
        "unknown": _("Unknown: the run stopped while sending it"),
    }.get(state, state)


def _log_table(log: list[LogRow]):
    if not log:
        return html.P(_("No reminder has been sent yet."))
    rows = [
        [
            when(r.at),
            step_label(r.step),
            ltr(r.period),
            r.entity,
            ltr(r.recipient),
            "العربية" if r.language == "ar" else "English",
            state_label(r.state),
        ]
        for r in log
    ]
    headers = [
        _("When"),
        _("Reminder step"),
        _("Quarter"),
        _("Entity"),
        _("To"),
        _("Language"),
        _("Outcome of sending"),
    ]
    return table(headers, rows, _("The latest reminders and escalations, the newest first"))


def _parse_day(text: object) -> date | None:
    if not isinstance(text, str):
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def _refusal(error: DeadlineError) -> str:
    values = error.values
    return {
        "no_quarter": _("Choose a quarter first."),
        "no_reason": _("Write the reason for the change: it goes into the audit trail."),
        "bad_reason": _(
            "The reason: one line of plain text, at most %(limit)s characters.",
            limit=values.get("limit", ""),
        ),
        "unchanged": _(
            "%(quarter)s has this deadline already: nothing to change.",
            quarter=ltr(values.get("quarter", "")),
        ),
        "locked": _(
            "%(quarter)s is locked: its deadline cannot change. Unlock it on the review page "
            "first.",
            quarter=ltr(values.get("quarter", "")),
        ),
        "too_early": _(
            "The deadline must fall after the quarter ends (%(end)s).",
            end=ltr(values.get("end", "")),
        ),
        "too_late": _(
            "The deadline must fall within a year after the quarter ends (%(end)s): check the "
            "year.",
            end=ltr(values.get("end", "")),
        ),
    }[error.code]


@guarded_callback(
    Output(RESULT, "children"),
    Output(QUARTERS, "children"),
    Output(LOG, "children"),
    Output(choices_id(QUARTER), "children"),
    Input(SET, "n_clicks"),
    Input(CLEAR, "n_clicks"),
    State(QUARTER, "value"),
    State(DAY, "value"),
    State(REASON, "value"),
    action=Action.MANAGE_DEADLINES,
    prevent_initial_call=True,
)
def change_deadline(actor: Actor, _set, _clear, quarter, day_text, reason):
    """Set or clear the chosen quarter's deadline; the tables show the change at once."""
    clearing = dash.ctx.triggered_id == CLEAR
    day = None if clearing else _parse_day(day_text)
    if not clearing and day is None:
        message = notice(
            _(
                "Write the new deadline as year-month-day, e.g. 2025-11-15; you wrote '%(text)s'.",
                text=day_text if isinstance(day_text, str) else "",
            ),
            "error",
        )
        return message, dash.no_update, dash.no_update, dash.no_update
    try:
        with store_of(current_app).transaction() as db:
            changed = set_deadline(db, actor, str(quarter or ""), day, reason or "")
    except DeadlineError as refused:
        return notice(_refusal(refused), "error"), dash.no_update, dash.no_update, dash.no_update
    with store_of(current_app).session() as db:
        quarters, log = quarter_deadlines(db), reminder_log(db)
    done = _(
        "The deadline of %(quarter)s is now %(day)s.",
        quarter=ltr(changed.code),
        day=ltr(changed.day.isoformat()),
    )
    return (
        notice(done, "success"),
        _quarters_table(quarters),
        _log_table(log),
        choice_options(_options(quarters)),
    )
