import pytest

from kpis.formatting import format_figure, format_omr, format_value


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


@pytest.mark.parametrize(
    ("baisa", "decimals", "text"),
    [
        (170_000_000_000, 3, "OMR 170,000,000.000"),
        (0, 3, "OMR 0.000"),
        (1, 3, "OMR 0.001"),
        (1_234_567, 3, "OMR 1,234.567"),
        (-1_500, 3, "OMR -1.500"),
        (1_234_567, 0, "OMR 1,235"),
        (1_234_499, 0, "OMR 1,234"),
        (999_950, 1, "OMR 1,000.0"),
        (999_949, 1, "OMR 999.9"),
        (-2_500, 0, "OMR -3"),
        (12_345, 2, "OMR 12.35"),
        (-400, 0, "OMR 0"),
    ],
)
def test_format_omr_english(baisa, decimals, text):
    assert format_omr(baisa, decimals=decimals) == text


def test_format_omr_arabic_keeps_the_digits_isolated_before_the_rial():
    assert format_omr(170_000_000_000, language="ar") == "\u2066170,000,000.000\u2069 ر.ع."
    assert format_omr(-1_500, language="ar") == "\u2066-1.500\u2069 ر.ع."


def test_format_omr_refuses_more_than_three_decimals():
    with pytest.raises(ValueError):
        format_omr(1, decimals=4)
