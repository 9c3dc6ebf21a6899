"""What a workbook is before its values are read (issue 12): its zip members, its sheets and the
real shape of the parts the reader will open, checked by streaming each member through expat in
chunks, so that no part is inflated whole and nothing the reader would choke on reaches it.

A template has one header row and a few dozen KPI rows on a visible sheet named `Data`; anything
no template could be (a cell at XFD1048576, four billion shared strings, a hidden `Data` before the
visible one, a part twice in the zip, a DOCTYPE) is refused with the part or cell it concerns.
What needs the header row (formulas in the figures' columns, merged input cells) is reported as
`CellFinding`s, for the reader to keep those in the columns it loads.

What is loaded is what Excel shows: in the Data sheet, a cell with content in a hidden row or
column, under a number format that hides or alters its number (`etl.display`), in the colour of
its background, under a conditional format that does either, or a zero on a sheet that hides
zeros, is a finding too; so is a figure's formula whose saved result is not what Excel
recalculates (`etl.recalc`, run by `Structure.cell_problems` in the reader's worker). A sheet
plainly free of all that (`_plain_sheet`) is checked at C speed; any doubt sends it to the scan
cell by cell (`_Worksheet`)."""

from __future__ import annotations

import html
import io
import math
import posixpath
import re
import unicodedata
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from xml.parsers import expat

from etl import display
from etl.contract import (
    ABOUT_SHEET,
    DATA_SHEET,
    INPUT_KEYS,
    LOADED_KEYS,
    PROGRAMME_COLUMNS,
    PROGRAMME_SHEETS,
)
from etl.messages import Problem
from etl.recalc import TEXT, Cycle, Formula, Sheet, Unsupported, Value, XlError, moved, same
from etl.safety import check_archive

CHUNK = 64 * 1024
PROLOG = 4096
MAX_CARRY = 1024 * 1024  # a tag or a text longer than any Excel writes
_ROOT = re.compile(rb"<[^?!]")
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
STYLES = "xl/styles.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
)
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
PERCENT_FORMAT_IDS = {9, 10}  # Excel's built-in 0% and 0.00%
STORED_OR_DEFLATED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
READ_SHEETS = (DATA_SHEET, ABOUT_SHEET, *PROGRAMME_SHEETS)  # the sheets the reader opens
# the sheets whose cells are loaded: each checked as the Data sheet is (what Excel shows)
LOADED_SHEETS = (DATA_SHEET, *PROGRAMME_SHEETS)
FIGURE_KEYS = ("numerator", "denominator", "value")  # the columns read as numbers


@dataclass(frozen=True)
class Limits:
    """What no template exceeds. `rows` and `columns` bound every sheet the reader opens."""

    rows: int = 1_000
    columns: int = 100
    strings: int = 200_000
    text: int = 32_767  # Excel's own limit on the characters of a cell
    depth: int = 64
    parts: int = 1_000
    sheets: int = 50
    styles: int = 65_000
    problems: int = 20


@dataclass(frozen=True)
class CellFinding:
    """A problem at cells of the Data sheet that matters only where the reader loads: in the
    columns of `scope` (`loaded`: every column ingest reads; `inputs`: the clerk's columns;
    `figures`: numerator, denominator and value), from the header row down. It concerns the
    cells of `cells` when given, else the columns `column` to `last_column` of `row`."""

    row: int
    column: int  # 1-based
    problem: Problem
    last_column: int = 0  # a merged range's last column, else 0
    scope: str = "loaded"
    warning: bool = False  # loaded, with a warning for the reviewer
    cells: frozenset[tuple[int, int]] = frozenset()
    below_header: bool = True  # only below the header row (the header itself is not loaded)

    def touches(self, columns: Iterable[int], first_row: int = 1) -> bool:
        wanted = set(columns)
        if self.cells:
            return any(c in wanted and r >= first_row for r, c in self.cells)
        span = range(self.column, max(self.column, self.last_column) + 1)
        return self.row >= first_row and any(c in wanted for c in span)


SCOPES = {"loaded": LOADED_KEYS, "inputs": INPUT_KEYS, "figures": FIGURE_KEYS}
SHEET_SCOPES = {DATA_SHEET: SCOPES} | {
    name: {"loaded": spec.loaded, "inputs": spec.inputs, "figures": spec.figures}
    for name, spec in PROGRAMME_COLUMNS.items()
}


@dataclass
class Structure:
    """What the inspection found: refusals, findings for the reader, the Data cells that have a
    percentage number format, and the Data sheet's formulas and values (for `recalc`)."""

    problems: list[Problem] = field(default_factory=list)
    findings: list[CellFinding] = field(default_factory=list)
    percent_cells: set[str] = field(default_factory=set)
    values: dict[tuple[int, int], Value] = field(default_factory=dict)
    formulas: dict[tuple[int, int], Formula] = field(default_factory=dict)
    # the same of the programme sheets (Initiatives, Budget) the workbook holds, by name
    others: dict[str, Structure] = field(default_factory=dict)

    def cell_problems(
        self, columns: dict[str, int], header: int, limit: int = 100, sheet: str = DATA_SHEET
    ) -> tuple[list[Problem], list[Problem]]:
        """The errors and the warnings of the findings in the loaded part of the Data sheet (or
        of the programme sheet `sheet`), whose header row is `header` and whose columns (1-based)
        are `columns`; then the figures' formulas recalculated (`etl.recalc`)."""
        if sheet != DATA_SHEET:
            found = self.others.get(sheet)
            return found._problems(columns, header, limit, sheet) if found else ([], [])
        return self._problems(columns, header, limit, sheet)

    def _problems(
        self, columns: dict[str, int], header: int, limit: int, sheet: str
    ) -> tuple[list[Problem], list[Problem]]:
        errors: list[Problem] = []
        warnings: list[Problem] = []
        scoped = {
            scope: [columns[k] for k in keys if k in columns]
            for scope, keys in SHEET_SCOPES[sheet].items()
        }
        for finding in sorted(self.findings, key=lambda f: (f.row, f.column)):
            first_row = header + 1 if finding.below_header else 1
            if finding.touches(scoped[finding.scope], first_row):
                (warnings if finding.warning else errors).append(finding.problem)
        if self.formulas:
            flagged = {p.params.get("cell") for p in errors}
            figures = scoped["figures"]
            for cell, problem, warning in _recalculated(self, figures, header + 1, sheet):
                if f"{sheet}!{cell}" not in flagged:
                    (warnings if warning else errors).append(problem)
        return errors[:limit], warnings[:limit]


def _recalculated(structure: Structure, columns: list[int], first_row: int, sheet_name: str):
    """(cell, problem, warning?) of each formula among the figures whose saved result is not what
    Excel shows (an error), or that the tracker cannot recalculate (a warning)."""
    sheet = Sheet(structure.values, structure.formulas)
    for (row, column), formula in sorted(structure.formulas.items()):
        if row < first_row or column not in columns or formula.saved_type == "e":
            continue
        name = cell_name(row, column)
        params = {"cell": f"{sheet_name}!{name}", "formula": _formula_text(sheet, (row, column))}
        params["saved"] = _shown_value(formula.saved, formula.saved_type)
        sheet.scale = 0.0
        try:
            shown = sheet.result((row, column))
        except Cycle:
            yield name, Problem("formula_cycle", params), False
            continue
        except Unsupported:
            yield name, Problem("formula_unchecked", params), True
            continue
        if formula.saved_type == "n" and not isinstance(shown, XlError):
            try:
                saved = float(formula.saved)
            except ValueError:
                saved = math.nan
            if same(shown, saved, sheet.scale):
                continue
        params["shown"] = shown.code if isinstance(shown, XlError) else _shown_value(repr(shown))
        yield name, Problem("stale_formula", params), False


def _formula_text(sheet: Sheet, cell: tuple[int, int]) -> str:
    formula = sheet.formulas[cell]
    text = formula.text
    if not text and formula.shared_index in sheet.masters:
        (row, column), master = sheet.masters[formula.shared_index]
        text = moved(master, cell[0] - row, cell[1] - column)
    return _printable(text)[:100] + ("…" if len(text) > 100 else "")


def _shown_value(text: str, kind: str = "n") -> str:
    """A number as Excel shows it in General format: 80, not 80.0; else the text, cut."""
    if kind == "n":
        try:
            number = float(text)
        except ValueError:
            return _printable(text)[:40]
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.15g}"
    if kind == "b":
        return "TRUE" if text.strip() in ("1", "true") else "FALSE"
    return _printable(text)[:40]


