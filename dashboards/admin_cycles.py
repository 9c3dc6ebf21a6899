"""Programme cycles `/admin/cycles` (admin): the cycles in the store, and the next one imported
from its KPI catalogue (CSV, the reference format): the file is checked and shown (what will be
created, what continues) before anything is written, a bad file gets its problems by row and
column in the reader's language, and Import writes it (services/cycles.py, audited
`cycle.import`)."""

from __future__ import annotations

import base64
import binascii

import dash
from dash import Input, Output, State, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, notice, table
from dashboards._text import localized, ltr
from data.db import store_of
from services.actors import Action, Actor
from services.cycles import (
    CycleRefused,
    CycleSummary,
    Preview,
    cycle_list,
    import_cycle,
    preview_cycle,
)

PATH = "/admin/cycles"
CODE = "cycles-code"
UPLOAD = "cycles-upload"
FILE_NAME = "cycles-file-name"
CHECK = "cycles-check"
PREVIEW = "cycles-preview"
CHECKED = "cycles-checked"
CONFIRM = "cycles-confirm"
RESULT = "cycles-result"
LIST = "cycles-list"

dash.register_page(__name__, path=PATH, title=lambda: _("Programme cycles"), name="Cycles")


@page_layout(PATH)
def layout(**_kwargs):
    with store_of(current_app).session() as db:
        cycles = cycle_list(db, current_actor())
    return html.Div(
        [
            html.H1(_("Programme cycles")),
            html.P(
                _(
                    "The programme runs in cycles. Start the next one by importing its KPI "
                    "catalogue: the file is checked and shown first, and nothing is written "
                    "until you press Import."
                )
            ),
            html.Section(
                [html.H2(_("Cycles")), html.Div(_cycles_table(cycles), id=LIST)],
                className="card",
            ),
            _import_card(),
        ]
    )


def _cycles_table(cycles: list[CycleSummary]):
    rows = [
        [
            ltr(c.code),
            localized(c, "name"),
            ltr(f"{c.start_year}-{c.target_year}"),
            ltr(str(c.baseline_year)),
            str(c.kpis),
            str(c.continued),
        ]
        for c in cycles
    ]
    headers = [
        _("Cycle"),
        _("Name"),
        _("Years"),
        _("Baseline year"),
        _("KPIs"),
        _("Continuing from the cycle before"),
    ]
    return table(headers, rows, _("The programme's cycles, the latest first"), row_headers=True)


