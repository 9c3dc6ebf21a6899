"""The next cycle (issue 15, item 2): importing its catalogue, refusing a bad one by row and
column with nothing written, and a 2026-Q1 quarter that works end to end: template, upload,
approval, the programme picture and the API, with the "as of" choice spanning both cycles."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import func, select

from data.__main__ import main as data_main
from data.audit import verify_chain
from data.cache import ResultCache
from data.cycles import cycle_of
from data.db import Store
from data.models import AuditEvent, EntityKpi, Kpi, Period, ProgrammeCycle, Submission, Track, User
from data.queries import kpi_specs
from etl.ingest import ingest
from etl.template import template_bytes
from services import api_view
from services.actors import Actor, Denied, Role
from services.cycles import (
    MESSAGES,
    WHERE,
    WHERE_ROW,
    CycleRefused,
    cycle_list,
    import_cycle,
    preview_cycle,
)
from services.programme import quarter_options
from services.review import decide
from tests.conftest import ROLE_USERS
from tests.etl.conftest import fill

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "catalogue_2026_2030.csv"
ADMIN = Actor(Role.ADMIN)
TODAY = date(2026, 11, 22)
PLACEHOLDER = re.compile(r"%\([a-z]+\)[sd]")


@pytest.fixture
def store(users_db_url):
    s = Store(users_db_url)
    yield s
    s.engine.dispose()


def _counts(store: Store) -> dict[str, int]:
    tables = (ProgrammeCycle, Track, Kpi, EntityKpi, Period, AuditEvent)
    with store.session() as db:
        return {t.__tablename__: db.scalar(select(func.count()).select_from(t)) for t in tables}


def _import(store: Store, content: bytes | None = None, **kwargs):
    with store.transaction() as db:
        return import_cycle(db, ADMIN, "2026-2030", content or SAMPLE.read_bytes(), **kwargs)


def test_the_sample_catalogue_imports_with_its_continuing_kpis(store):
    preview = _import(store)
    assert (len(preview.kpis), len(preview.continued), len(preview.new)) == (8, 6, 2)
    with store.session() as db:
        cycle = db.scalar(select(ProgrammeCycle).where(ProgrammeCycle.code == "2026-2030"))
        assert (cycle.baseline_year, cycle.start_year, cycle.target_year) == (2025, 2026, 2030)
        assert cycle.name_en == "Government Digital Transformation Programme 2026-2030"
        specs = {s.code: s for s in kpi_specs(db, "2026-2030")}
        assert specs["T2.7"].continues == "T2.2" and specs["T1.7"].continues is None
        assert (specs["T1.5"].baseline, specs["T1.5"].target, specs["T1.5"].target_year) == (
            80,
            95,
            2030,
        )
        assert {s.cycle for s in kpi_specs(db, "2021-2025")} == {"2021-2025"}
        codes = set(db.scalars(select(Period.code)))
        assert {"2026-Q1", "2030-Q4", "2026", "2030"} <= codes
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "cycle.import"))
        assert event.object_id == "2026-2030"
        assert {k: event.after[k] for k in ("kpis", "continued", "new", "periods")} == {
            "kpis": 8,
            "continued": 6,
            "new": 2,
            "periods": 25,
        }
        assert verify_chain(db).ok
        listed = cycle_list(db, ADMIN)
    assert [(c.code, c.kpis, c.continued) for c in listed] == [
        ("2026-2030", 8, 6),
        ("2021-2025", 24, 0),
    ]


def test_a_bad_catalogue_is_refused_by_row_and_column_and_nothing_is_written(store):
    before = _counts(store)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",percent,", ",percentage,")  # row 3: T1.5's unit
    lines[4] = lines[4].replace(",T1,", ",T9,", 1).replace(",,80,", ",,lots,")  # row 5: T1.7
    lines[5] = lines[5].replace(",T2.2", ",T2.99")  # row 6: continues a KPI that is not there
    lines.append(lines[1])  # row 10: T1.2 a second time
    with pytest.raises(CycleRefused) as refused:
        _import(store, ("\n".join(lines) + "\n").encode())
    where = {(p.row, p.column, p.code) for p in refused.value.preview.problems}
    assert where == {
        (3, "unit", "choice"),
        (5, "track", "unknown_track"),
        (5, "target_2030", "not_number"),
        (6, "continues", "unknown_earlier"),
        (10, "code", "duplicate"),
        (10, "continues", "continued_twice"),
    }
    texts = [p.render() for p in refused.value.preview.problems]
    assert "Row 3, column unit: 'percentage' is not allowed here; write one of: percent" in texts[0]
    assert _counts(store) == before


def test_a_header_of_another_cycle_is_refused_at_row_1(store):
    other = SAMPLE.read_text(encoding="utf-8").replace("baseline_2025", "baseline_2020", 1)
    with store.session() as db:
        preview = preview_cycle(db, ADMIN, "2026-2030", other.encode())
    assert {(p.row, p.column, p.code) for p in preview.problems} == {
        (1, "baseline_2025", "missing_column"),
        (1, "baseline_2020", "unknown_column"),
    }


def test_a_dry_run_writes_nothing_and_a_second_import_is_refused_clearly(store):
    before = _counts(store)
    preview = _import(store, dry_run=True)
    assert preview.ok and len(preview.kpis) == 8
    assert _counts(store) == before
    _import(store)
    after = _counts(store)
    with pytest.raises(CycleRefused) as again:
        _import(store)
    assert [p.code for p in again.value.preview.problems] == ["exists"]
    assert "already in the tracker" in again.value.preview.problems[0].render()
    assert _counts(store) == after


def test_only_an_admin_imports_a_cycle(store):
    for role in (Role.SUPERVISOR, Role.COMMITTEE):
        with pytest.raises(Denied), store.session() as db:
            preview_cycle(db, Actor(role), "2026-2030", SAMPLE.read_bytes())


def test_a_period_belongs_to_the_cycle_whose_years_contain_it(store):
    _import(store)
    with store.session() as db:
        assert cycle_of(db, "2025-Q4").code == "2021-2025"
        assert cycle_of(db, "2026-Q1").code == "2026-2030"
        assert cycle_of(db, "2030").code == "2026-2030"
        assert cycle_of(db, "2020").code == "2021-2025"  # the first cycle's baseline year


def test_the_command_line_imports_and_refuses(users_db_url, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DATABASE_URL", users_db_url)
    args = ["import-cycle", "--code", "2026-2030", "--file", str(SAMPLE)]
    assert data_main([*args, "--dry-run"]) == 0
    assert "would create cycle 2026-2030" in capsys.readouterr().out
    assert data_main(args) == 0
    assert "T2.7\tT2\tcontinues 2021-2025 T2.2" in capsys.readouterr().out
    assert data_main(args) == 1
    assert "already in the tracker" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\xff\xfe not utf-8")
    assert data_main(["import-cycle", "--code", "2031-2035", "--file", str(bad)]) == 1
    assert "CSV UTF-8" in capsys.readouterr().err


def _user(db, role: str) -> User:
    return db.scalar(select(User).where(User.email == ROLE_USERS[role][0]))


@pytest.fixture
def demo_store(demo_db_url):
    s = Store(demo_db_url)
    yield s
    s.engine.dispose()


def test_a_2026_q1_quarter_works_from_template_to_api(demo_store, tmp_path):
    """After the demo's 2021-2025 history: the new cycle's ended quarters are offered before
    any figure, and a 2026-Q1 file goes from template to the API's picture."""
    store = demo_store
    _import(store)
    with store.session() as db:
        template = template_bytes(db, "MOH", "2026-Q1")
        # the default stays the latest quarter with approved figures; the new cycle is offered
        assert quarter_options(db, TODAY)[:4] == ["2025-Q4", "2026-Q3", "2026-Q2", "2026-Q1"]
    filled = fill(
        template,
        {
            "T1.5": {"Value": 84},
            "T1.6": {"Value": 75},
            "T1.7": {"Value": 20},
            "T2.8": {"Value": "Yes"},
            "T4.1": {"Value": 66},
        },
    )
    with store.transaction() as db:
        outcome = ingest(
            db, filled, "moh.xlsx", _user(db, "entity"), tmp_path, submit=True, today=TODAY
        )
    assert outcome.outcome == "submitted", outcome.report()
    with store.transaction() as db:
        submission = db.scalar(
            select(Submission).join(Period).where(Period.code == "2026-Q1", Submission.is_current)
        )
        assert submission.period.code == "2026-Q1"
        new_kpis = set(
            db.scalars(
                select(Kpi.id).join(ProgrammeCycle).where(ProgrammeCycle.code == "2026-2030")
            )
        )
        assert {o.kpi_id for o in submission.observations} <= new_kpis
        decide(db, Actor.of(_user(db, "supervisor")), submission.id, returning=False)
    with store.session() as db:
        choices = quarter_options(db, TODAY)
    assert choices[:2] == ["2026-Q1", "2025-Q4"]  # the as-of choice spans both cycles
    committee = Actor(Role.COMMITTEE)
    prog = api_view.programme_for(store, ResultCache(4), committee, "2026-Q1", None)
    picture = api_view.programme_picture(prog, committee)
    kpis = {k["code"]: k for k in picture["kpis"]}
    assert set(kpis) == {"T1.2", "T1.5", "T1.6", "T1.7", "T2.7", "T2.8", "T4.1", "T4.6"}
    assert kpis["T1.5"]["value"] == 84
    assert kpis["T1.5"]["coverage"]["reported"] == 1
    assert kpis["T2.7"]["status"] == "no_data"
    earlier = api_view.programme_for(store, ResultCache(4), committee, "2025-Q4", None)
    assert len(earlier.specs) == 24  # the earlier cycle's picture is unchanged


