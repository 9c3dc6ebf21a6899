"""Sign in, switch language, the home page in both languages, and axe-core on each."""

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import ROLE_USERS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_login_page_is_accessible(page, live_server, lang):
    page.goto(f"{live_server}/login?lang={lang}")
    assert page.get_attribute("html", "lang") == lang
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == []


def test_wrong_password_shows_a_message(page, live_server):
    page.goto(f"{live_server}/login")
    page.fill("#email", ROLE_USERS["committee"][0])
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert "not right" in page.inner_text("[role=alert]")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_home_lists_the_tracks_and_is_accessible(sign_in, lang):
    page = sign_in("supervisor", lang)
    page.wait_for_selector("#overview-content table")
    assert page.locator("#overview-content section.track").count() == 4
    assert page.locator("#overview-content section.track tbody tr").count() == 24
    assert page.locator("#shell-demo-banner").is_visible()
    heading = page.inner_text("h1")
    assert heading == ("نظرة عامة على البرنامج" if lang == "ar" else "Programme overview")
    assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) == []


def test_language_switch_turns_the_page_right_to_left_and_back(sign_in):
    page = sign_in("committee", "en")
    page.click("a.lang-switch")
    page.wait_for_selector("html[dir=rtl]")
    page.wait_for_selector("text=نظرة عامة على البرنامج")
    page.wait_for_selector("#overview-content section")  # the figures arrive by callback
    assert "لم يُحدَّد المستهدف" in page.inner_text("#overview-content")
    page.reload()
    page.wait_for_selector("#overview-content section")
    assert page.get_attribute("html", "lang") == "ar"
    page.click("a.lang-switch")
    page.wait_for_selector("html[dir=ltr]")
    page.wait_for_selector("text=Programme overview")


def test_entity_user_is_refused_the_review_page_and_signs_out(sign_in, live_server):
    page = sign_in("entity")
    assert "Entity team · MOH" in page.inner_text("header")
    response = page.goto(f"{live_server}/review")
    assert response.status == 403
    assert "do not have access" in page.inner_text("main")
    page.goto(live_server)
    page.wait_for_selector("#overview-content section")
    page.click("text=Sign out")
    page.wait_for_url("**/login")
    assert page.goto(f"{live_server}/").url.startswith(f"{live_server}/login")


def test_axe_check_does_find_a_violation(page, live_server):
    page.goto(f"{live_server}/login")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')")
    assert any(v.startswith("image-alt") for v in axe_violations(page))
