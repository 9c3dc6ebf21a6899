"""KPI `/kpi/<code>`: the national series against the path and the target, the forecast and
its verdict, coverage; every ministry compared, with a table and CSV or Excel download."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    PageIds,
    Programme,
    address,
    allowed,
    analytics_page,
    from_params,
    not_found,
    page_scope,
    params,
    programme,
    requested_code,
)
from dashboards._charts import chart_block, ranked_bars
from dashboards._components import table
from dashboards._kpi_table import figure_cell
from dashboards._pager import PagerIds, Row, answer, dependencies, pager
from dashboards._reasons import read_reasons, reason_cells, reason_headers, reasons_section
from dashboards._restatements import restatement_section
from dashboards._series import series_chart
from dashboards._text import (
    invalid_note,
    invalid_word,
    kpi_status,
    kpi_status_word,
    localized,
    ltr,
    percent,
    target_heading,
    target_text,
    unit_label,
    verdict_word,
)
from data.cache import results_of
from data.cycles import cycle_code_of
from data.db import store_of
from data.queries import kpi_specs
from kpis.formatting import format_figure, format_number
from kpis.paging import ALL as SHOW_ALL
from kpis.paging import CHART_EACH_END, ends, paged
from kpis.revisions import RevisionStanding
from kpis.status import AT_RISK, OFF_TRACK
from services.actors import Action, Actor, Status
from services.cycles import earlier_picture
from services.exports import CSV_TYPE, EXCEL_TYPE, Table, csv_bytes, excel_bytes
from services.programme import revision_standings
from services.reasons import OFFICE
from web.i18n import language

KPI = PageIds("kpi-form", "kpi-params", "kpi-content")
KPI_CSV = "kpi-csv"
KPI_EXCEL = "kpi-excel"
KPI_DOWNLOAD = "kpi-download"
KPI_TABLE = PagerIds("kpi-entities")  # every entity's figure, a page at a time
NO_FIGURE = "no_figure"  # the comparison's rows with no figure: invalid or not reported
KPI_SHOWS = (SHOW_ALL, OFF_TRACK, AT_RISK, NO_FIGURE)
KPI_REASONS = PagerIds("kpi-reasons-list")  # the reasons given, a page at a time

dash.register_page(
    __name__, path_template="/kpi/<code>", title=lambda code=None, **_k: _("Indicator"), name="KPI"
)


@page_layout(lambda code=None, **_k: f"/kpi/{code}")
def layout(code: str | None = None, period: str | None = None, unapproved=None, **_kwargs):
    code = (code or "").upper()
    scope, choices = page_scope(period, unapproved)
    with store_of(current_app).session() as db:
        # the KPI as defined in the as-of quarter's cycle, else in the latest cycle that has it
        found = [s for s in kpi_specs(db) if s.code == code]
        cycle = cycle_code_of(db, scope.as_of)
    spec = next((s for s in found if s.cycle == cycle), found[-1] if found else None)
    if spec is None:
        return not_found(_("No such indicator"))
    intro = [
        html.P(
            [
                dcc.Link(
                    _("Track %(code)s", code=spec.track),
                    href=f"/track/{spec.track}{address(scope)}",
                ),
                " · ",
                unit_label(spec.unit),
                " · ",
                target_text(spec.target, spec.unit, spec.comparator),
            ],
            className="muted",
        ),
        dcc.Download(id=KPI_DOWNLOAD),
    ]
    heading = f"{spec.code} · {localized(spec, 'name')}"
    return analytics_page(KPI, heading, scope, choices, params(scope, code=code), intro)


@guarded_callback(
    Output(KPI.content, "children"), Input(KPI.params, "data"), action=Action.VIEW_PROGRAMME
)
def render(actor: Actor, data):
    code = requested_code(data)
    allowed(f"/kpi/{code}")
    prog = programme(from_params(data))
    if prog.spec(code) is None:
        if not _in_any_cycle(code):
            return html.P(_("No such indicator"))
        return html.P(
            _(
                "%(code)s is not an indicator of the cycle of %(period)s; choose a quarter of "
                "its own cycle.",
                code=code,
                period=prog.scope.as_of.code,
            )
        )
    restated = restatement_section(prog.spec(code), prog.scope.as_of)
    return [
        *content(prog, code),
        restated,
        earlier_section(prog, code),
        kpi_reasons(actor, prog, code),
    ]


def _in_any_cycle(code: str) -> bool:
    with store_of(current_app).session() as db:
        return any(s.code == code for s in kpi_specs(db))


def earlier_section(prog: Programme, code: str) -> html.Section | None:
    """A continuing KPI's history in the cycle before: its predecessor's national figures."""
    earlier = earlier_picture(
        store_of(current_app), results_of(current_app), prog.scope, prog.spec(code)
    )
    if earlier is None:
        return None
    unit = earlier.picture.spec.unit
    rows = [
        [ltr(p.period.code), format_figure(p.value, unit) or "—", format_figure(p.expected, unit)]
        for p in earlier.picture.series
        if p.value is not None
    ]
    link = dcc.Link(
        _("%(code)s in the cycle %(cycle)s", code=earlier.code, cycle=earlier.cycle),
        href=f"/kpi/{earlier.code}?period={earlier.as_of}",
    )
    return html.Section(
        [
            html.H2(_("In the cycle before")),
            html.P(
                [_("This indicator continues one of the cycle before:"), " ", link],
                id="kpi-earlier",
            ),
            table(
                [_("Period"), _("National figure"), _("Expected on the path")],
                rows,
                _(
                    "National figures of %(code)s in the cycle %(cycle)s",
                    code=earlier.code,
                    cycle=earlier.cycle,
                ),
                row_headers=True,
            )
            if rows
            else html.P(_("No figures in the cycle before.")),
        ],
        className="card",
    )


@guarded_callback(
    Output(KPI_DOWNLOAD, "data"),
    Input(KPI_CSV, "n_clicks"),
    Input(KPI_EXCEL, "n_clicks"),
    State(KPI.params, "data"),
    action=Action.VIEW_PROGRAMME,
    prevent_initial_call=True,
)
def download(_actor: Actor, csv_clicks, excel_clicks, data):
    if not (csv_clicks or excel_clicks):
        # Dash calls this when the content callback draws the buttons; nobody has clicked yet.
        raise PreventUpdate
    code = requested_code(data)
    allowed(f"/kpi/{code}")
    prog = programme(from_params(data))
    if prog.spec(code) is None:  # a forged or stale code: nothing to download
        raise PreventUpdate
    name = f"{code}-{prog.scope.as_of.code}"
    table = comparison_table(prog, code)
    if dash.ctx.triggered_id == KPI_EXCEL:
        data = excel_bytes(table, rtl=language() == "ar")
        return dcc.send_bytes(data, f"{name}.xlsx", type=EXCEL_TYPE)
    return dcc.send_bytes(csv_bytes(table), f"{name}.csv", type=CSV_TYPE)


def content(prog: Programme, code: str) -> list:
    pic = prog.national[code]
    return [
        html.Section(
            [
                html.H2(_("National figure")),
                html.Dl(
                    [
                        html.Dt(_("Figure")),
                        html.Dd(figure_cell(pic)),
                        html.Dt(_("Expected on the path")),
                        html.Dd(format_figure(pic.expected, pic.spec.unit) or "—"),
                        html.Dt(_("Status")),
                        html.Dd(kpi_status(pic.status)),
                        html.Dt(_("Progress to target")),
                        html.Dd(percent(pic.progress) or "—"),
                        html.Dt(_("Forecast")),
                        html.Dd(_forecast_text(pic)),
                    ],
                    className="facts",
                ),
                series_chart(pic, "kpi-series"),
            ],
            className="card",
        ),
        comparison(prog, code),
    ]


def _forecast_text(pic) -> str:
    verdict = verdict_word(pic.forecast.verdict)
    if pic.forecast.final:  # the target period is reported: its figure, not a projection
        return _(
            "%(verdict)s: %(value)s reported for %(period)s",
            verdict=verdict,
            value=format_figure(pic.forecast.value, pic.spec.unit),
            period=ltr(pic.forecast.period),
        )
    if pic.forecast.value is None or pic.spec.target_year is None:
        return verdict
    return _(
        "%(verdict)s: %(value)s by the end of %(year)d",
        verdict=verdict,
        value=format_figure(pic.forecast.value, pic.spec.unit),
        year=pic.spec.target_year,
    )


def ranked(prog: Programme, code: str):
    """The entities' pictures, best first (a rank's lower number first)."""
    spec = prog.spec(code)
    pictures = [(e, p) for e, p in prog.entity_pictures(code).items() if p.value is not None]
    sign = 1 if spec.lower_is_better else -1
    return sorted(pictures, key=lambda item: (sign * item[1].value, item[0]))


def invalid_entities(prog: Programme, code: str) -> list[str]:
    """Entities whose figure at the as-of quarter is stored but not usable: listed as invalid,
    after the ranked ones, and left out of the bars."""
    return sorted(
        e for e, p in prog.entity_pictures(code).items() if p.current and p.current.invalid
    )


def not_reported(prog: Programme, code: str) -> dict[str, str]:
    """The entities due to report the KPI with no figure shown at the as-of quarter, each with
    why in words: "Not reported", or that a revision awaits approval or was returned (which
    everybody may know: the completeness grid says it too). An entity team: its own only, the
    others' detail is not its to see. Invalid figures are not here (they are listed as such)."""
    pictures = prog.entity_pictures(code)
    due = prog.assigned.get(code, set())
    if prog.scope.own_entity:
        due = due & {prog.scope.own_entity}

    def missing(entity: str) -> bool:
        pic = pictures.get(entity)
        return pic is None or (pic.value is None and not (pic.current and pic.current.invalid))

    absent = sorted(e for e in due if missing(e))
    if not absent:
        return {}
    quarter = prog.scope.as_of.code
    with store_of(current_app).session() as db:
        standings = revision_standings(db, [quarter])
    return {e: absence_word(standings.get((e, quarter))) for e in absent}


