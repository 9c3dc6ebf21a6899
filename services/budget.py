"""The programme's budget (issue 16, docs/programme.md): allocations in OMR per track, initiative
or entity and year, set by the programme office; committed and spent reported each quarter in the
entities' Budget sheets (etl). Amounts are kept in baisa (1 OMR = 1,000 baisa), exact.

A line is allocated to an initiative (`I1.1-2024`), to an entity within a track (`MOH-T1-2024`) or
to a track as a whole, its reserve (`T1-2024`); its code, named so, identifies it in templates and
imports.

What the views call (the overview, the track page, /budget, the committee report and the API
all read the same picture, so their numbers agree):
- `budget_picture(session, scope) -> BudgetPicture`: per line the committed and spent shown as
  of `scope.as_of` (kpis.budget.shown_report over data.budget.line_reports, which follows
  data.analytics.shown_submissions and the Scope: the committee approved figures only; an entity
  team approved figures plus its own entity's in every status the rule shows; the office with
  figures awaiting approval when it asks), the totals per track, per initiative and for the
  programme (kpis.budget.Totals), against the cycle's budget.
- `picture_rows(picture)` and `BUDGET_CSV_FIELDS`: the picture as flat rows (API CSV, Excel).
- Allocations: `allocate` (typed values) and `set_allocation` (text as typed on a page),
  `import_allocations` (a CSV or xlsx sheet, all or nothing), `allocation_lines`; refusals are
  `BudgetRefused(code, **params)` and `ImportRefused(problems)`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.audit import record
from data.budget import (
    CycleBudget,
    LineRow,
    NamedCode,
    budget_lines,
    cycle_budget,
    line_reports,
    targets,
)
from data.cycles import cycle_code_of, cycle_of
from data.models import BudgetLine, Entity, Initiative, ProgrammeCycle, Track, utcnow
from kpis.budget import (
    ALLOCATION_LIMIT_BAISA,
    AmountProblem,
    LineAmounts,
    Totals,
    parse_omr,
    planned_to_date,
    shown_report,
    totals,
)
from services.actors import Action, Actor, require
from services.programme import Scope

OBJECT = "budget_line"


class BudgetRefused(ValueError):
    """An allocation refused, with the reason's code and what to say (the page words it)."""

    status = 400

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.code = reason
        self.params = params


def line_code(target: str, year: int) -> str:
    """The code of the line allocating `year`'s money to `target` (an initiative's code, an
    entity's and track's `MOH-T1`, or a track's)."""
    return f"{target}-{year}"


def allocate(
    session: Session,
    actor: Actor,
    *,
    year: int,
    baisa: int,
    track: str | None = None,
    initiative: str | None = None,
    entity: str | None = None,
    reason: str = "",
    is_demo: bool = False,
) -> BudgetLine:
    """Set the allocation of `year` to an initiative, to an entity within a track, or to a track
    (its reserve), in the cycle that year belongs to: a new line, or the existing one changed.
    Audited."""
    require(actor, Action.MANAGE_BUDGET)
    if (initiative is None) == (track is None) or (initiative is not None and entity is not None):
        raise BudgetRefused("one_target")
    if isinstance(baisa, bool) or not isinstance(baisa, int):
        raise BudgetRefused("not_an_amount")
    if baisa < 0:
        raise BudgetRefused("negative")
    if baisa > ALLOCATION_LIMIT_BAISA:
        raise BudgetRefused("too_large")
    cycle_row = cycle_of(session, str(year))
    if cycle_row is None or not cycle_row.start_year <= year <= cycle_row.target_year:
        raise BudgetRefused("year_outside_cycle", year=str(year))
    cycle = session.scalars(select(ProgrammeCycle).filter_by(code=cycle_row.code)).one()
    target, columns = _target(session, cycle, track, initiative, entity)
    code = line_code(target, year)
    line = session.scalars(select(BudgetLine).filter_by(cycle_id=cycle.id, code=code)).one_or_none()
    before = {"allocated_baisa": line.allocated_baisa} if line else None
    if line is None:
        line = BudgetLine(cycle_id=cycle.id, code=code, year=year, is_demo=is_demo, **columns)
        session.add(line)
    line.allocated_baisa = baisa
    line.updated_at = utcnow()
    session.flush()
    record(
        session,
        "budget.allocate",
        OBJECT,
        code,
        user=_user(session, actor),
        before=before,
        after={"allocated_baisa": baisa, "year": year, "cycle": cycle.code},
        reason=reason,
    )
    return line


