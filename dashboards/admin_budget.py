"""Budget allocations `/admin/budget` (the office): the lines of a cycle by year and track, one
allocation set from a form (amount in OMR as typed: up to three decimals, Arabic digits and
thousands separators read), and a sheet of allocations imported (CSV or xlsx, all or nothing,
every problem by row and column). services/budget.py does the work and the audit
(`budget.allocate`, `budget.import`); refusals are worded here in the reader's language."""

from __future__ import annotations

import base64
import binascii
from collections import defaultdict

import dash
from dash import Input, Output, State, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._budget import money, money_cell
from dashboards._components import choice_input, field, filter_form, notice, select_field, table
from dashboards._text import ltr, pick
from data.cycles import cycle_of, cycles
from data.db import store_of
from services.actors import Action, Actor
from services.budget import (
    AllocationLine,
    BudgetRefused,
    ImportProblem,
    ImportRefused,
    ImportResult,
    allocation_lines,
    allocation_targets,
    import_allocations,
    set_allocation,
)
from services.programme import quarter_options

PATH = "/admin/budget"
TARGET = "budget-target"
ENTITY = "budget-entity"
YEAR = "budget-year"
AMOUNT = "budget-amount"
REASON = "budget-reason"
SET = "budget-set"
SET_RESULT = "budget-set-result"
UPLOAD = "budget-upload"
FILE_NAME = "budget-file-name"
IMPORT = "budget-import"
IMPORT_RESULT = "budget-import-result"
LINES = "budget-lines"
STATE = "budget-admin-state"

dash.register_page(__name__, path=PATH, title=lambda: _("Budget allocations"), name="Allocations")


@page_layout(PATH)
def layout(cycle: str | None = None, year: str | None = None, **_kwargs):
    actor = current_actor()
    with store_of(current_app).session() as db:
        known = cycles(db)
        chosen = _chosen_cycle(db, known, cycle)
        if chosen is None:
            return html.Div([html.H1(_("Budget allocations")), html.P(_("No cycle yet."))])
        shown_year = _year(year, chosen)
        lines = allocation_lines(db, actor, chosen.code)
        named = allocation_targets(db, actor, chosen.code)
    return html.Div(
        [
            html.H1(_("Budget allocations")),
            html.P(
                _(
                    "Allocations are set per year to an initiative, to an entity within a "
                    "track, or to a track as a whole (its reserve, kept by the office). Each "
                    "change is written to the audit trail."
                )
            ),
            _set_card(chosen, named),
            _import_card(),
            html.Section(
                [
                    html.H2(_("Lines of cycle %(cycle)s", cycle=ltr(chosen.code))),
                    filter_form(
                        "budget-lines-form",
                        [
                            select_field(
                                "budget-cycle",
                                "cycle",
                                _("Cycle"),
                                [(c.code, ltr(c.code)) for c in known],
                                chosen.code,
                            ),
                            select_field(
                                "budget-year-filter",
                                "year",
                                _("Year"),
                                [("", _("Every year"))]
                                + [
                                    (str(y), ltr(str(y)))
                                    for y in range(chosen.start_year, chosen.target_year + 1)
                                ],
                                str(shown_year or ""),
                            ),
                        ],
                        _("Show"),
                    ),
                    dcc.Store(id=STATE, data={"cycle": chosen.code, "year": shown_year}),
                    html.Div(_lines_view(lines, shown_year), id=LINES),
                ],
                className="card",
            ),
        ]
    )


def _chosen_cycle(db, known, wanted: str | None):
    """The cycle asked for, else the one of the latest quarter with figures."""
    found = next((c for c in known if c.code == (wanted or "").strip()), None)
    if found is not None:
        return found
    choices = quarter_options(db)
    return cycle_of(db, choices[0]) if choices else (known[-1] if known else None)


def _year(text: str | None, cycle) -> int | None:
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and cycle.start_year <= int(text) <= cycle.target_year:
        return int(text)
    return None


