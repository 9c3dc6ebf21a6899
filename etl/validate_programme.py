"""Validate a workbook's Initiatives and Budget sheets (issue 16, docs/spreadsheet.md): every
problem collected and placed by sheet and cell, as the Data sheet's are (etl.validate). A row
left wholly blank is not reported this quarter (a warning); a file with any error loads nothing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from etl.contract import (
    BUDGET_SHEET_COLUMNS,
    INITIATIVE_SHEET,
    STATUS_WORDS,
    SheetColumns,
    status_of,
)
from etl.load import BudgetRow, InitiativeRow
from etl.messages import Problem
from etl.parse import (
    TEXT_CONTROLS_ALLOWED,
    TEXT_LIMIT,
    code_point,
    control_character,
    is_blank,
    parse_amount,
    parse_number,
    parse_percent,
    shown_text,
)
from etl.programme import ProgrammeExpectation
from etl.read import RawWorkbook
from etl.validate import as_typed, column_letter, value_problem
from kpis.budget import ALLOCATION_LIMIT_BAISA, BAISA_PER_OMR
from kpis.formatting import format_number, format_omr
from kpis.periods import parse_period

# OMR on one budget line: what an allocation may be (kpis.budget), so that every line allocated
# can be reported in full
BUDGET_LIMIT_OMR = ALLOCATION_LIMIT_BAISA // BAISA_PER_OMR


@dataclass
class ProgrammeResult:
    initiatives: list[InitiativeRow] = field(default_factory=list)
    budget: list[BudgetRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def validate_programme(workbook: RawWorkbook, expected: ProgrammeExpectation) -> ProgrammeResult:
    result = ProgrammeResult()
    _initiatives(workbook, expected, result)
    _budget(workbook, expected, result)
    return result


class _Sheet:
    """One programme sheet's rows, with its header's columns and a cell's name."""

    def __init__(self, spec: SheetColumns, rows: list[list[Any]], result: ProgrammeResult):
        self.spec, self.rows, self.result = spec, rows, result
        self.header, self.columns = spec.header_row(rows)

    def usable(self) -> bool:
        if self.header is None:
            self.result.errors.append(Problem("no_programme_header", self._labels()))
            return False
        repeated = self._repeated()
        self.result.errors.extend(repeated)
        return not repeated

    def _labels(self) -> dict[str, str]:
        first, second = (self.spec.columns[key][0] for key in self.spec.anchors)
        return {"sheet": self.spec.sheet, "first": first, "second": second}

    def _repeated(self) -> list[Problem]:
        """A loaded column's heading twice: which one the clerk meant cannot be told."""
        found = []
        number = self.header + 1
        for col, cell in enumerate(self.rows[self.header]):
            key = self.spec.match(cell)
            if key in self.spec.loaded and self.columns[key] != col:
                params = {
                    "cell": self.cell_at(col, number),
                    "other": self.cell_at(self.columns[key], number),
                    "label": self.spec.columns[key][0],
                }
                found.append(Problem("repeated_heading", params))
        return found

    def cell_at(self, col: int, number: int) -> str:
        return f"{self.spec.sheet}!{column_letter(col + 1)}{number}"

    def cell(self, key: str, number: int) -> str:
        return self.cell_at(self.columns[key], number)

    def body(self):
        """(row number, getter of a loaded key's raw cell) for each row below the header."""
        for index in range(self.header + 1, len(self.rows)):
            row = self.rows[index]
            width = len(row)
            values = {k: row[c] if c < width else None for k, c in self.columns.items()}
            yield index + 1, values.get

    def controls(self, raw, number: int) -> list[Problem]:
        """Control characters in a text the tracker reads (as in the Data sheet)."""
        found = []
        for key in self.spec.loaded:
            text = raw(key)
            if isinstance(text, str) and (hit := control_character(text, TEXT_CONTROLS_ALLOWED)):
                params = {"cell": self.cell(key, number), "char": code_point(hit[0])}
                found.append(Problem("control_character", {**params, "position": hit[1]}))
        return found

    def text(self, raw, key: str, number: int) -> str:
        text = str(raw(key) or "").strip() if key in self.columns else ""
        if len(text) > TEXT_LIMIT:
            params = {"cell": self.cell(key, number), "length": f"{len(text):,}"}
            self.result.errors.append(
                Problem("text_too_long", {**params, "limit": f"{TEXT_LIMIT:,}"})
            )
        return text

    def period(self, raw, number: int, expected: str) -> bool:
        """The row's period is the template's (blank: taken as the template's)."""
        found = raw("period")
        if is_blank(found) or str(found).strip().upper() == expected:
            return True
        params = {"cell": self.cell("period", number), "found": shown_text(str(found).strip())}
        self.result.errors.append(Problem("programme_period", {**params, "period": expected}))
        return False


def _code_of(raw, key: str) -> str:
    value = raw(key)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip().upper()


# Initiatives