def _target(session, cycle, track, initiative, entity) -> tuple[str, dict[str, Any]]:
    """The code a line is named after and its columns (an initiative's line is in the
    initiative's track)."""
    if initiative is not None:
        found = session.scalars(
            select(Initiative).filter_by(cycle_id=cycle.id, code=initiative.strip())
        ).one_or_none()
        if found is None:
            raise BudgetRefused("unknown_initiative", code=initiative)
        return found.code, {"initiative_id": found.id, "track_id": found.track_id}
    in_track = session.scalars(
        select(Track).filter_by(cycle_id=cycle.id, code=track.strip().upper())
    ).one_or_none()
    if in_track is None:
        raise BudgetRefused("unknown_track", code=track)
    if entity is None:
        return in_track.code, {"track_id": in_track.id}
    found = session.scalars(select(Entity).filter_by(code=entity.strip().upper())).one_or_none()
    if found is None:
        raise BudgetRefused("unknown_entity", code=entity)
    return f"{found.code}-{in_track.code}", {"entity_id": found.id, "track_id": in_track.id}


def _user(session: Session, actor: Actor):
    from data.models import User

    return session.get(User, actor.user_id) if actor.user_id else None


# ----- the picture every view shows -------------------------------------------------------------


@dataclass(frozen=True)
class LineFigure:
    """One budget line as of the scope's quarter: its allocation, the plan to date and the
    committed and spent shown (None: not reported; a track's reserve is never reported)."""

    code: str
    track: str
    year: int
    initiative: str | None
    entity: str | None
    reporter: str | None  # the entity that reports it; None: the track's reserve
    name_en: str
    name_ar: str
    allocated: int
    planned: int
    committed: int | None
    spent: int | None
    reported_for: str | None  # the quarter of the report shown (`2024-Q3`)
    approved: bool | None  # whether that report is approved; None when not reported
    note: str = ""

    @property
    def amounts(self) -> LineAmounts:
        return LineAmounts(
            self.allocated,
            self.year,
            self.planned,
            self.committed,
            self.spent,
            self.reporter is not None,
        )

    @property
    def burn(self) -> float | None:
        return totals([self.amounts], self.year).cycle_burn

    @property
    def variance(self) -> int | None:
        return None if self.spent is None else self.spent - self.planned

    @property
    def pace(self) -> str:
        return totals([self.amounts], self.year).pace


@dataclass(frozen=True)
class GroupBudget:
    """A track's or an initiative's lines added up (`totals`); `track` is the track's code (its
    own for a track); `lead` an initiative's lead entity."""

    code: str
    name_en: str
    name_ar: str
    track: str
    totals: Totals
    lead: str | None = None


@dataclass(frozen=True)
class BudgetPicture:
    """The budget as of a quarter, as the viewer may see it: the one source of every budget
    figure on the overview, the track page, /budget, the committee report and the API.

    `programme`, each of `tracks` (every track of the cycle) and each of `initiatives` (every
    initiative of the cycle) is a kpis.budget.Totals: allocated (whole cycle), allocated_to_date,
    planned (to date), committed, spent, burn, cycle_burn, variance, pace, lines_due,
    lines_reported. `budget_baisa` is the cycle's budget (OMR 170 million for 2021-2025)."""

    cycle: CycleBudget | None
    as_of: str
    include_unapproved: bool
    programme: Totals
    tracks: list[GroupBudget]
    initiatives: list[GroupBudget]
    lines: list[LineFigure] = field(default_factory=list)

    @property
    def budget_baisa(self) -> int | None:
        return self.cycle.budget_baisa if self.cycle else None

    @property
    def unallocated(self) -> int | None:
        """The cycle's budget not yet allocated to lines (negative: allocated beyond it)."""
        budget = self.budget_baisa
        return None if budget is None else budget - self.programme.allocated

    @property
    def awaiting_approval(self) -> int:
        """Lines whose figure shown is not approved yet (the office's or an entity's view)."""
        return sum(1 for line in self.lines if line.approved is False)

    def track(self, code: str) -> GroupBudget | None:
        return next((t for t in self.tracks if t.code == code), None)

    def initiative(self, code: str) -> GroupBudget | None:
        return next((i for i in self.initiatives if i.code == code), None)

    def lines_of(self, *, track: str | None = None, initiative: str | None = None):
        return [
            line
            for line in self.lines
            if (track is None or line.track == track)
            and (initiative is None or line.initiative == initiative)
        ]