def absence_word(standing: RevisionStanding | None) -> str:
    if standing is None or not standing.later:
        return not_reported_word()
    if standing.later[-1][1] == Status.SUBMITTED:
        return _("Awaiting approval")
    return _("Returned for correction")


def entity_label(prog: Programme, entity: str) -> str:
    names = prog.entity_names
    return localized(names[entity], "name") if entity in names else entity


def not_reported_word() -> str:
    return _("Not reported")


def comparison_table(prog: Programme, code: str) -> Table:
    """The download: every entity due, its figure (a number, rounded to one decimal), the path
    and the target, and its status in words; headers in the reader's language."""
    spec = prog.spec(code)
    unit = unit_label(spec.unit)

    def line(entity, value, expected, status_word):
        return [
            entity,
            entity_label(prog, entity),
            code,
            prog.scope.as_of.code,
            unit,
            value,
            expected,
            prog.national[code].spec.target,  # the one the as-of quarter is rated by
            status_word,
        ]

    rows = [
        line(e, _rounded(p.value), _rounded(p.expected), kpi_status_word(p.status))
        for e, p in ranked(prog, code)
    ]
    pictures = prog.entity_pictures(code)
    rows += [
        line(e, invalid_word(), _rounded(pictures[e].expected), kpi_status_word(pictures[e].status))
        for e in invalid_entities(prog, code)
    ]
    rows += [line(e, "", None, word) for e, word in not_reported(prog, code).items()]
    headers = [
        _("Entity code"),
        _("Entity"),
        _("Indicator"),
        _("As of quarter"),
        _("Unit"),
        _("Figure"),
        _("Expected on the path"),
        target_heading([spec]),
        _("Status"),
    ]
    return Table(code, headers, rows)


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def comparison(prog: Programme, code: str) -> html.Section:
    spec = prog.spec(code)
    if spec.scope != "entity":
        return html.Section(
            [
                html.H2(_("Ministries compared")),
                html.P(
                    _(
                        "This indicator is reported once for the nation by %(owner)s.",
                        owner=spec.owner or "—",
                    )
                ),
            ],
            className="card",
        )
    items = ranked(prog, code)
    missing = not_reported(prog, code)
    invalid = invalid_entities(prog, code)
    # many entities: the chart draws the best and the weakest, a paged table lists them all
    drawn, cut = ends(items)
    drawn_missing = [] if cut else list(missing.items())
    figure = ranked_bars(
        [entity_label(prog, e) for e, _p in drawn],
        [p.value for _e, p in drawn],
        [p.status for _e, p in drawn],
        [f"{format_figure(p.value, spec.unit)} · {kpi_status_word(p.status)}" for _e, p in drawn],
        prog.national[code].spec.target,  # the one the as-of quarter is rated by
        lower_is_better=spec.lower_is_better,
        target_name=target_heading([spec]),
        unit=spec.unit,
        axis_name=_(
            "%(unit)s, %(period)s", unit=unit_label(spec.unit), period=ltr(prog.scope.as_of.code)
        ),
        missing=[(entity_label(prog, e), word) for e, word in drawn_missing],
    )
    rows = comparison_rows(prog, code)
    chart_rows = rows if not cut else [r for r in rows if r.texts[0] in {e for e, _p in drawn}]
    # the figure's own height where it sets one (names on several lines), else a row per entity
    height = figure.layout.height or max(240, 26 * (len(drawn) + len(drawn_missing)) + 100)
    parts = [
        html.H2(_("Ministries compared")),
        html.Div(
            [
                html.Button(_("Download CSV"), id=KPI_CSV, className="button", type="button"),
                html.Button(_("Download Excel"), id=KPI_EXCEL, className="button", type="button"),
            ],
            className="actions",
        ),
        chart_block(
            "kpi-ranked",
            figure,
            _("%(code)s by entity", code=code),
            _comparison_summary(items, invalid, missing, cut),
            comparison_headers(),
            [r.cells for r in chart_rows],
            height=height,
        ),
    ]
    if paged(len(rows)):
        parts.append(every_entity(rows, code))
    return html.Section(parts, className="card")


