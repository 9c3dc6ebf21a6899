"""Submissions `/submissions`: the template, the upload with its report, submitting, and history."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dash
from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from dashboards._access import db_user, page_layout, roles_required, scoped_entity
from dashboards._components import filter_form, notice, select_field, table
from dashboards._text import ltr, pick, status_label, when
from data.db import store_of
from data.models import Entity, Period, Upload
from data.queries import entity_choices, quarter_choices, submission_history
from etl.ingest import Incoming, Outcome, ingest_isolated
from etl.load import StoredFile
from etl.messages import Problem
from etl.storage import read_original
from etl.template import template_bytes

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
UPLOADERS = ("entity", "supervisor", "admin")

dash.register_page(
    __name__, path="/submissions", title=lambda: _("Submissions"), name="Submissions"
)


@page_layout("/submissions")
def layout(entity: str | None = None, period: str | None = None, **_kwargs):
    code = scoped_entity(entity)
    with store_of(current_app).session() as db:
        entities = entity_choices(db)
        quarters = quarter_choices(db, date.today())
        code = code or entities[0][0]
        period = period if period in {q for q, _locked in quarters} else quarters[0][0]
        history = submission_history(db, code)
    return html.Div(
        [
            html.H1(_("Submissions")),
            html.P(
                _(
                    "Download the template of the quarter, fill it, upload it to check it, then "
                    "submit it to the programme office."
                )
            ),
            _chooser(entities, quarters, code, period),
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
            html.Section(
                [html.H2(_("History")), html.Div(_history(history), id=SUB_HISTORY)],
                className="card",
            ),
        ]
    )


def _chooser(entities, quarters, code, period) -> html.Form:
    fields = [
        select_field(
            SUB_PERIOD,
            "period",
            _("Quarter"),
            [(q, ltr(q) + (" 🔒" if locked else "")) for q, locked in quarters],
            period,
        )
    ]
    if scoped_entity(None) is None:  # the programme office chooses the entity
        options = [(c, f"{c} · {pick(en, ar)}") for c, en, ar in entities]
        fields.insert(0, select_field(SUB_ENTITY, "entity", _("Entity"), options, code))
    return filter_form(SUB_FORM, fields, _("Show"))


def _history(rows) -> html.Div:
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
    return table(
        headers, body, _("Submissions of %(entity)s", entity=rows[0].entity), row_headers=True
    )


def _history_of(code: str) -> html.Div:
    with store_of(current_app).session() as db:
        return _history(submission_history(db, code))


@dash.callback(
    Output(SUB_DOWNLOAD, "data"),
    Input(SUB_TEMPLATE, "n_clicks"),
    State(SUB_CONTEXT, "data"),
    prevent_initial_call=True,
)
@roles_required(*UPLOADERS)
def download_template(_clicks, context):
    code = scoped_entity(context["entity"])
    with store_of(current_app).session() as db:
        data = template_bytes(db, code, context["period"])
    return dcc.send_bytes(data, f"template-{code}-{context['period']}.xlsx")


dash.clientside_callback(  # assets/upload.js: posts the file and shows the bytes going up
    ClientsideFunction("tracker", "upload"),
    Output(SUB_SENT, "data"),
    Input(SUB_UPLOAD, "contents"),
    State(SUB_UPLOAD, "filename"),
    State(SUB_CONTEXT, "data"),
    prevent_initial_call=True,
)


@dash.callback(
    Output(SUB_REPORT, "children"),
    Output(SUB_CHECKED, "data"),
    Output(SUB_SUBMIT, "disabled"),
    Output(SUB_PROGRESS_BOX, "hidden"),
    Output(SUB_UPLOAD, "contents"),  # cleared, so that the same file can be sent again
    Output(SUB_HISTORY, "children"),  # a refused file is in the history at once
    Input(SUB_SENT, "data"),
    State(SUB_CONTEXT, "data"),
    prevent_initial_call=True,
)
@roles_required(*UPLOADERS)
def show_check(sent, context):
    code = scoped_entity(context["entity"])
    sent = sent or {}
    outcome = _checked(sent.get("upload_id"), code) if sent.get("status") == 200 else None
    if outcome is None:
        return notice(_not_sent(sent.get("status")), "error"), None, True, True, None, no_update
    return (
        report(outcome, sent.get("file")),
        outcome.upload_id,
        outcome.outcome != "checked",
        True,
        None,
        _history_of(code),
    )


def _not_sent(status: int | None) -> str:
    if status == 413:
        return _("The file is too large to send. A filled template is well under 10 MB.")
    if status == 403:
        return _("You may not upload files for this entity.")
    if status == 429:
        return _("You have sent many files in a short time. Wait a few minutes, then upload again.")
    return _("The file could not be sent. Check the connection and upload it again.")


def _checked(upload_id: int | None, code: str) -> Outcome | None:
    """A checked upload's stored report, shown only to its uploader and for the entity in view."""
    with store_of(current_app).session() as db:
        upload = db.get(Upload, upload_id) if upload_id else None
        if upload is None or upload.uploaded_by_id != db_user(db).id:
            return None
        if upload.entity_id is not None and db.get(Entity, upload.entity_id).code != code:
            return None
        stored = upload.report or {}
        return Outcome(
            upload.outcome,
            [Problem(**p) for p in stored.get("errors", [])],
            [Problem(**p) for p in stored.get("warnings", [])],
            stored.get("rows", 0),
            upload_id=upload.id,
        )


def _ingest(data: bytes, name: str, code: str, period: str, submit: bool, stored=None):
    incoming = Incoming(data, name, code, period, stored)
    folder = Path(current_app.config["UPLOAD_DIR"])
    store = store_of(current_app)
    return ingest_isolated(store, [incoming], current_user.id, folder, submit=submit)[0]


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


@dash.callback(
    Output(SUB_RESULT, "children"),
    Output(SUB_HISTORY, "children", allow_duplicate=True),
    Output(SUB_SUBMIT, "disabled", allow_duplicate=True),
    Input(SUB_SUBMIT, "n_clicks"),
    State(SUB_CHECKED, "data"),
    State(SUB_CONTEXT, "data"),
    prevent_initial_call=True,
)
@roles_required(*UPLOADERS)
def submit_checked(_clicks, upload_id, context):
    code = scoped_entity(context["entity"])
    outcome = _submit_upload(upload_id, code)
    history = _history_of(code)
    if outcome is None:
        return notice(_("Upload and check a file first."), "error"), history, True
    return report(outcome), history, True


def _submit_upload(upload_id: int | None, code: str):
    """Submit a file that passed its check: only its uploader, for the entity it was checked for."""
    store = store_of(current_app)
    with store.session() as db:
        upload = db.get(Upload, upload_id) if upload_id else None
        if upload is None or upload.outcome != "checked" or upload.entity_id is None:
            return None
        if upload.uploaded_by_id != db_user(db).id or db.get(Entity, upload.entity_id).code != code:
            return None
        period = db.get(Period, upload.period_id).code
        data = read_original(Path(current_app.config["UPLOAD_DIR"]), upload.stored_name)
        kept = StoredFile(
            upload.file_name, upload.file_sha256, upload.file_size, upload.stored_name
        )
    return _ingest(data, kept.name, code, period, submit=True, stored=kept)
