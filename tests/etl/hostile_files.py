"""Hostile and broken workbooks about what a file IS (issue 12): its zip, its parts and XML, its
shape, its sheets, its cells written twice or merged, formulas with errors or without results.
Each is built from the generated MOH 2025-Q3 template (T1.5, a percentage, is on row 5: its value
cell is Data!G5), with one thing wrong; tests/etl/test_hostile.py runs every case."""

from __future__ import annotations

import io
import random
import re
import warnings
import zipfile
from collections.abc import Callable

from openpyxl import load_workbook

from tests.etl.hostile_case import HostileCase

DATA = "xl/worksheets/sheet1.xml"
ABOUT = "xl/worksheets/sheet3.xml"
WORKBOOK = "xl/workbook.xml"
RELS = "xl/_rels/workbook.xml.rels"
TYPES = "[Content_Types].xml"
STRINGS = "xl/sharedStrings.xml"
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# building blocks


def filled(template: bytes, value: object = 40, edit=None) -> bytes:
    """The template with T1.5's value (a good file), then `edit(sheet)` with openpyxl."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook["Data"]
    sheet["G5"] = value
    assert sheet["A5"].value == "T1.5"
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def rezip(items: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of `items` in order, repeated names included (zipfile warns, and writes them)."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": that is the point
        for name, content in items:
            info = zipfile.ZipInfo(name, date_time=(2025, 10, 1, 0, 0, 0))
            info.compress_type = method
            archive.writestr(info, content)
    return buffer.getvalue()


def edit_part(data: bytes, part: str, change: Callable[[str], str]) -> bytes:
    """`data` with the text of `part` replaced by `change(text)`."""
    items = [(n, change(c.decode()).encode() if n == part else c) for n, c in members(data)]
    return rezip(items)


def sub(pattern: str, replacement: str, count: int = 1) -> Callable[[str], str]:
    def change(text: str) -> str:
        changed, made = re.subn(pattern, replacement, text, count=count)
        assert made, f"{pattern!r} not found"
        return changed

    return change


def value_cell(xml: str) -> str:
    """Data!G5 of the filled template as openpyxl writes it."""
    found = re.search(r'<c r="G5"[^>]*>.*?</c>|<c r="G5"[^>]*/>', xml)
    assert found, "no G5"
    return found[0]


def replace_g5(cell: str) -> Callable[[str], str]:
    return lambda xml: xml.replace(value_cell(xml), cell)


def before_sheet_data_end(extra: str) -> Callable[[str], str]:
    return lambda xml: xml.replace("</sheetData>", extra + "</sheetData>")


def add_part(data: bytes, name: str, content: bytes, *, before: str | None = None) -> bytes:
    items = members(data)
    index = next((i for i, (n, _) in enumerate(items) if n == before), len(items))
    items.insert(index, (name, content))
    return rezip(items)


def with_sheet(template: bytes, name: str, state: str = "visible", *, first: bool = False):
    """The good file with one more sheet named `name` (a copy of Data saying 90 at G5)."""
    good = filled(template)
    copy = replace_g5('<c r="G5" t="n"><v>90</v></c>')(dict(members(good))[DATA].decode())
    data = add_part(good, "xl/worksheets/sheet9.xml", copy.encode())
    data = edit_part(
        data,
        RELS,
        sub(
            "</Relationships>",
            f'<Relationship Id="rId99" Type="{REL}/worksheet" '
            'Target="/xl/worksheets/sheet9.xml"/></Relationships>',
        ),
    )
    data = edit_part(
        data,
        TYPES,
        sub(
            "</Types>",
            f'<Override PartName="/xl/worksheets/sheet9.xml" ContentType="{WORKSHEET_TYPE}"/>'
            "</Types>",
        ),
    )
    entry = f'<sheet name="{name}" sheetId="9" state="{state}" r:id="rId99"/>'
    if first:
        return edit_part(data, WORKBOOK, sub("<sheets>", "<sheets>" + entry))
    return edit_part(data, WORKBOOK, sub("</sheets>", entry + "</sheets>"))


def with_strings(template: bytes, strings_xml: str, g5: str = '<c r="G5" t="s"><v>0</v></c>'):
    """The good file with a shared-strings part (as Excel writes one) and G5 pointing into it."""
    data = edit_part(filled(template), DATA, replace_g5(g5))
    data = add_part(data, STRINGS, strings_xml.encode())
    data = edit_part(
        data,
        RELS,
        sub(
            "</Relationships>",
            f'<Relationship Id="rId98" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        ),
    )
    return edit_part(
        data,
        TYPES,
        sub(
            "</Types>",
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{STRINGS_TYPE}"/></Types>',
        ),
    )


def sst(items: list[str], count: str | None = None) -> str:
    declared = count if count is not None else str(len(items))
    body = "".join(f"<si><t>{item}</t></si>" for item in items)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{declared}" uniqueCount="{declared}">{body}</sst>'
    )


def noise(length: int, seed: int = 12) -> str:
    """Letters that do not compress much (a long text that is not a zip bomb)."""
    generator = random.Random(seed)
    return "".join(generator.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(length))


def patch_central(data: bytes, part: str, offset: int, value: bytes) -> bytes:
    """The zip with bytes at `offset` of `part`'s central directory entry replaced."""
    name = part.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name:
            return data[: at + offset] + value + data[at + offset + len(value) :]
        at += 4
    raise AssertionError(f"{part} not in the central directory")


