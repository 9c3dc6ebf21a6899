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


BAISA_PER_OMR = 1000
# The rial's abbreviation in Arabic text (`ر.ع.`), after the amount as Omani documents write it.
OMR_ARABIC = "ر.ع."


def format_omr(baisa: int, *, decimals: int = 3, language: str = "en") -> str:
    """An amount of money kept in baisa (1 OMR = 1,000 baisa), exact, as every page, table and
    report shows it: `OMR 170,000,000.000` in English; `170,000,000.000 ر.ع.` in Arabic, the
    digits as the rest of the app writes them (0-9, thousands grouped with commas) and isolated
    left-to-right so that a minus sign or a grouping comma is not reordered by the Arabic text
    around it. `decimals` below 3 rounds half away from zero (`decimals=0`: whole rials)."""
    number = format_baisa(baisa, decimals=decimals)
    if language == "ar":
        return f"\u2066{number}\u2069 {OMR_ARABIC}"
    return f"OMR {number}"


def format_baisa(baisa: int, *, decimals: int = 3) -> str:
    """The amount of `format_omr` without the currency (`170,000,000.000`), for a sentence or a
    table column that names the currency once."""
    if not 0 <= decimals <= 3:
        raise ValueError("decimals must be 0 to 3")
    whole, fraction = divmod(abs(int(baisa)), BAISA_PER_OMR)
    step = 10 ** (3 - decimals)
    fraction = (fraction + step // 2) // step if step > 1 else fraction
    if fraction == 10**decimals:  # 999.9995 rounded up to the next rial
        whole, fraction = whole + 1, 0
    number = f"{whole:,}" + (f".{fraction:0{decimals}d}" if decimals else "")
    if baisa < 0 and (whole or fraction):  # never `-0.000`
        number = f"-{number}"
    return number
