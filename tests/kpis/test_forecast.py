import pytest

from kpis.forecast import INSUFFICIENT, LIKELY, NO_TARGET, UNLIKELY, forecast, theil_sen


def test_theil_sen_ignores_one_wild_point():
    points = [(2021, 10), (2022, 20), (2023, 30), (2024, 400), (2025, 50)]
    slope, intercept = theil_sen(points)
    assert slope == pytest.approx(10)
    assert intercept + slope * 2026 == pytest.approx(60)


@pytest.mark.parametrize(
    ("points", "target", "lower", "verdict"),
    [
        ([(2022, 40), (2023, 50), (2024, 60)], 80, False, LIKELY),  # 80 by 2026.0
        ([(2022, 40), (2023, 45), (2024, 50)], 80, False, UNLIKELY),  # 60 by 2026.0
        ([(2022, 24), (2023, 23), (2024, 22)], 20, True, LIKELY),  # a rank falling to 20
        ([(2022, 24), (2023, 24), (2024, 25)], 20, True, UNLIKELY),  # a rank rising: worse
        ([(2023, 40), (2024, 60)], 80, False, INSUFFICIENT),  # two points are not a trend
        ([(2024, 60)], 80, False, INSUFFICIENT),  # one point
        ([], 80, False, INSUFFICIENT),
        ([(2022, 1), (2023, 2), (2024, 3)], None, False, NO_TARGET),
    ],
)
def test_forecast_verdict(points, target, lower, verdict):
    assert forecast(points, 2026.0, target, lower_is_better=lower).verdict == verdict


def test_forecast_value_is_the_projection():
    got = forecast([(2022, 40), (2023, 45), (2024, 50)], 2026.0, 80)
    assert got.value == pytest.approx(60)
    assert got.slope == pytest.approx(5)
