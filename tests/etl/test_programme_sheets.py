"""The template's Initiatives and Budget sheets (issue 16): generated for the entity that leads
initiatives or reports budget lines, filled as a hurried clerk fills them, refused by cell in
both languages when wrong, and loaded with the KPI figures in one transaction when right."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data.models import BudgetReport, InitiativeReport, Observation, Submission, User
from etl.contract import TEMPLATE_VERSION
from etl.messages import Problem
from etl.workflow import approve
from services.actors import Actor
from services.budget import allocate
from tests.conftest import ROLE_USERS
from tests.etl.conftest import PERIOD
from tests.etl.test_values import arabic_gettext

LEAD = "MTCIT"  # leads every initiative of the reference catalogue
LINES = {"I1.1-2025": 2_000_000_000, "MTCIT-T2-2025": 500_000_000, "MOH-T1-2025": 300_000_000}


@pytest.fixture
def budget_desk(desk):
    """The desk with three budget lines of 2025: two MTCIT reports, one MOH's."""
    with desk.store.transaction() as db:
        office = Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0])))
        allocate(db, office, year=2025, baisa=LINES["I1.1-2025"], initiative="I1.1")
        allocate(db, office, year=2025, baisa=LINES["MTCIT-T2-2025"], track="T2", entity=LEAD)
        allocate(db, office, year=2025, baisa=LINES["MOH-T1-2025"], track="T1", entity="MOH")
    return desk


def sheet_fill(data: bytes, sheets: dict[str, dict[str, dict[str, object]]], edit=None) -> bytes:
    """Write `sheets` ({sheet: {code: {English label: value}}}) by the row of each code (the
    first column), then `edit(workbook)`."""
    workbook = load_workbook(io.BytesIO(data))
    for name, rows in sheets.items():
        sheet = workbook[name]
        header = {str(c.value).split("\n")[0]: c.column for c in sheet[1] if c.value}
        for row in sheet.iter_rows(min_row=2):
            for label, value in rows.get(row[0].value, {}).items():
                sheet.cell(row=row[0].row, column=header[label], value=value)
    if edit:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_in(data: bytes, sheet: str, code: str) -> int:
    rows = load_workbook(io.BytesIO(data))[sheet].iter_rows(min_row=2)
    return next(r[0].row for r in rows if r[0].value == code)


def column_in(data: bytes, sheet: str, label: str) -> str:
    header = load_workbook(io.BytesIO(data))[sheet][1]
    return next(c.column_letter for c in header if str(c.value).split("\n")[0] == label)


def ingest(desk, data: bytes):
    return desk.ingest(data, "supervisor", "mtcit.xlsx", entity_code=LEAD)


def reports(desk):
    with desk.store.session() as db:
        initiatives = {
            code: (status, percent, milestone_due, note)
            for code, status, percent, milestone_due, note in db.execute(
                select(
                    InitiativeReport.initiative_id,
                    InitiativeReport.status,
                    InitiativeReport.percent_complete,
                    InitiativeReport.milestone_due,
                    InitiativeReport.note,
                )
            )
        }
        budget = [
            tuple(row)
            for row in db.execute(select(BudgetReport.committed_baisa, BudgetReport.spent_baisa))
        ]
        observations = db.scalar(select(func.count()).select_from(Observation))
    return initiatives, budget, observations


GOOD_DATA = {"T1.5": {"Value": 45}}


def good_sheets():
    return {
        "Initiatives": {
            "I1.1": {"Status": "on track", "Percent complete": "45%", "Milestone due": "2025-q4"},
            "I1.2": {"Status": " في المسار ", "Percent complete": "٦٠"},
            "I1.5": {"Status": "Completed", "Percent complete": 100},
        },
        "Budget": {
            "I1.1-2025": {"Committed to date (OMR)": "1,250.500", "Spent to date (OMR)": 800},
            "MTCIT-T2-2025": {"Committed to date (OMR)": 0, "Spent to date (OMR)": "0"},
        },
    }


