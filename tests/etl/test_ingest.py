"""Ingest: every forgiving case of the contract loads the right figure; every refusal is refused
with its cell or reason, and changes no figure."""

import csv
import io
import re
import threading
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from data.models import AuditEvent, Observation, Period, Submission, Upload, User
from etl.ingest import Incoming, ingest_many
from etl.messages import Problem
from etl.workflow import approve
from tests.conftest import ROLE_USERS
from tests.etl.conftest import PERIOD, TODAY, fill, row_of


def official(desk, code: str) -> float:
    rows = list(csv.DictReader(io.StringIO(desk.export())))
    return float(next(r for r in rows if r["kpi"] == code and r["entity"] == "MOH")["value"])


def messages(outcome) -> list[str]:
    return [p.render() for p in outcome.errors]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"Value": 45}, 45),
        ({"Value": "45"}, 45),  # pasted as text
        ({"Value": "34%"}, 34),
        ({"Value": " ٣٤٫٥٪ "}, 34.5),  # Arabic-Indic digits and percent sign
        ({"Value": "34,5"}, 34.5),  # decimal comma
        ({"Numerator": 120, "Denominator": 300}, 40),
        ({"Numerator": "1,200", "Denominator": "3,000", "Value": "40%"}, 40),
        ({"Numerator": 1, "Denominator": 3, "Value": 33.3}, 100 / 3),
    ],
)
def test_percent_values_as_clerks_type_them(desk, cells, expected):
    outcome = desk.ingest(fill(desk.template(), {"T1.5": cells}))
    assert outcome.outcome == "submitted", messages(outcome)
    assert official(desk, "T1.5") == pytest.approx(expected)


def test_a_fraction_formatted_as_percentage_counts(desk):
    def percent_format(sheet):
        sheet.cell(row=row_of(template, "T1.5"), column=7).number_format = "0%"

    template = desk.template()
    outcome = desk.ingest(fill(template, {"T1.5": {"Value": 0.34}}, percent_format))
    assert outcome.outcome == "submitted", messages(outcome)
    assert official(desk, "T1.5") == pytest.approx(34)


def test_a_bare_fraction_is_ambiguous(desk):
    template = desk.template()
    outcome = desk.ingest(fill(template, {"T1.5": {"Value": 0.45}}))
    assert outcome.outcome == "refused"
    assert messages(outcome) == [
        f"Data!G{row_of(template, 'T1.5')}: 0.45 could mean 0.45% or 45%. "
        "Write 45% (or the number 45), or format the cell as a percentage."
    ]


def test_reordered_rows_blank_rows_extra_columns_and_arabic_headers(desk):
    def reshape(sheet):
        sheet.insert_cols(3)
        sheet.cell(row=1, column=3, value="Notes of the clerk")
        sheet.insert_rows(4, amount=2)
        sheet.move_range("A2:L2", rows=sheet.max_row, cols=0)  # first KPI row to the bottom
        for cell in sheet[1]:
            if cell.value and "\n" in str(cell.value):
                cell.value = str(cell.value).split("\n")[1]  # Arabic label only

    data = fill(
        desk.template(),
        {
            "T1.1": {"Value": 60},
            "T1.5": {"Value": 50},
            "T3.4": {"Value": "1,250"},
            "T2.4": {"Value": "نعم"},
        },
        reshape,
    )
    outcome = desk.ingest(data)
    assert outcome.outcome == "submitted", messages(outcome)
    assert official(desk, "T1.1") == 60
    assert official(desk, "T3.4") == 1250
    assert official(desk, "T2.4") == 100


def test_english_only_headers_and_yes_no(desk):
    def english(sheet):
        for cell in sheet[1]:
            if cell.value:
                cell.value = str(cell.value).split("\n")[0]

    data = fill(desk.template(), {"T2.4": {"Value": "No"}, "T2.6": {"Value": "yes"}}, english)
    outcome = desk.ingest(data)
    assert outcome.outcome == "submitted", messages(outcome)
    assert official(desk, "T2.4") == 0 and official(desk, "T2.6") == 100