def budget_picture(session: Session, scope: Scope) -> BudgetPicture:
    """The budget as of `scope.as_of` for the viewer of `scope` (services.programme.scope_for has
    checked who may see what): of the cycle that quarter belongs to."""
    as_of = scope.as_of
    quarter = as_of.quarter or 4
    cycle = cycle_code_of(session, as_of)
    if cycle is None:
        empty = totals([], as_of.year)
        return BudgetPicture(None, as_of.code, scope.include_unapproved, empty, [], [])
    reports = line_reports(
        session, cycle, include_unapproved=scope.include_unapproved, own_entity=scope.own_entity
    )
    lines = [
        _figure(row, reports.get(row.code, ()), as_of.year, quarter)
        for row in budget_lines(session, cycle)
    ]
    named = targets(session, cycle)
    by_track: dict[str, list[LineAmounts]] = defaultdict(list)
    by_initiative: dict[str, list[LineAmounts]] = defaultdict(list)
    for line in lines:
        by_track[line.track].append(line.amounts)
        if line.initiative:
            by_initiative[line.initiative].append(line.amounts)
    tracks = [
        GroupBudget(t.code, t.name_en, t.name_ar, t.code, totals(by_track[t.code], as_of.year))
        for t in named["tracks"]
    ]
    initiatives = [
        GroupBudget(
            i.code,
            i.name_en,
            i.name_ar,
            i.track,
            totals(by_initiative[i.code], as_of.year),
            i.lead or None,
        )
        for i in named["initiatives"]
    ]
    return BudgetPicture(
        cycle_budget(session, cycle),
        as_of.code,
        scope.include_unapproved,
        totals((line.amounts for line in lines), as_of.year),
        tracks,
        initiatives,
        lines,
    )


def _figure(row: LineRow, reports, year: int, quarter: int) -> LineFigure:
    shown = shown_report(reports, row.year, year, quarter) if row.reporter else None
    return LineFigure(
        code=row.code,
        track=row.track,
        year=row.year,
        initiative=row.initiative,
        entity=row.entity,
        reporter=row.reporter,
        name_en=row.name_en,
        name_ar=row.name_ar,
        allocated=row.allocated_baisa,
        planned=planned_to_date(row.allocated_baisa, row.year, year, quarter),
        committed=shown.committed if shown else None,
        spent=shown.spent if shown else None,
        reported_for=getattr(shown, "period", None) if shown else None,
        approved=shown.approved if shown else None,
        note=getattr(shown, "note", "") if shown else "",
    )


# the picture as flat rows: one per line, then one per initiative and track, then the programme
BUDGET_CSV_FIELDS = (
    "level",
    "code",
    "track",
    "year",
    "reporter",
    "allocated_baisa",
    "planned_baisa",
    "committed_baisa",
    "spent_baisa",
    "variance_baisa",
    "burn",
    "pace",
    "reported_for",
    "approved",
)


def totals_data(total: Totals) -> dict[str, Any]:
    """A Totals as data (amounts in baisa, ratios as fractions)."""
    return {
        "allocated_baisa": total.allocated,
        "allocated_to_date_baisa": total.allocated_to_date,
        "planned_baisa": total.planned,
        "committed_baisa": total.committed,
        "spent_baisa": total.spent,
        "variance_baisa": total.variance,
        "burn": total.burn,
        "cycle_burn": total.cycle_burn,
        "pace": total.pace,
        "lines": total.lines,
        "lines_due": total.lines_due,
        "lines_reported": total.lines_reported,
    }