class _Refuse(Exception):
    """Stop inspecting: the file is refused for `problem` (and what was found before it)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def inspect_workbook(
    data: bytes, limits: Limits = Limits(), *, directory: bool = False
) -> Structure:
    """Inspect a file that `etl.safety.check_file` let through (a zip within the size limits);
    with `directory`, a file that only `etl.safety.check_bytes` let through: what
    `etl.safety.check_archive` refuses (a macro, not a workbook, a zip bomb) is refused first,
    with the same reasons, on the same reading of the zip directory."""
    found = Structure()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if directory and (problem := check_archive(archive)) is not None:
                raise _Refuse(problem)
            _Inspection(archive, limits, found).run()
    except _Refuse as refusal:
        found.problems.append(refusal.problem)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        found.problems.append(Problem("damaged"))
    except ValueError:  # a member zipfile cannot open (e.g. a bad offset)
        found.problems.append(Problem("damaged"))
    del found.problems[limits.problems :]
    return found


def cell_name(row: int, column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{row}"


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})")


def parse_ref(ref: str) -> tuple[int, int] | None:
    """(row, column) of an A1 reference such as `G5` (`$G$5` too), or None."""
    match = _REF.fullmatch(ref)
    if match is None or (row := int(match[2])) < 1:
        return None
    return row, _column_number(match[1])


@lru_cache(maxsize=4096)
def _column_number(letters: str) -> int:
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return column


def sheet_skeleton(name: str) -> str:
    """A sheet name as it looks: compatibility forms folded, invisible characters and spaces
    dropped, look-alike letters of other scripts (Cyrillic `а`) taken as the Latin ones, case
    ignored; `Data`, `data `, `DATA` and `Dаta` all become `data`."""
    text = unicodedata.normalize("NFKC", name)
    kept = [c for c in text if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc")]
    if not all(c.isascii() for c in kept):
        from confusable_homoglyphs import confusables  # its table loads in 0.2 s: only on need

        kept = [c if c.isascii() else _latin_like(confusables, c) for c in kept]
    return "".join(kept).casefold()


def _latin_like(confusables, char: str) -> str:
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"]) or []
    for item in found:
        for glyph in item["homoglyphs"]:
            if glyph["c"].isascii():
                return glyph["c"]
    return char


class _Inspection:
    def __init__(self, archive: zipfile.ZipFile, limits: Limits, found: Structure) -> None:
        self.archive, self.limits, self.found = archive, limits, found
        self.members: dict[str, zipfile.ZipInfo] = {}
        self.strings = 0
        self.targets: dict[str, _Target] = {}
        self.book = StyleBook(None, self._theme, limits)
        self.starts: dict[str, bytes] = {}  # the first `PROLOG` bytes of parts already read

    def run(self) -> None:
        self._members()
        types = self._content_types()
        sheets = self._sheets()
        targets = self.targets = self._relationships()
        read_parts = self._sheet_parts(sheets, targets, types)
        self._shared_strings(targets)
        self._styles()
        for sheet_name, part in read_parts.items():
            self._worksheet(part, sheet_name)
        done = {CONTENT_TYPES, WORKBOOK, WORKBOOK_RELS, SHARED_STRINGS, STYLES}
        done = {n.casefold() for n in (*done, *read_parts.values())}
        for key in self.members:
            if key not in done and key.endswith((".xml", ".rels")):
                self._prolog(key)

    # the zip

    def _members(self) -> None:
        infos = self.archive.infolist()
        if len(infos) > self.limits.parts:
            raise _Refuse(Problem("too_many_parts", {"count": len(infos)}))
        for info in infos:
            name = info.filename
            if _unsafe_name(name):
                raise _Refuse(Problem("bad_part_name", {"part": _printable(name)}))
            key = name.casefold()
            if key in self.members:
                raise _Refuse(Problem("duplicate_part", {"part": name}))
            if info.flag_bits & 0x1:
                raise _Refuse(Problem("encrypted"))
            if info.compress_type not in STORED_OR_DEFLATED:
                raise _Refuse(Problem("damaged"))
            self.members[key] = info

    def _info(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(name.casefold())

    def _require(self, name: str) -> zipfile.ZipInfo:
        info = self._info(name)
        if info is None:
            raise _Refuse(Problem("missing_part", {"part": name}))
        return info

    def _parse(self, name: str, handler_class: Callable[..., _Handler], *args) -> _Handler:
        """Stream one member through expat, `CHUNK` bytes at a time; zipfile stops at the size
        the directory declares (checked against the total by etl.safety) and checks the CRC."""
        info = self._require(name)
        handler = handler_class(info.filename, self.limits, *args)
        parser = handler.parser()
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(CHUNK):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except expat.ExpatError as error:
            raise _Refuse(Problem("bad_part", {"part": info.filename})) from error
        return handler

    def _small(self, name: str, handler_class: Callable[..., _Handler], *args) -> _Handler:
        """`_parse` of a part of the package (content types, workbook, relationships): a small
        one is parsed once per worker for the same bytes (`_parsed_of`), the parts of the
        tracker's templates being the same in every file. The answer is shared: only read."""
        info = self._require(name)
        if info.file_size <= SMALL_PART:
            with self.archive.open(info) as stream:
                raw = stream.read(SMALL_PART + 1)  # zipfile checks the CRC at the end
            if len(raw) <= SMALL_PART:
                return _parsed_of(raw, info.filename, self.limits, handler_class, args)
        return self._parse(name, handler_class, *args)

    def _scan(self, name: str, scanner_class: Callable[..., _Scanner], *args) -> _Scanner:
        """Stream one large part through expat and `scanner_class` together (see `_Scanner`)."""
        info = self._require(name)
        with self.archive.open(info) as stream:
            return _scan_stream(stream, info.filename, self.limits, scanner_class, *args)

    def _prolog(self, name: str) -> None:
        """A part the tracker does not read: no DOCTYPE before its first element (the whole
        part is parsed only when its start does not show that plainly)."""
        info = self._require(name)
        start = self.starts.get(info.filename)
        if start is None:
            with self.archive.open(info) as stream:
                start = stream.read(PROLOG)
        single_bytes = not start.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in start
        if single_bytes and (root := _ROOT.search(start)) is not None:
            # in capitals, as bytes: no other Latin-1 letter's capital is one of these letters
            prolog = start[: root.start()].upper()
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise _Refuse(Problem("unsafe_xml", {"part": info.filename}))
            if b"<!" not in prolog:
                return
        self._parse(name, _Handler)

    # the package

    def _content_types(self) -> dict[str, str]:
        types = self._small(CONTENT_TYPES, _ContentTypes)
        workbook_type = types.type_of(WORKBOOK)
        if workbook_type not in WORKBOOK_TYPES:
            raise _Refuse(Problem("content_type", {"part": WORKBOOK}))
        return types.overrides | {"": types.xml_default}

    def _sheets(self) -> list[_Sheet]:
        sheets = self._small(WORKBOOK, _Workbook).sheets
        if len(sheets) > self.limits.sheets:
            raise _Refuse(Problem("too_many_sheets", {"count": len(sheets), "part": WORKBOOK}))
        return sheets

    def _relationships(self) -> dict[str, _Target]:
        if self._info(WORKBOOK_RELS) is None:
            return {}
        return self._small(WORKBOOK_RELS, _Relationships).targets

    def _sheet_parts(self, sheets, targets, types) -> dict[str, str]:
        """The parts of the sheets the reader opens, after refusing a hidden, repeated or
        look-alike sheet the reader opens (`Data`, `About`, `Initiatives`, `Budget`): what is
        loaded is what Excel shows."""
        parts: dict[str, str] = {}
        for sheet in sheets:
            wanted = _wanted(sheet.name)
            if wanted is None:
                continue
            params = {"sheet": sheet.name, "part": WORKBOOK}
            if sheet.name != wanted:
                raise _Refuse(Problem("sheet_like", {**params, "wanted": wanted}))
            if sheet.state in ("hidden", "veryHidden"):
                raise _Refuse(Problem("hidden_sheet", params))
            if wanted in parts:
                raise _Refuse(Problem("sheet_twice", params))
            target = targets.get(sheet.relationship)
            if target is None or target.external:
                raise _Refuse(Problem("missing_part", {"part": WORKBOOK_RELS}))
            info = self._require(target.part)
            if types.get("/" + info.filename.casefold(), types[""]) != WORKSHEET_TYPE:
                raise _Refuse(Problem("content_type", {"part": info.filename}))
            parts[wanted] = info.filename
        return parts

    def _shared_strings(self, targets: dict[str, _Target]) -> None:
        names = {SHARED_STRINGS} | {
            t.part for t in targets.values() if t.kind.endswith("/sharedStrings")
        }
        for name in sorted(names):
            if self._info(name) is not None:
                count = self._plain_strings(name)
                if count is None:
                    count = self._scan(name, _SharedStrings).count
                self.strings = max(self.strings, count)

    def _plain_strings(self, name: str) -> int | None:
        """The strings of a shared-strings part plainly within the rules (its tags as Excel
        writes them, counts and lengths within the limits), at C speed; else None, for the
        full `_SharedStrings` scan, which alone reports problems."""
        info = self._require(name)
        if info.file_size > PLAIN_SHEET:
            return None
        with self.archive.open(info) as stream:
            raw = stream.read(PLAIN_SHEET + 1)
        declaration = _DECLARATION.match(raw)
        body = raw[declaration.end() :] if declaration else raw
        if len(raw) > PLAIN_SHEET or any(d in body for d in _DOUBTS):
            return None
        if _OTHER_STRING_TAG.search(body) or _text_longer_than(raw, self.limits.text):
            return None
        head = _PLAIN_SST.match(body)
        count = body.count(b"<si>")
        if head is None or count != body.count(b"<si") or count > self.limits.strings:
            return None
        if any(int(n) > self.limits.strings for n in head.groups() if n is not None):
            return None
        return count

    def _styles(self) -> None:
        """The cell styles, for what a cell shows: percentages, number formats, colours."""
        info = self._info(STYLES)
        if info is None:
            return
        styles = None
        if info.file_size <= STYLES_KEPT:
            with self.archive.open(info) as stream:
                raw = stream.read(STYLES_KEPT + 1)  # zipfile checks the CRC at the end
            if len(raw) <= STYLES_KEPT:
                styles = _styles_of(raw, info.filename, self.limits)
        self.book = StyleBook(styles or self._scan(STYLES, _Styles), self._theme, self.limits)

    def _theme(self) -> tuple[display.Rgb, ...]:
        """The theme's colours (asked for only when a style uses one), from the start of the
        theme part, where its colour scheme is: a part checked by `_prolog` or parsed."""
        names = [t.part for t in self.targets.values() if t.kind.endswith("/theme")]
        info = self._info(names[0] if names else "xl/theme/theme1.xml")
        if info is None:
            return display.DEFAULT_THEME
        with self.archive.open(info) as stream:
            start = stream.read(THEME_BYTES)
        self.starts[info.filename] = start[:PROLOG]  # for `_prolog`: not read again
        return display.theme_colours(start)

    def _worksheet(self, part: str, sheet_name: str) -> None:
        """A sheet the reader opens; the Data sheet and the programme sheets (whose cells are
        loaded) checked for what Excel shows, each into its own `Structure`."""
        data = sheet_name in LOADED_SHEETS
        found = self.found
        if data and sheet_name != DATA_SHEET:
            found = self.found.others.setdefault(sheet_name, Structure())
        plain = self._plain_sheet(part, data)
        if plain is not None:
            if data:
                found.percent_cells = plain.percent_cells(self.book.percent)
            return
        sheet = self._scan(part, _Worksheet, sheet_name, self.strings)
        if sheet.problems:
            self.found.problems.extend(sheet.problems)
            return
        if data:
            sheet.settle(self.book)
            found.findings.extend(sheet.findings)
            found.percent_cells = sheet.percent_cells(self.book.percent)
            found.values, found.formulas = sheet.values, sheet.formulas
            if sheet.drawings:
                self._drawings(part, sheet, found)

    def _drawings(self, part: str, sheet: _Worksheet, found: Structure) -> None:
        """Pictures, shapes, text boxes and charts that lie over cells with content: Excel shows
        them, not the cells under them."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if self._info(rels) is None:
            return
        targets = self._parse(rels, _Relationships, folder).targets
        for relationship in sheet.drawings[:4]:
            target = targets.get(relationship)
            if target is None or target.external or self._info(target.part) is None:
                continue
            for box in self._parse(target.part, _Drawing).boxes():
                cells = [c for c in sheet.kinds if _inside(c, box)]
                if cells:
                    where = f"{sheet.sheet}!{cell_name(*box[:2])}:{cell_name(*box[2:])}"
                    problem = Problem("drawing_over_cells", {"cell": where})
                    found.findings.append(_on(cells, problem, "loaded"))

    def _plain_sheet(self, part: str, data: bool = False) -> _PlainSheet | None:
        """A small sheet that is plainly within every rule, shown at C speed (regular expressions
        over the whole part, no Python per cell); None sends it to the full `_Worksheet` scan,
        which alone reports problems. Every doubt is None: a tag written otherwise than Excel and
        openpyxl write it, a prefix, a formula, an error, a merge, a comment, a long part; in
        the Data sheet, anything that may show a cell otherwise than it holds (a hidden or
        collapsed row or column, a conditional format, a style that hides or alters). The
        cells seen are every `<c` of the part (calamine finds cells by that tag and places them
        by their `r`), so a part that is not well-formed cannot show calamine a cell unseen."""
        info = self._require(part)
        if info.file_size > PLAIN_SHEET:
            return None
        with self.archive.open(info) as stream:
            raw = stream.read(PLAIN_SHEET + 1)
        declaration = _DECLARATION.match(raw)
        body = raw[declaration.end() :] if declaration else raw
        if len(raw) > PLAIN_SHEET or _text_longer_than(raw, self.limits.text):
            return None
        if any(d in body for d in _DOUBTS) or not _PLAIN_FRAME.fullmatch(body):
            return None
        if _OTHER_TAG.search(body) or (data and _hides_something(body)):
            return None
        cells = _PLAIN_CELL.findall(body)
        row_tags = _PLAIN_ROW.findall(body)
        rows = [number for number, _attributes in row_tags]
        if not _only_plain_cells(body, len(cells)) or len(rows) != body.count(b"<row"):
            return None
        if _FORMULA_TAG.search(body) is not None:  # no formula: no count of them to make
            formulas = len(_FORMULA_TAG.findall(body))
            if data or formulas != len(_FORMULA_WITH_RESULT.findall(body)):
                return None  # an error, a formula never calculated or one to recalculate
        if data and not _visible_sizes(body, row_tags):
            return None
        sheet = _PlainSheet(cells)
        dimension = _PLAIN_DIMENSION.findall(body)
        last = [parse_ref(d.rpartition(b":")[2].decode()) for d in dimension]
        if None in last or len(last) > 1 or body.count(b"<dimension") != len(last):
            return None
        extent = [(r, c) for r, c in last] + [(max(map(int, rows), default=0), 0)]
        extent.append((sheet.last_row(), sheet.last_column()))
        if max(r for r, _ in extent) > self.limits.rows or max(c for _, c in extent) > (
            self.limits.columns
        ):
            return None
        if not sheet.each_once() or sheet.strings_beyond(body, self.strings):
            return None
        if data and any(self.book.suspect(int(style)) for style in set(sheet.styles) if style):
            return None
        return sheet


def _scan_stream(stream, part: str, limits: Limits, scanner_class, *args) -> _Scanner:
    """`_Inspection._scan` on an open stream of `part`."""
    scanner = scanner_class(part, limits, *args)
    parser = _Handler(part, limits).parser()
    carry = b""
    try:
        first = stream.read(CHUNK)
        if first.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in first:
            raise scanner.bad()
        parser.Parse(first, False)
        declaration = _DECLARATION.match(first)
        chunk = first[declaration.end() :] if declaration else first
        while chunk:
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut > 0:
                scanner.feed(buffer[:cut])
                buffer = buffer[cut:]
            if len(buffer) > MAX_CARRY:
                raise scanner.bad()
            carry = buffer
            chunk = stream.read(CHUNK)
            parser.Parse(chunk, not chunk)
        scanner.feed(carry)
    except expat.ExpatError as error:
        raise scanner.bad() from error
    return scanner


@lru_cache(maxsize=64)
def _parsed_of(raw: bytes, part: str, limits: Limits, handler_class, args: tuple) -> _Handler:
    """`_Inspection._small`: a small part parsed whole, kept for the same bytes (a part refused
    raises, and is not kept). At most 64 parts of `SMALL_PART` bytes are kept."""
    handler = handler_class(part, limits, *args)
    try:
        handler.parser().Parse(raw, True)
    except expat.ExpatError as error:
        raise _Refuse(Problem("bad_part", {"part": part})) from error
    return handler


@lru_cache(maxsize=32)
def _styles_of(raw: bytes, part: str, limits: Limits) -> _Styles:
    """A small styles part, scanned once per worker for the same bytes: the tracker's templates
    and the files Excel saves from them share theirs. Only the parsed part is shared; what each
    style shows is worked out per file (`StyleBook`). A part refused is not kept."""
    return _scan_stream(io.BytesIO(raw), part, limits, _Styles)


def _wanted(name: str) -> str | None:
    """`Data`, `About`, `Initiatives` or `Budget` when a sheet's name is, or looks like, one
    the reader opens."""
    return _wanted_short(name) if len(name) <= 64 else _wanted_of(name)


def _wanted_of(name: str) -> str | None:
    skeleton = sheet_skeleton(name)
    return next((w for w in READ_SHEETS if skeleton == w.casefold()), None)


_wanted_short = lru_cache(maxsize=1024)(_wanted_of)  # the same few names in every template


def _unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or ".." in parts
        or _CONTROL.search(name) is not None
        or ":" in parts[0]
    )


_CONTROL = re.compile(r"[\x00-\x1f]")


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name)[:120]


def _local(name: str) -> str:
    """`c` of `c` or `x:c` (no namespace processing: it costs a third of the parse)."""
    return name[name.find(":") + 1 :]


class _Handler:
    """Well-formed XML without a DOCTYPE (no entities, hence no billion laughs and no external
    entity). Parts the tracker reads are also nested no deeper than Excel nests; other parts
    are only parsed, without a Python call per element (expat itself does not recurse)."""

    def __init__(self, part: str, limits: Limits) -> None:
        self.part, self.limits = part, limits
        self.depth = 0

    def parser(self):
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = self._refuse_doctype
        parser.EntityDeclHandler = self._refuse_doctype
        parser.ExternalEntityRefHandler = self._refuse_doctype
        if type(self) is not _Handler:
            parser.buffer_text = True
            parser.StartElementHandler = self._start
            parser.EndElementHandler = self._end
            parser.CharacterDataHandler = self.text
        return parser

    def _refuse_doctype(self, *_args) -> None:
        raise _Refuse(Problem("unsafe_xml", {"part": self.part}))

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.limits.depth:
            raise _Refuse(Problem("unsafe_xml", {"part": self.part}))
        self.start(name[name.find(":") + 1 :], attributes)

    def _end(self, name: str) -> None:
        self.end(name[name.find(":") + 1 :])
        self.depth -= 1

    def start(self, name: str, attributes: dict[str, str]) -> None:
        pass

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass

    def bad(self) -> _Refuse:
        return _Refuse(Problem("bad_part", {"part": self.part}))

    def number(self, text: str | None, default: int | None = None) -> int:
        if text is None and default is not None:
            return default
        if text is None or not text.isascii() or not text.strip().isdigit():
            raise self.bad()
        return int(text)


class _ContentTypes(_Handler):
    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.overrides: dict[str, str] = {}
        self.xml_default = ""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "Override":
            part = attributes.get("PartName", "").casefold()
            self.overrides[part if part.startswith("/") else "/" + part] = attributes.get(
                "ContentType", ""
            )
        elif name == "Default" and attributes.get("Extension", "").casefold() == "xml":
            self.xml_default = attributes.get("ContentType", "")

    def type_of(self, part: str) -> str:
        return self.overrides.get("/" + part.casefold(), self.xml_default)


@dataclass(frozen=True)
class _Sheet:
    name: str
    state: str
    relationship: str


class _Workbook(_Handler):
    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.sheets: list[_Sheet] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "workbookView" and attributes.get("visibility") in ("hidden", "veryHidden"):
            raise _Refuse(Problem("hidden_window", {"part": WORKBOOK}))
        if name != "sheet":
            return
        if len(self.sheets) > self.limits.sheets:
            raise _Refuse(Problem("too_many_sheets", {"count": len(self.sheets), "part": WORKBOOK}))
        relationship = next((v for k, v in attributes.items() if _local(k) == "id"), "")
        self.sheets.append(
            _Sheet(attributes.get("name", ""), attributes.get("state", "visible"), relationship)
        )


@dataclass(frozen=True)
class _Target:
    part: str
    kind: str
    external: bool


class _Relationships(_Handler):
    """The targets of a relationships part, relative to `base` (the folder of its source)."""

    def __init__(self, part: str, limits: Limits, base: str = "xl") -> None:
        super().__init__(part, limits)
        self.base = base
        self.targets: dict[str, _Target] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name != "Relationship":
            return
        target = attributes.get("Target", "")
        external = attributes.get("TargetMode", "") == "External"
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join(self.base, target))
        self.targets[attributes.get("Id", "")] = _Target(part, attributes.get("Type", ""), external)


PLAIN_SHEET = 16 * 1024 * 1024
SMALL_PART = 64 * 1024  # a package part this small is parsed once for the same bytes
STYLES_KEPT = 256 * 1024  # a styles part this small is scanned once for the same bytes
THEME_BYTES = 256 * 1024  # the colour scheme is at the start of a theme part
MIN_HEIGHT = 2.0  # points: a lower row shows nothing
MIN_WIDTH = 0.5  # characters: a narrower column shows nothing
PLAIN_SHEET_TAGS = {
    *(
        b"worksheet sheetPr outlinePr pageSetUpPr tabColor dimension sheetViews sheetView pane "
        b"selection sheetFormatPr cols col sheetData row c f v is t r rPr b i u sz color rFont "
        b"family scheme charset strike vertAlign sheetProtection protectedRanges protectedRange "
        b"dataValidations dataValidation formula1 formula2 printOptions pageMargins pageSetup "
        b"headerFooter oddHeader oddFooter rowBreaks colBreaks brk ignoredErrors ignoredError "
        b"tableParts tablePart drawing legacyDrawing conditionalFormatting cfRule"
    ).split()
}
_DOUBTS = (b"<!", b"<?")
_PLAIN_FRAME = re.compile(rb"\s*<worksheet[\s>].*</worksheet>\s*", re.S)
_STRING_TAGS = b"sst si t r rPr rPh phoneticPr b i u sz color rFont family scheme charset".split()


def _trie(words: Collection[bytes]) -> bytes:
    """An alternation of `words` as a regular expression that shares their prefixes
    (`(?:c(?:o(?:l(?:s)?)?)?)` for `c`, `col`, `cols`): the same words, tried a letter at a time
    rather than one word after the other (three times faster over a sheet's tags)."""
    branches: dict[bytes, list[bytes]] = {}
    for word in set(words):
        if word:
            branches.setdefault(word[:1], []).append(word[1:])
    if not branches:
        return b""
    found = [re.escape(first) + _trie(rest) for first, rest in sorted(branches.items())]
    optional = b"" in words
    if len(found) == 1 and not optional:
        return found[0]
    return b"(?:%s)%s" % (b"|".join(found), b"?" if optional else b"")


_OTHER_STRING_TAG = re.compile(rb"<(?=[A-Za-z_])(?!%s[\s/>])" % _trie(_STRING_TAGS))
_PLAIN_SST = re.compile(
    rb'\s*<sst xmlns="[^"<>]*"(?: count="([0-9]{1,10})")?(?: uniqueCount="([0-9]{1,10})")?\s?/?>'
)
_OTHER_TAG = re.compile(rb"<(?=[A-Za-z_])(?!%s[\s/>])" % _trie(PLAIN_SHEET_TAGS))
_PLAIN_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,6})")?(?: t="(n|s|str|b|inlineStr|d)")?'
    rb"\s?/?>"
)
_FORMULA_WITH_RESULT = re.compile(rb"<f(?: [^<>]*)?(?:/>|>[^<]*</f>)<v>[^<]+</v></c>")
_PLAIN_ROW = re.compile(rb'<row r="([1-9][0-9]{0,6})"([^<>]*)>')
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([A-Z0-9:$]{1,40})"')
_STRING_INDEX = re.compile(
    rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,6}")? t="s"><v>([0-9]{1,9})</v>'
)


