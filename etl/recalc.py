"""Recalculate the formulas of the Data sheet's figures, to tell a saved result that Excel would
not show (issue 12): `<f>2+3</f><v>80</v>` loads 80, but Excel recalculates and shows 5.

Only what the tracker can recalculate exactly as Excel does is recalculated: numbers, the
operators + - * / ^, unary minus, %, parentheses, references to cells and ranges of the same
sheet (a referenced formula is recalculated too; a cycle is refused) and SUM, AVERAGE, MIN, MAX,
ROUND, ABS and COUNT. Anything else (other functions, sheets or workbooks, names, text) raises
`Unsupported`: the saved result is loaded with a warning for the reviewer.

Formulas are split into tokens by openpyxl's tokenizer (a kept library), loaded from its own
file: importing the `openpyxl` package costs the reader's worker half a second and NumPy under
its memory ceiling, and the tokenizer needs only `re`. This runs in the reader's worker."""

from __future__ import annotations

import importlib.util
import math
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

BUDGET = 1_000_000  # cells and tokens a file's recalculation may visit
MAX_FORMULA = 8192  # characters: Excel's own limit
SHEET = "data"


class Unsupported(Exception):
    """A formula the tracker does not recalculate (its saved result is loaded, with a warning)."""


class Cycle(Exception):
    """A formula that depends on itself."""


@dataclass(frozen=True)
class XlError:
    code: str  # #DIV/0!, #NUM!, #VALUE!, #REF!


class _Text:
    """A text whose content the recalculation does not know (a shared string)."""


TEXT = _Text()
Value = float | bool | str | XlError | _Text | None


@dataclass(frozen=True)
class Formula:
    """A formula cell as the sheet holds it: its text (empty for a shared formula's other
    cells), `t`, `si` and `ref` attributes, and the saved result's type and text."""

    text: str
    kind: str = ""
    shared_index: str = ""
    ref: str = ""
    saved_type: str = "n"
    saved: str = ""


@lru_cache(maxsize=1)
def _tokenizer() -> Any:
    module = sys.modules.get("openpyxl.formula.tokenizer")
    if module is None:
        package = importlib.util.find_spec("openpyxl")
        if package is None or not package.submodule_search_locations:
            raise Unsupported("no tokenizer")
        path = Path(package.submodule_search_locations[0]) / "formula" / "tokenizer.py"
        spec = importlib.util.spec_from_file_location("etl._formula_tokenizer", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module.Tokenizer


# parsing: tokens -> a tree of tuples


_CELL = re.compile(r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})")
_COLUMN = re.compile(r"(\$?)([A-Za-z]{1,3})")
_ROW = re.compile(r"(\$?)([0-9]{1,7})")
_BINARY = {"+": 3, "-": 3, "*": 4, "/": 4, "^": 5}
FUNCTIONS = frozenset({"SUM", "AVERAGE", "MIN", "MAX", "ROUND", "ABS", "COUNT"})


@lru_cache(maxsize=2048)
def parse(text: str) -> tuple:
    """The tree of a formula's text (without its `=`), or `Unsupported`."""
    if len(text) > MAX_FORMULA:
        raise Unsupported("longer than Excel allows")
    try:
        items = _tokenizer()("=" + text).items
    except Exception as error:  # the tokenizer raises on what it cannot split
        raise Unsupported("tokens") from error
    tokens = [t for t in items if t.type != "WHITE-SPACE"]
    parser = _Parser(tokens)
    try:
        tree = parser.expression(0)
    except RecursionError as error:  # nested deeper than Excel's 64 levels allow
        raise Unsupported("too deep") from error
    if parser.at < len(tokens):
        raise Unsupported("syntax")
    return tree


