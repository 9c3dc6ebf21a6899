"""A KPI's small chart for the printed report: inline SVG drawn from the series (vector, its text
as text), the national figure against the path and the target, periods along the bottom and
values with their unit up the side. In Arabic time runs right to left, as on the pages."""

from __future__ import annotations

import math
from html import escape

from kpis.formatting import format_figure
from reports.content import KpiLine

WIDTH, HEIGHT = 330, 104
AXIS, SIDE, TOP, BOTTOM = 50, 14, 10, 22  # room for the value labels, the far side, top, periods
# Okabe & Ito, as on the pages (dashboards/_charts.py): distinguishable with every common
# colour-vision deficiency; the lines also differ by dash and marker, never by colour alone.
INSET = 0.07  # of the plot's width, kept free at either end
ACTUAL, PATH, TARGET, GRID = "#0072B2", "#E69F00", "#009E73", "#d9dde2"


def nice_ticks(low: float, high: float, wanted: int = 4, most: int = 5) -> list[float]:
    """Round values (steps of 1, 2 or 5 × 10^k) spanning [low, high], at most `most` of them."""
    if high <= low:
        low, high = low - 1, high + 1
    raw = (high - low) / wanted
    power = 10 ** math.floor(math.log10(raw))
    steps = [m * power for m in (1, 2, 5, 10, 20, 50, 100)]
    for step in (s for s in steps if s >= raw):
        start = math.floor(low / step) * step
        count = math.ceil((high - start) / step - 1e-9) + 1
        if count <= most:
            return [round(start + i * step, 10) for i in range(count)]
    return [low, high]


def period_labels(periods: list[str]) -> list[int]:
    """Which periods get a label: every one when few, else each year's fourth quarter."""
    if len(periods) <= 6:
        return list(range(len(periods)))
    return [i for i, p in enumerate(periods) if p.endswith("Q4")] or [0, len(periods) - 1]


def kpi_chart(line: KpiLine, *, rtl: bool, title: str) -> str:
    """The SVG of `line`'s series: figure (solid, dots), path (dashed), target (dotted)."""
    periods = [p.period for p in line.series]
    if not periods:
        return ""
    values = [p.value for p in line.series]
    path = [p.expected for p in line.series]
    known = [v for v in [*values, *path, line.target] if v is not None and math.isfinite(v)]
    if not known:
        return ""
    ticks = nice_ticks(min(known), max(known))
    low, high = ticks[0], ticks[-1]
    plot_left = SIDE if rtl else AXIS
    plot_right = WIDTH - (AXIS if rtl else SIDE)
    plot_bottom = HEIGHT - BOTTOM

    inset = INSET * (plot_right - plot_left)  # the first and last period's labels fit

    def x(i: int) -> float:
        share = 0.5 if len(periods) == 1 else i / (len(periods) - 1)
        if rtl:
            share = 1 - share
        return plot_left + inset + share * (plot_right - plot_left - 2 * inset)

    def y(v: float) -> float:
        share = (v - low) / (high - low)
        if line.lower_is_better:  # a rank: better (smaller) is higher
            share = 1 - share
        return plot_bottom - share * (plot_bottom - TOP)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
        f'role="img" style="direction:ltr"><title>{escape(title)}</title>'
    ]
    label_x = plot_right + 4 if rtl else plot_left - 4
    anchor = "start" if rtl else "end"
    for tick in ticks:
        parts.append(
            f'<line x1="{plot_left}" x2="{plot_right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{GRID}" stroke-width="0.6"/>'
            f'<text x="{label_x}" y="{y(tick) + 3:.1f}" text-anchor="{anchor}" '
            f'class="tick">{escape(format_figure(tick, line.unit))}</text>'
        )
    for i in period_labels(periods):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - 6}" text-anchor="middle" '
            f'class="tick">{escape(periods[i])}</text>'
        )
    if line.target is not None:
        parts.append(
            f'<line x1="{plot_left}" x2="{plot_right}" y1="{y(line.target):.1f}" '
            f'y2="{y(line.target):.1f}" stroke="{TARGET}" stroke-width="1.4" '
            'stroke-dasharray="1.5 2.5" stroke-linecap="round"/>'
        )
    dashed = 'stroke-dasharray="5 3"'
    parts.extend(_polylines([(x(i), v) for i, v in enumerate(path)], y, PATH, dashed))
    parts.extend(_polylines([(x(i), v) for i, v in enumerate(values)], y, ACTUAL, ""))
    for i, v in enumerate(values):
        if v is not None and math.isfinite(v):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="1.8" fill="{ACTUAL}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _polylines(points, y, colour: str, dash: str) -> list[str]:
    """One polyline per unbroken run of known values (a gap where nothing was reported)."""
    runs: list[list[str]] = [[]]
    for px, v in points:
        if v is None or not math.isfinite(v):
            runs.append([])
        else:
            runs[-1].append(f"{px:.1f},{y(v):.1f}")
    return [
        f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" '
        f'stroke-width="1.6" {dash}/>'
        for run in runs
        if len(run) > 1
    ]


def legend_swatch(kind: str) -> str:
    """The small line that stands for `kind` (figure, path, target) in a legend."""
    style = {
        "figure": (ACTUAL, ""),
        "path": (PATH, 'stroke-dasharray="5 3"'),
        "target": (TARGET, 'stroke-dasharray="1.5 2.5" stroke-linecap="round"'),
    }[kind]
    return (
        f'<svg class="swatch" viewBox="0 0 22 6" xmlns="http://www.w3.org/2000/svg" '
        f'aria-hidden="true"><line x1="1" x2="21" y1="3" y2="3" stroke="{style[0]}" '
        f'stroke-width="1.8" {style[1]}/></svg>'
    )
