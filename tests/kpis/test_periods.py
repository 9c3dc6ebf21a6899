from datetime import date

import pytest

from kpis.periods import PeriodCode, parse_period, quarters, reporting_period


@pytest.mark.parametrize(
    ("text", "year", "quarter", "start", "end"),
    [
        ("2024-Q3", 2024, 3, date(2024, 7, 1), date(2024, 9, 30)),
        ("2024-q4", 2024, 4, date(2024, 10, 1), date(2024, 12, 31)),
        (" 2021-Q1 ", 2021, 1, date(2021, 1, 1), date(2021, 3, 31)),
        ("2024", 2024, None, date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_parse_period(text, year, quarter, start, end):
    period = parse_period(text)
    assert (period.year, period.quarter, period.start, period.end) == (year, quarter, start, end)


@pytest.mark.parametrize("text", ["2024-Q5", "Q3 2024", "24-Q1", "", "2024-Q"])
def test_parse_period_refuses(text):
    with pytest.raises(ValueError, match="not a period"):
        parse_period(text)


@pytest.mark.parametrize(
    ("frequency", "quarter", "expected"),
    [
        ("quarterly", "2023-Q2", "2023-Q2"),
        ("annual", "2023-Q2", None),
        ("annual", "2023-Q4", "2023"),
        ("biennial", "2022-Q4", "2022"),
        ("biennial", "2023-Q4", None),
        ("biennial", "2024-Q3", None),
    ],
)
def test_reporting_period(frequency, quarter, expected):
    got = reporting_period(frequency, parse_period(quarter), baseline_year=2020)
    assert (got.code if got else None) == expected


def test_quarters_of_the_cycle():
    cycle = quarters(2021, 2025)
    assert len(cycle) == 20
    assert cycle[0] == PeriodCode(2021, 1) and str(cycle[-1]) == "2025-Q4"