def _set_card(cycle, named) -> html.Section:
    targets = [(t.code, pick(t.name_en, t.name_ar)) for t in named["tracks"]] + [
        (i.code, pick(i.name_en, i.name_ar)) for i in named["initiatives"]
    ]
    entities = [(e.code, pick(e.name_en, e.name_ar)) for e in named["entities"]]
    return html.Section(
        [
            html.H2(_("Set an allocation")),
            html.P(
                _(
                    "Choose a track or an initiative and the year; for an entity's line within "
                    "a track, choose the entity too. A line that exists gets the new amount."
                )
            ),
            html.Div(
                [
                    field(
                        _("Track or initiative"),
                        choice_input(TARGET, targets, _("e.g. T1 or I1.1")),
                        TARGET,
                    ),
                    field(
                        _("Entity (optional)"),
                        choice_input(ENTITY, entities, _("e.g. MOH")),
                        ENTITY,
                        _("Only for an entity's line within a track"),
                    ),
                    field(
                        _("Year"),
                        dcc.Input(
                            id=YEAR,
                            type="text",
                            inputMode="numeric",
                            placeholder=str(cycle.start_year),
                            maxLength=8,
                            style={"direction": "ltr"},
                        ),
                        YEAR,
                        _(
                            "A year of the cycle, %(start)s to %(end)s",
                            start=cycle.start_year,
                            end=cycle.target_year,
                        ),
                    ),
                    field(
                        _("Amount (OMR)"),
                        dcc.Input(
                            id=AMOUNT,
                            type="text",
                            inputMode="decimal",
                            placeholder="1,250,000.500",
                            maxLength=40,
                            style={"direction": "ltr"},
                        ),
                        AMOUNT,
                        _("Up to three decimals (baisa); thousands separators may be typed"),
                    ),
                    field(_("Reason"), dcc.Input(id=REASON, type="text", maxLength=500), REASON),
                ],
                className="form-grid",
            ),
            html.Div(
                html.Button(_("Set the allocation"), id=SET, className="button primary"),
                className="actions",
            ),
            html.Div(id=SET_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _import_card() -> html.Section:
    return html.Section(
        [
            html.H2(_("Import a sheet of allocations")),
            html.P(
                _(
                    "A CSV file (UTF-8) or an Excel workbook (xlsx, its first sheet) with one "
                    "row per line and the columns initiative or track (with entity for an "
                    "entity's line), year and allocated_omr. Headers may be in English or "
                    "Arabic. If any row has a problem, nothing is imported."
                )
            ),
            html.Div(
                [
                    html.Label(  # a label around the upload names its file input
                        dcc.Upload(
                            html.Div(
                                [
                                    _("Drag the sheet (CSV or xlsx) here, or "),
                                    html.Span(_("choose a file"), className="linkish"),
                                ]
                            ),
                            id=UPLOAD,
                            accept=".csv,.xlsx,text/csv",
                            max_size=2_000_000,
                            className="dropzone",
                            className_active="dropzone active",
                        ),
                        className="upload-label",
                    ),
                    html.Span(_("No file chosen"), id=FILE_NAME, className="hint"),
                ],
                className="field",
            ),
            html.Div(
                html.Button(_("Import"), id=IMPORT, className="button primary"),
                className="actions",
            ),
            html.Div(id=IMPORT_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _lines_view(lines: list[AllocationLine], year: int | None) -> html.Div:
    if not lines:
        return html.Div(html.P(_("No line is allocated yet.")))
    return html.Div([_year_track_table(lines), _lines_table(lines, year)])


def _year_track_table(lines: list[AllocationLine]) -> html.Div:
    """Allocated per year (rows) and track (columns), with the totals."""
    tracks = list(dict.fromkeys(line.track for line in lines))
    years = sorted({line.year for line in lines})
    sums: dict[tuple[int, str], int] = defaultdict(int)
    for line in lines:
        sums[(line.year, line.track)] += line.allocated
    rows = [
        [
            ltr(str(y)),
            *[money_cell(sums[(y, t)]) for t in tracks],
            money_cell(sum(sums[(y, t)] for t in tracks)),
        ]
        for y in years
    ]
    rows.append(
        [
            html.Strong(_("All years")),
            *[money_cell(sum(sums[(y, t)] for y in years)) for t in tracks],
            money_cell(sum(line.allocated for line in lines)),
        ]
    )
    return table(
        [_("Year"), *[ltr(t) for t in tracks], _("Total")],
        rows,
        _("Allocated by year and track"),
        table_id="budget-year-track",
        row_headers=True,
    )


def _lines_table(lines: list[AllocationLine], year: int | None) -> html.Div:
    shown = [line for line in lines if year is None or line.year == year]
    rows = [
        [
            html.Span(ltr(line.code), className="nowrap"),
            ltr(line.track),
            ltr(str(line.year)),
            pick(line.name_en, line.name_ar),
            ltr(line.reporter) if line.reporter else _("Nobody: the track's reserve"),
            money_cell(line.allocated),
        ]
        for line in shown
    ]
    caption = (
        _("Lines of %(year)s (%(count)d)", year=ltr(str(year)), count=len(rows))
        if year
        else _("Every line (%(count)d)", count=len(rows))
    )
    return table(
        [_("Line"), _("Track"), _("Year"), _("For"), _("Reported by"), _("Allocated")],
        rows,
        caption,
        table_id="budget-lines-table",
        row_headers=True,
    )


# ----- refusals in the reader's language ---------------------------------------------------------


def refusal_text(code: str, params: dict) -> str:
    """What to say about a refused allocation or import (services.budget's codes)."""
    code_text = ltr(str(params.get("code", "")))
    texts = {
        "no_target": _("Choose a track or an initiative."),
        "one_target": _("Choose either a track or an initiative, not both."),
        "unknown_target": _(
            "%(code)s is neither a track nor an initiative of this cycle: choose one from the "
            "list.",
            code=code_text,
        ),
        "unknown_track": _("There is no track %(code)s in this cycle.", code=code_text),
        "unknown_initiative": _("There is no initiative %(code)s in this cycle.", code=code_text),
        "unknown_entity": _(
            "There is no active entity %(code)s: use its code, e.g. MOH.", code=code_text
        ),
        "entity_with_initiative": _(
            "An initiative's line is reported by its lead entity: leave the entity empty for "
            "%(code)s.",
            code=code_text,
        ),
        "track_mismatch": _(
            "Initiative %(code)s belongs to track %(track)s: correct the track or leave it empty.",
            code=code_text,
            track=ltr(str(params.get("track", ""))),
        ),
        "bad_year": _("Write the year with four digits, e.g. 2024."),
        "year_outside_cycle": _(
            "%(year)s is not a year of the programme's cycles: choose a year of the cycle.",
            year=ltr(str(params.get("year", ""))),
        ),
        "no_amount": _("Write the amount in OMR, e.g. 1,250,000.500."),
        "not_an_amount": _(
            "The amount must be a number of OMR, e.g. 1,250,000.500 (digits, a decimal point, "
            "thousands separators)."
        ),
        "too_many_decimals": _(
            "At most three decimals: the smallest amount is one baisa (0.001 OMR)."
        ),
        "negative": _("An allocation cannot be negative: write 0 to clear one."),
        "too_large": _(
            "The amount is larger than any allocation could be (over OMR 10 billion): check "
            "the digits."
        ),
        "empty_file": _("The file has no rows of allocations."),
        "file_too_large": _("The file is larger than %(limit)s.", limit=params.get("limit", "")),
        "file_type": _("Send a CSV file or an Excel workbook (xlsx)."),
        "not_utf8": _("Save the CSV file as UTF-8 (in Excel: CSV UTF-8) and send it again."),
        "not_a_sheet": _("The file could not be read as a sheet: save it again as xlsx or CSV."),
        "hidden_sheet": _(
            "The workbook has a hidden sheet: what is imported must be what you see. Delete the "
            "hidden sheet, or save the allocations alone as CSV."
        ),
        "hidden_cells": _(
            "The sheet has hidden rows or columns: show them (or delete them) and send it again."
        ),
        "missing_column": _("The column is missing: add it to the header row."),
        "too_many_rows": _("The file has more than %(limit)s rows.", limit=params.get("limit", "")),
        "duplicate_row": _(
            "This line is already set by row %(other)s: keep one of the two.",
            other=params.get("other", ""),
        ),
    }
    return texts.get(code, _("This allocation cannot be set as written."))


def problem_text(problem: ImportProblem) -> str:
    text = refusal_text(problem.code, problem.params)
    column = ltr(problem.column) if problem.column else ""
    if problem.row and column:
        return _(
            "Row %(row)d, column %(column)s: %(text)s", row=problem.row, column=column, text=text
        )
    if problem.row:
        return _("Row %(row)d: %(text)s", row=problem.row, text=text)
    if column:
        return _("Column %(column)s: %(text)s", column=column, text=text)
    return text


# ----- callbacks ---------------------------------------------------------------------------------


@guarded_callback(
    Output(SET_RESULT, "children"),
    Output(LINES, "children", allow_duplicate=True),
    Input(SET, "n_clicks"),
    State(TARGET, "value"),
    State(ENTITY, "value"),
    State(YEAR, "value"),
    State(AMOUNT, "value"),
    State(REASON, "value"),
    State(STATE, "data"),
    action=Action.MANAGE_BUDGET,
    prevent_initial_call=True,
)
def set_one(actor: Actor, _clicks, target, entity, year, amount, reason, state):
    """Set the allocation the form describes; the lines show it at once."""
    try:
        with store_of(current_app).transaction() as db:
            line = set_allocation(
                db,
                actor,
                target=_text(target),
                entity=_text(entity),
                year=_text(year),
                amount=_text(amount),
                reason=_text(reason),
            )
            code, allocated = line.code, line.allocated_baisa
    except BudgetRefused as refused:
        return notice(refusal_text(refused.code, refused.params), "error"), dash.no_update
    done = _(
        "The allocation of line %(code)s is now %(amount)s.",
        code=ltr(code),
        amount=money(allocated),
    )
    return notice(done, "success"), _refreshed(actor, state)


@guarded_callback(
    Output(FILE_NAME, "children"),
    Input(UPLOAD, "filename"),
    action=Action.MANAGE_BUDGET,
    prevent_initial_call=True,
)
def show_file_name(_actor: Actor, name):
    return ltr(name) if isinstance(name, str) and name else _("No file chosen")


@guarded_callback(
    Output(IMPORT_RESULT, "children"),
    Output(LINES, "children", allow_duplicate=True),
    Input(IMPORT, "n_clicks"),
    State(UPLOAD, "contents"),
    State(UPLOAD, "filename"),
    State(STATE, "data"),
    action=Action.MANAGE_BUDGET,
    prevent_initial_call=True,
)
def import_sheet(actor: Actor, _clicks, contents, filename, state):
    content = _content(contents)
    if content is None:
        return notice(_("Choose the sheet first."), "error"), dash.no_update
    name = _text(filename) or "allocations.csv"
    try:
        with store_of(current_app).transaction() as db:
            result = import_allocations(db, actor, content, name)
    except ImportRefused as refused:
        return _problems(refused.problems), dash.no_update
    return _imported(result), _refreshed(actor, state)


def _problems(problems: list[ImportProblem]) -> html.Div:
    return html.Div(
        [
            html.H3(_("The sheet cannot be imported")),
            html.P(_("Nothing was written. Correct these and send the sheet again:")),
            html.Ul([html.Li(problem_text(p)) for p in problems], id="budget-problems"),
        ],
        className="alert alert-error",
        role="alert",
    )


def _imported(result: ImportResult) -> html.Div:
    rows = [
        [
            ltr(line.code),
            money_cell(line.before) if line.before is not None else _("new line"),
            money_cell(line.after),
        ]
        for line in result.lines
    ]
    return html.Div(
        [
            notice(
                _(
                    "%(file)s imported: %(rows)d lines, %(changed)d of them changed.",
                    file=ltr(result.file),
                    rows=len(result.lines),
                    changed=result.changed,
                ),
                "success",
            ),
            table(
                [_("Line"), _("Before"), _("Now")],
                rows,
                _("The lines the sheet set"),
                table_id="budget-imported",
                row_headers=True,
            ),
        ]
    )


def _refreshed(actor: Actor, state) -> html.Div:
    state = state if isinstance(state, dict) else {}
    cycle = state.get("cycle") if isinstance(state.get("cycle"), str) else None
    year = state.get("year") if isinstance(state.get("year"), int) else None
    with store_of(current_app).session() as db:
        lines = allocation_lines(db, actor, cycle)
    return _lines_view(lines, year)


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _content(contents) -> bytes | None:
    """The uploaded file's bytes from dcc.Upload's data address."""
    if not isinstance(contents, str) or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None
