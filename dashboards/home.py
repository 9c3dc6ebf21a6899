"""Overview `/`: the programme at a glance for the committee, the office and entity teams: the
headline per track and for the programme, what it would take to bring each KPI off its path back
to its target, the ministry × KPI grid, the ministries furthest behind, what changed, and each
track's KPIs. The numbers come from `services.overview` (the committee report draws the same)."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, guarded_callback, page_layout
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
from dashboards._budget import money, pace_label, variance_text
from dashboards._components import scroll_region, table
from dashboards._grid import (
    CHOICE,
    STEP,
    STEPS,
    STEPS_STATUS,
    GridChoice,
    GridIds,
    grid_controls,
    grid_steps,
    grid_table,
    step_state,
)
from dashboards._initiatives import initiative_status, overdue_mark
from dashboards._kpi_table import kpi_table
from dashboards._notices import notices_region
from dashboards._text import kpi_status, localized, ltr, percent, target_text
from data.db import store_of
from data.deadlines import quarter_deadline
from kpis.formatting import format_figure, format_number
from kpis.initiatives import STATUSES as INITIATIVE_STATUSES
from kpis.paging import NEXT, PREVIOUS
from kpis.periods import parse_period
from kpis.status import SEVERITY, STATUSES
from services.actors import Action, Actor, entity_scope, may
from services.overview import (
    Headline,
    Need,
    TrackHeadline,
    WholeProgramme,
    headline,
    ministry_grid,
    programme_completeness,
    track_codes,
    what_it_would_take,
    whole_programme,
)

OVERVIEW = PageIds("overview-form", "overview-params", "overview-content")
GRID = GridIds("overview-grid-choice-state", "overview-grid")
BEHIND = 5

dash.register_page(__name__, path="/", title=lambda: _("Programme overview"), name="Overview")


@page_layout("/")
def layout(period: str | None = None, unapproved: str | None = None, **_kwargs):
    scope, choices = page_scope(period, unapproved)
    arrival = [notices_region(current_actor())]  # returned files, the queue, late entities
    return analytics_page(
        OVERVIEW, _("Programme overview"), scope, choices, params(scope), intro=arrival
    )


@guarded_callback(
    Output(OVERVIEW.content, "children"),
    Input(OVERVIEW.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(actor: Actor, data):
    allowed("/")
    return overview(programme(from_params(data)), actor)


@guarded_callback(
    Output(GRID.table, "children"),
    Output(GRID.state, "data"),
    Output({"type": CHOICE, "group": ALL, "value": ALL}, "aria-pressed"),
    Output(STEPS_STATUS, "children"),
    Output(STEPS, "hidden"),
    Output({"type": STEP, "value": PREVIOUS}, "aria-disabled"),
    Output({"type": STEP, "value": NEXT}, "aria-disabled"),
    Input({"type": CHOICE, "group": ALL, "value": ALL}, "n_clicks"),
    Input({"type": STEP, "value": ALL}, "n_clicks"),
    State(GRID.state, "data"),
    State(OVERVIEW.params, "data"),
    action=Action.VIEW_PROGRAMME,
    prevent_initial_call=True,
)
def regrid(actor: Actor, _clicks, _steps, chosen, data):
    """The grid as the reader chose: the button pressed changes the choice in force."""
    allowed("/")
    buttons = [output["id"] for output in dash.ctx.outputs_list[2]]
    return update_grid(actor, data, chosen, dash.ctx.triggered_id, buttons)


def update_grid(actor: Actor, data, chosen, pressed, buttons: list) -> tuple:
    """The grid's table, the choice now in force, each button's `aria-pressed` (a forged
    choice falls back to the whole grid) and the steps' status and state (`step_state`)."""
    prog = programme(from_params(data))
    choice = GridChoice.of(prog, chosen, pressed)
    rows = ministry_grid(prog, actor)
    table_, choice, shown = grid_table(prog, rows, choice, address(prog.scope))
    return table_, choice._asdict(), [choice.pressed(b) for b in buttons], *step_state(shown)


def overview(prog: Programme, actor: Actor) -> list:
    query = address(prog.scope)
    own = entity_scope(actor, None, Action.VIEW_PROGRAMME)  # an entity team's own; None: all
    with store_of(current_app).session() as db:
        received = programme_completeness(db, prog, own)
        whole = whole_programme(db, prog)
    parts = [
        headline_section(prog, headline(prog, received), own is not None, query),
        whole_section(whole, query),
        needs_section(prog, what_it_would_take(prog, actor), actor, query),
        grid_section(prog, actor, query),
    ]
    if own is None:  # ministries' scores side by side: not for an entity team
        parts.append(furthest_behind(prog, query))
    parts.append(changes(prog, query))
    parts.extend(track_section(prog, track, query) for track in _tracks(prog))
    return parts


