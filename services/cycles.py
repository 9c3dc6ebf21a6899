"""The next programme cycle (docs/cycles.md): its KPI catalogue read from the reference CSV
format, checked row by row, shown before anything is written, then imported in one transaction
with its tracks, periods and assignments; KPIs that continue one of the cycle before are linked
to it. Only an admin may do it (`Action.MANAGE_CATALOGUE`)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data.audit import record
from data.cache import ResultCache
from data.catalogue import LoadReport, _load_periods, catalogue_columns, number_or_none
from data.cycles import cycles
from data.db import Store
from data.models import (
    AGGREGATIONS,
    COMPARATORS,
    DIRECTIONS,
    FREQUENCIES,
    SCOPES,
    UNITS,
    Entity,
    EntityKpi,
    Kpi,
    KpiDefinition,
    ProgrammeCycle,
    Track,
    User,
)
from kpis.analysis import Picture
from kpis.periods import PeriodCode
from kpis.spec import KpiSpec
from services.actors import Action, Actor, Role, require
from services.programme import Scope, programme

CONTINUES = "continues"  # optional column: the code of the KPI of the cycle before it continues
MAX_BYTES = 1_000_000
CYCLE_CODE = re.compile(r"([12][0-9]{3})-([12][0-9]{3})")
KPI_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,19}")
CHOICES = {
    "unit": UNITS,
    "direction": DIRECTIONS,
    "scope": SCOPES,
    "aggregation": AGGREGATIONS,
    "frequency": FREQUENCIES,
}
REQUIRED = ("code", "track", "name_en", "name_ar", *CHOICES)


def N_(message: str) -> str:
    return message


MESSAGES = {
    "bad_cycle_code": N_(
        "The cycle's code must be two years, the second after the first, as in 2026-2030; "
        "you wrote '%(value)s'."
    ),
    "no_cycle": N_(
        "The tracker has no cycle yet to follow: load the reference catalogue first "
        "(python -m data init)."
    ),
    "exists": N_(
        "The cycle %(value)s is already in the tracker and is not imported twice. Change its "
        "baselines and targets by restating them."
    ),
    "overlaps": N_(
        "The cycle %(value)s must start after the cycle %(other)s, which ends in %(end)s."
    ),
    "not_next": N_(
        "The cycle %(value)s must start in %(start)s, the year after the cycle %(other)s ends, "
        "and last at most %(most)s years: cycles follow one another. Check the code."
    ),
    "too_large": N_(
        "The file is larger than 1 MB: it is not a KPI catalogue. Upload the catalogue as CSV."
    ),
    "not_text": N_(
        'The file is not a CSV file in UTF-8. In Excel, save it as "CSV UTF-8" and upload it again.'
    ),
    "no_rows": N_("The file has no KPI rows under its header."),
    "missing_column": N_(
        "The column %(column)s is missing. The header must be: %(columns)s (and, optionally, "
        "continues)."
    ),
    "unknown_column": N_(
        "The column %(column)s is not part of the catalogue of %(value)s. The header must be: "
        "%(columns)s (and, optionally, continues)."
    ),
    "empty": N_("This cell is empty; it needs a value."),
    "bad_kpi_code": N_(
        "'%(value)s' is not a KPI code: use capital letters, digits, dots or hyphens, as in T1.5."
    ),
    "duplicate": N_("The KPI code %(value)s is already in row %(first)s; each code appears once."),
    "choice": N_("'%(value)s' is not allowed here; write one of: %(allowed)s."),
    "unknown_track": N_("There is no track %(value)s; the tracks are: %(allowed)s."),
    "not_number": N_("'%(value)s' is not a number; write a number such as 80, or leave it empty."),
    "unknown_entity": N_("There is no entity %(value)s; write the code of an entity, as in MTCIT."),
    "owner_needed": N_("A national KPI needs the code of the entity that reports it."),
    "unknown_earlier": N_("The cycle %(other)s has no KPI %(value)s to continue."),
    "continued_twice": N_(
        "The KPI %(value)s of the cycle %(other)s is already continued in row %(first)s."
    ),
}
WHERE = N_("Row %(row)s, column %(column)s: %(message)s")
WHERE_ROW = N_("Row %(row)s: %(message)s")


@dataclass(frozen=True)
class Problem:
    """What is wrong with a catalogue file, where: `row` is the file's line (the header is 1),
    `column` the header's name; both None for the file as a whole."""

    code: str
    row: int | None = None
    column: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] = str, code: Callable[[str], str] = str) -> str:
        """The problem in the reader's language; `code` isolates what the file says (values,
        column names) so that Arabic text around it does not reorder it."""
        params = {k: code(str(v)) for k, v in self.params.items()}
        message = gettext(MESSAGES[self.code]) % params
        if self.row is None:
            return message
        if self.column is None:
            return gettext(WHERE_ROW) % {"row": self.row, "message": message}
        where = {"row": self.row, "column": code(self.column), "message": message}
        return gettext(WHERE) % where