def _comparison_summary(items, invalid, missing, cut: bool) -> str:
    summary = _(
        "%(count)d entities reported; %(off)d are off track.",
        count=len(items),
        off=sum(1 for _e, p in items if p.status == "off_track"),
    )
    if cut:
        summary = f"{summary} " + _(
            "The chart shows the %(each)s best and the %(each)s weakest of %(count)s entities "
            "with a figure; the table under it lists every entity.",
            each=format_number(CHART_EACH_END, 0),
            count=format_number(len(items), 0),
        )
    if invalid:
        summary = f"{summary} {invalid_note(len(invalid))}."
    if missing and cut:
        summary = f"{summary} " + _(
            "%(count)d have no figure shown (listed in the table).", count=len(missing)
        )
    elif missing:
        summary = f"{summary} " + _(
            "%(count)d have no figure shown (a cross, not a bar).", count=len(missing)
        )
    return summary


def comparison_headers() -> list[str]:
    return [_("Entity"), _("Figure"), _("Expected on the path"), _("Status")]


def comparison_rows(prog: Programme, code: str) -> list[Row]:
    """Every entity due, as the comparison table lists it: the ranked ones best first, then
    the invalid figures, then those with no figure shown. What a search reads (code, names)
    and which row choice keeps each row (its status; `no_figure` for the last two)."""
    spec = prog.spec(code)
    pictures = prog.entity_pictures(code)
    names = prog.entity_names
    chips: dict[str, html.Span] = {}

    def chip(status: str) -> html.Span:  # one per status, drawn in every row of that status
        if status not in chips:
            chips[status] = kpi_status(status)
        return chips[status]

    def texts(entity: str) -> tuple[str, ...]:
        row = names.get(entity)
        return (entity, row.name_en, row.name_ar) if row is not None else (entity,)

    rows = [
        Row(
            texts(e),
            frozenset({p.status}),
            [
                entity_label(prog, e),
                format_figure(p.value, spec.unit),
                format_figure(p.expected, spec.unit),
                chip(p.status),
            ],
        )
        for e, p in ranked(prog, code)
    ]
    rows += [
        Row(
            texts(e),
            frozenset({NO_FIGURE}),
            [
                entity_label(prog, e),
                invalid_word(),
                format_figure(pictures[e].expected, spec.unit),
                chip(pictures[e].status),
            ],
        )
        for e in invalid_entities(prog, code)
    ]
    rows += [
        Row(
            texts(e),
            frozenset({NO_FIGURE}),
            [entity_label(prog, e), not_reported_cell(word), "", chip("no_data")],
        )
        for e, word in not_reported(prog, code).items()
    ]
    return rows


