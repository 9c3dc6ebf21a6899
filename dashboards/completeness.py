"""Completeness `/completeness`: the entity × quarter matrix (approved, submitted, returned, late,
missing) with totals, and the list of what is overdue."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

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
from dashboards._pager import PagerIds, Row, answer, dependencies, pager
from dashboards._text import CELL_ICONS, cell_word, localized, ltr, percent
from data.cache import results_of
from data.db import store_of
from kpis.completeness import MISSING, NOT_EXPECTED, tally
from kpis.paging import ALL as SHOW_ALL
from kpis.paging import GAPS, has_gap, paged
from services.actors import Action, Actor, Role, may
from services.exports import (
    CSV_TYPE,
    EXCEL_TYPE,
    all_figures,
    csv_bytes,
    excel_bytes,
    figures_table,
)
from services.overview import reporting
from web import jobs
from web.i18n import language

COMPLETENESS = PageIds("completeness-form", "completeness-params", "completeness-content")
EXPORT_CSV = "export-all-csv"
EXPORT_EXCEL = "export-all-excel"
EXPORT_DOWNLOAD = "export-all-download"
EXPORT_BUSY = "export-all-busy"
EXPORT_REGION = "export-all"
SHOWN_QUARTERS = 8
MATRIX = PagerIds("completeness-matrix")  # the entity × quarter matrix, a page at a time
OVERDUE = PagerIds("completeness-overdue")
MATRIX_SHOWS = (SHOW_ALL, GAPS)

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
            jobs.preparing_note(EXPORT_BUSY),
            dcc.Download(id=EXPORT_DOWNLOAD),
        ],
        className="card",
        id=EXPORT_REGION,
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
    page="/completeness",
    job=True,  # a Celery worker builds the file when REDIS_URL is set (web/jobs.py)
    running=jobs.while_running([EXPORT_CSV, EXPORT_EXCEL], EXPORT_BUSY, EXPORT_REGION),
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
    grid = reporting_grid(actor, data)
    return [_matrix(grid), _overdue(grid)]


@guarded_callback(
    *dependencies(MATRIX, COMPLETENESS.params),
    action=Action.VIEW_PROGRAMME,
    prevent_initial_call=True,
)
def page_matrix(actor: Actor, query, _shows, _previous, _next, stored, data):
    """One page of the matrix, as the reader searched, chose and paged (the totals stay those
    of every entity)."""
    allowed("/completeness")
    grid = reporting_grid(actor, data)
    return answer(MATRIX, stored, query, MATRIX_SHOWS, _matrix_rows(grid), _matrix_table(grid))


@guarded_callback(
    *dependencies(OVERDUE, COMPLETENESS.params),
    action=Action.VIEW_PROGRAMME,
    prevent_initial_call=True,
)
def page_overdue(actor: Actor, query, _shows, _previous, _next, stored, data):
    """One page of what is overdue, as the reader searched and paged."""
    allowed("/completeness")
    grid = reporting_grid(actor, data)
    return answer(OVERDUE, stored, query, (), _overdue_rows(grid), _overdue_table(grid))


class Grid(NamedTuple):
    """The reporting matrix: the entities shown, the quarters, each entity's cells, the notes
    on returned or pending quarters, and each quarter's deadline."""

    entities: list
    shown: list
    matrix: dict
    notes: dict[tuple[str, str], str]
    due: dict


def reporting_grid(actor: Actor, data) -> Grid:
    """Every entity's last quarters (the whole matrix: a page of it is drawn, the totals are
    over all of it); an entity team's own row only."""
    scope = from_params(data)
    found = reporting(store_of(current_app), results_of(current_app), scope.as_of, SHOWN_QUARTERS)
    entities = found.entities
    if actor.role is Role.ENTITY:
        entities = [e for e in entities if e.code == actor.entity_code]
    # an entity not expected in any quarter shown (added later, deactivated before) is left out
    entities = [e for e in entities if any(c.state != NOT_EXPECTED for c in found.matrix[e.code])]
    notes = {key: _official_note(standing) for key, standing in found.standings.items()}
    return Grid(entities, found.shown, found.matrix, notes, found.due)


