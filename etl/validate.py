"""Validate a read workbook against the contract: collect every problem, then answer once."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from etl.contract import COLUMNS, LOADED_KEYS, DueKpi, header_row, match_header
from etl.load import BudgetRow, InitiativeRow, Row
from etl.messages import Problem, report_of
from etl.parse import (
    AMOUNT_LIMIT,
    TEXT_CONTROLS_ALLOWED,
    TEXT_LIMIT,
    code_point,
    control_character,
    is_blank,
    limit_of,
    link_character,
    parse_amount,
    parse_for_unit,
    shown_text,
)
from etl.read import RawWorkbook
from kpis.formatting import format_number

if TYPE_CHECKING:
    from etl.programme import ProgrammeExpectation

RATIO_TOLERANCE = 0.1  # percentage points between a given value and numerator / denominator
JUMP_POINTS = 25


@dataclass(frozen=True)
class Expectation:
    """What the upload must be: whose, for when, and the KPIs due."""

    entity_code: str
    period: str
    due: Mapping[str, DueKpi]
    # the Initiatives and Budget sheets' rows due (etl.programme); None: those sheets not read
    programme: ProgrammeExpectation | None = None


@dataclass
class Validation:
    rows: list[Row] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    initiatives: list[InitiativeRow] = field(default_factory=list)
    budget: list[BudgetRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> dict[str, Any]:
        return report_of(len(self.rows), self.errors, self.warnings)


def identity_problem(workbook: RawWorkbook, expected: Expectation) -> Problem | None:
    """A template made for another entity or period is refused before its cells are read."""
    entity = workbook.about.get("entity", "").upper()
    if entity and entity != expected.entity_code:
        found = shown_text(entity)
        return Problem("other_entity", {"found": found, "expected": expected.entity_code})
    period = workbook.about.get("period", "").upper()
    if period and period != expected.period:
        return Problem("other_period", {"found": shown_text(period), "expected": expected.period})
    return None


def validate(workbook: RawWorkbook, expected: Expectation) -> Validation:
    result = _validate(workbook, expected)
    if workbook.cell_problems:  # those cells' own problems say it best: one message per cell
        flagged = {problem.params.get("cell") for problem in workbook.cell_problems}
        others = [e for e in result.errors if e.params.get("cell") not in flagged]
        result.errors = [*workbook.cell_problems, *(e for e in others if e.code != "no_values")]
    result.warnings[:0] = workbook.cell_warnings  # e.g. a formula the tracker cannot recalculate
    return result


def _validate(workbook: RawWorkbook, expected: Expectation) -> Validation:
    result = Validation()
    if workbook.data_sheet is None:
        result.errors.append(Problem("no_data_sheet"))
        return result
    if problem := identity_problem(workbook, expected):
        result.errors.append(problem)
        return result
    rows = workbook.sheets[workbook.data_sheet]
    header_index, columns = header_row(rows)
    if header_index is None:
        result.errors.append(Problem("no_header"))
        return result
    if repeated := _repeated_headings(rows[header_index], header_index + 1, columns):
        result.errors.extend(repeated)
        return result
    seen: dict[str, int] = {}
    for index in range(header_index + 1, len(rows)):
        _check_row(workbook, rows[index], index + 1, columns, expected, seen, result)
    for code in expected.due:
        if code not in seen:
            result.warnings.append(Problem("value_missing", {"code": code}))
    if expected.programme is not None:
        _programme(workbook, expected.programme, result)
    if not (result.rows or result.initiatives or result.budget) and not result.errors:
        result.errors.append(Problem("no_values"))
    return result


def _programme(workbook: RawWorkbook, expected: ProgrammeExpectation, result: Validation) -> None:
    """The Initiatives and Budget sheets (etl.validate_programme), into the same result."""
    from etl.validate_programme import validate_programme  # it builds on this module

    found = validate_programme(workbook, expected)
    result.errors.extend(found.errors)
    result.warnings.extend(found.warnings)
    result.initiatives, result.budget = found.initiatives, found.budget


def _repeated_headings(row: list[Any], number: int, columns: dict[str, int]) -> list[Problem]:
    """A heading of a loaded column twice (a hidden `Value` column before the visible one):
    which one the clerk meant cannot be told, so neither is read."""
    found = []
    for col, cell in enumerate(row):
        key = match_header(cell)
        if key in LOADED_KEYS and columns[key] != col:
            found.append(
                Problem(
                    "repeated_heading",
                    {
                        "cell": f"Data!{column_letter(col + 1)}{number}",
                        "other": f"Data!{column_letter(columns[key] + 1)}{number}",
                        "label": COLUMNS[key][0],
                    },
                )
            )
    return found


def _cell(columns: dict[str, int], key: str, row_number: int) -> str:
    return f"Data!{column_letter(columns[key] + 1)}{row_number}"


def column_letter(number: int) -> str:
    """Excel's name of the 1-based column `number` (1 -> A, 27 -> AA), without importing
    openpyxl, which costs the command line a fifth of a second to start."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _check_row(workbook, row, number, columns, expected, seen, result: Validation) -> None:
    width = len(row)
    raw = {key: row[col] if col < width else None for key, col in columns.items()}.get
    if all(is_blank(raw(k)) for k in ("code", "numerator", "denominator", "value")):
        return  # a blank row
    if controls := _control_problems(raw, columns, number):
        result.errors.extend(controls)
        return
    code = str(raw("code") or "").strip().upper()
    kpi = expected.due.get(code)
    if kpi is None:
        where = _cell(columns, "code", number)
        result.errors.append(
            Problem("unknown_kpi", {"cell": where, "code": shown_text(code or "—")})
        )
        return
    if code in seen:
        where = _cell(columns, "code", number)
        result.errors.append(
            Problem("duplicate_kpi", {"cell": where, "code": code, "other": seen[code]})
        )
        return
    seen[code] = number
    period = str(raw("period") or "").strip().upper()
    if period and period not in (kpi.period, expected.period):
        where = _cell(columns, "period", number)
        result.errors.append(
            Problem("unknown_period", {"cell": where, "found": shown_text(period)})
        )
        return
    before = len(result.errors)
    value, numerator, denominator = _figures(workbook, raw, number, columns, kpi, result)
    comment = _text(raw, "comment", columns, number, result)
    link = _text(raw, "evidence", columns, number, result)
    if link and len(link) <= TEXT_LIMIT:
        _check_link(link, _cell(columns, "evidence", number), result)
    if len(result.errors) > before:
        return
    if value is None:
        result.warnings.append(Problem("value_missing", {"code": code}))
        return
    result.rows.append(Row(code, kpi.period, value, numerator, denominator, comment, link))
    result.warnings.extend(_warnings(kpi, value, comment))


