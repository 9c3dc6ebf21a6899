"""The spreadsheet contract (docs/spreadsheet.md): sheet names, column labels in both languages,
and which KPIs are due from an entity in a quarter."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

TEMPLATE_VERSION = "1"
DATA_SHEET = "Data"
ABOUT_SHEET = "About"
INSTRUCTIONS_SHEET = "Instructions"

# key -> (English label, Arabic label); the header cell begins with either.
COLUMNS: dict[str, tuple[str, str]] = {
    "code": ("KPI code", "رمز المؤشر"),
    "name": ("KPI", "المؤشر"),
    "period": ("Period", "الفترة"),
    "unit": ("Unit", "الوحدة"),
    "numerator": ("Numerator", "البسط"),
    "denominator": ("Denominator", "المقام"),
    "value": ("Value", "القيمة"),
    "comment": ("Comment", "ملاحظات"),
    "evidence": ("Evidence link", "رابط الدليل"),
}
REFERENCE_COLUMNS: dict[str, tuple[str, str]] = {
    "previous": ("Previous official value", "القيمة الرسمية السابقة"),
    "target": ("Target", "المستهدف"),  # the template adds the cycle's target year
}
INPUT_KEYS = ("numerator", "denominator", "value", "comment", "evidence")
LOADED_KEYS = ("code", "period", *INPUT_KEYS)  # the columns whose cells ingest reads
ABOUT_FIELDS: dict[str, tuple[str, str]] = {
    "entity": ("Entity code", "رمز الجهة"),
    "entity_name": ("Entity", "الجهة"),
    "period": ("Period", "الفترة"),
    "version": ("Template version", "إصدار النموذج"),
    "generated": ("Generated", "تاريخ الإنشاء"),
}


def header_label(key: str, year: int | None = None) -> str:
    """The header cell of column `key`, in both languages (`year`: the target's, when known)."""
    english, arabic = {**COLUMNS, **REFERENCE_COLUMNS}[key]
    if year is not None:
        english, arabic = f"{english} {year}", f"{arabic} {year}"
    return f"{english}\n{arabic}"


def match_header(cell: object) -> str | None:
    """The column key a header cell names, in English or Arabic, or None.

    The longest matching label wins, so `KPI code` is not read as `KPI`.
    """
    return _match_text(cell) if isinstance(cell, str) else None


HEADER_ROWS = 20  # the header row is looked for among the sheet's first rows


def header_row(rows: list[list[object]]) -> tuple[int | None, dict[str, int]]:
    """The Data sheet's header row: the first of its first rows naming both `KPI code` and
    `Value`, with the 0-based column of each key (the first column naming it); (None, {})
    when there is none."""
    for index, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = match_header(cell)
            if key and key not in columns:
                columns[key] = col
        if "code" in columns and "value" in columns:
            return index, columns
    return None, {}


@lru_cache(maxsize=512)
def _match_text(cell: str) -> str | None:
    """Every template repeats the same headers, so each is matched once."""
    text = " ".join(cell.split()).casefold()
    best, length = None, 0
    for key, labels in {**COLUMNS, **REFERENCE_COLUMNS}.items():
        for label in labels:
            folded = label.casefold()
            if text.startswith(folded) and len(folded) > length:
                best, length = key, len(folded)
    return best


@dataclass(frozen=True)
class DueKpi:
    """A KPI expected in an entity's template for a quarter, with what validation needs."""

    code: str
    name_en: str
    name_ar: str
    unit: str
    aggregation: str
    period: str
    target: float | None
    comparator: str
    previous: float | None
    history: tuple[float, ...] = ()
    cumulative: bool = False
    expected: float | None = None

    @property
    def yes_no(self) -> bool:
        return self.aggregation == "share_of_entities"

    @property
    def ratio(self) -> bool:
        return self.aggregation == "ratio_of_sums"