def picture_data(picture: BudgetPicture) -> dict[str, Any]:
    """The picture as the API gives it (JSON)."""
    return {
        "period": picture.as_of,
        "figures": "all" if picture.include_unapproved else "approved",
        "cycle": picture.cycle.code if picture.cycle else None,
        "budget_baisa": picture.budget_baisa,
        "unallocated_baisa": picture.unallocated,
        "programme": totals_data(picture.programme),
        "tracks": [{"code": t.code, **totals_data(t.totals)} for t in picture.tracks],
        "initiatives": [
            {"code": i.code, "track": i.track, "lead": i.lead, **totals_data(i.totals)}
            for i in picture.initiatives
        ],
        "lines": [
            {
                "code": line.code,
                "track": line.track,
                "year": line.year,
                "initiative": line.initiative,
                "entity": line.entity,
                "reporter": line.reporter,
                "allocated_baisa": line.allocated,
                "planned_baisa": line.planned,
                "committed_baisa": line.committed,
                "spent_baisa": line.spent,
                "variance_baisa": line.variance,
                "pace": line.pace,
                "reported_for": line.reported_for,
                "approved": line.approved,
            }
            for line in picture.lines
        ],
    }


def picture_rows(picture: BudgetPicture) -> list[dict[str, Any]]:
    """The picture as flat rows (BUDGET_CSV_FIELDS): lines, initiatives, tracks, programme."""
    rows = [
        {
            "level": "line",
            "code": line.code,
            "track": line.track,
            "year": line.year,
            "reporter": line.reporter,
            "allocated_baisa": line.allocated,
            "planned_baisa": line.planned,
            "committed_baisa": line.committed,
            "spent_baisa": line.spent,
            "variance_baisa": line.variance,
            "burn": line.burn,
            "pace": line.pace,
            "reported_for": line.reported_for,
            "approved": line.approved,
        }
        for line in picture.lines
    ]
    groups = [("initiative", g) for g in picture.initiatives] + [
        ("track", g) for g in picture.tracks
    ]
    for level, group in groups:
        rows.append(_total_row(level, group.code, group.track, group.totals))
    rows.append(
        _total_row("programme", picture.cycle.code if picture.cycle else "", "", picture.programme)
    )
    return rows


def _total_row(level: str, code: str, track: str, total: Totals) -> dict[str, Any]:
    return {
        "level": level,
        "code": code,
        "track": track,
        "allocated_baisa": total.allocated,
        "planned_baisa": total.planned,
        "committed_baisa": total.committed,
        "spent_baisa": total.spent,
        "variance_baisa": total.variance,
        "burn": total.burn,
        "pace": total.pace,
    }


# ----- allocations from the office's page and sheets --------------------------------------------


def parse_amount(raw: object) -> int:
    """An amount in OMR as typed (kpis.budget.parse_omr), in baisa; BudgetRefused otherwise."""
    try:
        return parse_omr(raw)
    except AmountProblem as problem:
        raise BudgetRefused(problem.code) from None


