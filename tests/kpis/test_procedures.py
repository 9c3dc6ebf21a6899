"""The procedures plan against the counts simplified (kpis.procedures), as truth tables on the
reference plan (1,074 / 448 / 517 / 476 / 354)."""

from __future__ import annotations

import pytest

from kpis.periods import parse_period
from kpis.procedures import (
    Count,
    cumulative,
    national_count,
    own_plan,
    own_planned_to_date,
    plan_years,
    planned_to_date,
    share,
)

PLAN = {2021: 1074, 2022: 448, 2023: 517, 2024: 476, 2025: 354}
SHARES = {2021: 37.0, 2022: 53.0, 2023: 71.0, 2024: 88.0, 2025: 100.0}


def count(entity, period, simplified, targeted=None):
    return Count(entity, parse_period(period), simplified, targeted)


COUNTS = [
    count("MOH", "2021-Q4", 300),
    count("MOH", "2022-Q4", 500),
    count("MOH", "2023-Q2", 600),
    count("MOF", "2021-Q2", 100),  # MOF then stops reporting: its 100 still count
    count("MOF", "2023-Q4", float("nan")),  # not usable: left out, the 100 still count
]


def test_the_cumulative_plan_is_the_reference_one():
    assert cumulative(PLAN) == {2021: 1074, 2022: 1522, 2023: 2039, 2024: 2515, 2025: 2869}


@pytest.mark.parametrize(
    ("at", "national"),
    [("2021-Q1", 0), ("2021-Q2", 100), ("2021-Q4", 400), ("2022-Q4", 600), ("2023-Q4", 700)],
)
def test_the_national_count_sums_each_entitys_latest_count(at, national):
    assert national_count(COUNTS, parse_period(at)) == national


def test_years_compare_within_the_year_and_cumulatively():
    years = plan_years(PLAN, COUNTS, parse_period("2023-Q3"))
    table = [(y.year, y.simplified, y.cumulative_simplified, y.partial) for y in years]
    assert table == [
        (2021, 400, 400, False),
        (2022, 200, 600, False),
        (2023, 100, 700, True),  # to date: the year is under way
        (2024, None, None, False),
        (2025, None, None, False),
    ]
    assert years[1].cumulative_planned == 1522
    assert years[1].cumulative_share == pytest.approx(100 * 600 / 1522)
    assert years[3].cumulative_share is None


@pytest.mark.parametrize(
    ("as_of", "planned"),
    [("2021-Q1", 268.5), ("2021-Q4", 1074), ("2023-Q2", 1522 + 517 / 2), ("2025-Q4", 2869)],
)
def test_planned_to_date_is_a_straight_line_within_the_year(as_of, planned):
    assert planned_to_date(PLAN, parse_period(as_of)) == pytest.approx(planned)


@pytest.mark.parametrize(
    ("part", "whole", "result"), [(50, 200, 25.0), (None, 200, None), (5, 0, None)]
)
def test_share(part, whole, result):
    assert share(part, whole) == result


def test_an_entitys_own_plan_follows_the_kpis_shares_or_its_own_target():
    assert own_plan(200, SHARES) == {2021: 74, 2022: 106, 2023: 142, 2024: 176, 2025: 200}
    scaled = own_plan(200, SHARES, own_target=80, kpi_target=100)
    assert scaled[2025] == pytest.approx(160) and scaled[2021] == pytest.approx(59.2)
    assert own_plan(None, SHARES) == {} and own_plan(0, SHARES) == {}


def test_an_entitys_plan_to_date_is_a_line_within_the_year():
    plan = own_plan(200, SHARES)
    assert own_planned_to_date(plan, parse_period("2021-Q2")) == pytest.approx(37)
    assert own_planned_to_date(plan, parse_period("2022-Q4")) == pytest.approx(106)
    assert own_planned_to_date(plan, parse_period("2026-Q1")) is None
