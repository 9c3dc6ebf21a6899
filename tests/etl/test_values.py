"""Only real numbers, and texts the store can hold (issue 12, items 2 and 3): every hostile value
of tests/etl/hostile_values.py is refused by cell (or accepted, where designed) through ingest on
SQLite and PostgreSQL, changing no figure; and the store itself refuses a non-finite number
written with SQL."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from data.db import alembic_config
from data.models import Kpi, Observation, Submission, Upload
from etl.contract import status_of
from etl.messages import MESSAGES, Problem
from etl.parse import (
    AMOUNT_LIMIT,
    COUNT_LIMIT,
    RANK_LIMIT,
    parse_amount,
    parse_count,
    parse_for_unit,
    parse_number,
    parse_rank,
    parse_yes_no,
    shown_text,
)
from tests.etl.conftest import fill, row_of
from tests.etl.hostile_values import CASES, ROWS

ARABIC_ISOLATE = "\u2066{}\u2069"


def arabic_gettext(folder):
    from babel.support import Translations

    from catalogues import SOURCE, compile_catalogues

    compile_catalogues(SOURCE, folder)
    return Translations.load(str(folder), ["ar"]).gettext


def test_the_cases_name_the_template_rows(desk):
    template = desk.template()
    assert {code: row_of(template, code) for code in ROWS} == ROWS


def test_there_are_enough_cases_and_each_expects_a_known_message():
    refused = [c for c in CASES if c.expect]
    assert len(refused) >= 22 and len({c.name for c in CASES}) == len(CASES)
    assert all(c.expect in MESSAGES and c.where.startswith("Data!") for c in refused)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_value_is_refused_by_cell_and_changes_nothing(desk, case):
    before = desk.export()
    data = case.build(desk.template())
    outcome = desk.ingest(data)
    if case.expect is None:
        assert outcome.outcome == "submitted", [p.render() for p in outcome.errors]
        return
    assert outcome.outcome == "refused"
    named = [p.render() for p in outcome.errors if p.code == case.expect]
    assert named, [p.render() for p in outcome.errors]
    assert named[0].startswith(f"{case.where}: ")
    assert desk.export() == before
    with desk.store.session() as db:  # the refusal is on record, on PostgreSQL too
        upload = db.scalar(select(Upload).order_by(Upload.id.desc()))
        assert upload.outcome == "refused" and upload.file_size == len(data)
        assert case.expect in [p["code"] for p in upload.report["errors"]]
    assert (desk.uploads / upload.stored_name).read_bytes() == data


def test_messages_say_what_to_do_in_both_languages(desk):
    template = desk.template()
    data = fill(
        template,
        {
            "T1.5": {"Value": "1e999", "Comment": "x" * 2500},
            "T3.4": {"Value": 1e308},
            "T1.1": {"Value": 40, "Evidence link": "https://moh.gov.om/a\u202eb"},
        },
    )
    outcome = desk.ingest(data)
    by_cell = {p.params["cell"]: p.render() for p in outcome.errors}
    assert sorted(by_cell) == ["Data!G12", "Data!G5", "Data!H5", "Data!I2"]
    assert by_cell["Data!I2"] == (
        "Data!I2: the evidence link holds a space or an invisible character (U+202E) at "
        "position 21. Copy the address again from the browser's address bar."
    )
    assert by_cell["Data!G5"] == (
        "Data!G5: '1e999' is not a real number (infinite, not a number, or too large to "
        "store). Write the figure itself."
    )
    assert "2,500 characters long; the limit is 2,000" in by_cell["Data!H5"]
    assert by_cell["Data!G12"] == (
        "Data!G12: 1e+308 is larger than any real figure of this kind (at most "
        "1,000,000,000). Check the number."
    )
    arabic = arabic_gettext(desk.uploads.parent / "mo")
    for problem in outcome.errors:
        shown = problem.render(arabic)
        assert shown != problem.render() and shown.startswith(
            ARABIC_ISOLATE.format(problem.params["cell"]) + ": "
        )
    nul = Problem("control_character", {"cell": "Data!H5", "char": "U+0000", "position": 8})
    assert ARABIC_ISOLATE.format("U+0000") in nul.render(arabic)


def test_a_control_character_is_named_not_echoed(desk):
    """A refused text is quoted back with its control characters named, and cut short: the
    report stored in the database holds no NUL and no 10,000-character echo."""
    data = fill(desk.template(), {"T1.5": {"Value": "12 apples " * 1000}})
    outcome = desk.ingest(data)
    (problem,) = outcome.errors
    assert problem.code == "not_a_number" and len(problem.params["raw"]) <= 61
    assert shown_text("a\x00b\u202ec") == "aU+0000bU+202Ec"


def test_comment_and_link_at_the_limit_are_kept_whole(desk):
    comment = ("ملاحظة\u200f\tline\n" * 200)[:2000]  # (XML reads a CR LF as LF)
    link = "https://moh.gov.om/" + "r" * (2000 - len("https://moh.gov.om/"))
    outcome = desk.ingest(
        fill(desk.template(), {"T1.5": {"Value": 40, "Comment": comment, "Evidence link": link}})
    )
    assert outcome.outcome == "submitted", [p.render() for p in outcome.errors]
    with desk.store.session() as db:
        stored = db.scalar(select(Observation).where(Observation.value == 40))
        assert (stored.comment, stored.evidence_link) == (comment.strip(), link)


# What each unit accepts: a truth table of the parser.
@pytest.mark.parametrize(
    ("raw", "unit", "value", "problem"),
    [
        (45, "percent", 45, None),
        ("1e999", "percent", None, "not_finite"),
        (math.inf, "percent", None, "not_finite"),
        (-math.inf, "count", None, "not_finite"),
        (math.nan, "omr", None, "not_finite"),
        ("NaN", "count", None, "not_finite"),
        ("-Infinity", "rank", None, "not_finite"),
        ("+inf", "omr", None, "not_finite"),
        (10**400, "count", None, "not_finite"),
        (5e-324, "percent", None, "too_small"),
        ("5e-324", "omr", None, "too_small"),
        (1e-300, "omr", 1e-300, None),  # small but a normal float: a real amount of rials
        (True, "count", None, "boolean_not_number"),
        (False, "percent", None, "boolean_not_number"),
        (date(2025, 9, 30), "count", None, "date_not_number"),
        (datetime(2025, 9, 30, 8), "omr", None, "date_not_number"),
        (time(8, 30), "percent", None, "time_not_number"),
        (timedelta(hours=5), "count", None, "time_not_number"),
        (COUNT_LIMIT, "count", COUNT_LIMIT, None),
        (COUNT_LIMIT + 1, "count", None, "beyond_limit"),
        ("1e308", "count", None, "beyond_limit"),
        (RANK_LIMIT, "rank", RANK_LIMIT, None),
        (RANK_LIMIT + 1, "rank", None, "beyond_limit"),
        (AMOUNT_LIMIT, "omr", AMOUNT_LIMIT, None),
        ("1,000,000,000,001", "omr", None, "beyond_limit"),
        (1e308, "percent", None, "percent_range"),
    ],
)
def test_parse_truth_table(raw, unit, value, problem):
    parsed = parse_for_unit(raw, unit, "mean", percent_format=False)
    assert parsed.problem == problem
    if problem is None:
        assert parsed.value == value


def test_numerators_and_denominators_have_the_amount_ceiling():
    assert parse_amount(AMOUNT_LIMIT).ok
    assert parse_amount(1e308).problem == "beyond_limit"
    assert parse_amount("1e999").problem == "not_finite"


def test_yes_no_still_takes_booleans_and_nothing_odd():
    assert parse_yes_no(True).value == 100 and parse_yes_no(False).value == 0
    assert parse_yes_no(math.nan).problem == "yes_no"
    assert parse_yes_no(math.inf).problem == "yes_no"


def test_every_parser_refuses_non_finite():
    for parser in (parse_number, parse_count, parse_rank, parse_amount):
        for raw in (math.inf, -math.inf, math.nan, "1e999"):
            assert parser(raw).problem == "not_finite", (parser, raw)


# The store's own rule: CHECK constraints on observations.value, numerator and denominator.


def _observation_ids(desk) -> dict:
    desk.ingest(fill(desk.template(), {"T1.5": {"Value": 40}}))
    with desk.store.session() as db:
        observation = db.scalar(select(Observation))
        return {
            "submission": observation.submission_id,
            "entity": observation.entity_id,
            "kpi": db.scalar(select(Kpi.id).where(Kpi.code == "T1.1")),
            "period": observation.period_id,
        }


INSERT = (
    "INSERT INTO observations (submission_id, entity_id, kpi_id, period_id, {column}, comment, "
    "evidence_link) VALUES (:submission, :entity, :kpi, :period, {literal}, '', '')"
)


def _sql_literals(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return ["'NaN'::float8", "'Infinity'::float8", "'-Infinity'::float8", ":bad"]
    return ["9e999", "-9e999", ":bad"]  # SQLite reads 9e999 as infinity; it stores NaN as NULL


@pytest.mark.parametrize("column", ["value", "numerator", "denominator"])
def test_the_store_refuses_non_finite_numbers_written_with_sql(desk, column):
    ids = _observation_ids(desk)
    dialect = desk.store.engine.dialect.name
    for literal in _sql_literals(dialect):
        for bad in (math.inf, -math.inf, math.nan) if literal == ":bad" else (None,):
            if dialect == "sqlite" and bad is not None and math.isnan(bad):
                continue  # SQLite stores a NaN parameter as NULL (checked below)
            refused = pytest.raises(IntegrityError, match=f"ck_observations_{column}_finite")
            with refused, desk.store.transaction() as db:
                statement = INSERT.format(column=column, literal=literal)
                db.execute(text(statement), {**ids, "bad": bad})
    with desk.store.transaction() as db:  # the largest float is finite: the store takes it
        db.execute(text(INSERT.format(column=column, literal=":big")), {**ids, "big": 1.7e308})
    if dialect == "sqlite":
        with desk.store.transaction() as db:
            db.execute(text("DELETE FROM observations WHERE kpi_id = :kpi"), ids)
            db.execute(text(INSERT.format(column=column, literal=":bad")), {**ids, "bad": math.nan})
            stored = db.execute(
                text(f"SELECT {column} FROM observations WHERE kpi_id = :kpi"), ids
            ).scalar()
        assert stored is None


def test_the_migration_keeps_legacy_rows_and_refuses_new_ones(desk):
    """A database from before the checks, holding an infinity: upgrading keeps that row (the
    pages show it as invalid) and refuses the next one."""
    from alembic import command

    ids = _observation_ids(desk)
    url = desk.store.engine.url.render_as_string(hide_password=False)
    desk.store.engine.dispose()
    command.downgrade(alembic_config(url), "0002")
    with desk.store.transaction() as db:
        db.execute(text(INSERT.format(column="value", literal=":bad")), {**ids, "bad": math.inf})
    desk.store.engine.dispose()
    command.upgrade(alembic_config(url), "head")
    with desk.store.session() as db:
        kept = db.execute(text("SELECT value FROM observations WHERE kpi_id = :kpi"), ids).scalar()
        assert kept == math.inf
        assert db.scalar(select(Submission.id)) == ids["submission"]
    with pytest.raises(IntegrityError), desk.store.transaction() as db:
        db.execute(
            text(INSERT.format(column="numerator", literal=":bad")), {**ids, "bad": math.inf}
        )


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Yes / نعم", 100.0),  # the template's previous answer, copied by the clerk
        ("no / لا", 0.0),
        ("نعم", 100.0),
        ("Yes / لا", None),  # the two halves disagree
        ("/", None),
        ("100", None),
    ],
)
def test_the_previous_answer_as_the_template_shows_it_is_read_back(typed, value):
    parsed = parse_yes_no(typed)
    assert parsed.value == value and (parsed.problem is None) == (value is not None)


@pytest.mark.parametrize(
    ("typed", "status"),
    [
        ("At risk / معرضة للخطر", "at_risk"),  # the template's previous status, copied
        ("Completed / مكتملة", "completed"),
        ("  on   track ", "on_track"),
        ("متأخرة", "delayed"),
        ("At risk / مكتملة", None),
        ("Finished", None),
    ],
)
def test_an_initiative_status_in_either_language_or_as_the_template_pairs_them(typed, status):
    assert status_of(typed) == status