def parse_year(raw: object) -> int:
    """A year as typed (`2024`, `٢٠٢٤`, a number cell); BudgetRefused `bad_year` otherwise."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.strip().translate(_DIGITS)
    else:
        text = ""
    if not (len(text) == 4 and text.isascii() and text.isdigit()):
        raise BudgetRefused("bad_year", text=str(raw if raw is not None else "")[:20])
    return int(text)


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def set_allocation(
    session: Session,
    actor: Actor,
    *,
    target: str,
    year: object,
    amount: object,
    entity: str = "",
    reason: str = "",
) -> BudgetLine:
    """Set an allocation from a page's text: `target` a track's or an initiative's code,
    `entity` (an entity's line within a track) optional, `year` and `amount` (OMR, up to three
    decimals) as typed. Refusals: BudgetRefused."""
    require(actor, Action.MANAGE_BUDGET)
    code = (target or "").strip().upper()
    entity = (entity or "").strip().upper() or None
    if not code:
        raise BudgetRefused("no_target")
    the_year = parse_year(year)
    baisa = parse_amount(amount)
    kind = _kind_of(session, code, the_year)
    if kind == "initiative" and entity:
        raise BudgetRefused("entity_with_initiative", code=code)
    return allocate(
        session,
        actor,
        year=the_year,
        baisa=baisa,
        reason=(reason or "").strip()[:500],
        **({"initiative": code} if kind == "initiative" else {"track": code}),
        **({"entity": entity} if entity else {}),
    )


def _kind_of(session: Session, code: str, year: int) -> str:
    """Whether `code` names a track or an initiative of the cycle `year` belongs to."""
    cycle = cycle_of(session, str(year))
    if cycle is None or not cycle.start_year <= year <= cycle.target_year:
        raise BudgetRefused("year_outside_cycle", year=str(year))
    named = targets(session, cycle.code)
    if any(t.code == code for t in named["tracks"]):
        return "track"
    if any(i.code.upper() == code for i in named["initiatives"]):
        return "initiative"
    raise BudgetRefused("unknown_target", code=code)


@dataclass(frozen=True)
class AllocationLine:
    """A line as the office manages it: what it is for and its allocation."""

    code: str
    track: str
    year: int
    initiative: str | None
    entity: str | None
    reporter: str | None
    name_en: str
    name_ar: str
    allocated: int


def allocation_lines(
    session: Session, actor: Actor, cycle: str | None, *, year: int | None = None
) -> list[AllocationLine]:
    """Every line of `cycle` (of `year`, when given), by track, year and code."""
    require(actor, Action.MANAGE_BUDGET)
    return [
        AllocationLine(
            r.code,
            r.track,
            r.year,
            r.initiative,
            r.entity,
            r.reporter,
            r.name_en,
            r.name_ar,
            r.allocated_baisa,
        )
        for r in budget_lines(session, cycle, year=year)
    ]


def allocation_targets(session: Session, actor: Actor, cycle: str) -> dict[str, list[NamedCode]]:
    """What the office may allocate to in `cycle` (data.budget.targets)."""
    require(actor, Action.MANAGE_BUDGET)
    return targets(session, cycle)


# ----- importing a sheet of allocations ---------------------------------------------------------

IMPORT_LIMIT_BYTES = 2_000_000
IMPORT_ROW_LIMIT = 5000
# the columns, by the names people give them (English or Arabic), lower case
COLUMNS = {
    "initiative": ("initiative", "initiative code", "المبادرة", "رمز المبادرة"),
    "track": ("track", "track code", "المسار", "رمز المسار"),
    "entity": ("entity", "entity code", "الجهة", "رمز الجهة"),
    "year": ("year", "السنة"),
    "allocated_omr": (
        "allocated_omr",
        "allocated (omr)",
        "allocated",
        "المخصص",
        "المخصص (ر.ع.)",
        "المخصص (ريال عماني)",
    ),
}
REQUIRED = ("year", "allocated_omr")


@dataclass(frozen=True)
class ImportProblem:
    """A problem of an imported sheet: its row (as the spreadsheet numbers it, the header being
    row 1; 0 for the file as a whole), its column's name, a code and what to say."""

    row: int
    column: str
    code: str
    params: dict[str, str] = field(default_factory=dict)


class ImportRefused(ValueError):
    """An import refused as a whole: nothing was written."""

    status = 400

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass(frozen=True)
class ImportedLine:
    code: str
    before: int | None  # the allocation before (None: a new line)
    after: int


@dataclass(frozen=True)
class ImportResult:
    file: str
    lines: list[ImportedLine]

    @property
    def changed(self) -> int:
        return sum(1 for line in self.lines if line.before != line.after)


def import_allocations(
    session: Session, actor: Actor, data: bytes, filename: str, reason: str = ""
) -> ImportResult:
    """Set the allocations of a sheet (CSV in UTF-8, or xlsx: its first sheet), one line per row
    with the columns initiative or track (+ entity), year and allocated_omr. All or nothing:
    any problem (by row and column) refuses the whole file (ImportRefused) and writes nothing.
    Each line set is audited `budget.allocate`, the import `budget.import`."""
    require(actor, Action.MANAGE_BUDGET)
    name = (filename or "").strip()[:200]
    rows = _sheet_rows(data, name)
    wanted, problems = _read_rows(session, rows)
    if problems:
        raise ImportRefused(problems)
    done = []
    why = reason.strip()[:500] or f"import of {name}"
    for row in wanted:
        before = _existing(session, row)
        line = allocate(session, actor, reason=why, **row)
        done.append(ImportedLine(line.code, before, line.allocated_baisa))
    result = ImportResult(name, done)
    record(
        session,
        "budget.import",
        "budget_import",
        name,
        user=_user(session, actor),
        after={
            "file": name,
            "rows": len(done),
            "changed": result.changed,
            "file_sha256": hashlib.sha256(data).hexdigest(),
        },
        reason=reason.strip()[:500],
    )
    return result


