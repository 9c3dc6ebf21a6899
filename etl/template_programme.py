"""The template's Initiatives and Budget sheets (issue 16, docs/spreadsheet.md): one row per
initiative the entity leads and per budget line it reports, codes, names and the period filled
in, the clerk's cells yellow and unlocked, last quarter's figures beside them for reference."""

from __future__ import annotations

from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from etl.contract import BUDGET_SHEET_COLUMNS, INITIATIVE_SHEET, STATUS_WORDS, SheetColumns
from etl.programme import ProgrammeExpectation

HEADER_FILL = PatternFill("solid", fgColor="0B4F6C")
REFERENCE_FILL = PatternFill("solid", fgColor="5B6770")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
OMR_FORMAT = "#,##0.000"
WIDTHS = {
    "code": 12,
    "name": 48,
    "period": 10,
    "status": 16,
    "percent": 12,
    "milestone": 36,
    "milestone_due": 14,
    "note": 36,
    "due": 10,
    "previous_status": 18,
    "previous_percent": 14,
    "line": 16,
    "purpose": 44,
    "year": 8,
    "allocated": 18,
    "committed": 18,
    "spent": 18,
    "previous_committed": 18,
    "previous_spent": 18,
}
STATUS_LIST = ",".join(w for words in STATUS_WORDS.values() for w in words)

PROGRAMME_INSTRUCTIONS = [
    ("Initiatives sheet", "ورقة «Initiatives» (المبادرات)"),
    (
        "One row per initiative your entity leads. Fill Status, Percent complete, Next "
        "milestone, Milestone due and Note; do not change the code or the period.",
        "صف لكل مبادرة تقودها جهتكم. عبّئ الحالة ونسبة الإنجاز والمرحلة التالية وموعدها "
        "والملاحظة؛ ولا تغيّر الرمز ولا الفترة.",
    ),
    (
        "Status: choose from the list: Not started, On track, At risk, Delayed, Completed "
        "(or in Arabic: لم تبدأ، في المسار، معرضة للخطر، متأخرة، مكتملة).",
        "الحالة: اختر من القائمة: لم تبدأ، في المسار، معرضة للخطر، متأخرة، مكتملة "
        "(أو بالإنجليزية: Not started, On track, At risk, Delayed, Completed).",
    ),
    (
        "Percent complete: a number from 0 to 100 (45 or 45%). Completed means 100. "
        "Milestone due: a quarter such as 2025-Q3.",
        "نسبة الإنجاز: رقم من 0 إلى 100 (45 أو 45%). «مكتملة» تعني 100. "
        "موعد المرحلة التالية: ربع سنة مثل 2025-Q3.",
    ),
    ("Budget sheet", "ورقة «Budget» (الميزانية)"),
    (
        "One row per budget line your entity reports this year. Fill Committed to date and "
        "Spent to date in Omani rials (up to 3 decimals: baisa), counted from the start of "
        "the year to the end of this quarter.",
        "صف لكل بند ميزانية تُبلغ عنه جهتكم هذا العام. عبّئ «الملتزم به حتى تاريخه» و«المصروف "
        "حتى تاريخه» بالريال العماني (حتى 3 أرقام عشرية: بيسة)، من بداية السنة حتى نهاية "
        "هذا الربع.",
    ),
    (
        "Leave a whole row blank if you have nothing to report this quarter: the reviewer "
        "will see it as not reported.",
        "اترك الصف فارغاً كله إن لم يكن لديك ما تبلغ عنه هذا الربع: وسيراه المراجع «لم يُبلّغ».",
    ),
]


def programme_sheets(workbook, programme: ProgrammeExpectation) -> None:
    """Add the Initiatives sheet when the entity leads an initiative reported this quarter, the
    Budget sheet when it reports a budget line; neither otherwise."""
    if programme.initiatives:
        _initiatives(workbook.create_sheet(INITIATIVE_SHEET.sheet), programme)
    if programme.lines:
        _budget(workbook.create_sheet(BUDGET_SHEET_COLUMNS.sheet), programme)


