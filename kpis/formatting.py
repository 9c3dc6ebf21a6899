"""Figures as text: one decimal for percentages, whole numbers where the unit counts things."""

from __future__ import annotations

import math

# What stands for a number that is not finite (NaN, an infinity), never "nan" or "inf"; the pages
# show their own translated word (kpis.values decides what is usable before anything is shown).
INVALID = "invalid"


def format_number(value: float, decimals: int = 1) -> str:
    if not math.isfinite(value):
        return INVALID
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_value(value: float | None, unit: str) -> str:
    """`34%`, `34.5%`, `1,250`, `OMR 12,000.5`; an empty string for no value."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return INVALID
    if unit in ("percent", "milestone"):
        return f"{format_number(value, 1)}%"
    if unit == "omr":
        return f"OMR {format_number(value, 3)}"
    if unit in ("rank", "count"):
        return format_number(value, 0 if float(value).is_integer() else 1)
    return format_number(value, 2)


def format_figure(value: float | None, unit: str) -> str:
    """A figure as every page, chart, table and summary shows it (one format per unit):
    percentages always with one decimal (`34.0%`), so that a column of them lines up and `77%`
    never sits next to `71.3%`; other units as `format_value`. Targets and shares of the way
    to a target go through here too (dashboards._text)."""
    if value is not None and math.isfinite(value) and unit in ("percent", "milestone"):
        return f"{value:,.1f}%"
    return format_value(value, unit)
