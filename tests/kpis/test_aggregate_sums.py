"""The national figure from the sums the store keeps (kpis.aggregate.national_of_sums) equals the
one from the figures themselves (kpis.aggregate.national), for every rule: a truth table."""

import math
import random

import pytest

from kpis.aggregate import Figure, National, national, national_of_sums, sums_of

RULES = ("ratio_of_sums", "mean", "sum", "share_of_entities", "latest")

# what a stored number can be: ordinary, zero, negative, absent, and invalid ones (NaN, infinite,
# beyond every unit, subnormal)
NUMBERS = (None, 0.0, 1.0, 12.5, 40.0, 100.0, -3.0, 2.5e6, math.nan, math.inf, 1e16, 5e-324)

CASES = {
    "nothing": [],
    "one value": [Figure("A", 21.0)],
    "values": [Figure("A", 20.0), Figure("B", 40.0), Figure("C", None)],
    "yes and no": [Figure("A", 100.0), Figure("B", 0.0), Figure("C", 100.0)],
    "ratio pairs": [Figure("A", 10.0, 10.0, 100.0), Figure("B", 10.0, 90.0, 900.0)],
    "pairs and a value": [Figure("A", 50.0, 50.0, 100.0), Figure("B", 90.0)],
    "pair without value": [Figure("A", None, 30.0, 60.0), Figure("B", None, 10.0, 40.0)],
    "zero denominator": [Figure("A", None, 5.0, 0.0), Figure("B", 40.0, 4.0, 0.0)],
    "numerator alone": [Figure("A", None, 5.0, None), Figure("B", 12.0)],
    "negative denominators": [Figure("A", None, 5.0, -10.0), Figure("B", None, 1.0, 2.0)],
    "invalid ones": [Figure("A", math.nan), Figure("B", 30.0, math.inf, 10.0), Figure("C", 10.0)],
    "only invalid": [Figure("A", 1e16), Figure("B", 5e-324)],
    "latest skips absent": [Figure("A", 7.0), Figure("B", None, 1.0, 2.0)],
    "latest after invalid": [Figure("A", 7.0), Figure("B", math.nan)],
}


def _random_sets(count: int) -> dict[str, list[Figure]]:
    rng = random.Random(17)
    sets = {}
    for n in range(count):
        size = rng.randrange(0, 7)
        sets[f"random {n}"] = [
            Figure(f"E{i}", rng.choice(NUMBERS), rng.choice(NUMBERS), rng.choice(NUMBERS))
            for i in range(size)
        ]
    return sets


ALL = {**CASES, **_random_sets(100)}


def _same(got: National, want: National) -> bool:
    if (got.reported, got.expected, got.invalid) != (want.reported, want.expected, want.invalid):
        return False
    if want.value is None or got.value is None:
        return got.value is want.value
    return got.value == pytest.approx(want.value, rel=1e-12, abs=1e-9)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", list(ALL))
@pytest.mark.parametrize("expected", [0, 3])
def test_sums_give_the_national_figure(rule, name, expected):
    figures = ALL[name]
    want = national(rule, figures, expected)
    got = national_of_sums(rule, sums_of(figures), expected)
    assert _same(got, want), (got, want)


def test_the_table_is_not_trivial():
    """The cases reach every branch that matters: values, no value, invalid figures, pairs."""
    results = [national(rule, figures, 3) for rule in RULES for figures in ALL.values()]
    assert any(r.value is None and r.reported for r in results)
    assert any(r.invalid for r in results)
    assert len({r.value for r in results if r.value is not None}) > 50


def test_latest_is_the_last_figure_with_a_value():
    sums = sums_of([Figure("A", 7.0), Figure("B", 9.0), Figure("C", None, 1.0, 2.0)])
    assert sums.latest_value == 9.0
    assert national_of_sums("latest", sums, 1).value == 9.0
