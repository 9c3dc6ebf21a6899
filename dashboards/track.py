"""Track `/track/<code>`: its KPIs with the national trend against path and target; its
initiatives."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    PageIds,
    address,
    allowed,
    analytics_page,
    from_params,
    not_found,
    page_scope,
    params,
    programme,
    requested_code,
)
from dashboards._budget import totals_list
from dashboards._initiatives import compact_table, status_counts, timeline
from dashboards._kpi_table import kpi_table
from dashboards._series import small_multiples
from dashboards._text import localized
from data import analytics as queries
from data.cycles import cycle_code_of
from data.db import store_of
from services.actors import Action, Actor
from services.budget import budget_picture
from services.initiatives import initiatives_picture
from services.programme import Scope

TRACK = PageIds("track-form", "track-params", "track-content")

dash.register_page(
    __name__, path_template="/track/<code>", title=lambda code=None, **_k: _("Track"), name="Track"
)


@page_layout(lambda code=None, **_k: f"/track/{code}")
def layout(code: str | None = None, period: str | None = None, unapproved=None, **_kwargs):
    code = (code or "").upper()
    scope, choices = page_scope(period, unapproved)
    with store_of(current_app).session() as db:
        cycle = cycle_code_of(db, scope.as_of)  # the track as named in the as-of quarter's cycle
        track = next((t for t in queries.tracks(db, cycle) if t.code == code), None)
    if track is None:
        return not_found(_("No such track"))
    heading = f"{track.code} · {localized(track, 'name')}"
    return analytics_page(TRACK, heading, scope, choices, params(scope, code=code))


@guarded_callback(
    Output(TRACK.content, "children"), Input(TRACK.params, "data"), action=Action.VIEW_PROGRAMME
)
def render(_actor: Actor, data):
    code = requested_code(data)
    allowed(f"/track/{code}")
    prog = programme(from_params(data))
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
        initiatives_section(prog.scope, code, query),
        budget_section(prog.scope, code, query),
    ]


def initiatives_section(scope: Scope, code: str, query: str) -> html.Section:
    """The track's initiatives at the as-of quarter: counts by status, a compact timeline and a
    table, with a link to the whole programme's initiatives."""
    with store_of(current_app).session() as db:
        picture = initiatives_picture(db, scope)
    items = picture.of_track(code)
    link = dcc.Link(
        _("Every initiative of the programme"), href=f"/initiatives{query}&track={code}"
    )
    if not items:
        return html.Section(
            [html.H2(_("Initiatives")), html.P(_("No initiatives recorded for this track.")), link],
            className="card",
        )
    return html.Section(
        [
            html.H2(_("Initiatives")),
            status_counts(picture.tracks.get(code, {}), sum(1 for i in items if i.overdue)),
            timeline(
                "track-timeline",
                items,
                scope.as_of.code,
                _("Timeline of the initiatives of track %(code)s", code=code),
            ),
            compact_table(items, _("Initiatives of track %(code)s", code=code)),
            html.P(link),
        ],
        className="card charts",
    )


def budget_section(scope: Scope, code: str, query: str) -> html.Section:
    """The track's budget at the as-of quarter (services.budget.budget_picture, as on /budget)."""
    with store_of(current_app).session() as db:
        group = budget_picture(db, scope).track(code)
    body = (
        totals_list(group.totals) if group is not None else html.P(_("No line is allocated yet."))
    )
    return html.Section(
        [
            html.H2(_("Budget")),
            body,
            html.P(dcc.Link(_("The programme budget"), href=f"/budget{query}")),
        ],
        className="card",
        id="track-budget",
    )
