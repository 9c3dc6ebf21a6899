"""Small building blocks shared by the pages: tables, fields and notices."""

from __future__ import annotations

from collections.abc import Sequence

from dash import dcc, html


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    caption: str,
    table_id: str | None = None,
    row_headers: bool = False,
    wide: bool = False,
) -> html.Div:
    """An accessible data table: a caption, column headers, and optionally row headers. It
    scrolls sideways inside its card (see `scroll_region`), never the page. `wide` is kept for
    the callers that still pass it: every table is such a region now."""
    del wide

    def cells(row):
        first, *rest = row
        head = html.Th(first, scope="row") if row_headers else html.Td(first)
        return [head, *(html.Td(c) for c in rest)]

    return scroll_region(
        html.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody([html.Tr(cells(r)) for r in rows]),
            ],
            className="table",
            id=table_id or "",
        ),
        caption,
    )


def scroll_region(content, label: str, extra_class: str = "") -> html.Div:
    """A box that scrolls sideways when its content is wider than the screen (a table on a
    phone), so that the page itself never does. The keyboard reaches it (tabindex 0: arrow keys
    scroll it) and a screen reader names it: axe-core's scrollable-region-focusable asks both."""
    return html.Div(
        content,
        className=f"table-wrap {extra_class}".strip(),
        tabIndex="0",
        role="region",
        **{"aria-label": label},
    )


def field(label: str, control, control_id: str, hint: str | None = None) -> html.Div:
    parts = [html.Label(label, htmlFor=control_id), control]
    if hint:
        parts.insert(1, html.Span(hint, className="hint"))
    return html.Div(parts, className="field")


def select_field(
    component_id: str, name: str, label: str, options: Sequence[tuple[str, str]], value: str | None
) -> html.Div:
    """A native <select> in a GET form: the choice goes into the address and can be shared."""
    control = html.Select(
        [html.Option(text, value=key, selected=key == value) for key, text in options],
        id=component_id,
        name=name,
    )
    return field(label, control, component_id)


def choice_options(choices: Sequence[tuple[str, str]]) -> list[html.Option]:
    """(value, label) pairs as a datalist's options (the label is shown beside the value)."""
    return [html.Option(value=value, label=label) for value, label in choices]


def choices_id(control_id: str) -> str:
    """The id of a `choice_input`'s suggestions, for a callback that changes them."""
    return f"{control_id}-choices"


def choice_input(
    control_id: str, choices: Sequence[tuple[str, str]], placeholder: str = ""
) -> html.Div:
    """A text box that suggests `choices`, (value, label) pairs, in a native datalist: chosen or
    typed, its `value` reaches the callbacks like a dropdown's. Dash's Dropdown injects inline
    styles, which the Content Security Policy refuses."""
    return html.Div(
        [
            dcc.Input(
                id=control_id,
                type="text",
                list=choices_id(control_id),
                placeholder=placeholder,
                autoComplete="off",
                className="choice-input",
            ),
            html.Datalist(choice_options(choices), id=choices_id(control_id)),
        ],
        className="choice",
    )


def filter_form(form_id: str, fields: Sequence, submit_label: str) -> html.Form:
    return html.Form(
        [*fields, html.Button(submit_label, type="submit", className="button primary")],
        method="get",
        id=form_id,
        className="filters",
    )


def notice(children, kind: str = "info") -> html.Div:
    return html.Div(children, className=f"alert alert-{kind}", role="status")
