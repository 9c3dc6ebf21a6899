"""The read API on the demo history, on SQLite and PostgreSQL: a token per role, a browser
session per role, and one revision of MOH's 2025-Q4 figures awaiting review (the demo's own
pending submissions are other entities')."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from data.models import Entity, Period
from data.tokens import create_token
from etl.load import Row, load_submission
from tests.conftest import PASSWORD, ROLE_USERS, csrf_from

ROLES = ("admin", "supervisor", "committee", "entity")
# MOH's pending revision: a figure no approved submission has, so a leak is visible
PENDING_KPI, PENDING_PERIOD = "T1.1", "2025-Q4"
PENDING = Row(PENDING_KPI, PENDING_PERIOD, 50.0, 1.0, 2.0)


@dataclass
class Api:
    app: object
    tokens: dict[str, str]

    @property
    def store(self):
        return self.app.server.extensions["store"]

    def client(self):
        return self.app.server.test_client()

    def get(self, url: str, role: str | None = None, token: str | None = None):
        """GET `url` with `role`'s token (or the raw `token`); neither: no credentials."""
        token = token or (self.tokens[role] if role else None)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client().get(url, headers=headers)

    def session(self, role: str):
        """A test client signed in through the sign-in page as `role`'s user."""
        client = self.client()
        email, _entity = ROLE_USERS[role]
        page = client.get("/login")
        form = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        assert client.post("/login", data=form).status_code == 302
        return client


@pytest.fixture
def api(demo_app) -> Api:
    store = demo_app.server.extensions["store"]
    with store.transaction() as db:
        moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
        period = db.scalar(select(Period).where(Period.code == PENDING_PERIOD))
        load_submission(db, moh, period, [PENDING], uploader=None)
        tokens = {role: create_token(db, ROLE_USERS[role][0]) for role in (*ROLES, "entity_other")}
    return Api(demo_app, tokens)