def every_entity(rows: list[Row], code: str) -> html.Div:
    """The comparison's every row, a page at a time, with a search and a choice of rows."""
    return html.Div(
        [
            html.H3(_("Every entity"), className="chart-title"),
            pager(
                KPI_TABLE,
                rows,
                _entity_table(code),
                name=_("every entity's figure"),
                search_label=_("Find an entity"),
                shows=[
                    (SHOW_ALL, _("All entities")),
                    (OFF_TRACK, kpi_status_word(OFF_TRACK)),
                    (AT_RISK, kpi_status_word(AT_RISK)),
                    (NO_FIGURE, _("No figure shown")),
                ],
            ),
        ],
        className="every-entity",
    )


def _entity_table(code: str):
    def draw(rows: list[Row], _window) -> html.Div:
        caption = _("%(code)s: every entity's figure", code=code)
        return table(comparison_headers(), [r.cells for r in rows], caption, row_headers=True)

    return draw


@guarded_callback(
    *dependencies(KPI_TABLE, KPI.params),
    action=Action.VIEW_PROGRAMME,
    prevent_initial_call=True,
)
def page_entities(_actor: Actor, query, _shows, _previous, _next, stored, data):
    """One page of the comparison table, as the reader searched, chose and paged."""
    code = requested_code(data)
    allowed(f"/kpi/{code}")
    prog = programme(from_params(data))
    spec = prog.spec(code)
    if spec is None or spec.scope != "entity":  # a forged or stale code: nothing to page
        raise PreventUpdate
    rows = comparison_rows(prog, code)
    return answer(KPI_TABLE, stored, query, KPI_SHOWS, rows, _entity_table(code))


