"""Procedures plan `/procedures`: the procedures simplified (T1.1's numerators) against the
2,869 of the plan, year by year and cumulatively, and each entity's count, share and own plan.
Every figure comes from services.procedures.procedures_picture."""

from __future__ import annotations

import dash
import plotly.graph_objects as go
from dash import Input, Output, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    PageIds,
    address,
    allowed,
    as_of_fields,
    from_params,
    page_scope,
    params,
    programme,
    scope_note,
    state,
)
from dashboards._charts import PALETTE, axis_titles, base_layout, chart_block
from dashboards._components import filter_form, select_field, table
from dashboards._text import localized, ltr, pick
from data.db import store_of
from kpis.formatting import format_figure, format_number
from services.actors import Action, Actor
from services.procedures import EntityProcedures, ProceduresPicture, procedures_picture

PROCEDURES = PageIds("procedures-form", "procedures-params", "procedures-content")
YEARS_CHART = "procedures-years"
CUMULATIVE_CHART = "procedures-cumulative"
SORTS = ("simplified", "behind", "share", "name")
TOP = 20  # entities listed unless all are asked for

dash.register_page(
    __name__, path="/procedures", title=lambda: _("Procedures plan"), name="Procedures"
)


@page_layout("/procedures")
def layout(period=None, unapproved=None, sort=None, show=None, **_kwargs):
    scope, choices = page_scope(period, unapproved)
    sort = sort if sort in SORTS else SORTS[0]
    show = "all" if show == "all" else "top"
    return html.Div(
        [
            html.H1(_("Procedures plan")),
            html.P(
                _(
                    "Government procedures simplified, counted by the numerator of indicator "
                    "T1.1 that every entity reports, against the programme's yearly plan."
                ),
                className="muted",
            ),
            filter_form(PROCEDURES.form, _fields(scope, choices, sort, show), _("Show")),
            scope_note(scope),
            dcc.Store(id=PROCEDURES.params, data=params(scope, sort=sort, show=show)),
            dcc.Loading(
                html.Div(id=PROCEDURES.content),
                type="dot",
                target_components={PROCEDURES.content: "children"},
            ),
        ]
    )


def _fields(scope, choices, sort: str, show: str) -> list:
    form = PROCEDURES.form
    fields = as_of_fields(form, scope, choices)
    sorts = {
        "simplified": _("Most simplified first"),
        "behind": _("Furthest behind own plan first"),
        "share": _("Largest share first"),
        "name": _("By name"),
    }
    fields.append(
        select_field(f"{form}-sort", "sort", _("Order entities"), list(sorts.items()), sort)
    )
    fields.append(
        select_field(
            f"{form}-show",
            "show",
            _("Entities listed"),
            [("top", _("First %(count)d", count=TOP)), ("all", _("All"))],
            show,
        )
    )
    return fields


def count(value: float | None) -> str:
    return format_number(value, 0) if value is not None else "—"


def percent(value: float | None) -> str:
    return format_figure(value, "percent") if value is not None else "—"


