"""The overview in headless Chromium, as a committee member uses it: the grid filtered by track and
status and sorted, in English and Arabic; on a phone it scrolls inside its card, not the page;
axe-core finds nothing."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations
from tests.conftest import PASSWORD, ROLE_USERS

GRID = "#overview-grid"
HEADER_CODES = f"""() => Array.from(document.querySelectorAll('{GRID} thead abbr'))
    .map(a => a.textContent.replace(/[\\u2066\\u2069]/g, ''))"""
ROWS = f"""() => Array.from(document.querySelectorAll('{GRID} tbody tr')).map(tr => ({{
    name: tr.querySelector('th').textContent,
    off: Number(tr.querySelectorAll('td')[2].textContent),
    score: tr.querySelectorAll('td')[0].textContent,
    cells: Array.from(tr.querySelectorAll('td.grid-cell')).map(td => td.className + ' '
        + (td.querySelector('.status') || {{className: ''}}).className),
}}))"""


def settle(page):
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading]')")
    page.wait_for_load_state("networkidle")


def choose(page, group: str, value: str):
    button = page.locator(f"button[data-group='{group}'][data-value='{value}']")
    button.click()
    page.wait_for_function(
        f"() => document.querySelector(\"button[data-group='{group}'][data-value='{value}']\")"
        ".getAttribute('aria-pressed') === 'true'"
    )
    settle(page)
    assert button.evaluate("b => b === document.activeElement")  # focus stays on the choice


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_filter_the_grid_by_track_and_status_and_sort_it(sign_in, live_server, lang):
    page = sign_in("committee", lang)
    page.wait_for_selector(f"{GRID} tbody tr")
    settle(page)
    assert len(page.evaluate(ROWS)) == 28
    assert "T1.1" in page.evaluate(HEADER_CODES)

    choose(page, "track", "T2")
    page.wait_for_function(f"() => ({HEADER_CODES})().every(c => c.startsWith('T2.'))")
    assert page.evaluate(HEADER_CODES) == ["T2.1", "T2.3", "T2.4", "T2.5", "T2.6"]

    choose(page, "status", "off_track")
    page.wait_for_function(
        f"() => document.querySelectorAll('{GRID} tbody tr').length < 28"
        " || document.querySelector('.grid-empty')"
    )
    rows = page.evaluate(ROWS)
    assert rows and all(any("status-off-track" in c for c in r["cells"]) for r in rows)
    assert page.evaluate(HEADER_CODES) == ["T2.1", "T2.3", "T2.4", "T2.5", "T2.6"]

    choose(page, "sort", "off_track")
    page.wait_for_function(
        f"""() => {{ const n = ({ROWS})().map(r => r.off);
            return n.every((v, i) => i === 0 || n[i - 1] >= v); }}"""
    )
    offs = [r["off"] for r in page.evaluate(ROWS)]
    assert offs == sorted(offs, reverse=True) and offs[0] > 0

    choose(page, "sort", "score")
    page.wait_for_function(f"() => ({ROWS})()[0].off !== undefined")
    scores = [float(r["score"]) for r in page.evaluate(ROWS) if r["score"] != "—"]
    assert scores == sorted(scores)

    choose(page, "status", "not_reported")
    rows = page.evaluate(ROWS)
    assert all(any("status-not-reported" in c for c in r["cells"]) for r in rows)
    caption = page.inner_text(f"{GRID} caption")
    assert str(len(rows)) in caption
    assert axe_violations(page) == []


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_overview_on_a_phone_scrolls_the_grid_not_the_page(browser, live_server, lang):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(f"{live_server}/login?lang={lang}")
        page.fill("#email", ROLE_USERS["committee"][0])
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector(f"{GRID} tbody tr")
        settle(page)
        region = page.locator(f"{GRID} [role=region]")
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("aria-label")
        wide = region.evaluate("r => r.scrollWidth > r.clientWidth")
        assert wide  # the grid is wider than a phone: it scrolls in its own card
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert axe_violations(page) == []
    finally:
        context.close()
