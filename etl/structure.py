"""What a workbook is before its values are read (issue 12): its zip members, its sheets and the
real shape of the parts the reader will open, checked by streaming each member through expat in
chunks, so that no part is inflated whole and nothing the reader would choke on reaches it.

A template has one header row and a few dozen KPI rows on a visible sheet named `Data`; anything
no template could be (a cell at XFD1048576, four billion shared strings, a hidden `Data` before the
visible one, a part twice in the zip, a DOCTYPE) is refused with the part or cell it concerns.
What needs the header row (formulas in the figures' columns, merged input cells) is reported as
`CellFinding`s, for the reader to keep those in the columns it loads."""

from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from xml.parsers import expat

from etl.contract import ABOUT_SHEET, DATA_SHEET
from etl.messages import Problem

CHUNK = 64 * 1024
PROLOG = 4096
MAX_CARRY = 1024 * 1024  # a tag or a text longer than any Excel writes
_ROOT = re.compile(r"<[^?!]")
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
READ_SHEETS = (DATA_SHEET, ABOUT_SHEET)  # the sheets the reader opens


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
    """A problem at a cell of the Data sheet that matters only in a column the reader loads."""

    row: int
    column: int  # 1-based
    problem: Problem
    last_column: int = 0  # a merged range's last column, else 0

    def touches(self, columns: Iterable[int]) -> bool:
        return any(self.column <= c <= max(self.column, self.last_column) for c in columns)


@dataclass
class Structure:
    """What the inspection found: refusals, findings for the reader, and the Data cells that
    have a percentage number format."""

    problems: list[Problem] = field(default_factory=list)
    findings: list[CellFinding] = field(default_factory=list)
    percent_cells: set[str] = field(default_factory=set)


