"""Chart factories: a colour-blind-safe palette (Okabe-Ito), the reader's language and direction,
and every chart with a title, a sentence saying what it shows, and a table with the same data."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from dash import dcc, html
from flask_babel import gettext as _

from dashboards._components import table
from web.i18n import language

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = {
    "actual": "#0072B2",
    "path": "#E69F00",
    "target": "#009E73",
    "forecast": "#CC79A7",
    "achieved": "#0072B2",
    "on_track": "#009E73",
    "at_risk": "#E69F00",
    "off_track": "#D55E00",
    "no_data": "#8C8C8C",
    "not_due": "#8C8C8C",
    "no_target": "#8C8C8C",
}
FONT = "Noto Sans, Noto Sans Arabic, Arial, sans-serif"


def base_layout(figure: go.Figure, *, lower_is_better: bool = False, horizontal: bool = False):
    """Margins, font and, in Arabic, a mirrored chart: time runs right to left, bars grow from
    the right and the value axis sits on the right. A rank's axis is reversed: better is higher."""
    rtl = language() == "ar"
    figure.update_layout(
        font={"family": FONT, "size": 13, "color": "#1b1f24"},
        # Plotly's automargin does not make room for labels on the right, so Arabic gets it here.
        margin={"l": 10, "r": 50 if rtl else 10, "t": 30, "b": 10},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        legend={
            "orientation": "h",
            "y": -0.2,
            "x": 1 if rtl else 0,
            "xanchor": "right" if rtl else "left",
        },
        hoverlabel={"font": {"family": FONT}},
    )
    value_axis = {
        "gridcolor": "#e3e6ea",
        "zeroline": False,
        "side": "right" if rtl else "left",
        "automargin": True,
    }
    if horizontal:
        figure.update_xaxes(gridcolor="#e3e6ea", autorange="reversed" if rtl else True)
        figure.update_yaxes(side="right" if rtl else "left", automargin=True)
    else:
        figure.update_yaxes(**value_axis, autorange="reversed" if lower_is_better else True)
        figure.update_xaxes(autorange="reversed" if rtl else True, gridcolor="#e3e6ea")
    return figure


def chart_block(
    chart_id: str,
    figure: go.Figure,
    title: str,
    summary: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    height: int = 320,
) -> html.Figure:
    """A chart with its title, its one-sentence summary (also the graph's accessible name) and
    its data as a table under a disclosure."""
    figure.update_layout(height=height)
    title_id = f"{chart_id}-title"
    return html.Figure(
        [
            html.H3(title, id=title_id, className="chart-title"),
            html.P(summary, className="chart-summary", id=f"{chart_id}-summary"),
            html.Div(
                dcc.Graph(
                    id=chart_id,
                    figure=figure,
                    config={"displayModeBar": False, "responsive": True},
                ),
                role="img",
                **{"aria-labelledby": title_id, "aria-describedby": f"{chart_id}-summary"},
            ),
            html.Details(
                [
                    html.Summary(_("Show the data as a table")),
                    table(headers, rows, title, row_headers=True),
                ]
            ),
        ],
        className="chart",
    )


def series_figure(periods, actual, expected, target, forecast_line, *, lower_is_better, names):
    """A KPI's figure per period against its path, its target and its forecast."""
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=periods,
            y=expected,
            name=names["path"],
            mode="lines",
            line={"color": PALETTE["path"], "dash": "dash", "width": 2},
        )
    )
    if forecast_line:
        xs, ys = forecast_line
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name=names["forecast"],
                mode="lines",
                line={"color": PALETTE["forecast"], "dash": "dot", "width": 2},
            )
        )
    figure.add_trace(
        go.Scatter(
            x=periods,
            y=actual,
            name=names["actual"],
            mode="lines+markers",
            line={"color": PALETTE["actual"], "width": 3},
            marker={"symbol": "circle", "size": 7},
        )
    )
    if target is not None:
        figure.add_hline(
            y=target,
            line={"color": PALETTE["target"], "width": 2, "dash": "longdash"},
            annotation_text=names["target"],
            annotation_position="top left",
        )
    figure.update_xaxes(type="category")
    return base_layout(figure, lower_is_better=lower_is_better)


def ranked_bars(labels, values, statuses, texts, target, *, lower_is_better, target_name):
    """Entities' figures as horizontal bars, best first, with the target as a line."""
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": [PALETTE.get(s, "#8C8C8C") for s in statuses]},
            text=texts,
            textposition="auto",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    if target is not None:
        figure.add_vline(
            x=target,
            line={"color": "#1b1f24", "width": 2, "dash": "dash"},
            annotation_text=target_name,
            annotation_position="top",
        )
    figure.update_yaxes(autorange="reversed", type="category")
    base_layout(figure, lower_is_better=lower_is_better, horizontal=True)
    if language() == "ar":  # room for the entity names beside the bars (see base_layout)
        figure.update_layout(margin={"r": min(360, 7 * max(map(len, labels), default=0) + 20)})
    return figure
