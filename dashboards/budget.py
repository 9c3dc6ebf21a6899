"""Budget `/budget` (every role): the programme's money as of a quarter — allocated against the
cycle's budget (OMR 170 million for 2021-2025), committed, spent, burn, the plan to date and the
variance — per track (with a chart and its table) and per initiative. Every figure comes from
services.budget.budget_picture, as on the overview, the track page, the report and the API."""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Input, Output, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import PageIds, allowed, analytics_page, from_params, page_scope, params
from dashboards._budget import (
    initiatives_table,
    money,
    money_cell,
    totals_list,
    tracks_table,
)
from dashboards._charts import PALETTE, base_layout, chart_block, wrap_label
from dashboards._text import ltr, pick
from data.db import store_of
from kpis.budget import BAISA_PER_OMR
from services.actors import Action, Actor
from services.budget import BudgetPicture, budget_picture
from web.i18n import language

PATH = "/budget"
BUDGET = PageIds("budget-form", "budget-params", "budget-content")

dash.register_page(__name__, path=PATH, title=lambda: _("Budget"), name="Budget")


@page_layout(PATH)
def layout(period: str | None = None, unapproved: str | None = None, **_kwargs):
    scope, choices = page_scope(period, unapproved)
    intro = [
        html.P(
            _(
                "The programme's allocations per track, initiative and entity, and what the "
                "entities report committed and spent each quarter, to date within each year. "
                "Planned spend to date: the allocations of past years and the elapsed quarters' "
                "share of this year's. Amounts in Omani rials (OMR), to the baisa."
            ),
            className="muted",
        )
    ]
    return analytics_page(BUDGET, _("Budget"), scope, choices, params(scope), intro)


@guarded_callback(
    Output(BUDGET.content, "children"),
    Input(BUDGET.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(actor: Actor, data):
    allowed(PATH)
    scope = from_params(data)
    with store_of(current_app).session() as db:
        picture = budget_picture(db, scope)
    if picture.cycle is None:
        return html.P(_("No programme cycle is recorded yet."))
    return [
        _summary(picture),
        _by_track(picture),
        html.Section(
            [
                html.H2(_("By initiative")),
                html.P(
                    _(
                        "Lines allocated to an initiative are reported by its lead entity. "
                        "An initiative without a line shows nothing allocated."
                    ),
                    className="muted",
                ),
                initiatives_table(picture.initiatives, picture.as_of),
            ],
            className="card",
            id="budget-by-initiative",
        ),
    ]


def _summary(picture: BudgetPicture) -> html.Section:
    cycle = picture.cycle
    notes = [
        html.P(
            _(
                "A line not reported counts as not reported, never as nothing spent: the "
                "variance compares spending with the plan of the lines that reported. A "
                "track's reserve is kept by the office and never reported."
            ),
            className="muted",
        )
    ]
    if picture.awaiting_approval:
        notes.append(
            html.P(
                _(
                    "%(count)d lines show figures awaiting approval.",
                    count=picture.awaiting_approval,
                ),
                className="muted",
            )
        )
    return html.Section(
        [
            html.H2(_("The programme, %(cycle)s", cycle=ltr(cycle.code))),
            totals_list(picture.programme, picture.budget_baisa),
            *notes,
        ],
        className="card",
        id="budget-summary",
    )


def _by_track(picture: BudgetPicture) -> html.Section:
    return html.Section(
        [
            html.H2(_("By track")),
            _track_chart(picture),
            tracks_table(picture),
        ],
        className="card",
        id="budget-by-track",
    )


def _track_chart(picture: BudgetPicture) -> html.Figure:
    """Allocated, committed and spent per track, in OMR millions (the table beside it, to the
    baisa)."""
    names = [wrap_label(f"{t.code} {pick(t.name_en, t.name_ar)}", 24) for t in picture.tracks]
    series = [
        (_("Allocated"), "path", [t.totals.allocated for t in picture.tracks]),
        (_("Committed"), "actual", [t.totals.committed or 0 for t in picture.tracks]),
        (_("Spent"), "target", [t.totals.spent or 0 for t in picture.tracks]),
    ]
    figure = go.Figure(
        [
            go.Bar(
                name=label,
                y=names,
                x=[v / BAISA_PER_OMR / 1_000_000 for v in values],
                orientation="h",
                marker={"color": PALETTE[colour]},
                text=[money(v, 0) for v in values],
                hoverinfo="name+text",
                textposition="none",
            )
            for label, colour, values in series
        ]
    )
    base_layout(figure, horizontal=True)
    figure.update_layout(barmode="group", height=max(320, 110 * len(names)))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title={"text": _("OMR million"), "standoff": 10})
    if language() == "ar":  # room for the track names beside the bars (see base_layout)
        longest = max((len(line) for name in names for line in name.split("<br>")), default=0)
        figure.update_layout(margin={"r": min(220, 7 * longest + 24)})
    rows = [
        [
            f"{ltr(t.code)} {pick(t.name_en, t.name_ar)}",
            money_cell(t.totals.allocated),
            money_cell(t.totals.committed),
            money_cell(t.totals.spent),
        ]
        for t in picture.tracks
    ]
    return chart_block(
        "budget-track-chart",
        figure,
        _("Allocated, committed and spent by track"),
        _(
            "For each track, three bars in OMR million: allocated over the whole cycle, "
            "committed and spent to date (as of %(period)s).",
            period=ltr(picture.as_of),
        ),
        [_("Track"), _("Allocated"), _("Committed"), _("Spent")],
        rows,
    )