def _tracks(prog: Programme) -> list[str]:
    return [t for t in track_codes(prog) if any(s.track == t for s in prog.specs)]


def track_title(prog: Programme, code: str) -> str:
    """`T1 · Excellence in digital services` (the code alone where the store names none)."""
    row = prog.track_names.get(code)
    return f"{code} · {localized(row, 'name')}" if row else code


# ---------------------------------------------------------------------------------------------
# Headline


def status_items(counts: dict[str, int]) -> list:
    return [
        html.Li([kpi_status(s), f" {counts[s]}"])
        for s in sorted(STATUSES, key=SEVERITY.get)
        if counts.get(s)
    ]


def coverage_text(head: TrackHeadline) -> str:
    if not head.expected:
        return "—"
    return _(
        "%(reported)d of %(expected)d (%(share)s)",
        reported=head.reported,
        expected=head.expected,
        share=percent(head.coverage),
    )


def likely_text(head: TrackHeadline) -> str:
    if not head.forecastable:
        return _("No forecast")
    return _("%(likely)d of %(count)d", likely=head.likely, count=head.forecastable)


def completeness_text(prog: Programme, received: tuple[int, int]) -> str:
    got, due = received
    if not due:
        with store_of(current_app).session() as db:
            day = quarter_deadline(db, prog.scope.as_of).isoformat()
        return _("None due yet: the deadline is %(day)s", day=ltr(day))
    return _(
        "%(received)d of %(expected)d KPI figures due (%(share)s)",
        received=got,
        expected=due,
        share=percent(got / due),
    )


def headline_facts(prog: Programme, head: Headline, own_only: bool, query: str) -> html.Dl:
    whole = head.programme
    period = ltr(prog.scope.as_of.code)
    received_label = (
        _("Your entity's figures received for %(period)s (any status)", period=period)
        if own_only
        else _("Figures received for %(period)s (any status)", period=period)
    )
    facts = [
        (
            _("Indicators"),
            _("%(count)d KPIs in %(tracks)d tracks", count=whole.kpis, tracks=len(head.tracks)),
        ),
        (_("Ministries' figures counted"), coverage_text(whole)),
        (
            _("Likely to meet the target"),
            _(
                "%(likely)d of the %(count)d KPIs with a forecast",
                likely=whole.likely,
                count=whole.forecastable,
            )
            if whole.forecastable
            else likely_text(whole),
        ),
    ]
    if head.completeness is not None:
        facts.append(
            (
                received_label,
                dcc.Link(completeness_text(prog, head.completeness), href=f"/completeness{query}"),
            )
        )
    return html.Dl(
        [part for term, value in facts for part in (html.Dt(term), html.Dd(value))],
        className="facts",
    )


def headline_table(prog: Programme, head: Headline, query: str) -> html.Div:
    shown = [s for s in sorted(STATUSES, key=SEVERITY.get) if head.programme.counts.get(s)]
    headers = [
        html.Th(_("Track"), scope="col"),
        html.Th(_("KPIs"), scope="col"),
        *[html.Th(kpi_status(s), scope="col") for s in shown],
        html.Th(_("Coverage"), scope="col"),
        html.Th(_("Likely to meet the target"), scope="col"),
    ]

    def row(title, line: TrackHeadline) -> html.Tr:
        return html.Tr(
            [
                html.Th(title, scope="row"),
                html.Td(str(line.kpis), className="num"),
                *[html.Td(str(line.counts.get(s, 0)), className="num") for s in shown],
                html.Td(coverage_text(line), className="num"),
                html.Td(likely_text(line), className="num"),
            ]
        )

    rows = [
        row(dcc.Link(track_title(prog, code), href=f"/track/{code}{query}"), line)
        for code, line in head.tracks.items()
    ]
    rows.append(row(html.Strong(_("Whole programme")), head.programme))
    return scroll_region(
        html.Table(
            [
                html.Caption(_("KPIs by track and status; coverage counts ministries' figures")),
                html.Thead(html.Tr(headers)),
                html.Tbody(rows),
            ],
            className="table headline-table",
        ),
        _("Headline by track"),
    )


