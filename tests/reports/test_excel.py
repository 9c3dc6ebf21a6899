"""The Excel pack (reports/excel.py), opened as a reader would (openpyxl): one sheet per view,
native charts, right-to-left sheets and Arabic headers in the Arabic pack, numbers as numbers,
no cell that Excel would run as a formula, the committee's approved figures only."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
import xlsxwriter

from data.cache import ResultCache
from reports.build import data_sha256
from reports.excel import Pack, excel_pack
from reports.figures import COMMITTEE, read_edition
from reports.stamp import EditionStamp
from services import api_view
from tests.reports.conftest import APPROVED_COMMENT, PENDING_COMMENT, QUARTER

PROGRAMME_SHEETS = {
    "en": ["Initiatives", "Procedures plan", "Budget"],
    "ar": ["المبادرات", "خطة تبسيط الإجراءات", "الميزانية"],
}
SHEETS = {
    "en": ["Overview", "Ministries by KPI", "Completeness", "Entity figures"],
    "ar": ["نظرة عامة", "الجهات حسب المؤشر", "اكتمال التقارير", "أرقام الجهات"],
}


@pytest.fixture(scope="module")
def packs(report_store):
    fig = read_edition(report_store, QUARTER)
    stamp = EditionStamp(
        period=QUARTER,
        number=1,
        published_at=datetime(2026, 2, 14, 9, 30),
        audit_seq=42,
        audit_hash="ab" * 32,
        data_sha256=data_sha256(fig, 1),
    )
    return fig, stamp, {lang: excel_pack(fig, stamp, lang) for lang in ("en", "ar")}


def opened(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_one_sheet_per_view_with_charts_in_the_users_direction(packs, lang):
    _fig, _stamp, files = packs
    book = opened(files[lang])
    names = book.sheetnames
    assert names[0] == SHEETS[lang][0] and names[-3:] == SHEETS[lang][1:]
    assert [n.split()[0] for n in names[1:5]] == ["T1", "T2", "T3", "T4"]  # a sheet per track
    assert names[5:-3] == PROGRAMME_SHEETS[lang]  # then the whole programme's (issue 16)
    assert all(bool(book[n].sheet_view.rightToLeft) is (lang == "ar") for n in names)
    with zipfile.ZipFile(io.BytesIO(files[lang])) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 1 + 4 + 1 + 1  # overview, each track, scores, completeness
    header = [c.value for c in book[names[1]][3]]
    assert header[:2] == (["الرمز", "المؤشر"] if lang == "ar" else ["Code", "KPI"])


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_no_formulas_numbers_as_numbers_and_the_committees_figures(packs, report_store, lang):
    fig, _stamp, files = packs
    book = opened(files[lang])
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    picture = api_view.programme_picture(
        api_view.programme_for(report_store, ResultCache(), COMMITTEE, QUARTER, None), COMMITTEE
    )
    expected = {k["code"]: k["value"] for k in picture["kpis"]}
    track = book[book.sheetnames[1]]
    written = {row[0].value: row[5].value for row in track.iter_rows(min_row=4) if row[0].value}
    assert written and all(isinstance(v, float | int | type(None)) for v in written.values())
    for code, value in written.items():
        assert (
            value == pytest.approx(expected[code]) if value is not None else expected[code] is None
        )
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert APPROVED_COMMENT in texts and PENDING_COMMENT not in texts
    assert len([f for f in fig.figures]) == book[book.sheetnames[-1]].max_row - 3


def test_text_excel_would_run_is_neutralised():
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    pack = Pack(book, "en")
    sheet = book.add_worksheet("t")
    hostile = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "plain"]
    for row, text in enumerate(hostile):
        pack.put(sheet, row, 0, text)
    pack.put(sheet, 0, 1, 12.5)
    pack.put(sheet, 1, 1, float("nan"))
    pack.put(sheet, 2, 1, None)
    book.close()
    read = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))["t"]
    values = [read.cell(row + 1, 1) for row in range(len(hostile))]
    assert all(c.data_type == "s" for c in values)
    assert [c.value for c in values] == ["'" + t for t in hostile[:4]] + ["plain"]
    assert read["B1"].value == 12.5 and read["B2"].value == "invalid" and read["B3"].value is None


def test_the_same_figures_give_the_same_bytes(packs, report_store):
    _fig, stamp, files = packs
    again = read_edition(report_store, QUARTER)
    assert excel_pack(again, stamp, "ar") == files["ar"]
    assert excel_pack(again, stamp, "en") == files["en"]
