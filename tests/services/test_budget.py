"""The budget as each role sees it and as the office sets it (services.budget), through the real
allocation, load and review path, on SQLite and PostgreSQL.

The story (as of 2024-Q2): lines of 2024 — MOH-T1 OMR 4,000,000, MOF-T1 OMR 2,000,000, I1.1
(led by MTCIT) OMR 1,000,000.500, T1's reserve OMR 600,000; a 2023 line MOH-T1 OMR 1,000,000 and
a 2025 line I1.1 OMR 3,000,000.
- MOH: 2023-Q4 approved (committed 900,000, spent 800,000); 2024-Q1 approved (committed
  1,500,000, spent 700,000); 2024-Q2 awaiting review (committed 2,500,000, spent 1,900,000).
- MOF: 2024-Q2 awaiting review (committed 900,000, spent 500,000).
- MTCIT: 2024-Q2 returned (spent 999, never shown)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from data.db import Store
from data.models import AuditEvent, BudgetLine, Entity, Period, User
from etl.load import BudgetRow, load_submission
from etl.workflow import approve, return_for_changes
from kpis.budget import BEHIND, NOT_REPORTED
from kpis.periods import parse_period
from services.actors import Actor, Denied, Role
from services.budget import (
    BudgetRefused,
    ImportRefused,
    allocate,
    allocation_lines,
    budget_picture,
    import_allocations,
    picture_rows,
    set_allocation,
)
from services.programme import Scope
from tests.conftest import ROLE_USERS

OMR = 1000
OFFICE = Actor(Role.SUPERVISOR)


def submit(db, entity: str, period: str, budget):
    who = db.scalar(select(Entity).where(Entity.code == entity))
    quarter = db.scalar(select(Period).where(Period.code == period))
    return load_submission(db, who, quarter, [], uploader=None, budget=budget)


def spent(line, period, committed, spent_omr):
    return BudgetRow(line, period, committed * OMR, spent_omr * OMR)


def user_actor(db, role: str) -> Actor:
    return Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS[role][0])))


@pytest.fixture
def store(users_db_url):
    s = Store(users_db_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def story(store):
    with store.transaction() as db:
        allocate(db, OFFICE, year=2024, baisa=4_000_000 * OMR, track="T1", entity="MOH")
        allocate(db, OFFICE, year=2024, baisa=2_000_000 * OMR, track="T1", entity="MOF")
        allocate(db, OFFICE, year=2024, baisa=1_000_000_500, initiative="I1.1")
        allocate(db, OFFICE, year=2024, baisa=600_000 * OMR, track="T1")
        allocate(db, OFFICE, year=2023, baisa=1_000_000 * OMR, track="T1", entity="MOH")
        allocate(db, OFFICE, year=2025, baisa=3_000_000 * OMR, initiative="I1.1")
    with store.transaction() as db:
        approve(
            db,
            submit(db, "MOH", "2023-Q4", [spent("MOH-T1-2023", "2023-Q4", 900_000, 800_000)]),
            None,
        )
        approve(
            db,
            submit(db, "MOH", "2024-Q1", [spent("MOH-T1-2024", "2024-Q1", 1_500_000, 700_000)]),
            None,
        )
        submit(db, "MOH", "2024-Q2", [spent("MOH-T1-2024", "2024-Q2", 2_500_000, 1_900_000)])
        submit(db, "MOF", "2024-Q2", [spent("MOF-T1-2024", "2024-Q2", 900_000, 500_000)])
        returned = submit(db, "MTCIT", "2024-Q2", [spent("I1.1-2024", "2024-Q2", 999, 999)])
        return_for_changes(db, returned, None, "check the amounts")
    return store


def picture(store, unapproved=False, own=None, as_of="2024-Q2"):
    with store.session() as db:
        return budget_picture(db, Scope(parse_period(as_of), unapproved, own))


def test_the_committee_sees_approved_figures_only(story):
    seen = picture(story)
    lines = {line.code: line for line in seen.lines}
    moh = lines["MOH-T1-2024"]
    assert (moh.committed, moh.spent, moh.reported_for) == (
        1_500_000 * OMR,
        700_000 * OMR,
        "2024-Q1",
    )
    assert moh.approved is True
    assert lines["MOF-T1-2024"].spent is None  # awaiting review: not for the committee
    assert lines["I1.1-2024"].spent is None  # returned: never shown
    assert lines["T1-2024"].reporter is None and lines["T1-2024"].spent is None
    assert lines["MOH-T1-2023"].spent == 800_000 * OMR  # a past year: its last report
    assert lines["I1.1-2025"].planned == 0
    assert seen.awaiting_approval == 0
    track = seen.track("T1").totals
    assert track.allocated == 11_600_000 * OMR + 500
    assert track.allocated_to_date == 8_600_000 * OMR + 500
    # plan to date: 2023 in full, half of 2024 (two quarters of four)
    assert track.planned == 1_000_000 * OMR + (7_600_000 * OMR + 500) // 2
    assert (track.spent, track.committed) == (1_500_000 * OMR, 2_400_000 * OMR)
    # variance over the lines that reported: MOH 2023 (planned all) and MOH 2024 (half)
    assert track.variance == 1_500_000 * OMR - (1_000_000 * OMR + 2_000_000 * OMR)
    assert track.pace == BEHIND
    assert (track.lines_due, track.lines_reported) == (4, 2)  # the reserve and 2025 not due
    assert seen.programme == track  # one track has lines
    assert seen.budget_baisa == 170_000_000 * OMR
    assert seen.unallocated == seen.budget_baisa - track.allocated
    initiative = seen.initiative("I1.1").totals
    assert initiative.allocated == 4_000_000 * OMR + 500 and initiative.pace == NOT_REPORTED


def test_the_office_asks_for_figures_awaiting_approval(story):
    lines = {line.code: line for line in picture(story, unapproved=True).lines}
    assert lines["MOH-T1-2024"].spent == 1_900_000 * OMR
    assert lines["MOH-T1-2024"].approved is False
    assert lines["MOF-T1-2024"].spent == 500_000 * OMR
    assert lines["I1.1-2024"].spent is None  # returned stays out
    assert {line.code: line.spent for line in picture(story).lines}["MOF-T1-2024"] is None


def test_an_entity_sees_its_own_lines_in_every_status_and_others_approved(story):
    seen = picture(story, own="MOH")
    lines = {line.code: line for line in seen.lines}
    assert lines["MOH-T1-2024"].spent == 1_900_000 * OMR  # its own, awaiting review
    assert lines["MOF-T1-2024"].spent is None  # another entity's, not approved
    assert seen.awaiting_approval == 1


def test_an_earlier_quarter_shows_what_was_reported_by_then(story):
    lines = {line.code: line for line in picture(story, as_of="2023-Q4").lines}
    assert lines["MOH-T1-2023"].spent == 800_000 * OMR
    assert lines["MOH-T1-2024"].spent is None and lines["MOH-T1-2024"].planned == 0


def test_the_rows_add_up_to_the_picture(story):
    seen = picture(story)
    rows = picture_rows(seen)
    programme = next(r for r in rows if r["level"] == "programme")
    assert programme["spent_baisa"] == seen.programme.spent
    lines = [r for r in rows if r["level"] == "line"]
    assert sum(r["allocated_baisa"] for r in lines) == programme["allocated_baisa"]


def test_only_the_office_sets_allocations(story):
    with story.transaction() as db:
        for role in ("committee", "entity"):
            with pytest.raises(Denied):
                set_allocation(db, user_actor(db, role), target="T1", year="2024", amount="5")
            with pytest.raises(Denied):
                allocate(db, user_actor(db, role), year=2024, baisa=5, track="T1")
            with pytest.raises(Denied):
                import_allocations(
                    db, user_actor(db, role), b"track,year,allocated_omr\nT1,2024,5", "a.csv"
                )
            with pytest.raises(Denied):
                allocation_lines(db, user_actor(db, role), "2021-2025")


def test_the_office_sets_an_allocation_as_typed_and_it_is_audited(story):
    with story.transaction() as db:
        office = user_actor(db, "supervisor")
        line = set_allocation(
            db,
            office,
            target="t1",
            entity="moh",
            year="٢٠٢٤",
            amount="٤٬٥٠٠٬٠٠٠٫٢٥٠",
            reason="mid-year review",
        )
        assert (line.code, line.allocated_baisa) == ("MOH-T1-2024", 4_500_000_250)
    with story.session() as db:
        event = db.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "budget.allocate")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert event.object_id == "MOH-T1-2024"
        assert event.before == {"allocated_baisa": 4_000_000 * OMR}
        assert event.after["allocated_baisa"] == 4_500_000_250
        assert event.reason == "mid-year review"


@pytest.mark.parametrize(
    ("target", "year", "amount", "entity", "code"),
    [
        ("T1", "2024", "1.0001", "", "too_many_decimals"),
        ("T1", "2024", "-5", "", "negative"),
        ("T1", "2024", "99,999,999,999", "", "too_large"),
        ("T1", "2024", "five", "", "not_an_amount"),
        ("T1", "2024", "", "", "no_amount"),
        ("T9", "2024", "5", "", "unknown_target"),
        ("T1", "2019", "5", "", "year_outside_cycle"),
        ("T1", "2031", "5", "", "year_outside_cycle"),
        ("T1", "24", "5", "", "bad_year"),
        ("", "2024", "5", "", "no_target"),
        ("T1", "2024", "5", "NOPE", "unknown_entity"),
        ("I1.1", "2024", "5", "MOH", "entity_with_initiative"),
    ],
)
def test_allocations_refused_as_typed(story, target, year, amount, entity, code):
    with story.transaction() as db:
        office = user_actor(db, "supervisor")
        with pytest.raises(BudgetRefused) as refused:
            set_allocation(db, office, target=target, year=year, amount=amount, entity=entity)
        assert refused.value.code == code


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_sheet_sets_every_line_in_one_go(story):
    data = _xlsx(
        [
            ["Initiative", "Track", "Entity", "Year", "Allocated (OMR)"],
            ["I1.2", None, None, 2024, 1234.567],
            [None, "T2", "MOH", "2025", "2,000,000"],
            ["I1.1", "T1", None, 2024, "١٠٠٠٠٠٠"],
        ]
    )
    with story.transaction() as db:
        result = import_allocations(db, user_actor(db, "supervisor"), data, "allocations.xlsx")
    assert [(line.code, line.before, line.after) for line in result.lines] == [
        ("I1.2-2024", None, 1_234_567),
        ("MOH-T2-2025", None, 2_000_000 * OMR),
        ("I1.1-2024", 1_000_000_500, 1_000_000 * OMR),
    ]
    with story.session() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "budget.import")).all()
        assert [e.after["rows"] for e in events] == [3]
        assert events[0].after["file"] == "allocations.xlsx"


def test_a_sheet_with_any_problem_sets_nothing_and_says_where(story):
    csv = (
        b"track,entity,year,allocated_omr\n"
        b'T1,MOH,2024,"1,000.5"\n'
        b"T1,,2024,1.0005\n"
        b"T7,,2024,5\n"
        b"T1,,2030,5\n"
        b"T1,MOH,2024,7\n"
        b",,2024,5\n"
        b"T2,ZZZ,2024,-3\n"
    )
    with story.transaction() as db:
        before = {line.code: line.allocated_baisa for line in db.scalars(select(BudgetLine))}
        with pytest.raises(ImportRefused) as refused:
            import_allocations(db, user_actor(db, "supervisor"), csv, "a.csv")
    found = [(p.row, p.column, p.code) for p in refused.value.problems]
    assert found == [
        (3, "allocated_omr", "too_many_decimals"),
        (4, "track", "unknown_track"),
        (5, "year", "year_outside_cycle"),
        (6, "year", "duplicate_row"),
        (7, "initiative", "no_target"),
        (8, "allocated_omr", "negative"),
    ]
    with story.session() as db:
        after = {line.code: line.allocated_baisa for line in db.scalars(select(BudgetLine))}
        assert after == before
        assert not db.scalars(select(AuditEvent).where(AuditEvent.action == "budget.import")).all()


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (b"", "a.csv", "empty_file"),
        (b"\xff\xfe\x00", "a.csv", "not_utf8"),
        (b"year,allocated_omr\n2024,5\n", "a.csv", "missing_column"),
        (b"PK\x03\x04garbage", "a.xlsx", "not_a_sheet"),
        (b"hello", "a.xlsx", "not_a_sheet"),
        (b"track,year,allocated_omr\n", "a.pdf", "file_type"),
        (b"track,year,allocated_omr\n", "a.csv", "empty_file"),
    ],
)
def test_files_that_are_not_allocation_sheets_are_refused(story, data, name, code):
    with story.transaction() as db, pytest.raises(ImportRefused) as refused:
        import_allocations(db, user_actor(db, "supervisor"), data, name)
    assert refused.value.problems[0].code == code


def test_the_audit_trail_says_what_changed_in_both_languages():
    from types import SimpleNamespace

    from babel.messages.pofile import read_po

    from services.audit_text import sentence

    with open("web/translations/ar/LC_MESSAGES/messages.po", "rb") as po:
        catalogue = read_po(po, locale="ar")

    def arabic(message):
        found = catalogue.get(message)
        return found.string if found and found.string else message

    changed = SimpleNamespace(
        action="budget.allocate",
        actor="office@test.om",
        object_type="budget_line",
        object_id="MOH-T1-2024",
        before={"allocated_baisa": 4_000_000_000},
        after={"allocated_baisa": 4_500_000_250, "year": 2024, "cycle": "2021-2025"},
        reason="mid-year review",
    )
    assert sentence(changed, lambda m: m) == (
        "Allocation of line MOH-T1-2024 changed from OMR 4,000,000.000 to OMR 4,500,000.250 by "
        "office@test.om. Reason: mid-year review"
    )
    assert "4,500,000.250 ر.ع." in sentence(changed, arabic)
    imported = SimpleNamespace(
        action="budget.import",
        actor="office@test.om",
        object_type="budget_import",
        object_id="a.xlsx",
        after={"file": "a.xlsx", "rows": 3, "changed": 2},
    )
    assert sentence(imported, lambda m: m) == (
        "Allocations imported from a.xlsx by office@test.om (lines: 3, changed: 2)"
    )
    assert "a.xlsx" in sentence(imported, arabic) and "استورد" in sentence(imported, arabic)


def _hidden_xlsx(hide: str) -> bytes:
    """A sheet whose visible cells say OMR 888 where something hidden says 777."""
    book = Workbook()
    shown = book.active
    shown.append(["initiative", "year", "allocated_omr"])
    if hide == "sheet":
        secret = book.create_sheet("Hidden", 0)
        secret.append(["initiative", "year", "allocated_omr"])
        secret.append(["I1.1", 2024, 777])
        secret.sheet_state = "hidden"
        shown.append(["I1.1", 2024, 888])
    else:
        shown.append(["I1.1", 2024, 777])
        shown.append(["I1.2", 2024, 888])
        if hide == "row":
            shown.row_dimensions[2].hidden = True
        else:
            shown.column_dimensions["D"].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("hide", "code"),
    [("sheet", "hidden_sheet"), ("row", "hidden_cells"), ("column", "hidden_cells")],
)
def test_what_is_imported_is_what_the_office_sees(story, hide, code):
    with story.transaction() as db:
        before = {line.code: line.allocated_baisa for line in db.scalars(select(BudgetLine))}
        with pytest.raises(ImportRefused) as refused:
            import_allocations(db, user_actor(db, "supervisor"), _hidden_xlsx(hide), "a.xlsx")
    assert [p.code for p in refused.value.problems] == [code]
    with story.session() as db:
        assert {
            line.code: line.allocated_baisa for line in db.scalars(select(BudgetLine))
        } == before
