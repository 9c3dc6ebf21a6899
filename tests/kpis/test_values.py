"""What counts as a usable stored number, and that every computation leaves the rest out."""

import math
import sys

import pytest

from kpis.aggregate import Figure, national
from kpis.analysis import Observed, entity_pictures, entity_progress, national_picture
from kpis.formatting import format_figure, format_number, format_value
from kpis.periods import PeriodCode
from kpis.spec import KpiSpec
from kpis.values import MAX_MAGNITUDE, Reading, is_invalid, ratio, read_figure, usable

NAN, INF = math.nan, math.inf
SUBNORMAL = 5e-324


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (0, True),
        (0.0, True),
        (-0.0, True),
        (34.5, True),
        (-12, True),
        (MAX_MAGNITUDE, True),
        (sys.float_info.min, True),  # the smallest normal float
        (NAN, False),
        (INF, False),
        (-INF, False),
        (SUBNORMAL, False),
        (-SUBNORMAL, False),
        (MAX_MAGNITUDE * 10, False),
        (1e308, False),
        (True, False),  # a boolean is not a figure
        (None, False),
        ("34", False),
    ],
)
def test_usable(value, ok):
    assert usable(value) is ok


def test_none_is_no_figure_not_an_invalid_one():
    assert not is_invalid(None) and is_invalid(NAN) and not is_invalid(3.0)


@pytest.mark.parametrize(
    ("numerator", "denominator", "result"),
    [
        (1, 4, 25.0),
        (0, 4, 0.0),
        (1, 0, None),
        (1, -4, None),
        (NAN, 4, None),
        (1, INF, None),
        (1e15, 1e-300, None),  # each usable, the quotient not
        (None, 4, None),
    ],
)
def test_ratio(numerator, denominator, result):
    assert ratio(numerator, denominator) == result


@pytest.mark.parametrize(
    ("stored", "reading"),
    [
        ((40.0, None, None), Reading(40.0)),
        ((None, 1, 4), Reading(25.0)),
        ((None, None, None), Reading(None)),
        ((None, 1, 0), Reading(None)),  # no denominator: nothing to compute, nothing wrong
        ((NAN, None, None), Reading(None, invalid=True)),
        ((INF, 1, 4), Reading(None, invalid=True)),
        ((40.0, NAN, 100), Reading(None, invalid=True)),  # any bad number spoils the row
        ((40.0, 40, -INF), Reading(None, invalid=True)),
        ((None, 1, SUBNORMAL), Reading(None, invalid=True)),
        ((None, 1e15, 1e-300), Reading(None, invalid=True)),
    ],
)
def test_read_figure(stored, reading):
    assert read_figure(*stored) == reading


@pytest.mark.parametrize(
    ("rule", "figures", "value", "reported", "invalid"),
    [
        ("mean", [Figure("A", 20), Figure("B", NAN), Figure("C", 40)], 30.0, 2, 1),
        ("sum", [Figure("A", 2), Figure("B", INF), Figure("C", -INF)], 2.0, 1, 2),
        (
            "ratio_of_sums",
            [Figure("A", 10, 10, 100), Figure("B", 10, NAN, 900), Figure("C", 50, 50, 100)],
            30.0,
            2,
            1,
        ),
        # two counts no unit allows would overflow the sum: each is left out
        ("sum", [Figure("A", 1e308), Figure("B", 1e308), Figure("C", 5)], 5.0, 1, 2),
        ("share_of_entities", [Figure("A", 100), Figure("B", NAN)], 100.0, 1, 1),
        ("latest", [Figure("MTCIT", INF)], None, 0, 1),
        ("mean", [Figure("A", NAN)], None, 0, 1),
    ],
)
def test_national_leaves_invalid_figures_out_and_counts_them(
    rule, figures, value, reported, invalid
):
    got = national(rule, figures, 3)
    assert got.value == (pytest.approx(value) if value is not None else None)
    assert (got.reported, got.invalid, got.expected) == (reported, invalid, 3)
    assert got.partial  # coverage tells the truth: an invalid figure is not a report


SPEC = KpiSpec(
    id=1,
    code="T1.5",
    track="T1",
    name_en="e-services",
    name_ar="",
    unit="percent",
    direction="increase",
    scope="entity",
    aggregation="mean",
    frequency="quarterly",
    baseline=34.0,
    baseline_year=2020,
    target=80.0,
    target_year=2025,
    first_year=2021,
    cycle_baseline_year=2020,
)
Q = [PeriodCode(2025, q) for q in (1, 2, 3)]


def _observed(entity, values):
    return [Observed(entity, "T1.5", q, v) for q, v in zip(Q, values, strict=True)]


def test_an_entity_picture_marks_the_invalid_point_and_forecasts_without_it():
    figures = _observed("A", [40.0, 50.0, NAN]) + _observed("B", [40.0, 50.0, 60.0])
    pictures = entity_pictures(SPEC, figures, Q[-1])
    a = pictures["A"]
    assert a.current.invalid and a.value is None and a.status == "no_data"
    assert a.forecast.verdict == "insufficient_data"  # two usable points only
    assert pictures["B"].forecast.verdict != "insufficient_data"
    progress = entity_progress(SPEC, figures, Q[-1])
    assert progress["A"] is None and progress["B"] == pytest.approx((60 - 34) / (80 - 34))


def test_the_nation_latest_invalid_figure_is_shown_not_passed_over():
    spec = KpiSpec(**{**SPEC.__dict__, "scope": "national", "aggregation": "latest"})
    figures = [Observed("MTCIT", "T1.5", Q[0], 50.0), Observed("MTCIT", "T1.5", Q[2], INF)]
    picture = national_picture(spec, figures, 1, Q[-1])
    assert picture.current.period == Q[2] and picture.current.invalid
    assert picture.value is None and picture.current.national.invalid == 1


def test_national_picture_coverage_and_value_without_the_bad_figure():
    figures = _observed("A", [40.0, 50.0, 1e300]) + _observed("B", [40.0, 50.0, 60.0])
    picture = national_picture(SPEC, figures, 2, Q[-1])
    assert picture.value == 60.0 and not picture.current.invalid
    assert (picture.current.national.reported, picture.current.national.invalid) == (1, 1)


@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_formatting_never_writes_nan_or_inf(bad):
    for text in (format_number(bad), format_value(bad, "percent"), format_figure(bad, "count")):
        assert text == "invalid"