class _Refuse(Exception):
    """Stop inspecting: the file is refused for `problem` (and what was found before it)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


def inspect_workbook(data: bytes, limits: Limits = Limits()) -> Structure:
    """Inspect a file that `etl.safety.check_file` let through (a zip within the size limits)."""
    found = Structure()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
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
        self.percent_styles: set[int] = set()

    def run(self) -> None:
        self._members()
        types = self._content_types()
        sheets = self._sheets()
        targets = self._relationships()
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

    def _scan(self, name: str, scanner_class: Callable[..., _Scanner], *args) -> _Scanner:
        """Stream one large part through expat and `scanner_class` together (see `_Scanner`)."""
        info = self._require(name)
        scanner = scanner_class(info.filename, self.limits, *args)
        parser = _Handler(info.filename, self.limits).parser()
        carry = b""
        try:
            with self.archive.open(info) as stream:
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

    def _prolog(self, name: str) -> None:
        """A part the tracker does not read: no DOCTYPE before its first element (the whole
        part is parsed only when its start does not show that plainly)."""
        info = self._require(name)
        with self.archive.open(info) as stream:
            start = stream.read(PROLOG)
        if not start.startswith((b"\xff\xfe", b"\xfe\xff")) and b"\x00" not in start:
            text = start.decode("latin-1")
            if (root := _ROOT.search(text)) is not None:
                prolog = text[: root.start()].upper()
                if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
                    raise _Refuse(Problem("unsafe_xml", {"part": info.filename}))
                if "<!" not in prolog:
                    return
        self._parse(name, _Handler)

    # the package

    def _content_types(self) -> dict[str, str]:
        types = self._parse(CONTENT_TYPES, _ContentTypes)
        workbook_type = types.type_of(WORKBOOK)
        if workbook_type not in WORKBOOK_TYPES:
            raise _Refuse(Problem("content_type", {"part": WORKBOOK}))
        return types.overrides | {"": types.xml_default}

    def _sheets(self) -> list[_Sheet]:
        sheets = self._parse(WORKBOOK, _Workbook).sheets
        if len(sheets) > self.limits.sheets:
            raise _Refuse(Problem("too_many_sheets", {"count": len(sheets), "part": WORKBOOK}))
        return sheets

    def _relationships(self) -> dict[str, _Target]:
        if self._info(WORKBOOK_RELS) is None:
            return {}
        return self._parse(WORKBOOK_RELS, _Relationships).targets

    def _sheet_parts(self, sheets, targets, types) -> dict[str, str]:
        """The parts of the sheets the reader opens, after refusing a hidden, repeated or
        look-alike `Data` or `About` sheet: what is loaded is what Excel shows."""
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
        if _OTHER_STRING_TAG.search(body) or _longest_between_tags(raw) > self.limits.text:
            return None
        head = _PLAIN_SST.match(body)
        count = body.count(b"<si>")
        if head is None or count != body.count(b"<si") or count > self.limits.strings:
            return None
        if any(int(n) > self.limits.strings for n in head.groups() if n is not None):
            return None
        return count

    def _styles(self) -> None:
        """The styles showing percentages; a part that plainly has none (no `%`, no built-in
        percentage format) is only checked to be well-formed XML, at C speed."""
        info = self._info(STYLES)
        if info is None:
            return
        if info.file_size <= PLAIN_SHEET:
            with self.archive.open(info) as stream:
                raw = stream.read(PLAIN_SHEET + 1)
            if b"%" not in raw and b"&" not in raw and not _PERCENT_ID.search(raw):
                self._parse(STYLES, _Handler)
                return
        self.percent_styles = self._scan(STYLES, _Styles).percent_styles()

    def _worksheet(self, part: str, sheet_name: str) -> None:
        plain = self._plain_sheet(part)
        if plain is not None:
            if sheet_name == DATA_SHEET:
                self.found.percent_cells = plain.percent_cells(self.percent_styles)
            return
        sheet = self._scan(part, _Worksheet, sheet_name, self.strings)
        if sheet.problems:
            self.found.problems.extend(sheet.problems)
            return
        if sheet_name == DATA_SHEET:
            self.found.findings.extend(sheet.findings)
            self.found.percent_cells = sheet.percent_cells(self.percent_styles)

    def _plain_sheet(self, part: str) -> _PlainSheet | None:
        """A small sheet that is plainly within every rule, shown at C speed (regular expressions
        over the whole part, no Python per cell); None sends it to the full `_Worksheet` scan,
        which alone reports problems. Every doubt is None: a tag written otherwise than Excel and
        openpyxl write it, a prefix, a formula, an error, a merge, a comment, a long part. The
        cells seen are every `<c` of the part (calamine finds cells by that tag and places them
        by their `r`), so a part that is not well-formed cannot show calamine a cell unseen."""
        info = self._require(part)
        if info.file_size > PLAIN_SHEET:
            return None
        with self.archive.open(info) as stream:
            raw = stream.read(PLAIN_SHEET + 1)
        declaration = _DECLARATION.match(raw)
        body = raw[declaration.end() :] if declaration else raw
        if len(raw) > PLAIN_SHEET or _longest_between_tags(raw) > self.limits.text:
            return None
        if any(d in body for d in _DOUBTS) or not _PLAIN_FRAME.fullmatch(body):
            return None
        if _OTHER_TAG.search(body):
            return None
        cells = _PLAIN_CELL.findall(body)
        rows = _PLAIN_ROW.findall(body)
        if len(cells) != _tags(body, b"c") or len(rows) != body.count(b"<row"):
            return None
        formulas = _tags(body, b"f")
        if formulas and formulas != len(_FORMULA_WITH_RESULT.findall(body)):
            return None  # an error or a formula never calculated: the full scan says where
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
        return sheet


def _wanted(name: str) -> str | None:
    """`Data` or `About` when a sheet's name is, or looks like, one the reader opens."""
    skeleton = sheet_skeleton(name)
    return next((w for w in READ_SHEETS if skeleton == w.casefold()), None)


def _unsafe_name(name: str) -> bool:
    parts = name.split("/")
    return (
        not name
        or name.startswith("/")
        or "\\" in name
        or ".." in parts
        or any(ord(c) < 32 for c in name)
        or ":" in parts[0]
    )


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
    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.targets: dict[str, _Target] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name != "Relationship":
            return
        target = attributes.get("Target", "")
        external = attributes.get("TargetMode", "") == "External"
        if target.startswith("/"):
            part = target.lstrip("/")
        else:
            part = posixpath.normpath(posixpath.join("xl", target))
        self.targets[attributes.get("Id", "")] = _Target(part, attributes.get("Type", ""), external)


