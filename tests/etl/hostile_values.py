"""Hostile and broken values in the cells of the MOH 2025-Q3 template (issue 12, items 2 and 3):
numbers that are not real numbers or no unit allows, dates, times and booleans where a figure
belongs, control characters, over-long texts and links that are not web addresses.

Each case starts from the generated template and writes its cells with openpyxl (`fill`); what
openpyxl will not write (a `1e999` or NaN stored as a number, a NUL) goes into the sheet's XML
as Excel would store it: a number's literal text, or a character escaped as `_x0000_`.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time, timedelta

from tests.etl.conftest import fill
from tests.etl.hostile_case import HostileCase

# Rows of the MOH 2025-Q3 template (tests/etl/test_values.py checks them) and its columns.
ROWS = {"T1.1": 2, "T1.5": 5, "T3.4": 12}
CODE, PERIOD, NUMERATOR, DENOMINATOR, VALUE, COMMENT, LINK = "ACEFGHI"
NUMBER_MARK = 918273.5  # a number openpyxl writes as `<v>918273.5</v>`, replaced in the XML
TEXT_MARK = "ZZ-MARK-ZZ"


def cell(code: str, column: str) -> str:
    return f"Data!{column}{ROWS[code]}"


def patched(data: bytes, replacements: dict[bytes, bytes]) -> bytes:
    """The workbook with each byte string of a sheet's XML replaced (each must occur once)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    found = dict.fromkeys(replacements, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.startswith(("xl/worksheets/", "xl/sharedStrings")):
                for old, new in replacements.items():
                    found[old] += body.count(old)
                    body = body.replace(old, new)
            target.writestr(info, body)
    assert all(n == 1 for n in found.values()), found
    return out.getvalue()


def typed(code: str, cells: dict[str, object]):
    """Cells written with openpyxl as a clerk would type them."""
    return lambda template: fill(template, {code: cells})


def stored_number(code: str, literal: bytes, **others: object):
    """A number cell whose stored text is `literal` (`1e999`, `NaN`): what calamine reads as it
    is, an infinity or NaN, though openpyxl cannot write one."""

    def build(template: bytes) -> bytes:
        data = fill(template, {code: {"Value": NUMBER_MARK, **others}})
        return patched(data, {b"<v>918273.5</v>": b"<v>" + literal + b"</v>"})

    return build


def stored_text(code: str, label: str, escaped: bytes, **others: object):
    """A text cell holding `escaped`, as Excel stores a control character (`_x0000_`)."""

    def build(template: bytes) -> bytes:
        data = fill(template, {code: {label: TEXT_MARK, **others}})
        return patched(data, {TEXT_MARK.encode(): escaped})

    return build


def both(code: str, numerator: object, denominator: object):
    return typed(code, {"Numerator": numerator, "Denominator": denominator})


FIGURE = {"Value": 40}  # a good figure beside a bad text
LONG = "Figures from the ministry's e-services platform. " * 200  # 10,000 characters


def hidden_value_column(template: bytes) -> bytes:
    """A second `Value` column, hidden, holding other figures than the visible one."""

    def edit(sheet):
        sheet["L1"] = "Value"
        sheet["L5"] = 99
        sheet.column_dimensions["L"].hidden = True

    return fill(template, {"T1.5": {"Value": 40}}, edit)


def percent_sign_as_text(template: bytes) -> bytes:
    """0.8 shown as `0.80%` by a format whose % is quoted text: Excel does not multiply it."""

    def edit(sheet):
        sheet["G5"].number_format = '0.00"%"'

    return fill(template, {"T1.5": {"Value": 0.8}}, edit)


