"""Small building blocks shared by the pages: tables, fields and notices."""

from __future__ import annotations

from collections.abc import Sequence

from dash import html


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    caption: str,
    table_id: str | None = None,
    row_headers: bool = False,
    wide: bool = False,
) -> html.Div:
    """An accessible data table: a caption, column headers, and optionally row headers. A `wide`
    table scrolls sideways in a region that the keyboard can reach."""

    def cells(row):
        first, *rest = row
        head = html.Th(first, scope="row") if row_headers else html.Td(first)
        return [head, *(html.Td(c) for c in rest)]

    return html.Div(
        html.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody([html.Tr(cells(r)) for r in rows]),
            ],
            className="table",
            id=table_id or "",
        ),
        className="table-wrap",
        **({"tabIndex": "0", "role": "region", "aria-label": caption} if wide else {}),
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


def filter_form(form_id: str, fields: Sequence, submit_label: str) -> html.Form:
    return html.Form(
        [*fields, html.Button(submit_label, type="submit", className="button primary")],
        method="get",
        id=form_id,
        className="filters",
    )


def notice(children, kind: str = "info") -> html.Div:
    return html.Div(children, className=f"alert alert-{kind}", role="status")
