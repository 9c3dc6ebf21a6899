"""Completeness `/completeness`: the entity × quarter matrix (approved, submitted, returned, late,
missing) with totals, and the list of what is overdue."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, html
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from dashboards._access import page_layout
from dashboards._analytics import (
    PageIds,
    allowed,
    analytics_page,
    from_params,
    params,
    quarter_options,
    scope_for,
)
from dashboards._components import table
from dashboards._text import CELL_ICONS, cell_word, localized, ltr, percent
from data import analytics as queries
from data.db import store_of
from data.queries import kpi_specs
from kpis.completeness import MISSING, Cell, cell_state, deadline, on_time, tally
from kpis.periods import quarters, reporting_period

COMPLETENESS = PageIds("completeness-form", "completeness-params", "completeness-content")
SHOWN_QUARTERS = 8

dash.register_page(
    __name__, path="/completeness", title=lambda: _("Completeness"), name="Completeness"
)


@page_layout("/completeness")
def layout(period: str | None = None, **_kwargs):
    choices = quarter_options()
    scope = scope_for(period, None, choices)
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


@dash.callback(Output(COMPLETENESS.content, "children"), Input(COMPLETENESS.params, "data"))
def render(data):
    allowed("/completeness")
    scope = from_params(data)
    shown = [q for q in quarters(2021, scope.as_of.year) if q <= scope.as_of][-SHOWN_QUARTERS:]
    with store_of(current_app).session() as db:
        specs = kpi_specs(db)
        assigned = queries.assignments(db)
        entities = queries.entities(db)
        received = {(r.entity, r.period): r for r in queries.received(db)}
    if current_user.role == "entity":
        entities = [e for e in entities if e.code == current_user.entity_code]
    today = date.today()
    matrix = {
        e.code: [_cell(e.code, q, specs, assigned, received, today) for q in shown]
        for e in entities
    }
    return [_matrix(entities, shown, matrix), _overdue(entities, shown, matrix)]


def _due(entity: str, quarter, specs, assigned) -> int:
    return sum(
        1
        for s in specs
        if entity in assigned.get(s.code, ())
        and reporting_period(s.frequency, quarter, s.baseline_year or 2020)
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


def _matrix(entities, shown, matrix) -> html.Section:
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
                *[labels[c.state] for c in cells],
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