def fill_data(data: bytes, values=GOOD_DATA) -> bytes:
    from tests.etl.conftest import fill

    return fill(data, values)


def test_template_has_the_sheets_of_what_the_entity_reports(budget_desk):
    data = budget_desk.template(LEAD)
    book = load_workbook(io.BytesIO(data))
    assert book["About"]["B4"].value == TEMPLATE_VERSION
    initiatives, budget = book["Initiatives"], book["Budget"]
    header = [c.value for c in initiatives[1]]
    assert header[0] == "Initiative code\nرمز المبادرة" and header[3] == "Status\nالحالة"
    assert "Previous percent complete\nنسبة الإنجاز السابقة" in header
    codes = [r[0].value for r in initiatives.iter_rows(min_row=2)]
    assert "I1.1" in codes and "I1.6" not in codes  # I1.6 is ISFU's
    assert {r[2].value for r in initiatives.iter_rows(min_row=2)} == {PERIOD}
    rule = next(v for v in initiatives.data_validations.dataValidation if v.type == "list")
    assert "On track" in rule.formula1 and "في المسار" in rule.formula1
    lines = {r[0].value: r for r in budget.iter_rows(min_row=2)}
    assert set(lines) == {"I1.1-2025", "MTCIT-T2-2025"}  # not MOH's line
    allocated = column_in(data, "Budget", "Allocated (OMR)")
    assert budget[f"{allocated}{lines['I1.1-2025'][0].row}"].value == 2_000_000
    instructions = " ".join(str(c.value) for row in book["Instructions"].rows for c in row)
    assert "Initiatives sheet" in instructions and "ورقة «Budget»" in instructions
    # an entity that leads no initiative: its template is as before, with its budget line only
    moh = load_workbook(io.BytesIO(budget_desk.template("MOH")))
    assert "Initiatives" not in moh.sheetnames and "Budget" in moh.sheetnames


def test_a_hurried_clerk_s_sheets_load_with_the_figures(budget_desk):
    def shuffle_and_percent(workbook):
        sheet = workbook["Initiatives"]
        first, second = sheet[2], sheet[3]
        for a, b in zip(first, second, strict=True):  # rows swapped
            a.value, b.value = b.value, a.value
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "I1.3":
                row[4].value, row[4].number_format = 0.3, "0%"
                row[3].value = "AT RISK"

    template = budget_desk.template(LEAD)
    data = sheet_fill(fill_data(template), good_sheets(), shuffle_and_percent)
    outcome = ingest(budget_desk, data)
    assert outcome.outcome == "submitted", [p.render() for p in outcome.errors]
    initiatives, budget, observations = reports(budget_desk)
    assert sorted(v[:2] for v in initiatives.values()) == [
        ("at_risk", 30.0),
        ("completed", 100.0),
        ("on_track", 45.0),
        ("on_track", 60.0),
    ]
    assert ("on_track", 45.0, "2025-Q4", "") in initiatives.values()
    assert sorted(budget) == [(0, 0), (1_250_500, 800_000)]
    assert observations == 1
    warned = {p.code for p in outcome.warnings}
    assert "initiative_not_reported" in warned  # I1.4 and others left blank
    codes = {p.params.get("code") for p in outcome.warnings if p.code == "initiative_not_reported"}
    assert "I1.4" in codes and "I1.1" not in codes