@dataclass(frozen=True)
class PlannedKpi:
    row: int
    code: str
    track: str
    name_en: str
    name_ar: str
    values: dict[str, str]
    continues: str | None  # the earlier cycle's KPI code


@dataclass
class Preview:
    """What an import would create, or why it cannot: nothing is written to make it."""

    code: str
    name_en: str = ""
    name_ar: str = ""
    baseline_year: int = 0
    start_year: int = 0
    target_year: int = 0
    earlier: str | None = None  # the cycle before, whose KPIs may be continued
    tracks: list[str] = field(default_factory=list)
    kpis: list[PlannedKpi] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def continued(self) -> list[PlannedKpi]:
        return [k for k in self.kpis if k.continues]

    @property
    def new(self) -> list[PlannedKpi]:
        return [k for k in self.kpis if not k.continues]

    @property
    def columns(self) -> tuple[str, ...]:
        return catalogue_columns(
            SimpleNamespace(baseline_year=self.baseline_year, target_year=self.target_year)
        )

    @property
    def periods(self) -> int:
        """Quarters and years of the cycle."""
        return 5 * (self.target_year - self.start_year + 1)


class CycleRefused(ValueError):
    """The catalogue cannot be imported; `preview.problems` says where and why."""

    def __init__(self, preview: Preview):
        super().__init__("; ".join(p.render() for p in preview.problems))
        self.preview = preview


@dataclass(frozen=True)
class CycleSummary:
    code: str
    name_en: str
    name_ar: str
    baseline_year: int
    start_year: int
    target_year: int
    kpis: int
    continued: int


def cycle_list(session: Session, actor: Actor) -> list[CycleSummary]:
    """Every cycle, the latest first, with how many KPIs it has and how many continue."""
    require(actor, Action.MANAGE_CATALOGUE)
    counts = select(Kpi.cycle_id, func.count(Kpi.id), func.count(Kpi.continues_id)).group_by(
        Kpi.cycle_id
    )
    counted = {cycle_id: (n, c) for cycle_id, n, c in session.execute(counts)}
    rows = session.scalars(select(ProgrammeCycle).order_by(ProgrammeCycle.start_year.desc()))
    return [
        CycleSummary(
            r.code,
            r.name_en,
            r.name_ar,
            r.baseline_year,
            r.start_year,
            r.target_year,
            *counted.get(r.id, (0, 0)),
        )
        for r in rows
    ]


def preview_cycle(session: Session, actor: Actor, code: str, content: bytes) -> Preview:
    """Read and check the catalogue of cycle `code`; writes nothing."""
    require(actor, Action.MANAGE_CATALOGUE)
    preview = Preview(code=(code or "").strip(), sha256=hashlib.sha256(content).hexdigest())
    previous = _check_cycle(session, preview)
    if preview.problems:
        return preview
    rows = _read_rows(content, preview)
    if rows is not None:
        _check_rows(session, preview, previous, rows)
    return preview


def import_cycle(
    session: Session, actor: Actor, code: str, content: bytes, *, dry_run: bool = False
) -> Preview:
    """Create cycle `code` from its catalogue: the cycle, its tracks (those of the cycle before),
    KPIs with their baseline and target as version 1 of their definition, continuing KPIs linked
    to their predecessors, assignments to every active entity, its quarters and years; one audit
    event `cycle.import`. `CycleRefused` (nothing written) when anything is wrong."""
    preview = preview_cycle(session, actor, code, content)
    if not preview.ok:
        raise CycleRefused(preview)
    if not dry_run:
        _write(session, actor, preview)
    return preview


MAX_YEARS = 10  # the longest cycle accepted (the programme's run five years)


