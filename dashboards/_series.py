"""A KPI's national series as a chart with its summary sentence and data table."""

from __future__ import annotations

from flask_babel import gettext as _
from plotly.subplots import make_subplots

from dashboards._charts import PALETTE, base_layout, chart_block, series_figure
from dashboards._text import kpi_status_word, localized, ltr, verdict_word
from kpis.analysis import Picture
from kpis.formatting import format_figure
from kpis.periods import PeriodCode


def series_chart(pic: Picture, chart_id: str):
    spec = pic.spec
    periods = [p.period.code for p in pic.series]
    actual = [p.value for p in pic.series]
    expected = [p.expected for p in pic.series]
    line = _forecast_line(pic)
    names = {
        "actual": _("National figure"),
        "path": _("Expected path"),
        "target": _("Target 2025"),
        "forecast": _("Forecast"),
    }
    figure = series_figure(
        periods,
        actual,
        expected,
        spec.target,
        line,
        lower_is_better=spec.lower_is_better,
        names=names,
    )
    rows = [
        [
            ltr(p.period.code),
            format_figure(p.value, spec.unit),
            format_figure(p.expected, spec.unit),
        ]
        for p in pic.series
    ]
    return chart_block(
        chart_id,
        figure,
        f"{spec.code} · {localized(spec, 'name')}",
        summary(pic),
        [_("Period"), _("National figure"), _("Expected on the path")],
        rows,
    )


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


def small_multiples(pictures: list[Picture], chart_id: str, title: str):
    """Every KPI of a track in one figure (one panel each): fewer charts for the browser to draw."""
    columns = 2
    rows_count = max(1, (len(pictures) + columns - 1) // columns)
    figure = make_subplots(
        rows=rows_count,
        cols=columns,
        subplot_titles=[p.spec.code for p in pictures],
        vertical_spacing=0.12,
    )
    for n, pic in enumerate(pictures):
        row, col = n // columns + 1, n % columns + 1
        periods = [p.period.code for p in pic.series]
        figure.add_scatter(
            x=periods,
            y=[p.expected for p in pic.series],
            mode="lines",
            name=_("Expected path"),
            line={"color": PALETTE["path"], "dash": "dash"},
            showlegend=n == 0,
            row=row,
            col=col,
        )
        figure.add_scatter(
            x=periods,
            y=[p.value for p in pic.series],
            mode="lines+markers",
            name=_("National figure"),
            line={"color": PALETTE["actual"]},
            showlegend=n == 0,
            row=row,
            col=col,
        )
        if pic.spec.target is not None:
            figure.add_hline(
                y=pic.spec.target,
                line={"color": PALETTE["target"], "dash": "longdash"},
                row=row,
                col=col,
            )
    figure.update_xaxes(type="category", showticklabels=False)
    base_layout(figure)
    for n, pic in enumerate(pictures):  # after base_layout, which sets every value axis
        if pic.spec.lower_is_better:
            figure.update_yaxes(autorange="reversed", row=n // columns + 1, col=n % columns + 1)
    figure.update_layout(margin={"t": 40})  # room for the first row's panel titles
    rows = [
        [
            f"{p.spec.code} {localized(p.spec, 'name')}",
            format_figure(p.value, p.spec.unit),
            format_figure(p.expected, p.spec.unit),
            kpi_status_word(p.status),
        ]
        for p in pictures
    ]
    sentence = _(
        "%(on)d of %(count)d indicators are on track or achieved; the dashed line is the path, "
        "the long dashes the 2025 target.",
        on=sum(1 for p in pictures if p.status in ("on_track", "achieved")),
        count=len(pictures),
    )
    return chart_block(
        chart_id,
        figure,
        title,
        sentence,
        [_("Indicator"), _("National figure"), _("Expected on the path"), _("Status")],
        rows,
        height=260 * rows_count,
    )
