"""The home page's layout, called directly in a signed-in request context."""

import importlib

import pytest
from flask_login import login_user
from sqlalchemy import select

from data.models import User
from data.users import account
from tests.conftest import ROLE_USERS
from web.auth import WebUser


def render(app, role: str, lang: str) -> str:
    """The page's layout as text; pages are imported by Dash when the app is made."""
    home = importlib.import_module("dashboards.home")
    store = app.server.extensions["store"]
    with app.server.test_request_context(f"/?lang={lang}"):
        with store.session() as db:
            user_id = db.scalar(select(User.id).where(User.email == ROLE_USERS[role][0]))
            login_user(WebUser(account(db, user_id)))
        return str(home.layout())


@pytest.mark.parametrize("role", ["admin", "supervisor", "committee", "entity"])
def test_home_lists_four_tracks_and_24_kpis(app, role):
    page = render(app, role, "en")
    for code in ("T1", "T2", "T3", "T4"):
        assert f"home-track-{code}" in page
    assert sum(page.count(f"'T{t}.{n}'") for t in range(1, 5) for n in range(1, 10)) == 24
    assert "4 tracks and 24 headline indicators" in page


def test_targets_read_with_their_comparator_and_never_zero(app):
    page = render(app, "supervisor", "en")
    assert "At least 80%" in page
    assert "Rank 20 or better" in page
    assert page.count("Target not set") == 6  # all of track 3
    assert "Not applicable" in page


def test_home_in_arabic(app):
    page = render(app, "committee", "ar")
    assert "التميز في الخدمات الرقمية" in page
    assert "80% على الأقل" in page
    assert "لم يُحدَّد المستهدف" in page
    assert "Target not set" not in page
