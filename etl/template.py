"""Generate the quarterly template for (entity, period) with openpyxl."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.cycles import cycle_of
from data.models import Entity, Period
from etl.contract import (
    ABOUT_FIELDS,
    ABOUT_SHEET,
    COLUMNS,
    DATA_SHEET,
    INPUT_KEYS,
    INSTRUCTIONS_SHEET,
    REFERENCE_COLUMNS,
    TEMPLATE_VERSION,
    DueKpi,
    header_label,
)
from etl.due import NotReporting, due_kpis, not_reporting
from etl.programme import ProgrammeExpectation, programme_expectation
from etl.template_programme import PROGRAMME_INSTRUCTIONS, programme_sheets
from kpis.periods import parse_period

HEADER_FILL = PatternFill("solid", fgColor="0B4F6C")
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")
WIDTHS = {
    "code": 10,
    "name": 48,
    "period": 10,
    "unit": 12,
    "numerator": 14,
    "denominator": 14,
    "value": 12,
    "comment": 36,
    "evidence": 32,
    "previous": 16,
    "target": 14,
}
INSTRUCTIONS = [
    ("How to fill this template", "طريقة تعبئة النموذج"),
    (
        "Fill the yellow cells only: Numerator, Denominator, Value, Comment, Evidence link.",
        "عبّئ الخلايا الصفراء فقط: البسط، المقام، القيمة، ملاحظات، رابط الدليل.",
    ),
    (
        "Percentages: write 34 or 34% (both mean 34 percent).",
        "النسب المئوية: اكتب 34 أو 34% (وكلاهما يعني 34 بالمائة).",
    ),
    (
        "Where a KPI has a numerator and a denominator, give both: the value comes from them.",
        "إذا كان للمؤشر بسط ومقام فاذكرهما معاً؛ تُحسب القيمة منهما.",
    ),
    ("Yes/No KPIs: write Yes or No (نعم أو لا).", "مؤشرات نعم/لا: اكتب نعم أو لا (Yes أو No)."),
    (
        "Counts and ranks are whole numbers; a rank of 1 is the best.",
        "الأعداد والمراتب أرقام صحيحة؛ المرتبة 1 هي الأفضل.",
    ),
    (
        "Explain large changes or shortfalls in the Comment column.",
        "وضّح التغيّرات الكبيرة أو أوجه القصور في عمود الملاحظات.",
    ),
    (
        "Do not change the KPI codes, the period or the About sheet.",
        "لا تغيّر رموز المؤشرات ولا الفترة ولا ورقة «About».",
    ),
    (
        "Upload the file on the Submissions page; the tracker lists any problem by cell.",
        "ارفع الملف من صفحة التقديمات؛ وتعرض المنصة أي مشكلة مع رقم الخلية.",
    ),
]


def unit_text(kpi: DueKpi) -> str:
    if kpi.yes_no:
        return "Yes/No"
    return {
        "percent": "%",
        "milestone": "% complete",
        "rank": "rank",
        "count": "count",
        "omr": "OMR",
    }.get(kpi.unit, kpi.unit)


def build_template(
    entity_code: str,
    entity_name: str,
    period: str,
    kpis: Sequence[DueKpi],
    generated: datetime | None = None,
    target_year: int | None = None,
    programme: ProgrammeExpectation | None = None,
) -> bytes:
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    _data_sheet(data, kpis, target_year)
    if programme is not None:
        programme_sheets(workbook, programme)
    _instructions(
        workbook.create_sheet(INSTRUCTIONS_SHEET),
        [*INSTRUCTIONS, *(PROGRAMME_INSTRUCTIONS if programme and not programme.empty else [])],
    )
    _about(
        workbook.create_sheet(ABOUT_SHEET),
        entity_code,
        entity_name,
        period,
        generated or datetime.now(),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _previous_shown(kpi: DueKpi) -> float | str | None:
    """The previous official value as the clerk would type it: a yes/no KPI's 100 or 0 as the
    answer (`Yes / نعم`), which the validator accepts back, so that copying it is never refused."""
    if kpi.yes_no and kpi.previous is not None:
        return "Yes / نعم" if kpi.previous >= 50 else "No / لا"
    return kpi.previous


def _data_sheet(sheet, kpis: Sequence[DueKpi], target_year: int | None = None) -> None:
    keys = list(COLUMNS) + list(REFERENCE_COLUMNS)
    for col, key in enumerate(keys, start=1):
        cell = sheet.cell(
            row=1, column=col, value=header_label(key, target_year if key == "target" else None)
        )
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(col)].width = WIDTHS[key]
    sheet.row_dimensions[1].height = 32
    sheet.freeze_panes = "C2"
    position = {key: keys.index(key) + 1 for key in keys}
    for row, kpi in enumerate(kpis, start=2):
        values = {
            "code": kpi.code,
            "name": f"{kpi.name_en}\n{kpi.name_ar}",
            "period": kpi.period,
            "unit": unit_text(kpi),
            "previous": _previous_shown(kpi),
            "target": kpi.target,
        }
        for key, value in values.items():
            sheet.cell(row=row, column=position[key], value=value)
        sheet.cell(row=row, column=position["name"]).alignment = Alignment(wrap_text=True)
        for key in INPUT_KEYS:
            cell = sheet.cell(row=row, column=position[key])
            cell.protection = Protection(locked=False)
            cell.fill = INPUT_FILL
    _validations(sheet, kpis, position)
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _validations(sheet, kpis: Sequence[DueKpi], position: dict[str, int]) -> None:
    def column(key: str, row: int) -> str:
        return f"{get_column_letter(position[key])}{row}"

    amount = _rule("decimal", "greaterThanOrEqual", "0", "a number, 0 or more / رقم 0 أو أكثر")
    percent = _rule("decimal", "between", "0", "a number from 0 to 100 / رقم من 0 إلى 100", "100")
    whole = _rule("whole", "greaterThanOrEqual", "0", "a whole number / رقم صحيح")
    rank = _rule("whole", "greaterThanOrEqual", "1", "a rank, 1 or more / مرتبة 1 أو أكثر")
    yes_no = DataValidation(
        type="list",
        formula1='"Yes,No,نعم,لا"',
        allow_blank=True,
        showErrorMessage=True,
        error="Yes / No — نعم / لا",
    )
    for rule in (amount, percent, whole, rank, yes_no):
        sheet.add_data_validation(rule)
    for row, kpi in enumerate(kpis, start=2):
        if kpi.ratio:
            amount.add(column("numerator", row))
            amount.add(column("denominator", row))
        target = {"percent": percent, "milestone": percent, "count": whole, "rank": rank}
        (yes_no if kpi.yes_no else target.get(kpi.unit, amount)).add(column("value", row))


def _rule(kind: str, operator: str, low: str, text: str, high: str | None = None):
    return DataValidation(
        type=kind,
        operator=operator,
        formula1=low,
        formula2=high,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Value / القيمة",
        error=f"Write {text}",
    )


def _instructions(sheet, lines: Sequence[tuple[str, str]] = INSTRUCTIONS) -> None:
    sheet.column_dimensions["A"].width = 80
    sheet.column_dimensions["B"].width = 80
    for row, (english, arabic) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=english).alignment = Alignment(wrap_text=True)
        cell = sheet.cell(row=row, column=2, value=arabic)
        cell.alignment = Alignment(wrap_text=True, horizontal="right", readingOrder=2)
    sheet["A1"].font = sheet["B1"].font = Font(bold=True, size=13)
    sheet.protection.sheet = True


def _about(sheet, entity_code: str, entity_name: str, period: str, generated: datetime) -> None:
    values = {
        "entity": entity_code,
        "entity_name": entity_name,
        "period": period,
        "version": TEMPLATE_VERSION,
        "generated": generated.strftime("%Y-%m-%d %H:%M"),
    }
    for row, (key, (english, arabic)) in enumerate(ABOUT_FIELDS.items(), start=1):
        sheet.cell(row=row, column=1, value=f"{english} / {arabic}").font = Font(bold=True)
        sheet.cell(row=row, column=2, value=values[key])
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 60
    sheet.protection.sheet = True


def template_bytes(db: Session, entity_code: str, period: str) -> bytes:
    """The template of an entity for a quarter of the programme, as .xlsx bytes."""
    entity = db.scalar(select(Entity).where(Entity.code == entity_code.upper()))
    if entity is None:
        raise ValueError(f"unknown entity {entity_code!r}")
    quarter = parse_period(period)
    if (
        quarter.quarter is None
        or db.scalar(select(Period.id).where(Period.code == quarter.code)) is None
    ):
        raise ValueError(f"{period!r} is not a quarter of the programme (e.g. 2025-Q3)")
    if problem := not_reporting(db, entity.code, quarter):
        raise NotReporting(problem)
    cycle = cycle_of(db, quarter)
    return build_template(
        entity.code,
        entity.name_en,
        quarter.code,
        list(due_kpis(db, entity.code, quarter).values()),
        target_year=cycle.target_year if cycle else None,
        programme=programme_expectation(db, entity.code, quarter.code),
    )
