"""The budget's meanings (kpis/budget.py) as truth tables: plan, shown report, burn, variance,
pace, totals and amounts as typed."""

import pytest

from kpis.budget import (
    AHEAD,
    BEHIND,
    NOT_REPORTED,
    NOTHING_PLANNED,
    ON_PLAN,
    AmountProblem,
    LineAmounts,
    Reported,
    allocated_to_date,
    burn,
    pace,
    parse_omr,
    planned_spend,
    planned_to_date,
    shown_report,
    totals,
    variance,
)

M = 1_000_000_000  # OMR 1 million in baisa


@pytest.mark.parametrize(
    ("line_year", "as_of", "planned"),
    [
        (2023, (2024, 1), 4 * M),  # a past year: all of it
        (2024, (2024, 1), 1 * M),
        (2024, (2024, 2), 2 * M),
        (2024, (2024, 3), 3 * M),
        (2024, (2024, 4), 4 * M),
        (2025, (2024, 4), 0),  # a year to come: nothing
    ],
)
def test_planned_to_date_is_a_straight_line_within_the_year(line_year, as_of, planned):
    assert planned_to_date(4 * M, line_year, *as_of) == planned


def test_planned_to_date_rounds_to_the_nearest_baisa():
    assert planned_to_date(1, 2024, 2024, 1) == 0  # 0.25 baisa
    assert planned_to_date(2, 2024, 2024, 1) == 1  # 0.5 baisa, half up
    assert planned_to_date(3, 2024, 2024, 1) == 1  # 0.75 baisa
    with pytest.raises(ValueError):
        planned_to_date(4, 2024, 2024, 5)


def test_planned_spend_adds_past_years_and_this_years_share():
    allocations = {2022: 10 * M, 2023: 20 * M, 2024: 40 * M, 2025: 30 * M}
    assert planned_spend(allocations, 2024, 3) == 10 * M + 20 * M + 30 * M
    assert allocated_to_date(allocations, 2024) == 70 * M


def test_shown_report_is_the_latest_of_the_lines_year_up_to_the_quarter():
    reports = [
        Reported(2024, 1, 5, 1),
        Reported(2024, 3, 9, 4),
        Reported(2024, 4, 12, 10),
        Reported(2025, 1, 99, 99),
    ]
    assert shown_report(reports, 2024, 2024, 2) == reports[0]
    assert shown_report(reports, 2024, 2024, 3) == reports[1]
    assert shown_report(reports, 2024, 2025, 1) == reports[2]  # a past year: its last
    assert shown_report(reports, 2025, 2024, 4) is None  # a year to come
    assert shown_report(reports, 2023, 2024, 4) is None  # nothing reported


@pytest.mark.parametrize(
    ("spent", "allocated", "expected"),
    [(None, 100, None), (50, 100, 0.5), (0, 100, 0.0), (10, 0, None), (150, 100, 1.5)],
)
def test_burn(spent, allocated, expected):
    assert burn(spent, allocated) == expected


@pytest.mark.parametrize(
    ("spent", "planned", "expected"), [(None, 100, None), (80, 100, -20), (130, 100, 30)]
)
def test_variance(spent, planned, expected):
    assert variance(spent, planned) == expected


@pytest.mark.parametrize(
    ("spent", "planned", "expected"),
    [
        (None, 100, NOT_REPORTED),
        (89, 100, BEHIND),
        (90, 100, ON_PLAN),
        (110, 100, ON_PLAN),
        (111, 100, AHEAD),
        (0, 0, NOTHING_PLANNED),
        (5, 0, AHEAD),
    ],
)
def test_pace(spent, planned, expected):
    assert pace(spent, planned) == expected


def test_totals_count_unreported_lines_as_not_reported_never_as_nothing_spent():
    lines = [
        LineAmounts(allocated=100, year=2024, planned=50, committed=70, spent=40),
        LineAmounts(allocated=200, year=2024, planned=100, committed=None, spent=None),
        LineAmounts(
            allocated=60, year=2024, planned=30, committed=None, spent=None, reported_by=False
        ),  # a track's reserve
        LineAmounts(allocated=400, year=2025, planned=0, committed=None, spent=None),
    ]
    total = totals(lines, 2024)
    assert (total.allocated, total.allocated_to_date, total.planned) == (760, 360, 180)
    assert (total.committed, total.spent, total.planned_reported) == (70, 40, 50)
    assert (total.lines, total.lines_due, total.lines_reported) == (4, 2, 1)
    assert total.variance == -10  # 40 spent against the 50 planned of the line that reported
    assert total.burn == pytest.approx(40 / 360)
    assert total.cycle_burn == pytest.approx(40 / 760)
    assert total.pace == BEHIND


def test_totals_of_nothing_reported_say_so():
    total = totals([LineAmounts(100, 2024, 50, None, None)], 2024)
    assert total.spent is None and total.variance is None and total.burn is None
    assert total.pace == NOT_REPORTED


@pytest.mark.parametrize(
    ("raw", "baisa"),
    [
        ("1,200.5", 1_200_500),
        ("١٬٢٠٠٫٥", 1_200_500),
        ("١٢٠٠٫٥٠٠", 1_200_500),
        ("OMR 170,000,000.000", 170_000_000_000),
        ("2,500 ر.ع.", 2_500_000),
        (" 0.001 ", 1),
        ("\u2066170\u2069", 170_000),
        (1200, 1_200_000),
        (1200.5, 1_200_500),
        (0.1, 100),
        ("-0", 0),
    ],
)
def test_parse_omr_reads_amounts_as_typed(raw, baisa):
    assert parse_omr(raw) == baisa


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "no_amount"),
        (None, "no_amount"),
        ("OMR", "no_amount"),
        ("1.0005", "too_many_decimals"),
        (0.0001, "too_many_decimals"),
        ("-5", "negative"),
        (-5, "negative"),
        ("12,34", "not_an_amount"),
        ("1,2345.5", "not_an_amount"),
        ("abc", "not_an_amount"),
        ("1e3", "not_an_amount"),
        ("nan", "not_an_amount"),
        (float("inf"), "not_an_amount"),
        (True, "not_an_amount"),
        ("10,000,000,001", "too_large"),
        ("9" * 40, "too_large"),
    ],
)
def test_parse_omr_refuses(raw, code):
    with pytest.raises(AmountProblem) as refused:
        parse_omr(raw)
    assert refused.value.code == code
