"""The ministry × KPI grid of statuses: its controls (track, status, order) and its table. The
rows come from `services.overview.ministry_grid`; filtering and sorting are its rules too."""

from __future__ import annotations

from typing import NamedTuple

from dash import dcc, html
from flask_babel import gettext as _

from dashboards._components import scroll_region
from dashboards._pager import status_text, step_button
from dashboards._text import KPI_STATUS_ICONS, kpi_status, kpi_status_word, localized, ltr
from kpis.paging import NEXT, PREVIOUS, Window, paged, window
from kpis.status import ACHIEVED, AT_RISK, NO_TARGET, OFF_TRACK, ON_TRACK
from services.overview import (
    NOT_REPORTED,
    SORTS,
    GridRow,
    filter_grid,
    grid_columns,
    sort_grid,
    track_codes,
)
from services.programme import Programme

ALL = "all"
GRID_STATUSES = (OFF_TRACK, AT_RISK, ON_TRACK, ACHIEVED, NO_TARGET, NOT_REPORTED)
NOT_REPORTED_ICON = "○"


CHOICE = "overview-grid-choice"  # the type of the choice buttons' pattern-matching ids
STEP = "overview-grid-step"  # the type of the Previous and Next buttons' ids
STEPS = "overview-grid-steps"  # Previous, where the reader is, Next: kept while the table changes
STEPS_STATUS = "overview-grid-steps-status"
GRID = "overview-grid"  # the table the steps redraw
GROUPS = ("track", "status", "sort")
MOVES = {PREVIOUS: -1, NEXT: 1}


class GridIds(NamedTuple):
    state: str  # a store with the choice in force
    table: str


class GridChoice(NamedTuple):
    """What the reader chose, checked: anything a forged request sends falls back to all."""

    track: str = ALL
    status: str = ALL
    sort: str = "name"
    page: int = 1  # of the rows kept, a page at a time (kpis.paging)

    @classmethod
    def checked(cls, prog: Programme, track, status, sort, page=1) -> GridChoice:
        return cls(
            track if isinstance(track, str) and track in track_codes(prog) else ALL,
            status if isinstance(status, str) and status in GRID_STATUSES else ALL,
            sort if isinstance(sort, str) and sort in SORTS else "name",
            page if isinstance(page, int) and not isinstance(page, bool) and page > 0 else 1,
        )

    @classmethod
    def of(cls, prog: Programme, state, pressed) -> GridChoice:
        """The choice in force (`state`, as stored) changed by the button `pressed` (its id):
        a new track, status or order starts again at the first page; Previous and Next move a
        page (past the last, `grid_table` shows the last)."""
        chosen = dict(zip((*GROUPS, "page"), cls(), strict=True))
        if isinstance(state, dict):
            chosen.update({g: state[g] for g in GROUPS if isinstance(state.get(g), str)})
            chosen["page"] = state.get("page")
        if isinstance(pressed, dict) and pressed.get("group") in GROUPS:
            chosen[pressed["group"]] = pressed.get("value")
            chosen["page"] = 1
        choice = cls.checked(prog, *(chosen[g] for g in (*GROUPS, "page")))
        if isinstance(pressed, dict) and pressed.get("type") == STEP:
            step = MOVES.get(pressed.get("value"), 0)
            choice = choice._replace(page=max(1, choice.page + step))
        return choice

    def pressed(self, button_id) -> str:
        """`aria-pressed` of a choice button: whether its value is the one in force."""
        if not isinstance(button_id, dict) or button_id.get("group") not in GROUPS:
            return "false"
        return "true" if getattr(self, button_id["group"]) == button_id.get("value") else "false"


def _choices(group: str, legend: str, options: list[tuple[str, str]], value: str):
    """A group of toggle buttons in a fieldset with its legend: native buttons that say whether
    they are pressed (keyboards and screen readers know them)."""
    return html.Fieldset(
        [
            html.Legend(legend),
            html.Div(
                [
                    html.Button(
                        text,
                        id={"type": CHOICE, "group": group, "value": key},
                        n_clicks=0,
                        type="button",
                        className="grid-choice",
                        **{
                            "aria-pressed": "true" if key == value else "false",
                            "data-group": group,
                            "data-value": key,
                        },
                    )
                    for key, text in options
                ],
                className="grid-choices",
            ),
        ],
        className="grid-control",
    )


def status_option(status: str) -> str:
    if status == NOT_REPORTED:
        return f"{NOT_REPORTED_ICON} {_('Not reported')}"
    return f"{KPI_STATUS_ICONS.get(status, '')} {kpi_status_word(status)}"


def grid_controls(ids: GridIds, prog: Programme, choice: GridChoice) -> html.Div:
    tracks = [(ALL, _("All tracks"))] + [
        (code, f"{code} · {localized(prog.track_names[code], 'name')}")
        if code in prog.track_names
        else (code, code)
        for code in track_codes(prog)
        if grid_columns(prog, code)
    ]
    statuses = [(ALL, _("Any status"))] + [(s, status_option(s)) for s in GRID_STATUSES]
    sorts = [
        ("name", _("Ministry name")),
        ("score", _("Score, lowest first")),
        ("off_track", _("Most KPIs off track first")),
    ]
    return html.Div(
        [
            _choices("track", _("Track"), tracks, choice.track),
            _choices("status", _("Ministries with a KPI"), statuses, choice.status),
            _choices("sort", _("Order"), sorts, choice.sort),
            dcc.Store(id=ids.state, data=choice._asdict()),
        ],
        className="grid-controls",
    )


