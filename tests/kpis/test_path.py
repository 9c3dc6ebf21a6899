from datetime import date

import pytest

from kpis.path import expected_value

PLAN = {2021: 37, 2022: 53, 2023: 71, 2024: 88, 2025: 100}


@pytest.mark.parametrize(
    ("at", "baseline", "target", "interim", "first", "expected"),
    [
        (date(2020, 12, 31), 34, 80, None, None, 34),  # baseline at the end of 2020
        (date(2025, 12, 31), 34, 80, None, None, 80),
        (date(2023, 6, 30), 34, 80, None, None, 34 + 46 * 2.5 / 5),
        (date(2023, 12, 31), 24, 20, None, None, 24 - 4 * 3 / 5),  # a rank falls toward its target
        (date(2022, 12, 31), None, 100, PLAN, None, 53),  # T1.1: the interim plan, no baseline
        (date(2025, 6, 30), None, 100, PLAN, None, 94),
        (date(2022, 12, 31), None, 80, None, (date(2021, 12, 31), 20), 20 + 60 / 4),  # first value
        (date(2022, 12, 31), None, 80, None, None, None),  # no start at all
        (date(2022, 12, 31), 10, None, None, None, None),  # no target: no path
    ],
)
def test_expected_value(at, baseline, target, interim, first, expected):
    got = expected_value(
        at,
        baseline,
        2020 if baseline is not None else None,
        target,
        2025 if target is not None else None,
        interim,
        first,
    )
    assert got == (pytest.approx(expected, abs=0.01) if expected is not None else None)
