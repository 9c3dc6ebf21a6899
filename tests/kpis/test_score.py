import pytest

from kpis.score import entity_score, ranks


@pytest.mark.parametrize(
    ("progresses", "score"),
    [
        ([0.5, 1.0], 75.0),
        ([1.4, -0.3], 50.0),  # clipped to [0, 1] before averaging
        ([0.5, None], 50.0),  # a KPI without a target or figure does not count
        ([None], None),
        ([], None),
    ],
)
def test_entity_score(progresses, score):
    assert entity_score(progresses) == score


def test_ranks_share_places_on_ties_and_skip_unscored():
    got = ranks({"A": 80.0, "B": 95.0, "C": 80.0, "D": 10.0, "E": None})
    assert got == {"B": 1, "A": 2, "C": 2, "D": 4}
