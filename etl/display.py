"""What Excel shows of a cell, from its style (issue 12, "what is loaded is what Excel shows"):
number formats that show a number otherwise than it is stored (or not at all), and text drawn in
the colour of its background. Pure functions over the codes and colours of styles.xml; the
streaming pass (etl.structure) decides which cells they concern."""

from __future__ import annotations

import colorsys
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# number formats

_DATE_LETTERS = frozenset("yYmMdDhHsSbBgGeE")  # e: era year; b/g: Buddhist and Japanese years
_COLOURS = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "red": (255, 0, 0),
    "green": (0, 255, 0),
    "blue": (0, 0, 255),
    "yellow": (255, 255, 0),
    "magenta": (255, 0, 255),
    "cyan": (0, 255, 255),
}
_CONDITION = re.compile(r"\s*(<=|>=|<>|<|>|=)")
_DASHES = {"", "-", "–", "—"}  # a zero shown as a dash: the accountants' way


@dataclass
class _Section:
    placeholders: bool = False  # 0 # ? or General
    text: bool = False  # @: the text itself
    date: bool = False
    condition: bool = False
    scaled: bool = False  # a comma after the digits: 0, shows 80000 as 80
    literal: str = ""  # what is shown as it is written, around (or instead of) the number
    colour: tuple[int, int, int] | None = None


@dataclass(frozen=True)
class NumberFormat:
    """What a format code does to what a cell shows: `problem` for a number (None when it shows
    the number as stored, rounded, grouped or as a percentage), `hides_text` for a text, and
    the colours its sections draw in (`[White]`), for `invisible`."""

    problem: str | None
    hides_text: bool
    colours: tuple[tuple[int, int, int], ...]


PLAIN = NumberFormat(None, False, ())


@lru_cache(maxsize=1024)
def number_format(code: str, palette: tuple[tuple[int, int, int], ...] = ()) -> NumberFormat:
    """How Excel shows numbers and texts under the custom format `code`.

    `problem` is `hidden` (an empty section: `;;;`), `literal` (text in place of the number, or
    digits written into the format: `"80"`, `\\8\\0`, `0"0"`), `condition` (`[<100]`) or `scaled`
    (`0,`). Dates and times are left to the reader, which reads such a cell as a date."""
    sections = _sections(code, palette)
    problem = None
    for index, section in enumerate(sections[:3]):
        if not section.date:  # the reader reads a number under a date format as a date
            problem = problem or _section_problem(section, index)
    text_section = sections[3] if len(sections) > 3 else None
    hides_text = text_section is not None and (
        not text_section.text or _has_digit(text_section.literal)
    )
    if len(sections) == 1 and sections[0].text and _has_digit(sections[0].literal):
        hides_text = True
    colours = tuple(s.colour for s in sections if s.colour is not None)
    return NumberFormat(problem, hides_text, colours)


def _section_problem(section: _Section, index: int) -> str | None:
    if section.condition:
        return "condition"
    if section.text and not section.placeholders:
        return "literal" if section.literal.strip() else None  # `@` alone shows a number as is
    if not section.placeholders:
        if index == 2 and section.literal.strip() in _DASHES - {""}:
            return None
        return "literal" if section.literal.strip() else "hidden"
    if _has_digit(section.literal):
        return "literal"
    return "scaled" if section.scaled else None


def _has_digit(text: str) -> bool:
    return any(unicodedata.category(c) == "Nd" for c in text)


def _sections(code: str, palette) -> list[_Section]:
    sections = [_Section()]
    section = sections[0]
    at, size = 0, len(code)
    previous = ""  # the last format character: a placeholder, a comma or another
    while at < size:
        char = code[at]
        if char == ";":
            section = _Section()
            sections.append(section)
            previous = ""
        elif char == '"':
            end = code.find('"', at + 1)
            end = size if end < 0 else end
            section.literal += code[at + 1 : end]
            at, previous = end, ""
        elif char in "\\*" and at + 1 < size:
            section.literal += code[at + 1]  # an escaped character, or one repeated to fill
            at, previous = at + 1, ""
        elif char == "_" and at + 1 < size:
            at, previous = at + 1, ""  # the width of the next character, as a space
        elif char == "[":
            end = code.find("]", at)
            end = size if end < 0 else end
            _bracket(code[at + 1 : end], section, palette)
            at, previous = end, ""
        elif code[at : at + 7].lower() == "general":
            section.placeholders = True
            at, previous = at + 6, "0"
        elif char in "0#?":
            section.placeholders = True
            previous = "0"
        elif char == ",":
            if previous in ("0", ",") and not _placeholder_follows(code, at):
                section.scaled = True
            previous = "," if previous in ("0", ",") else ""
        elif char == "@":
            section.text = True
        elif char == "/" and section.placeholders:
            while at + 1 < size and code[at + 1].isdigit():  # a fraction's fixed denominator
                at += 1
            previous = ""
        elif char in _DATE_LETTERS and not (char in "eE" and code[at + 1 : at + 2] in "+-"):
            section.date = True
        elif char in ".%":
            previous = ""
        else:
            section.literal += char
            previous = ""
        at += 1
    return sections


def _placeholder_follows(code: str, at: int) -> bool:
    """Whether the commas at `at` are followed by a digit placeholder (a thousands separator,
    `#,##0`), not by the end of the digits (`0,` divides by a thousand)."""
    while at < len(code) and code[at] == ",":
        at += 1
    return at < len(code) and code[at] in "0#?"