def _check_cycle(session: Session, preview: Preview) -> ProgrammeCycle | None:
    """The cycle's years from its code, and the cycle before it (the latest in the store)."""
    match = CYCLE_CODE.fullmatch(preview.code)
    if match is None or int(match[2]) <= int(match[1]):
        preview.problems.append(Problem("bad_cycle_code", params={"value": preview.code[:20]}))
        return None
    preview.start_year, preview.target_year = int(match[1]), int(match[2])
    preview.baseline_year = preview.start_year - 1
    if session.scalar(select(ProgrammeCycle.id).where(ProgrammeCycle.code == preview.code)):
        preview.problems.append(Problem("exists", params={"value": preview.code}))
        return None
    previous = session.scalars(
        select(ProgrammeCycle).order_by(ProgrammeCycle.start_year.desc()).limit(1)
    ).first()
    if previous is None:
        preview.problems.append(Problem("no_cycle"))
        return None
    if preview.start_year <= previous.target_year:
        preview.problems.append(
            Problem(
                "overlaps",
                params={"value": preview.code, "other": previous.code, "end": previous.target_year},
            )
        )
        return None
    # a gap or an endless cycle is a typo (2062-2066 for 2026-2030), and a cycle once imported
    # stays: it would block the real next cycle for good
    next_start = previous.target_year + 1
    if preview.start_year != next_start or preview.target_year - preview.start_year + 1 > MAX_YEARS:
        params = {"value": preview.code, "start": next_start, "other": previous.code}
        preview.problems.append(Problem("not_next", params={**params, "most": MAX_YEARS}))
        return None
    preview.earlier = previous.code
    preview.name_en = _named(previous.name_en, previous.code, preview.code)
    preview.name_ar = _named(previous.name_ar, previous.code, preview.code)
    preview.tracks = list(
        session.scalars(
            select(Track.code).where(Track.cycle_id == previous.id).order_by(Track.position)
        )
    )
    return previous


def _named(name: str, old: str, new: str) -> str:
    """The next cycle's name: the one before's with its code replaced (2021-2025 -> 2026-2030)."""
    return name.replace(old, new) if old in name else f"{name} {new}"


def _read_rows(content: bytes, preview: Preview) -> list[dict[str, str]] | None:
    if len(content) > MAX_BYTES:
        preview.problems.append(Problem("too_large"))
        return None
    try:
        text = content.decode("utf-8-sig")  # Excel's "CSV UTF-8" begins with a byte-order mark
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [name.strip() for name in (reader.fieldnames or [])]
        rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    except (UnicodeDecodeError, csv.Error):
        preview.problems.append(Problem("not_text"))
        return None
    wanted = preview.columns
    listed = ", ".join(wanted)
    for name in wanted:
        if name not in header:
            preview.problems.append(
                Problem("missing_column", 1, name, {"column": name, "columns": listed})
            )
    for name in header:
        if name not in wanted and name != CONTINUES:
            params = {"column": name or '""', "value": preview.code, "columns": listed}
            preview.problems.append(Problem("unknown_column", 1, name or '""', params))
    if preview.problems:
        return None
    rows = [row for row in rows if any(row.get(name) for name in wanted)]
    if not rows:
        preview.problems.append(Problem("no_rows"))
        return None
    return rows


def _check_rows(session, preview: Preview, previous, rows: list[dict[str, str]]) -> None:
    entities = set(session.scalars(select(Entity.code)))
    earlier = set(session.scalars(select(Kpi.code).where(Kpi.cycle_id == previous.id)))
    first_seen: dict[str, int] = {}
    continued: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        before = len(preview.problems)
        _check_row(preview, number, row, entities)
        code, earlier_code = row["code"].upper(), row.get(CONTINUES, "").upper()
        if code in first_seen:
            preview.problems.append(
                Problem("duplicate", number, "code", {"value": code, "first": first_seen[code]})
            )
        first_seen.setdefault(code, number)
        if earlier_code:
            _check_continues(preview, number, earlier_code, earlier, continued)
        if len(preview.problems) == before:
            preview.kpis.append(_planned(number, row, earlier_code or None))


