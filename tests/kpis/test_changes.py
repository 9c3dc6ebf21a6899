"""Like-for-like changes: the national figure of two periods over the same entities."""

import pytest

from kpis.analysis import Observed
from kpis.changes import like_for_like
from kpis.periods import parse_period
from tests.kpis.test_final_verdict import spec

Q3, Q4 = parse_period("2025-Q3"), parse_period("2025-Q4")


def seen(entity, period, value, numerator=None, denominator=None):
    return Observed(entity, "T2.6", parse_period(period), value, numerator, denominator)


def test_yes_no_share_over_the_entities_in_both_quarters():
    # 3 of 4 said yes in Q3; in Q4 only B and D report. Naively 75% -> 50%, "worse by 25 points";
    # over B and D (yes, no in both quarters) nothing changed.
    yes_no = spec(aggregation="share_of_entities", target=80.0)
    figures = [
        seen("A", "2025-Q3", 100.0),
        seen("B", "2025-Q3", 100.0),
        seen("C", "2025-Q3", 100.0),
        seen("D", "2025-Q3", 0.0),
        seen("B", "2025-Q4", 100.0),
        seen("D", "2025-Q4", 0.0),
    ]
    change = like_for_like(yes_no, figures, Q4)
    assert (change.from_period, change.to_period) == (Q3, Q4)
    assert (change.before, change.now, change.entities_compared) == (50.0, 50.0, 2)
    assert change.delta == 0


def test_ratio_of_sums_over_the_same_entities():
    figures = [
        seen("A", "2025-Q3", None, 10, 100),
        seen("B", "2025-Q3", None, 90, 100),  # B does not report in Q4
        seen("A", "2025-Q4", None, 20, 100),
        seen("C", "2025-Q4", None, 5, 100),  # C did not report in Q3
    ]
    change = like_for_like(spec(), figures, Q4)
    assert (change.before, change.now, change.entities_compared) == (10.0, 20.0, 1)


def test_an_invalid_figure_counts_as_not_reported():
    figures = [
        seen("A", "2025-Q3", 40.0),
        seen("B", "2025-Q3", 50.0),
        seen("A", "2025-Q4", 44.0),
        seen("B", "2025-Q4", float("nan")),
    ]
    change = like_for_like(spec(aggregation="mean"), figures, Q4)
    assert (change.before, change.now, change.entities_compared) == (40.0, 44.0, 1)


@pytest.mark.parametrize(
    "figures",
    [
        [seen("A", "2025-Q3", 40.0), seen("B", "2025-Q4", 44.0)],  # nobody in both
        [seen("A", "2025-Q4", 44.0)],  # only the latest quarter
        [],
    ],
)
def test_no_change_without_an_entity_in_both(figures):
    assert like_for_like(spec(aggregation="mean"), figures, Q4) is None


def test_annual_kpi_compares_its_last_two_years():
    annual = spec(frequency="annual", aggregation="mean")
    figures = [
        Observed("A", "T2.5", parse_period("2024"), 30.0),
        Observed("A", "T2.5", parse_period("2025"), 35.0),
        Observed("A", "T2.5", Q3, 99.0),  # not a period of this KPI
    ]
    change = like_for_like(annual, figures, Q4)
    assert (change.from_period.code, change.to_period.code) == ("2024", "2025")
    assert (change.before, change.now, change.entities_compared) == (30.0, 35.0, 1)


def test_the_first_period_has_nothing_to_compare_with():
    first = spec(aggregation="mean", target_year=2021)
    assert like_for_like(first, [seen("A", "2021-Q1", 1.0)], parse_period("2021-Q1")) is None
