"""International context `/international`: Oman's standing in the international indices."""

from __future__ import annotations

import dash
from dash import html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import page_layout
from dashboards._components import table
from dashboards._text import invalid_word, localized
from data import analytics as queries
from data.db import store_of
from kpis.formatting import format_number
from kpis.values import is_invalid

dash.register_page(
    __name__, path="/international", title=lambda: _("International context"), name="International"
)


@page_layout("/international")
def layout(**_kwargs):
    with store_of(current_app).session() as db:
        indices = queries.international(db)
    rows = [
        [
            localized(i, "name"),
            invalid_word()
            if is_invalid(i.value)
            else _("Rank %(value)s", value=format_number(i.value, 0))
            if i.measure == "rank"
            else _("Score %(value)s", value=format_number(i.value, 2)),
            i.year,
            _("Lower is better") if i.direction == "decrease" else _("Higher is better"),
        ]
        for i in indices
    ]
    return html.Div(
        [
            html.H1(_("International context")),
            html.P(
                _(
                    "Oman's latest standing in the international indices the programme follows, "
                    "as recorded in the programme documents."
                ),
                className="muted",
            ),
            html.Section(
                table(
                    [_("Index"), _("Oman's standing"), _("Year"), _("Reading")],
                    rows,
                    _("%(count)d international indices", count=len(rows)),
                    row_headers=True,
                ),
                className="card",
            ),
        ]
    )
