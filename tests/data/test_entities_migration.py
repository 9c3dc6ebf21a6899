"""Migration 0009 on a store that already has entities: they report from the first quarter of the
first cycle, and nothing else about them changes (SQLite and PostgreSQL)."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from data.db import alembic_config


def test_existing_entities_report_from_the_cycles_first_quarter(empty_db_url):
    config = alembic_config(empty_db_url)
    command.upgrade(config, "0008")
    engine = create_engine(empty_db_url)
    with engine.begin() as db:
        db.execute(
            text(
                "INSERT INTO programme_cycles (code, name_en, name_ar, baseline_year, start_year,"
                " target_year) VALUES ('2021-2025', 'P', 'ب', 2020, 2021, 2025)"
            )
        )
        for code, active in (("MOH", True), ("OLD", False)):
            db.execute(
                text(
                    "INSERT INTO entities (code, name_en, name_ar, website, active, is_demo)"
                    " VALUES (:code, 'N', 'ن', '', :active, false)"
                ),
                {"code": code, "active": active},
            )
    command.upgrade(config, "0009")
    with engine.connect() as db:
        rows = db.execute(
            text("SELECT code, first_period, deactivated_from, active FROM entities ORDER BY code")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("MOH", "2021-Q1", None, True),
        ("OLD", "2021-Q1", None, False),
    ]
    command.downgrade(config, "0008")  # and back