def _initiatives(workbook: RawWorkbook, expected: ProgrammeExpectation, result: ProgrammeResult):
    rows = workbook.sheets.get(INITIATIVE_SHEET.sheet)
    reported: set[str] = set()
    if rows is not None:
        sheet = _Sheet(INITIATIVE_SHEET, rows, result)
        if sheet.usable():
            seen: dict[str, int] = {}
            for number, raw in sheet.body():
                _initiative_row(workbook, sheet, number, raw, expected, seen, reported)
    for code in expected.initiatives:
        if code not in reported:
            result.warnings.append(Problem("initiative_not_reported", {"code": code}))


def _initiative_row(workbook, sheet: _Sheet, number, raw, expected, seen, reported) -> None:
    result = sheet.result
    code = _code_of(raw, "code")
    if all(is_blank(raw(k)) for k in INITIATIVE_SHEET.blank_keys):
        return  # not reported this quarter: `initiative_not_reported` says so
    if controls := sheet.controls(raw, number):
        result.errors.extend(controls)
        return
    if not _known(sheet, number, code, "code", expected.initiatives, expected.other_initiatives):
        return
    if code in seen:
        params = {"cell": sheet.cell("code", number), "code": code, "other": seen[code]}
        result.errors.append(Problem("duplicate_programme_code", params))
        return
    seen[code] = number
    before = len(result.errors)
    sheet.period(raw, number, expected.period)
    status = _status(sheet, raw, number)
    percent = _percent(workbook, sheet, raw, number)
    milestone = sheet.text(raw, "milestone", number)
    milestone_due = _milestone_due(sheet, raw, number)
    note = sheet.text(raw, "note", number)
    if status == "completed" and percent is not None and percent < 100:
        params = {"cell": sheet.cell("percent", number), "value": format_number(percent, 1)}
        result.errors.append(Problem("completed_below_100", params))
    if len(result.errors) > before or status is None or percent is None:
        return
    reported.add(code)
    result.initiatives.append(
        InitiativeRow(code, expected.period, status, percent, milestone, milestone_due, note)
    )
    result.warnings.extend(_initiative_warnings(code, status, percent, expected))


def _known(sheet: _Sheet, number, code: str, key: str, due: dict, others: frozenset) -> bool:
    """A code the entity reports this quarter; else an error by cell (another's, or unknown)."""
    if code in due:
        return True
    where = sheet.cell(key, number) if key in sheet.columns else f"{sheet.spec.sheet}!{number}"
    params = {"cell": where, "code": shown_text(code or "—")}
    if sheet.spec is INITIATIVE_SHEET:
        problem = "initiative_not_yours" if code in others else "unknown_initiative"
    else:
        problem = "line_not_yours" if code in others else "unknown_budget_line"
    sheet.result.errors.append(Problem(problem, params))
    return False


def _status(sheet: _Sheet, raw, number: int) -> str | None:
    text = raw("status")
    where = sheet.cell("status", number) if "status" in sheet.columns else None
    if is_blank(text):
        sheet.result.errors.append(Problem("status_missing", {"cell": where}))
        return None
    status = status_of(str(text))
    if status is None:
        params = {"cell": where, "raw": shown_text(str(text).strip())}
        sheet.result.errors.append(Problem("bad_status", params))
    return status


def _percent(workbook: RawWorkbook, sheet: _Sheet, raw, number: int) -> float | None:
    if "percent" not in sheet.columns:
        sheet.result.errors.append(Problem("percent_missing", {"cell": f"Initiatives!{number}"}))
        return None
    where = sheet.cell("percent", number)
    typed = raw("percent")
    if is_blank(typed):
        sheet.result.errors.append(Problem("percent_missing", {"cell": where}))
        return None
    fraction = isinstance(typed, float) and 0 < typed <= 1
    percent_format = fraction and workbook.percent_formatted(where.split("!")[1], sheet.spec.sheet)
    parsed = parse_percent(typed, percent_format)
    if not parsed.ok:
        sheet.result.errors.append(value_problem(parsed, where, typed))
        return None
    return parsed.value


def _milestone_due(sheet: _Sheet, raw, number: int) -> str:
    typed = raw("milestone_due")
    if is_blank(typed):
        return ""
    text = str(typed).strip().upper().translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    try:
        quarter = parse_period(text.replace(" ", ""))
    except ValueError:
        quarter = None
    if quarter is None or quarter.quarter is None:
        params = {"cell": sheet.cell("milestone_due", number), "raw": shown_text(str(typed))}
        sheet.result.errors.append(Problem("bad_milestone_due", params))
        return ""
    return quarter.code


def _initiative_warnings(code, status, percent, expected) -> list[Problem]:
    found = []
    last = expected.initiatives[code]
    if last.previous_percent is not None and percent < last.previous_percent:
        params = {
            "code": code,
            "value": format_number(percent, 1),
            "previous": format_number(last.previous_percent, 1),
            "period": last.previous_period,
        }
        found.append(Problem("percent_fell", params))
    if percent >= 100 and status != "completed":
        english, arabic = STATUS_WORDS[status]
        params = {"code": code, "status": f"{english} / {arabic}"}
        found.append(Problem("full_not_completed", params))
    return found


