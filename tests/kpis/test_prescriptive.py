"""What it would take: quarters left, the gain per quarter, and whose gap weighs most."""

import pytest

from kpis.aggregate import Figure, national
from kpis.periods import parse_period
from kpis.prescriptive import (
    entity_gaps,
    gain_per_quarter,
    heaviest,
    mean_gaps,
    quarters_left,
    ratio_gaps,
    share_gaps,
    shares,
)


@pytest.mark.parametrize(
    ("as_of", "target", "left"),
    [
        ("2025-Q2", "2025-Q4", 2),
        ("2025-Q3", "2025-Q4", 1),
        ("2025-Q4", "2025-Q4", 0),
        ("2025-Q2", "2025", 2),  # a year ends with its fourth quarter
        ("2024-Q4", "2025", 4),
        ("2023-Q1", "2025-Q4", 11),
        ("2026-Q1", "2025-Q4", 0),  # past the target period: none left, never negative
        ("2024", "2025", 4),
    ],
)
def test_quarters_left(as_of, target, left):
    assert quarters_left(parse_period(as_of), parse_period(target)) == left


@pytest.mark.parametrize(
    ("now", "target", "left", "lower_is_better", "gain"),
    [
        (60.0, 80.0, 4, False, 5.0),
        (65.0, 80.0, 2, False, 7.5),
        (80.0, 80.0, 3, False, 0.0),  # met: nothing asked
        (85.0, 80.0, 3, False, 0.0),  # beyond the target
        (70.0, 80.0, 0, False, None),  # no quarter left: only the gap remains
        (29.0, 25.0, 4, True, -1.0),  # a rank falls to improve
        (24.0, 25.0, 4, True, 0.0),  # already better than the rank asked
        (29.0, 25.0, 0, True, None),
    ],
)
def test_gain_per_quarter(now, target, left, lower_is_better, gain):
    assert gain_per_quarter(now, target, left, lower_is_better=lower_is_better) == gain


@pytest.mark.parametrize(
    ("now", "target", "left", "lower_is_better"),
    [(41.3, 80.0, 7, False), (12.5, 100.0, 3, False), (38.0, 25.0, 5, True)],
)
def test_the_gain_added_for_every_quarter_left_reaches_the_target(
    now, target, left, lower_is_better
):
    gain = gain_per_quarter(now, target, left, lower_is_better=lower_is_better)
    assert now + gain * left == pytest.approx(target)


RATIO = [
    Figure("A", None, 30, 100),  # the path asks 50 of 100: short by 20
    Figure("B", None, 10, 50),  # asks 25: short by 15
    Figure("C", None, 90, 100),  # ahead by 40: offsets nobody
    Figure("D", 55.0),  # a value without numerator and denominator: no numerator gap to tell
]


def test_ratio_of_sums_gap_is_the_numerator_short_of_the_path_on_its_own_denominator():
    assert ratio_gaps(RATIO, 50.0) == {"A": 20.0, "B": 15.0}
    assert shares(ratio_gaps(RATIO, 50.0)) == pytest.approx({"A": 20 / 35, "B": 15 / 35})


def test_closing_an_entitys_numerator_gap_lifts_the_national_figure_by_its_share():
    """What A would add to the nation if it met the path is its gap over Σ denominators."""
    before = national("ratio_of_sums", RATIO[:3], 3).value
    closed = [Figure("A", None, 50, 100), *RATIO[1:3]]
    after = national("ratio_of_sums", closed, 3).value
    assert after - before == pytest.approx(100 * 20 / 250)


@pytest.mark.parametrize(
    ("figures", "path", "lower_is_better", "gaps"),
    [
        (
            [Figure("A", 40.0), Figure("B", 70.0), Figure("C", 55.0)],
            60.0,
            False,
            {"A": 20 / 3, "C": 5 / 3},
        ),
        (
            [Figure("A", 40.0), Figure("B", 50.0), Figure("C", None)],
            60.0,
            False,
            {"A": 10.0, "B": 5.0},  # divided by the 2 entities with a value
        ),
        ([Figure("A", 30.0), Figure("B", 20.0)], 25.0, True, {"A": 2.5}),
        ([Figure("A", 70.0)], 60.0, False, {}),
    ],
)
def test_mean_gap_is_the_shortfall_over_the_number_of_entities(
    figures, path, lower_is_better, gaps
):
    assert mean_gaps(figures, path, lower_is_better=lower_is_better) == pytest.approx(gaps)


def test_share_of_entities_every_no_weighs_the_same():
    answers = [Figure("A", 100.0), Figure("B", 0.0), Figure("C", 0.0), Figure("D", None)]
    assert share_gaps(answers) == {"B": 1.0, "C": 1.0}
    assert heaviest(share_gaps(answers)) == [("B", 0.5), ("C", 0.5)]


@pytest.mark.parametrize(
    ("aggregation", "named"),
    [
        ("ratio_of_sums", {"A", "B"}),
        ("mean", {"D"}),  # only D has a value (55 < 60)
        ("share_of_entities", set()),  # nobody answered 0
        ("sum", set()),  # no entity's gap can be told apart
        ("latest", set()),
    ],
)
def test_entity_gaps_follow_the_aggregation_rule(aggregation, named):
    assert set(entity_gaps(aggregation, RATIO, 60.0 if aggregation == "mean" else 50.0)) == named


def test_heaviest_are_the_largest_shares_first_at_most_three():
    gaps = {"A": 1.0, "B": 4.0, "C": 3.0, "D": 2.0}
    assert heaviest(gaps) == [("B", 0.4), ("C", 0.3), ("D", 0.2)]
    assert heaviest({}) == []
    assert heaviest({"A": 0.0}) == []