def _existing(session: Session, row: dict[str, Any]) -> int | None:
    cycle = cycle_of(session, str(row["year"]))
    target = row.get("initiative") or (
        f"{row['entity']}-{row['track']}" if row.get("entity") else row["track"]
    )
    return session.scalar(
        select(BudgetLine.allocated_baisa)
        .join(ProgrammeCycle, BudgetLine.cycle_id == ProgrammeCycle.id)
        .where(ProgrammeCycle.code == cycle.code, BudgetLine.code == line_code(target, row["year"]))
    )


def _sheet_rows(data: bytes, name: str) -> list[list[object]]:
    """The sheet's rows as cell values (the header first)."""
    if not data:
        raise ImportRefused([ImportProblem(0, "", "empty_file")])
    if len(data) > IMPORT_LIMIT_BYTES:
        raise ImportRefused([ImportProblem(0, "", "file_too_large", {"limit": "2 MB"})])
    lower = name.lower()
    if lower.endswith(".csv"):
        return _csv_rows(data)
    if lower.endswith(".xlsx"):
        return _xlsx_rows(data)
    raise ImportRefused([ImportProblem(0, "", "file_type", {"file": name})])


def _csv_rows(data: bytes) -> list[list[object]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([ImportProblem(0, "", "not_utf8")]) from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text))]
    except csv.Error:
        raise ImportRefused([ImportProblem(0, "", "not_a_sheet")]) from None


def _xlsx_rows(data: bytes) -> list[list[object]]:
    """The first sheet of an xlsx workbook, read with python-calamine (after the same safety
    checks as the entities' workbooks: no zip bomb, no macros, no encryption)."""
    from python_calamine import CalamineWorkbook

    if not data.startswith(b"PK\x03\x04"):
        raise ImportRefused([ImportProblem(0, "", "not_a_sheet")])
    try:
        _check_zip(data)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        return [list(row) for row in sheet.iter_rows()][: IMPORT_ROW_LIMIT + 2]
    except ImportRefused:
        raise
    except Exception:  # calamine raises its own error types for damaged parts
        raise ImportRefused([ImportProblem(0, "", "not_a_sheet")]) from None


