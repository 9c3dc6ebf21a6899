"""Every interface string has an Arabic translation; the language is chosen and remembered."""

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from data.models import User
from tests.conftest import ROLE_USERS
from tests.web.test_auth import dash_post, routing

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "web" / "translations" / "ar" / "LC_MESSAGES" / "messages.po"


def interface_strings() -> set[str]:
    found = set()
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "N_": None}
    for folder in ("web", "dashboards", "etl", "kpis", "services"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map, keywords=keywords
        ):
            found.update([message] if isinstance(message, str) else message)
    return found


def test_every_interface_string_has_an_arabic_translation():
    catalogue = read_po(PO.open("rb"), locale="ar")
    strings = interface_strings()
    assert len(strings) > 40
    missing = sorted(s for s in strings if not (m := catalogue.get(s)) or not m.string or m.fuzzy)
    assert missing == [], f"strings without an Arabic translation (run make messages): {missing}"


def test_no_message_is_defined_twice():
    """Helpers append entries: a second definition of a message is a fatal error for gettext's
    msgfmt (Babel keeps the last one silently)."""
    blocks = re.findall(r'^msgid ((?:".*"\n)+)msgstr', PO.read_text(encoding="utf-8"), re.M)
    ids = ["".join(re.findall(r'"(.*)"', block)) for block in blocks]
    assert sorted({i for i in ids if i and ids.count(i) > 1}) == []


def test_translations_keep_their_placeholders():
    for message in read_po(PO.open("rb"), locale="ar"):
        if message.id and "%(" in message.id:
            for name in ("%(value)s", "%(code)s", "%(tracks)d", "%(kpis)d"):
                assert (name in message.id) == (name in message.string), message.id


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("en", "ltr")])
def test_index_page_carries_lang_and_dir(login, lang, direction):
    client = login("supervisor")
    page = client.get(f"/?lang={lang}")
    assert f'<html lang="{lang}" dir="{direction}">' in page.text


def test_login_page_in_arabic(client):
    page = client.get("/login?lang=ar")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "تسجيل الدخول" in page.text and "كلمة المرور" in page.text


def test_language_is_remembered_for_the_user(app, login):
    client = login("committee")
    client.get("/?lang=ar")
    assert '<html lang="ar"' in client.get("/").text
    response = dash_post(client, routing("/"))
    assert "حتى الربع" in json.dumps(response.get_json(), ensure_ascii=False)  # "As of quarter"
    with app.server.extensions["store"].session() as db:
        user = db.scalar(select(User).where(User.email == ROLE_USERS["committee"][0]))
        assert user.language == "ar"
    client.post("/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})
    client.delete_cookie("session")
    signed_in_again = login("committee")
    assert '<html lang="ar"' in signed_in_again.get("/").text


def test_browser_preference_is_used_before_sign_in(client):
    page = client.get("/login", headers={"Accept-Language": "ar-OM,ar;q=0.9,en;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in page.text