def with_saved_formula(data: bytes, cell: str, formula: str, result: str) -> bytes:
    """Put a formula and its saved result into a Data cell, as Excel would after calculating."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = content.decode()
                xml = re.sub(
                    rf'<c r="{cell}"([^>]*)/>',
                    rf'<c r="{cell}"\1><f>{formula}</f>'
                    rf"<v>{result}</v></c>",
                    xml,
                )
                content = xml.encode()
            target.writestr(item, content)
    return out.getvalue()


def test_formulas_count_with_their_saved_results(desk):
    template = desk.template()
    data = with_saved_formula(template, f"G{row_of(template, 'T1.5')}", "30+12", "42")
    outcome = desk.ingest(data)
    assert outcome.outcome == "submitted", messages(outcome)
    assert official(desk, "T1.5") == 42


@pytest.mark.parametrize(
    ("code", "cells", "column", "message"),
    [
        (
            "T1.5",
            {"Value": "about half"},
            "G",
            "the value must be a number; you wrote 'about half'",
        ),
        (
            "T1.5",
            {"Value": 140},
            "G",
            "the value must be a number between 0 and 100; you wrote '140'",
        ),
        ("T3.4", {"Value": 2.5}, "G", "the value must be a whole number, 0 or more"),
        ("T3.4", {"Value": -3}, "G", "the value must be a whole number, 0 or more"),
        ("T2.4", {"Value": "maybe"}, "G", "answer Yes or No"),
        ("T1.5", {"Numerator": 10, "Denominator": 0}, "F", "the denominator must be more than 0"),
        ("T1.5", {"Numerator": 400, "Denominator": 300}, "E", "is larger than the denominator"),
        ("T1.5", {"Numerator": 120}, "F", "give both the numerator and the denominator"),
        (
            "T1.5",
            {"Numerator": 120, "Denominator": 300, "Value": 55},
            "G",
            "the value 55 does not agree with numerator / denominator = 40",
        ),
        ("T1.5", {"Value": 40, "Evidence link": "see email"}, "I", "must start with https://"),
    ],
)
def test_cell_errors_name_the_cell_and_what_to_do(desk, code, cells, column, message):
    template = desk.template()
    before = desk.export()
    outcome = desk.ingest(fill(template, {code: cells, "T1.1": {"Value": 50}}))
    assert outcome.outcome == "refused"
    assert len(outcome.errors) == 1
    text = outcome.errors[0].render()
    assert text.startswith(f"Data!{column}{row_of(template, code)}: ")
    assert message in text
    assert desk.export() == before


def test_every_problem_is_collected_before_answering(desk):
    data = fill(
        desk.template(), {"T1.1": {"Value": "lots"}, "T1.5": {"Value": 300}, "T3.4": {"Value": 1.5}}
    )
    outcome = desk.ingest(data)
    assert [p.code for p in outcome.errors] == ["not_a_number", "percent_range", "count_whole"]


def test_errors_in_arabic(desk):
    from babel.support import Translations

    from catalogues import SOURCE, compile_catalogues

    compile_catalogues(SOURCE, desk.uploads.parent / "mo")
    arabic = Translations.load(str(desk.uploads.parent / "mo"), ["ar"]).gettext
    template = desk.template()
    outcome = desk.ingest(fill(template, {"T1.5": {"Value": "about half"}}))
    text = outcome.errors[0].render(arabic)
    # codes and the clerk's own words are isolated, so right-to-left text keeps their order
    assert text.startswith(f"\u2066Data!G{row_of(template, 'T1.5')}\u2069: ")
    assert "«\u2066about half\u2069»" in text and "رقماً" in text
    locked = Problem("locked_period", {"period": PERIOD}).render(arabic)
    assert f"الفترة \u2066{PERIOD}\u2069 مقفلة" in locked
    assert Problem("locked_period", {"period": PERIOD}).render().startswith(f"{PERIOD} is locked")


def test_unknown_and_repeated_kpi_codes(desk):
    def extra_rows(sheet):
        sheet.cell(row=sheet.max_row + 1, column=1, value="T9.9")
        sheet.cell(row=sheet.max_row, column=7, value=5)
        sheet.cell(row=sheet.max_row + 1, column=1, value="T1.5")
        sheet.cell(row=sheet.max_row, column=7, value=50)

    outcome = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}, extra_rows))
    assert [p.code for p in outcome.errors] == ["unknown_kpi", "duplicate_kpi"]
    assert "'T9.9' is not a KPI code" in outcome.errors[0].render()


def test_empty_template_is_refused(desk):
    outcome = desk.ingest(desk.template())
    assert [p.code for p in outcome.errors] == ["no_values"]


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def workbook_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("text", "not_workbook"),
        ("truncated", "damaged"),
        ("xlsm", "macro"),
        ("vba", "macro"),
        ("encrypted", "encrypted"),
        ("oversized", "too_large"),
        ("ratio", "zip_bomb"),
    ],
)
def test_hostile_and_broken_files_are_refused_and_kept(desk, kind, code):
    good = fill(desk.template(), {"T1.5": {"Value": 40}})
    name = "moh.xlsx"
    data = {
        "text": b"KPI code,Value\nT1.5,40\n",
        "truncated": good[: len(good) // 2],
        "xlsm": good,
        "vba": zip_with({**workbook_members(good), "xl/vbaProject.bin": b"\x00" * 100}),
        "encrypted": bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 4000,
        "oversized": good + b"\x00" * (10 * 1024 * 1024),
        "ratio": zip_with({**workbook_members(good), "xl/media/pad.bin": b"\x00" * 5_000_000}),
    }[kind]
    if kind == "xlsm":
        name = "moh.xlsm"
    before = desk.export()
    outcome = desk.ingest(data, name=name)
    assert outcome.outcome == "refused"
    assert [p.code for p in outcome.errors] == [code]
    assert desk.export() == before
    with desk.store.session() as db:
        upload = db.scalar(select(Upload).order_by(Upload.id.desc()))
        assert upload.outcome == "refused" and upload.file_size == len(data)
    assert (desk.uploads / upload.stored_name).read_bytes() == data


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("other_entity", "other_entity"),
        ("other_period", "other_period"),
        ("locked", "locked_period"),
        ("future", "future_period"),
    ],
)
def test_wrong_template_or_closed_period_is_refused(desk, change, code):
    today = date(2026, 11, 22)
    entity, period = "MOH", "2025-Q3"
    if change == "other_entity":
        entity = "MOF"
    if change == "future":
        today = date(2025, 9, 1)
    template = desk.template(entity, period)
    data = fill(template, {"T1.5": {"Value": 40}})
    if change == "locked":
        with desk.store.transaction() as db:
            db.scalar(select(Period).where(Period.code == period)).locked = True
    kwargs = {"period": "2025-Q2"} if change == "other_period" else {}
    outcome = desk.ingest(data, today=today, **kwargs)
    assert outcome.outcome == "refused"
    assert [p.code for p in outcome.errors] == [code]
    assert "Data!" not in outcome.errors[0].render()


def test_a_zip_bomb_is_refused_without_inflating(desk):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\x00" * (1 << 20)
            for _ in range(1024):
                member.write(chunk)
    data = buffer.getvalue()
    import time

    start = time.perf_counter()
    outcome = desk.ingest(data, name="bomb.xlsx")
    elapsed = time.perf_counter() - start
    assert [p.code for p in outcome.errors] == ["zip_bomb"]
    assert len(data) < 2 * 1024 * 1024
    assert elapsed < 1.0, f"refusing a 1 GB bomb took {elapsed:.2f} s"


def test_same_file_twice_changes_nothing(desk):
    data = fill(desk.template(), {"T1.5": {"Value": 40}})
    first = desk.ingest(data)
    export = desk.export()
    second = desk.ingest(data)
    assert first.outcome == "submitted" and second.outcome == "duplicate"
    assert second.warnings == [Problem("duplicate_file", second.warnings[0].params)]
    assert desk.export() == export


def test_corrected_file_supersedes_and_both_stay(desk):
    first = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}))
    second = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 42}}))
    with desk.store.session() as db:
        subs = db.scalars(select(Submission).order_by(Submission.id)).all()
        assert [(s.id, s.revision, s.is_current) for s in subs] == [
            (first.submission_id, 1, False),
            (second.submission_id, 2, True),
        ]
        assert db.scalar(select(func.count()).select_from(Observation)) == 2
    rows = list(csv.DictReader(io.StringIO(desk.export())))
    assert [(r["value"], r["status"], r["official_value"]) for r in rows] == [
        ("42.0", "submitted", "")
    ]


def test_official_value_comes_from_the_latest_approved(desk):
    first = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}))
    with desk.store.transaction() as db:
        approve(db, db.get(Submission, first.submission_id), None)
    desk.ingest(fill(desk.template(), {"T1.5": {"Value": 44}}))
    row = next(csv.DictReader(io.StringIO(desk.export())))
    assert (row["value"], row["status"], row["official_value"]) == ("44.0", "submitted", "40.0")


def test_dry_run_keeps_the_file_but_loads_nothing(desk):
    outcome = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}), submit=False)
    assert outcome.outcome == "checked" and outcome.submission_id is None
    assert desk.export().strip() == desk.export().splitlines()[0]


def test_entity_user_cannot_upload_for_another_entity(desk):
    data = fill(desk.template("MOF"), {"T1.5": {"Value": 40}})
    outcome = desk.ingest(data, role="entity", entity_code="MOF")
    assert [p.code for p in outcome.errors] == ["other_entity"]
    assert desk.ingest(data, role="supervisor").outcome == "submitted"


def test_warnings_load_and_are_kept_for_the_reviewer(desk):
    previous = desk.ingest(
        fill(desk.template("MOH", "2025-Q2"), {"T1.5": {"Value": 40}, "T1.1": {"Value": 80}})
    )
    with desk.store.transaction() as db:
        approve(db, db.get(Submission, previous.submission_id), None)
    outcome = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 70}, "T1.1": {"Value": 75}}))
    assert outcome.outcome == "submitted"
    codes = {(p.code, p.params.get("code")) for p in outcome.warnings}
    assert ("jump", "T1.5") in codes
    assert ("below_cumulative", "T1.1") in codes
    assert ("off_path_no_comment", "T1.1") in codes


def test_concurrent_uploads_leave_one_current_submission(desk):
    files = [fill(desk.template(), {"T1.5": {"Value": v}}) for v in (40, 41, 42, 43)]
    errors = []

    def upload(data):
        try:
            desk.ingest(data)
        except Exception as error:  # a lost race may fail, never corrupt
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with desk.store.session() as db:
        current = db.scalar(
            select(func.count()).select_from(Submission).where(Submission.is_current)
        )
        total = db.scalar(select(func.count()).select_from(Submission))
    assert current == 1
    assert total + len(errors) == 4


def test_a_batch_is_checked_file_by_file_and_written_together(desk):
    """What the command line does with many files: one transaction, each file its own fate."""
    first = fill(desk.template(), {"T1.5": {"Value": 40}})
    files = [
        Incoming(first, "first.xlsx"),
        Incoming(first, "again.xlsx"),  # the same bytes: recognised within the batch
        Incoming(fill(desk.template(), {"T1.5": {"Value": "about half"}}), "bad.xlsx"),
        Incoming(fill(desk.template(), {"T1.5": {"Value": 42}}), "fixed.xlsx"),
        Incoming(fill(desk.template("MOF"), {"T1.5": {"Value": 30}}), "mof.xlsx"),
    ]
    with desk.store.transaction() as db:
        office = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        outcomes = ingest_many(db, files, office, desk.uploads, submit=True, today=TODAY)
    assert [o.outcome for o in outcomes] == [
        "submitted",
        "duplicate",
        "refused",
        "submitted",
        "submitted",
    ]
    assert messages(outcomes[2]) == ["Data!G5: the value must be a number; you wrote 'about half'."]
    with desk.store.session() as db:
        subs = {s.id: s for s in db.scalars(select(Submission))}
        uploads = db.scalars(select(Upload).order_by(Upload.id)).all()
        actions = db.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type.in_(["submission", "upload"]))
        ).all()
    moh = [subs[outcomes[n].submission_id] for n in (0, 2, 3)]
    assert [(s.status, s.revision, s.is_current) for s in moh] == [
        ("submitted", 1, False),
        ("rejected", 1, False),
        ("submitted", 2, True),
    ]
    assert moh[2].supersedes_id == moh[0].id
    assert [(u.file_name, u.outcome, u.submission_id) for u in uploads] == [
        (f.name, o.outcome, o.submission_id) for f, o in zip(files, outcomes, strict=True)
    ]
    assert sorted(actions) == sorted(
        ["submission.submit"] * 3 + [f"upload.{o.outcome}" for o in outcomes]
    )
    rows = list(csv.DictReader(io.StringIO(desk.export())))
    assert sorted((r["entity"], r["value"]) for r in rows) == [("MOF", "30.0"), ("MOH", "42.0")]


def test_a_batch_supersedes_what_was_current_before_it(desk):
    earlier = desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}))
    q2 = desk.ingest(fill(desk.template("MOH", "2025-Q2"), {"T1.5": {"Value": 35}}))
    files = [
        Incoming(fill(desk.template(), {"T1.5": {"Value": 44}}), "moh.xlsx"),
        Incoming(fill(desk.template("MOF", "2025-Q2"), {"T1.5": {"Value": 30}}), "mof.xlsx"),
    ]
    with desk.store.transaction() as db:
        office = db.scalar(select(User).where(User.email == ROLE_USERS["supervisor"][0]))
        outcomes = ingest_many(db, files, office, desk.uploads, submit=True, today=TODAY)
    with desk.store.session() as db:
        current = db.scalars(select(Submission.id).where(Submission.is_current)).all()
        replaced = db.get(Submission, outcomes[0].submission_id)
    # MOH 2025-Q2 stays current: the batch has MOH for Q3 and MOF for Q2, not MOH for Q2
    assert sorted(current) == sorted([q2.submission_id, *(o.submission_id for o in outcomes)])
    assert (replaced.revision, replaced.supersedes_id) == (2, earlier.submission_id)