CASES = [
    # what Excel shows, not what a reader could be led to load
    HostileCase(
        "a % sign that is quoted text in the number format",
        percent_sign_as_text,
        "ambiguous_fraction",
        cell("T1.5", VALUE),
        "read as 80 before; Excel shows 0.80%",
    ),
    HostileCase(
        "a hidden second Value column",
        hidden_value_column,
        "repeated_heading",
        "Data!L1",
        "which of two Value columns the clerk meant cannot be told: neither is read",
    ),
    HostileCase(
        "full-width and mathematical digits",
        typed("T1.5", {"Value": "８𝟎"}),
        "not_a_number",
        cell("T1.5", VALUE),
        "Excel shows them as text, not as a number",
    ),
    # numbers that are not real numbers
    HostileCase(
        "1e999 typed in the value",
        typed("T1.5", {"Value": "1e999"}),
        "not_finite",
        cell("T1.5", VALUE),
    ),
    HostileCase(
        "1e999 in the numerator and the denominator",
        both("T1.5", "1e999", "1e999"),
        "not_finite",
        cell("T1.5", NUMERATOR),
        "inf / inf would be NaN; each cell is named",
    ),
    HostileCase(
        "1e999 stored as a number",
        stored_number("T1.5", b"1e999"),
        "not_finite",
        cell("T1.5", VALUE),
        "calamine reads it as a float infinity",
    ),
    HostileCase(
        "a stored NaN",
        stored_number("T1.5", b"NaN"),
        "not_finite",
        cell("T1.5", VALUE),
    ),
    HostileCase(
        "-Infinity stored as a number",
        stored_number("T3.4", b"-Infinity"),
        "not_finite",
        cell("T3.4", VALUE),
    ),
    HostileCase("inf typed", typed("T1.1", {"Value": "inf"}), "not_finite", cell("T1.1", VALUE)),
    HostileCase("nan typed", typed("T3.4", {"Value": "nan"}), "not_finite", cell("T3.4", VALUE)),
    HostileCase(
        "-Infinity typed",
        typed("T1.5", {"Value": "-Infinity"}),
        "not_finite",
        cell("T1.5", VALUE),
    ),
    HostileCase(
        "a 400-digit count",
        typed("T3.4", {"Value": "1" + "0" * 400}),
        "not_finite",
        cell("T3.4", VALUE),
    ),
    HostileCase(
        "a subnormal value (5e-324)",
        typed("T1.5", {"Value": 5e-324}),
        "too_small",
        cell("T1.5", VALUE),
    ),
    HostileCase(
        "a subnormal denominator typed",
        both("T1.5", 1, "5e-324"),
        "too_small",
        cell("T1.5", DENOMINATOR),
        "1 / 5e-324 overflows",
    ),
    # numbers no unit allows
    HostileCase(
        "1e308 in the numerator and the denominator",
        both("T1.5", 1e308, 1e308),
        "beyond_limit",
        cell("T1.5", NUMERATOR),
        "their ratio is 100%, but two of them overflow the national sum",
    ),
    HostileCase(
        "a count of 1e308", typed("T3.4", {"Value": 1e308}), "beyond_limit", cell("T3.4", VALUE)
    ),
    HostileCase(
        "a count of ten billion",
        typed("T3.4", {"Value": "10,000,000,000"}),
        "beyond_limit",
        cell("T3.4", VALUE),
    ),
    # other kinds of cell where a figure belongs
    HostileCase(
        "a date in a count",
        typed("T3.4", {"Value": datetime(2025, 9, 30)}),
        "date_not_number",
        cell("T3.4", VALUE),
    ),
    HostileCase(
        "a time in a value",
        typed("T1.5", {"Value": time(10, 30)}),
        "time_not_number",
        cell("T1.5", VALUE),
    ),
    HostileCase(
        "a duration in a count",
        typed("T3.4", {"Value": timedelta(days=3, hours=2)}),
        "time_not_number",
        cell("T3.4", VALUE),
    ),
    HostileCase(
        "TRUE in a percentage",
        typed("T1.5", {"Value": True}),
        "boolean_not_number",
        cell("T1.5", VALUE),
    ),
    # control characters, by cell
    HostileCase(
        "NUL in a comment",
        stored_text("T1.5", "Comment", b"checked_x0000_by the unit", **FIGURE),
        "control_character",
        cell("T1.5", COMMENT),
        "PostgreSQL cannot store a NUL",
    ),
    HostileCase(
        "NUL in a link",
        stored_text("T1.5", "Evidence link", b"https://moh.gov.om/_x0000_report", **FIGURE),
        "control_character",
        cell("T1.5", LINK),
    ),
    HostileCase(
        "ESC in a comment",
        stored_text("T1.5", "Comment", b"see _x001B_[31mred", **FIGURE),
        "control_character",
        cell("T1.5", COMMENT),
    ),
    HostileCase(
        "a C1 control (NEL) in a comment",
        typed("T1.5", {"Comment": "line\x85break", **FIGURE}),
        "control_character",
        cell("T1.5", COMMENT),
    ),
    HostileCase(
        "a control character in the KPI code",
        stored_text("T1.5", "KPI code", b"T1.5_x0007_", **FIGURE),
        "control_character",
        cell("T1.5", CODE),
    ),
    HostileCase(
        "NUL in the period",
        stored_text("T1.5", "Period", b"2025-Q3_x0000_", **FIGURE),
        "control_character",
        cell("T1.5", PERIOD),
    ),
    HostileCase(
        "a tab inside a link",
        typed("T1.5", {"Evidence link": "https://moh.gov.om/\treport", **FIGURE}),
        "control_character",
        cell("T1.5", LINK),
    ),
    # texts too long, links that are not web addresses
    HostileCase(
        "a 10,000-character comment",
        typed("T1.5", {"Comment": LONG, **FIGURE}),
        "text_too_long",
        cell("T1.5", COMMENT),
    ),
    HostileCase(
        "a 3,000-character link",
        typed("T1.5", {"Evidence link": "https://moh.gov.om/" + "a" * 3000, **FIGURE}),
        "text_too_long",
        cell("T1.5", LINK),
    ),
    HostileCase(
        "a javascript: link",
        typed("T1.5", {"Evidence link": "javascript:alert(document.cookie)", **FIGURE}),
        "bad_link",
        cell("T1.5", LINK),
    ),
    HostileCase(
        "a data: link",
        typed("T1.5", {"Evidence link": "data:text/html;base64,PHNjcmlwdD4=", **FIGURE}),
        "bad_link",
        cell("T1.5", LINK),
    ),
    HostileCase(
        "a right-to-left override in a link",
        typed("T1.5", {"Evidence link": "https://moh.gov.om/\u202efdp.exe", **FIGURE}),
        "link_character",
        cell("T1.5", LINK),
        "it would show as exe.pdf",
    ),
    HostileCase(
        "a space in a link",
        typed("T1.5", {"Evidence link": "https://moh.gov.om/annual report.pdf", **FIGURE}),
        "link_character",
        cell("T1.5", LINK),
    ),
    HostileCase(
        "a link without a host",
        typed("T1.5", {"Evidence link": "https:///etc/passwd", **FIGURE}),
        "link_no_host",
        cell("T1.5", LINK),
    ),
    # accepted by design
    HostileCase(
        "a 2,000-character comment with line breaks and Arabic direction marks",
        typed("T1.5", {"Comment": ("سطر\u200f أول\r\nline\ttwo\n" * 100)[:2000], **FIGURE}),
        None,
    ),
    HostileCase(
        "an https link with an Arabic path, a query and a fragment",
        typed("T1.5", {"Evidence link": "https://moh.gov.om/تقارير/2025?q=3#الربع", **FIGURE}),
        None,
    ),
    HostileCase(
        "the largest count allowed (10^9)",
        typed("T3.4", {"Value": 10**9}),
        None,
    ),
]
