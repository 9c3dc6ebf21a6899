"""Chart factories: a colour-blind-safe palette (Okabe-Ito), the reader's language and direction,
and every chart with a title, a sentence saying what it shows, and a table with the same data."""

from __future__ import annotations

import textwrap
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
    its data as a table under a disclosure. A figure that asks for more height (long names
    on two lines) gets it."""
    figure.update_layout(height=max(height, figure.layout.height or 0))
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


def axis_titles(figure: go.Figure, *, time_axis: str | None, value_axis: str, unit: str) -> None:
    """Every chart says what its axes are: the quarters (their codes as tick labels) and the
    unit, which percent ticks also carry (`40%`)."""
    if time_axis is not None:
        figure.update_xaxes(title={"text": time_axis, "standoff": 8})
    suffix = "%" if unit in ("percent", "milestone") else ""
    if time_axis is None:
        figure.update_xaxes(title={"text": value_axis, "standoff": 10}, ticksuffix=suffix)
    elif language() == "ar":
        # plotly.js puts a right-hand axis's title on its tick labels: above the axis instead
        figure.update_yaxes(ticksuffix=suffix)
        figure.add_annotation(
            text=value_axis,
            xref="paper",
            yref="paper",
            x=1,
            y=1,
            xanchor="right",
            yanchor="bottom",
            yshift=6,
            showarrow=False,
            name="unit",
        )
    else:
        figure.update_yaxes(title={"text": value_axis, "standoff": 10}, ticksuffix=suffix)


def quarter_ticks(periods: Sequence[str], most: int = 6) -> list[str]:
    """The quarters to label on a time axis, level and legible: every year's first (or every
    n-th) and always the last."""
    if len(periods) <= most:
        return list(periods)
    step = -(-len(periods) // most)
    step = 4 * -(-step // 4) if len(periods) > 8 else step  # whole years where there are many
    ticks = list(periods[::step])
    if ticks[-1] != periods[-1]:
        # the last quarter replaces a label closer to it than a full step: on a phone, 2025-Q1
        # and 2025-Q4 side by side overlap
        ticks = ticks[:-1] if len(periods) - 1 - periods.index(ticks[-1]) < step else ticks
        ticks.append(periods[-1])
    return ticks


def series_figure(
    periods, actual, expected, target, forecast_line, *, lower_is_better, names, unit="percent"
):
    """A KPI's figure per period against its path, its target and its forecast. `names` also
    gives the axes' titles ("quarter" and "unit"). `target`: one value, or one per period where
    the target was restated (the line steps at the quarter the restatement applies from)."""
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
    if isinstance(target, list):  # restated: each period's target in force, a step at the change
        figure.add_trace(
            go.Scatter(
                x=periods,
                y=target,
                name=names["target"],
                mode="lines",
                line={"color": PALETTE["target"], "width": 2, "dash": "longdash", "shape": "hv"},
            )
        )
    elif target is not None:
        figure.add_hline(
            y=target,
            line={"color": PALETTE["target"], "width": 2, "dash": "longdash"},
            annotation_text=names["target"],
            annotation_position="top left",
        )
    ticks = quarter_ticks(periods)
    figure.update_xaxes(type="category", tickmode="array", tickvals=ticks, tickangle=0)
    axis_titles(figure, time_axis=names["quarter"], value_axis=names["unit"], unit=unit)
    return base_layout(figure, lower_is_better=lower_is_better)


def ranked_bars(
    labels,
    values,
    statuses,
    texts,
    target,
    *,
    lower_is_better,
    target_name,
    unit="percent",
    axis_name="",
    missing=(),
):
    """Entities' figures as horizontal bars, best first, with the target as a line. Each figure
    also has a mark at its end, so that a zero shows as a mark on the axis; the entities in
    `missing` ((label, why) pairs: not reported) follow with a hollow cross and the words
    beside it, never a bar."""
    colours = [PALETTE.get(s, "#8C8C8C") for s in statuses]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            marker={"color": colours},
            text=texts,
            textposition="auto",
            constraintext="none",  # legible or outside, never shrunk (Arabic was shrunk to 6px)
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    figure.add_trace(
        go.Scatter(
            x=values,
            y=labels,
            mode="markers",
            marker={"symbol": "line-ns", "size": 14, "line": {"width": 3, "color": "#1b1f24"}},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    if missing:
        figure.add_trace(_not_reported(list(missing)))
    if target is not None:
        figure.add_vline(
            x=target,
            line={"color": "#1b1f24", "width": 2, "dash": "dash"},
            annotation_text=target_name,
            annotation_position="top",
        )
    figure.update_yaxes(autorange="reversed", type="category")
    axis_titles(figure, time_axis=None, value_axis=axis_name, unit=unit)
    base_layout(figure, lower_is_better=lower_is_better, horizontal=True)
    everyone = list(labels) + [label for label, _why in missing]
    # Long names on two or three lines, so that the bars keep room on a phone (390 px): one
    # line of a ministry's name would take the whole width and plotly.js would cut it.
    names = [wrap_label(name) for name in everyone]
    lines = max((name.count("<br>") + 1 for name in names), default=1)
    figure.update_yaxes(tickmode="array", tickvals=everyone, ticktext=names, tickfont={"size": 12})
    if lines > 1:
        figure.update_layout(height=(15 * lines + 10) * len(everyone) + 110)
    if language() == "ar":  # room for the entity names beside the bars (see base_layout)
        longest = max((len(line) for name in names for line in name.split("<br>")), default=0)
        figure.update_layout(margin={"r": min(220, 7 * longest + 24)})
    return figure


def wrap_label(name: str, width: int = 26) -> str:
    """A name on lines of about `width` characters, broken between words (plotly.js's `<br>`)."""
    return "<br>".join(textwrap.wrap(name, width, break_long_words=False)) or name


def _not_reported(missing: list[tuple[str, str]]) -> go.Scatter:
    """The entities with no figure: a hollow grey cross at the axis and the words ("Not
    reported") beside it, unlike a zero (a bar of no length with its figure written)."""
    labels = [label for label, _why in missing]
    words = [why for _label, why in missing]
    return go.Scatter(
        x=[0] * len(labels),
        y=labels,
        mode="markers+text",
        marker={"symbol": "x-open", "size": 12, "color": PALETTE["no_data"]},
        text=words,
        textposition="middle right" if language() != "ar" else "middle left",
        textfont={"color": "#595959"},
        hovertemplate="%{y}: %{text}<extra></extra>",
        showlegend=False,
        cliponaxis=False,
    )
