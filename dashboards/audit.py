"""Audit `/audit`: every change, who, when, what and why; filters by entity, user, action, date."""

from __future__ import annotations

import json
from datetime import date

import dash
from dash import dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import page_layout
from dashboards._components import field, filter_form, select_field, table
from dashboards._text import ltr, when
from data.audit import chain_head
from data.db import store_of
from data.queries import audit_choices, audit_events, entity_choices

AUDIT_FORM = "audit-form"
AUDIT_ENTITY = "audit-entity"
AUDIT_ACTOR = "audit-actor"
AUDIT_ACTION = "audit-action"
AUDIT_SINCE = "audit-since"
AUDIT_UNTIL = "audit-until"
AUDIT_TABLE = "audit-table"
AUDIT_HEAD = "audit-head"

dash.register_page(__name__, path="/audit", title=lambda: _("Audit trail"), name="Audit")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@page_layout("/audit")
def layout(entity=None, actor=None, action=None, since=None, until=None, **_kwargs):
    with store_of(current_app).session() as db:
        choices = audit_choices(db)
        head = chain_head(db)
        entities = [code for code, _en, _ar in entity_choices(db)]
        events = audit_events(
            db,
            entity=entity or None,
            actor=actor or None,
            action=action or None,
            since=_date(since),
            until=_date(until),
        )
    everyone = [("", _("All"))]
    form = filter_form(
        AUDIT_FORM,
        [
            select_field(
                AUDIT_ENTITY,
                "entity",
                _("Entity"),
                everyone + [(e, e) for e in entities],
                entity or "",
            ),
            select_field(
                AUDIT_ACTOR,
                "actor",
                _("User"),
                everyone + [(a, a) for a in choices["actors"]],
                actor or "",
            ),
            select_field(
                AUDIT_ACTION,
                "action",
                _("Action"),
                everyone + [(a, a) for a in choices["actions"]],
                action or "",
            ),
            field(
                _("From"),
                dcc.Input(id=AUDIT_SINCE, name="since", type="date", value=since or ""),
                AUDIT_SINCE,
            ),
            field(
                _("To"),
                dcc.Input(id=AUDIT_UNTIL, name="until", type="date", value=until or ""),
                AUDIT_UNTIL,
            ),
        ],
        _("Filter"),
    )
    headers = [
        _("When"),
        _("Who"),
        _("Action"),
        _("Object"),
        _("Entity"),
        _("Reason"),
        _("Details"),
    ]
    rows = [
        [
            when(e.at),
            e.actor,
            e.action,
            f"{e.object_type} {e.object_id}",
            e.entity,
            e.reason,
            _details(e.after),
        ]
        for e in events
    ]
    return html.Div(
        [
            html.H1(_("Audit trail")),
            _head(*head),
            form,
            html.P(_("%(count)d events, newest first.", count=len(events))),
            table(headers, rows, _("Audit events"), table_id=AUDIT_TABLE, row_headers=True),
        ]
    )


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


def _details(after: dict | None) -> str:
    if not after:
        return ""
    return "; ".join(f"{k}: {_value(v)}" for k, v in after.items() if k not in ("sha256",))


def _value(value) -> str:
    """Text in quotes, so that text an uploader chose (a file name such as `q3.xlsx; status:
    approved`) cannot pass for further fields."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)