def _import_card() -> html.Section:
    return html.Section(
        [
            html.H2(_("Import the next cycle")),
            html.P(
                _(
                    "The catalogue is a CSV file (UTF-8) with the columns of the reference "
                    "catalogue, its baseline and target columns named after the new cycle's "
                    "years (baseline_2025 and target_2030 for 2026-2030), and an optional "
                    "column continues: the code of the KPI of the cycle before that the row "
                    "continues (empty for a new KPI). The tracks are those of the cycle before."
                )
            ),
            html.Div(
                [
                    field(
                        _("Cycle code"),
                        dcc.Input(id=CODE, type="text", placeholder="2026-2030", maxLength=9),
                        CODE,
                        _("The first and last year, e.g. 2026-2030"),
                    ),
                    html.Div(
                        [
                            html.Label(  # a label around the upload names its file input
                                dcc.Upload(
                                    html.Div(
                                        [
                                            _("Drag the catalogue (CSV) here, or "),
                                            html.Span(_("choose a file"), className="linkish"),
                                        ]
                                    ),
                                    id=UPLOAD,
                                    accept=".csv,text/csv",
                                    max_size=1_000_000,
                                    className="dropzone",
                                    className_active="dropzone active",
                                ),
                                className="upload-label",
                            ),
                            html.Span(_("No file chosen"), id=FILE_NAME, className="hint"),
                        ],
                        className="field",
                    ),
                ],
                className="form-grid",
            ),
            html.Div(
                [
                    html.Button(_("Check the file"), id=CHECK, className="button primary"),
                    html.Button(_("Import"), id=CONFIRM, className="button", disabled=True),
                ],
                className="actions",
            ),
            dcc.Store(id=CHECKED),
            html.Div(id=PREVIEW, **{"aria-live": "polite"}),
            html.Div(id=RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


@guarded_callback(
    Output(FILE_NAME, "children"),
    Input(UPLOAD, "filename"),
    action=Action.MANAGE_CATALOGUE,
    prevent_initial_call=True,
)
def show_file_name(_actor: Actor, name):
    return ltr(name) if name else _("No file chosen")


def _content(contents: str | None) -> bytes | None:
    """The uploaded file's bytes from dcc.Upload's data address."""
    if not contents or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


@guarded_callback(
    Output(PREVIEW, "children"),
    Output(CHECKED, "data"),
    Output(CONFIRM, "disabled"),
    Output(RESULT, "children", allow_duplicate=True),
    Input(CHECK, "n_clicks"),
    State(CODE, "value"),
    State(UPLOAD, "contents"),
    action=Action.MANAGE_CATALOGUE,
    prevent_initial_call=True,
)
def check(actor: Actor, _clicks, code, contents):
    content = _content(contents)
    if content is None:
        return notice(_("Choose the catalogue file first."), "error"), None, True, None
    with store_of(current_app).session() as db:
        preview = preview_cycle(db, actor, code or "", content)
    if not preview.ok:
        return _problems(preview), None, True, None
    return _preview(preview), {"code": preview.code, "contents": contents}, False, None


def _problems(preview: Preview) -> html.Div:
    return html.Div(
        [
            html.H3(_("The file cannot be imported")),
            html.P(_("Nothing was written. Correct these and check the file again:")),
            html.Ul([html.Li(p.render(_, ltr)) for p in preview.problems], id="cycles-problems"),
        ],
        className="alert alert-error",
        role="alert",
    )


def _preview(preview: Preview) -> html.Div:
    rows = [
        [
            ltr(k.code),
            ltr(k.track),
            localized(k, "name"),
            _("continues %(code)s of %(cycle)s", code=k.continues, cycle=preview.earlier)
            if k.continues
            else _("new"),
        ]
        for k in preview.kpis
    ]
    summary = _(
        "Cycle %(code)s (%(start)s-%(end)s, baseline year %(baseline)s): %(kpis)d KPIs, "
        "%(continued)d continuing from %(earlier)s, %(new)d new; %(tracks)d tracks; "
        "%(periods)d quarters and years.",
        code=preview.code,
        start=preview.start_year,
        end=preview.target_year,
        baseline=preview.baseline_year,
        kpis=len(preview.kpis),
        continued=len(preview.continued),
        earlier=preview.earlier,
        new=len(preview.new),
        tracks=len(preview.tracks),
        periods=preview.periods,
    )
    return html.Div(
        [
            html.H3(_("What the import will create")),
            html.P(summary, id="cycles-summary"),
            table(
                [_("KPI"), _("Track"), _("Name"), _("From the cycle before")],
                rows,
                _("The KPIs of cycle %(code)s", code=preview.code),
                table_id="cycles-preview-table",
                row_headers=True,
            ),
            html.P(_("Nothing is written until you press Import."), className="muted"),
        ]
    )


@guarded_callback(
    Output(RESULT, "children", allow_duplicate=True),
    Output(LIST, "children"),
    Output(PREVIEW, "children", allow_duplicate=True),
    Output(CHECKED, "data", allow_duplicate=True),
    Output(CONFIRM, "disabled", allow_duplicate=True),
    Input(CONFIRM, "n_clicks"),
    State(CHECKED, "data"),
    action=Action.MANAGE_CATALOGUE,
    prevent_initial_call=True,
)
def confirm(actor: Actor, _clicks, checked):
    """Import what was checked; it is checked again on the server (the store may have changed)."""
    content = _content((checked or {}).get("contents"))
    if content is None:
        return notice(_("Check the file first."), "error"), dash.no_update, None, None, True
    store = store_of(current_app)
    try:
        with store.transaction() as db:
            preview = import_cycle(db, actor, checked.get("code", ""), content)
    except CycleRefused as refused:
        return None, dash.no_update, _problems(refused.preview), None, True
    with store.session() as db:
        cycles = cycle_list(db, actor)
    done = notice(
        _(
            "Cycle %(code)s imported: %(kpis)d KPIs, %(continued)d continuing.",
            code=preview.code,
            kpis=len(preview.kpis),
            continued=len(preview.continued),
        ),
        "success",
    )
    return done, _cycles_table(cycles), None, None, True
