"""The catalogue in the store: loaded from the reference copy, idempotent, printed back."""

import csv
import io
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from data.catalogue import REFERENCE, catalogue_csv, load_catalogue
from data.db import Store, migrate
from data.models import (
    AuditEvent,
    Entity,
    EntityKpi,
    Initiative,
    InterimTarget,
    InternationalIndicator,
    Kpi,
    KpiDefinition,
    Period,
    Track,
)

ROOT = Path(__file__).resolve().parents[2]


def counts(session) -> dict[str, int]:
    models = (
        Track,
        Kpi,
        KpiDefinition,
        InterimTarget,
        Entity,
        EntityKpi,
        Initiative,
        InternationalIndicator,
        Period,
        AuditEvent,
    )
    return {m.__tablename__: session.scalar(select(func.count()).select_from(m)) for m in models}


def test_init_loads_the_whole_catalogue(store):
    with store.session() as db:
        got = counts(db)
    assert got["tracks"] == 4
    assert got["kpis"] == 24
    assert got["entities"] == 28
    assert got["initiatives"] == 24
    assert got["international_indicators"] == 9
    assert got["interim_targets"] == 5
    assert got["periods"] == 20 + 5


def test_loading_twice_changes_nothing(store):
    with store.session() as db:
        before = counts(db)
    with store.transaction() as db:
        report = load_catalogue(db)
    with store.session() as db:
        after = counts(db)
    assert report.empty
    assert after == before


def test_catalogue_csv_equals_the_reference_value_for_value(store):
    with store.session() as db:
        printed = list(csv.DictReader(io.StringIO(catalogue_csv(db))))
    reference = list(csv.DictReader((REFERENCE / "kpis_2021_2025.csv").open(encoding="utf-8")))
    assert printed == reference
    shared = ROOT.parent / "shared" / "reference" / "kpis_2021_2025.csv"
    if shared.exists():
        assert printed == list(csv.DictReader(shared.open(encoding="utf-8")))


def test_a_kpi_without_target_has_an_empty_target_never_zero(store):
    with store.session() as db:
        rows = {r["code"]: r for r in csv.DictReader(io.StringIO(catalogue_csv(db)))}
        t31 = db.scalar(select(Kpi).where(Kpi.code == "T3.1"))
        assert t31.current.target_value is None
    assert rows["T3.1"]["target_2025"] == ""
    assert rows["T1.1"]["baseline_2020"] == ""
    assert rows["T1.5"]["baseline_2020"] == "34"
    assert rows["T1.2"]["target_comparator"] == "<="


def test_procedure_plan_is_t11_interim_path(store):
    with store.session() as db:
        kpi = db.scalar(select(Kpi).where(Kpi.code == "T1.1"))
        plan = {t.year: t.value for t in kpi.interim_targets}
    assert plan == {2021: 37, 2022: 53, 2023: 71, 2024: 88, 2025: 100}


def test_entity_kpis_are_assigned_to_every_entity(store):
    with store.session() as db:
        entity_scoped = db.scalar(
            select(func.count()).select_from(Kpi).where(Kpi.scope == "entity")
        )
        moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
        assigned = db.scalar(
            select(func.count()).select_from(EntityKpi).where(EntityKpi.entity_id == moh.id)
        )
        owner = db.scalar(select(Kpi).where(Kpi.code == "T1.2")).owner
    assert assigned == entity_scoped == 15
    assert owner.code == "MTCIT"


def test_a_restated_target_keeps_the_old_version(store, tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    for source in REFERENCE.glob("*.csv"):
        content = source.read_text(encoding="utf-8")
        if source.name == "kpis_2021_2025.csv":
            content = content.replace(",34,80,>=,", ",34,85,>=,")
        (folder / source.name).write_text(content, encoding="utf-8")
    with store.transaction() as db:
        report = load_catalogue(db, folder)
    with store.session() as db:
        kpi = db.scalar(select(Kpi).where(Kpi.code == "T1.5"))
        versions = [(d.version, d.target_value) for d in kpi.definitions]
    assert report.added == {"kpi_definitions": 1}
    assert versions == [(1, 80), (2, 85)]


def test_migrations_match_the_models(empty_db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data.models import Base

    migrate(empty_db_url)
    store = Store(empty_db_url)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    store.engine.dispose()


def test_cli_init_twice_then_catalogue(empty_db_url):
    env = {"DATABASE_URL": empty_db_url, "PATH": "/usr/bin:/bin"}
    first = subprocess.run(
        [sys.executable, "-m", "data", "init"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    second = subprocess.run(
        [sys.executable, "-m", "data", "init"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    printed = subprocess.run(
        [sys.executable, "-m", "data", "catalogue"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "kpis" in first.stdout
    assert second.stdout.strip() == "catalogue up to date"
    assert printed.stdout == (REFERENCE / "kpis_2021_2025.csv").read_text(encoding="utf-8")
