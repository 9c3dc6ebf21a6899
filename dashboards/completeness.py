"""Completeness `/completeness`: the entity × quarter matrix (approved, submitted, returned, late,
missing) with totals, and the list of what is overdue."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, dcc, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
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
from data.cycles import cycle_of
from data.db import store_of
from data.deadlines import deadlines_of
from data.queries import kpi_specs
from kpis.completeness import MISSING, NOT_EXPECTED, tally
from kpis.periods import quarters
from services.actors import Action, Actor, Role, may
from services.exports import (
    CSV_TYPE,
    EXCEL_TYPE,
    all_figures,
    csv_bytes,
    excel_bytes,
    figures_table,
)
from services.overview import reporting_cell
from services.programme import revision_standings
from web.i18n import language

COMPLETENESS = PageIds("completeness-form", "completeness-params", "completeness-content")
EXPORT_CSV = "export-all-csv"
EXPORT_EXCEL = "export-all-excel"
EXPORT_DOWNLOAD = "export-all-download"
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
    if may(current_actor(), Action.EXPORT):
        intro.append(export_all_section())
    heading = _("Completeness and timeliness")
    return analytics_page(
        COMPLETENESS, heading, scope, choices, params(scope), intro, unapproved=False
    )


def export_all_section() -> html.Section:
    """Every figure the reader may export, as `python -m etl export` gives it (for the office
    from the pages, not only the command line)."""
    return html.Section(
        [
            html.H2(_("Export all figures")),
            html.P(
                _(
                    "One row per entity, indicator and period: the latest submitted figure and "
                    "the official one. The CSV keeps the column names of the command line's "
                    "export; the Excel file has them in your language."
                )
                if current_actor().is_office
                else _(
                    "One row per entity, indicator and period, approved figures only. The CSV "
                    "keeps the column names of the command line's export; the Excel file has "
                    "them in your language."
                ),
                className="muted",
            ),
            html.Div(
                [
                    html.Button(
                        _("Export all figures (CSV)"),
                        id=EXPORT_CSV,
                        className="button",
                        type="button",
                    ),
                    html.Button(
                        _("Export all figures (Excel)"),
                        id=EXPORT_EXCEL,
                        className="button",
                        type="button",
                    ),
                ],
                className="actions",
            ),
            dcc.Download(id=EXPORT_DOWNLOAD),
        ],
        className="card",
        id="export-all",
    )


def export_headers() -> dict[str, str]:
    """The export's columns in the reader's language (the Excel file's headers)."""
    return {
        "entity": _("Entity code"),
        "kpi": _("Indicator code"),
        "period": _("Period"),
        "value": _("Figure"),
        "numerator": _("Numerator"),
        "denominator": _("Denominator"),
        "status": _("Submission status"),
        "official_value": _("Official figure"),
        "official_numerator": _("Official numerator"),
        "official_denominator": _("Official denominator"),
        "submission_id": _("Submission number"),
        "revision": _("Revision"),
    }


@guarded_callback(
    Output(EXPORT_DOWNLOAD, "data"),
    Input(EXPORT_CSV, "n_clicks"),
    Input(EXPORT_EXCEL, "n_clicks"),
    action=Action.EXPORT,
    prevent_initial_call=True,
)
def export_all(actor: Actor, csv_clicks, excel_clicks):
    if not (csv_clicks or excel_clicks):
        raise PreventUpdate
    allowed("/completeness")
    with store_of(current_app).session() as db:
        rows = all_figures(db, actor)
    stamp = date.today().isoformat()
    if dash.ctx.triggered_id == EXPORT_EXCEL:
        data = excel_bytes(figures_table(rows, export_headers()), rtl=language() == "ar")
        return dcc.send_bytes(data, f"figures-{stamp}.xlsx", type=EXCEL_TYPE)
    return dcc.send_bytes(csv_bytes(figures_table(rows)), f"figures-{stamp}.csv", type=CSV_TYPE)


@guarded_callback(
    Output(COMPLETENESS.content, "children"),
    Input(COMPLETENESS.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(actor: Actor, data):
    allowed("/completeness")
    scope = from_params(data)
    with store_of(current_app).session() as db:
        cycle = cycle_of(db, scope.as_of)  # the quarters and KPIs of the as-of quarter's cycle
        first = cycle.start_year if cycle else scope.as_of.year
        shown = [q for q in quarters(first, scope.as_of.year) if q <= scope.as_of]
        shown = shown[-SHOWN_QUARTERS:]
        specs = kpi_specs(db, cycle.code if cycle else None)
        assigned = queries.assignments(db, cycle.code if cycle else None)
        entities = queries.entities(db, deactivated=True)
        received = {(r.entity, r.period): r for r in queries.received(db)}
        standings = revision_standings(db, [q.code for q in shown])
        due = deadlines_of(db, shown)
    if actor.role is Role.ENTITY:
        entities = [e for e in entities if e.code == actor.entity_code]
    today = date.today()
    matrix = {
        e.code: [
            reporting_cell(e.code, q, specs, assigned, received, today, due[q.code]) for q in shown
        ]
        for e in entities
    }
    # an entity not expected in any quarter shown (added later, deactivated before) is left out
    entities = [e for e in entities if any(c.state != NOT_EXPECTED for c in matrix[e.code])]
    notes = {key: _official_note(standing) for key, standing in standings.items()}
    return [_matrix(entities, shown, matrix, notes), _overdue(entities, shown, matrix, due)]


def _official_note(standing) -> str:
    """Next to a returned or pending quarter: whose figures count meanwhile."""
    if standing.official is None:
        return _("no official figure yet")
    return _("official: revision %(number)d, approved", number=standing.official)


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


def _overdue(entities, shown, matrix, due) -> html.Section:
    rows = [
        [localized(e, "name"), ltr(q.code), ltr(due[q.code].isoformat()), cell.due]
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