@guarded_callback(
    Output(PROCEDURES.content, "children"),
    Input(PROCEDURES.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(_actor: Actor, data):
    allowed("/procedures")
    scope = from_params(data)
    chosen = state(data)
    prog = programme(scope)
    with store_of(current_app).session() as db:
        picture = procedures_picture(db, prog)
    if not picture.kpi:
        return html.Section(html.P(_("This cycle has no procedures plan.")), className="card")
    return [
        headline(picture),
        years_section(picture),
        entities_section(
            picture, chosen.get("sort", "simplified"), chosen.get("show") == "all", address(scope)
        ),
    ]


def headline(picture: ProceduresPicture) -> html.Section:
    facts = [
        (_("Simplified to date"), count(picture.simplified)),
        (_("Planned to date"), count(picture.planned_to_date)),
        (_("The whole plan"), count(picture.total_planned)),
        (_("Share of the whole plan"), percent(picture.share_of_plan)),
    ]
    return html.Section(
        [
            html.H2(_("Against the plan in %(quarter)s", quarter=ltr(picture.as_of))),
            html.Dl(
                [part for label, value in facts for part in (html.Dt(label), html.Dd(value))],
                className="facts",
            ),
            html.P(
                _(
                    "The national count adds each entity's latest count up to the quarter. "
                    "Planned to date: the plan of the years before, and this year's plan in "
                    "equal quarters."
                ),
                className="muted",
            ),
        ],
        className="card",
    )


def _year_rows(picture: ProceduresPicture) -> list[list]:
    return [
        [
            _("%(year)s (to date)", year=y.year) if y.partial else str(y.year),
            count(y.planned),
            count(y.simplified),
            count(y.cumulative_planned),
            count(y.cumulative_simplified),
            percent(y.cumulative_share),
        ]
        for y in picture.years
    ]


def years_section(picture: ProceduresPicture) -> html.Section:
    years = [str(y.year) for y in picture.years]
    headers = [
        _("Year"),
        _("Planned in the year"),
        _("Simplified in the year"),
        _("Planned, cumulative"),
        _("Simplified, cumulative"),
        _("Share of the plan to date"),
    ]
    rows = _year_rows(picture)
    yearly = _bars(
        years,
        [y.planned for y in picture.years],
        [y.simplified for y in picture.years],
    )
    total = _bars(
        years,
        [y.cumulative_planned for y in picture.years],
        [y.cumulative_simplified for y in picture.years],
    )
    return html.Section(
        [
            html.H2(_("Year by year and cumulatively")),
            table(
                headers,
                rows,
                _("The plan and the procedures simplified, by year"),
                row_headers=True,
            ),
            chart_block(
                YEARS_CHART,
                yearly,
                _("Planned and simplified in each year"),
                _("For each year, the procedures planned and those simplified within it."),
                headers[:3],
                [r[:3] for r in rows],
            ),
            chart_block(
                CUMULATIVE_CHART,
                total,
                _("Planned and simplified, cumulative"),
                _(
                    "For each year, the procedures planned and those simplified by its end, "
                    "against the %(total)s of the whole plan.",
                    total=count(picture.total_planned),
                ),
                [headers[0], headers[3], headers[4]],
                [[r[0], r[3], r[4]] for r in rows],
            ),
        ],
        className="card charts",
    )


def _bars(years: list[str], planned: list, simplified: list) -> go.Figure:
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=years,
            y=planned,
            name=_("Planned"),
            marker={"color": PALETTE["path"], "pattern": {"shape": "/"}},
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=years,
            y=simplified,
            name=_("Simplified"),
            marker={"color": PALETTE["actual"]},
            text=[count(v) if v is not None else "" for v in simplified],
            textposition="outside",
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    figure.update_layout(barmode="group")
    figure.update_xaxes(type="category")
    axis_titles(figure, time_axis=_("Year"), value_axis=_("Procedures"), unit="count")
    return base_layout(figure)


def sorted_entities(rows, sort: str) -> list[EntityProcedures]:
    """The entities in the order asked for; those without a figure last."""
    keys = {
        "simplified": lambda r: (r.simplified is None, -(r.simplified or 0), r.code),
        "behind": lambda r: (r.gap is None, r.gap or 0, r.code),
        "share": lambda r: (r.share is None, -(r.share or 0), r.code),
        "name": lambda r: (pick(r.name_en, r.name_ar), r.code),
    }
    return sorted(rows, key=keys.get(sort, keys["simplified"]))


def entities_section(
    picture: ProceduresPicture, sort: str, everyone: bool, query: str
) -> html.Section:
    rows = sorted_entities(picture.entities, sort)
    listed = rows if everyone else rows[:TOP]
    last_year = max(picture.years, key=lambda y: y.year).year if picture.years else None
    body = [
        [
            dcc.Link(localized(r, "name"), href=f"/entity/{r.code}{query}"),
            count(r.simplified),
            count(r.targeted),
            _period_cell(r),
            percent(r.share),
            count(r.planned_to_date),
            _signed(r.gap),
            count(r.own_plan.get(last_year)) if last_year else "—",
            percent(r.own_target),
        ]
        for r in listed
    ]
    caption = (
        _("%(count)d entities", count=len(rows))
        if everyone or len(rows) <= TOP
        else _("The first %(shown)d of %(count)d entities", shown=len(listed), count=len(rows))
    )
    return html.Section(
        [
            html.H2(_("Entities")),
            html.P(
                _(
                    "Each entity's own plan: its targeted procedures (T1.1's denominator) times "
                    "the indicator's cumulative share for the year, "
                    "scaled to its own target where the office set one."
                ),
                className="muted",
            ),
            table(
                [
                    _("Entity"),
                    _("Simplified to date"),
                    _("Targeted"),
                    _("Quarter of the figure"),
                    _("Share of the national count"),
                    _("Own plan to date"),
                    _("Ahead (+) or behind (−)"),
                    _("Own plan %(year)s", year=last_year or ""),
                    _("Own target"),
                ],
                body,
                caption,
                row_headers=True,
            ),
        ],
        className="card",
    )


def _period_cell(row: EntityProcedures):
    if not row.period:
        return "—"
    quarter = html.Span(ltr(row.period), className="nowrap")
    return quarter if row.approved else [quarter, " · ", _("awaiting review")]


def _signed(value: float | None) -> str:
    if value is None:
        return "—"
    text = count(abs(value))
    # isolated left to right: in Arabic text the sign would otherwise follow the number
    return ltr(f"+{text}") if value > 0 else ltr(f"−{text}") if value < 0 else text