class _Parser:
    def __init__(self, tokens: list) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self):
        token = self.peek()
        if token is None:
            raise Unsupported("syntax")
        self.at += 1
        return token

    def expression(self, lowest: int) -> tuple:
        left = self.unary()
        while (token := self.peek()) is not None and token.type == "OPERATOR-INFIX":
            if token.value not in _BINARY:
                raise Unsupported(token.value)  # & = <> < > <= >= and the range operators
            strength = _BINARY[token.value]
            if strength < lowest:
                break
            self.at += 1
            right = self.expression(strength + 1)  # left to right, ^ too, as in Excel
            left = ("op", token.value, left, right)
        return left

    def unary(self) -> tuple:
        token = self.peek()
        if token is not None and token.type == "OPERATOR-PREFIX":
            self.at += 1
            operand = self.unary()
            return ("neg", operand) if token.value == "-" else operand
        node = self.primary()
        while (token := self.peek()) is not None and token.type == "OPERATOR-POSTFIX":
            self.at += 1
            node = ("percent", node)
        return node

    def primary(self) -> tuple:
        token = self.take()
        if token.type == "OPERAND":
            return _operand(token.value, token.subtype)
        if token.type == "PAREN" and token.subtype == "OPEN":
            inner = self.expression(0)
            closing = self.take()
            if closing.type != "PAREN" or closing.subtype != "CLOSE":
                raise Unsupported("syntax")
            return inner
        if token.type == "FUNC" and token.subtype == "OPEN":
            return self.call(token.value[:-1].upper())
        raise Unsupported("syntax")

    def call(self, name: str) -> tuple:
        if name not in FUNCTIONS:
            raise Unsupported(name)
        args: list[tuple] = []
        token = self.peek()
        if token is not None and token.type == "FUNC" and token.subtype == "CLOSE":
            self.at += 1
            return ("call", name, tuple(args))
        while True:
            args.append(self.expression(0))
            token = self.take()
            if token.type == "FUNC" and token.subtype == "CLOSE":
                return ("call", name, tuple(args))
            if token.type != "SEP" or token.subtype != "ARG":
                raise Unsupported("syntax")


def _operand(value: str, subtype: str) -> tuple:
    if subtype == "NUMBER":
        try:
            return ("value", float(value))
        except ValueError as error:
            raise Unsupported("number") from error
    if subtype == "LOGICAL":
        return ("value", value.upper() == "TRUE")
    if subtype == "TEXT":
        return ("value", value[1:-1].replace('""', '"'))
    if subtype == "ERROR":
        return ("value", XlError(value.upper()))
    if subtype == "RANGE":
        return ("ref", *_reference(value))
    raise Unsupported(subtype)


def _reference(text: str) -> tuple:
    """((row, row fixed), (column, column fixed)) of both corners; a whole column's rows and a
    whole row's columns are None."""
    sheet, bang, place = text.rpartition("!")
    if bang:
        if "[" in sheet:
            raise Unsupported("another workbook")
        name = sheet[1:-1].replace("''", "'") if sheet.startswith("'") else sheet
        if name.casefold() != SHEET:
            raise Unsupported("another sheet")
    first, colon, last = place.partition(":")
    if not colon:
        corner = _corner(first)
        if corner[0][0] is None or corner[1][0] is None:
            raise Unsupported("a name")
        return corner, corner
    return _corner(first), _corner(last)


def _corner(text: str) -> tuple:
    if match := _CELL.fullmatch(text):
        row = (int(match[4]), bool(match[3]))
        return row, (_column(match[2]), bool(match[1]))
    if match := _COLUMN.fullmatch(text):
        return (None, False), (_column(match[2]), bool(match[1]))
    if match := _ROW.fullmatch(text):
        return (int(match[2]), bool(match[1])), (None, False)
    raise Unsupported("a name")


