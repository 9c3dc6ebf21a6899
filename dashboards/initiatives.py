"""Initiatives `/initiatives`: every initiative of the programme at the as-of quarter: counts by
status, a timeline against the due quarters and the full table; one track at a time when asked.
Every figure comes from services.initiatives.initiatives_picture."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    CODE,
    PageIds,
    address,
    allowed,
    as_of_fields,
    from_params,
    page_scope,
    params,
    scope_note,
    state,
)
from dashboards._components import filter_form, select_field
from dashboards._initiatives import initiatives_table, status_counts, timeline
from dashboards._text import localized, ltr
from data import analytics as queries
from data.cycles import cycle_code_of
from data.db import store_of
from services.actors import Action, Actor
from services.initiatives import initiatives_picture

INITIATIVES = PageIds("initiatives-form", "initiatives-params", "initiatives-content")
TRACK_FIELD = "initiatives-form-track"
TIMELINE = "initiatives-timeline"

dash.register_page(
    __name__, path="/initiatives", title=lambda: _("Initiatives"), name="Initiatives"
)


@page_layout("/initiatives")
def layout(period: str | None = None, unapproved=None, track: str | None = None, **_kwargs):
    scope, choices = page_scope(period, unapproved)
    with store_of(current_app).session() as db:
        tracks = queries.tracks(db, cycle_code_of(db, scope.as_of))
    chosen = (track or "").strip().upper()
    chosen = chosen if chosen in {t.code for t in tracks} else ""
    return html.Div(
        [
            html.H1(_("Initiatives")),
            html.P(
                _(
                    "The programme's flagship initiatives: what each lead entity reported for "
                    "the quarter, against the schedule from its start to its due quarter."
                ),
                className="muted",
            ),
            filter_form(INITIATIVES.form, _fields(scope, choices, tracks, chosen), _("Show")),
            scope_note(scope),
            dcc.Store(id=INITIATIVES.params, data=params(scope, track=chosen)),
            dcc.Loading(
                html.Div(id=INITIATIVES.content),
                type="dot",
                target_components={INITIATIVES.content: "children"},
            ),
        ]
    )


def _fields(scope, choices, tracks, chosen: str) -> list:
    fields = as_of_fields(INITIATIVES.form, scope, choices)
    options = [("", _("All tracks"))] + [
        (t.code, f"{t.code} · {localized(t, 'name')}") for t in tracks
    ]
    fields.append(select_field(TRACK_FIELD, "track", _("Track"), options, chosen))
    return fields


@guarded_callback(
    Output(INITIATIVES.content, "children"),
    Input(INITIATIVES.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(_actor: Actor, data):
    allowed("/initiatives")
    scope = from_params(data)
    track = state(data).get("track", "").strip().upper()
    track = track if CODE.fullmatch(track) else ""
    with store_of(current_app).session() as db:
        picture = initiatives_picture(db, scope)
    items = picture.of_track(track) if track in picture.tracks else list(picture.initiatives)
    if track in picture.tracks:
        counts = picture.tracks[track]
        name = picture.track_names.get(track)
        title = f"{track} · {localized(name, 'name')}" if name else track
    else:
        counts, title = picture.counts, _("All tracks")
    overdue = sum(1 for i in items if i.overdue)
    query = address(scope)
    return [
        html.Section(
            [
                html.H2(
                    _(
                        "Status in %(quarter)s: %(title)s",
                        quarter=ltr(scope.as_of.code),
                        title=title,
                    )
                ),
                status_counts(counts, overdue),
                html.P(
                    _(
                        "An initiative not reported for the quarter shows its last report, with "
                        "that report's quarter. Past due: its due quarter has passed and it is not "
                        "completed."
                    ),
                    className="muted",
                ),
            ],
            className="card",
        ),
        html.Section(
            [
                html.H2(_("Timeline")),
                timeline(TIMELINE, items, scope.as_of.code, _("Initiatives from start to due"))
                if items
                else html.P(_("No initiatives recorded for this track.")),
            ],
            className="card charts",
        ),
        html.Section(
            [
                html.H2(_("Every initiative")),
                initiatives_table(items, _("%(count)d initiatives", count=len(items)), query),
            ],
            className="card",
        ),
    ]
