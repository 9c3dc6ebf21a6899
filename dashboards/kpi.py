"""KPI `/kpi/<code>`: the national series against the path and the target, the forecast and
its verdict, coverage; every ministry compared, with a table and CSV or Excel download."""

from __future__ import annotations

import io

import dash
import pandas as pd
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
from dashboards._kpi_table import figure_cell
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
from data.db import store_of
from data.queries import kpi_specs
from kpis.formatting import format_figure
from services.actors import Action, Actor

KPI = PageIds("kpi-form", "kpi-params", "kpi-content")
KPI_CSV = "kpi-csv"
KPI_EXCEL = "kpi-excel"
KPI_DOWNLOAD = "kpi-download"

dash.register_page(
    __name__, path_template="/kpi/<code>", title=lambda code=None, **_k: _("Indicator"), name="KPI"
)


@page_layout(lambda code=None, **_k: f"/kpi/{code}")
def layout(code: str | None = None, period: str | None = None, unapproved=None, **_kwargs):
    code = (code or "").upper()
    with store_of(current_app).session() as db:
        spec = next((s for s in kpi_specs(db) if s.code == code), None)
    if spec is None:
        return not_found(_("No such indicator"))
    scope, choices = page_scope(period, unapproved)
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
def render(_actor: Actor, data):
    code = requested_code(data)
    allowed(f"/kpi/{code}")
    prog = programme(from_params(data))
    if prog.spec(code) is None:
        return html.P(_("No such indicator"))
    return content(prog, code)


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
    frame = comparison_frame(prog, code)
    name = f"{code}-{prog.scope.as_of.code}"
    if dash.ctx.triggered_id == KPI_EXCEL:
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name=code.replace(".", "_"))
        return dcc.send_bytes(buffer.getvalue(), f"{name}.xlsx")
    return dcc.send_data_frame(frame.to_csv, f"{name}.csv", index=False)


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


def comparison_frame(prog: Programme, code: str) -> pd.DataFrame:
    spec = prog.spec(code)
    rows = [
        {
            "entity": entity,
            "name": localized(prog.entity_names[entity], "name")
            if entity in prog.entity_names
            else entity,
            "kpi": code,
            "period": pic.current.period.code if pic.current else "",
            "value": round(pic.value, 1) if pic.value is not None else None,
            "expected": round(pic.expected, 1) if pic.expected is not None else None,
            "target": spec.target,
            "status": pic.status,
        }
        for entity, pic in ranked(prog, code)
    ]
    columns = ["entity", "name", "kpi", "period", "value", "expected", "target", "status"]
    return pd.DataFrame(rows, columns=columns)


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
    labels = [
        localized(prog.entity_names[e], "name") if e in prog.entity_names else e for e, _p in items
    ]
    texts = [
        f"{format_figure(p.value, spec.unit)} · {kpi_status_word(p.status)}" for _e, p in items
    ]
    figure = ranked_bars(
        labels,
        [p.value for _e, p in items],
        [p.status for _e, p in items],
        texts,
        spec.target,
        lower_is_better=spec.lower_is_better,
        target_name=target_heading([spec]),
    )
    summary = _(
        "%(count)d entities reported; %(off)d are off track.",
        count=len(items),
        off=sum(1 for _e, p in items if p.status == "off_track"),
    )
    invalid = invalid_entities(prog, code)
    if invalid:
        summary = f"{summary} {invalid_note(len(invalid))}."
    rows = [
        [
            label,
            format_figure(p.value, spec.unit),
            format_figure(p.expected, spec.unit),
            kpi_status_word(p.status),
        ]
        for label, (_e, p) in zip(labels, items, strict=True)
    ] + [
        [
            localized(prog.entity_names[e], "name") if e in prog.entity_names else e,
            invalid_word(),
            format_figure(prog.entity_pictures(code)[e].expected, spec.unit),
            kpi_status_word(prog.entity_pictures(code)[e].status),
        ]
        for e in invalid
    ]
    return html.Section(
        [
            html.H2(_("Ministries compared")),
            html.Div(
                [
                    html.Button(_("Download CSV"), id=KPI_CSV, className="button", type="button"),
                    html.Button(
                        _("Download Excel"), id=KPI_EXCEL, className="button", type="button"
                    ),
                ],
                className="actions",
            ),
            chart_block(
                "kpi-ranked",
                figure,
                _("%(code)s by entity", code=code),
                summary,
                [_("Entity"), _("Figure"), _("Expected on the path"), _("Status")],
                rows,
                height=max(240, 26 * len(items) + 80),
            ),
        ],
        className="card",
    )
