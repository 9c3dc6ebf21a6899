import pytest

from kpis.formatting import format_figure, format_value


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (34, "percent", "34%"),
        (34.56, "percent", "34.6%"),
        (100.0, "milestone", "100%"),
        (24, "rank", "24"),
        (1250, "count", "1,250"),
        (12000.5, "omr", "OMR 12,000.5"),
        (None, "percent", ""),
        (0, "percent", "0%"),
    ],
)
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (34, "percent", "34.0%"),
        (57.25, "percent", "57.2%"),
        (21, "rank", "21"),
        (None, "count", ""),
    ],
)
def test_format_figure_gives_percentages_one_decimal(value, unit, text):
    assert format_figure(value, unit) == text
