"""How initiatives are shown wherever they appear (the /initiatives page, a track's page, an
entity's page, the overview): a status as icon and word, the counts by status, the timeline chart
and its table. The figures come from services.initiatives only."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from dash import dcc, html
from flask_babel import gettext as _

from dashboards._charts import PALETTE, base_layout, chart_block
from dashboards._components import table
from dashboards._text import localized, ltr, pick
from kpis.formatting import format_figure
from kpis.initiatives import STATUSES
from kpis.periods import PeriodCode, parse_period
from kpis.words import INITIATIVE_ICONS, INITIATIVE_WORDS, OVERDUE_ICON, OVERDUE_WORD
from services.initiatives import InitiativeStanding

# the bars' colours: Okabe-Ito, as the KPI statuses (a status is also said in words everywhere)
COLOURS = {
    "completed": PALETTE["achieved"],
    "on_track": PALETTE["on_track"],
    "at_risk": PALETTE["at_risk"],
    "delayed": PALETTE["off_track"],
    "not_started": PALETTE["no_data"],
    "not_reported": PALETTE["no_data"],
}
SPAN_COLOUR = "#e3e6ea"


def initiative_status_word(status: str) -> str:
    return _(INITIATIVE_WORDS[status]) if status in INITIATIVE_WORDS else status


def initiative_status(status: str) -> html.Span:
    """An initiative's status as icon and word in a chip; the colour only repeats them."""
    return html.Span(
        [
            html.Span(INITIATIVE_ICONS.get(status, ""), **{"aria-hidden": "true"}),
            " ",
            initiative_status_word(status),
        ],
        className=f"status status-{status.replace('_', '-')}",
    )


def overdue_mark() -> html.Span:
    return html.Span(
        [html.Span(OVERDUE_ICON, **{"aria-hidden": "true"}), " ", _(OVERDUE_WORD)],
        className="status status-overdue",
    )


def status_counts(counts: dict[str, int], overdue: int) -> html.Ul:
    """Every status with how many initiatives have it, then how many are overdue."""
    items = [html.Li([initiative_status(s), f" {counts.get(s, 0)}"]) for s in STATUSES]
    items.append(html.Li([overdue_mark(), f" {overdue}"]))
    return html.Ul(items, className="status-counts", **{"aria-label": _("Initiatives by status")})


def percent_text(value: float | None) -> str:
    return format_figure(value, "percent") if value is not None else "—"


def progress_text(item: InitiativeStanding) -> str:
    """ "45.0% of 85.0% planned": done against the schedule at the as-of quarter."""
    return _(
        "%(done)s of %(planned)s planned",
        done=percent_text(item.percent_complete),
        planned=percent_text(item.planned_percent),
    )


def status_cell(item: InitiativeStanding) -> list:
    cell = [initiative_status(item.status)]
    if item.overdue:
        cell += [" ", overdue_mark()]
    return cell


def milestone_text(item: InitiativeStanding) -> str:
    report = item.report
    if report is None or not report.next_milestone:
        return "—"
    if report.milestone_due:
        return _(
            "%(milestone)s (due %(due)s)",
            milestone=report.next_milestone,
            due=ltr(report.milestone_due),
        )
    return report.next_milestone


def report_quarter(item: InitiativeStanding) -> str:
    """The quarter of the report shown, and whether it awaits review."""
    if item.report is None:
        return _("Never reported")
    text = ltr(item.report.period)
    return text if item.report.approved else _("%(quarter)s, awaiting review", quarter=text)


def initiatives_table(
    items: Sequence[InitiativeStanding], caption: str, query: str = ""
) -> html.Div:
    """The full table: every column the timeline stands for, and more."""
    rows = [
        [
            ltr(i.code),
            localized(i, "name"),
            dcc.Link(pick(i.lead_name_en, i.lead_name_ar), href=f"/entity/{i.lead}{query}")
            if i.lead
            else "—",
            dcc.Link(ltr(i.track), href=f"/track/{i.track}{query}"),
            html.Span(ltr(i.start), className="nowrap"),
            html.Span(ltr(i.due), className="nowrap"),
            status_cell(i),
            progress_text(i),
            milestone_text(i),
            i.report.note if i.report and i.report.note else "—",
            report_quarter(i),
        ]
        for i in items
    ]
    return table(
        [
            _("Code"),
            _("Initiative"),
            _("Lead"),
            _("Track"),
            _("Start"),
            _("Due"),
            _("Status"),
            _("Complete"),
            _("Next milestone"),
            _("Note"),
            _("Report of"),
        ],
        rows,
        caption,
        row_headers=True,
    )


