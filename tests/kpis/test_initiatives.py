"""An initiative's status, schedule and overdue flag at a quarter (kpis.initiatives), as truth
tables."""

from __future__ import annotations

import pytest

from data.models import INITIATIVE_STATUSES
from kpis.initiatives import (
    COMPLETED,
    DELAYED,
    NOT_REPORTED,
    NOT_STARTED,
    ON_TRACK,
    REPORTED_STATUSES,
    STATUSES,
    count_statuses,
    overdue,
    planned_percent,
    status_at,
)
from kpis.periods import parse_period
from kpis.words import INITIATIVE_ICONS, INITIATIVE_WORDS


@pytest.mark.parametrize(
    ("start", "due", "at", "planned"),
    [
        ("2021-Q1", "2025-Q4", "2020-Q4", 0.0),  # before the start
        ("2021-Q1", "2025-Q4", "2021-Q1", 5.0),  # 1 of 20 quarters
        ("2021-Q1", "2025-Q4", "2023-Q2", 50.0),  # 10 of 20
        ("2021-Q1", "2025-Q4", "2025-Q4", 100.0),  # the due quarter's end
        ("2021-Q1", "2025-Q4", "2026-Q2", 100.0),  # after it
        ("2021-Q1", "2022-Q1", "2021-Q2", 40.0),  # 2 of 5
        ("2023-Q3", "2023-Q3", "2023-Q3", 100.0),  # one quarter
        ("2024-Q1", "2023-Q4", "2024-Q1", 100.0),  # due before start: due in the start quarter
        ("2021-Q1", "2025-Q4", "2023", 60.0),  # a year counts as its fourth quarter
    ],
)
def test_planned_percent_is_a_straight_line_over_the_quarters(start, due, at, planned):
    assert planned_percent(start, due, parse_period(at)) == pytest.approx(planned)


@pytest.mark.parametrize(
    ("at", "start", "reported", "status", "shown"),
    [
        ("2024-Q3", "2021-Q1", "2024-Q3", ON_TRACK, ON_TRACK),  # reported this quarter
        ("2024-Q3", "2021-Q1", "2024-Q3", DELAYED, DELAYED),
        ("2024-Q3", "2021-Q1", "2024-Q2", ON_TRACK, NOT_REPORTED),  # last report is older
        ("2024-Q3", "2021-Q1", "2023-Q3", COMPLETED, NOT_REPORTED),  # even once completed
        ("2024-Q3", "2021-Q1", None, None, NOT_REPORTED),  # never reported
        ("2024-Q3", "2025-Q1", None, None, NOT_STARTED),  # not begun: nothing due from it
        ("2024-Q4", "2024-Q4", None, None, NOT_REPORTED),  # its first quarter: due
    ],
)
def test_the_status_shown_is_the_quarters_report_or_not_reported(
    at, start, reported, status, shown
):
    period = parse_period(reported) if reported else None
    assert status_at(parse_period(at), start, period, status) == shown


@pytest.mark.parametrize(
    ("at", "due", "latest", "late"),
    [
        ("2023-Q4", "2023-Q4", ON_TRACK, False),  # in its due quarter: not yet
        ("2024-Q1", "2023-Q4", ON_TRACK, True),  # past it, not completed
        ("2024-Q1", "2023-Q4", COMPLETED, False),  # completed
        ("2024-Q1", "2023-Q4", None, True),  # never reported
        ("2024-Q1", "2023-Q4", DELAYED, True),
        ("2021-Q1", "2025-Q4", None, False),
    ],
)
def test_overdue_means_past_due_and_not_completed(at, due, latest, late):
    assert overdue(parse_period(at), due, latest) is late


def test_counts_name_every_status_even_at_zero():
    assert count_statuses([ON_TRACK, ON_TRACK, DELAYED]) == {
        DELAYED: 1,
        "at_risk": 0,
        NOT_REPORTED: 0,
        NOT_STARTED: 0,
        ON_TRACK: 2,
        COMPLETED: 0,
    }


def test_every_status_has_one_word_and_one_icon_and_the_store_takes_the_reported_ones():
    assert set(INITIATIVE_WORDS) == set(INITIATIVE_ICONS) == set(STATUSES)
    assert len(set(INITIATIVE_ICONS.values())) == len(STATUSES)
    assert INITIATIVE_STATUSES == REPORTED_STATUSES
    assert set(STATUSES) == {*REPORTED_STATUSES, NOT_REPORTED}
