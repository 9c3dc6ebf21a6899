"""What counts as a usable stored number: the one rule every page, aggregate, score, forecast and
export applies to figures read back from the store (issue 12).

Ingest refuses anything else and the store's CHECK constraints refuse non-finite values, but a
database written before them, or edited by hand, may still hold NaN, an infinity, or a number no
unit allows. Such a figure is *invalid*: shown as such, and left out of every computation, so that
nothing downstream turns into NaN or infinity, or fails."""

from __future__ import annotations

import sys
from typing import NamedTuple

# No unit allows more than 10^12 (etl.parse's ceilings: OMR and numerators / denominators); 10^15
# leaves room for figures of a past programme while keeping every sum over all entities finite.
MAX_MAGNITUDE = 1e15
# Below the smallest normal float, a number is subnormal: it has lost precision, and dividing by
# it overflows. No real figure is that small.
MIN_NORMAL = sys.float_info.min


def usable(value: object) -> bool:
    """A real number a figure can be: finite, not subnormal, within every unit; never a bool.

    NaN fails every comparison and an infinity is above MAX_MAGNITUDE, so the range test alone
    refuses both (this runs for every figure of every page: it is kept cheap)."""
    kind = value.__class__
    if kind is not float and kind is not int and not _number_like(value):
        return False
    return value == 0 or MIN_NORMAL <= abs(value) <= MAX_MAGNITUDE


def _number_like(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_invalid(value: object) -> bool:
    """Something was stored, and it is not a usable number (None is no figure, not invalid)."""
    return value is not None and not usable(value)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """100 × numerator / denominator when both are usable and the result is too, else None."""
    if not (usable(numerator) and usable(denominator)) or denominator <= 0:
        return None
    result = 100 * numerator / denominator
    return result if usable(result) else None


class Reading(NamedTuple):
    """A stored row's figure: the value, or the ratio where only numerator and denominator came;
    `invalid` when any of its stored numbers is not usable (the whole row is then left out)."""

    figure: float | None
    invalid: bool = False


NO_FIGURE = Reading(None)
INVALID_FIGURE = Reading(None, invalid=True)


def read_figure(
    value: float | None, numerator: float | None = None, denominator: float | None = None
) -> Reading:
    if numerator is None and denominator is None:  # most figures: a value alone
        if value is None:
            return NO_FIGURE
        return Reading(float(value)) if usable(value) else INVALID_FIGURE
    if is_invalid(value) or is_invalid(numerator) or is_invalid(denominator):
        return INVALID_FIGURE
    if value is not None:
        return Reading(float(value))
    if numerator is not None and denominator:
        computed = ratio(numerator, denominator)
        return Reading(computed) if computed is not None else INVALID_FIGURE
    return NO_FIGURE
