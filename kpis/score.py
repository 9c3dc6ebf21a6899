"""Comparing ministries: a score 0-100 from progress to target, and a rank by score."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def entity_score(progresses: Iterable[float | None]) -> float | None:
    """Progress to target clipped to [0, 1], averaged over the KPIs that have a target and a
    figure, as 0-100. None when there is nothing to average."""
    clipped = [min(max(p, 0.0), 1.0) for p in progresses if p is not None]
    return 100 * sum(clipped) / len(clipped) if clipped else None


def ranks(scores: Mapping[str, float | None]) -> dict[str, int]:
    """Competition ranking (1, 2, 2, 4) by score, highest first; entities without a score are
    not ranked."""
    scored = sorted(((s, e) for e, s in scores.items() if s is not None), reverse=True)
    result: dict[str, int] = {}
    rank, previous = 0, None
    for position, (score, entity) in enumerate(scored, start=1):
        if score != previous:  # a tie keeps the rank of the first with that score
            rank, previous = position, score
        result[entity] = rank
    return result
