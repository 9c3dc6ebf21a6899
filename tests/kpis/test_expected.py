"""The one rule of whether an entity is expected to report in a period (kpis.expected)."""

from __future__ import annotations

import pytest

from kpis.completeness import MISSING, NOT_EXPECTED, Cell, tally
from kpis.expected import (
    NEVER,
    Assignments,
    Span,
    entity_expected,
    expected_entities,
    is_expected,
    template_quarter,
)
from kpis.periods import parse_period

FROM_Q3 = Span.of("2025-Q3", None)
UNTIL_2024_Q2 = Span.of("2021-Q1", "2024-Q2", active=False)
BOTH = Span.of("2023-Q1", "2024-Q3", active=False)


@pytest.mark.parametrize(
    ("span", "period", "expected"),
    [
        (None, "2021-Q1", True),  # no span known: expected always (a plain dict of assignments)
        (Span(), "2025-Q4", True),
        (FROM_Q3, "2025-Q2", False),  # before its first quarter
        (FROM_Q3, "2025-Q3", True),  # its first quarter
        (FROM_Q3, "2025-Q4", True),
        (FROM_Q3, "2026-Q1", True),
        (FROM_Q3, "2024", False),  # a year is reported in its fourth quarter's template
        (FROM_Q3, "2025", True),  # 2025-Q4 is after 2025-Q3: the year 2025 is expected
        (UNTIL_2024_Q2, "2021-Q1", True),
        (UNTIL_2024_Q2, "2024-Q1", True),  # the last quarter before the deactivation
        (UNTIL_2024_Q2, "2024-Q2", False),  # the quarter it was deactivated from
        (UNTIL_2024_Q2, "2025-Q1", False),
        (UNTIL_2024_Q2, "2023", True),
        (UNTIL_2024_Q2, "2024", False),  # 2024-Q4 comes after the deactivation
        (BOTH, "2022-Q4", False),
        (BOTH, "2023-Q1", True),
        (BOTH, "2024-Q2", True),
        (BOTH, "2024-Q3", False),
        (Span.of(None, None, active=False), "2021-Q1", False),  # off, no quarter recorded
        (Span.of(None, None, active=False), "2999-Q4", False),
    ],
)
def test_expected_truth_table(span, period, expected):
    assert is_expected(span, parse_period(period)) is expected


def test_spans_read_from_the_stored_codes():
    assert Span.of("2025-Q3", None) == Span(parse_period("2025-Q3"), None)
    assert Span.of(None, "2024-Q2", active=False).until == parse_period("2024-Q2")
    assert Span.of(None, None, active=False).until == NEVER
    assert Span.of(None, None) == Span()


def test_a_year_is_reported_in_its_fourth_quarter():
    assert template_quarter(parse_period("2024")) == parse_period("2024-Q4")
    assert template_quarter(parse_period("2024-Q2")) == parse_period("2024-Q2")


def test_expected_entities_of_a_kpi_follow_each_entitys_span():
    assigned = Assignments({"T1.1": {"MOH", "NEW", "OLD"}}, {"NEW": FROM_Q3, "OLD": UNTIL_2024_Q2})
    assert expected_entities(assigned, "T1.1", parse_period("2023-Q1")) == {"MOH", "OLD"}
    assert expected_entities(assigned, "T1.1", parse_period("2025-Q2")) == {"MOH"}
    assert expected_entities(assigned, "T1.1", parse_period("2025-Q3")) == {"MOH", "NEW"}
    assert expected_entities(assigned, "T9", parse_period("2025-Q3")) == set()
    assert not entity_expected(assigned, "NEW", parse_period("2025-Q2"))
    assert entity_expected(assigned, "MOH", parse_period("2021-Q1"))
    # a plain mapping knows no spans: everybody assigned is expected
    assert expected_entities({"T1.1": {"NEW"}}, "T1.1", parse_period("2021-Q1")) == {"NEW"}


def test_quarters_not_expected_count_nowhere_in_the_tally():
    cells = [Cell(NOT_EXPECTED, 0), Cell(NOT_EXPECTED, 0), Cell(MISSING, 4)]
    counted = tally(cells)
    assert counted.expected == 4
    assert counted.received == 0
    assert tally([Cell(NOT_EXPECTED, 0)]).completeness is None
