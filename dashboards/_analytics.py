"""What every analytics page shares: whose figures the viewer may see, the "as of" quarter, the
pictures of every KPI, and the controls that put that state in the address."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from dash import dcc, html
from flask import abort, current_app
from flask_babel import gettext as _
from flask_login import current_user

from dashboards._components import filter_form, select_field
from dashboards._text import ltr
from data import analytics as queries
from data.cache import results_of
from data.db import store_of
from data.queries import kpi_specs
from kpis.analysis import (
    Observed,
    Picture,
    by_kpi,
    entity_pictures,
    entity_progress,
    national_picture,
)
from kpis.periods import PeriodCode, parse_period
from kpis.score import entity_score, ranks
from kpis.spec import KpiSpec
from web.access import OFFICE, page_allowed


@dataclass(frozen=True)
class Scope:
    """The state a page is drawn from, checked on the server."""

    as_of: PeriodCode
    include_unapproved: bool
    own_entity: str | None  # an entity user's entity: theirs in every status, others not at all


def scope_for(period: str | None, unapproved: str | None, choices: list[str]) -> Scope:
    """Committee: approved figures only. Entity users: approved national figures and their own
    entity in every status. The office: everything, unapproved figures when it asks for them."""
    if not current_user.is_authenticated:
        abort(403)
    as_of = period if period in choices else (choices[0] if choices else "2025-Q4")
    office = current_user.role in OFFICE
    own = current_user.entity_code if current_user.role == "entity" else None
    return Scope(parse_period(as_of), office and unapproved == "1", own)


@dataclass
class Programme:
    """Every KPI's national picture; entities' pictures computed when a page asks for them."""

    scope: Scope
    specs: list[KpiSpec]
    national: dict[str, Picture]
    entity_figures: dict[str, list[Observed]]  # KPI code -> entities' figures shown in detail
    ranking_figures: dict[str, list[Observed]]  # KPI code -> every entity's figures, for ranks
    assigned: dict[str, set[str]]
    entity_names: dict[str, queries.NamedRow] = field(default_factory=dict)
    track_names: dict[str, queries.NamedRow] = field(default_factory=dict)
    _pictures: dict[str, dict[str, Picture]] = field(default_factory=dict)

    def spec(self, code: str) -> KpiSpec | None:
        return next((s for s in self.specs if s.code == code), None)

    def entity_pictures(self, code: str) -> dict[str, Picture]:
        """Entity code -> picture of KPI `code` (entity-scoped KPIs only)."""
        spec = self.spec(code)
        if spec is None or spec.scope != "entity":
            return {}
        if code not in self._pictures:
            figures = self.entity_figures.get(code, [])
            self._pictures[code] = entity_pictures(spec, figures, self.scope.as_of)
        return self._pictures[code]

    @cached_property
    def scores(self) -> dict[str, float | None]:
        """Every entity's score from the figures everybody may rank on (approved ones, unless
        the office includes those awaiting approval)."""
        per_entity: dict[str, list[float | None]] = {e: [] for e in self.entity_names}
        for spec in self.specs:
            if spec.scope != "entity":
                continue
            figures = self.ranking_figures.get(spec.code, [])
            for entity, value in entity_progress(spec, figures, self.scope.as_of).items():
                per_entity.setdefault(entity, []).append(value)
        return {e: entity_score(p) for e, p in per_entity.items()}

    @cached_property
    def ranks(self) -> dict[str, int]:
        return ranks(self.scores)


def programme(scope: Scope) -> Programme:
    """The programme at `scope`, computed once per version of the data (the heavy part)."""
    with store_of(current_app).session() as db:
        version = queries.data_version(db)
    return results_of(current_app).get_or_make(("programme", version, scope), lambda: _read(scope))


def _read(scope: Scope) -> Programme:
    with store_of(current_app).session() as db:
        specs = kpi_specs(db)
        assigned = queries.assignments(db)
        names = {e.code: e for e in queries.entities(db)}
        track_names = {t.code: t for t in queries.tracks(db)}
        shown = queries.figures(db, include_unapproved=scope.include_unapproved)
        own = (
            queries.figures(db, include_unapproved=True, entity=scope.own_entity)
            if scope.own_entity
            else []
        )
    return build(scope, specs, assigned, shown, own, names, track_names)


def build(scope, specs, assigned, shown, own, names=None, track_names=None) -> Programme:
    """National pictures from `shown`; entities' figures from `own` for an entity user (its own
    entity only), from `shown` for everybody else."""
    grouped = by_kpi(f for f in shown if f.period.end <= scope.as_of.end)
    national = {
        s.code: national_picture(
            s, grouped.get(s.code, []), len(assigned.get(s.code, ())), scope.as_of
        )
        for s in specs
    }
    detailed = (
        by_kpi(f for f in own if f.period.end <= scope.as_of.end) if scope.own_entity else grouped
    )
    return Programme(
        scope, specs, national, detailed, grouped, assigned, names or {}, track_names or {}
    )


def quarter_options() -> list[str]:
    with store_of(current_app).session() as db:
        latest = queries.latest_approved_quarter(db)
        choices = queries.reported_quarters(db)
    if latest in choices:
        choices.remove(latest)
        choices.insert(0, latest)  # the default: the latest quarter with approved figures
    return choices


def as_of_form(
    form_id: str, scope: Scope, choices: list[str], unapproved: bool = True
) -> html.Form:
    """The "as of" quarter and, for the office where the page uses it, whether to include figures
    awaiting approval."""
    fields = [
        select_field(
            f"{form_id}-period",
            "period",
            _("As of quarter"),
            [(q, ltr(q)) for q in sorted(choices, reverse=True)],
            scope.as_of.code,
        )
    ]
    if unapproved and current_user.role in OFFICE:
        fields.append(
            select_field(
                f"{form_id}-unapproved",
                "unapproved",
                _("Figures"),
                [("0", _("Approved only")), ("1", _("Include figures awaiting approval"))],
                "1" if scope.include_unapproved else "0",
            )
        )
    return filter_form(form_id, fields, _("Show"))


def scope_note(scope: Scope) -> html.P:
    if scope.include_unapproved:
        text = _(
            "Figures as of %(period)s, including figures awaiting approval.",
            period=ltr(scope.as_of.code),
        )
    else:
        text = _("Approved figures as of %(period)s.", period=ltr(scope.as_of.code))
    return html.P(text, className="muted scope-note")


def allowed(path: str) -> None:
    """Refuse a callback for a page the user may not open (deny by default)."""
    if not current_user.is_authenticated or not page_allowed(current_user, path):
        abort(403)


def address(scope: Scope) -> str:
    """The query string that carries the state to the next page (shareable links)."""
    extra = "&unapproved=1" if scope.include_unapproved else ""
    return f"?period={scope.as_of.code}{extra}"


def params(scope: Scope, **more) -> dict:
    return {
        "period": scope.as_of.code,
        "unapproved": "1" if scope.include_unapproved else "0",
        **more,
    }


def from_params(data: dict | None) -> Scope:
    data = data or {}
    return scope_for(data.get("period"), data.get("unapproved"), quarter_options())


class PageIds(NamedTuple):
    """The ids of an analytics page's form, its state store and the part its callback fills."""

    form: str
    params: str
    content: str


def analytics_page(
    ids: PageIds,
    heading,
    scope: Scope,
    choices: list[str],
    state: dict,
    intro: Sequence = (),
    unapproved: bool = True,
) -> html.Div:
    """The frame every analytics page shares: heading, the "as of" form, what the figures are, and
    a store with the page's state for the callback that does the heavy work."""
    return html.Div(
        [
            html.H1(heading),
            *intro,
            as_of_form(ids.form, scope, choices, unapproved),
            scope_note(scope) if unapproved else "",
            dcc.Store(id=ids.params, data=state),
            dcc.Loading(html.Div(id=ids.content), type="dot"),
        ]
    )


def not_found(heading: str) -> html.Div:
    return html.Div([html.H1(heading), dcc.Link(_("Back to the overview"), href="/")])


def requested_code(data: dict | None) -> str:
    """The track, KPI or entity code a page's state names."""
    return str((data or {}).get("code", "")).upper()