TEXT_KEYS = ("code", "period", "numerator", "denominator", "value", "comment", "evidence")


def _control_problems(raw, columns, number) -> list[Problem]:
    """Control characters (NUL and the like) in any cell ingest reads: refused by cell, on every
    store alike (PostgreSQL cannot hold a NUL at all). Tab, line feed and carriage return are
    allowed in a comment; a link has its own, stricter check."""
    found = []
    for key in TEXT_KEYS:
        text = raw(key) if key in columns else None
        if not isinstance(text, str):
            continue
        hit = control_character(text, frozenset() if key == "evidence" else TEXT_CONTROLS_ALLOWED)
        if hit and key == "evidence" and "\u202a" <= hit[0] <= "\u202e":
            hit = None  # the link's own check says what is wrong with a link
        if hit:
            char, position = hit
            where = _cell(columns, key, number)
            params = {"cell": where, "char": code_point(char), "position": position}
            found.append(Problem("control_character", params))
    return found


def _text(raw, key: str, columns, number, result: Validation) -> str:
    """A comment or link, trimmed; longer than TEXT_LIMIT characters is refused by cell."""
    text = str(raw(key) or "").strip() if key in columns else ""
    if len(text) > TEXT_LIMIT:
        where = _cell(columns, key, number)
        params = {"cell": where, "length": f"{len(text):,}", "limit": f"{TEXT_LIMIT:,}"}
        result.errors.append(Problem("text_too_long", params))
    return text


def _check_link(link: str, where: str, result: Validation) -> None:
    """Only an http(s) address naming a host, without spaces or invisible characters: no
    `javascript:` or `data:`, nothing that reads as another address than it opens."""
    if not link.lower().startswith(("https://", "http://")):
        result.errors.append(Problem("bad_link", {"cell": where}))
    elif hit := link_character(link):
        params = {"cell": where, "char": code_point(hit[0]), "position": hit[1]}
        result.errors.append(Problem("link_character", params))
    elif not _host(link):
        result.errors.append(Problem("link_no_host", {"cell": where}))


def _host(link: str) -> str | None:
    try:
        return urlsplit(link).hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None


