"""The submissions page's history, a page at a time, with the page in the address."""

from __future__ import annotations

from dash import dcc

from tests.dashboards.conftest import find, page, text_of


def links(tree) -> list[str]:
    return [c.href for c in find(tree, lambda c: isinstance(c, dcc.Link))]


def test_the_history_says_which_page_and_links_newer_and_older(as_role):
    with as_role("entity"):
        tree = page("submissions").layout(page="2")
    assert "Page 2 of" in text_of(tree)
    hrefs = [h for h in links(tree) if "page=" in h]
    assert any(h.endswith("page=1") for h in hrefs) and any(h.endswith("page=3") for h in hrefs)
    assert all("entity=MOH" in h for h in hrefs)


def test_a_forged_page_number_shows_the_first_page(as_role):
    with as_role("entity"):
        tree = page("submissions").layout(page="-3 OR 1=1")
    assert "Page 1 of" in text_of(tree)


def test_in_arabic(as_role):
    with as_role("entity", "ar"):
        tree = page("submissions").layout(page="2")
    assert "الصفحة 2 من" in text_of(tree)
