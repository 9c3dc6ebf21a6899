"""Downloads as a reader gets them in Chromium: the files saved by a click carry a byte-order mark
(CSV), are right to left in Arabic (Excel), and have no cell Excel would run as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl

FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def save(page, button: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(button)
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return target


def no_formula_cells(sheet) -> list[str]:
    return [
        c.coordinate
        for row in sheet.iter_rows()
        for c in row
        if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS))
    ]


def test_kpi_downloads_in_arabic(sign_in, live_server, tmp_path):
    page = sign_in("committee", "ar")
    page.goto(f"{live_server}/kpi/T1.5")
    page.wait_for_selector("#kpi-csv")
    csv_file = save(page, "#kpi-csv", tmp_path)
    data = csv_file.read_bytes()
    assert csv_file.name == "T1.5-2025-Q4.csv" and data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[:2] == ["رمز الجهة", "الجهة"]
    book = openpyxl.load_workbook(save(page, "#kpi-excel", tmp_path))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft is True and sheet["A1"].value == "رمز الجهة"
    assert no_formula_cells(sheet) == []


def test_the_office_exports_everything_from_the_completeness_page(sign_in, live_server, tmp_path):
    page = sign_in("supervisor", "ar")
    page.goto(f"{live_server}/completeness")
    page.wait_for_selector("#export-all-csv")
    data = save(page, "#export-all-csv", tmp_path).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) > 1000 and {"approved", "submitted"} <= {r["status"] for r in rows}
    sheet = openpyxl.load_workbook(save(page, "#export-all-excel", tmp_path)).active
    assert sheet.sheet_view.rightToLeft is True and sheet.max_row == len(rows) + 1
    assert no_formula_cells(sheet) == []
