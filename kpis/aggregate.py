"""National figures of entity-scoped KPIs, by each KPI's aggregation rule, with coverage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

from kpis.values import is_invalid, ratio, usable


@dataclass(frozen=True)
class Figure:
    """One entity's figure for a KPI and period."""

    entity: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None

    @property
    def invalid(self) -> bool:
        """A stored number that is not usable (kpis.values): the figure is left out."""
        return is_invalid(self.value) or is_invalid(self.numerator) or is_invalid(self.denominator)


@dataclass(frozen=True)
class National:
    value: float | None
    reported: int
    expected: int
    invalid: int = 0  # entities whose figure was left out as invalid (not counted as reported)

    @property
    def coverage(self) -> float | None:
        return self.reported / self.expected if self.expected else None

    @property
    def partial(self) -> bool:
        return self.reported < self.expected


def national(rule: str, figures: Sequence[Figure], expected: int) -> National:
    """`ratio_of_sums` (Σ numerators / Σ denominators, in percent), `mean`, `sum`,
    `share_of_entities` (percent of reporting entities answering yes) and `latest` (the one
    reported figure, for a KPI the nation reports once). Invalid figures are left out and counted
    apart, so coverage says how many entities really count."""
    valid = [f for f in figures if not f.invalid]
    reported = [f for f in valid if f.value is not None or _has_ratio(f)]
    combined = _combine(rule, reported)
    return National(
        combined if usable(combined) else None,
        len(reported),
        max(expected, len(reported)),
        len(figures) - len(valid),
    )


def _has_ratio(figure: Figure) -> bool:
    return figure.numerator is not None and bool(figure.denominator)


def _combine(rule: str, figures: Sequence[Figure]) -> float | None:
    values = [f.value for f in figures if f.value is not None]
    if rule == "ratio_of_sums":
        pairs = [f for f in figures if _has_ratio(f)]
        if not pairs:
            return fmean(values) if values else None
        return ratio(sum(f.numerator for f in pairs), sum(f.denominator for f in pairs))
    if not values:
        return None
    if rule == "sum":
        return float(sum(values))
    if rule == "share_of_entities":
        return 100 * sum(1 for v in values if v > 0) / len(values)
    if rule == "latest":
        return values[-1]
    return fmean(values)


@dataclass(frozen=True)
class Sums:
    """What a national figure needs of a KPI's figures in one period, kept in the store per view
    (data/summary.py) so that no page reads every figure: counts of reported and invalid figures,
    the sums of the ratio pairs and of the values, and the value `latest` picks (that of the last
    figure, in the order `national` is given them, with a usable value)."""

    reported: int = 0
    invalid: int = 0
    ratio_numerator: float = 0.0
    ratio_denominator: float = 0.0
    ratio_count: int = 0
    value_sum: float = 0.0
    value_count: int = 0
    positive_count: int = 0
    latest_value: float | None = None


def sums_of(figures: Sequence[Figure]) -> Sums:
    """The sums of `figures`, by `national`'s rules (the store computes the same in SQL)."""
    valid = [f for f in figures if not f.invalid]
    reported = [f for f in valid if f.value is not None or _has_ratio(f)]
    pairs = [f for f in reported if _has_ratio(f)]
    values = [f.value for f in reported if f.value is not None]
    return Sums(
        len(reported),
        len(figures) - len(valid),
        float(sum(f.numerator for f in pairs)),
        float(sum(f.denominator for f in pairs)),
        len(pairs),
        float(sum(values)),
        len(values),
        sum(1 for v in values if v > 0),
        values[-1] if values else None,
    )


def national_of_sums(rule: str, sums: Sums, expected: int) -> National:
    """`national` from the sums of the figures instead of the figures themselves (equal up to the
    rounding of a sum's last digit: tests/kpis/test_aggregate_sums.py)."""
    combined = _combine_sums(rule, sums)
    return National(
        combined if usable(combined) else None,
        sums.reported,
        max(expected, sums.reported),
        sums.invalid,
    )


def _combine_sums(rule: str, sums: Sums) -> float | None:
    mean = sums.value_sum / sums.value_count if sums.value_count else None
    if rule == "ratio_of_sums":
        if not sums.ratio_count:
            return mean
        return ratio(sums.ratio_numerator, sums.ratio_denominator)
    if not sums.value_count:
        return None
    if rule == "sum":
        return sums.value_sum
    if rule == "share_of_entities":
        return 100 * sums.positive_count / sums.value_count
    if rule == "latest":
        return sums.latest_value
    return mean
