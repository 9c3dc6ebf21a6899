"""A long list a page at a time, paged and filtered on the server (issue 17): a search by name
or code, a choice of which rows to show, Previous and Next, and "Rows 51–100 of 1,120" said
to screen readers as it changes. The rules (page size, what a search keeps, where a click
leads) are `kpis.paging`'s; a page registers one guarded callback per list, which answers
with one page of rows.

Up to a page of rows in all, a list is drawn as it always was: no search, no pager."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import dash
from dash import ALL, Input, Output, State, dcc, html
from flask_babel import gettext as _

from kpis.formatting import format_number
from kpis.paging import ALL as SHOW_ALL
from kpis.paging import NEXT, PREVIOUS, Choice, Window, matches, window


class PagerIds(NamedTuple):
    """A paged list's component ids, all starting with its page's prefix."""

    prefix: str

    @property
    def query(self) -> str:
        return f"{self.prefix}-query"

    @property
    def show(self) -> str:  # the type of the row choice buttons' pattern-matching ids
        return f"{self.prefix}-show"

    @property
    def previous(self) -> str:
        return f"{self.prefix}-previous"

    @property
    def next(self) -> str:
        return f"{self.prefix}-next"

    @property
    def state(self) -> str:
        return f"{self.prefix}-state"

    @property
    def status(self) -> str:
        return f"{self.prefix}-status"

    @property
    def body(self) -> str:
        return f"{self.prefix}-body"

    def show_button(self, value: str) -> dict:
        return {"type": self.show, "value": value}


class Row(NamedTuple):
    """One row of a paged list: what a search reads (code, names) and which `show` choices
    keep it, with the cells drawn for it."""

    texts: tuple[str, ...]
    kinds: frozenset[str]
    cells: Sequence[object]


def kept(rows: Sequence[Row], choice: Choice) -> list[Row]:
    """The rows the reader's search and choice of rows keep, in their order."""
    return [
        r
        for r in rows
        if (choice.show == SHOW_ALL or choice.show in r.kinds) and matches(choice.query, r.texts)
    ]


def dependencies(ids: PagerIds, params_id: str) -> list:
    """A paged list's callback: one page of rows, the status, the choice in force, each row
    choice's `aria-pressed` and whether Previous and Next lead anywhere."""
    return [
        Output(ids.body, "children"),
        Output(ids.status, "children"),
        Output(ids.state, "data"),
        Output({"type": ids.show, "value": ALL}, "aria-pressed"),
        Output(ids.previous, "aria-disabled"),
        Output(ids.next, "aria-disabled"),
        Input(ids.query, "value"),
        Input({"type": ids.show, "value": ALL}, "n_clicks"),
        Input(ids.previous, "n_clicks"),
        Input(ids.next, "n_clicks"),
        State(ids.state, "data"),
        State(params_id, "data"),
    ]


def answer(
    ids: PagerIds,
    stored,
    query,
    shows: Sequence[str],
    rows: Sequence[Row],
    draw: Callable[[list[Row], Window], object],
) -> tuple:
    """The callback's answer to what the reader did (`dash.ctx` says which control)."""
    pressed = dash.ctx.triggered_id
    show = pressed.get("value") if isinstance(pressed, dict) else None
    step = (
        {ids.previous: PREVIOUS, ids.next: NEXT}.get(pressed) if isinstance(pressed, str) else None
    )
    choice = Choice.of(stored, shows).after(step, query, show, shows)
    found = kept(rows, choice)
    shown = window(len(found), choice.page)
    choice = Choice(shown.page, choice.query, choice.show)  # past the end: the last page
    buttons = [output["id"] for output in dash.ctx.outputs_list[3]]
    return (
        draw(shown.rows(found), shown),
        status_text(shown, len(rows)),
        choice.asdict(),
        ["true" if b.get("value") == choice.show else "false" for b in buttons],
        "false" if shown.has_previous else "true",
        "false" if shown.has_next else "true",
    )


def status_text(shown: Window, everything: int) -> str:
    """ "Rows 51–100 of 1,120 (page 2 of 23)", and of how many in all when a filter is on."""
    if shown.total == 0:
        return _("Nothing matches: change the search or show all rows.")
    numbers = {
        "first": format_number(shown.first, 0),
        "last": format_number(shown.last, 0),
        "total": format_number(shown.total, 0),
        "page": format_number(shown.page, 0),
        "pages": format_number(shown.pages, 0),
    }
    if shown.total < everything:
        return _(
            "Rows %(first)s–%(last)s of %(total)s found, among %(all)s (page %(page)s of "
            "%(pages)s)",
            all=format_number(everything, 0),
            **numbers,
        )
    return _("Rows %(first)s–%(last)s of %(total)s (page %(page)s of %(pages)s)", **numbers)


def pager(
    ids: PagerIds,
    rows: Sequence[Row],
    draw: Callable[[list[Row], Window], object],
    *,
    name: str,
    search_label: str,
    shows: Sequence[tuple[str, str]] = (),
) -> html.Div:
    """The list's first page with its controls. `name` names the list (the pager's landmark);
    `shows`: (value, label) of the row choices, the first being all rows."""
    choice = Choice()
    shown = window(len(rows), 1)
    filters = [
        html.Div(
            [
                html.Label(search_label, htmlFor=ids.query),
                html.Span(_("Name or code; press Enter to search."), className="hint"),
                dcc.Input(
                    id=ids.query,
                    type="search",
                    debounce=True,
                    autoComplete="off",
                    maxLength=100,
                    value="",
                ),
            ],
            className="field pager-search",
        )
    ]
    if shows:
        filters.append(_show_choices(ids, shows, choice.show))
    return html.Div(
        [
            html.Div(filters, className="pager-filters"),
            html.Div(draw(shown.rows(rows), shown), id=ids.body),
            html.Nav(
                [
                    step_button(ids.previous, _("Previous"), _("Previous page"), ids.body, False),
                    html.P(
                        status_text(shown, len(rows)),
                        id=ids.status,
                        className="pager-status",
                        role="status",
                        **{"aria-live": "polite", "aria-atomic": "true"},
                    ),
                    step_button(ids.next, _("Next"), _("Next page"), ids.body, shown.has_next),
                ],
                className="pager list-pager",
                **{"aria-label": _("Pages of %(list)s", list=name)},
            ),
            dcc.Store(id=ids.state, data=choice.asdict()),
        ],
        className="paged-list",
    )


def step_button(button_id: str, text: str, label: str, controls: str, enabled: bool):
    """Previous or Next: never `disabled` (a disabled button drops the keyboard's focus when
    the last page is reached); `aria-disabled` says it leads nowhere and the server ignores it."""
    return html.Button(
        text,
        id=button_id,
        type="button",
        className="button pager-step",
        n_clicks=0,
        **{
            "aria-label": label,
            "aria-controls": controls,
            "aria-disabled": "false" if enabled else "true",
        },
    )


def _show_choices(ids: PagerIds, shows: Sequence[tuple[str, str]], value: str) -> html.Fieldset:
    return html.Fieldset(
        [
            html.Legend(_("Rows to show")),
            html.Div(
                [
                    html.Button(
                        text,
                        id=ids.show_button(key),
                        n_clicks=0,
                        type="button",
                        className="pager-choice",
                        **{"aria-pressed": "true" if key == value else "false"},
                    )
                    for key, text in shows
                ],
                className="pager-choices",
            ),
        ],
        className="pager-show",
    )
