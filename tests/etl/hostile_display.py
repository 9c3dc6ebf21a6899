"""Hostile workbooks about what Excel SHOWS (issue 12): a formula whose saved result is not what
Excel recalculates, a number format that hides or alters the figure, a conditional format that
does, text in the colour of its background, hidden rows, columns and windows. Each is built from
the generated MOH 2025-Q3 template (T1.5, a percentage with a numerator and a denominator, is on
row 5: E5, F5, G5; its comment is H5), with one thing wrong, next to the good files that must
still load; tests/etl/test_hostile.py runs every case."""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import CellIsRule, DataBarRule, Rule
from openpyxl.styles import Color, Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat

from tests.etl.hostile_case import HostileCase
from tests.etl.hostile_files import (
    DATA,
    WORKBOOK,
    edit_part,
    filled,
    sub,
)

# stale formula results


def row5(cells: str) -> Callable[[str], str]:
    """Row 5's E5, F5 and G5 replaced by `cells` (openpyxl writes them empty, styled 3)."""

    def change(xml: str) -> str:
        for ref in ("E5", "F5", "G5"):
            xml = sub(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', "")(xml)
        return sub(r'(<c r="D5"[^>]*?(/>|>.*?</c>))', r"\1" + cells.replace("\\", "\\\\"))(xml)

    return change


def figures(e5: str, f5: str, g5: str) -> Callable[[bytes], bytes]:
    """T1.5's numerator, denominator and value written as given (each a `<c>` element)."""

    def build(template: bytes) -> bytes:
        return edit_part(filled(template), DATA, row5(e5 + f5 + g5))

    return build


E5 = '<c r="E5" s="3"><v>30</v></c>'
F5 = '<c r="F5" s="3"><v>75</v></c>'


def formula_at_g5(formula: str, saved: str) -> Callable[[bytes], bytes]:
    def build(template: bytes) -> bytes:
        cell = f'<c r="G5" s="3"><f>{formula}</f><v>{saved}</v></c>'
        return edit_part(filled(template), DATA, row5(E5 + F5 + cell))

    return build


def stale_through_another_formula(template: bytes) -> bytes:
    """G5 adds 10 to L5, whose own saved result (99) is stale: Excel shows 30 + 10 = 40 in G5,
    not the 109 saved with it."""
    extra = '<c r="L5"><f>10*3</f><v>99</v></c>'
    xml_edit = row5(E5 + F5 + '<c r="G5" s="3"><f>L5+10</f><v>109</v></c>')

    def change(xml: str) -> str:
        return sub(r'(<c r="K5"[^>]*?(/>|>.*?</c>))', r"\1" + extra)(xml_edit(xml))

    return edit_part(filled(template), DATA, change)


def stale_in_a_shared_formula(template: bytes) -> bytes:
    """G4 holds `E4/F4*100` shared down to G5, which saved 80 where Excel shows 30/75*100."""
    row4 = (
        '<c r="E4" s="3"><v>20</v></c><c r="F4" s="3"><v>40</v></c>'
        '<c r="G4" s="3"><f t="shared" ref="G4:G5" si="0">E4/F4*100</f><v>50</v></c>'
    )

    def change(xml: str) -> str:
        for ref in ("E4", "F4", "G4"):
            xml = sub(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', "")(xml)
        xml = sub(r'(<c r="D4"[^>]*?(/>|>.*?</c>))', r"\1" + row4)(xml)
        return row5(E5 + F5 + '<c r="G5" s="3"><f t="shared" si="0"/><v>80</v></c>')(xml)

    return edit_part(filled(template), DATA, change)


# number formats


def number_format(code: str, cell: str = "G5", value: object = 40) -> Callable[[bytes], bytes]:
    def build(template: bytes) -> bytes:
        def edit(sheet) -> None:
            sheet[cell].number_format = code

        return filled(template, value=value, edit=edit)

    return build


# conditional formats


def conditional(rule, ref: str = "G2:G14") -> Callable[[bytes], bytes]:
    """`rule` over `ref` (a whole column written into the XML: openpyxl takes only cells)."""

    def build(template: bytes) -> bytes:
        add = lambda sheet: sheet.conditional_formatting.add("G2:G14", rule)  # noqa: E731
        data = filled(template, edit=add)
        if ref == "G2:G14":
            return data
        return edit_part(
            data,
            DATA,
            sub('<conditionalFormatting sqref="G2:G14"', f'<conditionalFormatting sqref="{ref}"'),
        )

    return build


def rule_with(style: DifferentialStyle) -> Rule:
    rule = Rule(type="cellIs", operator="greaterThan", formula=["0"], dxf=style)
    return rule


X14_RULE = (
    "<extLst>"
    '<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    "<x14:conditionalFormattings>"
    '<x14:conditionalFormatting xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:cfRule type="expression" priority="1" id="{00000000-0000-0000-0000-000000000001}">'
    '<xm:f>About!$B$1&lt;&gt;""</xm:f>'
    '<x14:dxf><font><color rgb="FFFFF8DC"/></font></x14:dxf>'
    "</x14:cfRule><xm:sqref>G5</xm:sqref>"
    "</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>"
)


def x14_rule_hides(template: bytes) -> bytes:
    """Excel 2010's form of a rule (on another sheet's cell): the font in the input fill's
    colour, given inline in the sheet's extensions."""
    return edit_part(filled(template), DATA, sub("</worksheet>", X14_RULE + "</worksheet>"))


# colours


def styled(font: Font | None = None, fill: PatternFill | None = None, cell: str = "G5"):
    def build(template: bytes) -> bytes:
        def edit(sheet) -> None:
            if cell == "H5":
                sheet["H5"] = "a comment in the colour of its background"
            if font is not None:
                sheet[cell].font = font
            if fill is not None:
                sheet[cell].fill = fill

        return filled(template, edit=edit)

    return build


NO_FILL = PatternFill(fill_type=None)
WHITE_FILL = PatternFill("solid", fgColor="FFFFFF")


# hidden rows, columns and windows


def dimensions(change: Callable) -> Callable[[bytes], bytes]:
    def build(template: bytes) -> bytes:
        return filled(template, edit=change)

    return build


def hide_row(number: int):
    def change(sheet) -> None:
        sheet.row_dimensions[number].hidden = True

    return change


def hide_column(letter: str):
    def change(sheet) -> None:
        sheet.column_dimensions[letter].hidden = True

    return change


def rows_hidden_by_default(template: bytes) -> bytes:
    return edit_part(
        filled(template), DATA, sub("<sheetFormatPr ", '<sheetFormatPr zeroHeight="1" ')
    )


def hidden_window(template: bytes) -> bytes:
    return edit_part(filled(template), WORKBOOK, sub('visibility="visible"', 'visibility="hidden"'))


def row_of_zero_height(template: bytes) -> bytes:
    return edit_part(
        filled(template), DATA, sub('<row r="5"', '<row r="5" ht="0" customHeight="1"')
    )


def comment_column_of_zero_width(template: bytes) -> bytes:
    data = filled(template, edit=lambda sheet: sheet.cell(5, 8, "hidden remark"))
    return edit_part(data, DATA, sub('<col width="36"', '<col width="0"'))


def zeros_not_shown(template: bytes) -> bytes:
    data = filled(template, value=0)
    return edit_part(
        data,
        DATA,
        sub('<sheetView workbookViewId="0"', '<sheetView showZeros="0" workbookViewId="0"'),
    )


def note_under_the_table_hidden(template: bytes) -> bytes:
    """A hidden helper column after the loaded ones, with notes: nothing of it is loaded."""

    def change(sheet) -> None:
        sheet["L5"] = "working note"
        sheet.column_dimensions["L"].hidden = True

    return filled(template, edit=change)


def chart_at(anchor: str) -> Callable[[bytes], bytes]:
    """A chart (openpyxl anchors it at one cell, 15 by 7.5 cm) with its top left at `anchor`."""

    def edit(sheet) -> None:
        chart = BarChart()
        chart.add_data(Reference(sheet, min_col=10, min_row=1, max_row=5))
        sheet.add_chart(chart, anchor)

    return lambda template: filled(template, edit=edit)


def _case(name, build, expect, where=None, note=""):
    return HostileCase(name, build, expect, where, note)


NUMBER_FORMAT = NumberFormat(numFmtId=200, formatCode=";;;")
CASES = [
    # stale formula results (Excel recalculates on opening)
    _case("formula 2+3 saved as 80", formula_at_g5("2+3", "80"), "stale_formula", "Data!G5"),
    _case(
        "ratio formula saved stale", formula_at_g5("E5/F5*100", "80"), "stale_formula", "Data!G5"
    ),
    _case(
        "numerator formula saved stale",
        figures('<c r="E5" s="3"><f>ROUND(29.5,0)+SUM(1,-1)</f><v>35</v></c>', F5, ""),
        "stale_formula",
        "Data!E5",
    ),
    _case(
        "stale through another formula", stale_through_another_formula, "stale_formula", "Data!G5"
    ),
    _case("stale in a shared formula", stale_in_a_shared_formula, "stale_formula", "Data!G5"),
    _case(
        "formula divides by zero, saved 40", formula_at_g5("E5/0", "40"), "stale_formula", "Data!G5"
    ),
    _case("circular formula", formula_at_g5("G5+0", "40"), "formula_cycle", "Data!G5"),
    _case("ratio formula saved right", formula_at_g5("E5/F5*100", "40"), None, note="loads 40"),
    _case(
        "formula with float rounding",
        formula_at_g5("(0.1+0.2-0.3)*1000+AVERAGE(E5:F5)-12.5", "40"),
        None,
        note="Excel's 15 digits",
    ),
    _case(
        "formula over another sheet",
        formula_at_g5("About!B4*0+40", "40"),
        None,
        note="loaded with a warning naming the formula",
    ),
    # number formats that do not show the number as stored
    _case("format ;;; hides the value", number_format(";;;"), "display_format", "Data!G5"),
    _case('format "80" shows 80', number_format('"80"'), "display_format", "Data!G5"),
    _case("format \\8\\0 shows 80", number_format("\\8\\0"), "display_format", "Data!G5"),
    _case("conditional format section", number_format('[<100]"80";0'), "display_format", "Data!G5"),
    _case(
        "format 0, divides by 1000", number_format("0,", value=40000), "display_format", "Data!G5"
    ),
    _case('format 0"0" adds a digit', number_format('0"0"', value=4), "display_format", "Data!G5"),
    _case("KPI code hidden by ;;;", number_format(";;;", cell="A5"), "display_format", "Data!A5"),
    _case("format 0.0% on 0.4", number_format("0.0%", value=0.4), None, note="reads as 40%"),
    _case("format [$-2000401]0.0", number_format("[$-2000401]0.0"), None, note="a locale"),
    _case("format [Red]#,##0.0", number_format("[Red]#,##0.0"), None, note="a colour"),
    _case("format with currency text", number_format('"OMR "#,##0.000'), None, note="currency"),
    # conditional formats
    _case(
        "conditional number format",
        conditional(rule_with(DifferentialStyle(numFmt=NUMBER_FORMAT))),
        "conditional_format",
        "Data!G2:G14",
    ),
    _case(
        "conditional white font",
        conditional(CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="FFF8DC"))),
        "conditional_hides",
        "Data!G2:G14",
    ),
    _case(
        "conditional font over a whole column",
        conditional(
            CellIsRule(operator="greaterThan", formula=["0"], font=Font(color="FFFFFF")), "G:G"
        ),
        "conditional_hides",
        "Data!G:G",
    ),
    _case(
        "conditional data bar without the value",
        conditional(DataBarRule(start_type="min", end_type="max", color="638EC6", showValue=False)),
        "conditional_format",
        "Data!G2:G14",
    ),
    _case("x14 conditional font hides", x14_rule_hides, "conditional_hides", "Data!G5"),
    _case(
        "conditional yellow fill",
        conditional(
            CellIsRule(operator="greaterThan", formula=["0"], fill=PatternFill(bgColor="FFFF00"))
        ),
        None,
        note="people highlight",
    ),
    # invisible text
    _case(
        "white on white",
        styled(Font(color="FFFFFF"), WHITE_FILL),
        "invisible_text",
        "Data!G5",
    ),
    _case("white on no fill", styled(Font(color="FFFFFF"), NO_FILL), "invisible_text", "Data!G5"),
    _case(
        "indexed white on no fill",
        styled(Font(color=Color(indexed=9)), NO_FILL),
        "invisible_text",
        "Data!G5",
    ),
    _case(
        "theme background colour as font",
        styled(Font(color=Color(theme=0)), NO_FILL),
        "invisible_text",
        "Data!G5",
    ),
    _case(
        "theme text colour tinted to white",
        styled(Font(color=Color(theme=1, tint=0.95)), NO_FILL),
        "invisible_text",
        "Data!G5",
    ),
    _case(
        "comment in the input fill's colour",
        styled(Font(color="FFF8DC"), cell="H5"),
        "invisible_text",
        "Data!H5",
    ),
    _case("one-point font", styled(Font(size=1)), "invisible_text", "Data!G5"),
    _case("format [White] on no fill", number_format("[White]0"), "invisible_text", "Data!G5"),
    _case(
        "black on yellow",
        styled(Font(color="000000"), PatternFill("solid", fgColor="FFFF00")),
        None,
    ),
    _case("red figure", styled(Font(color="C00000")), None, note="people colour figures"),
    # hidden rows, columns and windows
    _case("row 5 hidden", dimensions(hide_row(5)), "hidden_row", "Data!5:5"),
    _case("row 5 of zero height", row_of_zero_height, "hidden_row", "Data!5:5"),
    _case("rows hidden by default", rows_hidden_by_default, "hidden_row", "Data!5:5"),
    _case("value column hidden", dimensions(hide_column("G")), "hidden_column", "Data!G:G"),
    _case(
        "comment column of zero width", comment_column_of_zero_width, "hidden_column", "Data!H:H"
    ),
    _case("row of an unreported KPI hidden", dimensions(hide_row(6)), None, note="nothing loaded"),
    _case(
        "empty numerator column hidden",
        dimensions(hide_column("E")),
        None,
        note="only the heading: nothing loaded",
    ),
    _case("hidden column of notes", note_under_the_table_hidden, None, note="not loaded"),
    _case("chart over the figures", chart_at("G5"), "drawing_over_cells", "Data!G5:O19"),
    _case("chart beside the table", chart_at("M2"), None, note="covers no loaded cell"),
    _case(
        "hidden chart over the figures",
        lambda template: edit_part(
            chart_at("G5")(template),
            "xl/drawings/drawing1.xml",
            sub('<cNvPr id="1" name="Chart 1"', '<cNvPr id="1" name="Chart 1" hidden="1"'),
        ),
        None,
        note="Excel does not draw it",
    ),
    _case("workbook window hidden", hidden_window, "hidden_window", WORKBOOK),
    _case("zeros not shown, value 0", zeros_not_shown, "zero_hidden", "Data!G5"),
]
