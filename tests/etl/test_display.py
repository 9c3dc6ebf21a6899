"""What is loaded is what Excel shows (issue 12): the number formats, colours and formulas the
tracker reads as Excel does. The hostile workbooks themselves are in tests/etl/hostile_display.py
(run by tests/etl/test_hostile.py); here are the rules one by one, and the warning a formula the
tracker cannot recalculate leaves for the reviewer."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from etl import display
from etl.recalc import Cycle, Formula, Sheet, Unsupported, XlError, moved, same
from etl.structure import inspect_workbook
from tests.etl.hostile_display import formula_at_g5, stale_in_a_shared_formula
from tests.etl.hostile_files import edit_part, filled, sub
from tests.etl.test_ingest import messages, official


@pytest.mark.parametrize(
    ("code", "problem"),
    [
        ("General", None),
        ("0", None),
        ("0.0", None),
        ("#,##0.00", None),
        ("0.0%", None),
        ("[$-2000401]0.00", None),
        ("[Red]#,##0.0;[Blue]-#,##0.0", None),
        ('"OMR "#,##0.000', None),
        ('#,##0 "ر.ع."', None),
        ('_(* #,##0_);_(* (#,##0);_(* "-"??_);_(@_)', None),  # Excel's accounting format
        ('0;-0;"-"', None),  # a zero shown as a dash
        ("# ?/8", None),
        ("0.00E+00", None),
        ("@", None),  # a number under the text format shows as it is
        ("yyyy-mm-dd", None),  # a date: the reader reads the cell as a date and refuses it
        (";;;", "hidden"),
        ("0;-0;;@", "hidden"),  # zeros shown as nothing
        ('"80"', "literal"),
        ("\\8\\0", "literal"),
        ('0"0"', "literal"),
        ("*80", "literal"),  # the 8 repeated to fill the cell
        ('"OMR "@', "literal"),
        ('[<100]"80";0', "condition"),
        ("0,", "scaled"),
        ("#,##0.0,,", "scaled"),
    ],
)
def test_number_formats_that_do_not_show_the_number_as_stored(code, problem):
    assert display.number_format(code).problem == problem


def test_a_text_section_that_replaces_the_text():
    assert display.number_format(";;;").hides_text
    assert display.number_format('0;0;0;"n/a"').hides_text
    assert not display.number_format('0;0;0;@" (text)"').hides_text
    assert not display.number_format("#,##0").hides_text


def test_colours_of_formats_and_near_colours():
    assert display.number_format("[White]0").colours == (display.WHITE,)
    assert display.number_format("[Color2]0").colours == (display.WHITE,)  # the palette's 9
    assert display.near(display.WHITE, (0xFF, 0xF8, 0xDC))  # white on the template's fill
    assert not display.near(display.WHITE, (0xFF, 0xFF, 0x00))  # yellow on white
    assert display.tinted(display.BLACK, 0.95) == (242, 242, 242)
    assert display.tinted(display.WHITE, -0.5) == (128, 128, 128)


def test_theme_colours_come_from_the_theme_part(template):
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        theme = archive.read("xl/theme/theme1.xml")
    colours = display.theme_colours(theme)
    assert colours[0] == display.WHITE and colours[1] == display.BLACK  # lt1 and dk1, swapped
    dark = theme.replace(b'lastClr="FFFFFF"', b'lastClr="101010"', 1)
    assert display.theme_colours(dark)[0] == (16, 16, 16)


# recalculation


def recalculated(text: str, values=None, **formulas) -> object:
    cells = {(1, 1): Formula(text), **{_at(k): Formula(v) for k, v in formulas.items()}}
    return Sheet(values or {}, cells).result((1, 1))


def _at(name: str) -> tuple[int, int]:
    return int(name[1:]), ord(name[0]) - 64


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2+3", 5),
        ("-2^2", 4),  # Excel negates before it raises
        ("2^3^2", 64),  # left to right
        ("50%*2", 1),
        ("(1+2)*3-4/8", 8.5),
        ("ROUND(2.675,2)", 2.68),  # half away from zero on the 15 digits Excel shows
        ("ROUND(-2.5,0)", -3),
        ("ROUND(1234,-2)", 1200),
        ("ABS(-3)+MIN(4,2)+MAX(1,5)+COUNT(1,2,3)", 13),
        ("SUM(B1:B3)/COUNT(B1:B3)", 15),  # B2 is empty: skipped
        ("AVERAGE(B1:B3)", 15),
        ("SUM(B:B)", 30),
        ("B2+1", 1),  # an empty cell is 0
        ("C1*2", 12),  # C1 is a formula, recalculated
        ("SUM(D1:D2)", 3),  # text and TRUE in a range are skipped
        ("D2+1", 2),  # TRUE given directly is 1
    ],
)
def test_what_excel_shows(text, shown):
    values = {(1, 2): 10.0, (3, 2): 20.0, (1, 4): 3.0, (2, 4): True, (3, 4): "x"}
    assert recalculated(text, values, C1="2*3") == shown


@pytest.mark.parametrize(
    ("text", "error"),
    [("1/0", "#DIV/0!"), ("AVERAGE(B5:B6)", "#DIV/0!"), ('"x"+1', "#VALUE!"), ("0^0", "#NUM!")],
)
def test_errors_excel_would_show(text, error):
    assert recalculated(text) == XlError(error)


@pytest.mark.parametrize(
    "text",
    ["VLOOKUP(1,A1:B2,2)", "About!B4", "[1]Data!A1", "Rate*2", "A1&B1", "B1>1", "B1:B3+1"],
)
def test_what_the_tracker_does_not_recalculate(text):
    with pytest.raises(Unsupported):
        recalculated(text, {(1, 2): 1.0})


def test_a_cycle_through_other_cells():
    with pytest.raises(Cycle):
        recalculated("B1+1", B1="C1*2", C1="A1")


def test_a_shared_formula_moves_its_relative_references():
    formulas = {
        (1, 3): Formula("A1*B$1+$A$1", "shared", "0", "C1:C3"),
        (3, 3): Formula("", "shared", "0"),
    }
    values = {(1, 1): 2.0, (1, 2): 10.0, (3, 1): 5.0}
    assert Sheet(values, formulas).result((3, 3)) == 5 * 10 + 2


def test_a_shared_formula_is_shown_as_in_its_own_cell():
    shown = moved("E4/F4*100+SUM($A$1:B$2)+Sheet1!C3", 1, 0)
    assert shown == "E5/F5*100+SUM($A$1:B$2)+Sheet1!C4"


def test_a_chain_deeper_than_python_goes_is_not_recalculated():
    formulas = {(row, 1): Formula(f"A{row + 1}+1") for row in range(1, 3000)}
    with pytest.raises(Unsupported):
        Sheet({(3000, 1): 1.0}, formulas).result((1, 1))


def test_a_large_recalculation_stops_at_its_budget():
    values = {(row, 1): 1.0 for row in range(1, 1001)}
    formulas = {(row, 2): Formula("SUM(A1:A1000)") for row in range(1, 1001)}
    sheet = Sheet(values, formulas, budget=100_000)
    assert sheet.result((1, 2)) == 1000
    with pytest.raises(Unsupported):
        for row in range(2, 1001):
            sheet.result((row, 2))


def test_results_are_compared_as_excel_keeps_numbers():
    assert same(0.1 + 0.2, 0.3)
    assert same(0.1 + 0.2 - 0.3, 0.0, scale=0.3)
    assert not same(5.0, 80.0)
    assert not same(40.0, 40.001)


# styles, per file and bounded


def many_styles(template: bytes, count: int) -> bytes:
    """The good file with `count` cell styles, as a workbook long edited in Excel has."""
    extra = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * count
    return edit_part(filled(template), "xl/styles.xml", sub("</cellXfs>", extra + "</cellXfs>"))


def test_thousands_of_cell_styles_are_read_quickly_and_only_where_used(template):
    data = many_styles(template, 20_000)
    start = time.perf_counter()
    found = inspect_workbook(data)
    assert time.perf_counter() - start < 2
    assert found.problems == []


def test_styles_beyond_the_limit_are_refused(template):
    found = inspect_workbook(many_styles(template, 70_000))
    assert [p.code for p in found.problems] == ["bad_part"]
    assert found.problems[0].params == {"part": "xl/styles.xml"}


def test_a_cell_styled_beyond_the_list_is_read_as_style_zero(template):
    data = edit_part(
        filled(template), "xl/worksheets/sheet1.xml", sub('<c r="G5" s="3"', '<c r="G5" s="999"')
    )
    assert inspect_workbook(data).problems == []


@pytest.fixture
def template(desk) -> bytes:
    return desk.template()


# the warning a formula leaves


def test_a_formula_the_tracker_cannot_recalculate_loads_with_a_warning(desk):
    data = formula_at_g5("About!B4*0+40", "40")(desk.template())
    outcome = desk.ingest(data)
    assert outcome.outcome == "submitted", messages(outcome)
    assert official(desk, "T1.5") == 40
    warning = next(p for p in outcome.warnings if p.code == "formula_unchecked")
    assert warning.params == {"cell": "Data!G5", "formula": "About!B4*0+40", "saved": "40"}
    assert "=About!B4*0+40" in warning.render() and "40" in warning.render()


def test_a_stale_formula_is_refused_with_what_excel_shows(desk):
    outcome = desk.ingest(formula_at_g5("E5/F5*100", "80")(desk.template()))
    assert outcome.outcome == "refused"
    assert [p.render() for p in outcome.errors] == [
        "Data!G5 shows 40 in Excel (=E5/F5*100) but its saved result is 80: open the file in "
        "Excel, let it recalculate, save it and upload it again."
    ]


def test_a_stale_shared_formula_is_named_as_excel_shows_it_in_that_cell(desk):
    outcome = desk.ingest(stale_in_a_shared_formula(desk.template()))
    assert outcome.outcome == "refused"
    stale = [p for p in outcome.errors if p.code == "stale_formula"]
    assert [p.params for p in stale] == [
        {"cell": "Data!G5", "formula": "E5/F5*100", "saved": "80", "shown": "40"}
    ]
