"""What it would take: for a KPI off its path, the gain per quarter still needed to meet the
target by the target period, and the entities whose gap weighs most on the national figure.

The rules (the "prescriptive insights" the programme promised; the overview and the committee
report show them through services.overview):

- **Quarters left** are counted from the end of the as-of quarter to the end of the target period
  (a year ends with its fourth quarter): at 2025-Q2, a target for 2025-Q4 or for the year 2025
  has 2 quarters left. None are left once the target period is reached. (Counting from the as-of
  quarter, not from the period of the last figure: the quarters in between are gone, whether or
  not an annual or biennial KPI reported in them.)
- **Gain per quarter** = (target − now) / quarters left, "now" being the current national figure:
  a straight line from it to the target, signed (a rank that must fall by 6 over 3 quarters needs
  −2 a quarter), so that the gain added for every quarter left reaches the target. Nothing is
  asked when the target is already met; with no quarter left there is no per-quarter gain, only
  the gap that remains.
- **An entity's gap** is measured against the path's value at the current period (kpis.path
  `expected_at`, the one path rule; the caller passes it in), in the KPI's direction:
  * `ratio_of_sums`: the numerator the entity falls short by, against what the path asks of its
    own denominator (path% × denominator − numerator). The national figure is Σ numerators /
    Σ denominators, so this is exactly what the entity takes away from it.
  * `mean`: the entity's shortfall of value against the path; it weighs on the national mean by
    shortfall / number of entities, and every entity's weight has that same divisor.
  * `share_of_entities`: each entity answering "no" weighs equally (one entity of the share).
  * `sum` and `latest` (national KPIs): no entity's gap can be told apart: none is named.
- **An entity's share** of the gap is its gap over the sum of the gaps of the entities behind the
  path: entities ahead of it do not offset the others (each answers for its own gap), so the shares
  of those named add up to at most 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kpis.aggregate import Figure
from kpis.periods import PeriodCode
from kpis.status import better

HEAVIEST = 3  # entities named per KPI


def quarter_index(period: PeriodCode) -> int:
    """A period's last quarter as a running count (a year counts as its fourth quarter)."""
    return period.year * 4 + (period.quarter or 4)


def quarters_left(now: PeriodCode, target: PeriodCode) -> int:
    """Quarters from the end of `now` to the end of `target`; 0 once `target` is reached."""
    return max(0, quarter_index(target) - quarter_index(now))


def gain_per_quarter(
    now: float, target: float, left: int, *, lower_is_better: bool = False
) -> float | None:
    """The change a quarter that reaches `target` from `now` in `left` quarters; 0.0 when the
    target is already met; None when no quarter is left to gain in."""
    if better(now, target, lower_is_better):
        return 0.0
    if left <= 0:
        return None
    return (target - now) / left


def _behind(value: float, asked: float, lower_is_better: bool) -> float:
    """How far `value` is behind `asked` in the KPI's direction (0 when it meets it)."""
    return max(0.0, value - asked) if lower_is_better else max(0.0, asked - value)


def ratio_gaps(
    figures: Sequence[Figure], path: float, *, lower_is_better: bool = False
) -> dict[str, float]:
    """Entity -> numerator short of `path` percent of its own denominator (ratio_of_sums)."""
    return {
        f.entity: gap
        for f in figures
        if f.numerator is not None and f.denominator
        if (gap := _behind(f.numerator, path / 100 * f.denominator, lower_is_better)) > 0
    }


def mean_gaps(
    figures: Sequence[Figure], path: float, *, lower_is_better: bool = False
) -> dict[str, float]:
    """Entity -> its weight on the national mean: value short of `path` / number of entities."""
    valued = [f for f in figures if f.value is not None]
    return {
        f.entity: gap / len(valued)
        for f in valued
        if (gap := _behind(f.value, path, lower_is_better)) > 0
    }


def share_gaps(figures: Sequence[Figure]) -> dict[str, float]:
    """Entity -> 1 for each entity answering "no" (share_of_entities): all weigh the same."""
    return {f.entity: 1.0 for f in figures if f.value is not None and f.value <= 0}


def entity_gaps(
    aggregation: str, figures: Sequence[Figure], path: float, *, lower_is_better: bool = False
) -> dict[str, float]:
    """Each entity's gap by the KPI's aggregation rule; {} where none can be told apart."""
    if aggregation == "ratio_of_sums":
        return ratio_gaps(figures, path, lower_is_better=lower_is_better)
    if aggregation == "mean":
        return mean_gaps(figures, path, lower_is_better=lower_is_better)
    if aggregation == "share_of_entities":
        return share_gaps(figures)
    return {}


def shares(gaps: Mapping[str, float]) -> dict[str, float]:
    """Each gap as a share (0-1) of all the gaps."""
    total = sum(gaps.values())
    return {e: g / total for e, g in gaps.items()} if total > 0 else {}


def heaviest(gaps: Mapping[str, float], top: int = HEAVIEST) -> list[tuple[str, float]]:
    """The `top` entities with the largest share of the gap, largest first (ties by code)."""
    return sorted(shares(gaps).items(), key=lambda pair: (-pair[1], pair[0]))[:top]
