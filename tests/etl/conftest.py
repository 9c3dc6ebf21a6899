"""Helpers to make templates, fill them the way clerks do, and ingest them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from data.db import Store
from data.models import User
from etl.export import export_csv
from etl.ingest import ingest
from etl.template import template_bytes
from tests.conftest import ROLE_USERS

PERIOD = "2025-Q3"
TODAY = date(2026, 11, 22)


class Desk:
    """A store with users, and the clerk's and the office's moves on it."""

    def __init__(self, store: Store, uploads) -> None:
        self.store = store
        self.uploads = uploads

    def template(self, entity: str = "MOH", period: str = PERIOD) -> bytes:
        with self.store.session() as db:
            return template_bytes(db, entity, period)

    def ingest(
        self,
        data: bytes,
        role: str = "entity",
        name: str = "moh.xlsx",
        *,
        submit=True,
        today: date = TODAY,
        **kwargs,
    ):
        with self.store.transaction() as db:
            user = db.scalar(select(User).where(User.email == ROLE_USERS[role][0]))
            return ingest(db, data, name, user, self.uploads, submit=submit, today=today, **kwargs)

    def export(self) -> str:
        with self.store.session() as db:
            return export_csv(db)


@pytest.fixture
def desk(users_db_url, tmp_path):
    store = Store(users_db_url)
    yield Desk(store, tmp_path / "uploads")
    store.engine.dispose()


def fill(data: bytes, values: dict[str, dict[str, object]], edit=None) -> bytes:
    """Write `values` ({code: {column label: value}}) into sheet Data, then run `edit(sheet)`."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook["Data"]
    header = {str(c.value).split("\n")[0]: c.column for c in sheet[1] if c.value}
    for row in sheet.iter_rows(min_row=2):
        code = row[0].value
        for label, value in values.get(code, {}).items():
            sheet.cell(row=row[0].row, column=header[label], value=value)
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_of(data: bytes, code: str) -> int:
    sheet = load_workbook(io.BytesIO(data))["Data"]
    return next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == code)
