"""The table of KPIs with their national picture, shared by the overview and the track pages."""

from __future__ import annotations

from dash import dcc, html
from flask_babel import gettext as _

from dashboards._charts import PALETTE
from dashboards._components import scroll_region
from dashboards._text import (
    KPI_STATUS_ICONS,
    invalid_note,
    kpi_status,
    kpi_status_word,
    localized,
    ltr,
    percent,
    point_text,
    sparkline,
    target_heading,
    target_text,
    verdict_word,
)
from kpis.analysis import Picture
from kpis.formatting import format_figure


def figure_cell(pic: Picture) -> list:
    """The national value with its coverage; a partial figure says so in words, and so does one
    that leaves out invalid figures (or is itself invalid)."""
    point = pic.current
    if point is None or (point.value is None and not point.invalid):
        return [_("No figure")]
    parts: list = [html.Strong(point_text(point, pic.spec.unit))]
    if point.period != (pic.series[-1].period if pic.series else point.period):
        parts.append(
            html.Span(" " + _("(%(period)s)", period=ltr(point.period.code)), className="muted")
        )
    nat = point.national
    if nat is not None and pic.spec.scope == "entity":
        label = _(
            "%(reported)d of %(expected)d entities", reported=nat.reported, expected=nat.expected
        )
        if nat.partial:
            label = _("Partial: %(coverage)s", coverage=label)
        parts.extend([html.Br(), html.Span(label, className="coverage muted")])
    if nat is not None and nat.invalid:
        parts.extend([html.Br(), html.Span(invalid_note(nat.invalid), className="coverage muted")])
    if pic.forecast.final:  # the target period is reported: the verdict is final
        parts.extend([html.Br(), html.Span(verdict_word(pic.forecast.verdict), className="final")])
    return parts


def progress_bar(pic: Picture) -> html.Span | str:
    """How far along to the target, as a bar coloured by the KPI's status (never green next to
    "Off track") with the share and the status's icon and word beside it: colour only repeats
    what the words say."""
    if pic.progress is None:
        return ""
    shown = max(0.0, min(pic.progress, 1.0))
    status = pic.status
    text = _(
        "%(share)s of the way to the target; %(status)s",
        share=percent(pic.progress),
        status=kpi_status_word(status),
    )
    return html.Span(
        [
            html.Span(
                html.Span(
                    className="bar-fill",
                    style={
                        "display": "block",
                        "blockSize": "100%",
                        "inlineSize": f"{100 * shown:.1f}%",
                        "backgroundColor": PALETTE.get(status, PALETTE["no_data"]),
                    },
                ),
                className=f"bar bar-{status.replace('_', '-')}",
                role="img",
                style=BAR_TRACK,
                **{"aria-label": text, "data-status": status},
            ),
            html.Span(percent(pic.progress), className="meter-text"),
            html.Span(
                KPI_STATUS_ICONS.get(status, ""),
                className=f"status-icon status-{status.replace('_', '-')}",
                **{"aria-hidden": "true"},
            ),
        ],
        className="progress",
        title=text,
    )


# the bar's frame: inline so that it shows the same with or without the stylesheet (print, PDF)
BAR_TRACK = {
    "display": "inline-block",
    "inlineSize": "6rem",
    "blockSize": "0.9rem",
    "backgroundColor": "#e3e6ea",
    "border": "1px solid #8c8c8c",
    "borderRadius": "2px",
    "overflow": "hidden",
    "verticalAlign": "middle",
}


def trend_cell(pic: Picture) -> html.Span | str:
    values = [p.value for p in pic.series]
    line = sparkline(values, pic.spec.lower_is_better)
    if not line:
        return ""
    known = [v for v in values if v is not None]
    words = _(
        "Trend from %(first)s to %(last)s",
        first=format_figure(known[0], pic.spec.unit),
        last=format_figure(known[-1], pic.spec.unit),
    )
    return html.Span(
        [
            html.Span(line, className="spark", **{"aria-hidden": "true"}),
            html.Span(words, className="sr-only"),
        ],
        title=words,
    )


def kpi_table(pictures: list[Picture], caption: str, query: str) -> html.Div:
    headers = [
        _("Indicator"),
        _("National figure"),
        target_heading(p.spec for p in pictures),
        _("Progress"),
        _("Status"),
        _("Trend"),
    ]
    rows = [
        html.Tr(
            [
                html.Th(
                    dcc.Link(
                        [
                            html.Span(ltr(p.spec.code), className="code"),
                            " ",
                            localized(p.spec, "name"),
                        ],
                        href=f"/kpi/{p.spec.code}{query}",
                    ),
                    scope="row",
                ),
                html.Td(figure_cell(p), className="num"),
                html.Td(
                    target_text(p.spec.target, p.spec.unit, p.spec.comparator),
                    className="num" if p.spec.has_target else "num target-unset",
                ),
                html.Td(progress_bar(p)),
                html.Td(kpi_status(p.status)),
                html.Td(trend_cell(p)),
            ]
        )
        for p in pictures
    ]
    return scroll_region(
        html.Table(
            [
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
                html.Tbody(rows),
            ],
            className="table",
        ),
        caption,
    )
