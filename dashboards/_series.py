"""A KPI's national series as a chart with its summary sentence and data table."""

from __future__ import annotations

import plotly.graph_objects as go
from flask_babel import gettext as _

from dashboards._charts import PALETTE, base_layout, chart_block, quarter_ticks, series_figure
from dashboards._text import (
    figure_text,
    kpi_status_word,
    localized,
    ltr,
    point_text,
    target_heading,
    target_text,
    unit_label,
    verdict_word,
)
from kpis.analysis import Picture
from kpis.formatting import format_figure
from kpis.periods import PeriodCode
from web.i18n import language


def series_chart(pic: Picture, chart_id: str):
    spec = pic.spec
    periods = [p.period.code for p in pic.series]
    actual = [p.value for p in pic.series]
    expected = [p.expected for p in pic.series]
    line = _forecast_line(pic)
    names = {
        "actual": _("National figure"),
        "path": _("Expected path"),
        "target": target_heading([spec]),
        "forecast": _("Forecast"),
        "quarter": _("Quarter"),
        "unit": unit_label(spec.unit),
    }
    figure = series_figure(
        periods,
        actual,
        expected,
        period_targets(pic) if spec.restated else spec.target,
        line,
        lower_is_better=spec.lower_is_better,
        names=names,
        unit=spec.unit,
    )
    rows = [
        [
            ltr(p.period.code),
            point_text(p, spec.unit),
            format_figure(p.expected, spec.unit),
        ]
        for p in pic.series
    ]
    headers = [_("Period"), _("National figure"), _("Expected on the path")]
    if spec.restated:  # the table says which target rated each period
        headers.append(_("Target in force"))
        for row, p in zip(rows, pic.series, strict=True):
            rated = spec.in_force(p.period)
            row.append(target_text(rated.target, spec.unit, rated.comparator))
    return chart_block(
        chart_id,
        figure,
        f"{spec.code} · {localized(spec, 'name')}",
        summary(pic),
        headers,
        rows,
    )


def period_targets(pic: Picture) -> list[float | None]:
    """The target each period of the series is rated by (kpis.spec.in_force)."""
    return [pic.spec.in_force(p.period).target for p in pic.series]


def _forecast_line(pic: Picture):
    known = [p for p in pic.series if p.value is not None]
    if pic.forecast.slope is None or not known or pic.spec.target_year is None:
        return None
    last = known[-1]
    end = PeriodCode(pic.spec.target_year, 4)
    steps = (end.year - last.period.year) * 4 + (4 - (last.period.quarter or 4))
    if steps <= 0:
        return None
    return [last.period.code, end.code], [last.value, last.value + pic.forecast.slope * steps / 4]


def summary(pic: Picture) -> str:
    """One sentence in words: where the KPI stands, against what, and where it is heading."""
    spec = pic.spec
    if pic.current is not None and pic.current.invalid:
        return _(
            "%(code)s: the figure stored for %(period)s is invalid and is left out.",
            code=spec.code,
            period=ltr(pic.current.period.code),
        )
    if pic.value is None:
        return _("%(code)s has no figure yet.", code=spec.code)
    now = format_figure(pic.value, spec.unit)
    period = ltr(pic.current.period.code)
    if not spec.has_target:
        return _(
            "%(code)s stood at %(value)s in %(period)s; no target is set.",
            code=spec.code,
            value=now,
            period=period,
        )
    return _(
        "%(code)s stood at %(value)s in %(period)s against %(expected)s expected on the path: "
        "%(status)s. %(verdict)s.",
        code=spec.code,
        value=now,
        period=period,
        expected=format_figure(pic.expected, spec.unit) or "—",
        status=kpi_status_word(pic.status).lower(),
        verdict=verdict_word(pic.forecast.verdict),
    )


SPACING = {"x": 0.1, "y": 0.12}  # between panels, as fractions of the figure