# Budget


def _budget(workbook: RawWorkbook, expected: ProgrammeExpectation, result: ProgrammeResult):
    rows = workbook.sheets.get(BUDGET_SHEET_COLUMNS.sheet)
    reported: set[str] = set()
    if rows is not None:
        sheet = _Sheet(BUDGET_SHEET_COLUMNS, rows, result)
        if sheet.usable():
            seen: dict[str, int] = {}
            for number, raw in sheet.body():
                _budget_row(sheet, number, raw, expected, seen, reported)
    for code in expected.lines:
        if code not in reported:
            result.warnings.append(Problem("line_not_reported", {"code": code}))


def _budget_row(sheet: _Sheet, number, raw, expected, seen, reported) -> None:
    result = sheet.result
    code = _code_of(raw, "line")
    if all(is_blank(raw(k)) for k in BUDGET_SHEET_COLUMNS.blank_keys):
        return
    if controls := sheet.controls(raw, number):
        result.errors.extend(controls)
        return
    if not _known(sheet, number, code, "line", expected.lines, expected.other_lines):
        return
    if code in seen:
        params = {"cell": sheet.cell("line", number), "code": code, "other": seen[code]}
        result.errors.append(Problem("duplicate_programme_code", params))
        return
    seen[code] = number
    line = expected.lines[code].due
    before = len(result.errors)
    _year(sheet, raw, number, line.year)
    committed = _amount(sheet, raw, "committed", number)
    spent = _amount(sheet, raw, "spent", number)
    note = sheet.text(raw, "note", number)
    if len(result.errors) > before or committed is None or spent is None:
        return
    reported.add(code)
    result.budget.append(BudgetRow(code, expected.period, committed, spent, note))
    result.warnings.extend(_budget_warnings(code, committed, spent, expected))


def _year(sheet: _Sheet, raw, number: int, year: int) -> None:
    typed = raw("year")
    if is_blank(typed):
        return
    parsed = parse_number(typed)
    if not parsed.ok or parsed.value != year:
        params = {"cell": sheet.cell("year", number), "found": shown_text(str(typed).strip())}
        sheet.result.errors.append(Problem("budget_year", {**params, "expected": year}))


def _amount(sheet: _Sheet, raw, key: str, number: int) -> int | None:
    """An amount in OMR as baisa (an integer): a number, 0 or more, at most
    `BUDGET_LIMIT_OMR`, with at most three decimals."""
    if key not in sheet.columns:
        where = f"{sheet.spec.sheet}!{number}"
        sheet.result.errors.append(Problem("amount_missing", {"cell": where}))
        return None
    where = sheet.cell(key, number)
    typed = raw(key)
    if is_blank(typed):
        sheet.result.errors.append(Problem("amount_missing", {"cell": where}))
        return None
    parsed = parse_amount(typed)
    shown = as_typed(typed)
    if parsed.ok and parsed.value > BUDGET_LIMIT_OMR:
        params = {"cell": where, "raw": shown, "limit": f"{BUDGET_LIMIT_OMR:,}"}
        sheet.result.errors.append(Problem("beyond_limit", params))
        return None
    if not parsed.ok:
        problem = value_problem(parsed, where, typed, BUDGET_LIMIT_OMR)
        sheet.result.errors.append(problem)
        return None
    baisa = parsed.value * BAISA_PER_OMR
    whole = round(baisa)
    if not math.isclose(baisa, whole, rel_tol=0, abs_tol=1e-6 * max(1.0, abs(baisa) / 1e6)):
        sheet.result.errors.append(Problem("baisa_decimals", {"cell": where, "raw": shown}))
        return None
    return int(whole)


def _budget_warnings(code: str, committed: int, spent: int, expected) -> list[Problem]:
    found = []
    line = expected.lines[code]
    if spent > committed:
        params = {"code": code, "spent": _omr(spent), "committed": _omr(committed)}
        found.append(Problem("spent_over_committed", params))
    if committed > line.due.allocated_baisa:
        allocated = _omr(line.due.allocated_baisa)
        params = {"code": code, "committed": _omr(committed), "allocated": allocated}
        found.append(Problem("committed_over_allocation", params))
    for key, now, before in (
        ("committed", committed, line.previous_committed),
        ("spent", spent, line.previous_spent),
    ):
        if before is not None and now < before:
            params = {"code": code, "value": _omr(now), "previous": _omr(before)}
            found.append(Problem(f"{key}_below_previous", params))
    return found


def _omr(baisa: int) -> str:
    """The amount without its currency (the message names it, in the reader's language)."""
    return format_omr(baisa).removeprefix("OMR ")
