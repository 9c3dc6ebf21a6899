"""Reading figures as clerks type them: `34%`, `0.34` formatted as a percentage, `٣٤٫٥٪`,
`1,250`, numbers pasted as text, `Yes`/`نعم`. Pure functions; each returns a value or a reason."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kpis.values import MIN_NORMAL

ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
PERCENT_SIGNS = ("%", "٪", "﹪", "％")
YES = {"yes", "y", "نعم", "1", "true", "✓"}
NO = {"no", "n", "لا", "0", "false", "✗"}
# ASCII digits only (Arabic-Indic ones are translated first): `\d` would also take full-width and
# mathematical digits (８𝟎), which Excel shows as text, not as a number
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$", re.ASCII)
_NON_FINITE = re.compile(r"^[+-]?(inf|infinity|nan)$", re.IGNORECASE)  # as Python would read them
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$", re.ASCII)

# Ceilings: no real figure of these units comes near them, and under them every sum over all
# entities stays exact in a float (below 2**53, about 9 * 10**15). A larger number is a typo
# (an ID pasted in, a digit held down) or an attack on the aggregates (`1e308` overflows a sum).
COUNT_LIMIT = 10**9  # counts of things in a country of five million people: solutions, services
RANK_LIMIT = 1000  # the international indices rank about 200 countries
# OMR amounts, and numerators / denominators (services, requests, staff, transactions): the
# State's whole yearly budget is about OMR 12 billion (1.2 * 10**10); 10**12 is 80 times that.
AMOUNT_LIMIT = 10**12
TEXT_LIMIT = 2000  # characters in a comment or an evidence link
# Allowed in a comment: tab, line feed and carriage return are the only control characters a
# clerk's text has (Alt+Enter in Excel writes a line feed).
TEXT_CONTROLS_ALLOWED = frozenset("\t\n\r")
# Unicode's control characters (category Cc: C0, DEL, C1) and surrogates (Cs), and the bidi
# embeddings and overrides (U+202A-U+202E), which make a text show in another order than it is
# written (a note that reads backwards to the reviewer). Isolates and marks (U+2066-U+2069,
# U+200E/U+200F) are kept: the pages' own codes carry them, and a clerk copies from the pages.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e]")


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
    """A number from a cell value: numbers as they are, text with digits of either script; only
    real numbers (finite, not subnormal); never a boolean, date, time or duration."""
    if isinstance(raw, bool):
        return Parsed(problem="boolean_not_number")
    if isinstance(raw, int | float):
        return _real(raw)
    if isinstance(raw, date | datetime):
        return Parsed(problem="date_not_number")
    if isinstance(raw, time | timedelta):
        return Parsed(problem="time_not_number")
    if not isinstance(raw, str):
        return Parsed(problem="not_a_number")
    text = normalise_text(raw)
    percent = text.endswith(PERCENT_SIGNS) or text.startswith(PERCENT_SIGNS)
    text = text.strip("".join(PERCENT_SIGNS))
    if _GROUPED.match(text):
        text = text.replace(",", "")
    elif "," in text and "." not in text and re.fullmatch(r"[+-]?\d+,\d{1,2}", text, re.ASCII):
        text = text.replace(",", ".")  # a decimal comma: 34,5
    if not _NUMBER.match(text):
        return Parsed(problem="not_finite" if _NON_FINITE.match(text) else "not_a_number")
    parsed = _real(float(text))
    return Parsed(parsed.value, percent, parsed.problem)


def _real(number: int | float) -> Parsed:
    """`1e999` reads as infinity, calamine passes on a stored inf or NaN as they are, and
    5e-324 is subnormal: none is a figure anybody measured."""
    try:
        value = float(number)
    except OverflowError:  # an integer beyond any float
        return Parsed(problem="not_finite")
    if not math.isfinite(value):
        return Parsed(problem="not_finite")
    if value != 0 and abs(value) < MIN_NORMAL:
        return Parsed(problem="too_small")
    return Parsed(value)


def _within(parsed: Parsed, limit: int) -> Parsed:
    if parsed.ok and abs(parsed.value) > limit:
        return Parsed(parsed.value, parsed.percent, "beyond_limit")
    return parsed


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
    return _within(parsed, COUNT_LIMIT)


def parse_rank(raw: object) -> Parsed:
    parsed = parse_number(raw)
    if not parsed.ok:
        return parsed
    if parsed.percent or parsed.value < 1 or not float(parsed.value).is_integer():
        return Parsed(parsed.value, problem="rank_whole")
    return _within(parsed, RANK_LIMIT)


def parse_yes_no(raw: object) -> Parsed:
    """Yes/No as 100/0 (a `share_of_entities` KPI counts the entities answering yes)."""
    if isinstance(raw, bool):
        return Parsed(100.0 if raw else 0.0)
    key = normalise_text(str(raw)).lower() if not is_blank(raw) else ""
    if isinstance(raw, int | float) and raw in (0, 1):
        return Parsed(100.0 * raw)
    answers = {_answer(part.strip()) for part in key.split("/")} if key else {None}
    if len(answers) == 1 and (answer := answers.pop()) is not None:
        return Parsed(answer)  # `Yes`, or `Yes / نعم` as the template shows the previous answer
    return Parsed(problem="yes_no")


def _answer(word: str) -> float | None:
    return 100.0 if word in YES else 0.0 if word in NO else None


def parse_amount(raw: object) -> Parsed:
    """A non-negative amount (numerators, denominators, rials)."""
    parsed = parse_number(raw)
    if not parsed.ok:
        return parsed
    if parsed.percent or parsed.value < 0:
        return Parsed(parsed.value, problem="amount_negative")
    return _within(parsed, AMOUNT_LIMIT)


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


def limit_of(unit: str, aggregation: str) -> int | None:
    """The ceiling a value of `unit` is held to (for the message), None where the range is 0-100
    or yes / no."""
    if aggregation == "share_of_entities" or unit in ("percent", "milestone"):
        return None
    return {"count": COUNT_LIMIT, "rank": RANK_LIMIT}.get(unit, AMOUNT_LIMIT)


def control_character(text: str, allowed: frozenset[str] = TEXT_CONTROLS_ALLOWED):
    """The first control character of `text` (C0 but `allowed`, DEL, C1, a lone surrogate,
    which PostgreSQL cannot store, or a bidi embedding or override) and its 1-based position,
    or None."""
    for match in _CONTROLS.finditer(text):
        if match[0] not in allowed:
            return match[0], match.start() + 1
    return None


def link_character(link: str):
    """The first space or invisible character of a link (spaces, line and paragraph separators,
    formatting characters such as the bidirectional overrides U+202A-U+202E and isolates
    U+2066-U+2069, zero-width characters, direction marks), and its position, or None: a web
    address has none, and they can make a link read as another."""
    for position, char in enumerate(link, start=1):
        if unicodedata.category(char) in ("Zs", "Zl", "Zp", "Cf", "Cc", "Cs"):
            return char, position
    return None


_NAMED = ("Cc", "Cs", "Zl", "Zp")
# embeddings, overrides and isolates: they would reorder the message around a quoted text
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def code_point(char: str) -> str:
    """`U+0000`: how a message names an invisible character."""
    return f"U+{ord(char):04X}"


def shown_text(raw: object, limit: int = 60) -> str:
    """A cell's text quoted back in a message: invisible and control characters named
    (`U+0000`), and cut after `limit` characters."""
    whole = str(raw)
    text = "".join(
        code_point(c) if unicodedata.category(c) in _NAMED or c in BIDI_CONTROLS else c
        for c in whole[:limit]
    )
    return text if len(whole) <= limit else text + "…"