def not_reported() -> html.Span:
    return html.Span(
        [html.Span(NOT_REPORTED_ICON, **{"aria-hidden": "true"}), " ", _("Not reported")],
        className="status status-not-reported",
    )


def grid_cell(row: GridRow, kpi: str, chips: dict[str | None, html.Span]) -> html.Td:
    """A cell: its status chip (`chips`: one per status, made once per grid and drawn in
    every cell of that status; a page of 50 rows has 750 cells)."""
    if kpi not in row.cells:
        return html.Td(_("Not assigned"), className="muted grid-cell")
    status = row.cells[kpi]
    if status not in chips:
        chips[status] = not_reported() if status is None else kpi_status(status)
    return html.Td(chips[status], className="grid-cell")


def kpi_header(spec, query: str) -> html.Th:
    """A column header: the KPI's code, linked to its page, its name in the abbreviation's title
    and, for screen readers, in words."""
    name = localized(spec, "name")
    return html.Th(
        dcc.Link(
            [
                html.Abbr(ltr(spec.code), title=name, className="code"),
                html.Span(f" {name}", className="sr-only"),
            ],
            href=f"/kpi/{spec.code}{query}",
        ),
        scope="col",
    )


def rank_text(row: GridRow, prog: Programme) -> str:
    if row.rank is None:
        return _("No score yet")
    return _("%(rank)s of %(count)d", rank=row.rank, count=prog.ranked_among)


def _caption(choice: GridChoice, shown: int, total: int) -> str:
    order = {
        "name": _("by ministry name"),
        "score": _("lowest score first"),
        "off_track": _("most KPIs off track first"),
    }[choice.sort]
    return _(
        "Status of each ministry's own figures by KPI: %(shown)d of %(total)d ministries, "
        "%(order)s",
        shown=shown,
        total=total,
        order=order,
    )


def grid_table(
    prog: Programme, rows: list[GridRow], choice: GridChoice, query: str
) -> tuple[html.Div, GridChoice, Window | None]:
    """The grid for `choice`, a page of rows at a time when they do not fit on one, scrolling
    inside its card (a focusable region: keyboards scroll it too); with the choice in force
    (a page past the last is the last) and the page shown (None when nothing is)."""
    specs = grid_columns(prog, None if choice.track == ALL else choice.track)
    kpis = [s.code for s in specs]
    kept = filter_grid(rows, kpis, None if choice.status == ALL else choice.status)
    kept = sort_grid(kept, choice.sort, kpis, name=lambda r: localized(r, "name"))
    if not kept:
        empty = html.P(_("No ministry has a KPI in this status."), role="status")
        return html.Div(empty, className="grid-empty"), choice._replace(page=1), None
    shown = window(len(kept), choice.page)
    choice = choice._replace(page=shown.page)
    head = [
        html.Th(_("Ministry"), scope="col"),
        html.Th(_("Score"), scope="col"),
        html.Th(_("Rank"), scope="col"),
        html.Th(_("KPIs off track"), scope="col"),
        *[kpi_header(s, query) for s in specs],
    ]
    chips: dict[str | None, html.Span] = {}
    body = [_grid_row(r, prog, kpis, query, chips) for r in shown.rows(kept)]
    table_ = scroll_region(
        html.Table(
            [
                html.Caption(_caption(choice, len(kept), len(rows))),
                html.Thead(html.Tr(head)),
                html.Tbody(body),
            ],
            className="table grid",
        ),
        _("Ministries by KPI"),
        extra_class="grid-wrap",
    )
    return table_, choice, shown


def _grid_row(r: GridRow, prog: Programme, kpis: list[str], query: str, chips: dict) -> html.Tr:
    return html.Tr(
        [
            html.Th(
                dcc.Link(localized(r, "name"), href=f"/entity/{r.entity_code}{query}"),
                scope="row",
            ),
            html.Td("—" if r.score is None else f"{r.score:.1f}", className="num"),
            html.Td(rank_text(r, prog), className="num"),
            html.Td(str(r.count(OFF_TRACK, kpis)), className="num"),
            *[grid_cell(r, k, chips) for k in kpis],
        ]
    )


def grid_steps(shown: Window | None) -> html.Nav:
    """Previous, "Rows 51–100 of 1,120 (page 2 of 23)" (said as it changes) and Next, outside
    the table the callback redraws, so that the keyboard stays on the button pressed; hidden
    while the rows fit on one page."""
    status, hidden, previous, following = step_state(shown)
    previous, following = previous == "false", following == "false"  # enabled
    return html.Nav(
        [
            step_button(
                {"type": STEP, "value": PREVIOUS}, _("Previous"), _("Previous page"), GRID, previous
            ),
            html.P(
                status,
                id=STEPS_STATUS,
                className="pager-status",
                role="status",
                **{"aria-live": "polite", "aria-atomic": "true"},
            ),
            step_button({"type": STEP, "value": NEXT}, _("Next"), _("Next page"), GRID, following),
        ],
        id=STEPS,
        hidden=hidden,
        className="pager list-pager",
        **{"aria-label": _("Pages of the ministries by KPI")},
    )


def step_state(shown: Window | None) -> tuple[str, bool, str, str]:
    """The steps' status text, whether they are hidden, and Previous's and Next's
    `aria-disabled`."""
    if shown is None or not paged(shown.total):
        return "", True, "true", "true"
    return (
        status_text(shown, shown.total),
        False,
        "false" if shown.has_previous else "true",
        "false" if shown.has_next else "true",
    )
