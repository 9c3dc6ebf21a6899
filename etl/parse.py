"""Reading figures as clerks type them: `34%`, `0.34` formatted as a percentage, `٣٤٫٥٪`,
`1,250`, numbers pasted as text, `Yes`/`نعم`. Pure functions; each returns a value or a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
PERCENT_SIGNS = ("%", "٪", "﹪", "％")
YES = {"yes", "y", "نعم", "1", "true", "✓"}
NO = {"no", "n", "لا", "0", "false", "✗"}
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class Parsed:
    """A figure read from a cell: the number, whether it was written as a percentage, or why not."""

    value: float | None = None
    percent: bool = False
    problem: str | None = None  # a message code from etl.messages

    @property
    def ok(self) -> bool:
        return self.problem is None


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def normalise_text(raw: str) -> str:
    """Western digits, `.` for the decimal mark, no spaces or direction marks."""
    text = raw.translate(ARABIC_DIGITS).replace("٫", ".").replace("٬", ",").replace("،", ",")
    for mark in ("\u200f", "\u200e", "\u061c", "\xa0", "\u202f", " ", "\t"):
        text = text.replace(mark, "")
    return text.strip()


def parse_number(raw: object) -> Parsed:
    """A number from a cell value: numbers as they are, text with digits of either script."""
    if isinstance(raw, bool):
        return Parsed(problem="not_a_number")
    if isinstance(raw, int | float):
        return Parsed(float(raw))
    if isinstance(raw, date | datetime):
        return Parsed(problem="date_not_number")
    if not isinstance(raw, str):
        return Parsed(problem="not_a_number")
    text = normalise_text(raw)
    percent = text.endswith(PERCENT_SIGNS) or text.startswith(PERCENT_SIGNS)
    text = text.strip("".join(PERCENT_SIGNS))
    if _GROUPED.match(text):
        text = text.replace(",", "")
    elif "," in text and "." not in text and re.fullmatch(r"[+-]?\d+,\d{1,2}", text):
        text = text.replace(",", ".")  # a decimal comma: 34,5
    if not _NUMBER.match(text):
        return Parsed(problem="not_a_number")
    return Parsed(float(text), percent=percent)


def parse_percent(raw: object, percent_format: bool) -> Parsed:
    """0-100: `34%`, or 0.34 in a percentage-formatted cell, reads as 34; bare 0.45 is ambiguous."""
    parsed = parse_number(raw)
    if not parsed.ok:
        return parsed
    value = parsed.value
    if percent_format and not parsed.percent and isinstance(raw, int | float):
        value = value * 100
    elif not parsed.percent and 0 < value < 1:
        return Parsed(value, problem="ambiguous_fraction")
    if not 0 <= value <= 100:
        return Parsed(value, problem="percent_range")
    return Parsed(round(value, 10), percent=True)


def parse_count(raw: object) -> Parsed:
    parsed = parse_number(raw)
    if not parsed.ok:
        return parsed
    if parsed.percent or parsed.value < 0 or not float(parsed.value).is_integer():
        return Parsed(parsed.value, problem="count_whole")
    return parsed


def parse_rank(raw: object) -> Parsed:
    parsed = parse_number(raw)
    if not parsed.ok:
        return parsed
    if parsed.percent or parsed.value < 1 or not float(parsed.value).is_integer():
        return Parsed(parsed.value, problem="rank_whole")
    return parsed


def parse_yes_no(raw: object) -> Parsed:
    """Yes/No as 100/0 (a `share_of_entities` KPI counts the entities answering yes)."""
    if isinstance(raw, bool):
        return Parsed(100.0 if raw else 0.0)
    key = normalise_text(str(raw)).lower() if not is_blank(raw) else ""
    if isinstance(raw, int | float) and raw in (0, 1):
        return Parsed(100.0 * raw)
    if key in YES:
        return Parsed(100.0)
    if key in NO:
        return Parsed(0.0)
    return Parsed(problem="yes_no")


def parse_amount(raw: object) -> Parsed:
    """A non-negative amount (numerators, denominators, rials)."""
    parsed = parse_number(raw)
    if not parsed.ok:
        return parsed
    if parsed.percent or parsed.value < 0:
        return Parsed(parsed.value, problem="amount_negative")
    return parsed


def parse_for_unit(raw: object, unit: str, aggregation: str, percent_format: bool) -> Parsed:
    if aggregation == "share_of_entities":
        return parse_yes_no(raw)
    if unit in ("percent", "milestone"):
        return parse_percent(raw, percent_format)
    if unit == "count":
        return parse_count(raw)
    if unit == "rank":
        return parse_rank(raw)
    return parse_amount(raw)