_HIDING_WORDS = (
    b"hidden",
    b"zeroHeight",
    b"showZeros",
    b"conditionalFormatting",
    b"defaultColWidth",
    b"<drawing",
)
_SIZE = re.compile(rb"""\s(ht|width)\s*=\s*["']([^"']*)["']""")


def _hides_something(body: bytes) -> bool:
    """Whether a Data sheet may hide a row, a column or zeros, or has a conditional format: the
    full scan (`_Worksheet`) then looks cell by cell (whole-part searches, at C speed)."""
    return any(word in body for word in _HIDING_WORDS)


def _visible_sizes(body: bytes, rows: list[tuple[bytes, bytes]]) -> bool:
    """Whether every row height and column width given is one that shows the cells."""
    sizes = [
        size for _, attributes in rows if b"ht" in attributes for size in _SIZE.findall(attributes)
    ]
    start = body.find(b"<cols")
    if start >= 0:
        end = body.find(b"</cols>", start)
        if end < 0 or body.count(b"<cols") > 1:
            return False
        sizes += _SIZE.findall(body[start:end])
    return all(_visible_size(kind, size) for kind, size in sizes)


def _visible_size(kind: bytes, text: bytes) -> bool:
    try:
        size = float(text)
    except ValueError:
        return False
    return size >= (MIN_HEIGHT if kind == b"ht" else MIN_WIDTH)