PLAIN_SHEET = 16 * 1024 * 1024
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
_PERCENT_ID = re.compile(rb"numFmtId\s*=\s*[\"']0*(9|10)[\"']")
_PLAIN_FRAME = re.compile(rb"\s*<worksheet[\s>].*</worksheet>\s*", re.S)
_STRING_TAGS = b"sst si t r rPr rPh phoneticPr b i u sz color rFont family scheme charset".split()
_OTHER_STRING_TAG = re.compile(
    rb"<(?!(?:%s)[\s/>])[A-Za-z_]" % b"|".join(sorted(_STRING_TAGS, key=len, reverse=True))
)
_PLAIN_SST = re.compile(
    rb'\s*<sst xmlns="[^"<>]*"(?: count="([0-9]{1,10})")?(?: uniqueCount="([0-9]{1,10})")?\s?/?>'
)
_OTHER_TAG = re.compile(
    rb"<(?!(?:%s)[\s/>])[A-Za-z_]" % b"|".join(sorted(PLAIN_SHEET_TAGS, key=len, reverse=True))
)
_PLAIN_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: s="([0-9]{1,6})")?(?: t="(n|s|str|b|inlineStr|d)")?'
    rb"\s?/?>"
)
_FORMULA_WITH_RESULT = re.compile(rb"<f(?: [^<>]*)?(?:/>|>[^<]*</f>)<v>[^<]+</v></c>")
_PLAIN_ROW = re.compile(rb'<row r="([1-9][0-9]{0,6})"[^<>]*>')
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([A-Z0-9:$]{1,40})"')
_STRING_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,6}")? t="s">')
_STRING_INDEX = re.compile(
    rb'<c r="[A-Z]{1,3}[0-9]{1,7}"(?: s="[0-9]{1,6}")? t="s"><v>([0-9]{1,9})</v>'
)


def _tags(body: bytes, name: bytes) -> int:
    """How many `<name` start tags `body` has, however written."""
    return sum(body.count(b"<" + name + end) for end in (b" ", b">", b"/", b"\t", b"\n", b"\r"))


def _longest_between_tags(raw: bytes) -> int:
    """At least the bytes of the longest text in `raw` (a text of more characters has more
    bytes), at C speed."""
    return max(map(len, raw.split(b"<")), default=0)


class _PlainSheet:
    """The cells of a sheet `_Inspection._plain_sheet` read: (letters, row, style, type)."""

    def __init__(self, cells: list[tuple[bytes, bytes, bytes, bytes]]) -> None:
        self.cells = cells
        self.letters, self.rows, _styles, _types = (
            zip(*cells, strict=True) if cells else ((), (), (), ())
        )

    def last_row(self) -> int:
        return max(map(int, self.rows), default=0)

    def last_column(self) -> int:
        return max(map(_column_number, map(bytes.decode, set(self.letters))), default=0)

    def each_once(self) -> bool:
        return len(set(zip(self.letters, self.rows, strict=True))) == len(self.cells)

    def strings_beyond(self, body: bytes, strings: int) -> bool:
        indexes = _STRING_INDEX.findall(body)
        if len(indexes) != len(_STRING_CELL.findall(body)):
            return True
        return max(map(int, indexes), default=-1) >= strings

    def percent_cells(self, styles: set[int]) -> set[str]:
        if not styles:
            return set()
        wanted = {str(s).encode() for s in styles}
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


class _Styles(_Scanner):
    """Which cell styles show a number as a percentage (`0%`, or a custom code with `%`)."""

    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part, limits)
        self.custom: dict[int, bytes] = {}
        self.cell_formats: list[int] = []
        self.in_cell_formats = False

    def start(self, name: bytes, attributes: bytes, region: bytes, at: int) -> None:
        if name == b"numFmt":
            found = self.attributes(attributes)
            self.custom[self.number(found.get(b"numFmtId"))] = found.get(b"formatCode", b"")
        elif name == b"cellXfs":
            self.in_cell_formats = True
        elif name == b"xf" and self.in_cell_formats:
            if len(self.cell_formats) >= self.limits.styles:
                raise self.bad()
            found = self.attributes(attributes)
            self.cell_formats.append(self.number(found.get(b"numFmtId"), default=0))

    def end(self, name: bytes) -> None:
        if name == b"cellXfs":
            self.in_cell_formats = False

    def percent_styles(self) -> set[int]:
        return {
            index
            for index, format_id in enumerate(self.cell_formats)
            if format_id in PERCENT_FORMAT_IDS or _shows_percent(self.custom.get(format_id, b""))
        }


