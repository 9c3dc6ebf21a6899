from datetime import date, datetime

import pytest

from kpis.completeness import (
    APPROVED,
    LATE,
    MISSING,
    OPEN,
    RETURNED,
    SUBMITTED,
    Cell,
    cell_state,
    deadline,
    on_time,
    tally,
)

DUE = deadline(date(2025, 6, 30))


def test_deadline_is_thirty_days_after_the_quarter():
    assert date(2025, 7, 30) == DUE
    assert deadline(date(2025, 6, 30), days=45) == date(2025, 8, 14)


@pytest.mark.parametrize(
    ("status", "received", "today", "state"),
    [
        ("approved", datetime(2025, 9, 1), date(2025, 10, 1), APPROVED),
        ("returned", datetime(2025, 7, 2), date(2025, 10, 1), RETURNED),
        ("submitted", datetime(2025, 7, 30, 23), date(2025, 10, 1), SUBMITTED),  # deadline day
        ("submitted", datetime(2025, 7, 31), date(2025, 10, 1), LATE),
        (None, None, date(2025, 7, 31), MISSING),
        (None, None, date(2025, 7, 30), OPEN),
        ("rejected", datetime(2025, 7, 2), date(2025, 8, 1), MISSING),  # a refused file is none
    ],
)
def test_cell_state(status, received, today, state):
    assert cell_state(status, received, DUE, today) == state


def test_on_time():
    assert on_time(date(2025, 7, 30), DUE)
    assert not on_time(None, DUE)


def test_tally_counts_kpi_figures_and_ignores_open_quarters():
    cells = [
        Cell(APPROVED, due=10, received=10, timely=True),
        Cell(LATE, due=10, received=8, timely=False),
        Cell(MISSING, due=10),
        Cell(OPEN, due=10),
    ]
    got = tally(cells)
    assert (got.expected, got.received, got.on_time, got.approved) == (30, 18, 10, 10)
    assert got.completeness == pytest.approx(0.6)
    assert got.timeliness == pytest.approx(1 / 3)
    assert tally([]).completeness is None