def _only_plain_cells(body: bytes, plain: int) -> bool:
    """Whether the `plain` cells `_PLAIN_CELL` found are all of the part's `<c` start tags, those
    followed by a space, a tab, a line end, `/` or `>` (each plain cell starts `<c `): as many
    `<c ` as plain cells, and no `<c` followed by one of the others."""
    return body.count(b"<c ") == plain and _ODD_CELL_TAG.search(body) is None


_ODD_CELL_TAG = re.compile(rb"<c[\t\n\r/>]")
_FORMULA_TAG = re.compile(rb"<f[ \t\n\r/>]")  # a formula's start tag, however written


def _text_longer_than(raw: bytes, limit: int) -> bool:
    """Whether `raw` has more than `limit` bytes in a row without a `<` (a text of more than
    `limit` characters has at least that many bytes), at C speed and without a bytes object per
    tag: a part no longer than `limit` has none; in a longer one, such a run covers one of the
    windows of `limit // 2 + 1` bytes laid end to end, and only a window without `<` is looked at
    more closely."""
    if len(raw) <= limit:
        return False
    if limit < 1:
        return max(map(len, raw.split(b"<")), default=0) > limit
    window = (limit + 1 + 1) // 2
    start = 0
    while start + window <= len(raw):
        if raw.find(b"<", start, start + window) >= 0:
            start += window
            continue
        first = raw.rfind(b"<", 0, start) + 1
        end = raw.find(b"<", start + window)
        end = len(raw) if end < 0 else end
        if end - first > limit:
            return True
        start = end // window * window  # the window with that `<` (the one after this)
    return False


class _PlainSheet:
    """The cells of a sheet `_Inspection._plain_sheet` read: (letters, row, style, type)."""

    def __init__(self, cells: list[tuple[bytes, bytes, bytes, bytes]]) -> None:
        self.cells = cells
        self.letters, self.rows, self.styles, self.types = (
            zip(*cells, strict=True) if cells else ((), (), (), ())
        )

    def last_row(self) -> int:
        return max(map(int, set(self.rows)), default=0)

    def last_column(self) -> int:
        return max(map(_column_number, map(bytes.decode, set(self.letters))), default=0)

    def each_once(self) -> bool:
        return len(set(zip(self.letters, self.rows, strict=True))) == len(self.cells)

    def strings_beyond(self, body: bytes, strings: int) -> bool:
        """Whether a shared-string cell may point past the strings; or may hold its index
        otherwise than `<c ... t="s"><v>N</v>` (each `t="s"` cell must show its index so)."""
        shared = self.types.count(b"s")
        if not shared:
            return False
        indexes = _STRING_INDEX.findall(body)
        if len(indexes) != shared:
            return True
        return max(map(int, indexes)) >= strings

    def percent_cells(self, percent: Callable[[int], bool]) -> set[str]:
        wanted = {s for s in set(self.styles) if s and percent(int(s))}
        return {(c[0] + c[1]).decode() for c in self.cells if c[2] in wanted}