def _status_word(status: str | None) -> str | None:
    if status is None:
        return None
    english, arabic = STATUS_WORDS.get(status, (status, status))
    return f"{english} / {arabic}"


def _initiatives(sheet, programme: ProgrammeExpectation) -> None:
    position = _header(sheet, INITIATIVE_SHEET)
    status_rule = DataValidation(
        type="list",
        formula1=f'"{STATUS_LIST}"',
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Status / الحالة",
        error="Choose a status from the list / اختر الحالة من القائمة",
    )
    percent_rule = _number_rule("between", "0", "100", "a number from 0 to 100 / رقم من 0 إلى 100")
    sheet.add_data_validation(status_rule)
    sheet.add_data_validation(percent_rule)
    for row, expected in enumerate(programme.initiatives.values(), start=2):
        due = expected.due
        values = {
            "code": due.code,
            "name": f"{due.name_en}\n{due.name_ar}",
            "period": programme.period,
            "due": due.due,
            "previous_status": _status_word(expected.previous_status),
            "previous_percent": expected.previous_percent,
        }
        _fill_row(sheet, row, position, values, INITIATIVE_SHEET)
        status_rule.add(f"{get_column_letter(position['status'])}{row}")
        percent_rule.add(f"{get_column_letter(position['percent'])}{row}")
        sheet.cell(row=row, column=position["milestone_due"]).number_format = "@"
    _protect(sheet)


def _budget(sheet, programme: ProgrammeExpectation) -> None:
    position = _header(sheet, BUDGET_SHEET_COLUMNS)
    amount_rule = _number_rule(
        "greaterThanOrEqual", "0", None, "an amount in OMR, 0 or more / مبلغ بالريال 0 أو أكثر"
    )
    sheet.add_data_validation(amount_rule)
    for row, expected in enumerate(programme.lines.values(), start=2):
        line = expected.due
        values = {
            "line": line.code,
            "purpose": f"{line.name_en}\n{line.name_ar}",
            "year": line.year,
            "allocated": line.allocated_baisa / 1000,
            "previous_committed": _omr(expected.previous_committed),
            "previous_spent": _omr(expected.previous_spent),
        }
        _fill_row(sheet, row, position, values, BUDGET_SHEET_COLUMNS)
        for key in ("allocated", "committed", "spent", "previous_committed", "previous_spent"):
            sheet.cell(row=row, column=position[key]).number_format = OMR_FORMAT
        for key in ("committed", "spent"):
            amount_rule.add(f"{get_column_letter(position[key])}{row}")
    _protect(sheet)


def _omr(baisa: int | None) -> float | None:
    return None if baisa is None else baisa / 1000


def _header(sheet, spec: SheetColumns) -> dict[str, int]:
    keys = [*spec.columns, *spec.reference]
    for col, key in enumerate(keys, start=1):
        cell = sheet.cell(row=1, column=col, value=spec.label(key))
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = REFERENCE_FILL if key in spec.reference else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = WIDTHS[key]
    sheet.row_dimensions[1].height = 48
    sheet.freeze_panes = "C2"
    return {key: index for index, key in enumerate(keys, start=1)}


def _fill_row(sheet, row: int, position: dict[str, int], values: dict, spec: SheetColumns) -> None:
    for key, value in values.items():
        sheet.cell(row=row, column=position[key], value=value)
    name = "name" if "name" in position else "purpose"
    sheet.cell(row=row, column=position[name]).alignment = Alignment(wrap_text=True)
    for key in spec.inputs:
        cell = sheet.cell(row=row, column=position[key])
        cell.protection = Protection(locked=False)
        cell.fill = INPUT_FILL


def _number_rule(operator: str, low: str, high: str | None, text: str) -> DataValidation:
    return DataValidation(
        type="decimal",
        operator=operator,
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Value / القيمة",
        error=f"Write {text}",
    )


def _protect(sheet) -> None:
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False
