"""Track `/track/<code>`: its KPIs with the national trend against path and target; its
initiatives."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import page_layout
from dashboards._analytics import (
    address,
    allowed,
    as_of_form,
    from_params,
    params,
    programme,
    quarter_options,
    scope_for,
    scope_note,
)
from dashboards._components import table
from dashboards._kpi_table import kpi_table
from dashboards._series import small_multiples
from dashboards._text import localized, ltr
from data import analytics as queries
from data.db import store_of

TRACK_PARAMS = "track-params"
TRACK_CONTENT = "track-content"
TRACK_FORM = "track-form"

dash.register_page(
    __name__, path_template="/track/<code>", title=lambda code=None, **_k: _("Track"), name="Track"
)


@page_layout(lambda code=None, **_k: f"/track/{code}")
def layout(code: str | None = None, period: str | None = None, unapproved=None, **_kwargs):
    code = (code or "").upper()
    with store_of(current_app).session() as db:
        track = next((t for t in queries.tracks(db) if t.code == code), None)
    if track is None:
        return html.Div(
            [html.H1(_("No such track")), dcc.Link(_("Back to the overview"), href="/")]
        )
    choices = quarter_options()
    scope = scope_for(period, unapproved, choices)
    return html.Div(
        [
            html.H1(f"{track.code} · {localized(track, 'name')}"),
            as_of_form(TRACK_FORM, scope, choices),
            scope_note(scope),
            dcc.Store(id=TRACK_PARAMS, data=params(scope, code=code)),
            dcc.Loading(html.Div(id=TRACK_CONTENT), type="dot"),
        ]
    )


@dash.callback(Output(TRACK_CONTENT, "children"), Input(TRACK_PARAMS, "data"))
def render(data):
    code = str((data or {}).get("code", "")).upper()
    allowed(f"/track/{code}")
    prog = programme(from_params(data))
    with store_of(current_app).session() as db:
        initiatives = queries.initiatives(db, code)
    pictures = [prog.national[s.code] for s in prog.specs if s.track == code]
    query = address(prog.scope)
    return [
        html.Section(
            [
                html.H2(_("Indicators")),
                kpi_table(pictures, _("Indicators of track %(code)s", code=code), query),
            ],
            className="card",
        ),
        html.Section(
            [
                html.H2(_("National trend against the path")),
                small_multiples(pictures, "track-chart", _("Track %(code)s by period", code=code)),
            ],
            className="card charts",
        ),
        html.Section(
            [
                html.H2(_("Initiatives")),
                table(
                    [_("Code"), _("Initiative"), _("Lead")],
                    [[ltr(i.code), localized(i, "name"), i.lead] for i in initiatives],
                    _("Initiatives of track %(code)s", code=code),
                    row_headers=True,
                )
                if initiatives
                else html.P(_("No initiatives recorded for this track.")),
            ],
            className="card",
        ),
    ]
