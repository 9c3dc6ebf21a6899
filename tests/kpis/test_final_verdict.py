"""Once the target period is reported, the forecast is the final verdict from that figure."""

import pytest

from kpis.analysis import Point, picture, target_period
from kpis.forecast import (
    INSUFFICIENT,
    LIKELY,
    MET,
    NO_TARGET,
    NOT_MET,
    UNLIKELY,
    final_verdict,
)
from kpis.periods import PeriodCode, parse_period
from kpis.spec import KpiSpec


def spec(**changes) -> KpiSpec:
    fields = dict(
        id=1,
        code="T1.1",
        track="T1",
        name_en="Simplified",
        name_ar="",
        unit="percent",
        direction="increase",
        scope="entity",
        aggregation="ratio_of_sums",
        frequency="quarterly",
        baseline=None,
        baseline_year=None,
        target=100.0,
        target_year=2025,
        first_year=2021,
        cycle_baseline_year=2020,
    )
    return KpiSpec(**{**fields, **changes})


@pytest.mark.parametrize(
    ("reported", "target", "lower", "verdict"),
    [
        (100.0, 100.0, False, MET),  # exactly on target
        (82.3, 100.0, False, NOT_MET),
        (101.0, 100.0, False, MET),
        (20.0, 20.0, True, MET),  # a rank reaching its target
        (19.0, 20.0, True, MET),  # a rank better than its target
        (21.0, 20.0, True, NOT_MET),
        (50.0, None, False, NO_TARGET),
    ],
)
def test_final_verdict_truth_table(reported, target, lower, verdict):
    got = final_verdict(reported, "2025-Q4", target, lower_is_better=lower)
    assert got.verdict == verdict
    assert got.value == reported and got.period == "2025-Q4" and got.slope is None
    assert got.final is (verdict in (MET, NOT_MET))


def series(values: dict[str, float]) -> dict[PeriodCode, Point]:
    return {parse_period(c): Point(parse_period(c), v, None) for c, v in values.items()}


RISING = {"2024-Q4": 60.0, "2025-Q1": 70.0, "2025-Q2": 80.0, "2025-Q3": 90.0}


@pytest.mark.parametrize(
    ("values", "as_of", "verdict", "final_value"),
    [
        # the trend projects 100+ by the end of 2025, but Q4 reported 82.3: final, not met
        ({**RISING, "2025-Q4": 82.3}, "2025-Q4", NOT_MET, 82.3),
        ({**RISING, "2025-Q4": 100.0}, "2025-Q4", MET, 100.0),
        # as of Q3 the target period is not reported yet: a projection
        ({**RISING, "2025-Q4": 82.3}, "2025-Q3", LIKELY, None),
        # as of Q4 with Q4 not reported: still a projection, from the points there are
        (RISING, "2025-Q4", LIKELY, None),
        ({"2025-Q2": 10.0, "2025-Q3": 11.0, "2025-Q4": 12.0}, "2025-Q3", INSUFFICIENT, None),
        # two points are too few for a trend, but the reported target period settles it
        ({"2025-Q3": 99.0, "2025-Q4": 100.0}, "2025-Q4", MET, 100.0),
        ({"2024-Q4": 10.0, "2025-Q1": 11.0, "2025-Q2": 12.0}, "2025-Q2", UNLIKELY, None),
    ],
)
def test_picture_is_final_once_the_target_period_is_reported(values, as_of, verdict, final_value):
    got = picture(spec(), series(values), parse_period(as_of)).forecast
    assert got.verdict == verdict
    if final_value is not None:
        assert got.final and got.value == final_value and got.period == "2025-Q4"
    else:
        assert not got.final and got.period is None


def test_an_annual_kpi_is_settled_by_its_target_year():
    annual = spec(frequency="annual", target=30.0)
    values = {"2023": 10.0, "2024": 20.0, "2025": 31.0}
    got = picture(annual, series(values), parse_period("2025-Q4")).forecast
    assert (got.verdict, got.period) == (MET, "2025")


def test_target_periods():
    assert target_period(spec()) == parse_period("2025-Q4")
    assert target_period(spec(frequency="annual")) == parse_period("2025")
    # a biennial KPI counted from 2020 reports in 2024, not 2025: nothing settles it early
    assert target_period(spec(frequency="biennial", baseline_year=2020)) is None
    assert target_period(spec(target_year=None)) is None


def test_no_target_stays_no_target_when_reported():
    got = picture(spec(target=None), series({"2025-Q4": 5.0}), parse_period("2025-Q4")).forecast
    assert got.verdict == NO_TARGET