def _check_row(preview: Preview, number: int, row: dict[str, str], entities: set[str]) -> None:
    def problem(code: str, column: str, **params) -> None:
        preview.problems.append(Problem(code, number, column, params))

    for column in REQUIRED:
        if not row.get(column):
            problem("empty", column)
    code = row["code"].upper()
    if code and not KPI_CODE.fullmatch(code):
        problem("bad_kpi_code", "code", value=row["code"][:40])
    if row["track"] and row["track"].upper() not in preview.tracks:
        tracks = ", ".join(preview.tracks)
        problem("unknown_track", "track", value=row["track"][:40], allowed=tracks)
    for column, allowed in CHOICES.items():
        if row[column] and row[column].lower() not in allowed:
            problem("choice", column, value=row[column][:40], allowed=", ".join(allowed))
    comparator = row["target_comparator"]
    if comparator and comparator not in COMPARATORS:
        allowed = ", ".join(COMPARATORS)
        problem("choice", "target_comparator", value=comparator[:40], allowed=allowed)
    for column in preview.columns[6:8]:  # baseline_YYYY, target_YYYY
        try:
            number_or_none(row[column].replace(",", ""))
        except ValueError:
            problem("not_number", column, value=row[column][:40])
    owner = row["owner"].upper()
    if owner and owner not in entities:
        problem("unknown_entity", "owner", value=row["owner"][:40])
    if row["scope"].lower() == "national" and not owner:
        problem("owner_needed", "owner")


def _check_continues(preview, number, earlier_code, earlier, continued) -> None:
    if earlier_code not in earlier:
        params = {"value": earlier_code[:40], "other": preview.earlier}
        preview.problems.append(Problem("unknown_earlier", number, CONTINUES, params))
    elif earlier_code in continued:
        params = {"value": earlier_code, "other": preview.earlier, "first": continued[earlier_code]}
        preview.problems.append(Problem("continued_twice", number, CONTINUES, params))
    continued.setdefault(earlier_code, number)


def _planned(number: int, row: dict[str, str], continues: str | None) -> PlannedKpi:
    return PlannedKpi(
        number,
        row["code"].upper(),
        row["track"].upper(),
        row["name_en"],
        row["name_ar"],
        row,
        continues,
    )


def _write(session: Session, actor: Actor, preview: Preview) -> None:
    previous = session.scalar(select(ProgrammeCycle).where(ProgrammeCycle.code == preview.earlier))
    cycle = ProgrammeCycle(
        code=preview.code,
        name_en=preview.name_en,
        name_ar=preview.name_ar,
        baseline_year=preview.baseline_year,
        start_year=preview.start_year,
        target_year=preview.target_year,
    )
    session.add(cycle)
    session.flush()
    tracks = _copy_tracks(session, previous, cycle)
    kpis = _add_kpis(session, actor, preview, previous, cycle, tracks)
    assigned = _assign(session, kpis)
    report = LoadReport()
    _load_periods(session, report, cycle)
    user = session.get(User, actor.user_id) if actor.user_id else None
    counts = {
        "kpis": len(kpis),
        "continued": len(preview.continued),
        "new": len(preview.new),
        "tracks": len(tracks),
        "assignments": assigned,
        "periods": report.added.get("periods", 0),
    }
    record(
        session,
        "cycle.import",
        "cycle",
        cycle.code,
        user=user,
        actor=None if user else "command line",
        after={**counts, "file_sha256": preview.sha256},
    )


def _copy_tracks(session: Session, previous: ProgrammeCycle, cycle: ProgrammeCycle):
    tracks = {}
    earlier = session.scalars(
        select(Track).where(Track.cycle_id == previous.id).order_by(Track.position)
    )
    for track in earlier:
        tracks[track.code] = Track(
            cycle_id=cycle.id,
            code=track.code,
            name_en=track.name_en,
            name_ar=track.name_ar,
            focus_en=track.focus_en,
            focus_ar=track.focus_ar,
            position=track.position,
        )
        session.add(tracks[track.code])
    session.flush()
    return tracks


