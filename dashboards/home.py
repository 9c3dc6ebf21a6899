"""Overview `/`: per track the KPIs in each status and their national picture, what changed since
the quarter before, and the entities furthest behind."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    PageIds,
    Programme,
    address,
    allowed,
    analytics_page,
    from_params,
    page_scope,
    params,
    programme,
)
from dashboards._components import table
from dashboards._kpi_table import kpi_table
from dashboards._text import kpi_status, localized, ltr
from kpis.formatting import format_figure
from kpis.status import SEVERITY, STATUSES
from services.actors import Action, Actor, Role

OVERVIEW = PageIds("overview-form", "overview-params", "overview-content")
BEHIND = 5

dash.register_page(__name__, path="/", title=lambda: _("Programme overview"), name="Overview")


@page_layout("/")
def layout(period: str | None = None, unapproved: str | None = None, **_kwargs):
    scope, choices = page_scope(period, unapproved)
    return analytics_page(OVERVIEW, _("Programme overview"), scope, choices, params(scope))


@guarded_callback(
    Output(OVERVIEW.content, "children"),
    Input(OVERVIEW.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(actor: Actor, data):
    allowed("/")
    return overview(programme(from_params(data)), actor)


def overview(prog: Programme, actor: Actor) -> list:
    query = address(prog.scope)
    sections = [track_section(prog, track, query) for track in _tracks(prog)]
    parts = [*sections, changes(prog, query)]
    if actor.role is not Role.ENTITY:
        parts.append(furthest_behind(prog, query))
    return parts


def _tracks(prog: Programme) -> list[str]:
    return list(dict.fromkeys(s.track for s in prog.specs))


def track_section(prog: Programme, track: str, query: str) -> html.Section:
    pictures = [prog.national[s.code] for s in prog.specs if s.track == track]
    heading = f"overview-track-{track}"
    counts = {s: sum(1 for p in pictures if p.status == s) for s in STATUSES}
    return html.Section(
        [
            html.H2(
                dcc.Link(_("Track %(code)s", code=track), href=f"/track/{track}{query}"), id=heading
            ),
            html.Ul(
                [
                    html.Li([kpi_status(s), f" {counts[s]}"])
                    for s in sorted(STATUSES, key=SEVERITY.get)
                    if counts[s]
                ],
                className="status-counts",
                **{"aria-label": _("KPIs by status")},
            ),
            kpi_table(pictures, _("Headline indicators of track %(code)s", code=track), query),
        ],
        className="card track",
        **{"aria-labelledby": heading},
    )


def changes(prog: Programme, query: str) -> html.Section:
    """Each KPI's national figure in its last two periods, over the same entities (those that
    reported in both: kpis.changes), saying how many were compared."""
    rows = []
    for spec in prog.specs:
        change = prog.changes.get(spec.code)
        if change is None or abs(change.delta) < 0.05:  # unchanged at one decimal
            continue
        rows.append(
            [
                dcc.Link(f"{spec.code} {localized(spec, 'name')}", href=f"/kpi/{spec.code}{query}"),
                f"{ltr(change.from_period.code)}: {format_figure(change.before, spec.unit)}",
                f"{ltr(change.to_period.code)}: {format_figure(change.now, spec.unit)}",
                _change_text(change.delta, spec),
                _compared_text(change, spec),
            ]
        )
    body = (
        table(
            [_("Indicator"), _("Before"), _("Now"), _("Change"), _("Compared over")],
            rows,
            _("Changes since the previous period, over the entities reported in both"),
            row_headers=True,
        )
        if rows
        else html.P(_("No national figure changed since the previous period."))
    )
    return html.Section([html.H2(_("What changed")), body], className="card")


def _compared_text(change, spec) -> str:
    if spec.scope == "national":
        return _("The national figure reported in both periods")
    if change.from_period.quarter:
        return _(
            "Compared over %(count)d entities reported in both quarters",
            count=change.entities_compared,
        )
    return _(
        "Compared over %(count)d entities reported in both years", count=change.entities_compared
    )


def _change_text(delta: float, spec) -> str:
    improved = delta < 0 if spec.lower_is_better else delta > 0
    if spec.unit in ("percent", "milestone"):
        size = _("%(value)s points", value=f"{abs(delta):.1f}")
    else:
        size = format_figure(abs(delta), spec.unit)
    return ("▲ " if improved else "▼ ") + (
        _("better by %(size)s", size=size) if improved else _("worse by %(size)s", size=size)
    )


def unscored_text(prog: Programme) -> str:
    """Ranks count only entities with a score: say how many, and how many have none."""
    return _(
        "Ranked among the %(ranked)d entities with a score; %(unscored)d have no score yet.",
        ranked=prog.ranked_among,
        unscored=prog.unscored,
    )


def furthest_behind(prog: Programme, query: str) -> html.Section:
    scores = prog.scores
    rank = prog.ranks
    scored = sorted((s, e) for e, s in scores.items() if s is not None)[:BEHIND]
    rows = [
        [
            dcc.Link(
                localized(prog.entity_names[e], "name") if e in prog.entity_names else e,
                href=f"/entity/{e}{query}",
            ),
            f"{score:.1f}",
            _("%(rank)s of %(count)d", rank=rank.get(e, "—"), count=prog.ranked_among),
        ]
        for score, e in scored
    ]
    return html.Section(
        [
            html.H2(_("Entities furthest behind")),
            html.P(
                _("Score: average progress to target over an entity's KPIs with a target, 0-100."),
                className="muted",
            ),
            html.P(unscored_text(prog), className="muted"),
            table(
                [_("Entity"), _("Score"), _("Rank")],
                rows,
                _("The %(n)d lowest scores", n=len(rows)),
                row_headers=True,
            ),
        ],
        className="card",
    )