class _Scanner:
    """Reads a large part's tags with one regular expression over each chunk, alongside expat
    (which checks, at C speed, that the part is well-formed and has no DOCTYPE): a Python call per
    element through expat costs several times the parse. Comments, CDATA and processing
    instructions, which Excel never writes in these parts and which could show the scanner tags
    that are not there, are refused; so is anything but UTF-8, which the scanner could not see."""

    def __init__(self, part: str, limits: Limits) -> None:
        self.part, self.limits = part, limits
        self.depth = 0

    def bad(self) -> _Refuse:
        return _Refuse(Problem("bad_part", {"part": self.part}))

    def number(self, text: bytes | str | None, default: int | None = None) -> int:
        if text is None and default is not None:
            return default
        if text is None or not text.isascii() or not text.strip().isdigit():
            raise self.bad()
        return int(text)

    def feed(self, region: bytes) -> None:
        if b"<!" in region or b"<?" in region:
            raise self.bad()
        for match in _TAG.finditer(region):
            closing, name, attributes = match.groups()
            if closing:
                self.end(name)
                self.depth -= 1
                continue
            self.depth += 1
            if self.depth > self.limits.depth:
                raise _Refuse(Problem("unsafe_xml", {"part": self.part}))
            self.start(name, attributes, region, match.end())
            if attributes.endswith(b"/"):
                self.end(name)
                self.depth -= 1

    def start(self, name: bytes, attributes: bytes, region: bytes, at: int) -> None:
        pass

    def end(self, name: bytes) -> None:
        pass

    def attributes(self, text: bytes) -> dict[bytes, bytes]:
        return {m[1]: m[2] if m[2] is not None else m[3] for m in _ATTRIBUTE.finditer(text)}

    def plain(self, text: bytes) -> dict[bytes, bytes]:
        """Attributes that Excel writes as plain ASCII (a reference, a type, a style)."""
        if b"&" in text:
            raise self.bad()
        return self.attributes(text)


_TAG = re.compile(
    rb"""<(/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>"""
)
_ATTRIBUTE = re.compile(
    rb"""(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')"""
)
_DECLARATION = re.compile(rb"""\A(?:\xef\xbb\xbf)?\s*<\?xml(?:[^>"']|"[^"]*"|'[^']*')*\?>""")


def _text_at(region: bytes, at: int) -> bytes:
    end = region.find(b"<", at)
    return region[at:] if end < 0 else region[at:end]


class _SharedStrings(_Scanner):
    """The declared counts and the strings actually there, each within Excel's length."""

    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.count = 0
        self.length = 0

    def start(self, name: bytes, attributes: bytes, region: bytes, at: int) -> None:
        if name == b"t":
            self.length += len(_text_at(region, at).decode("utf-8", "replace"))
            if self.length > self.limits.text:
                params = {"part": self.part, "limit": self.limits.text}
                raise _Refuse(Problem("long_text", params))
        elif name == b"si" and self.depth == 2:
            self.count += 1
            self.length = 0
            if self.count > self.limits.strings:
                raise self.too_many(self.count)
        elif name == b"sst":
            found = self.attributes(attributes)
            for key in (b"count", b"uniqueCount"):
                declared = self.number(found.get(key), default=0)
                if declared > self.limits.strings:
                    raise self.too_many(declared)

    def too_many(self, count: int) -> _Refuse:
        params = {"part": self.part, "count": count, "limit": self.limits.strings}
        return _Refuse(Problem("too_many_strings", params))


@dataclass
class _Fill:
    """A fill as styles.xml gives it: a pattern and its two colours, or a gradient's stops (each
    colour the raw attributes of its element, read when asked)."""

    pattern: bytes = b""
    foreground: bytes | None = None
    background: bytes | None = None
    stops: list[bytes] = field(default_factory=list)
    gradient: bool = False


@dataclass
class _Dxf:
    """A differential style (conditional formatting): what it changes."""

    font_colour: bytes | None = None
    number_format: bytes | None = None
    fill: _Fill | None = None


class _DxfReader:
    """The elements of one `<dxf>`, in styles.xml or inline in a sheet's x14 rule."""

    def __init__(self) -> None:
        self.dxf = _Dxf()
        self.in_font = False

    def start(self, name: bytes, attributes: bytes) -> None:
        dxf = self.dxf
        if name == b"font":
            self.in_font = True
        elif name == b"numFmt":
            dxf.number_format = attributes
        elif name in (b"fill", b"patternFill", b"gradientFill") and dxf.fill is None:
            dxf.fill = _Fill(gradient=name == b"gradientFill")
        elif name == b"color" and self.in_font:
            dxf.font_colour = attributes
        elif dxf.fill is not None:
            _fill_part(dxf.fill, name, attributes)

    def end(self, name: bytes) -> None:
        if name == b"font":
            self.in_font = False


def _fill_part(fill: _Fill, name: bytes, attributes: bytes) -> None:
    if name == b"patternFill":
        fill.pattern = attributes
    elif name == b"fgColor":
        fill.foreground = attributes
    elif name == b"bgColor":
        fill.background = attributes
    elif name == b"gradientFill":
        fill.gradient = True
    elif name == b"color" and fill.gradient and len(fill.stops) < 16:
        fill.stops.append(attributes)


_STYLE_LISTS = {b"numFmts", b"fonts", b"fills", b"cellXfs", b"dxfs", b"indexedColors"}


class _Styles(_Scanner):
    """The parts of styles.xml that decide what a cell shows: custom number formats, fonts'
    colours and sizes, fills, the cell formats (`cellXfs`) that combine them, the differential
    formats of conditional formatting and a changed palette. Elements are kept as their raw
    attributes and read only for the styles a file's Data cells use (`StyleBook`): a workbook
    saved by Excel can have thousands of cell formats."""

    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.custom: dict[int, bytes] = {}
        self.cell_formats: list[bytes] = []
        self.fonts: list[list[bytes | None]] = []  # [colour, size]
        self.fills: list[_Fill] = []
        self.dxfs: list[_Dxf] = []
        self.indexed: list[bytes] = []
        self.list = b""
        self.dxf: _DxfReader | None = None
        # what each style shows, worked out once for this part (`StyleBook`): looks that do
        # not use the theme by style (None: it does), the others by theme and style
        self.looks: dict[int, Look | None] = {}
        self.themed: dict[tuple[tuple, int], Look] = {}
        self.percents: dict[int, bool] = {}

    def start(self, name: bytes, attributes: bytes, region: bytes, at: int) -> None:
        if self.depth == 2:
            self.list = name if name in _STYLE_LISTS else b""
        elif self.list == b"dxfs":
            self._dxf(name, attributes)
        elif self.list == b"fonts":
            self._font(name, attributes)
        elif self.list == b"fills":
            self._fill(name, attributes)
        elif self.list == b"numFmts" and name == b"numFmt":
            found = self.attributes(attributes)
            self.custom[self.number(found.get(b"numFmtId"))] = found.get(b"formatCode", b"")
        elif self.list == b"cellXfs" and name == b"xf":
            self._count(self.cell_formats).append(attributes)
        elif self.list == b"indexedColors" and name == b"rgbColor":
            self._count(self.indexed).append(attributes)

    def end(self, name: bytes) -> None:
        if self.dxf is not None:
            self.dxf.end(name)
            if name == b"dxf":
                self.dxf = None

    def _count(self, items: list):
        if len(items) >= self.limits.styles:
            raise self.bad()
        return items

    def _dxf(self, name: bytes, attributes: bytes) -> None:
        if name == b"dxf":
            self.dxf = _DxfReader()
            self._count(self.dxfs).append(self.dxf.dxf)
        elif self.dxf is not None:
            self.dxf.start(name, attributes)

    def _font(self, name: bytes, attributes: bytes) -> None:
        if name == b"font":
            self._count(self.fonts).append([None, None])
        elif self.fonts and name == b"color":
            self.fonts[-1][0] = attributes
        elif self.fonts and name == b"sz":
            self.fonts[-1][1] = attributes

    def _fill(self, name: bytes, attributes: bytes) -> None:
        if name == b"fill":
            self._count(self.fills).append(_Fill())
        elif self.fills:
            _fill_part(self.fills[-1], name, attributes)


@dataclass(frozen=True)
class Look:
    """What a cell style does to what the cell shows."""

    format_code: str = ""
    number_problem: str | None = None  # etl.display.number_format's problem
    hides_text: bool = False
    invisible_number: bool = False
    invisible_text: bool = False
    font: display.Rgb = display.BLACK
    number_colours: tuple[display.Rgb, ...] = ()
    fill: tuple[display.Rgb, ...] = (display.WHITE,)

    @property
    def suspect(self) -> bool:
        return bool(
            self.number_problem or self.hides_text or self.invisible_number or self.invisible_text
        )


PLAIN_LOOK = Look()
_UNKNOWN = Look(format_code="not worked out")  # a marker: `_Styles.looks` has no answer
THEMED_KEPT = 1024  # looks (and percentages) kept by style for one styles part, at most
MIN_FONT = 3.0  # points: smaller text cannot be read


