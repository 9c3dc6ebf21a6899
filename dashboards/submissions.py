"""Submissions `/submissions`: the template, the upload with its report, submitting, and history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dash
from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update
from flask import abort, current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout, scoped_entity
from dashboards._components import filter_form, notice, select_field, table
from dashboards._notices import notices_region
from dashboards._programme_rows import programme_tables
from dashboards._text import ltr, pick, status_label, when
from data.db import store_of
from data.queries import entity_choices, quarter_choices
from etl.programme import current_programme
from services import submissions
from services.actors import Action, Actor

SUB_FORM = "submissions-form"
SUB_ENTITY = "submissions-entity"
SUB_PERIOD = "submissions-period"
SUB_TEMPLATE = "submissions-template"
SUB_DOWNLOAD = "submissions-download"
SUB_UPLOAD = "submissions-upload"
SUB_REPORT = "submissions-report"
SUB_CHECKED = "submissions-checked"
SUB_SENT = "submissions-sent"
SUB_PROGRESS = "submissions-progress"
SUB_PROGRESS_BOX = "submissions-progress-box"
SUB_SUBMIT = "submissions-submit"
SUB_RESULT = "submissions-result"
SUB_HISTORY = "submissions-history"
SUB_CONTEXT = "submissions-context"
SUB_NOTICES = "submissions-notices"  # redrawn after Submit: a returned file answered leaves it

dash.register_page(
    __name__, path="/submissions", title=lambda: _("Submissions"), name="Submissions"
)


@page_layout("/submissions")
def layout(entity: str | None = None, period: str | None = None, page=None, **_kwargs):
    actor = current_actor()
    code = scoped_entity(actor, entity, Action.VIEW_SUBMISSIONS)
    with store_of(current_app).session() as db:
        entities = entity_choices(db)
        quarters = quarter_choices(db, date.today())
        code = code or entities[0][0]
        period = period if period in {q for q, _locked in quarters} else quarters[0][0]
        history = submissions.history(db, actor, code, _page_number(page))
        programme = current_programme(db, code, period)
    return html.Div(
        [
            html.H1(_("Submissions")),
            html.P(
                _(
                    "Download the template of the quarter, fill it, upload it to check it, then "
                    "submit it to the programme office."
                )
            ),
            html.Div(notices_region(actor), id=SUB_NOTICES),
            _chooser(actor, entities, quarters, code, period),
            dcc.Store(id=SUB_CONTEXT, data={"entity": code, "period": period}),
            html.Section(
                [
                    html.H2(_("1. Template")),
                    html.Button(
                        _(
                            "Download the template for %(entity)s, %(period)s",
                            entity=code,
                            period=ltr(period),
                        ),
                        id=SUB_TEMPLATE,
                        className="button primary",
                    ),
                    dcc.Download(id=SUB_DOWNLOAD),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H2(_("2. Upload and check")),
                    html.Label(  # a label around the upload names its file input
                        dcc.Upload(
                            html.Div(
                                [
                                    _("Drag the filled workbook here, or "),
                                    html.Span(_("choose a file"), className="linkish"),
                                ]
                            ),
                            id=SUB_UPLOAD,
                            accept=".xlsx,.xlsm,.xls",
                            className="dropzone",
                            className_active="dropzone active",
                        ),
                        className="upload-label",
                    ),
                    html.Div(
                        [
                            html.Label(
                                _("Sending the file, then checking it"), htmlFor=SUB_PROGRESS
                            ),
                            html.Progress(id=SUB_PROGRESS, max=100, value=0),
                        ],
                        id=SUB_PROGRESS_BOX,
                        className="upload-progress",
                        hidden=True,
                    ),
                    html.Div(id=SUB_REPORT, **{"aria-live": "polite"}),
                    dcc.Store(id=SUB_SENT),
                    dcc.Store(id=SUB_CHECKED),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H2(_("3. Submit")),
                    html.Button(
                        _("Submit to the programme office"),
                        id=SUB_SUBMIT,
                        disabled=True,
                        className="button primary",
                    ),
                    html.Div(id=SUB_RESULT, **{"aria-live": "polite"}),
                ],
                className="card",
            ),
            _programme_section(programme, period),
            html.Section(
                [
                    html.H2(_("History")),
                    html.Div(_history(history, period), id=SUB_HISTORY),
                ],
                className="card",
            ),
        ]
    )


def _programme_section(programme, period: str) -> html.Section | str:
    """The initiatives and budget lines the current submission of the quarter reports."""
    tables = programme_tables(*programme)
    if not tables:
        return ""
    heading = _("Initiatives and budget reported for %(period)s", period=ltr(period))
    return html.Section([html.H2(heading), *tables], className="card")


def _chooser(actor: Actor, entities, quarters, code, period) -> html.Form:
    fields = [
        select_field(
            SUB_PERIOD,
            "period",
            _("Quarter"),
            [(q, ltr(q) + (" 🔒" if locked else "")) for q, locked in quarters],
            period,
        )
    ]
    if actor.is_office:  # the programme office chooses the entity
        options = [(c, f"{c} · {pick(en, ar)}") for c, en, ar in entities]
        fields.insert(0, select_field(SUB_ENTITY, "entity", _("Entity"), options, code))
    return filter_form(SUB_FORM, fields, _("Show"))


def _page_number(page) -> int:
    text = str(page or "1")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 7 else 1


def _history(history: submissions.HistoryPage, period: str) -> html.Div:
    rows = history.rows
    if not rows:
        return html.P(_("Nothing submitted yet."))
    headers = [
        _("Quarter"),
        _("Revision"),
        _("Status"),
        _("File"),
        _("Uploaded"),
        _("By"),
        _("Reviewed"),
        _("Reviewer"),
        _("Reason"),
    ]
    body = [
        [
            ltr(r.period),
            r.revision,
            status_label(r.status),
            html.A(r.file_name, href=f"/submissions/file/{r.upload_id}") if r.upload_id else "—",
            when(r.uploaded_at),
            r.uploaded_by,
            when(r.reviewed_at),
            r.reviewed_by,
            r.reason,
        ]
        for r in rows
    ]
    caption = _("Submissions of %(entity)s", entity=rows[0].entity)
    return html.Div([table(headers, body, caption, row_headers=True), _pager(history, period)])


def _pager(history: submissions.HistoryPage, period: str) -> html.Nav | str:
    """Older submissions a page at a time, with the page in the address (shareable)."""
    if history.pages == 1:
        return ""
    entity = history.rows[0].entity

    def link(page: int, label: str):
        href = f"/submissions?entity={entity}&period={period}&page={page}"
        return dcc.Link(label, href=href, className="button")

    parts = []
    if history.page > 1:
        parts.append(link(history.page - 1, _("Newer")))
    parts.append(
        html.Span(
            _(
                "Page %(page)d of %(pages)d (%(total)d submissions)",
                page=history.page,
                pages=history.pages,
                total=history.total,
            )
        )
    )
    if history.page < history.pages:
        parts.append(link(history.page + 1, _("Older")))
    return html.Nav(parts, className="pager", **{"aria-label": _("Pages of the history")})


def _history_of(actor: Actor, code: str, period: str) -> html.Div:
    with store_of(current_app).session() as db:
        return _history(submissions.history(db, actor, code), period)


@guarded_callback(
    Output(SUB_DOWNLOAD, "data"),
    Input(SUB_TEMPLATE, "n_clicks"),
    State(SUB_CONTEXT, "data"),
    action=Action.UPLOAD,
    prevent_initial_call=True,
)
def download_template(actor: Actor, _clicks, context):
    context = _context(context)
    code = scoped_entity(actor, context["entity"], Action.UPLOAD)
    try:
        with store_of(current_app).session() as db:
            data = submissions.template(db, actor, code, context["period"])
    except ValueError:  # not a quarter of the programme: a forged or stale page
        abort(400)
    return dcc.send_bytes(data, f"template-{code}-{context['period']}.xlsx")


def _context(context) -> dict[str, str]:
    """The page's entity and quarter, as the page stored them; anything else is a forged call."""
    if not isinstance(context, dict) or not all(
        isinstance(context.get(key), str) for key in ("entity", "period")
    ):
        abort(400)
    return context