def not_reported_cell(word: str) -> html.Span:
    """ "✗ Not reported": never "0" nor an empty cell that could be read as one."""
    return html.Span(
        [html.Span("✗ ", **{"aria-hidden": "true"}), word],
        className="not-reported",
    )


def kpi_reasons(actor: Actor, prog: Programme, code: str) -> html.Section:
    """What the entities due to report the KPI wrote with their figures for it, and the office's
    review notes on their submissions, for the as-of quarter and the one before; a page at a
    time when there are more than a page holds."""
    found = _reasons_found(actor, prog, code)
    body = None
    if paged(len(found)):
        body = pager(
            KPI_REASONS,
            _reason_rows(prog, found),
            _reasons_table(code),
            name=_("the reasons given"),
            search_label=_("Find an entity"),
        )
    return reasons_section(
        "kpi-reasons",
        found,
        _("Entity"),
        lambda r: entity_label(prog, r.entity_code),
        _("Reasons given for %(code)s", code=code),
        body,
    )


def _reasons_found(actor: Actor, prog: Programme, code: str) -> list:
    due = prog.assigned.get(code, set()) | {e for e in prog.entity_pictures(code)}
    found = [
        r
        for r in read_reasons(actor, prog)
        if r.kpi_code == code or (r.kind == OFFICE and r.entity_code in due)
    ]
    found.sort(key=lambda r: r.period, reverse=True)  # newest quarter first, stable otherwise
    found.sort(key=lambda r: entity_label(prog, r.entity_code))
    return found


def _reason_rows(prog: Programme, found: list) -> list[Row]:
    names = prog.entity_names

    def texts(r) -> tuple[str, ...]:
        row = names.get(r.entity_code)
        named = (row.name_en, row.name_ar) if row is not None else ()
        return (r.entity_code, *named, r.period)

    def label(r):
        return entity_label(prog, r.entity_code)

    return [Row(texts(r), frozenset(), reason_cells(r, label)) for r in found]


def _reasons_table(code: str):
    def draw(rows: list[Row], _window) -> html.Div:
        caption = _("Reasons given for %(code)s", code=code)
        headers = reason_headers(_("Entity"))
        return table(headers, [r.cells for r in rows], caption, row_headers=True, wide=True)

    return draw


@guarded_callback(
    *dependencies(KPI_REASONS, KPI.params),
    action=Action.VIEW_PROGRAMME,
    prevent_initial_call=True,
)
def page_reasons(actor: Actor, query, _shows, _previous, _next, stored, data):
    """One page of the reasons given, as the reader searched and paged."""
    code = requested_code(data)
    allowed(f"/kpi/{code}")
    prog = programme(from_params(data))
    if prog.spec(code) is None:  # a forged or stale code: nothing to page
        raise PreventUpdate
    rows = _reason_rows(prog, _reasons_found(actor, prog, code))
    return answer(KPI_REASONS, stored, query, (), rows, _reasons_table(code))