def _figures(workbook, raw, number, columns, kpi: DueKpi, result: Validation):
    """The value, numerator and denominator of a row; problems go to `result`."""
    value_cell = _cell(columns, "value", number)
    value, typed = None, raw("value")
    if not is_blank(typed):
        fraction = isinstance(typed, float) and 0 < typed <= 1
        percent_format = (
            fraction
            and kpi.unit in ("percent", "milestone")
            and workbook.percent_formatted(value_cell.split("!")[1])
        )
        parsed = parse_for_unit(typed, kpi.unit, kpi.aggregation, percent_format)
        if not parsed.ok:
            limit = limit_of(kpi.unit, kpi.aggregation)
            result.errors.append(value_problem(parsed, value_cell, typed, limit))
            return None, None, None
        value = parsed.value
    if not kpi.ratio or ("numerator" not in columns and "denominator" not in columns):
        return value, None, None
    n_raw, d_raw = raw("numerator"), raw("denominator")
    if is_blank(n_raw) and is_blank(d_raw):
        return value, None, None
    n_cell, d_cell = _cell(columns, "numerator", number), _cell(columns, "denominator", number)
    if is_blank(n_raw) or is_blank(d_raw):
        result.errors.append(Problem("half_ratio", {"cell": n_cell if is_blank(n_raw) else d_cell}))
        return None, None, None
    numerator, denominator = parse_amount(n_raw), parse_amount(d_raw)
    for parsed, cell, text in ((numerator, n_cell, n_raw), (denominator, d_cell, d_raw)):
        if not parsed.ok:
            result.errors.append(value_problem(parsed, cell, text, AMOUNT_LIMIT))
    if not (numerator.ok and denominator.ok):
        return None, None, None
    if denominator.value == 0:
        result.errors.append(Problem("denominator_zero", {"cell": d_cell}))
        return None, None, None
    if kpi.unit in ("percent", "milestone") and numerator.value > denominator.value:
        result.errors.append(
            Problem(
                "numerator_over",
                {
                    "cell": n_cell,
                    "numerator": format_number(numerator.value, 2),
                    "denominator": format_number(denominator.value, 2),
                },
            )
        )
        return None, None, None
    ratio = numerator.value / denominator.value * 100
    if not math.isfinite(ratio):  # a tiny denominator under a large numerator
        result.errors.append(Problem("not_finite", {"cell": d_cell, "raw": as_typed(d_raw)}))
        return None, None, None
    if value is not None and abs(value - ratio) > RATIO_TOLERANCE:
        result.errors.append(
            Problem(
                "ratio_disagrees",
                {
                    "cell": value_cell,
                    "value": format_number(value, 2),
                    "ratio": format_number(ratio, 2),
                },
            )
        )
        return None, None, None
    return ratio, numerator.value, denominator.value


def as_typed(raw: Any) -> str:
    """A cell's content as the clerk typed it: 140, not 140.0; control characters named and a
    long text cut (see etl.parse.shown_text)."""
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        return str(int(raw))
    return shown_text(str(raw).strip())


def value_problem(parsed, cell: str, raw: Any, limit: int | None = None) -> Problem:
    params: dict[str, Any] = {"cell": cell, "raw": as_typed(raw)}
    if parsed.problem == "ambiguous_fraction":
        params["hundred"] = format_number(parsed.value * 100, 2)
    if parsed.problem == "beyond_limit":
        params["limit"] = f"{limit:,}"
    return Problem(parsed.problem, params)


def _warnings(kpi: DueKpi, value: float, comment: str) -> list[Problem]:
    found = []
    if kpi.previous is not None:
        change = value - kpi.previous
        spread = statistics.pstdev(kpi.history) if len(kpi.history) >= 4 else None
        points = kpi.unit in ("percent", "milestone")
        if (points and abs(change) > JUMP_POINTS) or (spread and abs(change) > 3 * spread > 0):
            found.append(
                _shown(
                    "jump",
                    kpi,
                    value,
                    previous=format_number(kpi.previous, 1),
                    change=format_number(change, 1),
                )
            )
        if kpi.cumulative and change < 0:
            found.append(
                _shown("below_cumulative", kpi, value, previous=format_number(kpi.previous, 1))
            )
    if kpi.expected is not None and not comment and _short(kpi, value):
        found.append(
            _shown("off_path_no_comment", kpi, value, expected=format_number(kpi.expected, 1))
        )
    return found


def _shown(code: str, kpi: DueKpi, value: float, **params: str) -> Problem:
    return Problem(code, {"code": kpi.code, "value": format_number(value, 1), **params})


def _short(kpi: DueKpi, value: float) -> bool:
    if kpi.unit == "rank":
        return value > kpi.expected
    return value < kpi.expected