def test_every_catalogue_problem_reads_in_arabic_with_its_placeholders():
    """services/ is not scanned by tests/web/test_i18n.py: the messages are checked here."""
    po = Path(__file__).resolve().parents[2] / "web/translations/ar/LC_MESSAGES/messages.po"
    catalogue = read_po(po.open("rb"), locale="ar")
    for message in [*MESSAGES.values(), WHERE, WHERE_ROW]:
        found = catalogue.get(message)
        assert found is not None and found.string, message
        assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(found.string))


def test_a_continuing_kpis_template_shows_the_last_official_value_of_the_cycle_before(demo_store):
    """T1.5 of 2026-2030 continues T1.5 of 2021-2025: MOH's 2026-Q1 row shows MOH's last official
    T1.5 (and the upload check compares a jump with it); a new KPI has nothing before it."""
    from etl.due import due_kpis, official_histories
    from kpis.periods import parse_period

    store = demo_store
    _import(store)
    with store.session() as db:
        earlier = db.scalar(
            select(Kpi.id)
            .join(ProgrammeCycle)
            .where(ProgrammeCycle.code != "2026-2030", Kpi.code == "T1.5")
        )
        moh = db.scalar(select(User.entity_id).where(User.email == ROLE_USERS["entity"][0]))
        quarter = parse_period("2026-Q1")
        before = official_histories(db, [moh], quarter)[moh][earlier]
        due = due_kpis(db, "MOH", quarter)
    assert list(before)[-1] == "2025-Q4"
    assert due["T1.5"].previous == list(before.values())[-1]
    assert due["T1.5"].history[-len(before) :] == tuple(before.values())
    assert due["T1.7"].previous is None and due["T1.7"].history == ()


@pytest.mark.parametrize(
    ("code", "years"), [("2062-2066", ("2062", "2066")), ("2026-2999", ("2026", "2999"))]
)
def test_a_cycle_that_does_not_follow_the_last_is_refused(store, code, years):
    """A typo in the code would be for good (a cycle once imported stays and blocks the next):
    the next cycle starts the year after the last ends and lasts at most ten years."""
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "baseline_2025", f"baseline_{int(years[0]) - 1}", 1
    )
    text = text.replace("target_2030", f"target_{years[1]}", 1)
    before = _counts(store)
    with store.session() as db:
        preview = preview_cycle(db, ADMIN, code, text.encode())
    assert [p.code for p in preview.problems] == ["not_next"]
    assert "must start in 2026" in preview.problems[0].render()
    with pytest.raises(CycleRefused), store.transaction() as db:
        import_cycle(db, ADMIN, code, text.encode())
    assert _counts(store) == before