def small_multiples(pictures: list[Picture], chart_id: str, title: str):
    """Every KPI of a track in one figure, one panel each: fewer charts for the browser to draw.
    Panels are laid out here rather than by `make_subplots`, which costs more than the data. In
    Arabic the first panel is on the right."""
    columns, rtl = 2, language() == "ar"
    rows_count = max(1, (len(pictures) + columns - 1) // columns)
    traces: list[dict] = []
    layout: dict = {"annotations": [], "shapes": []}
    for n, pic in enumerate(pictures):
        axis = "" if n == 0 else str(n + 1)
        x0, x1, y0, y1 = _panel(n, columns, rows_count, rtl)
        layout[f"xaxis{axis}"] = _time_axis(pic, x0, x1, axis)
        layout[f"yaxis{axis}"] = {
            "domain": [y0, y1],
            "anchor": f"x{axis}",
            "ticksuffix": "%" if pic.spec.unit in ("percent", "milestone") else "",
        }
        layout["annotations"].append(_panel_title(panel_title(pic), (x0 + x1) / 2, y1))
        traces.extend(_panel_traces(pic, axis, legend=n == 0))
        if pic.spec.target is not None:
            layout["shapes"].append(_target_line(pic.spec.target, axis))
    figure = go.Figure(data=traces, layout=layout)
    base_layout(figure)
    for n, pic in enumerate(pictures):  # after base_layout, which sets every value axis
        if pic.spec.lower_is_better:
            figure.layout[f"yaxis{'' if n == 0 else n + 1}"].autorange = "reversed"
    # room for the first row's panel titles; the legend under the last row's quarter labels
    figure.update_layout(margin={"t": 40}, legend={"y": -0.45 / rows_count})
    rows = [
        [
            f"{p.spec.code} {localized(p.spec, 'name')}",
            figure_text(p.value, p.spec.unit, bool(p.current and p.current.invalid)),
            format_figure(p.expected, p.spec.unit),
            kpi_status_word(p.status),
        ]
        for p in pictures
    ]
    sentence = _(
        "%(on)d of %(count)d indicators are on track or achieved; the dashed line is the path, "
        "the long dashes the target.",
        on=sum(1 for p in pictures if p.status in ("on_track", "achieved")),
        count=len(pictures),
    )
    span = _quarter_span(pictures)
    if span:
        sentence = f"{sentence} {span}"
    return chart_block(
        chart_id,
        figure,
        title,
        sentence,
        [_("Indicator"), _("National figure"), _("Expected on the path"), _("Status")],
        rows,
        height=260 * rows_count,
    )


def _panel(n: int, columns: int, rows: int, rtl: bool) -> tuple[float, float, float, float]:
    """The n-th panel's x and y domains, filling rows from the top (from the right in Arabic)."""
    row, col = divmod(n, columns)
    if rtl:
        col = columns - 1 - col
    width = (1 - SPACING["x"] * (columns - 1)) / columns
    height = (1 - SPACING["y"] * (rows - 1)) / rows
    x0 = col * (width + SPACING["x"])
    y1 = 1 - row * (height + SPACING["y"])
    return round(x0, 6), round(x0 + width, 6), max(0.0, round(y1 - height, 6)), round(y1, 6)


def panel_title(pic: Picture) -> str:
    """A panel's title: the KPI's code and its unit ("T1.1 · Percent")."""
    return f"{pic.spec.code} · {unit_label(pic.spec.unit)}"


def _time_axis(pic: Picture, x0: float, x1: float, axis: str) -> dict:
    """Quarters as categories, labelled at the first and the last only: a panel is a third of
    a phone's width, where more labels run into each other."""
    ticks = quarter_ticks([p.period.code for p in pic.series], most=2)
    return {
        "domain": [x0, x1],
        "anchor": f"y{axis}",
        "type": "category",
        "tickmode": "array",
        "tickvals": ticks,
        "ticktext": ticks,
        "tickangle": 0,
        "tickfont": {"size": 11},
    }


def _quarter_span(pictures: list[Picture]) -> str:
    """ "Quarters 2021-Q1 to 2025-Q4.": what the panels' time axes cover, in words."""
    periods = sorted({p.period for pic in pictures for p in pic.series}, key=lambda q: q.end)
    if not periods:
        return ""
    return _(
        "Quarters %(first)s to %(last)s.",
        first=ltr(periods[0].code),
        last=ltr(periods[-1].code),
    )


def _panel_title(text: str, x: float, y: float) -> dict:
    return {
        "text": text,
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 14},
    }


def _panel_traces(pic: Picture, axis: str, *, legend: bool) -> list[dict]:
    periods = [p.period.code for p in pic.series]
    shared = {"type": "scatter", "x": periods, "xaxis": f"x{axis}", "yaxis": f"y{axis}"}
    return [
        {
            **shared,
            "y": [p.expected for p in pic.series],
            "mode": "lines",
            "name": _("Expected path"),
            "line": {"color": PALETTE["path"], "dash": "dash"},
            "showlegend": legend,
        },
        {
            **shared,
            "y": [p.value for p in pic.series],
            "mode": "lines+markers",
            "name": _("National figure"),
            "line": {"color": PALETTE["actual"]},
            "showlegend": legend,
        },
    ]


def _target_line(target: float, axis: str) -> dict:
    """The target across the whole panel (what `add_hline` draws, without its cost)."""
    return {
        "type": "line",
        "xref": f"x{axis} domain",
        "x0": 0,
        "x1": 1,
        "yref": f"y{axis}",
        "y0": target,
        "y1": target,
        "line": {"color": PALETTE["target"], "dash": "longdash"},
    }
