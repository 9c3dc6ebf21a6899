from datetime import date

import pytest

from kpis.path import expected_value
from kpis.status import (
    ACHIEVED,
    AT_RISK,
    NO_DATA,
    NO_TARGET,
    NOT_DUE,
    OFF_TRACK,
    ON_TRACK,
    progress,
    status,
)

PLAN = {2021: 37, 2022: 53, 2023: 71, 2024: 88, 2025: 100}


@pytest.mark.parametrize(
    ("actual", "start", "target", "expected"),
    [
        (57, 34, 80, 0.5),  # T1.5 halfway from its baseline
        (34, 34, 80, 0.0),
        (80, 34, 80, 1.0),
        (90, 34, 80, 56 / 46),  # beyond the target: above 1 (clipped only in the score)
        (22, 24, 20, 0.5),  # T1.2 rank: from 24 to 22 is halfway to 20
        (26, 24, 20, -0.5),  # a rank that got worse goes backwards
        (None, 34, 80, None),  # no data
        (50, None, 80, None),  # no start
        (50, 34, None, None),  # no target
        (100, 100, 100, 1.0),  # start already at the target, held
        (90, 100, 100, 0.0),
    ],
)
def test_progress(actual, start, target, expected):
    got = progress(actual, start, target)
    assert got == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("actual", "expected_value_", "target", "start", "lower", "due", "want"),
    [
        (80, 70, 80, 34, False, True, ACHIEVED),
        (85, 70, 80, 34, False, True, ACHIEVED),
        (70, 70, 80, 34, False, True, ON_TRACK),  # meets the path exactly
        (68, 70, 80, 34, False, True, AT_RISK),  # 34/36 = 94% of the expected gain
        (66, 70, 80, 34, False, True, OFF_TRACK),  # 32/36 = 89%: beyond the 90% tolerance
        (None, 70, 80, 34, False, True, NO_DATA),
        (70, 70, 80, 34, False, False, NOT_DUE),
        (70, None, None, 34, False, True, NO_TARGET),  # track 3: no target, no status
        (None, None, None, None, False, False, NO_TARGET),
        # ranks: lower is better (T1.2 baseline 24, target 20)
        (20, 21, 20, 24, True, True, ACHIEVED),
        (21, 22, 20, 24, True, True, ON_TRACK),  # rank fell faster than the path
        (22, 22, 20, 24, True, True, ON_TRACK),
        (23, 22, 20, 24, True, True, OFF_TRACK),  # gained 1 of 2 expected places
        (25, 22, 20, 24, True, True, OFF_TRACK),  # rank rose: worse
    ],
)
def test_status(actual, expected_value_, target, start, lower, due, want):
    got = status(actual, expected_value_, target, start, lower_is_better=lower, due=due)
    assert got == want


def test_tolerance_is_per_kpi():
    assert status(66, 70, 80, 34, tolerance=0.85) == AT_RISK
    assert status(66, 70, 80, 34, tolerance=0.9) == OFF_TRACK


def test_t1_1_judged_against_its_interim_plan():
    """T1.1 has no baseline: its path is the plan (53% by end 2022, 71% by end 2023)."""
    mid_2023 = expected_value(date(2023, 6, 30), None, None, 100, 2025, PLAN)
    assert mid_2023 == pytest.approx(62)
    assert status(63, mid_2023, 100, 53) == ON_TRACK
    assert status(61.5, mid_2023, 100, 53) == AT_RISK  # 8.5 of the 9 points expected since 2022
    assert status(61, mid_2023, 100, 53) == OFF_TRACK  # 8 of 9: 89%, short of the 90% tolerance