def _official_note(standing) -> str:
    """Next to a returned or pending quarter: whose figures count meanwhile."""
    if standing.official is None:
        return _("no official figure yet")
    return _("official: revision %(number)d, approved", number=standing.official)


def _labels() -> dict[str, str]:
    """Each state as icon and word, translated once per page (plain text keeps the table light)."""
    return {state: f"{CELL_ICONS[state]} {cell_word(state)}" for state in CELL_ICONS}


def _matrix(grid: Grid) -> html.Section:
    rows = _matrix_rows(grid)
    draw = _matrix_table(grid)
    if paged(len(rows)):
        body = pager(
            MATRIX,
            rows,
            draw,
            name=_("the reporting table"),
            search_label=_("Find an entity"),
            shows=[
                (SHOW_ALL, _("All entities")),
                (GAPS, _("With a quarter missing, late or returned")),
            ],
        )
    else:
        body = draw(rows, None)
    return html.Section([html.H2(_("Reporting by entity and quarter")), body], className="card")


def _matrix_rows(grid: Grid) -> list[Row]:
    """A row per entity: its quarters as icon and word, and its shares."""
    labels = _labels()
    rows = []
    for e in grid.entities:
        cells = grid.matrix[e.code]
        total = tally(cells)
        line = [
            localized(e, "name"),
            *[
                f"{labels[c.state]} · {note}"
                if (note := grid.notes.get((e.code, q.code)))
                else labels[c.state]
                for q, c in zip(grid.shown, cells, strict=True)
            ],
            percent(total.completeness),
            percent(total.timeliness),
            percent(total.approval),
        ]
        kinds = frozenset({GAPS}) if has_gap(c.state for c in cells) else frozenset()
        rows.append(Row((e.code, e.name_en, e.name_ar), kinds, line))
    return rows


def _matrix_table(grid: Grid):
    """Draws the matrix's rows given (a page of them) and, under them, every entity's totals."""
    headers = [
        _("Entity"),
        *[ltr(q.code) for q in grid.shown],
        _("Completeness"),
        _("On time"),
        _("Approved"),
    ]
    totals = [
        tally([grid.matrix[e.code][i] for e in grid.entities]) for i in range(len(grid.shown))
    ]
    overall = tally([c for e in grid.entities for c in grid.matrix[e.code]])
    all_row = [
        html.Strong(_("All entities")),
        *[
            _("%(share)s received", share=ltr(percent(t.completeness))) if t.expected else "—"
            for t in totals
        ],
        percent(overall.completeness),
        percent(overall.timeliness),
        percent(overall.approval),
    ]

    def draw(rows: list[Row], _window) -> html.Div:
        return table(
            headers,
            [r.cells for r in rows] + [all_row],
            _("Each entity's quarters; shares count KPI figures due"),
            row_headers=True,
            wide=True,
        )

    return draw


def _overdue(grid: Grid) -> html.Section:
    rows = _overdue_rows(grid)
    if not rows:
        body = html.P(_("Nothing is overdue."))
    elif paged(len(rows)):
        body = pager(
            OVERDUE,
            rows,
            _overdue_table(grid),
            name=_("the overdue list"),
            search_label=_("Find an entity or quarter"),
        )
    else:
        body = _overdue_table(grid)(rows, None)
    return html.Section([html.H2(_("Overdue")), body], className="card")


def _overdue_rows(grid: Grid) -> list[Row]:
    return [
        Row(
            (e.code, e.name_en, e.name_ar, q.code),
            frozenset(),
            [localized(e, "name"), ltr(q.code), ltr(grid.due[q.code].isoformat()), cell.due],
        )
        for e in grid.entities
        for q, cell in zip(grid.shown, grid.matrix[e.code], strict=True)
        if cell.state == MISSING
    ]


def _overdue_table(grid: Grid):
    count = sum(
        1 for e in grid.entities for c in grid.matrix[e.code] if c.state == MISSING
    )  # every overdue submission, whichever page is drawn

    def draw(rows: list[Row], _window) -> html.Div:
        return table(
            [_("Entity"), _("Quarter"), _("Deadline"), _("KPIs due")],
            [r.cells for r in rows],
            _("%(count)d overdue submissions", count=count),
            row_headers=True,
        )

    return draw
