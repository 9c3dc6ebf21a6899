"""Phones: every page at 390 x 844 px (an iPhone 12 to 15), in English and Arabic, is no wider
than the screen, folds its menu behind a button that opens it, scrolls wide tables inside their
card and fits its charts; axe-core finds nothing there either."""

from __future__ import annotations

import dash
import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}
PAGES = {  # what shows that the page rendered
    "/": "#overview-content section",
    "/track/T1": "#track-content .main-svg",
    "/kpi/T1.1": "#kpi-content .main-svg",
    "/entity/MOH": "#entity-content section",
    "/completeness": "#completeness-content section",
    "/international": "main table",
    "/submissions": "main h1",
    "/review": "main h1",
    "/audit": "main table",
    "/reports": "main h1",
}
# The menu of each role, in English (the Arabic labels are the catalogue's translations).
MENUS = {
    "admin": [
        "Overview",
        "Initiatives",
        "Procedures",
        "Budget",
        "Completeness",
        "International",
        "Submissions",
        "Review",
        "Audit",
    ],
    "supervisor": [
        "Overview",
        "Initiatives",
        "Procedures",
        "Budget",
        "Completeness",
        "International",
        "Submissions",
        "Review",
        "Audit",
    ],
    "committee": [
        "Overview",
        "Initiatives",
        "Procedures",
        "Budget",
        "Completeness",
        "International",
    ],
    "entity": [
        "Overview",
        "Initiatives",
        "Procedures",
        "Budget",
        "Completeness",
        "International",
        "My entity",
        "Submissions",
    ],
}
# Elements sticking out of the screen sideways, outermost only (what makes the page scroll).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = (e) => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5);
  };
  return [...document.body.querySelectorAll("*")]
    .filter((e) => out(e) && !out(e.parentElement) && !e.closest(".table-wrap"))
    .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.getAttribute("class") || ""}`)
    .slice(0, 5);
}"""


def built(path: str) -> bool:
    """Whether the app has this page yet (/reports comes with the published editions)."""
    first = path.strip("/").split("/")[0]
    return any(p["path"].strip("/").split("/")[0] == first for p in dash.page_registry.values())


def new_page(browser, viewport: dict):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def sign_in_at(browser, live_server, role: str, lang: str, viewport: dict = PHONE):
    page = new_page(browser, viewport)
    page.goto(f"{live_server}/login?lang={lang}")
    page.fill("#email", ROLE_USERS[role][0])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#overview-content section")
    return page


def settle(page, live_server: str, path: str) -> None:
    page.goto(f"{live_server}{path}")
    page.wait_for_selector(PAGES.get(path, "main h1"))
    page.wait_for_function("!document.querySelector('[data-dash-is-loading]')")
    page.wait_for_load_state("networkidle")


def page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def menu_links(page):
    return page.locator("#shell-menu a")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_every_page_fits_a_phone_and_is_accessible(browser, live_server, lang):
    page = sign_in_at(browser, live_server, "supervisor", lang)
    problems = []
    for path in [p for p in PAGES if built(p)]:
        settle(page, live_server, path)
        scroll_width, screen = page_width(page)
        if scroll_width > screen:
            problems.append(f"{path} is {scroll_width} px wide: {page.evaluate(OVERFLOWING)}")
        problems += [f"{path}: {v}" for v in axe_violations(page)]
    assert problems == [], "\n".join(problems)
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_sign_in_page_fits_a_phone(browser, live_server, lang):
    page = new_page(browser, PHONE)
    page.goto(f"{live_server}/login?lang={lang}")
    assert page_width(page) == [390, 390]
    assert page.locator("#password").is_visible()
    assert axe_violations(page) == []
    page.context.close()


@pytest.mark.parametrize("role", ["admin", "supervisor", "committee", "entity"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_phone_menu_folds_and_opens(browser, live_server, role, lang):
    page = sign_in_at(browser, live_server, role, lang)
    button = page.locator("#shell-menu-button")
    links = menu_links(page)
    assert links.count() >= len(MENUS[role])
    assert button.is_visible()
    assert button.get_attribute("aria-controls") == "shell-menu"
    assert button.get_attribute("aria-expanded") == "false"
    assert not links.first.is_visible()  # folded

    button.click()
    page.wait_for_selector("#shell-menu-button[aria-expanded=true]")
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert links.nth(n).is_visible()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert page_width(page)[0] <= PHONE["width"]  # the open menu does not widen the page
    if lang == "en":
        assert links.all_inner_texts()[: len(MENUS[role])] == MENUS[role]
    assert links.first.get_attribute("aria-current") == "page"  # the overview is open

    last = links.nth(links.count() - 1)
    target = last.get_attribute("href")
    last.click()
    page.wait_for_url(f"**{target}")
    page.wait_for_selector("#shell-menu-button[aria-expanded=false]")  # closes on the way
    assert last.get_attribute("aria-current") == "page"
    assert links.first.get_attribute("aria-current") is None
    page.context.close()


def tab_to(page, href: str, most: int) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == href:
            return
    raise AssertionError(f"Tab never reached {href}")


def test_phone_menu_reaches_submissions_with_the_keyboard(browser, live_server):
    page = sign_in_at(browser, live_server, "entity", "ar")
    submissions = page.locator("#shell-menu a[href='/submissions']")
    page.focus("#shell-menu-button")
    page.keyboard.press("Enter")
    page.wait_for_selector("#shell-menu-button[aria-expanded=true]")
    tab_to(page, "/submissions", menu_links(page).count())
    assert submissions.is_visible()
    page.keyboard.press("Escape")  # closes, and the focus goes back to the button
    page.wait_for_selector("#shell-menu-button[aria-expanded=false]")
    assert page.evaluate("document.activeElement.id") == "shell-menu-button"
    assert not submissions.is_visible()

    page.keyboard.press("Space")
    page.wait_for_selector("#shell-menu-button[aria-expanded=true]")
    tab_to(page, "/submissions", menu_links(page).count())
    page.keyboard.press("Enter")
    page.wait_for_url("**/submissions")
    page.wait_for_selector("#shell-menu-button[aria-expanded=false]")
    assert submissions.get_attribute("aria-current") == "page"
    assert page.locator("#shell-menu a[aria-current]").count() == 1
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_wide_screen_shows_the_menu_without_a_button(browser, live_server, lang):
    page = sign_in_at(browser, live_server, "supervisor", lang, WIDE)
    assert page.locator("#shell-menu-button").is_hidden()
    links = menu_links(page)
    assert all(links.nth(n).is_visible() for n in range(links.count()))
    tops = {round(links.nth(n).bounding_box()["y"]) for n in range(links.count())}
    assert len(tops) == 1  # one line, as before
    page.click("#shell-menu a[href='/audit']")
    page.wait_for_selector("#shell-menu a[href='/audit'][aria-current=page]")
    assert page.locator("#shell-menu a[aria-current]").count() == 1
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_wide_table_scrolls_inside_its_card_with_the_keyboard(browser, live_server, lang):
    page = sign_in_at(browser, live_server, "supervisor", lang)
    settle(page, live_server, "/audit")
    region = page.locator(".table-wrap:has(#audit-table)")
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("tabindex") == "0"
    assert region.get_attribute("aria-label") == page.inner_text("#audit-table caption")
    widths = region.evaluate("box => [box.scrollWidth, box.clientWidth]")
    assert widths[0] > widths[1]  # the table is wider than the phone: the box scrolls
    assert page_width(page)[0] <= PHONE["width"]  # and the page does not
    region.focus()
    page.keyboard.press("ArrowRight" if lang == "en" else "ArrowLeft")
    page.wait_for_function(
        "() => document.querySelector('.table-wrap:has(#audit-table)').scrollLeft !== 0"
    )
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_charts_fit_and_show_whole_names_on_a_phone(browser, live_server, lang):
    page = sign_in_at(browser, live_server, "committee", lang)
    settle(page, live_server, "/kpi/T1.1")
    page.wait_for_selector("#kpi-ranked .main-svg")
    for chart in page.locator(".js-plotly-plot").all():
        box, card = chart.bounding_box(), chart.locator("xpath=ancestor::section[1]").bounding_box()
        assert card["x"] <= box["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
    # every entity's name on the comparison lies inside the chart, none cut at its edge
    chart = page.locator("#kpi-ranked").bounding_box()
    names = page.locator("#kpi-ranked .ytick text")
    assert names.count() >= 19  # the ministries that reported, then those that did not
    for n in range(names.count()):
        name = names.nth(n).bounding_box()
        assert chart["x"] <= name["x"] and name["x"] + name["width"] <= chart["x"] + chart["width"]
    # and the names leave the bars a third of the width at least
    bars = page.locator("#kpi-ranked .draglayer .nsewdrag").bounding_box()
    assert bars["width"] >= chart["width"] / 3
    page.context.close()
