"""The restatement rule (kpis.spec.definition_in_force): a period is rated by the latest-effective
definition that has taken effect by the period's end; the earlier ones rate the periods before."""

from dataclasses import replace

import pytest

from kpis.analysis import Observed, Point, entity_progress, national_picture, picture
from kpis.periods import PeriodCode, parse_period, quarters
from kpis.spec import Definition, KpiSpec, definition_in_force, quarters_governed

Q = parse_period


def definition(version, start, target, baseline=34.0):
    return Definition(version, Q(start), baseline, 2020, target, 2025)


ORIGINAL = definition(1, "2021-Q1", 80.0)
TO_85 = definition(2, "2025-Q1", 85.0)
TO_90 = definition(3, "2025-Q3", 90.0)
CORRECTED = definition(4, "2025-Q1", 86.0)  # a second restatement from the same quarter
EARLIER_LATER = definition(5, "2024-Q3", 82.0)  # made last, taking effect before TO_85


@pytest.mark.parametrize(
    ("definitions", "period", "version"),
    [
        ([ORIGINAL], "2021-Q1", 1),
        ([ORIGINAL], "2025-Q4", 1),
        ([ORIGINAL, TO_85], "2024-Q4", 1),  # before the effective quarter
        ([ORIGINAL, TO_85], "2025-Q1", 2),  # on it
        ([ORIGINAL, TO_85], "2025-Q2", 2),  # after it
        ([ORIGINAL, TO_85], "2024", 1),  # a year: by what is in force in its last quarter
        ([ORIGINAL, TO_85], "2025", 2),
        ([ORIGINAL, TO_85, TO_90], "2025-Q2", 2),  # several restatements
        ([ORIGINAL, TO_85, TO_90], "2025-Q3", 3),
        ([ORIGINAL, TO_85, TO_90], "2025", 3),
        ([ORIGINAL, TO_85, TO_90], "2022-Q2", 1),
        ([TO_90, ORIGINAL, TO_85], "2025-Q2", 2),  # whatever order they come in
        ([ORIGINAL, TO_85, CORRECTED], "2025-Q1", 4),  # same quarter: the later version
        ([ORIGINAL, CORRECTED, TO_85], "2025-Q2", 4),
        ([ORIGINAL, TO_85, EARLIER_LATER], "2024-Q3", 5),  # latest-effective, not latest made
        ([ORIGINAL, TO_85, EARLIER_LATER], "2024-Q4", 5),
        ([ORIGINAL, TO_85, EARLIER_LATER], "2025-Q1", 2),
        ([TO_85], "2024-Q4", 2),  # before the first takes effect: the first
        ([], "2024-Q4", None),
    ],
)
def test_the_definition_in_force(definitions, period, version):
    chosen = definition_in_force(definitions, Q(period))
    assert (chosen.version if chosen else None) == version


def test_each_version_rates_its_own_quarters():
    governed = quarters_governed([ORIGINAL, TO_85, CORRECTED, TO_90], quarters(2021, 2025))
    assert [q.code for q in governed[1]][-1] == "2024-Q4"
    assert len(governed[1]) == 16
    assert governed[2] == []  # replaced from the quarter it took effect from
    assert [q.code for q in governed[4]] == ["2025-Q1", "2025-Q2"]
    assert [q.code for q in governed[3]] == ["2025-Q3", "2025-Q4"]


def spec(*definitions, direction="increase", unit="percent", **fields) -> KpiSpec:
    current = definitions[-1]
    return KpiSpec(
        id=1,
        code="T1.5",
        track="T1",
        name_en="",
        name_ar="",
        unit=unit,
        direction=direction,
        scope="entity",
        aggregation="mean",
        frequency="quarterly",
        baseline=current.baseline,
        baseline_year=current.baseline_year,
        target=current.target,
        target_year=current.target_year,
        first_year=2021,
        cycle_baseline_year=2020,
        definitions=tuple(definitions),
        **fields,
    )


def test_a_spec_in_force_carries_that_definition():
    restated = spec(ORIGINAL, TO_85)
    assert restated.in_force(Q("2024-Q4")).target == 80
    assert restated.in_force(Q("2025-Q1")) is restated
    assert restated.in_force(Q("2024-Q4")).definitions == restated.definitions
    assert restated.restated and not spec(ORIGINAL).restated


def series(values: dict[str, float]) -> dict[PeriodCode, Point]:
    return {Q(p): Point(Q(p), v, None) for p, v in values.items()}


