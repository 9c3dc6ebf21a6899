"""The spreadsheet contract (docs/spreadsheet.md): sheet names, column labels in both languages,
and which KPIs are due from an entity in a quarter."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# "2": the template may hold the Initiatives and Budget sheets (issue 16). Version "1" templates
# (no such sheets) are still accepted: the sheets are read when present, whatever the version.
TEMPLATE_VERSION = "2"
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


# The programme's sheets (issue 16): what an entity reports beside its KPIs (data.reporting).
# A template holds each only when the entity has something to report there; a template without
# them (an entity that leads no initiative, or one made before them) is read as before.
INITIATIVES_SHEET = "Initiatives"
BUDGET_SHEET = "Budget"
PROGRAMME_SHEETS = (INITIATIVES_SHEET, BUDGET_SHEET)


@dataclass(frozen=True)
class SheetColumns:
    """A programme sheet's columns: `columns` the clerk's and the pre-filled ones (read back
    where `loaded`), `reference` shown only; `inputs` the yellow cells; `figures` read as numbers;
    the header row is the first of the sheet's first rows naming both of `anchors`."""

    sheet: str
    columns: dict[str, tuple[str, str]]
    reference: dict[str, tuple[str, str]]
    loaded: tuple[str, ...]
    inputs: tuple[str, ...]
    figures: tuple[str, ...]
    anchors: tuple[str, str]
    blank_keys: tuple[str, ...]  # a row is blank (not reported) when all of these are

    def label(self, key: str) -> str:
        english, arabic = {**self.columns, **self.reference}[key]
        return f"{english}\n{arabic}"

    def match(self, cell: object) -> str | None:
        return _match_in(self.sheet, cell) if isinstance(cell, str) else None

    def header_row(self, rows: list[list[object]]) -> tuple[int | None, dict[str, int]]:
        """As `header_row` for the Data sheet, with this sheet's labels."""
        return _header_row(rows, self.match, self.anchors)


INITIATIVE_SHEET = SheetColumns(
    INITIATIVES_SHEET,
    {
        "code": ("Initiative code", "رمز المبادرة"),
        "name": ("Initiative", "المبادرة"),
        "period": ("Period", "الفترة"),
        "status": ("Status", "الحالة"),
        "percent": ("Percent complete", "نسبة الإنجاز"),
        "milestone": ("Next milestone", "المرحلة التالية"),
        "milestone_due": ("Milestone due", "موعد المرحلة التالية"),
        "note": ("Note", "ملاحظة"),
    },
    {
        "due": ("Due", "موعد الإنجاز"),
        "previous_status": ("Previous status", "الحالة السابقة"),
        "previous_percent": ("Previous percent complete", "نسبة الإنجاز السابقة"),
    },
    loaded=("code", "period", "status", "percent", "milestone", "milestone_due", "note"),
    inputs=("status", "percent", "milestone", "milestone_due", "note"),
    figures=("percent",),
    anchors=("code", "status"),
    blank_keys=("status", "percent", "milestone", "milestone_due", "note"),
)
BUDGET_SHEET_COLUMNS = SheetColumns(
    BUDGET_SHEET,
    {
        "line": ("Budget line", "بند الميزانية"),
        "purpose": ("Purpose", "الغرض"),
        "year": ("Year", "السنة"),
        "allocated": ("Allocated (OMR)", "المخصص (ريال عماني)"),
        "committed": ("Committed to date (OMR)", "الملتزم به حتى تاريخه (ريال عماني)"),
        "spent": ("Spent to date (OMR)", "المصروف حتى تاريخه (ريال عماني)"),
        "note": ("Note", "ملاحظة"),
    },
    {
        "previous_committed": (
            "Committed at previous quarter (OMR)",
            "الملتزم به في الربع السابق (ريال عماني)",
        ),
        "previous_spent": (
            "Spent at previous quarter (OMR)",
            "المصروف في الربع السابق (ريال عماني)",
        ),
    },
    loaded=("line", "year", "committed", "spent", "note"),
    inputs=("committed", "spent", "note"),
    figures=("committed", "spent"),
    anchors=("line", "spent"),
    blank_keys=("committed", "spent", "note"),
)
PROGRAMME_COLUMNS = {INITIATIVES_SHEET: INITIATIVE_SHEET, BUDGET_SHEET: BUDGET_SHEET_COLUMNS}

# Initiative status words, each accepted in English or Arabic (case and spaces forgiven)
STATUS_WORDS: dict[str, tuple[str, str]] = {
    "not_started": ("Not started", "لم تبدأ"),
    "on_track": ("On track", "في المسار"),
    "at_risk": ("At risk", "معرضة للخطر"),
    "delayed": ("Delayed", "متأخرة"),
    "completed": ("Completed", "مكتملة"),
}


STATUS_SYNONYMS = {"complete": "completed", "done": "completed", "not yet started": "not started"}


def status_of(text: str) -> str | None:
    """The status key (`on_track`) a clerk's word names in either language, or None. The pair
    the template shows as the previous status (`At risk / معرضة للخطر`) is read too, when both
    halves name the same status: a clerk copies it."""
    keys = {_status_word(part) for part in text.split("/")}
    return keys.pop() if len(keys) == 1 else None


def _status_word(text: str) -> str | None:
    """`on-track`, `On_Track`, a pasted Arabic word with its direction mark: all one word."""
    for mark in "\u200e\u200f\u061c\u2066\u2067\u2068\u2069":
        text = text.replace(mark, "")
    folded = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    folded = STATUS_SYNONYMS.get(folded, folded)
    for key, words in STATUS_WORDS.items():
        if folded in (w.casefold() for w in words):
            return key
    return None


def _header_row(rows, match, anchors) -> tuple[int | None, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_ROWS]):
        columns: dict[str, int] = {}
        for col, cell in enumerate(row):
            key = match(cell)
            if key and key not in columns:
                columns[key] = col
        if all(anchor in columns for anchor in anchors):
            return index, columns
    return None, {}


@lru_cache(maxsize=512)
def _match_in(sheet: str, cell: str) -> str | None:
    """The longest label of `sheet`'s columns the cell begins with (so `Initiative code` is not
    read as `Initiative`)."""
    text = " ".join(cell.split()).casefold()
    spec = PROGRAMME_COLUMNS[sheet]
    best, length = None, 0
    for key, labels in {**spec.columns, **spec.reference}.items():
        for label in labels:
            folded = " ".join(label.split()).casefold()
            if text.startswith(folded) and len(folded) > length:
                best, length = key, len(folded)
    return best