class StyleBook:
    """One file's styles, looked up by the index a cell's `s` gives; each style used is worked
    out once, on first use, and kept with the parsed styles part (`_styles_of` shares that
    between files of the same styles bytes): a look that uses the theme's colours is kept for
    that theme, and the file's theme is read, as without the cache, when such a look is asked."""

    def __init__(self, styles: _Styles | None, theme: Callable[[], tuple], limits: Limits):
        self.styles, self.theme_of, self.limits = styles, theme, limits
        self.looks: dict[int, Look] = {}
        self.percents: dict[int, bool] = styles.percents if styles is not None else {}
        self._theme: tuple[display.Rgb, ...] | None = None
        self._palette: tuple[display.Rgb, ...] | None = None
        self.theme_asked = 0  # how many times a colour needed the theme

    def xf(self, index: int) -> tuple[int, int, int]:
        """(number format, font, fill) of a cell style; an index beyond the list is style 0."""
        formats = self.styles.cell_formats if self.styles else []
        if not 0 <= index < len(formats):
            index = 0
        if not formats:
            return 0, 0, 0
        found = _ATTRIBUTE.findall(formats[index])
        values = {m[0]: m[1] or m[2] for m in found}
        return tuple(_small_number(values.get(k)) for k in (b"numFmtId", b"fontId", b"fillId"))

    def format_code(self, format_id: int) -> str:
        if self.styles is None or format_id not in self.styles.custom:
            return ""  # a built-in format: General, 0, 0.00, #,##0, 0%, dates...
        return html.unescape(self.styles.custom[format_id].decode("utf-8", "replace"))

    def percent(self, index: int) -> bool:
        if index not in self.percents:
            if len(self.percents) >= THEMED_KEPT:
                self.percents.clear()
            format_id = self.xf(index)[0]
            code = self.format_code(format_id).encode()
            self.percents[index] = format_id in PERCENT_FORMAT_IDS or _shows_percent(code)
        return self.percents[index]

    def suspect(self, index: int) -> bool:
        return self.look(index).suspect

    def look(self, index: int) -> Look:
        if index not in self.looks:
            self.looks[index] = self._kept_look(self.styles, index) if self.styles else PLAIN_LOOK
        return self.looks[index]

    def _kept_look(self, styles: _Styles, index: int) -> Look:
        """`_look(index)`, from what the same styles part showed in an earlier file when that
        does not depend on the theme or the theme is the same."""
        kept = styles.looks.get(index, _UNKNOWN)
        if kept is not None and kept is not _UNKNOWN:
            return kept
        if kept is None and (found := styles.themed.get((self.theme(), index))) is not None:
            return found
        asked = self.theme_asked
        look = self._look(index)
        if len(styles.looks) >= THEMED_KEPT:
            styles.looks.clear()
        if self.theme_asked == asked:
            styles.looks[index] = look
        else:
            if len(styles.themed) >= THEMED_KEPT:
                styles.themed.clear()
            styles.looks[index] = None
            styles.themed[self.theme(), index] = look
        return look

    def _look(self, index: int) -> Look:
        format_id, font_id, fill_id = self.xf(index)
        code = self.format_code(format_id)
        shown = display.number_format(code, self.palette()) if code else display.PLAIN
        font, size = self.font(font_id)
        fill = self.fill_colours(fill_id)
        number_colours = shown.colours or (font,)
        tiny = size is not None and size < MIN_FONT
        return Look(
            code,
            shown.problem,
            shown.hides_text,
            tiny or any(self.hidden_on(c, fill) for c in number_colours),
            tiny or self.hidden_on(font, fill),
            font,
            number_colours,
            fill,
        )

    @staticmethod
    def hidden_on(colour: display.Rgb, fill: tuple[display.Rgb, ...]) -> bool:
        return all(display.near(colour, f) for f in fill)

    def font(self, font_id: int) -> tuple[display.Rgb, float | None]:
        fonts = self.styles.fonts if self.styles else []
        if not 0 <= font_id < len(fonts):
            return display.BLACK, None
        colour, size = fonts[font_id]
        size_value = None
        if size is not None:
            found = self._attributes(size).get(b"val")
            try:
                size_value = float(found) if found else None
            except ValueError:
                size_value = None
        return self.colour(colour, display.BLACK), size_value

    def fill_colours(self, fill_id: int) -> tuple[display.Rgb, ...]:
        fills = self.styles.fills if self.styles else []
        if not 0 <= fill_id < len(fills):
            return (display.WHITE,)
        return self.fill_of(fills[fill_id])

    def fill_of(self, fill: _Fill, differential: bool = False) -> tuple[display.Rgb, ...]:
        """The colours a fill shows the text on; a conditional format's solid fill gives its
        colour as the background (`differential`)."""
        if fill.gradient:
            stops = tuple(self.colour(s, display.WHITE) for s in fill.stops)
            return stops or (display.WHITE,)
        pattern = self._attributes(fill.pattern).get(
            b"patternType", b"" if not differential else b"solid"
        )
        if pattern in (b"", b"none"):
            return (display.WHITE,)
        if differential:
            return (self.colour(fill.background or fill.foreground, display.WHITE),)
        foreground = self.colour(fill.foreground, display.BLACK)
        if pattern == b"solid":
            return (foreground,)
        return foreground, self.colour(fill.background, display.WHITE)

    def dxf(self, index: int) -> _Dxf | None:
        dxfs = self.styles.dxfs if self.styles else []
        return dxfs[index] if 0 <= index < len(dxfs) else None

    def colour(self, attributes: bytes | None, automatic: display.Rgb) -> display.Rgb:
        """An element's colour (`rgb`, `theme`, `indexed`, with its `tint`); `automatic` when it
        gives none (Excel's window text or background)."""
        if attributes is None:
            return automatic
        found = self._attributes(attributes)
        colour = None
        if b"rgb" in found:
            colour = display.rgb(found[b"rgb"].decode("ascii", "replace"))
        elif b"theme" in found:
            number = _small_number(found[b"theme"])
            theme = self.theme()
            colour = theme[number] if number < len(theme) else None
        elif b"indexed" in found:
            number = _small_number(found[b"indexed"])
            palette = self.palette()
            if number < len(palette):
                colour = palette[number]
            elif number in (64, 65):  # the window's text and background
                colour = display.BLACK if number == 64 else display.WHITE
        if colour is None:
            return automatic
        try:
            tint = float(found.get(b"tint", b"0"))
        except ValueError:
            tint = 0.0
        return display.tinted(colour, max(-1.0, min(1.0, tint)))

    def theme(self) -> tuple[display.Rgb, ...]:
        self.theme_asked += 1
        if self._theme is None:
            self._theme = self.theme_of()
        return self._theme

    def palette(self) -> tuple[display.Rgb, ...]:
        if self._palette is None:
            given = self.styles.indexed if self.styles else []
            colours = [self._attributes(a).get(b"rgb", b"") for a in given]
            palette = [display.rgb(c.decode("ascii", "replace")) for c in colours]
            if given and None not in palette:
                self._palette = tuple(palette)  # type: ignore[arg-type]
            else:
                self._palette = display.DEFAULT_INDEXED
        return self._palette

    @staticmethod
    def _attributes(text: bytes) -> dict[bytes, bytes]:
        return {m[0]: m[1] or m[2] for m in _ATTRIBUTE.findall(text)}


def _small_number(text: bytes | None) -> int:
    """An index in styles.xml; a missing or malformed one is 0, as in `StyleBook.xf`."""
    if text is None or not text.strip().isdigit() or len(text) > 9:
        return 0
    return int(text)


_LITERALS = re.compile(rb'"[^"]*"|\\.|\[[^\]]*\]')


def _shows_percent(code: bytes) -> bool:
    """Whether a custom number format multiplies by 100: a `%` outside quoted text (`0.00"%"`
    shows 0.8 as 0.80%), backslash escapes and [colour] or [condition] brackets."""
    text = code.replace(b"&quot;", b'"').replace(b"&#34;", b'"')
    return b"%" in _LITERALS.sub(b"", text)


