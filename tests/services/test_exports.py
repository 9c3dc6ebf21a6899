"""Downloads as a reader opens them (services.exports): CSV with a byte-order mark, Excel right to
left for Arabic, no cell Excel would run as a formula, and "export all" scoped by the actor."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from data.db import Store
from data.models import Entity, Period
from etl.export import COLUMNS, export_csv
from etl.load import Row, load_submission
from etl.workflow import approve
from services.actors import Actor, Denied, Role
from services.exports import Table, all_figures, csv_bytes, excel_bytes, figures_table

HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
ARABIC = "وزارة الصحة"


def table() -> Table:
    rows = [[text, ARABIC, -3.5, None] for text in HOSTILE] + [["MOH", ARABIC, 42.0, 7]]
    return Table("T1.1", ["الجهة", "الاسم", "الرقم", "=headers too"], rows)


def test_csv_starts_with_a_byte_order_mark_and_keeps_arabic():
    data = csv_bytes(table())
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["الجهة", "الاسم"] and rows[-1] == ["MOH", ARABIC, "42.0", "7"]


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_no_csv_cell_starts_like_a_formula():
    rows = list(csv.reader(io.StringIO(csv_bytes(table()).decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    risky = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not is_number(c)]
    assert risky == []
    assert '\'=HYPERLINK("http://x","y")' in cells and "'=headers too" in cells
    assert "'-2+3" in cells and "'\tx" in cells
    assert rows[1][2] == "-3.5"  # a number stays a number (Excel does not run it)


def workbook(rtl: bool):
    return openpyxl.load_workbook(io.BytesIO(excel_bytes(table(), rtl=rtl)))


def test_arabic_excel_is_right_to_left_and_english_is_not():
    assert workbook(rtl=True).active.sheet_view.rightToLeft is True
    assert not workbook(rtl=False).active.sheet_view.rightToLeft


def test_excel_has_no_formula_and_keeps_numbers_as_numbers():
    sheet = workbook(rtl=True).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t\r"]
    assert sheet["A1"].value == "الجهة" and sheet["D1"].value == "'=headers too"
    assert sheet["C2"].value == -3.5 and sheet["B2"].value == ARABIC
    assert sheet.title == "T1.1"


@pytest.fixture
def figures(users_db_url):
    """MOH's 2025-Q3: revision 1 approved at 40, revision 2 awaiting review at 55."""
    store = Store(users_db_url)
    with store.transaction() as db:
        moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
        quarter = db.scalar(select(Period).where(Period.code == "2025-Q3"))
        first = load_submission(
            db, moh, quarter, [Row("T1.1", "2025-Q3", 40.0, 4.0, 10.0)], uploader=None
        )
        approve(db, first, None, at=datetime(2025, 10, 5))
        load_submission(db, moh, quarter, [Row("T1.1", "2025-Q3", 55.0, 11.0, 20.0)], uploader=None)
    yield store
    store.engine.dispose()


def test_the_office_exports_what_the_command_line_does(figures):
    with figures.session() as db:
        rows = all_figures(db, Actor(Role.SUPERVISOR))
        command_line = export_csv(db)
    exported = csv_bytes(figures_table(rows)).decode("utf-8-sig").replace("\r\n", "\n")
    assert exported == command_line
    (row,) = rows
    assert (row["value"], row["status"], row["official_value"]) == (55.0, "submitted", 40.0)


def test_the_committee_exports_approved_figures_only(figures):
    with figures.session() as db:
        (row,) = all_figures(db, Actor(Role.COMMITTEE))
    assert (row["value"], row["status"], row["revision"], row["official_value"]) == (
        40.0,
        "approved",
        1,
        40.0,
    )


def test_an_entity_team_exports_nothing(figures):
    with figures.session() as db, pytest.raises(Denied):
        all_figures(db, Actor(Role.ENTITY, "MOH"))


def test_export_headers_keep_english_columns_unless_translated():
    assert figures_table([]).headers == list(COLUMNS)
    renamed = figures_table([], {"entity": "رمز الجهة"}).headers
    assert renamed[0] == "رمز الجهة" and renamed[1:] == list(COLUMNS[1:])