def headline_section(prog: Programme, head: Headline, own_only: bool, query: str):
    return html.Section(
        [
            html.H2(_("At a glance"), id="overview-headline"),
            html.Ul(
                status_items(head.programme.counts),
                className="status-counts",
                **{"aria-label": _("KPIs by status")},
            ),
            headline_facts(prog, head, own_only, query),
            headline_table(prog, head, query),
        ],
        className="card headline",
        **{"aria-labelledby": "overview-headline"},
    )


# ---------------------------------------------------------------------------------------------
# The whole programme: initiatives, procedures, budget (services.overview.whole_programme)


def whole_card(icon: str, title: str, link: tuple[str, str], body: list) -> html.Article:
    """A short card: its icon (decoration) and title linking to the page that tells it all."""
    return html.Article(
        [
            html.H3(
                [html.Span(icon, className="whole-icon", **{"aria-hidden": "true"}), " ", title]
            ),
            *body,
            html.P(dcc.Link(link[0], href=link[1]), className="whole-link"),
        ],
        className="whole-card",
    )


def count(value: float) -> str:
    return format_number(value, 0)


def initiatives_card(whole: WholeProgramme, query: str) -> html.Article:
    picture = whole.initiatives
    shown = [s for s in INITIATIVE_STATUSES if picture.counts.get(s)]
    items = [html.Li([initiative_status(s), f" {picture.counts[s]}"]) for s in shown]
    if picture.overdue:
        items.append(html.Li([overdue_mark(), f" {picture.overdue}"]))
    lead = _(
        "%(count)d initiatives, as their leads reported them for %(period)s:",
        count=len(picture.initiatives),
        period=ltr(picture.as_of),
    )
    return whole_card(
        "◆",
        _("Initiatives"),
        (_("Every initiative's status and timeline"), f"/initiatives{query}"),
        [
            html.P(lead),
            html.Ul(items, className="status-counts", **{"aria-label": _("Initiatives by status")}),
        ],
    )


def procedures_card(whole: WholeProgramme, query: str) -> html.Article:
    picture = whole.procedures
    if not picture.kpi:
        body = [html.P(_("No procedures plan for this cycle."))]
    else:
        body = [
            html.P(
                _(
                    "%(simplified)s of the %(total)s procedures planned simplified (%(share)s)",
                    simplified=count(picture.simplified),
                    total=count(picture.total_planned),
                    share=ltr(format_figure(picture.share_of_plan or 0, "percent")),
                ),
                className="whole-figure",
            ),
            html.P(_("Planned by now: %(planned)s", planned=count(picture.planned_to_date))),
        ]
        year = next((y for y in picture.years if y.year == parse_period(picture.as_of).year), None)
        if year is not None and year.simplified is not None:
            body.append(
                html.P(
                    _(
                        "In %(year)d: %(simplified)s simplified of %(planned)s planned",
                        year=year.year,
                        simplified=count(year.simplified),
                        planned=count(year.planned),
                    )
                )
            )
    link = (_("The procedures plan year by year and by entity"), f"/procedures{query}")
    return whole_card("☰", _("Procedures"), link, body)


def budget_card(whole: WholeProgramme, query: str) -> html.Article:
    picture = whole.budget
    total = picture.programme
    body = [
        html.P(
            _(
                "%(allocated)s allocated of the budget of %(budget)s",
                allocated=money(total.allocated),
                budget=money(picture.budget_baisa),
            )
            if picture.budget_baisa
            else _("%(allocated)s allocated", allocated=money(total.allocated)),
            className="whole-figure",
        )
    ]
    if total.spent is not None:
        body.append(
            html.P(
                _(
                    "%(spent)s spent: %(burn)s of the allocations to date",
                    spent=money(total.spent),
                    burn=ltr(percent(total.burn)),
                )
            )
        )
    if total.variance is not None:
        body.append(
            html.P(
                [
                    pace_label(total.pace),
                    " ",
                    "(",
                    variance_text(total.variance),
                    ")",
                ]
            )
        )
    link = (_("The budget by track and initiative"), f"/budget{query}")
    return whole_card("¤", _("Budget"), link, body)


def whole_section(whole: WholeProgramme, query: str) -> html.Section:
    return html.Section(
        [
            html.H2(_("The whole programme"), id="overview-whole"),
            html.Div(
                [
                    initiatives_card(whole, query),
                    procedures_card(whole, query),
                    budget_card(whole, query),
                ],
                className="whole-cards",
            ),
        ],
        className="card whole-programme",
        **{"aria-labelledby": "overview-whole"},
    )