class _Worksheet(_Scanner):
    """A sheet the reader opens: its declared and real extent, each cell once, shared-string
    indexes that exist, and (for findings) error results, formulas never calculated and merges;
    in the Data sheet, also what may show a cell otherwise than it holds (`settle`): hidden
    rows and columns, styles, conditional formats, a sheet that hides zeros; and its formulas
    and values, for `etl.recalc`."""

    def __init__(self, part: str, limits: Limits, sheet: str, strings: int) -> None:
        super().__init__(part, limits)
        self.sheet, self.strings = sheet, strings
        self.problems: list[Problem] = []
        self.findings: list[CellFinding] = []
        self.per_column: dict[tuple[int, str], int] = {}
        self.merges = 0
        self.styles: dict[tuple[int, int], bytes] = {}
        self.seen: set[tuple[int, int]] = set()
        self.row = 0
        self.column = 0
        self.cell: list | None = None  # row, column, type, formula?, value
        self.inline = 0
        self.values: dict[tuple[int, int], Value] = {}
        self.kinds: dict[tuple[int, int], bytes] = {}  # cells with content: their type
        self.formulas: dict[tuple[int, int], Formula] = {}
        self.layout = _Layout()
        self.rules: list[_Conditional] = []
        self.rule: _Conditional | None = None
        self.drawings: list[str] = []  # relationship ids of the sheet's drawings

    def start(self, name: bytes, attributes: bytes, region: bytes, at: int) -> None:
        if self.rule is not None:
            self.rule.start(name, self.attributes(attributes), region, at)
        elif name == b"c":
            self._cell(self.plain(attributes))
        elif self.cell is not None and name in (b"v", b"f", b"t"):
            if name == b"v":
                self.cell[4] = _text_at(region, at)
                if len(self.cell[4]) > 4 * self.limits.text:
                    raise self._long()
            elif name == b"f":
                text = b"" if attributes.endswith(b"/") else _text_at(region, at)
                self.cell[3] = (self.attributes(attributes), text)
            else:
                self.inline += len(_text_at(region, at).decode("utf-8", "replace"))
                if self.inline > self.limits.text:
                    raise self._long()
        elif name == b"row":
            self._row(self.plain(attributes))
        elif name in (b"col", b"sheetFormatPr", b"sheetView"):
            self.layout.read(name, self.plain(attributes), self)
        elif name == b"conditionalFormatting":
            self.rule = _Conditional(self.attributes(attributes).get(b"sqref", b""))
        elif name == b"dimension":
            self._dimension(self.plain(attributes).get(b"ref", b"").decode())
        elif name == b"mergeCell":
            self._merge(self.plain(attributes).get(b"ref", b"").decode())
        elif name == b"drawing":
            found = self.attributes(attributes).get(b"id", b"")
            self.drawings.append(found.decode("ascii", "replace"))

    def end(self, name: bytes) -> None:
        if self.rule is not None:
            if name == b"conditionalFormatting":
                if len(self.rules) >= self.limits.problems * 10:
                    raise self.bad()
                self.rules.append(self.rule)
                self.rule = None
            else:
                self.rule.end(name)
        elif name == b"c" and self.cell is not None:
            self._finish(*self.cell)
            self.cell = None
        elif name == b"row" and self.row > self.limits.rows:
            raise self._far(self.row, 1)  # a row beyond the limits, without cells

    def _long(self) -> _Refuse:
        return _Refuse(Problem("long_cell", {"cell": self.where(self.row, self.column)}))

    def where(self, row: int, column: int) -> str:
        return f"{self.sheet}!{cell_name(row, column)}"

    def _row(self, attributes: dict[bytes, bytes]) -> None:
        self.row = self.number(attributes.get(b"r"), default=self.row + 1)
        self.column = 0
        if self.row <= self.limits.rows:
            self.layout.row(self.row, attributes)

    def _cell(self, attributes: dict[bytes, bytes]) -> None:
        ref = attributes.get(b"r")
        if ref is None:
            row, column = self.row, self.column + 1
        elif (position := parse_ref(ref.decode())) is None:
            raise self.bad()
        else:
            row, column = position
        self.row, self.column = row, column
        if row > self.limits.rows or column > self.limits.columns:
            raise self._far(row, column)
        if (row, column) in self.seen:
            self.problems.append(Problem("duplicate_cell", {"cell": self.where(row, column)}))
            if len(self.problems) >= self.limits.problems:
                raise _Refuse(self.problems.pop())
        self.seen.add((row, column))
        style = attributes.get(b"s")
        if style is not None:
            self.styles[row, column] = style
        self.cell = [row, column, attributes.get(b"t", b"n"), None, None]
        self.inline = 0

    def _far(self, row: int, column: int) -> _Refuse:
        params = {
            "cell": self.where(row, column),
            "rows": self.limits.rows,
            "columns": self.limits.columns,
        }
        return _Refuse(Problem("far_cell", params))

    def _finish(self, row: int, column: int, kind: bytes, formula, text) -> None:
        if kind == b"s" and text is not None and self.number(text) >= self.strings:
            self.problems.append(Problem("bad_string_index", {"cell": self.where(row, column)}))
        if kind == b"e":
            error = (text or b"#VALUE!").decode("utf-8", "replace").strip()[:20]
            params = {"cell": self.where(row, column), "error": error}
            self._finding(
                CellFinding(row, column, Problem("cell_error", params), below_header=False)
            )
        elif formula and (text is None or (not text and kind not in (b"str", b"inlineStr"))):
            problem = Problem("formula_no_value", {"cell": self.where(row, column)})
            self._finding(CellFinding(row, column, problem, below_header=False))
        if text or formula or self.inline:
            self.kinds[row, column] = kind
            self.values[row, column] = _value(kind, text)
        if formula:
            attributes, source = formula
            self.formulas[row, column] = Formula(
                html.unescape(source.decode("utf-8", "replace")),
                attributes.get(b"t", b"").decode("ascii", "replace"),
                attributes.get(b"si", b"").decode("ascii", "replace"),
                attributes.get(b"ref", b"").decode("ascii", "replace"),
                kind.decode("ascii", "replace"),
                (text or b"").decode("utf-8", "replace"),
            )

    def percent_cells(self, percent: Callable[[int], bool]) -> set[str]:
        """The cells (`G5`) whose style shows numbers as percentages."""
        found = set()
        for (row, column), style in self.styles.items():
            if percent(self.number(style)):
                found.add(cell_name(row, column))
        return found

    def _finding(self, finding: CellFinding) -> None:
        """Kept up to `limits.problems` of a kind per column: findings in columns the reader
        does not load cannot crowd out those in the columns it does."""
        key = (finding.column, finding.problem.code)
        if self.per_column.get(key, 0) < self.limits.problems:
            self.per_column[key] = self.per_column.get(key, 0) + 1
            self.findings.append(finding)

    def _dimension(self, ref: str) -> None:
        last = ref.rpartition(":")[2]
        position = parse_ref(last)
        if position is None:
            raise self.bad()
        row, column = position
        if row > self.limits.rows or column > self.limits.columns:
            raise _Refuse(Problem("far_dimension", {"part": self.part, "ref": ref[:40]}))

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        start, end = parse_ref(first), parse_ref(last or first)
        if start is None or end is None:
            raise self.bad()
        where = f"{self.sheet}!{ref}"
        problem = Problem("merged_input", {"cell": where})
        self.findings.append(
            CellFinding(start[0], start[1], problem, end[1], scope="inputs", below_header=False)
        )
        self.merges += 1
        if self.merges > 10 * self.limits.problems:
            raise self.bad()

    # what Excel shows (the Data sheet)

    def settle(self, book: StyleBook) -> None:
        """The findings about what Excel shows of the cells with content, once the whole sheet
        (its columns, rows, cells and conditional formats) is read."""
        hidden_rows: dict[int, set[tuple[int, int]]] = {}
        hidden_columns: dict[int, set[tuple[int, int]]] = {}
        columns_hidden = {
            c for c in range(1, self.limits.columns + 1) if self.layout.column_hidden(c)
        }
        by_column: dict[int, list[int]] = {}
        for cell, kind in self.kinds.items():
            row, column = cell
            by_column.setdefault(column, []).append(row)
            if self.layout.row_hidden(row):
                hidden_rows.setdefault(row, set()).add(cell)
            if column in columns_hidden:
                hidden_columns.setdefault(column, set()).add(cell)
            self._styled(cell, kind, book)
        for rows in by_column.values():
            rows.sort()
        for row, cells in sorted(hidden_rows.items()):
            where = {"cell": f"{self.sheet}!{row}:{row}", "row": row}
            self._finding(_on(cells, Problem("hidden_row", where), "inputs"))
        for column, cells in sorted(hidden_columns.items()):
            letters = cell_name(1, column)[:-1]
            where = {"cell": f"{self.sheet}!{letters}:{letters}", "column": letters}
            self._finding(_on(cells, Problem("hidden_column", where), "loaded"))
        budget = [CONDITIONAL_BUDGET]
        for rule in self.rules:
            self._conditional(rule, book, by_column, budget)

    def _styled(self, cell: tuple[int, int], kind: bytes, book: StyleBook) -> None:
        row, column = cell
        style = self.styles.get(cell)
        look = book.look(self.number(style)) if style is not None else book.look(0)
        value = self.values.get(cell)
        number = isinstance(value, float) and not isinstance(value, bool)
        where = self.where(row, column)
        if number and look.number_problem:
            params = {"cell": where, "format": _printable(look.format_code)[:60]}
            self._finding(
                CellFinding(row, column, Problem("display_format", params), scope="figures")
            )
        elif not number and kind in (b"s", b"str", b"inlineStr") and look.hides_text:
            params = {"cell": where, "format": _printable(look.format_code)[:60]}
            self._finding(CellFinding(row, column, Problem("display_format", params)))
        if look.invisible_number if number else look.invisible_text:
            self._finding(CellFinding(row, column, Problem("invisible_text", {"cell": where})))
        if number and value == 0 and self.layout.zeros_hidden:
            self._finding(
                CellFinding(row, column, Problem("zero_hidden", {"cell": where}), scope="figures")
            )

    def _conditional(self, rule: _Conditional, book: StyleBook, by_column, budget) -> None:
        """A conditional format over cells with content that changes their number format, shows
        a bar or an icon without the value, or draws the text in its background's colour."""
        cells = self._cells_in(rule, by_column, budget)
        if not cells:
            return
        where = {"cell": f"{self.sheet}!{_printable(rule.shown())}"}
        if rule.hides_value or any(d.number_format is not None for d in rule.styles(book)):
            self._finding(_on(cells, Problem("conditional_format", where), "figures"))
            return
        styles = rule.styles(book)
        seen: dict[bytes | None, bool] = {}  # by the cell's style: the same answer
        hidden = []
        for cell in cells:
            style = self.styles.get(cell)
            if style not in seen:
                seen[style] = any(_hides(d, cell, self, book) for d in styles)
            if seen[style]:
                hidden.append(cell)
        if hidden:
            self._finding(_on(hidden, Problem("conditional_hides", where), "loaded"))

    def _cells_in(self, rule: _Conditional, by_column, budget: list[int]) -> set[tuple[int, int]]:
        """The cells with content in a conditional format's ranges; within a budget over the
        sheet's formats (a workbook of thousands of formats over every cell is refused)."""
        found: set[tuple[int, int]] = set()
        for top, left, bottom, right in filter(None, map(_box, rule.ranges())):
            for column in range(left, min(right, self.limits.columns) + 1):
                rows = by_column.get(column)
                if not rows:
                    continue
                low, high = bisect_left(rows, top), bisect_right(rows, bottom)
                budget[0] -= high - low + 1
                if budget[0] < 0:
                    raise self.bad()
                found.update((row, column) for row in rows[low:high])
        return found