def compact_table(items: Sequence[InitiativeStanding], caption: str) -> html.Div:
    """Code and name, status, done against planned, due: for a track's or an entity's page."""
    rows = [
        [
            ltr(i.code),
            localized(i, "name"),
            status_cell(i),
            progress_text(i),
            html.Span(ltr(i.due), className="nowrap"),
            report_quarter(i),
        ]
        for i in items
    ]
    return table(
        [_("Code"), _("Initiative"), _("Status"), _("Complete"), _("Due"), _("Report of")],
        rows,
        caption,
        row_headers=True,
    )


def _position(period: PeriodCode, end: bool) -> float:
    """A quarter on the chart's time axis, in years: 2021-Q1 starts at 2021.0, ends at 2021.25."""
    return period.year + ((period.quarter or 4) - (0 if end else 1)) / 4


def timeline_figure(items: Sequence[InitiativeStanding], as_of: str) -> go.Figure:
    """Each initiative a grey bar from its start to its due quarter, with the part reported done
    over it in its status's colour; the as-of quarter's end as a line."""
    figure = go.Figure()
    codes = [i.code for i in items]
    starts = [_position(parse_period(i.start), end=False) for i in items]
    spans = [
        _position(parse_period(i.due), end=True) - s for i, s in zip(items, starts, strict=True)
    ]
    names = [localized(i, "name") for i in items]
    figure.add_trace(
        go.Bar(
            y=codes,
            x=spans,
            base=starts,
            orientation="h",
            marker={"color": SPAN_COLOUR, "line": {"color": "#8c8c8c", "width": 1}},
            name=_("Start to due"),
            customdata=[[n, ltr(i.start), ltr(i.due)] for n, i in zip(names, items, strict=True)],
            hovertemplate="%{y} %{customdata[0]}<br>%{customdata[1]} – %{customdata[2]}"
            "<extra></extra>",
        )
    )
    for status in STATUSES:
        chosen = [k for k, i in enumerate(items) if i.status == status]
        if not chosen:
            continue
        done = [(items[k].percent_complete or 0) / 100 * spans[k] for k in chosen]
        figure.add_trace(
            go.Bar(
                y=[codes[k] for k in chosen],
                x=done,
                base=[starts[k] for k in chosen],
                orientation="h",
                marker={"color": COLOURS[status]},
                name=f"{INITIATIVE_ICONS[status]} {initiative_status_word(status)}",
                text=[percent_text(items[k].percent_complete) for k in chosen],
                textposition="inside",
                insidetextanchor="start",
                constraintext="none",
                customdata=[[names[k], progress_text(items[k])] for k in chosen],
                hovertemplate="%{y} %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            )
        )
    marker = _position(parse_period(as_of), end=True)
    figure.add_vline(
        x=marker,
        line={"color": "#1b1f24", "width": 2, "dash": "dash"},
        annotation_text=as_of,  # the quarter alone: plotly.js reorders mixed directions
        annotation_position="top",
    )
    first = min(starts, default=marker)
    last = max((s + w for s, w in zip(starts, spans, strict=True)), default=marker)
    years = list(range(int(first), int(max(last, marker)) + 1))
    figure.update_layout(barmode="overlay", bargap=0.35, height=26 * len(items) + 130)
    figure.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years])
    figure.update_yaxes(autorange="reversed", type="category")
    base_layout(figure, horizontal=True)
    figure.update_layout(margin={"t": 40})
    return figure


def timeline(chart_id: str, items: Sequence[InitiativeStanding], as_of: str, title: str):
    """The timeline with its title, a sentence saying what it shows, and its data as a table."""
    summary = _(
        "Each bar runs from an initiative's start quarter to its due quarter; the coloured part "
        "is the share reported complete, in the colour of its status. The dashed line marks "
        "the end of %(quarter)s.",
        quarter=ltr(as_of),
    )
    rows = [
        [
            ltr(i.code),
            ltr(i.start),
            ltr(i.due),
            f"{INITIATIVE_ICONS[i.status]} {initiative_status_word(i.status)}",
            progress_text(i),
        ]
        for i in items
    ]
    headers = [_("Code"), _("Start"), _("Due"), _("Status"), _("Complete")]
    figure = timeline_figure(items, as_of)
    return chart_block(chart_id, figure, title, summary, headers, rows, height=figure.layout.height)