# on the 34 -> 80 path the end of 2024 expects 34 + 46 * 4/5 = 70.8; on 34 -> 85, 74.8
HISTORY = {"2024-Q3": 68.0, "2024-Q4": 71.0, "2025-Q1": 74.0}


def test_the_path_status_and_progress_follow_the_definition_in_force():
    restated = spec(ORIGINAL, TO_85)
    at_q4 = picture(restated, series(HISTORY), Q("2024-Q4"))
    before = picture(spec(ORIGINAL), series(HISTORY), Q("2024-Q4"))
    assert (at_q4.status, at_q4.progress, at_q4.expected) == (
        before.status,
        before.progress,
        before.expected,
    )
    assert at_q4.status == "on_track"
    assert at_q4.progress == pytest.approx((71 - 34) / (80 - 34))
    assert at_q4.spec.target == 80
    at_q1 = picture(restated, series(HISTORY), Q("2025-Q1"))
    expected_q4 = {p.period.code: p.expected for p in at_q1.series}["2024-Q4"]
    assert expected_q4 == pytest.approx(70.8)  # the earlier quarters keep the old path
    assert at_q1.expected == pytest.approx(34 + 51 * 4.25 / 5)  # the new path from 2025-Q1
    assert at_q1.status == "at_risk"  # 74 < 77.35, but 40/43.35 of the gain
    assert at_q1.progress == pytest.approx((74 - 34) / (85 - 34))
    assert picture(spec(ORIGINAL), series(HISTORY), Q("2025-Q1")).status == "on_track"
    assert at_q1.spec.target == 85


def test_the_forecast_judges_by_the_definition_in_force_at_the_target_period():
    restated = spec(ORIGINAL, TO_85)
    history = {"2024-Q2": 78.0, "2024-Q3": 79.0, "2024-Q4": 80.0}
    at_q4 = picture(restated, series(history), Q("2024-Q4"))
    assert at_q4.status == "achieved"  # 80 meets the target in force in 2024-Q4
    # 4 points a year: 84 by the end of 2025, short of the 85 in force then
    assert at_q4.forecast.value == pytest.approx(84)
    assert at_q4.forecast.verdict == "unlikely"
    assert picture(spec(ORIGINAL), series(history), Q("2024-Q4")).forecast.verdict == "likely"


def test_a_decreasing_kpi_restated_down():
    rank_from = Definition(1, Q("2021-Q1"), 50.0, 2020, 30.0, 2025)
    rank_to = Definition(2, Q("2025-Q1"), 50.0, 2020, 20.0, 2025)
    rank = spec(rank_from, rank_to, direction="decrease", unit="rank")
    values = series({"2024-Q4": 33.0, "2025-Q1": 33.0})
    at_q4 = picture(rank, values, Q("2024-Q4"))
    at_q1 = picture(rank, values, Q("2025-Q1"))
    assert at_q4.expected == pytest.approx(34.0)  # 50 -> 30 at 4/5 of the way
    assert at_q4.status == "on_track"
    assert at_q4.progress == pytest.approx((33 - 50) / (30 - 50))
    assert at_q1.expected == pytest.approx(50 - 30 * 4.25 / 5)  # 24.5 on the new path
    assert at_q1.status == "off_track"
    assert at_q1.progress == pytest.approx((33 - 50) / (20 - 50))


def test_national_and_entity_ratings_agree_with_the_rule():
    restated = spec(ORIGINAL, TO_85)
    figures = [Observed("MOH", "T1.5", Q(p), v) for p, v in HISTORY.items()]
    national = national_picture(restated, figures, 1, Q("2024-Q4"))
    assert national.progress == pytest.approx((71 - 34) / 46)
    assert entity_progress(restated, figures, Q("2024-Q4")) == {
        "MOH": pytest.approx((71 - 34) / 46)
    }
    assert entity_progress(restated, figures, Q("2025-Q1")) == {
        "MOH": pytest.approx((74 - 34) / 51)
    }


def test_a_restated_baseline_moves_the_start():
    rebased = replace(TO_85, baseline=40.0)
    restated = spec(ORIGINAL, rebased)
    at_q1 = picture(restated, series(HISTORY), Q("2025-Q1"))
    assert at_q1.start == 40
    assert at_q1.progress == pytest.approx((74 - 40) / (85 - 40))
    assert picture(restated, series(HISTORY), Q("2024-Q4")).start == 34