def _bracket(inner: str, section: _Section, palette) -> None:
    text = inner.strip()
    folded = text.lower()
    if _CONDITION.match(text):
        section.condition = True
    elif folded in _COLOURS:
        section.colour = _COLOURS[folded]
    elif folded.startswith("color") and folded[5:].isdigit():
        number = int(folded[5:])  # [Color1] is the palette's index 8
        table = palette or DEFAULT_INDEXED
        if number >= 1 and number + 7 < len(table):
            section.colour = table[number + 7]
    elif folded[:1] in ("h", "m", "s") and set(folded) <= set("hms"):
        section.date = True  # elapsed time: [h]:mm
    # [$-2000401], [$OMR-2000401], [DBNum1]: a locale, a currency, a numeral system


# colours

Rgb = tuple[int, int, int]
WHITE: Rgb = (255, 255, 255)
BLACK: Rgb = (0, 0, 0)
NEAR = 40  # at most this apart in each of red, green and blue: one colour to the eye
# (white on the template's cornsilk input fill, FFF8DC, is 35 apart; light grey D9D9D9 on white 38)


def near(first: Rgb, second: Rgb) -> bool:
    return all(abs(a - b) <= NEAR for a, b in zip(first, second, strict=True))


def rgb(text: str) -> Rgb | None:
    """`FFFFFFFF`, `00FFFFFF` (openpyxl's alpha, which Excel ignores) or `FFFFFF`."""
    text = text.strip()[-6:]
    if len(text) != 6:
        return None
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return None


def tinted(colour: Rgb, tint: float) -> Rgb:
    """Excel's tint: the lightness darkened (tint < 0) or lightened toward white (tint > 0)."""
    if not tint:
        return colour
    hue, light, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, light, saturation))  # type: ignore[return-value]


# Excel's default palette for `indexed` colours (64 is the window's text, 65 its background)
DEFAULT_INDEXED: tuple[Rgb, ...] = tuple(
    rgb(code)  # type: ignore[misc]
    for code in [
        "000000",
        "FFFFFF",
        "FF0000",
        "00FF00",
        "0000FF",
        "FFFF00",
        "FF00FF",
        "00FFFF",
        "000000",
        "FFFFFF",
        "FF0000",
        "00FF00",
        "0000FF",
        "FFFF00",
        "FF00FF",
        "00FFFF",
        "800000",
        "008000",
        "000080",
        "808000",
        "800080",
        "008080",
        "C0C0C0",
        "808080",
        "9999FF",
        "993366",
        "FFFFCC",
        "CCFFFF",
        "660066",
        "FF8080",
        "0066CC",
        "CCCCFF",
        "000080",
        "FF00FF",
        "FFFF00",
        "00FFFF",
        "800080",
        "800000",
        "008080",
        "0000FF",
        "00CCFF",
        "CCFFFF",
        "CCFFCC",
        "FFFF99",
        "99CCFF",
        "FF99CC",
        "CC99FF",
        "FFCC99",
        "3366FF",
        "33CCCC",
        "99CC00",
        "FFCC00",
        "FF9900",
        "FF6600",
        "666699",
        "969696",
        "003366",
        "339966",
        "003300",
        "333300",
        "993300",
        "993366",
        "333399",
        "333333",
    ]
)
# the Office theme's colours, in the order styles.xml counts them (0 is lt1, the background;
# 1 is dk1, the text: Excel swaps the first two pairs of the theme's own order)
DEFAULT_THEME: tuple[Rgb, ...] = tuple(
    rgb(code)  # type: ignore[misc]
    for code in [
        "FFFFFF",
        "000000",
        "E7E6E6",
        "44546A",
        "4472C4",
        "ED7D31",
        "A5A5A5",
        "FFC000",
        "5B9BD5",
        "70AD47",
        "0563C1",
        "954F72",
    ]
)
_THEME_ORDER = (
    b"lt1",
    b"dk1",
    b"lt2",
    b"dk2",
    *(b"accent%d" % n for n in range(1, 7)),
    b"hlink",
    b"folHlink",
)
_THEME_COLOUR = re.compile(
    rb"<(?:\w+:)?(dk1|lt1|dk2|lt2|accent[1-6]|hlink|folHlink)>\s*"
    rb"<(?:\w+:)?(?:sysClr[^>]*?lastClr|srgbClr[^>]*?val)=\"([0-9A-Fa-f]{6})\""
)


@lru_cache(maxsize=8)
def theme_colours(xml: bytes) -> tuple[Rgb, ...]:
    """The colour scheme of a theme part (the first one given of each), in styles.xml's order;
    the Office theme's for any colour the part does not give plainly. Worked out once per worker
    for the same bytes (the templates share their theme), at most 8 parts of 256 KB kept."""
    start = xml.find(b"clrScheme")
    scheme = xml[start : xml.find(b"clrScheme>", start + 9) + 1] if start >= 0 else b""
    found: dict[bytes, Rgb] = {}
    for name, value in _THEME_COLOUR.findall(scheme):
        found.setdefault(name, rgb(value.decode()) or BLACK)
    return tuple(
        found.get(name, default) for name, default in zip(_THEME_ORDER, DEFAULT_THEME, strict=True)
    )
