"""Read a workbook's sheets with python-calamine; openpyxl only to see number formats when a
bare fraction must be told apart from a percentage-formatted cell."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineWorkbook

from etl.contract import ABOUT_FIELDS, ABOUT_SHEET, DATA_SHEET


class UnreadableWorkbook(ValueError):
    """calamine could not open the file as a workbook."""


@dataclass
class RawWorkbook:
    data: bytes
    sheets: dict[str, list[list[Any]]]
    data_sheet: str | None
    about: dict[str, str] = field(default_factory=dict)
    _formats: dict[str, str] | None = None

    def percent_formatted(self, cell: str) -> bool:
        """Whether a Data cell (e.g. `G7`) has a percentage number format (read on first need)."""
        if self._formats is None:
            self._formats = _number_formats(self.data, self.data_sheet)
        return "%" in self._formats.get(cell, "")


def _find_sheet(names: list[str], wanted: str) -> str | None:
    return next((n for n in names if n.strip().casefold() == wanted.casefold()), None)


def read_workbook(data: bytes) -> RawWorkbook:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(workbook.sheet_names)
        sheets = {}
        for name in filter(None, {_find_sheet(names, DATA_SHEET), _find_sheet(names, ABOUT_SHEET)}):
            sheets[name] = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception as error:  # calamine raises its own error types for damaged parts
        raise UnreadableWorkbook(str(error)) from error
    about_name = _find_sheet(names, ABOUT_SHEET)
    return RawWorkbook(
        data,
        sheets,
        _find_sheet(names, DATA_SHEET),
        _about(sheets.get(about_name, [])) if about_name else {},
    )


def _about(rows: list[list[Any]]) -> dict[str, str]:
    found = {}
    for row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        label = row[0].casefold()
        for key, labels in ABOUT_FIELDS.items():
            if any(label.startswith(part.casefold()) for part in labels) and key not in found:
                found[key] = str(row[1]).strip()
                break
    return found


def _number_formats(data: bytes, sheet_name: str | None) -> dict[str, str]:
    from openpyxl import load_workbook

    if sheet_name is None:
        return {}
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return {
            cell.coordinate: cell.number_format
            for row in workbook[sheet_name].iter_rows()
            for cell in row
            if getattr(cell, "coordinate", None) and cell.number_format != "General"
        }
    finally:
        workbook.close()