dash.clientside_callback(  # assets/upload.js: posts the file and shows the bytes going up
    ClientsideFunction("tracker", "upload"),
    Output(SUB_SENT, "data"),
    Input(SUB_UPLOAD, "contents"),
    State(SUB_UPLOAD, "filename"),
    State(SUB_CONTEXT, "data"),
    prevent_initial_call=True,
)


@guarded_callback(
    Output(SUB_REPORT, "children"),
    Output(SUB_CHECKED, "data"),
    Output(SUB_SUBMIT, "disabled"),
    Output(SUB_PROGRESS_BOX, "hidden"),
    Output(SUB_UPLOAD, "contents"),  # cleared, so that the same file can be sent again
    Output(SUB_HISTORY, "children"),  # a refused file is in the history at once
    Input(SUB_SENT, "data"),
    State(SUB_CONTEXT, "data"),
    action=Action.UPLOAD,
    prevent_initial_call=True,
)
def show_check(actor: Actor, sent, context):
    context = _context(context)
    code = scoped_entity(actor, context["entity"], Action.UPLOAD)
    sent = sent if isinstance(sent, dict) else {}
    outcome = None
    if sent.get("status") == 200:
        with store_of(current_app).session() as db:
            outcome = submissions.checked(db, actor, sent.get("upload_id"), code)
    if outcome is None:
        return notice(_not_sent(sent.get("status")), "error"), None, True, True, None, no_update
    return (
        report(outcome, sent.get("file")),
        outcome.upload_id,
        outcome.outcome != "checked",
        True,
        None,
        _history_of(actor, code, context.get("period", "")),
    )


