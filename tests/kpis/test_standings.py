"""An entity's standing read from a few periods' figures (kpis.analysis.standing_periods and its
first figure) is the standing of its whole history: status, progress, current and previous
figures and start, for every kind of KPI, with gaps, invalid figures and restatements."""

import random
from dataclasses import replace

import pytest

from kpis.analysis import (
    Observed,
    due_periods,
    entity_pictures,
    entity_progress,
    entity_standings,
    holds_first_figure,
    standing_periods,
    starts_from_first_figure,
)
from kpis.changes import like_for_like
from kpis.periods import parse_period
from kpis.spec import Definition, KpiSpec

Q = parse_period


def kpi(**fields) -> KpiSpec:
    base = KpiSpec(
        id=1,
        code="T1.1",
        track="T1",
        name_en="",
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
    return replace(base, **fields)


RESTATED = (
    Definition(1, Q("2021-Q1"), None, None, 80.0, 2025),
    Definition(2, Q("2024-Q1"), 30.0, 2020, 90.0, 2025),
)
KINDS = {
    "no baseline": kpi(),
    "baseline": kpi(baseline=34.0, baseline_year=2020),
    "lower is better": kpi(direction="decrease", target=10.0),
    "no target": kpi(target=None, target_year=None),
    "annual": kpi(frequency="annual", aggregation="mean"),
    "latest": kpi(aggregation="latest"),
    "restated": kpi(baseline=30.0, baseline_year=2020, target=90.0, definitions=RESTATED),
}
ODD = [None, float("nan"), 1e300, float("inf")]  # absent or invalid: never a figure


def history(spec: KpiSpec, as_of, seed: int) -> list[Observed]:
    """Random figures of six entities: gaps, late starters, invalid and absent figures."""
    rng = random.Random(seed)
    figures = []
    for entity in "ABCDEF":
        start = rng.randrange(len(due_periods(spec, as_of)) + 1)
        for period in due_periods(spec, as_of)[start:]:
            if rng.random() < 0.3:
                continue  # not reported
            value = rng.choice(ODD) if rng.random() < 0.15 else rng.uniform(0, 120)
            if rng.random() < 0.3 and value is not None:
                figures.append(Observed(entity, spec.code, period, None, value, 100.0))
            else:
                figures.append(Observed(entity, spec.code, period, value))
    return figures


def standing_figures(spec: KpiSpec, figures: list[Observed], as_of) -> list[Observed]:
    """What the store reads (services.programme.FigureSource.standing): the standing periods'
    figures and each entity's first, or every figure where a KPI needs them all."""
    periods = standing_periods(spec, as_of)
    if periods is None:
        return figures
    kept = [f for f in figures if f.period in periods]
    if starts_from_first_figure(spec):
        for entity in {f.entity for f in figures}:
            reported = [f for f in figures if f.entity == entity and f.figure is not None]
            if reported:
                first = min(reported, key=lambda f: f.period.end)
                kept += [f for f in figures if f.entity == entity and f.period == first.period]
    return kept


def scored(progress: dict) -> dict:
    return {entity: value for entity, value in progress.items() if value is not None}


CASES = [
    (kind, as_of, seed) for kind in KINDS for as_of in ("2023-Q2", "2025-Q4") for seed in range(6)
]


@pytest.mark.parametrize(("kind", "as_of", "seed"), CASES)
def test_a_standing_from_a_few_periods_is_the_standing_of_the_whole_history(kind, as_of, seed):
    spec, as_of = KINDS[kind], Q(as_of)
    everything = history(spec, as_of, seed)
    few = standing_figures(spec, everything, as_of)
    pictures = entity_pictures(spec, everything, as_of)
    standings = entity_standings(spec, few, as_of)
    for entity, pic in pictures.items():
        if entity not in standings:  # only figures outside the standing periods, none usable
            assert pic.value is None and pic.status in ("no_data", "no_target")
            continue
        got = standings[entity]
        expected = (pic.spec, pic.current, pic.previous, pic.start, pic.status, pic.progress)
        assert (got.spec, got.current, got.previous, got.start, got.status, got.progress) == (
            expected
        ), entity
    # an entity that reported only before the standing periods has no progress either way
    assert scored(entity_progress(spec, few, as_of)) == scored(
        entity_progress(spec, everything, as_of)
    )
    assert like_for_like(spec, few, as_of) == like_for_like(spec, everything, as_of)


def test_the_latest_figure_needs_the_whole_history_and_a_kpi_with_baselines_no_first():
    assert standing_periods(KINDS["latest"], Q("2025-Q3")) is None
    assert [p.code for p in standing_periods(KINDS["baseline"], Q("2025-Q3"))] == [
        "2025-Q2",
        "2025-Q3",
    ]
    assert [p.code for p in standing_periods(KINDS["annual"], Q("2025-Q3"))] == ["2023", "2024"]
    assert not starts_from_first_figure(KINDS["baseline"])
    assert starts_from_first_figure(KINDS["no baseline"])
    assert starts_from_first_figure(KINDS["restated"])  # its first definition had no baseline


@pytest.mark.parametrize(
    ("figures", "earliest", "held"),
    [
        ([("2021-Q2", 5.0), ("2025-Q3", 9.0)], "2021-Q2", True),
        ([("2021-Q2", float("nan")), ("2025-Q3", 9.0)], "2021-Q2", False),  # invalid: not first
        ([("2021-Q2", None), ("2025-Q3", 9.0)], "2021-Q2", False),  # a later revision cleared it
        ([("2025-Q3", 9.0)], "2021-Q2", False),  # the earliest figure was not read
        ([], "2021-Q2", False),
    ],
)
def test_whether_the_figures_read_hold_the_first_one(figures, earliest, held):
    spec, as_of = KINDS["no baseline"], Q("2025-Q3")
    read = [Observed("A", spec.code, Q(p), v) for p, v in figures]
    assert holds_first_figure(spec, read, Q(earliest).end, as_of) is held