BAD = [
    # (sheet, code, label, value, message code)
    ("Initiatives", "I1.1", "Status", "going well", "bad_status"),
    ("Initiatives", "I1.1", "Percent complete", "120", "percent_range"),
    ("Initiatives", "I1.1", "Percent complete", "about half", "not_a_number"),
    ("Initiatives", "I1.1", "Percent complete", 0.45, "ambiguous_fraction"),
    ("Initiatives", "I1.1", "Milestone due", "next year", "bad_milestone_due"),
    ("Initiatives", "I1.1", "Period", "2025-Q2", "programme_period"),
    ("Initiatives", "I1.1", "Initiative code", "I1.6", "initiative_not_yours"),
    ("Initiatives", "I1.1", "Initiative code", "I9.9", "unknown_initiative"),
    ("Initiatives", "I1.1", "Note", "ok\x7f", "control_character"),
    ("Budget", "I1.1-2025", "Committed to date (OMR)", -5, "amount_negative"),
    ("Budget", "I1.1-2025", "Committed to date (OMR)", "lots", "not_a_number"),
    ("Budget", "I1.1-2025", "Committed to date (OMR)", "10.1234", "baisa_decimals"),
    ("Budget", "I1.1-2025", "Spent to date (OMR)", 5e12, "beyond_limit"),
    ("Budget", "I1.1-2025", "Budget line", "MOH-T1-2025", "line_not_yours"),
    ("Budget", "I1.1-2025", "Year", 2024, "budget_year"),
]


@pytest.mark.parametrize(("sheet", "code", "label", "value", "problem"), BAD)
def test_each_bad_cell_is_refused_by_cell_in_both_languages(
    budget_desk, sheet, code, label, value, problem
):
    template = budget_desk.template(LEAD)
    sheets = good_sheets()
    sheets[sheet][code][label] = value
    outcome = ingest(budget_desk, sheet_fill(fill_data(template), sheets))
    assert outcome.outcome == "refused"
    where = f"{sheet}!{column_in(template, sheet, label)}{row_in(template, sheet, code)}"
    found = [p for p in outcome.errors if p.code == problem]
    assert found and found[0].params["cell"] == where, [p.as_dict() for p in outcome.errors]
    assert found[0].render().startswith(f"{where}: ")
    arabic = found[0].render(arabic_gettext(budget_desk.uploads.parent / "mo"))
    assert arabic.startswith(f"\u2066{where}\u2069: ") and arabic != found[0].render()
    assert reports(budget_desk) == ({}, [], 0)  # nothing loaded, not even the KPI figure


def test_completed_below_100_and_the_same_code_twice(budget_desk):
    template = budget_desk.template(LEAD)
    sheets = good_sheets()
    sheets["Initiatives"]["I1.1"].update({"Status": "مكتملة", "Percent complete": 90})

    def twice(workbook):
        sheet = workbook["Initiatives"]
        sheet.cell(row=row_in(template, "Initiatives", "I1.4"), column=1, value="I1.2")

    sheets["Initiatives"]["I1.4"] = {"Status": "Delayed", "Percent complete": 10}
    outcome = ingest(budget_desk, sheet_fill(fill_data(template), sheets, twice))
    codes = {p.code: p.params["cell"] for p in outcome.errors}
    row = row_in(template, "Initiatives", "I1.1")
    assert codes["completed_below_100"] == f"Initiatives!E{row}"
    assert (
        codes["duplicate_programme_code"]
        == f"Initiatives!A{row_in(template, 'Initiatives', 'I1.4')}"
    )


def test_warnings_for_the_reviewer_against_the_last_quarter(budget_desk):
    first = sheet_fill(fill_data(budget_desk.template(LEAD)), good_sheets())
    outcome = ingest(budget_desk, first)
    assert outcome.outcome == "submitted"
    with budget_desk.store.transaction() as db:
        reviewer = db.scalar(select(User).where(User.email == ROLE_USERS["admin"][0]))
        approve(db, db.get(Submission, outcome.submission_id), reviewer)
    later = "2025-Q4"
    sheets = {
        "Initiatives": {
            "I1.1": {"Status": "On track", "Percent complete": 40},  # below 45
            "I1.2": {"Status": "At risk", "Percent complete": 100},  # 100, not Completed
        },
        "Budget": {
            "I1.1-2025": {"Committed to date (OMR)": 1000, "Spent to date (OMR)": 2500},
            "MTCIT-T2-2025": {"Committed to date (OMR)": 600_000, "Spent to date (OMR)": 1},
        },
    }
    template = budget_desk.template(LEAD, later)
    book = load_workbook(io.BytesIO(template))
    previous = column_in(template, "Initiatives", "Previous percent complete")
    assert book["Initiatives"][f"{previous}{row_in(template, 'Initiatives', 'I1.1')}"].value == 45
    outcome = ingest(budget_desk, sheet_fill(fill_data(template), sheets))
    assert outcome.outcome == "submitted", [p.render() for p in outcome.errors]
    warned = {(p.code, p.params.get("code")) for p in outcome.warnings}
    assert {
        ("percent_fell", "I1.1"),
        ("full_not_completed", "I1.2"),
        ("spent_over_committed", "I1.1-2025"),
        ("committed_below_previous", "I1.1-2025"),
        ("committed_over_allocation", "MTCIT-T2-2025"),
    } <= warned
    text = next(p for p in outcome.warnings if p.code == "committed_below_previous").render()
    assert "OMR 1,000.000" in text and "OMR 1,250.500" in text


