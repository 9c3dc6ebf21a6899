"""An entity's own baseline and target for a KPI (DESIGN.md, "Entity": the KPIs assigned to it,
with optional entity-specific baseline and target). They rate that entity's own figures only
(its path, status, progress and score); national figures keep the KPI's definition."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Protocol, TypeVar

from kpis.spec import KpiSpec

# entity code -> (its baseline, its target); None where it keeps the KPI's own
OwnTargets = Mapping[str, tuple[float | None, float | None]]


class _Figure(Protocol):
    entity: str


F = TypeVar("F", bound=_Figure)


def own_spec(spec: KpiSpec, baseline: float | None, target: float | None) -> KpiSpec:
    """The KPI as one entity is rated: its own baseline and target where given, a straight path
    between them (the KPI's interim plan is the nation's), and no restatement history (the
    entity's values are its own, set by the admin)."""
    if baseline is None and target is None:
        return spec
    changed: dict = {"interim": (), "definitions": ()}
    if baseline is not None:
        changed.update(baseline=baseline, baseline_year=spec.base_year)
    if target is not None and spec.target_year is not None:
        changed["target"] = target
    return replace(spec, **changed)


def by_own_spec(
    spec: KpiSpec, figures: Iterable[F], own: OwnTargets
) -> list[tuple[KpiSpec, list[F]]]:
    """The figures grouped by the spec that rates them: the KPI's own for most entities, each
    entity's own where it has a baseline or target of its own."""
    groups: dict[str | None, list[F]] = {}
    for figure in figures:
        key = figure.entity if figure.entity in own else None
        groups.setdefault(key, []).append(figure)
    return [
        (spec if key is None else own_spec(spec, *own[key]), group) for key, group in groups.items()
    ]