_LITERALS = re.compile(rb'"[^"]*"|\\.|\[[^\]]*\]')


def _shows_percent(code: bytes) -> bool:
    """Whether a custom number format multiplies by 100: a `%` outside quoted text (`0.00"%"`
    shows 0.8 as 0.80%), backslash escapes and [colour] or [condition] brackets."""
    text = code.replace(b"&quot;", b'"').replace(b"&#34;", b'"')
    return b"%" in _LITERALS.sub(b"", text)


class _Worksheet(_Scanner):
    """A sheet the reader opens: its declared and real extent, each cell once, shared-string
    indexes that exist, and (for findings) error results, formulas never calculated and merges."""

    def __init__(self, part: str, limits: Limits, sheet: str, strings: int) -> None:
        super().__init__(part, limits)
        self.sheet, self.strings = sheet, strings
        self.problems: list[Problem] = []
        self.findings: list[CellFinding] = []
        self.styles: dict[tuple[int, int], bytes] = {}
        self.seen: set[tuple[int, int]] = set()
        self.row = 0
        self.column = 0
        self.cell: list | None = None  # row, column, type, formula?, value
        self.inline = 0

    def start(self, name: bytes, attributes: bytes, region: bytes, at: int) -> None:
        if name == b"c":
            self._cell(self.plain(attributes))
        elif self.cell is not None and name in (b"v", b"f", b"t"):
            if name == b"v":
                self.cell[4] = _text_at(region, at)
                if len(self.cell[4]) > 4 * self.limits.text:
                    raise self._long()
            elif name == b"f":
                self.cell[3] = True
            else:
                self.inline += len(_text_at(region, at).decode("utf-8", "replace"))
                if self.inline > self.limits.text:
                    raise self._long()
        elif name == b"row":
            self._row(self.plain(attributes).get(b"r"))
        elif name == b"dimension":
            self._dimension(self.plain(attributes).get(b"ref", b"").decode())
        elif name == b"mergeCell":
            self._merge(self.plain(attributes).get(b"ref", b"").decode())

    def end(self, name: bytes) -> None:
        if name == b"c" and self.cell is not None:
            self._finish(*self.cell)
            self.cell = None
        elif name == b"row" and self.row > self.limits.rows:
            raise self._far(self.row, 1)  # a row beyond the limits, without cells

    def _long(self) -> _Refuse:
        return _Refuse(Problem("long_cell", {"cell": self.where(self.row, self.column)}))

    def where(self, row: int, column: int) -> str:
        return f"{self.sheet}!{cell_name(row, column)}"

    def _row(self, ref: bytes | None) -> None:
        self.row = self.number(ref, default=self.row + 1)
        self.column = 0

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
        self.cell = [row, column, attributes.get(b"t", b"n"), False, None]
        self.inline = 0

    def _far(self, row: int, column: int) -> _Refuse:
        params = {
            "cell": self.where(row, column),
            "rows": self.limits.rows,
            "columns": self.limits.columns,
        }
        return _Refuse(Problem("far_cell", params))

    def _finish(self, row: int, column: int, kind: bytes, formula: bool, text) -> None:
        if kind == b"s" and text is not None and self.number(text) >= self.strings:
            self.problems.append(Problem("bad_string_index", {"cell": self.where(row, column)}))
        if kind == b"e":
            error = (text or b"#VALUE!").decode("utf-8", "replace").strip()[:20]
            params = {"cell": self.where(row, column), "error": error}
            self._finding(row, column, Problem("cell_error", params))
        elif formula and (text is None or (not text and kind not in (b"str", b"inlineStr"))):
            self._finding(
                row, column, Problem("formula_no_value", {"cell": self.where(row, column)})
            )

    def percent_cells(self, styles: set[int]) -> set[str]:
        """The cells (`G5`) whose style shows numbers as percentages."""
        found = set()
        for (row, column), style in self.styles.items():
            if self.number(style) in styles:
                found.add(cell_name(row, column))
        return found

    def _finding(self, row: int, column: int, problem: Problem) -> None:
        if len(self.findings) < self.limits.problems:
            self.findings.append(CellFinding(row, column, problem))

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
        self.findings.append(
            CellFinding(start[0], start[1], Problem("merged_input", {"cell": where}), end[1])
        )
        if len(self.findings) > 10 * self.limits.problems:
            raise self.bad()