def _column(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def moved(text: str, rows: int, columns: int) -> str:
    """A shared formula's text as it reads in a cell `rows` and `columns` away from the first:
    its relative references moved (what Excel shows in that cell's formula bar)."""
    try:
        items = _tokenizer()("=" + text).items
    except Exception:  # the tokenizer raises on what it cannot split
        return text
    return "".join(
        _moved_reference(t.value, rows, columns)
        if t.type == "OPERAND" and t.subtype == "RANGE"
        else t.value
        for t in items
    )


def _moved_reference(text: str, rows: int, columns: int) -> str:
    sheet, bang, place = text.rpartition("!")
    return sheet + bang + _CELL.sub(lambda m: _moved_cell(m, rows, columns), place)


def _moved_cell(match: re.Match, rows: int, columns: int) -> str:
    column = _column(match[2]) + (0 if match[1] else columns)
    row = int(match[4]) + (0 if match[3] else rows)
    if column < 1 or row < 1:
        return "#REF!"
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{match[1]}{letters}{match[3]}{row}"


# evaluating


class Sheet:
    """The Data sheet's cells, as the structure pass saw them, recalculated on demand."""

    def __init__(
        self,
        values: dict[tuple[int, int], Value],
        formulas: dict[tuple[int, int], Formula],
        budget: int = BUDGET,
    ) -> None:
        self.values, self.formulas = values, formulas
        self.masters = {
            f.shared_index: (cell, f.text)
            for cell, f in formulas.items()
            if f.kind == "shared" and f.text and f.shared_index
        }
        self.known = sorted({*values, *formulas})
        self.results: dict[tuple[int, int], Value] = {}
        self.failed: dict[tuple[int, int], Exception] = {}
        self.active: set[tuple[int, int]] = set()
        self.budget = budget
        self.scale = 0.0

    def result(self, cell: tuple[int, int]) -> Value:
        """What Excel shows in a formula cell once recalculated (raises `Unsupported`, `Cycle`)."""
        if cell in self.results:
            return self.results[cell]
        if cell in self.failed:
            raise self.failed[cell]
        if cell in self.active:
            raise Cycle()
        self.active.add(cell)
        try:
            tree, offset = self._tree(cell)
            value = _Evaluation(self, offset).scalar(tree)
            if value is None:  # a formula pointing at an empty cell shows 0
                value = 0.0
            elif isinstance(value, str | bool | _Text):
                raise Unsupported("a result that is not a number")
        except RecursionError as error:  # a chain of formulas deeper than Python goes
            self.failed[cell] = Unsupported("too deep")
            raise self.failed[cell] from error
        except (Unsupported, Cycle) as error:
            self.failed[cell] = error
            raise
        finally:
            self.active.discard(cell)
        self.results[cell] = value
        return value

    def _tree(self, cell: tuple[int, int]) -> tuple[tuple, tuple[int, int]]:
        formula = self.formulas[cell]
        if formula.kind == "dataTable":
            raise Unsupported("a data table")
        if formula.kind == "array" and formula.ref.replace("$", "").upper() not in (
            "",
            _name(cell),
            f"{_name(cell)}:{_name(cell)}",
        ):
            raise Unsupported("an array formula")
        if formula.kind == "shared" and not formula.text:
            master = self.masters.get(formula.shared_index)
            if master is None:
                raise Unsupported("a shared formula without its first cell")
            (row, column), text = master
            return parse(text), (cell[0] - row, cell[1] - column)
        return parse(formula.text), (0, 0)

    def value(self, cell: tuple[int, int]) -> Value:
        self.spend(1)
        if cell in self.formulas:
            return self.result(cell)
        return self.values.get(cell)

    def spend(self, cost: int) -> None:
        self.budget -= cost
        if self.budget < 0:
            raise Unsupported("too large")

    def cells(self, top: int, left: int, bottom: int, right: int) -> Iterator[tuple[int, int]]:
        """The cells of a range that hold something, in order."""
        area = (bottom - top + 1) * (right - left + 1)
        if area <= len(self.known):
            for row in range(top, bottom + 1):
                for column in range(left, right + 1):
                    if (row, column) in self.values or (row, column) in self.formulas:
                        yield row, column
                    else:
                        self.spend(1)
        else:
            for row, column in self.known:
                if top <= row <= bottom and left <= column <= right:
                    yield row, column
                else:
                    self.spend(1)


def _name(cell: tuple[int, int]) -> str:
    letters, column = "", cell[1]
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{cell[0]}"


LAST_ROW, LAST_COLUMN = 1_048_576, 16_384


class _Evaluation:
    def __init__(self, sheet: Sheet, offset: tuple[int, int]) -> None:
        self.sheet, self.offset = sheet, offset

    def scalar(self, node: tuple) -> Value:
        """A node's single value (a range of one cell is that cell)."""
        self.sheet.spend(1)
        kind = node[0]
        if kind == "value":
            return node[1]
        if kind == "ref":
            box = self.box(node)
            if isinstance(box, XlError):
                return box
            top, left, bottom, right = box
            if (top, left) != (bottom, right):
                raise Unsupported("a range as a value")
            return self.sheet.value((top, left))
        if kind == "neg":
            return self.arithmetic(lambda a: -a, self.scalar(node[1]))
        if kind == "percent":
            return self.arithmetic(lambda a: a / 100, self.scalar(node[1]))
        if kind == "op":
            return self.binary(node[1], self.scalar(node[2]), self.scalar(node[3]))
        return self.call(node[1], node[2])

    def box(self, node: tuple) -> tuple[int, int, int, int] | XlError:
        (row1, column1), (row2, column2) = node[1], node[2]
        rows = [self.shift(row1, 0, LAST_ROW), self.shift(row2, 0, LAST_ROW)]
        columns = [self.shift(column1, 1, LAST_COLUMN), self.shift(column2, 1, LAST_COLUMN)]
        if None in rows or None in columns:
            return XlError("#REF!")
        if rows[0] == 0:  # a whole column
            rows = [1, LAST_ROW]
        if columns[0] == 0:  # a whole row
            columns = [1, LAST_COLUMN]
        return min(rows), min(columns), max(rows), max(columns)

    def shift(self, part: tuple[int | None, bool], axis: int, last: int) -> int | None:
        number, fixed = part
        if number is None:
            return 0
        moved = number if fixed else number + self.offset[axis]
        return moved if 1 <= moved <= last else None

    def number(self, value: Value) -> float | XlError:
        if isinstance(value, XlError | float):
            return value
        if isinstance(value, bool):
            return float(value)
        if value is None:
            return 0.0
        if isinstance(value, str):
            try:
                return float(value.strip()) if value.strip() else XlError("#VALUE!")
            except ValueError:
                return XlError("#VALUE!")
        raise Unsupported("a text cell")

    def arithmetic(self, operation: Callable[..., float], *values: Value) -> Value:
        numbers = [self.number(v) for v in values]
        for number in numbers:
            if isinstance(number, XlError):
                return number
            self.sheet.scale = max(self.sheet.scale, abs(number))
        try:
            result = operation(*numbers)
        except ZeroDivisionError:
            return XlError("#DIV/0!")
        except (OverflowError, ValueError):
            return XlError("#NUM!")
        if isinstance(result, complex) or not math.isfinite(result):
            return XlError("#NUM!")
        return float(result)

    def binary(self, operator: str, left: Value, right: Value) -> Value:
        if operator == "^":
            return self.arithmetic(_power, left, right)
        operation = {
            "+": lambda a, b: a + b,
            "-": lambda a, b: a - b,
            "*": lambda a, b: a * b,
            "/": lambda a, b: a / b,
        }[operator]
        return self.arithmetic(operation, left, right)

    def call(self, name: str, args: tuple) -> Value:
        if name in ("ROUND", "ABS"):
            wanted = 2 if name == "ROUND" else 1
            if len(args) != wanted:
                raise Unsupported(name)
            values = [self.scalar(a) for a in args]
            return self.arithmetic(_round if name == "ROUND" else abs, *values)
        if not args:
            raise Unsupported(name)
        numbers = []
        for arg in args:
            for item in self.items(arg, counting=name == "COUNT"):
                if isinstance(item, XlError):
                    return item
                numbers.append(item)
        return _aggregate(name, numbers)

    def items(self, node: tuple, counting: bool) -> Iterator[float | XlError]:
        """The numbers a function of a list takes from one argument: in a range, its numbers
        only (text, TRUE and empty cells are skipped); given directly, TRUE is 1 and a text
        is read as a number. COUNT skips what is not a number, errors included."""
        if node[0] == "ref":
            box = self.box(node)
            if isinstance(box, XlError):
                if not counting:
                    yield box
                return
            for cell in self.sheet.cells(*box):
                value = self.sheet.value(cell)
                if isinstance(value, float) or (isinstance(value, XlError) and not counting):
                    yield value
            return
        value = self.scalar(node)
        if isinstance(value, _Text):
            raise Unsupported("a text cell")
        number = self.number(value)
        if not (counting and isinstance(number, XlError)):
            yield number


def _power(base: float, exponent: float) -> float:
    if base == 0 and exponent == 0:
        raise ValueError("0^0")
    if base < 0 and not exponent.is_integer():
        raise ValueError("root of a negative number")
    return base**exponent


def _round(number: float, digits: float) -> float:
    """Excel's ROUND: half away from zero, on the number as Excel shows it (15 digits), so
    ROUND(2.675, 2) is 2.68, where Python's round gives 2.67."""
    places = int(digits)  # Excel truncates the digits
    try:
        exact = Decimal(f"{number:.15g}").scaleb(places)
        return float(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP).scaleb(-places))
    except InvalidOperation as error:
        raise OverflowError from error


def _aggregate(name: str, numbers: list[float]) -> Value:
    if name == "COUNT":
        return float(len(numbers))
    if name == "SUM":
        return math.fsum(numbers) if numbers else 0.0
    if name == "AVERAGE":
        return math.fsum(numbers) / len(numbers) if numbers else XlError("#DIV/0!")
    if not numbers:
        return 0.0
    return min(numbers) if name == "MIN" else max(numbers)


def same(shown: float, saved: float, scale: float = 0.0) -> bool:
    """Equal as Excel keeps numbers (15 significant digits), or apart by less than what the
    arithmetic's own rounding leaves (0.1 + 0.2 - 0.3 is 5.6e-17 in Python, 0 in Excel)."""
    if shown == saved or f"{shown:.15g}" == f"{saved:.15g}":
        return True
    return abs(shown - saved) <= 1e-14 * max(abs(shown), abs(saved), scale)
