import pytest

from kpis.aggregate import Figure, national


@pytest.mark.parametrize(
    ("rule", "figures", "expected_count", "value", "reported"),
    [
        # ratio of sums, not the mean of ratios: (10 + 90) / (100 + 900) = 10%
        ("ratio_of_sums", [Figure("A", 10, 10, 100), Figure("B", 10, 90, 900)], 2, 10.0, 2),
        ("ratio_of_sums", [Figure("A", 50, 50, 100), Figure("B", 10, 10, 100)], 2, 30.0, 2),
        # an entity that gave a value without a numerator and denominator is reported, not summed
        ("ratio_of_sums", [Figure("A", 50, 50, 100), Figure("B", 90)], 3, 50.0, 2),
        ("ratio_of_sums", [Figure("A", 40), Figure("B", 60)], 2, 50.0, 2),  # values only: mean
        ("mean", [Figure("A", 20), Figure("B", 40), Figure("C", None)], 3, 30.0, 2),
        ("sum", [Figure("A", 2), Figure("B", 3)], 4, 5.0, 2),
        ("share_of_entities", [Figure("A", 100), Figure("B", 0), Figure("C", 100)], 4, 200 / 3, 3),
        ("latest", [Figure("MTCIT", 21)], 1, 21.0, 1),
        ("mean", [], 28, None, 0),
    ],
)
def test_national(rule, figures, expected_count, value, reported):
    got = national(rule, figures, expected_count)
    assert got.value == (pytest.approx(value) if value is not None else None)
    assert got.reported == reported


def test_partial_coverage_is_marked():
    got = national("mean", [Figure("A", 20), Figure("B", 40)], 4)
    assert (got.coverage, got.partial) == (0.5, True)
    full = national("mean", [Figure("A", 20), Figure("B", 40)], 2)
    assert (full.coverage, full.partial) == (1.0, False)


def test_no_expected_entities_has_no_coverage():
    assert national("latest", [], 0).coverage is None
