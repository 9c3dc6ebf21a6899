"""Call page layouts and callbacks directly, signed in as a role, in a request context."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

import pytest
from dash import html
from flask_login import login_user
from sqlalchemy import select

from data.models import User
from data.users import account
from tests.conftest import ROLE_USERS
from web.auth import WebUser


@contextmanager
def signed_in(app, role: str, lang: str = "en"):
    store = app.server.extensions["store"]
    with app.server.test_request_context(f"/?lang={lang}"):
        with store.session() as db:
            user_id = db.scalar(select(User.id).where(User.email == ROLE_USERS[role][0]))
            login_user(WebUser(account(db, user_id)))
        yield


def page(name: str):
    """A page module, as Dash imported it when the app was made."""
    return importlib.import_module(f"dashboards.{name}")


def text_of(component) -> str:
    """The words a reader sees in a component tree (children only, not ids or classes)."""
    if component is None or isinstance(component, bool):
        return ""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def find(component, predicate) -> list:
    found = []
    if isinstance(component, list | tuple):
        for c in component:
            found += find(c, predicate)
    elif isinstance(component, html.Div | object) and hasattr(component, "children"):
        if predicate(component):
            found.append(component)
        found += find(component.children, predicate)
    return found


@pytest.fixture
def as_role(demo_app):
    def run(role: str, lang: str = "en"):
        return signed_in(demo_app, role, lang)

    return run
