"""Audit `/audit`: every change as a sentence (who did what to what, and why), filtered by entity,
user, action and dates, exported as CSV or Excel with the raw action and the hash chain."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, filter_form, select_field, table
from dashboards._text import ltr, when
from data.audit import chain_head
from data.db import store_of
from services import audit_log
from services.actors import Action, Actor
from services.audit_text import action_name, changes, sentence
from services.exports import CSV_TYPE, EXCEL_TYPE, Table, csv_bytes, excel_bytes
from web import jobs
from web.i18n import language

AUDIT_FORM = "audit-form"
AUDIT_ENTITY = "audit-entity"
AUDIT_ACTOR = "audit-actor"
AUDIT_ACTION = "audit-action"
AUDIT_SINCE = "audit-since"
AUDIT_UNTIL = "audit-until"
AUDIT_TABLE = "audit-table"
AUDIT_HEAD = "audit-head"
AUDIT_COUNT = "audit-count"
AUDIT_FILTERS = "audit-filters"
AUDIT_CSV = "audit-csv"
AUDIT_EXCEL = "audit-excel"
AUDIT_DOWNLOAD = "audit-download"
AUDIT_BUSY = "audit-export-busy"
AUDIT_EXPORT = "audit-export"

dash.register_page(__name__, path="/audit", title=lambda: _("Audit trail"), name="Audit")


@page_layout("/audit")
def layout(entity=None, actor=None, action=None, since=None, until=None, **_kwargs):
    viewer = current_actor()
    filters = audit_log.Filters.of(entity, actor, action, since, until)
    with store_of(current_app).session() as db:
        offered = audit_log.choices(db, viewer)
        head = chain_head(db)
        found = audit_log.events(db, viewer, filters)
    return html.Div(
        [
            html.H1(_("Audit trail")),
            _head(*head),
            _filters(offered, filters),
            _export(filters),
            html.P(_count_text(len(found)), id=AUDIT_COUNT),
            table(
                [_("When"), _("Who"), _("Event"), _("What happened"), _("Entity"), _("Details")],
                [_row(e) for e in found],
                _("Audit events"),
                table_id=AUDIT_TABLE,
                row_headers=True,
            ),
        ]
    )


def _filters(offered: audit_log.Choices, filters: audit_log.Filters) -> html.Form:
    everyone = [("", _("All"))]
    actions = sorted(((a, action_name(a, _)) for a in offered.actions), key=lambda o: o[1])
    return filter_form(
        AUDIT_FORM,
        [
            select_field(
                AUDIT_ENTITY,
                "entity",
                _("Entity"),
                everyone + [(e, e) for e in offered.entities],
                filters.entity,
            ),
            select_field(
                AUDIT_ACTOR,
                "actor",
                _("User"),
                everyone + [(a, a) for a in offered.actors],
                filters.actor,
            ),
            select_field(AUDIT_ACTION, "action", _("Action"), everyone + actions, filters.action),
            _date_field(_("From"), AUDIT_SINCE, "since", filters.since),
            _date_field(_("To"), AUDIT_UNTIL, "until", filters.until),
        ],
        _("Filter"),
    )


def _date_field(label: str, control_id: str, name: str, value: date | None) -> html.Div:
    text = value.isoformat() if value else ""
    return field(label, dcc.Input(id=control_id, name=name, type="date", value=text), control_id)


def _export(filters: audit_log.Filters) -> html.Div:
    return html.Div(
        [
            html.Button(
                _("Export these events (CSV)"), id=AUDIT_CSV, className="button", type="button"
            ),
            html.Button(
                _("Export these events (Excel)"),
                id=AUDIT_EXCEL,
                className="button",
                type="button",
            ),
            jobs.preparing_note(AUDIT_BUSY),
            dcc.Store(id=AUDIT_FILTERS, data=filters.as_dict()),
            dcc.Download(id=AUDIT_DOWNLOAD),
        ],
        className="actions",
        id=AUDIT_EXPORT,
    )


def _count_text(count: int) -> str:
    if count >= audit_log.PAGE_LIMIT:
        return _(
            "The newest %(count)d events; narrow the filters, or export to get them all.",
            count=count,
        )
    return _("%(count)d events, newest first.", count=count)


def _row(event: audit_log.LoggedEvent) -> list:
    return [
        when(event.at),
        ltr(event.actor),
        html.Span(
            [action_name(event.action, _), html.Br(), html.Code(event.action, dir="ltr")],
        ),
        sentence(event, _, ltr, _isolated),
        event.entity,
        html.Span(changes(event, _), className="hint", dir="ltr"),
    ]


def _isolated(text: str) -> str:
    """Text someone typed, in whichever direction it starts (a reason in English inside an
    Arabic sentence keeps its full stop at its end)."""
    return f"\u2068{text}\u2069"


def _head(events: int, digest: str, at) -> html.Section:
    """The chain's newest link: whoever keeps this hash can later prove nothing before it changed
    (`python -m data verify-audit` checks the whole chain)."""
    return html.Section(
        [
            html.H2(_("Chain of events")),
            html.P(
                _(
                    "%(count)d events are chained by SHA-256; the newest (%(when)s) ends in:",
                    count=events,
                    when=ltr(f"{at:%Y-%m-%d %H:%M}") if at else "—",
                )
            ),
            html.P(html.Code(digest, dir="ltr", className="hash"), id=AUDIT_HEAD),
            html.P(
                _(
                    "An event changed or deleted outside the tracker breaks the chain: "
                    "python -m data verify-audit names the first broken event."
                )
            ),
        ],
        className="card",
    )


def export_table(found: list[audit_log.LoggedEvent]) -> Table:
    """The events as a download: the sentences in the viewer's language, then the raw action and
    the hash chain, so that a reader can check each row against `python -m data verify-audit`."""
    headers = [
        _("Time (UTC)"),
        _("Who"),
        _("Event"),
        _("What happened"),
        _("Entity"),
        _("Object"),
        _("Reason"),
        _("Details"),
        _("Action code"),
        _("Chain number"),
        _("Previous hash"),
        _("Hash"),
    ]
    rows = [
        [
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            e.actor,
            action_name(e.action, _),
            sentence(e, _),
            e.entity,
            f"{e.object_type} {e.object_id}".strip(),
            e.reason,
            changes(e, _),
            e.action,
            e.seq,
            e.prev_hash,
            e.hash,
        ]
        for e in found
    ]
    return Table(_("Audit trail"), headers, rows)


def audit_download(actor: Actor, filters, excel: bool) -> dict:
    """The filtered events as CSV (UTF-8 with a byte-order mark) or Excel, for `dcc.Download`."""
    chosen = audit_log.Filters.of(**_known(filters))
    with store_of(current_app).session() as db:
        found = audit_log.events(db, actor, chosen, limit=audit_log.EXPORT_LIMIT)
    table_ = export_table(found)
    stamp = date.today().isoformat()
    if excel:
        data = excel_bytes(table_, rtl=language() == "ar")
        return dcc.send_bytes(data, f"audit-{stamp}.xlsx", type=EXCEL_TYPE)
    return dcc.send_bytes(csv_bytes(table_), f"audit-{stamp}.csv", type=CSV_TYPE)


def _known(filters) -> dict[str, str]:
    """The filters the page stored; anything else a forged call sent is ignored."""
    given = filters if isinstance(filters, dict) else {}
    names = ("entity", "actor", "action", "since", "until")
    return {name: str(given[name]) for name in names if isinstance(given.get(name), str)}


@guarded_callback(
    Output(AUDIT_DOWNLOAD, "data"),
    Input(AUDIT_CSV, "n_clicks"),
    Input(AUDIT_EXCEL, "n_clicks"),
    State(AUDIT_FILTERS, "data"),
    action=Action.VIEW_AUDIT,
    page="/audit",
    job=True,  # a Celery worker builds the file when REDIS_URL is set (web/jobs.py)
    running=jobs.while_running([AUDIT_CSV, AUDIT_EXCEL], AUDIT_BUSY, AUDIT_EXPORT),
    prevent_initial_call=True,
)
def export_audit(actor: Actor, csv_clicks, excel_clicks, filters):
    if not (csv_clicks or excel_clicks):
        raise PreventUpdate
    return audit_download(actor, filters, excel=dash.ctx.triggered_id == AUDIT_EXCEL)
