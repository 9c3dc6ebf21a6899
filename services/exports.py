"""Downloads from the pages, in the reader's language and safe to open in Excel (issue 14).

- CSV: UTF-8 with a byte-order mark, so that Excel reads Arabic rightly.
- Excel: right-to-left sheets for Arabic readers, headers as the page gives them, numbers as
  numbers, and text never run as a formula.
- Both: every cell through `etl.export.safe_cell` (the one rule: text beginning with `=`, `+`, `-`,
  `@`, a tab or a carriage return gets an apostrophe in front).

`all_figures` is the command line's export (`python -m etl export`, the same columns) scoped by
the actor on the server: the office gets everything, the committee approved figures only. The
pages translate the headers and pass them in; nothing here imports Flask or Dash.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import xlsxwriter
from sqlalchemy.orm import Session

from etl.export import COLUMNS, export_rows, safe_cell
from services.actors import Action, Actor, require, sees_unapproved

BOM = "\ufeff"
CSV_TYPE = "text/csv"
EXCEL_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Table:
    """What a download holds: a sheet name, the column headers and the rows (cells in order)."""

    name: str
    headers: Sequence[str]
    rows: Sequence[Sequence[object]]


def csv_bytes(table: Table) -> bytes:
    """The table as CSV in UTF-8 with a byte-order mark, every cell formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in table.headers])
    writer.writerows([safe_cell(cell) for cell in row] for row in table.rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def excel_bytes(table: Table, *, rtl: bool) -> bytes:
    """The table as one Excel sheet: right to left for Arabic, a bold frozen header row, numbers
    as numbers and text as text (never a formula, whatever it begins with)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = book.add_worksheet(sheet_name(table.name))
    if rtl:
        sheet.right_to_left()
    bold = book.add_format({"bold": True})
    for col, header in enumerate(table.headers):
        sheet.write_string(0, col, str(safe_cell(header)), bold)
        sheet.set_column(col, col, max(12, min(40, len(str(header)) + 4)))
    for number, row in enumerate(table.rows, start=1):
        for col, cell in enumerate(row):
            _write(sheet, number, col, cell)
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _write(sheet, row: int, col: int, cell: object) -> None:
    value = safe_cell(cell)
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float) and math.isfinite(value):
        sheet.write_number(row, col, value)
    elif value != "":
        sheet.write_string(row, col, str(value))


def sheet_name(name: str) -> str:
    """A name Excel accepts: at most 31 characters, none of `[]:*?/\\`."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'") or "Sheet1"
    return cleaned[:31]


def all_figures(session: Session, actor: Actor) -> list[dict[str, object]]:
    """Every figure the actor may export, in the columns of `python -m etl export`: the office
    everything (the latest submission and the official figure), the committee approved figures
    only. `Denied` for anybody who may not export."""
    require(actor, Action.EXPORT)
    return export_rows(session, approved_only=not sees_unapproved(actor))


def figures_table(
    rows: Sequence[Mapping[str, object]], headers: Mapping[str, str] | None = None
) -> Table:
    """`all_figures` as a table; `headers` (column -> heading) renames the columns (the Excel
    file in the reader's language); without it the English column names, the stable interface."""
    names = [(headers or {}).get(column, column) for column in COLUMNS]
    return Table("figures", names, [[row.get(column) for column in COLUMNS] for row in rows])