def _not_sent(status: int | None) -> str:
    if status == 413:
        return _("The file is too large to send. A filled template is well under 10 MB.")
    if status == 403:
        return _("You may not upload files for this entity.")
    if status == 429:
        return _("You have sent many files in a short time. Wait a few minutes, then upload again.")
    return _("The file could not be sent. Check the connection and upload it again.")


def report(outcome, file_name: str = "") -> html.Div:
    """The validation report in the reader's language: what to fix first, then warnings."""
    heading = (
        f"{file_name}: {status_label(outcome.outcome)}"
        if file_name
        else status_label(outcome.outcome)
    )
    parts = [html.P(html.Strong(heading))]
    if outcome.errors:
        parts.append(html.P(_("Nothing was loaded. Fix these and upload the file again:")))
        parts.append(html.Ul([html.Li(p.render(_)) for p in outcome.errors], className="errors"))
    elif outcome.outcome == "checked":
        parts.append(
            html.P(
                _("%(rows)d figures are ready. Submit them when you are sure.", rows=outcome.rows)
            )
        )
    if outcome.warnings:
        parts.append(html.P(_("Warnings (the file can still be submitted):")))
        parts.append(
            html.Ul([html.Li(p.render(_)) for p in outcome.warnings], className="warnings")
        )
    kind = "error" if outcome.errors else "success"
    return html.Div(parts, className=f"alert alert-{kind}", role="status")


@guarded_callback(
    Output(SUB_RESULT, "children"),
    Output(SUB_HISTORY, "children", allow_duplicate=True),
    Output(SUB_SUBMIT, "disabled", allow_duplicate=True),
    Output(SUB_REPORT, "children", allow_duplicate=True),  # the upload card says what it is now
    Output(SUB_CHECKED, "data", allow_duplicate=True),  # submitted: nothing left to submit
    Output(SUB_NOTICES, "children"),
    Input(SUB_SUBMIT, "n_clicks"),
    State(SUB_CHECKED, "data"),
    State(SUB_CONTEXT, "data"),
    State(SUB_SENT, "data"),
    action=Action.UPLOAD,
    prevent_initial_call=True,
)
def submit_checked(actor: Actor, _clicks, upload_id, context, sent):
    context = _context(context)
    code = scoped_entity(actor, context["entity"], Action.UPLOAD)
    folder = Path(current_app.config["UPLOAD_DIR"])
    outcome = submissions.submit(store_of(current_app), actor, folder, upload_id, code)
    history = _history_of(actor, code, context.get("period", ""))
    if outcome is None:
        message = notice(_("Upload and check a file first."), "error")
        return message, history, True, no_update, None, no_update
    name = sent.get("file") if isinstance(sent, dict) and isinstance(sent.get("file"), str) else ""
    answer = _submitted(outcome), history, True, report(outcome, name), None
    return *answer, notices_region(actor)


def _submitted(outcome) -> html.Div:
    """The answer under Submit: sent, or why not (the upload card above shows the details)."""
    if outcome.outcome == "submitted":
        return notice(
            _("Sent to the programme office: it waits for their review (see History)."),
            "success",
        )
    return notice(_("Not submitted: the report above says why."), "error")