def _check_zip(data: bytes) -> None:
    """Refuse a workbook that unpacks to far more than an allocation sheet could hold."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        if len(infos) > 200 or sum(i.file_size for i in infos) > 50 * IMPORT_LIMIT_BYTES:
            raise ImportRefused([ImportProblem(0, "", "not_a_sheet")])
        if any(i.filename.lower().endswith("vbaproject.bin") for i in infos):
            raise ImportRefused([ImportProblem(0, "", "file_type", {"file": "xlsm"})])
        _check_nothing_hidden(archive)


_HIDDEN_SHEET = re.compile(rb"<(?:\w+:)?sheet\b[^>]*\bstate=\"(?:hidden|veryHidden)\"")
_HIDDEN_CELLS = re.compile(rb"<(?:\w+:)?(?:row|col)\b[^>]*\bhidden=\"(?:1|true)\"")


def _check_nothing_hidden(archive) -> None:
    """What is imported is what the office sees in Excel: a workbook with a hidden sheet, or
    hidden rows or columns, is refused (the quarterly templates' rule, etl.structure)."""
    names = archive.namelist()
    if "xl/workbook.xml" in names and _HIDDEN_SHEET.search(archive.read("xl/workbook.xml")):
        raise ImportRefused([ImportProblem(0, "", "hidden_sheet")])
    sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
    if any(_streamed_search(archive, name, _HIDDEN_CELLS) for name in sheets):
        raise ImportRefused([ImportProblem(0, "", "hidden_cells")])


def _streamed_search(archive, name: str, pattern: re.Pattern[bytes]) -> bool:
    """Whether `pattern` (one tag) occurs in a zip member, read in chunks (tags kept whole
    across chunks by carrying the tail from the last `<`)."""
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(1 << 20):
            text = tail + chunk
            if pattern.search(text):
                return True
            cut = text.rfind(b"<")
            tail = text[cut:] if cut >= 0 and len(text) - cut < 4096 else b""
    return False


def _header(cells: list[object]) -> dict[str, int]:
    names = [str(c or "").strip().lower() for c in cells]
    found = {}
    for column, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found.setdefault(column, index)
    return found


def _read_rows(session: Session, rows: list[list[object]]):
    """The rows' allocations as allocate()'s keywords, or every problem found."""
    blank = [r for r in rows if any(str(c or "").strip() for c in r)]
    if not blank:
        return [], [ImportProblem(0, "", "empty_file")]
    header_at = rows.index(blank[0])
    columns = _header(rows[header_at])
    missing = [c for c in REQUIRED if c not in columns]
    if "initiative" not in columns and "track" not in columns:
        missing.insert(0, "initiative")
    if missing:
        return [], [ImportProblem(header_at + 1, c, "missing_column") for c in missing]
    if len(rows) - header_at - 1 > IMPORT_ROW_LIMIT:
        return [], [ImportProblem(0, "", "too_many_rows", {"limit": str(IMPORT_ROW_LIMIT)})]
    wanted, problems, seen = [], [], {}
    for number, cells in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if not any(str(c or "").strip() for c in cells):
            continue
        row, found = _read_row(session, number, partial(_cell, columns, cells))
        problems += found
        if row is None:
            continue
        key = (row.get("initiative"), row.get("track"), row.get("entity"), row["year"])
        if key in seen:
            problems.append(
                ImportProblem(number, "year", "duplicate_row", {"other": str(seen[key])})
            )
        seen.setdefault(key, number)
        wanted.append(row)
    if not wanted and not problems:
        problems.append(ImportProblem(0, "", "empty_file"))
    return wanted, problems


def _cell(columns: dict[str, int], cells: list[object], column: str) -> object:
    index = columns.get(column)
    return cells[index] if index is not None and index < len(cells) else None


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().upper()


def _read_row(session: Session, number: int, cell) -> tuple[dict | None, list[ImportProblem]]:
    problems = []
    row: dict[str, Any] = {}
    try:
        row["year"] = parse_year(cell("year"))
    except BudgetRefused as refused:
        problems.append(ImportProblem(number, "year", refused.code, _params(refused)))
    try:
        row["baisa"] = parse_amount(cell("allocated_omr"))
    except BudgetRefused as refused:
        problems.append(ImportProblem(number, "allocated_omr", refused.code, _params(refused)))
    initiative, track, entity = (
        _text(cell("initiative")),
        _text(cell("track")),
        _text(cell("entity")),
    )
    if not initiative and not track:
        problems.append(ImportProblem(number, "initiative", "no_target"))
    elif initiative and entity:
        problems.append(
            ImportProblem(number, "entity", "entity_with_initiative", {"code": initiative})
        )
    if problems or "year" not in row:
        return None, problems
    return _resolve(session, number, row, initiative, track, entity)


def _resolve(session, number, row, initiative, track, entity):
    """The row's target checked against the catalogue of the year's cycle."""
    year = row["year"]
    cycle = cycle_of(session, str(year))
    if cycle is None or not cycle.start_year <= year <= cycle.target_year:
        return None, [ImportProblem(number, "year", "year_outside_cycle", {"year": str(year)})]
    named = targets(session, cycle.code)
    if initiative:
        found = next((i for i in named["initiatives"] if i.code.upper() == initiative), None)
        if found is None:
            return None, [
                ImportProblem(number, "initiative", "unknown_initiative", {"code": initiative})
            ]
        if track and track != found.track:
            return None, [
                ImportProblem(
                    number, "track", "track_mismatch", {"code": initiative, "track": found.track}
                )
            ]
        return {**row, "initiative": found.code}, []
    if not any(t.code == track for t in named["tracks"]):
        return None, [ImportProblem(number, "track", "unknown_track", {"code": track})]
    if entity and not any(e.code == entity for e in named["entities"]):
        return None, [ImportProblem(number, "entity", "unknown_entity", {"code": entity})]
    return {**row, "track": track, **({"entity": entity} if entity else {})}, []


def _params(refused: BudgetRefused) -> dict[str, str]:
    return {k: str(v) for k, v in refused.params.items()}