# the zip


def duplicate_sheet_member(template: bytes) -> bytes:
    good = filled(template)
    other = replace_g5('<c r="G5" t="n"><v>90</v></c>')(dict(members(good))[DATA].decode())
    return rezip([*members(good), (DATA, other.encode())])


def duplicate_member_other_case(template: bytes) -> bytes:
    good = filled(template)
    other = replace_g5('<c r="G5" t="n"><v>90</v></c>')(dict(members(good))[DATA].decode())
    return rezip([*members(good), ("xl/worksheets/Sheet1.xml", other.encode())])


def duplicate_workbook_member(template: bytes) -> bytes:
    good = filled(template)
    return rezip([*members(good), (WORKBOOK, dict(members(good))[WORKBOOK])])


def traversal_member(template: bytes) -> bytes:
    return rezip([*members(filled(template)), ("../../etc/cron.d/evil.xml", b"<x/>")])


def absolute_member(template: bytes) -> bytes:
    return rezip([*members(filled(template)), ("/etc/evil.xml", b"<x/>")])


def backslash_member(template: bytes) -> bytes:
    return rezip([*members(filled(template)), ("xl\\worksheets\\sheet1.xml", b"<x/>")])


def thousands_of_members(template: bytes) -> bytes:
    extra = [(f"xl/media/pad{n}.xml", f"<p n='{n}'/>".encode()) for n in range(1200)]
    return rezip([*members(filled(template)), *extra])


def encrypted_member_flag(template: bytes) -> bytes:
    good = filled(template)
    flags = zipfile.ZipFile(io.BytesIO(good)).getinfo(DATA).flag_bits | 0x1
    return patch_central(good, DATA, 8, flags.to_bytes(2, "little"))


def content_types_flagged_encrypted(template: bytes) -> bytes:
    """The content-types part, the first the server's own check read before issue 12's speed
    work, flagged encrypted: zipfile raised there, in the server, and the batch failed."""
    good = filled(template)
    flags = zipfile.ZipFile(io.BytesIO(good)).getinfo(TYPES).flag_bits | 0x1
    return patch_central(good, TYPES, 8, flags.to_bytes(2, "little"))


def content_types_unknown_method(template: bytes) -> bytes:
    """The content-types part compressed by a method zipfile cannot read (99, AES)."""
    return patch_central(filled(template), TYPES, 10, (99).to_bytes(2, "little"))


def bzip2_member(template: bytes) -> bytes:
    return rezip(members(filled(template)), zipfile.ZIP_BZIP2)