# ---------------------------------------------------------------------------------------------
# What it would take


def step_text(amount: float, unit: str) -> str:
    """A distance in the KPI's unit: points of a percentage, places of a rank."""
    if unit in ("percent", "milestone"):
        return _("%(value)s points", value=f"{abs(amount):.1f}")
    if unit == "rank":
        return _("%(value)s rank places", value=format_figure(abs(amount), "rank"))
    return format_figure(abs(amount), unit)


def need_text(need: Need) -> str:
    if need.gain_per_quarter is None:
        return _("Target period reached: short by %(size)s", size=step_text(need.gap, need.unit))
    return _("%(size)s better each quarter", size=step_text(need.gain_per_quarter, need.unit))


def heaviest_cell(prog: Programme, need: Need, actor: Actor, query: str):
    spec = prog.spec(need.kpi_code)
    if spec.scope == "national" or spec.aggregation in ("sum", "latest"):
        return html.Span(_("A national figure: no ministry to name"), className="muted")
    if not need.heaviest:
        return "—"
    return html.Ul(
        [
            html.Li(
                [
                    dcc.Link(
                        localized(prog.entity_names[e], "name") if e in prog.entity_names else e,
                        href=f"/entity/{e}{query}",
                    )
                    if may(actor, Action.VIEW_ENTITY_FIGURES, e)
                    else e,
                    f": {percent(share)}",
                ]
            )
            for e, share in need.heaviest
        ],
        className="plain-list",
    )


def needs_section(prog: Programme, needs: list[Need], actor: Actor, query: str):
    rows = [
        [
            dcc.Link(
                [
                    html.Span(ltr(n.kpi_code), className="code"),
                    " ",
                    localized(prog.spec(n.kpi_code), "name"),
                ],
                href=f"/kpi/{n.kpi_code}{query}",
            ),
            kpi_status(n.status),
            [
                format_figure(n.now, n.unit),
                " ",
                html.Span(f"({ltr(n.now_period)})", className="nowrap muted"),
            ],
            [
                target_text(n.target, n.unit, prog.spec(n.kpi_code).comparator),
                " ",
                html.Span(_("by %(period)s", period=ltr(n.target_period)), className="nowrap"),
            ],
            str(n.quarters_left),
            need_text(n),
            heaviest_cell(prog, n, actor, query),
        ]
        for n in needs
    ]
    body = (
        table(
            [
                _("Indicator"),
                _("Status"),
                _("Now"),
                _("Target"),
                _("Quarters left"),
                _("Needed"),
                _("Ministries weighing most (share of the shortfall)"),
            ],
            rows,
            _("KPIs off their path and what it would take to meet the target"),
            row_headers=True,
            wide=True,
        )
        if rows
        else html.P(_("No KPI is off its path."))
    )
    return html.Section(
        [
            html.H2(_("What it would take")),
            html.P(
                _(
                    "For each KPI off track or at risk: the gain still needed each quarter, from "
                    "the latest national figure, to meet the target by its target period; and the "
                    "ministries whose shortfall against the path weighs most on the national "
                    "figure, as a share of the shortfall of all ministries behind it."
                ),
                className="muted",
            ),
            body,
        ],
        className="card needs",
    )


# ---------------------------------------------------------------------------------------------
# The ministry × KPI grid


def grid_section(prog: Programme, actor: Actor, query: str) -> html.Section:
    table_, choice, shown = grid_table(prog, ministry_grid(prog, actor), GridChoice(), query)
    return html.Section(
        [
            html.H2(_("Ministries by KPI"), id="overview-grid-heading"),
            html.P(
                _(
                    "Each ministry's own figure against the path, KPI by KPI. Choose a track, "
                    "a status, and the order."
                ),
                className="muted",
            ),
            grid_controls(GRID, prog, choice),
            html.Div(table_, id=GRID.table),
            grid_steps(shown),
        ],
        className="card",
        **{"aria-labelledby": "overview-grid-heading"},
    )


# ---------------------------------------------------------------------------------------------
# Tracks, changes, furthest behind


def track_section(prog: Programme, track: str, query: str) -> html.Section:
    pictures = [prog.national[s.code] for s in prog.specs if s.track == track]
    heading = f"overview-track-{track}"
    return html.Section(
        [
            html.H2(dcc.Link(track_title(prog, track), href=f"/track/{track}{query}"), id=heading),
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
            wide=True,
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