def test_a_template_without_the_new_sheets_is_still_accepted(budget_desk):
    """A template made before the sheets (version 1): the KPI figures load; the initiatives and
    lines due are warned as not reported."""

    def old(workbook):
        del workbook["Initiatives"]
        del workbook["Budget"]
        workbook["About"]["B4"] = "1"

    data = sheet_fill(fill_data(budget_desk.template(LEAD)), {}, old)
    outcome = ingest(budget_desk, data)
    assert outcome.outcome == "submitted", [p.render() for p in outcome.errors]
    assert {p.code for p in outcome.warnings} >= {"initiative_not_reported", "line_not_reported"}


def test_the_sheets_are_held_to_the_data_sheet_s_structure_checks(budget_desk):
    template = budget_desk.template(LEAD)

    def hide(workbook):
        workbook["Budget"].sheet_state = "hidden"

    outcome = ingest(budget_desk, sheet_fill(fill_data(template), good_sheets(), hide))
    assert [p.code for p in outcome.errors] == ["hidden_sheet"]

    def merge_and_hide_row(workbook):
        sheet = workbook["Initiatives"]
        row = row_in(template, "Initiatives", "I1.1")
        sheet.merge_cells(f"D{row}:E{row}")
        sheet.row_dimensions[row_in(template, "Initiatives", "I1.2")].hidden = True

    outcome = ingest(
        budget_desk, sheet_fill(fill_data(template), good_sheets(), merge_and_hide_row)
    )
    codes = {p.code for p in outcome.errors}
    assert {"merged_input", "hidden_row"} <= codes, [p.as_dict() for p in outcome.errors]
    assert all(p.params["cell"].startswith("Initiatives!") for p in outcome.errors)

    def error_formula(workbook):
        sheet = workbook["Budget"]
        sheet[f"F{row_in(template, 'Budget', 'I1.1-2025')}"] = "=1/0"

    outcome = ingest(budget_desk, sheet_fill(fill_data(template), good_sheets(), error_formula))
    assert outcome.outcome == "refused"
    assert reports(budget_desk) == ({}, [], 0)


def test_problem_codes_render_without_translation():
    assert (
        Problem("bad_status", {"cell": "Initiatives!D5", "raw": "x"})
        .render()
        .startswith("Initiatives!D5: 'x' is not a status")
    )


def test_what_each_entity_reports_is_read_once_a_session_and_stays_its_own(budget_desk):
    """A batch reads every entity's initiatives and lines once (etl.programme): in one session,
    each entity's expectation is the one a session of its own reads."""
    from data.models import Entity
    from etl.programme import programme_expectation

    with budget_desk.store.session() as db:
        codes = list(db.scalars(select(Entity.code).order_by(Entity.code)))
        together = {code: programme_expectation(db, code, PERIOD) for code in codes}
    for code in codes:
        with budget_desk.store.session() as db:
            assert programme_expectation(db, code, PERIOD) == together[code], code
    assert set(together[LEAD].initiatives) and set(together[LEAD].lines) == {
        "I1.1-2025",
        "MTCIT-T2-2025",
    }
    assert set(together["MOH"].lines) == {"MOH-T1-2025"} and not together["MOH"].initiatives
    assert "I1.1-2025" in together["MOH"].other_lines
