"""Completeness `/completeness`: the entity × quarter matrix (approved, submitted, returned, late,
missing) with totals, and the list of what is overdue."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    PageIds,
    allowed,
    analytics_page,
    from_params,
    page_scope,
    params,
)
from dashboards._components import table
from dashboards._text import CELL_ICONS, cell_word, localized, ltr, percent
from data import analytics as queries
from data.db import store_of
from data.queries import kpi_specs
from kpis.completeness import MISSING, Cell, cell_state, deadline, on_time, tally
from kpis.periods import quarters, reporting_period
from services.actors import Action, Actor, Role
from services.programme import revision_standings

COMPLETENESS = PageIds("completeness-form", "completeness-params", "completeness-content")
SHOWN_QUARTERS = 8

dash.register_page(
    __name__, path="/completeness", title=lambda: _("Completeness"), name="Completeness"
)


@page_layout("/completeness")
def layout(period: str | None = None, **_kwargs):
    scope, choices = page_scope(period, None)
    intro = [
        html.P(
            _(
                "Deadline: 30 days after the end of each quarter. A figure counts as on time "
                "when its first file arrived by then."
            ),
            className="muted",
        )
    ]
    heading = _("Completeness and timeliness")
    return analytics_page(
        COMPLETENESS, heading, scope, choices, params(scope), intro, unapproved=False
    )


@guarded_callback(
    Output(COMPLETENESS.content, "children"),
    Input(COMPLETENESS.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(actor: Actor, data):
    allowed("/completeness")
    scope = from_params(data)
    with store_of(current_app).session() as db:
        cycle = queries.current_cycle(db)
        first = cycle.start_year if cycle else scope.as_of.year
        shown = [q for q in quarters(first, scope.as_of.year) if q <= scope.as_of]
        shown = shown[-SHOWN_QUARTERS:]
        specs = kpi_specs(db)
        assigned = queries.assignments(db)
        entities = queries.entities(db)
        received = {(r.entity, r.period): r for r in queries.received(db)}
        standings = revision_standings(db, [q.code for q in shown])
    if actor.role is Role.ENTITY:
        entities = [e for e in entities if e.code == actor.entity_code]
    today = date.today()
    matrix = {
        e.code: [_cell(e.code, q, specs, assigned, received, today) for q in shown]
        for e in entities
    }
    notes = {key: _official_note(standing) for key, standing in standings.items()}
    return [_matrix(entities, shown, matrix, notes), _overdue(entities, shown, matrix)]


def _official_note(standing) -> str:
    """Next to a returned or pending quarter: whose figures count meanwhile."""
    if standing.official is None:
        return _("no official figure yet")
    return _("official: revision %(number)d, approved", number=standing.official)


def _due(entity: str, quarter, specs, assigned) -> int:
    return sum(
        1
        for s in specs
        if entity in assigned.get(s.code, ())
        and reporting_period(s.frequency, quarter, s.base_year)
    )


def _cell(entity, quarter, specs, assigned, received, today) -> Cell:
    row = received.get((entity, quarter.code))
    due_day = deadline(quarter.end)
    state = cell_state(
        row.status if row else None, row.first_received if row else None, due_day, today
    )
    return Cell(
        state,
        _due(entity, quarter, specs, assigned),
        row.figures if row else 0,
        on_time(row.first_received if row else None, due_day),
    )


def _labels() -> dict[str, str]:
    """Each state as icon and word, translated once per page (plain text keeps the table light)."""
    return {state: f"{CELL_ICONS[state]} {cell_word(state)}" for state in CELL_ICONS}


def _matrix(entities, shown, matrix, notes: dict[tuple[str, str], str]) -> html.Section:
    headers = [
        _("Entity"),
        *[ltr(q.code) for q in shown],
        _("Completeness"),
        _("On time"),
        _("Approved"),
    ]
    rows = []
    labels = _labels()
    for e in entities:
        cells = matrix[e.code]
        total = tally(cells)
        rows.append(
            [
                localized(e, "name"),
                *[
                    f"{labels[c.state]} · {note}"
                    if (note := notes.get((e.code, q.code)))
                    else labels[c.state]
                    for q, c in zip(shown, cells, strict=True)
                ],
                percent(total.completeness),
                percent(total.timeliness),
                percent(total.approval),
            ]
        )
    totals = [tally([matrix[e.code][i] for e in entities]) for i in range(len(shown))]
    overall = tally([c for cells in matrix.values() for c in cells])
    rows.append(
        [
            html.Strong(_("All entities")),
            *[
                _("%(share)s received", share=ltr(percent(t.completeness))) if t.expected else "—"
                for t in totals
            ],
            percent(overall.completeness),
            percent(overall.timeliness),
            percent(overall.approval),
        ]
    )
    return html.Section(
        [
            html.H2(_("Reporting by entity and quarter")),
            table(
                headers,
                rows,
                _("Each entity's quarters; shares count KPI figures due"),
                row_headers=True,
                wide=True,
            ),
        ],
        className="card",
    )


def _overdue(entities, shown, matrix) -> html.Section:
    rows = [
        [localized(e, "name"), ltr(q.code), ltr(deadline(q.end).isoformat()), cell.due]
        for e in entities
        for q, cell in zip(shown, matrix[e.code], strict=True)
        if cell.state == MISSING
    ]
    body = (
        table(
            [_("Entity"), _("Quarter"), _("Deadline"), _("KPIs due")],
            rows,
            _("%(count)d overdue submissions", count=len(rows)),
            row_headers=True,
        )
        if rows
        else html.P(_("Nothing is overdue."))
    )
    return html.Section([html.H2(_("Overdue")), body], className="card")