def _add_kpis(session, actor, preview: Preview, previous, cycle, tracks) -> list[Kpi]:
    entities = dict(session.execute(select(Entity.code, Entity.id)).all())
    earlier = dict(
        session.execute(select(Kpi.code, Kpi.id).where(Kpi.cycle_id == previous.id)).all()
    )
    baseline_column, target_column = preview.columns[6:8]
    kpis = []
    for position, planned in enumerate(preview.kpis):
        row = planned.values
        kpi = Kpi(
            cycle_id=cycle.id,
            track_id=tracks[planned.track].id,
            code=planned.code,
            name_en=planned.name_en,
            name_ar=planned.name_ar,
            unit=row["unit"].lower(),
            direction=row["direction"].lower(),
            scope=row["scope"].lower(),
            aggregation=row["aggregation"].lower(),
            frequency=row["frequency"].lower(),
            owner_entity_id=entities.get(row["owner"].upper()),
            note=row.get("note", ""),
            position=position,
            continues_id=earlier.get(planned.continues) if planned.continues else None,
        )
        session.add(kpi)
        session.flush()
        baseline = number_or_none(row[baseline_column].replace(",", ""))
        target = number_or_none(row[target_column].replace(",", ""))
        session.add(
            KpiDefinition(
                kpi_id=kpi.id,
                version=1,
                baseline_value=baseline,
                baseline_year=preview.baseline_year if baseline is not None else None,
                target_value=target,
                target_year=preview.target_year if target is not None else None,
                target_comparator=row["target_comparator"] or ">=",
                set_by_id=actor.user_id,
                reason=f"catalogue of cycle {preview.code}",
            )
        )
        kpis.append(kpi)
    return kpis


def _assign(session: Session, kpis: list[Kpi]) -> int:
    """Entity-scoped KPIs to every active entity, as the reference catalogue does."""
    entity_ids = list(session.scalars(select(Entity.id).where(Entity.active)))
    made = 0
    for kpi in kpis:
        if kpi.scope != "entity":
            continue
        for entity_id in entity_ids:
            session.add(EntityKpi(entity_id=entity_id, kpi_id=kpi.id))
            made += 1
    session.flush()
    return made


COMMAND_LINE = Actor(Role.ADMIN)  # the operator at the server's command line


def import_cycle_command(session: Session, code: str, path: str, dry_run: bool) -> int:
    """`python -m data import-cycle`: a line per KPI to create or continue, then the problems by
    row and column; exit status 0 when imported (or importable, with `--dry-run`), 1 when the
    catalogue is refused, 2 when the file cannot be read."""
    try:
        with open(path, "rb") as handle:
            content = handle.read(MAX_BYTES + 1)
    except OSError as error:
        print(f"error: {path}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        preview = import_cycle(session, COMMAND_LINE, code, content, dry_run=dry_run)
    except CycleRefused as refused:
        for problem in refused.preview.problems:
            print(f"{path}: {problem.render()}", file=sys.stderr)
        count = len(refused.preview.problems)
        print(f"refused: nothing imported ({count} problems)", file=sys.stderr)
        return 1
    for kpi in preview.kpis:
        what = f"continues {preview.earlier} {kpi.continues}" if kpi.continues else "new"
        print(f"{kpi.code}\t{kpi.track}\t{what}\t{kpi.name_en}")
    verb = "would create" if dry_run else "created"
    print(
        f"{verb} cycle {preview.code} ({preview.start_year}-{preview.target_year}, baseline "
        f"{preview.baseline_year}): {len(preview.kpis)} KPIs, {len(preview.continued)} continuing "
        f"from {preview.earlier}, {len(preview.new)} new; {len(preview.tracks)} tracks, "
        f"{preview.periods} periods" + ("; nothing written (dry run)" if dry_run else "")
    )
    return 0


@dataclass(frozen=True)
class Earlier:
    """A continuing KPI's predecessor: its cycle, and its national picture at that cycle's end."""

    cycle: str
    code: str
    as_of: str
    picture: Picture


def earlier_picture(
    store: Store, cache: ResultCache, scope: Scope, spec: KpiSpec
) -> Earlier | None:
    """The national picture of the KPI `spec` continues, as of the last quarter of the cycle
    before, drawn with the same access as `scope` (the same figures the reader may see)."""
    if not spec.continues:
        return None
    with store.session() as db:
        known = cycles(db)
    codes = [c.code for c in known]
    if spec.cycle not in codes or codes.index(spec.cycle) == 0:
        return None
    before = known[codes.index(spec.cycle) - 1]
    as_of = PeriodCode(before.target_year, 4)
    earlier = programme(store, cache, replace(scope, as_of=as_of))
    picture = earlier.national.get(spec.continues)
    return Earlier(before.code, spec.continues, as_of.code, picture) if picture else None
