"""Progress to target and status at a period (docs/numbers.md)."""

from __future__ import annotations

ACHIEVED = "achieved"
ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
NOT_DUE = "not_due"
NO_TARGET = "no_target"
STATUSES = (ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA, NOT_DUE, NO_TARGET)
# From worst to best: a headline sorts its problems first.
SEVERITY = {
    OFF_TRACK: 0,
    AT_RISK: 1,
    NO_DATA: 2,
    ON_TRACK: 3,
    ACHIEVED: 4,
    NOT_DUE: 5,
    NO_TARGET: 6,
}


def better(a: float, b: float, lower_is_better: bool) -> bool:
    """Whether `a` is at least as good as `b` (a rank is better when its number is smaller)."""
    return a <= b if lower_is_better else a >= b


def progress(actual: float | None, start: float | None, target: float | None) -> float | None:
    """(actual − start) / (target − start): 0 at the start, 1 at the target, for ranks too.

    `start` is the baseline, or the first reported value where there is none. When the start
    already equals the target there is no distance to cover: 1 if it is held, else 0.
    """
    if actual is None or start is None or target is None:
        return None
    if target == start:
        return 1.0 if actual == target else 0.0
    return (actual - start) / (target - start)


def status(
    actual: float | None,
    expected: float | None,
    target: float | None,
    start: float | None,
    *,
    lower_is_better: bool = False,
    tolerance: float = 0.9,
    due: bool = True,
) -> str:
    """`achieved`, `on_track`, `at_risk` (at least `tolerance` of the expected gain since the
    start), `off_track`; `no_target`, `not_due` and `no_data` where it cannot be judged."""
    if target is None:
        return NO_TARGET
    if not due:
        return NOT_DUE
    if actual is None:
        return NO_DATA
    if better(actual, target, lower_is_better):
        return ACHIEVED
    if expected is None or better(actual, expected, lower_is_better):
        return ON_TRACK
    gained = progress(actual, start, expected)
    if start is not None and start != expected and gained is not None and gained >= tolerance:
        return AT_RISK
    return OFF_TRACK
