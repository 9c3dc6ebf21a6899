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
