"""Long lists shown a page at a time (issue 17): how many rows a page holds, which rows a filter
keeps, which page a reader's click leads to, and which entities a ranked chart draws. Pages
that list every entity send one page of rows, however many entities there are."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from kpis.completeness import LATE, MISSING, RETURNED

PAGE_SIZE = 50  # rows a page holds: the demo's 28 entities fit on one, with no pager
CHART_EACH_END = 10  # a ranked chart of many entities draws the 10 best and the 10 weakest
CHART_ALL_UP_TO = PAGE_SIZE  # up to this many entities, a ranked chart draws them all
QUERY_LIMIT = 100  # characters of a search kept (a forged request may send anything)

ALL = "all"
PREVIOUS = "previous"
NEXT = "next"

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """One page of `total` rows: its number (1-based, of `pages`) and its rows `first`-`last`
    (1-based, inclusive; 0-0 when there is none)."""

    page: int
    pages: int
    first: int
    last: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def rows(self, items: Sequence[T]) -> list[T]:
        return list(items[self.first - 1 : self.last]) if self.total else []


def window(total: int, page: int, size: int = PAGE_SIZE) -> Window:
    """The page `page` of `total` rows, kept between the first and the last page (a page asked
    for past the end, after a filter shortened the list, is the last one)."""
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    if total == 0:
        return Window(1, 1, 0, 0, 0)
    first = (page - 1) * size + 1
    return Window(page, pages, first, min(total, page * size), total)


def paged(total: int, size: int = PAGE_SIZE) -> bool:
    """Whether a list needs the pager and its filter: not when one page holds it all."""
    return total > size


def clean_query(query: object) -> str:
    """A search as typed, ready to compare: text only, spaces collapsed, case folded."""
    if not isinstance(query, str):
        return ""
    return " ".join(query[:QUERY_LIMIT].split()).casefold()


def matches(query: str, texts: Iterable[str | None]) -> bool:
    """Whether a row named by `texts` (its code, its names in both languages) is one the
    search asks for: every word of it appears in one of them, in any case. No search keeps
    every row."""
    words = clean_query(query).split()
    if not words:
        return True
    haystack = " ".join(t.casefold() for t in texts if t)
    return all(word in haystack for word in words)


@dataclass(frozen=True)
class Choice:
    """What a reader chose for a paged list: the page, the search and which rows to show."""

    page: int = 1
    query: str = ""
    show: str = ALL

    @classmethod
    def of(cls, stored: object, shows: Sequence[str]) -> Choice:
        """The choice a page's store holds, checked: anything forged falls back to the start."""
        if not isinstance(stored, dict):
            return cls()
        page = stored.get("page")
        show = stored.get("show")
        return cls(
            page if isinstance(page, int) and not isinstance(page, bool) and page > 0 else 1,
            clean_query(stored.get("query")),
            show if show in shows else ALL,
        )

    def after(self, pressed: str | None, query: object, show: object, shows: Sequence[str]):
        """The choice after the reader's action: Previous or Next moves a page; a new search or
        a new choice of rows starts again at the first page."""
        query = clean_query(query)
        show = show if show in shows else self.show
        if query != self.query or show != self.show:
            return Choice(1, query, show)
        if pressed == PREVIOUS:
            return Choice(max(1, self.page - 1), query, show)
        if pressed == NEXT:
            return Choice(self.page + 1, query, show)
        return self

    def asdict(self) -> dict:
        return {"page": self.page, "query": self.query, "show": self.show}


def ends(items: Sequence[T], each: int = CHART_EACH_END, all_up_to: int = CHART_ALL_UP_TO):
    """A ranked chart's entities, best first: all of them up to `all_up_to`, else the `each`
    best and the `each` weakest. Returns them and whether some were left out."""
    if len(items) <= max(all_up_to, 2 * each):
        return list(items), False
    return [*items[:each], *items[-each:]], True


# the completeness matrix's choice of rows: every entity, or those with a quarter to chase
GAPS = "gaps"
GAP_STATES = frozenset({MISSING, LATE, RETURNED})


def has_gap(states: Iterable[str]) -> bool:
    """An entity with a quarter missing past its deadline, received late, or returned."""
    return any(state in GAP_STATES for state in states)
