"""Fixtures: a fresh database per test (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
the app on it, a test client, and `login` to sign in as a role."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from data.catalogue import load_catalogue
from data.db import Store, migrate
from data.users import create_user
from services.demo import seed_demo
from settings import Settings

PASSWORD = "correct-horse-battery"
ROLE_USERS = {
    "admin": ("admin@test.om", None),
    "supervisor": ("supervisor@test.om", None),
    "committee": ("committee@test.om", None),
    "entity": ("moh@test.om", "MOH"),
    "entity_other": ("mof@test.om", "MOF"),
}
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP = "PostgreSQL store tests need TEST_DATABASE_URL (CI starts a server; see .ci/run)"
_counter = itertools.count()


def build_catalogue(url: str, *, with_users: bool, with_demo: bool = False) -> None:
    migrate(url)
    store = Store(url)
    with store.transaction() as db:
        load_catalogue(db)
        if with_users:
            for role, (email, entity) in ROLE_USERS.items():
                create_user(db, email, role.split("_")[0], PASSWORD, entity_code=entity)
        if with_demo:
            seed_demo(db)
    store.engine.dispose()


class SqliteDatabases:
    """Fresh SQLite files, copied from a template built once per run."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.templates: dict[str, Path] = {}

    def fresh(self, kind: str) -> str:
        target = self.folder / f"db{next(_counter)}.sqlite"
        if kind != "empty":
            if kind not in self.templates:
                self.templates[kind] = self.folder / f"template-{kind}.sqlite"
                build_catalogue(
                    f"sqlite:///{self.templates[kind]}",
                    with_users=kind in ("users", "demo"),
                    with_demo=kind == "demo",
                )
            shutil.copy(self.templates[kind], target)
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


class PostgresDatabases:
    """Fresh PostgreSQL databases, created from template databases built once per run."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT")
        self.prefix = f"tracker_test_{os.getpid()}"
        self.templates: set[str] = set()

    def _create(self, name: str, template: str | None = None) -> str:
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            conn.execute(text(f"CREATE DATABASE {name}{clause}"))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def fresh(self, kind: str) -> str:
        template = f"{self.prefix}_tpl_{kind}"
        if kind != "empty" and template not in self.templates:
            build_catalogue(
                self._create(template),
                with_users=kind in ("users", "demo"),
                with_demo=kind == "demo",
            )
            self.templates.add(template)
        name = f"{self.prefix}_{next(_counter)}"
        return self._create(name, template if kind != "empty" else None)

    def drop(self, url: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)"))

    def close(self) -> None:
        for template in self.templates:
            with self.admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory) -> SqliteDatabases:
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases | None]:
    if not PG_URL:
        yield None
        return
    databases = PostgresDatabases(PG_URL)
    yield databases
    databases.close()


def _fresh_database(request, kind: str) -> Iterator[str]:
    backend = request.param
    if backend == "postgresql":
        databases = request.getfixturevalue("postgres_databases")
        if databases is None:
            pytest.skip(PG_SKIP)
    else:
        databases = request.getfixturevalue("sqlite_databases")
    url = databases.fresh(kind)
    yield url
    databases.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request) -> Iterator[str]:
    """A fresh database with the schema and the reference catalogue, on each backend."""
    yield from _fresh_database(request, "catalogue")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    yield from _fresh_database(request, "empty")


@pytest.fixture(params=["sqlite", "postgresql"])
def users_db_url(request) -> Iterator[str]:
    """Catalogue plus one user per role (ROLE_USERS), on each backend."""
    yield from _fresh_database(request, "users")


@pytest.fixture(params=["sqlite"])
def app_db_url(request) -> Iterator[str]:
    """The app's database: catalogue plus one user per role (ROLE_USERS)."""
    yield from _fresh_database(request, "users")


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db_url(request) -> Iterator[str]:
    """Catalogue, one user per role and the demo history (seeded once per run, then copied)."""
    yield from _fresh_database(request, "demo")


@pytest.fixture
def demo_app(demo_db_url, tmp_path):
    dash_app = create_app(
        Settings(
            database_url=demo_db_url,
            app_env="test",
            instance_path=tmp_path / "instance",
            upload_dir=tmp_path / "uploads",
        )
    )
    yield dash_app
    dash_app.server.extensions["store"].engine.dispose()


@pytest.fixture
def store(db_url) -> Iterator[Store]:
    s = Store(db_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def settings(app_db_url, tmp_path) -> Settings:
    return Settings(
        database_url=app_db_url,
        app_env="test",
        instance_path=tmp_path / "instance",
        upload_dir=tmp_path / "uploads",
    )


@pytest.fixture
def app(settings):
    dash_app = create_app(settings)
    yield dash_app
    dash_app.server.extensions["store"].engine.dispose()


@pytest.fixture
def client(app):
    return app.server.test_client()


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match[1]


@pytest.fixture
def login(client):
    """`login("supervisor")` signs the test client in as that role's user and returns the client."""

    def sign_in(role: str, lang: str | None = None):
        email, _entity = ROLE_USERS[role]
        page = client.get("/login")
        data = {"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
        query = f"?lang={lang}" if lang else ""
        response = client.post(f"/login{query}", data=data)
        assert response.status_code == 302, response.text
        return client

    return sign_in


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the tests of
    invitations and reminders: `url` goes into SMTP_URL; `messages` are `email.message.Message`s."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Message

        sink = self

        class Keep(Message):
            def handle_message(self, message) -> None:
                sink.messages.append(message)

        self.messages: list = []
        self._controller = Controller(Keep(), hostname="127.0.0.1", port=_free_port())

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self._controller.port}"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address.lower() in m["To"].lower()]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()
