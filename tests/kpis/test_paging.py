"""The rules of long lists shown a page at a time (kpis.paging): page windows, searches, the
reader's clicks, the chart's best and weakest, and which completeness rows have a gap."""

import pytest

from kpis.paging import (
    ALL,
    GAPS,
    NEXT,
    PAGE_SIZE,
    PREVIOUS,
    Choice,
    Window,
    clean_query,
    ends,
    has_gap,
    matches,
    paged,
    window,
)

SHOWS = (ALL, GAPS)


@pytest.mark.parametrize(
    ("total", "page", "size", "expected"),
    [
        (0, 1, 50, Window(1, 1, 0, 0, 0)),  # nothing: one empty page
        (28, 1, 50, Window(1, 1, 1, 28, 28)),  # the demo: one page
        (50, 1, 50, Window(1, 1, 1, 50, 50)),
        (51, 2, 50, Window(2, 2, 51, 51, 51)),
        (1120, 2, 50, Window(2, 23, 51, 100, 1120)),
        (1120, 23, 50, Window(23, 23, 1101, 1120, 1120)),  # the last page is short
        (1120, 99, 50, Window(23, 23, 1101, 1120, 1120)),  # past the end: the last page
        (1120, 0, 50, Window(1, 23, 1, 50, 1120)),  # before the start: the first
        (1120, -3, 50, Window(1, 23, 1, 50, 1120)),
        (7, 3, 3, Window(3, 3, 7, 7, 7)),
    ],
)
def test_window(total, page, size, expected):
    assert window(total, page, size) == expected


def test_a_window_cuts_its_rows_and_says_where_it_leads():
    rows = list(range(1, 121))
    middle = window(120, 2)
    assert middle.rows(rows) == list(range(51, 101))
    assert middle.has_previous and middle.has_next
    last = window(120, 3)
    assert last.rows(rows) == list(range(101, 121)) and not last.has_next
    assert not window(120, 1).has_previous
    assert window(0, 1).rows([]) == []


@pytest.mark.parametrize(
    ("total", "expected"), [(0, False), (28, False), (PAGE_SIZE, False), (PAGE_SIZE + 1, True)]
)
def test_the_pager_appears_only_when_one_page_does_not_hold_the_list(total, expected):
    assert paged(total) is expected


@pytest.mark.parametrize(
    ("query", "texts", "expected"),
    [
        ("", ("MOH", "Ministry of Health"), True),  # no search keeps every row
        ("   ", ("MOH",), True),
        ("moh", ("MOH", "Ministry of Health"), True),  # a code in any case
        ("health", ("MOH", "Ministry of Health"), True),  # part of a name
        ("ministry  HEALTH", ("MOH", "Ministry of Health"), True),  # every word, any order
        ("health finance", ("MOH", "Ministry of Health"), False),  # every word must be found
        ("MOH-12", ("MOH-12", "Ministry of Health (demo copy 12)"), True),
        ("moh-12", ("MOH-1", "Ministry of Health"), False),
        ("الصحة", ("MOH", "Ministry of Health", "وزارة الصحة"), True),  # the Arabic name
        ("finance", ("MOH", None, ""), False),  # a missing name is no match
        (None, ("MOH",), True),  # a forged search is no search
        (42, ("MOH",), True),
    ],
)
def test_matches(query, texts, expected):
    assert matches(query, texts) is expected


def test_a_search_is_cut_at_a_hundred_characters():
    assert len(clean_query("x" * 10_000)) == 100
    assert clean_query("  Ministry\tof  HEALTH ") == "ministry of health"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (None, Choice()),
        ("page=3", Choice()),
        ({"page": 3, "query": "Health", "show": GAPS}, Choice(3, "health", GAPS)),
        ({"page": 0, "query": "", "show": ALL}, Choice(1, "", ALL)),
        ({"page": -2}, Choice()),
        ({"page": True}, Choice()),  # a boolean is not a page number
        ({"page": "2"}, Choice()),
        ({"page": 2, "show": "everything"}, Choice(2, "", ALL)),  # an unknown choice: all rows
        ({"page": 2, "query": ["x"]}, Choice(2, "", ALL)),
    ],
)
def test_a_stored_choice_is_checked(stored, expected):
    assert Choice.of(stored, SHOWS) == expected


@pytest.mark.parametrize(
    ("before", "pressed", "query", "show", "expected"),
    [
        (Choice(1), NEXT, "", None, Choice(2)),
        (Choice(2), PREVIOUS, "", None, Choice(1)),
        (Choice(1), PREVIOUS, "", None, Choice(1)),  # no page before the first
        (Choice(3, "moh"), NEXT, "MOH", None, Choice(4, "moh")),  # the same search, typed again
        (Choice(3), None, "health", None, Choice(1, "health")),  # a new search: the first page
        (Choice(3, "health"), None, "", None, Choice(1)),  # the search cleared: the first page
        (Choice(3), None, "", GAPS, Choice(1, "", GAPS)),  # another choice of rows: the first
        (Choice(3, "", GAPS), None, "", GAPS, Choice(3, "", GAPS)),  # the same choice: no move
        (Choice(3), None, "", "forged", Choice(3)),  # an unknown choice changes nothing
        (Choice(2), "elsewhere", "", None, Choice(2)),
    ],
)
def test_the_readers_action_leads_to_a_page(before, pressed, query, show, expected):
    assert before.after(pressed, query, show, SHOWS) == expected


def test_a_choice_goes_into_the_store_and_back():
    choice = Choice(4, "health", GAPS)
    assert Choice.of(choice.asdict(), SHOWS) == choice


@pytest.mark.parametrize(
    ("count", "each", "all_up_to", "shown", "cut"),
    [
        (0, 10, 50, [], False),
        (28, 10, 50, list(range(28)), False),  # the demo: every entity, as before
        (50, 10, 50, list(range(50)), False),
        (51, 10, 50, [*range(10), *range(41, 51)], True),
        (1120, 10, 50, [*range(10), *range(1110, 1120)], True),
        (21, 10, 5, [*range(10), *range(11, 21)], True),
        (20, 10, 5, list(range(20)), False),  # never cut when both ends would hold all
    ],
)
def test_a_ranked_chart_draws_all_or_the_best_and_the_weakest(count, each, all_up_to, shown, cut):
    assert ends(list(range(count)), each, all_up_to) == (shown, cut)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (["approved", "approved"], False),
        (["approved", "submitted", "open", "not_expected"], False),
        (["approved", "missing"], True),
        (["late"], True),
        (["returned", "approved"], True),
        ([], False),
    ],
)
def test_has_gap(states, expected):
    assert has_gap(states) is expected
