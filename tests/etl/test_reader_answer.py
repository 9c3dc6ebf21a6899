"""The reader's worker answers with only the cells the validator reads (issue 12): the header row
and the loaded columns of the Data sheet, and the About sheet's fields. Every workbook of the
hostile suite, and a few shapes of sheet, must validate exactly as from every cell of both sheets,
and a sheet full of long texts outside the loaded columns must not reach the server."""

from __future__ import annotations

import io
from dataclasses import asdict, replace

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from data.db import Store
from etl.contract import ABOUT_SHEET, DATA_SHEET, LOADED_KEYS, TEMPLATE_VERSION, header_row
from etl.due import due_kpis
from etl.read import RawWorkbook, RefusedWorkbook, _about, read_untrusted, workbook_of
from etl.structure import Limits, inspect_workbook
from etl.validate import Expectation, validate
from kpis.periods import parse_period
from tests.etl.hostile_files import CASES as FILE_CASES
from tests.etl.hostile_files import filled

try:
    from tests.etl.hostile_values import CASES as VALUE_CASES
except ImportError:
    VALUE_CASES = []

PERIOD = "2025-Q3"
HEADER = {"limits": asdict(Limits())}


@pytest.fixture(scope="module")
def setting(sqlite_databases):
    store = Store(sqlite_databases.fresh("users"))
    with store.session() as db:
        from etl.template import template_bytes

        template = template_bytes(db, "MOH", PERIOD)
        due = due_kpis(db, "MOH", parse_period(PERIOD))
    store.engine.dispose()
    return template, Expectation("MOH", PERIOD, due)


def whole_sheets(data: bytes) -> RawWorkbook:
    """What the worker answered before: every cell of both sheets."""
    answer = read_untrusted(HEADER, data)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = {
        name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name in (DATA_SHEET, ABOUT_SHEET)
        if name in workbook.sheet_names
    }
    trimmed = workbook_of(data, answer)
    return replace(
        trimmed,
        sheets=sheets,
        data_sheet=DATA_SHEET if DATA_SHEET in sheets else None,
        about=_about(sheets.get(ABOUT_SHEET, [])),
    )


def outcome(workbook: RawWorkbook, expected: Expectation):
    checked = validate(workbook, expected)
    return (
        [p.as_dict() for p in checked.errors],
        [p.as_dict() for p in checked.warnings],
        checked.rows,
    )


def edited(template: bytes, edit) -> bytes:
    workbook = load_workbook(io.BytesIO(filled(template)))
    edit(workbook["Data"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def notes_above_the_header(sheet) -> None:
    sheet.insert_rows(1, 3)
    sheet["A1"], sheet["G2"] = "Quarterly return", "Value (see note)"


def long_texts_beside(sheet) -> None:
    for row in range(1, 40):
        sheet.cell(row=row, column=4, value=f"unit {row} " + "u" * 3000)  # Unit: not loaded
        # long, yet not so many that the file inflates over 100:1 (refused as a zip bomb, unread)
        sheet.cell(row=row, column=30, value="x" * 20_000)


def blanks_and_spaces(sheet) -> None:
    sheet["H5"], sheet["I5"], sheet["H6"] = "", "   ", "  note  "
    sheet["G7"] = None


def a_second_value_heading(sheet) -> None:
    sheet.cell(row=1, column=12, value="Value")


def no_header(sheet) -> None:
    sheet["A1"] = "Code"


SHAPES = [notes_above_the_header, long_texts_beside, blanks_and_spaces, a_second_value_heading]
SHAPES.append(no_header)


def every_workbook(template: bytes):
    for case in [*FILE_CASES, *VALUE_CASES]:
        yield case.name, case.build(template)
    for shape in SHAPES:
        yield shape.__name__, edited(template, shape)


def test_the_answer_validates_as_every_cell_would(setting):
    template, expected = setting
    compared = 0
    for name, data in every_workbook(template):
        if inspect_workbook(data, Limits()).problems:
            continue  # refused before reading, either way
        try:
            trimmed = workbook_of(data, read_untrusted(HEADER, data))
        except RefusedWorkbook:
            continue
        assert outcome(trimmed, expected) == outcome(whole_sheets(data), expected), name
        compared += 1
    assert compared >= 40


def test_cells_the_validator_never_reads_stay_in_the_worker(setting):
    template, expected = setting
    data = edited(template, long_texts_beside)
    answer = read_untrusted(HEADER, data)
    rows = answer["data"]
    _index, columns = header_row(rows)
    loaded = {columns[k] for k in LOADED_KEYS if k in columns}
    below = [col for row in rows[1:] for col, cell in enumerate(row) if cell is not None]
    assert below and set(below) <= loaded
    assert max(len(str(cell)) for row in rows[1:] for cell in row) < 100
    assert answer["about"] == {
        "entity": "MOH",
        "entity_name": answer["about"]["entity_name"],
        "period": PERIOD,
        "version": TEMPLATE_VERSION,
        "generated": answer["about"]["generated"],
    }
    assert outcome(workbook_of(data, answer), expected)[0] == []


def test_a_file_over_the_size_limit_is_not_sent_to_the_reader(setting):
    """Refused unread (etl.safety), it is not read ahead either: a worker under its memory
    ceiling would only die on it."""
    from etl.read import _PREFETCHED, prefetch
    from etl.safety import MAX_BYTES

    template, _expected = setting
    small, big = filled(template), b"PK\x03\x04" + bytes(MAX_BYTES)
    prefetch([big, small])
    assert _PREFETCHED.take(big) is None
    read = _PREFETCHED.take(small)
    assert read is not None and read.result().about["entity"] == "MOH"