def truncated(template: bytes) -> bytes:
    good = filled(template)
    return good[: len(good) * 2 // 3]


def zip64_declares_five_gigabytes(template: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members(filled(template)):
            with archive.open(name, "w", force_zip64=True) as member:
                member.write(content)
            if name == DATA:
                archive.getinfo(name).file_size = 5 * 2**30  # the directory lies
    return buffer.getvalue()


def zip64_honest(template: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members(filled(template)):
            with archive.open(name, "w", force_zip64=True) as member:
                member.write(content)
    return buffer.getvalue()


def directory_size_too_small(template: bytes) -> bytes:
    """The central directory says the Data sheet inflates to 100 bytes; it inflates to 10 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members(filled(template)):
            archive.writestr(name, content)
        archive.getinfo(DATA).file_size = 100
    return buffer.getvalue()


def local_name_differs(template: bytes) -> bytes:
    data = filled(template)
    at = data.index(DATA.encode())  # the first is the local header's
    return data[:at] + b"xl/worksheets/sheet8.xml" + data[at + len(DATA) :]


def html_prefixed_zip(template: bytes) -> bytes:
    return b"<html><body>not a workbook</body></html>\n" + filled(template)


def csv_named_xlsx(template: bytes) -> bytes:
    return b"KPI code,Value\nT1.5,40\n"


def html_named_xlsx(template: bytes) -> bytes:
    return b"<!DOCTYPE html><html><table><tr><td>T1.5</td><td>40</td></tr></table></html>"


def empty_file(template: bytes) -> bytes:
    return b""


def zip_of_other_things(template: bytes) -> bytes:
    return rezip([("word/document.xml", b"<document/>"), (TYPES, b"<Types/>")])


# parts and XML


def workbook_type_wrong(template: bytes) -> bytes:
    return edit_part(
        filled(template), TYPES, sub(r"spreadsheetml\.sheet\.main\+xml", "wordprocessingml+xml")
    )


def data_sheet_type_chartsheet(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        TYPES,
        sub(
            r'(PartName="/xl/worksheets/sheet1\.xml" ContentType="[^"]*)worksheet\+xml',
            r"\1chartsheet+xml",
        ),
    )


def data_sheet_missing(template: bytes) -> bytes:
    return rezip([(n, c) for n, c in members(filled(template)) if n != DATA])


def data_sheet_external(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        RELS,
        sub(
            r'Target="/xl/worksheets/sheet1\.xml" Id="rId1"',
            'Target="http://attacker.example/sheet1.xml" TargetMode="External" Id="rId1"',
        ),
    )


def data_sheet_not_xml(template: bytes) -> bytes:
    return edit_part(filled(template), DATA, lambda _: "KPI code,Value\nT1.5,40\n")


def data_sheet_truncated_xml(template: bytes) -> bytes:
    return edit_part(filled(template), DATA, lambda xml: xml[: len(xml) // 2])


def workbook_not_xml(template: bytes) -> bytes:
    return edit_part(filled(template), WORKBOOK, lambda xml: xml.replace("<sheets>", "<sheets"))


def content_types_not_xml(template: bytes) -> bytes:
    return edit_part(filled(template), TYPES, lambda _: "{not: xml}")


def styles_not_xml(template: bytes) -> bytes:
    return edit_part(filled(template), "xl/styles.xml", lambda xml: xml + "<extra/>")


def data_sheet_utf16(template: bytes) -> bytes:
    good = filled(template)
    xml = dict(members(good))[DATA].decode()
    items = [(n, xml.encode("utf-16") if n == DATA else c) for n, c in members(good)]
    return rezip(items)


def billion_laughs(template: bytes) -> bytes:
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
    )
    return edit_part(
        filled(template),
        DATA,
        lambda xml: (
            f"<!DOCTYPE worksheet [{entities}]>"
            + xml.replace('<c r="H5"', '<c r="H5" t="inlineStr"><is><t>&a9;</t></is></c><c r="X5"')
        ),
    )


def external_entity(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        WORKBOOK,
        lambda xml: (
            '<!DOCTYPE workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            + xml.replace('name="About"', 'name="&x;"')
        ),
    )


def doctype_in_theme(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        "xl/theme/theme1.xml",
        lambda xml: '<!DOCTYPE a [<!ENTITY e SYSTEM "http://attacker.example/">]>' + xml,
    )


def doctype_in_utf16_core(template: bytes) -> bytes:
    good = filled(template)
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE c [<!ENTITY e "x">]><c>&e;</c>'
    return rezip(
        [(n, xml.encode("utf-16") if n == "docProps/core.xml" else c) for n, c in members(good)]
    )


def deep_nesting(template: bytes) -> bytes:
    depth = 5000
    nest = "<extLst>" + "<ext>" * depth + "</ext>" * depth + "</extLst>"
    return edit_part(
        filled(template), DATA, lambda xml: xml.replace("</worksheet>", nest + "</worksheet>")
    )


def comment_hiding_cells(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        DATA,
        before_sheet_data_end('<!-- <row r="6"><c r="G6"><v>1</v></c></row> -->'),
    )


# shape


def one_cell_far_away(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        DATA,
        before_sheet_data_end('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
    )


def dimension_far_away(template: bytes) -> bytes:
    return edit_part(
        filled(template), DATA, sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"')
    )


def thousands_of_rows(template: bytes) -> bytes:
    rows = "".join(
        f'<row r="{r}"><c r="H{r}" t="inlineStr"><is><t>n{r}</t></is></c></row>'
        for r in range(15, 1515)
    )
    return edit_part(filled(template), DATA, before_sheet_data_end(rows))


def empty_row_far_away(template: bytes) -> bytes:
    return edit_part(
        filled(template), DATA, before_sheet_data_end('<row r="70000" ht="20" customHeight="1"/>')
    )


def hundreds_of_columns(template: bytes) -> bytes:
    cells = "".join(f'<c r="{_letters(n)}5"><v>{n}</v></c>' for n in range(12, 160))
    return edit_part(filled(template), DATA, sub('</row><row r="6"', cells + '</row><row r="6"'))


def about_cell_far_away(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        ABOUT,
        before_sheet_data_end('<row r="900000"><c r="B900000"><v>1</v></c></row>'),
    )


def four_billion_strings(template: bytes) -> bytes:
    return with_strings(template, sst(["40"], count="4294967296"))


def a_quarter_million_strings(template: bytes) -> bytes:
    return with_strings(template, sst([f"{n * 7919 % 1000003}" for n in range(250_000)]))


def string_beyond_excel(template: bytes) -> bytes:
    return with_strings(template, sst(["40", noise(40_000)]))


def string_index_out_of_range(template: bytes) -> bytes:
    return with_strings(template, sst(["40"]), g5='<c r="G5" t="s"><v>999</v></c>')


def inline_text_beyond_excel(template: bytes) -> bytes:
    long = f'<c r="H5" t="inlineStr"><is><t>{noise(40_000)}</t></is></c>'
    return edit_part(
        filled(template), DATA, lambda xml: re.sub(r'<c r="H5"[^>]*/>', long, xml, count=1)
    )


def ratio_bomb_within_limits(template: bytes) -> bytes:
    """10 KB that inflate to 1 MB of XML, under the 100:1 ratio: G5 written 40,000 times."""
    cells = "".join(f'<c r="G5"><v>{n * 7919 % 100_003}</v></c>' for n in range(40_000))
    return edit_part(filled(template), DATA, lambda xml: xml.replace(value_cell(xml), cells))


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# sheets


def hidden_data_before_visible(template: bytes) -> bytes:
    return with_sheet(template, "Data", "hidden", first=True)


def very_hidden_data_after(template: bytes) -> bytes:
    return with_sheet(template, "Data", "veryHidden")


def two_visible_data_sheets(template: bytes) -> bytes:
    return with_sheet(template, "Data")


def near_name(name: str) -> Callable[[bytes], bytes]:
    return lambda template: with_sheet(template, name, first=True)


def data_renamed_cyrillic(template: bytes) -> bytes:
    return edit_part(filled(template), WORKBOOK, sub('name="Data"', 'name="D\u0430ta"'))


def hidden_about(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        WORKBOOK,
        sub('name="About" sheetId="3" state="visible"', 'name="About" sheetId="3" state="hidden"'),
    )


def no_data_sheet(template: bytes) -> bytes:
    return edit_part(filled(template), WORKBOOK, sub('name="Data"', 'name="Figures"'))


def hidden_helper_sheet(template: bytes) -> bytes:
    return with_sheet(template, "Lists", "hidden")


def sixty_sheets(template: bytes) -> bytes:
    entries = "".join(
        f'<sheet name="S{n}" sheetId="{n + 10}" state="visible" r:id="rId1"/>' for n in range(60)
    )
    return edit_part(filled(template), WORKBOOK, sub("</sheets>", entries + "</sheets>"))


# cells


def cell_written_twice(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        DATA,
        lambda xml: xml.replace(value_cell(xml), value_cell(xml) + '<c r="G5" t="n"><v>90</v></c>'),
    )


def row_written_twice(template: bytes) -> bytes:
    def change(xml: str) -> str:
        row = re.search(r'<row r="5".*?</row>', xml, re.S)[0]
        return xml.replace(row, row + row.replace("<v>40</v>", "<v>90</v>"))

    return edit_part(filled(template), DATA, change)


def merged(ref: str) -> Callable[[bytes], bytes]:
    def build(template: bytes) -> bytes:
        return filled(template, edit=lambda sheet: sheet.merge_cells(ref))

    return build


def division_by_zero(template: bytes) -> bytes:
    return edit_part(
        filled(template), DATA, replace_g5('<c r="G5" t="e"><f>E5/F5</f><v>#DIV/0!</v></c>')
    )


def typed_error_in_comment(template: bytes) -> bytes:
    return edit_part(
        filled(template), DATA, sub(r'<c r="H5"[^>]*/>', '<c r="H5" t="e"><v>#N/A</v></c>')
    )


def formula_never_calculated(template: bytes) -> bytes:
    return filled(template, value="=20*2")


def formula_without_value_element(template: bytes) -> bytes:
    return edit_part(filled(template), DATA, replace_g5('<c r="G5"><f>20*2</f></c>'))


def formula_with_saved_result(template: bytes) -> bytes:
    return edit_part(filled(template), DATA, replace_g5('<c r="G5"><f>20*2</f><v>40</v></c>'))


def error_in_extra_column(template: bytes) -> bytes:
    return edit_part(
        filled(template),
        DATA,
        lambda xml: xml.replace(
            '</row><row r="6"', '<c r="L5" t="e"><f>1/0</f><v>#DIV/0!</v></c></row><row r="6"', 1
        ),
    )


def bad_cell_reference(template: bytes) -> bytes:
    return edit_part(filled(template), DATA, replace_g5('<c r="G0"><v>40</v></c>'))


def entity_in_cell_reference(template: bytes) -> bytes:
    return edit_part(filled(template), DATA, replace_g5('<c r="&#88;FD1048576"><v>40</v></c>'))


def percent_style_kept(template: bytes) -> bytes:
    """0.4 in a cell formatted as a percentage reads as 40% (read from styles.xml)."""

    def percent(sheet) -> None:
        sheet["G5"].number_format = "0%"

    return filled(template, value=0.4, edit=percent)


def _case(name, build, expect, where=None, note=""):
    return HostileCase(name, build, expect, where, note)


CASES = [
    # the zip
    _case("duplicate sheet member", duplicate_sheet_member, "duplicate_part", DATA),
    _case(
        "member twice, other case",
        duplicate_member_other_case,
        "duplicate_part",
        "xl/worksheets/Sheet1.xml",
    ),
    _case("workbook part twice", duplicate_workbook_member, "duplicate_part", WORKBOOK),
    _case("path traversal member", traversal_member, "bad_part_name", "../../etc/cron.d/evil.xml"),
    _case("absolute member name", absolute_member, "bad_part_name", "/etc/evil.xml"),
    _case("backslash member name", backslash_member, "bad_part_name", "xl\\worksheets\\sheet1.xml"),
    _case("1,200 members", thousands_of_members, "too_many_parts"),
    _case("member flagged encrypted", encrypted_member_flag, "encrypted"),
    _case("bzip2 member", bzip2_member, "damaged"),
    _case("content types flagged encrypted", content_types_flagged_encrypted, "encrypted"),
    _case("content types, unknown compression", content_types_unknown_method, "damaged"),
    _case("truncated zip", truncated, "damaged"),
    _case("zip64 directory declares 5 GB", zip64_declares_five_gigabytes, "zip_bomb"),
    _case("zip64 members, honest", zip64_honest, None, note="a valid zip format: accepted"),
    _case("directory size smaller than data", directory_size_too_small, "damaged"),
    _case("local and central names differ", local_name_differs, "damaged"),
    _case("HTML before the zip", html_prefixed_zip, "not_workbook"),
    _case("CSV named .xlsx", csv_named_xlsx, "not_workbook"),
    _case("HTML named .xlsx", html_named_xlsx, "not_workbook"),
    _case("empty file", empty_file, "not_workbook"),
    _case("a zip of something else", zip_of_other_things, "not_workbook"),
    # parts and XML
    _case("workbook content type wrong", workbook_type_wrong, "content_type", WORKBOOK),
    _case("Data is declared a chartsheet", data_sheet_type_chartsheet, "content_type", DATA),
    _case("Data sheet part missing", data_sheet_missing, "missing_part", DATA),
    _case("Data sheet is external", data_sheet_external, "missing_part", RELS),
    _case("Data sheet is not XML", data_sheet_not_xml, "bad_part", DATA),
    _case("Data sheet XML cut off", data_sheet_truncated_xml, "bad_part", DATA),
    _case("workbook.xml not well-formed", workbook_not_xml, "bad_part", WORKBOOK),
    _case("content types not XML", content_types_not_xml, "bad_part", TYPES),
    _case("styles not well-formed", styles_not_xml, "bad_part", "xl/styles.xml"),
    _case("Data sheet in UTF-16", data_sheet_utf16, "bad_part", DATA),
    _case("billion laughs", billion_laughs, "unsafe_xml", DATA),
    _case("external entity", external_entity, "unsafe_xml", WORKBOOK),
    _case("DOCTYPE in the theme", doctype_in_theme, "unsafe_xml", "xl/theme/theme1.xml"),
    _case("DOCTYPE in UTF-16 core", doctype_in_utf16_core, "unsafe_xml", "docProps/core.xml"),
    _case("5,000 levels of nesting", deep_nesting, "unsafe_xml", DATA),
    _case("comment in the sheet", comment_hiding_cells, "bad_part", DATA),
    # shape
    _case("one cell at XFD1048576", one_cell_far_away, "far_cell", "Data!XFD1048576"),
    _case("dimension A1:XFD1048576", dimension_far_away, "far_dimension", DATA),
    _case("1,500 rows", thousands_of_rows, "far_cell", "Data!H1001"),
    _case("an empty row at 70,000", empty_row_far_away, "far_cell", "Data!A70000"),
    _case("160 columns", hundreds_of_columns, "far_cell", "Data!CW5"),
    _case("About cell far away", about_cell_far_away, "far_cell", "About!B900000"),
    _case("4 billion strings declared", four_billion_strings, "too_many_strings", STRINGS),
    _case("250,000 strings", a_quarter_million_strings, "too_many_strings", STRINGS),
    _case("string longer than Excel's", string_beyond_excel, "long_text", STRINGS),
    _case(
        "shared strings as Excel writes them",
        lambda template: with_strings(template, sst(["40"])),
        None,
        note="G5 reads its 40 from xl/sharedStrings.xml",
    ),
    _case("string index out of range", string_index_out_of_range, "bad_string_index", "Data!G5"),
    _case("inline text longer than Excel's", inline_text_beyond_excel, "long_cell", "Data!H5"),
    _case("1 MB of G5 under the ratio", ratio_bomb_within_limits, "duplicate_cell", "Data!G5"),
    # sheets
    _case("hidden Data before the visible", hidden_data_before_visible, "hidden_sheet", WORKBOOK),
    _case("veryHidden Data after it", very_hidden_data_after, "hidden_sheet", WORKBOOK),
    _case("two visible Data sheets", two_visible_data_sheets, "sheet_twice", WORKBOOK),
    _case("sheet 'data'", near_name("data"), "sheet_like", WORKBOOK),
    _case("sheet 'Data '", near_name("Data "), "sheet_like", WORKBOOK),
    _case("sheet 'DATA'", near_name("DATA"), "sheet_like", WORKBOOK),
    _case("sheet 'Dаta' (Cyrillic а)", near_name("D\u0430ta"), "sheet_like", WORKBOOK),
    _case("sheet 'Data' + zero-width space", near_name("Data\u200b"), "sheet_like", WORKBOOK),
    _case(
        "sheet 'Ｄａｔａ' (full width)",
        near_name("\uff24\uff41\uff54\uff41"),
        "sheet_like",
        WORKBOOK,
    ),
    _case("only sheet is 'Dаta'", data_renamed_cyrillic, "sheet_like", WORKBOOK),
    _case("hidden About", hidden_about, "hidden_sheet", WORKBOOK),
    _case("no Data sheet", no_data_sheet, "no_data_sheet"),
    _case("hidden helper sheet", hidden_helper_sheet, None, note="hidden lists are common"),
    _case("60 sheets", sixty_sheets, "too_many_sheets", WORKBOOK),
    # cells
    _case("a cell written twice", cell_written_twice, "duplicate_cell", "Data!G5"),
    _case("a row written twice", row_written_twice, "duplicate_cell", "Data!A5"),
    _case("merged value and comment", merged("G5:H5"), "merged_input", "Data!G5:H5"),
    _case("merged numerator and denominator", merged("E5:F5"), "merged_input", "Data!E5:F5"),
    _case("merged names (not input)", merged("B2:B3"), None, note="only input cells matter"),
    _case("#DIV/0! result", division_by_zero, "cell_error", "Data!G5"),
    _case("#N/A typed in a comment", typed_error_in_comment, "cell_error", "Data!H5"),
    _case("formula never calculated", formula_never_calculated, "formula_no_value", "Data!G5"),
    _case("formula without <v>", formula_without_value_element, "formula_no_value", "Data!G5"),
    _case("formula with its result", formula_with_saved_result, None, note="loads the result"),
    _case("error in an extra column", error_in_extra_column, None, note="not a loaded column"),
    _case("cell reference G0", bad_cell_reference, "bad_part", DATA),
    _case("entity in a cell reference", entity_in_cell_reference, "bad_part", DATA),
    _case("0.4 formatted as a percentage", percent_style_kept, None, note="reads as 40%"),
]