def _on(cells: Iterable[tuple[int, int]], problem: Problem, scope: str) -> CellFinding:
    """A finding about several cells, placed at the first of them."""
    ordered = sorted(cells)
    row, column = ordered[0]
    return CellFinding(row, column, problem, scope=scope, cells=frozenset(ordered))


def _hides(dxf: _Dxf, cell: tuple[int, int], sheet: _Worksheet, book: StyleBook) -> bool:
    style = sheet.styles.get(cell)
    look = book.look(sheet.number(style)) if style is not None else book.look(0)
    fill = book.fill_of(dxf.fill, differential=True) if dxf.fill is not None else look.fill
    if dxf.font_colour is not None:
        colours: tuple[display.Rgb, ...] = (book.colour(dxf.font_colour, display.BLACK),)
    else:
        number = isinstance(sheet.values.get(cell), float)
        colours = look.number_colours if number else (look.font,)
    return any(book.hidden_on(c, fill) for c in colours)


def _value(kind: bytes, text: bytes | None) -> Value:
    """A cell's value for the recalculation: a number, TRUE or FALSE, an error, or a text."""
    raw = (text or b"").decode("utf-8", "replace")
    if kind == b"n":
        try:
            number = float(raw)
        except ValueError:
            return TEXT
        return number if math.isfinite(number) else XlError("#NUM!")
    if kind == b"b":
        return raw.strip() in ("1", "true")
    if kind == b"e":
        return XlError(raw.strip()[:20] or "#VALUE!")
    if kind == b"str":
        return html.unescape(raw)
    return TEXT  # a shared or inline string, or a date: not read here


def _box(ref: str) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of a range: `G2:G14`, `G5`, a whole column `G:G` or row `5:5`."""
    first, _, last = ref.partition(":")
    if last and _WHOLE_COLUMN.fullmatch(first) and _WHOLE_COLUMN.fullmatch(last):
        first, last = first + "1", last + "1048576"
    elif last and first.isdigit() and last.isdigit():
        first, last = "A" + first, "XFD" + last
    start, end = parse_ref(first), parse_ref(last or first)
    if start is None or end is None:
        return None
    return (
        min(start[0], end[0]),
        min(start[1], end[1]),
        max(start[0], end[0]),
        max(start[1], end[1]),
    )


def _inside(cell: tuple[int, int], box: tuple[int, int, int, int]) -> bool:
    return box[0] <= cell[0] <= box[2] and box[1] <= cell[1] <= box[3]


_WHOLE_COLUMN = re.compile(r"[A-Za-z]{1,3}")
CONDITIONAL_BUDGET = 1_000_000  # cells looked at over all of a sheet's conditional formats


class _Layout:
    """Which rows and columns of a sheet Excel shows, and whether it shows zeros."""

    def __init__(self) -> None:
        self.hidden_rows: set[int] = set()
        self.sized_rows: set[int] = set()
        self.columns: list[tuple[int, int, bool]] = []  # first, last, hidden
        self.rows_hidden_by_default = False
        self.columns_hidden_by_default = False
        self.zeros_hidden = False

    def row(self, number: int, attributes: dict[bytes, bytes]) -> None:
        height = _size(attributes.get(b"ht"))
        if _true(attributes.get(b"hidden")) or (height is not None and height < MIN_HEIGHT):
            self.hidden_rows.add(number)
        elif height is not None:
            self.sized_rows.add(number)

    def read(self, name: bytes, attributes: dict[bytes, bytes], sheet: _Worksheet) -> None:
        if name == b"col":
            if len(self.columns) >= sheet.limits.columns * 10:
                raise sheet.bad()
            width = _size(attributes.get(b"width"))
            hidden = _true(attributes.get(b"hidden")) or (width is not None and width < MIN_WIDTH)
            first = sheet.number(attributes.get(b"min"), default=1)
            last = sheet.number(attributes.get(b"max"), default=first)
            self.columns.append((first, last, hidden))
        elif name == b"sheetFormatPr":
            self.rows_hidden_by_default = _true(attributes.get(b"zeroHeight"))
            width = _size(attributes.get(b"defaultColWidth"))
            self.columns_hidden_by_default = width is not None and width < MIN_WIDTH
        elif name == b"sheetView" and attributes.get(b"showZeros") in (b"0", b"false"):
            self.zeros_hidden = True

    def row_hidden(self, number: int) -> bool:
        if number in self.hidden_rows:
            return True
        return self.rows_hidden_by_default and number not in self.sized_rows

    def column_hidden(self, number: int) -> bool:
        for first, last, hidden in self.columns:
            if first <= number <= last:
                return hidden
        return self.columns_hidden_by_default


def _true(text: bytes | None) -> bool:
    return text in (b"1", b"true")


def _size(text: bytes | None) -> float | None:
    if text is None:
        return None
    try:
        size = float(text)
    except ValueError:
        return 0.0  # not a size Excel writes: taken as none at all
    return size if math.isfinite(size) else 0.0


class _Conditional:
    """One `<conditionalFormatting>` (or its x14 form) of a sheet: its ranges and its rules'
    differential formats (by index into styles.xml, or inline)."""

    def __init__(self, sqref: bytes) -> None:
        self.sqref = sqref.decode("utf-8", "replace")
        self.dxf_ids: list[int] = []
        self.inline: list[_Dxf] = []
        self.reader: _DxfReader | None = None
        self.hides_value = False

    def start(self, name: bytes, attributes: dict[bytes, bytes], region: bytes, at: int) -> None:
        if self.reader is not None:
            self.reader.start(name, b" ".join(b'%s="%s"' % item for item in attributes.items()))
        elif name == b"cfRule" and b"dxfId" in attributes:
            self.dxf_ids.append(_small_number(attributes[b"dxfId"]))
        elif name == b"dxf" and len(self.inline) < 64:
            self.reader = _DxfReader()
            self.inline.append(self.reader.dxf)
        elif name == b"sqref":
            self.sqref += " " + _text_at(region, at).decode("utf-8", "replace")
        if attributes.get(b"showValue") in (b"0", b"false"):
            self.hides_value = True  # a data bar or an icon set drawn without the number

    def end(self, name: bytes) -> None:
        if self.reader is not None:
            if name == b"dxf":
                self.reader = None
            else:
                self.reader.end(name)

    def ranges(self) -> list[str]:
        return self.sqref.replace("$", "").split()[:100]

    def shown(self) -> str:
        text = " ".join(self.ranges())
        return text if len(text) <= 60 else text[:60] + "…"

    def styles(self, book: StyleBook) -> list[_Dxf]:
        found = [book.dxf(i) for i in self.dxf_ids[:64]]
        return [d for d in found if d is not None] + self.inline


EMU_COLUMN = 609_600  # a default column (64 pixels) in EMUs: where an extent ends, roughly
EMU_ROW = 190_500  # a default row (20 pixels)
_ANCHORS = ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor")
_OBJECTS = ("sp", "pic", "graphicFrame", "grpSp", "cxnSp", "contentPart")


class _Drawing(_Handler):
    """The anchors of a sheet's drawing: the cells each visible object lies over (a two-cell
    anchor's from and to; a one-cell or absolute anchor's extent counted in default-sized
    columns and rows)."""

    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.anchors: list[dict] = []
        self.corner = ""  # "from" or "to" while inside one
        self.field = ""  # "col" or "row" while inside one
        self.chars = ""

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name in _ANCHORS:
            if len(self.anchors) >= 1000:
                raise self.bad()
            self.anchors.append({"kind": name, "hidden": False, "object": False})
        elif not self.anchors:
            return
        elif name in ("from", "to") and self.depth == 3:
            self.corner = name
        elif name in ("col", "row") and self.corner:
            self.field, self.chars = name, ""
        elif name in ("ext", "pos") and self.depth == 3:
            x = attributes.get("cx", attributes.get("x"))
            y = attributes.get("cy", attributes.get("y"))
            self.anchors[-1][name] = (_emu(x), _emu(y))
        elif name in _OBJECTS and self.depth == 3:
            self.anchors[-1]["object"] = True
        elif name == "cNvPr" and attributes.get("hidden") in ("1", "true"):
            self.anchors[-1]["hidden"] = True

    def text(self, data: str) -> None:
        if self.field:
            self.chars += data

    def end(self, name: str) -> None:
        if name in ("col", "row") and self.field:
            value = self.chars.strip()
            self.anchors[-1][f"{self.corner}_{name}"] = int(value) if value.isdigit() else 0
            self.field = ""
        elif name in ("from", "to"):
            self.corner = ""

    def boxes(self) -> list[tuple[int, int, int, int]]:
        found = []
        for anchor in self.anchors:
            if anchor["hidden"] or not anchor["object"]:
                continue
            if anchor["kind"] == "absoluteAnchor":
                x, y = anchor.get("pos", (0, 0))
                top, left = y // EMU_ROW, x // EMU_COLUMN
            else:
                top, left = anchor.get("from_row", 0), anchor.get("from_col", 0)
            if anchor["kind"] == "twoCellAnchor":
                bottom, right = anchor.get("to_row", top), anchor.get("to_col", left)
            else:
                width, height = anchor.get("ext", (0, 0))
                bottom, right = top + height // EMU_ROW, left + width // EMU_COLUMN
            found.append((top + 1, left + 1, max(top, bottom) + 1, max(left, right) + 1))
        return found


def _emu(text: str | None) -> int:
    return int(text) if text and text.isdigit() and len(text) < 12 else 0
