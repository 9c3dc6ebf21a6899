"""Home `/`: the four tracks and their KPIs with 2020 baselines and 2025 targets."""

from __future__ import annotations

import dash
from dash import html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import page_layout
from dashboards._text import baseline_text, localized, target_text, unit_label
from data.db import store_of
from data.queries import TrackRow, catalogue_by_track

HOME_TRACKS = "home-tracks"

dash.register_page(__name__, path="/", title=lambda: _("Programme overview"), name="Overview")


@page_layout("/")
def layout(**_kwargs):
    with store_of(current_app).session() as db:
        tracks = catalogue_by_track(db)
    count = sum(len(t.kpis) for t in tracks)
    return html.Div(
        [
            html.H1(_("Programme overview")),
            html.P(
                _(
                    "%(tracks)d tracks and %(kpis)d headline indicators, each against its 2020 "
                    "baseline and its 2025 target.",
                    tracks=len(tracks),
                    kpis=count,
                )
            ),
            html.Div([track_section(t) for t in tracks], id=HOME_TRACKS),
        ]
    )


def track_section(track: TrackRow) -> html.Section:
    heading = f"home-track-{track.code}"
    return html.Section(
        [
            html.H2(f"{track.code} · {localized(track, 'name')}", id=heading),
            html.P(localized(track, "focus"), className="muted"),
            kpi_table(track),
        ],
        className="card track",
        **{"aria-labelledby": heading},
    )


def kpi_table(track: TrackRow) -> html.Table:
    head = html.Thead(
        html.Tr(
            [
                html.Th(_("Code"), scope="col"),
                html.Th(_("Indicator"), scope="col"),
                html.Th(_("Unit"), scope="col"),
                html.Th(_("Baseline 2020"), scope="col"),
                html.Th(_("Target 2025"), scope="col"),
            ]
        )
    )
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(k.code, className="code"),
                    html.Th(localized(k, "name"), scope="row"),
                    html.Td(unit_label(k.unit)),
                    html.Td(baseline_text(k.baseline, k.unit), className="num"),
                    html.Td(
                        target_text(k.target, k.unit, k.comparator),
                        className="num" if k.target is not None else "num target-unset",
                    ),
                ]
            )
            for k in track.kpis
        ]
    )
    caption = html.Caption(_("Indicators of track %(code)s", code=track.code), className="sr-only")
    return html.Div(html.Table([caption, head, body], className="table"), className="table-wrap")
