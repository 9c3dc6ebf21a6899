"""Entity `/entity/<code>`: the scorecard of all its KPIs, its score and rank among entities, and
its submissions with their lineage (file, uploader, reviewer, dates)."""

from __future__ import annotations

import dash
from dash import Input, Output, dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import guarded_callback, page_layout
from dashboards._analytics import (
    PageIds,
    Programme,
    address,
    allowed,
    analytics_page,
    from_params,
    not_found,
    page_scope,
    params,
    programme,
    requested_code,
)
from dashboards._components import table
from dashboards._initiatives import compact_table
from dashboards._kpi_table import trend_cell
from dashboards._reasons import read_reasons, reasons_section
from dashboards._text import (
    kpi_status,
    localized,
    ltr,
    point_text,
    status_label,
    target_heading,
    target_text,
    when,
)
from data import analytics as queries
from data.db import store_of
from kpis.revisions import RevisionStanding
from services.actors import Action, Actor, sees_people, sees_unapproved
from services.initiatives import initiatives_picture
from services.programme import revision_standings

ENTITY = PageIds("entity-form", "entity-params", "entity-content")

dash.register_page(
    __name__,
    path_template="/entity/<code>",
    title=lambda code=None, **_k: _("Entity"),
    name="Entity",
)


@page_layout(lambda code=None, **_k: f"/entity/{code}")
def layout(code: str | None = None, period: str | None = None, unapproved=None, **_kwargs):
    code = (code or "").upper()
    with store_of(current_app).session() as db:
        entity = next((e for e in queries.entities(db) if e.code == code), None)
    if entity is None:
        return not_found(_("No such entity"))
    scope, choices = page_scope(period, unapproved)
    heading = localized(entity, "name")
    return analytics_page(ENTITY, heading, scope, choices, params(scope, code=code))


@guarded_callback(
    Output(ENTITY.content, "children"),
    Input(ENTITY.params, "data"),
    action=Action.VIEW_PROGRAMME,
)
def render(actor: Actor, data):
    code = requested_code(data)
    allowed(f"/entity/{code}")
    prog = programme(from_params(data))
    quarter = prog.scope.as_of.code
    with store_of(current_app).session() as db:
        history = queries.lineage(db, code, approved_only=not sees_unapproved(actor, code))
        # that a later revision is pending or returned is said to everybody (the completeness
        # grid shows statuses too), next to the official figure
        revisions = revision_standings(db, [quarter]).get((code, quarter))
    return [
        standing(prog, code),
        scorecard(prog, code, official_note(quarter, revisions)),
        led_initiatives(prog, code),
        entity_reasons(actor, prog, code),
        submissions(history, named=sees_people(actor, code)),
    ]


def led_initiatives(prog: Programme, code: str) -> html.Section | str:
    """The initiatives the entity leads, at the as-of quarter (services.initiatives); nothing
    for an entity that leads none."""
    with store_of(current_app).session() as db:
        items = initiatives_picture(db, prog.scope).led_by(code)
    if not items:
        return ""
    return html.Section(
        [
            html.H2(_("Initiatives it leads")),
            compact_table(items, _("%(count)d initiatives led by this entity", count=len(items))),
            html.P(
                dcc.Link(
                    _("Every initiative of the programme"),
                    href=f"/initiatives{address(prog.scope)}",
                )
            ),
        ],
        className="card",
        id="entity-initiatives",
    )


def entity_reasons(actor: Actor, prog: Programme, code: str) -> html.Section:
    """The entity's comments per KPI and the office's notes on its submissions, as-of quarter and
    the one before (services.reasons decides what the actor may read)."""
    found = sorted(read_reasons(actor, prog, entity=code), key=lambda r: r.kpi_code or "")
    # newest quarter first; in a quarter the office's note on the whole submission first
    found.sort(key=lambda r: (r.period, r.kpi_code is None), reverse=True)
    specs = {s.code: s for s in prog.specs}

    def indicator(reason) -> object:
        if reason.kpi_code is None:
            return _("The whole submission")
        spec = specs.get(reason.kpi_code)
        name = localized(spec, "name") if spec else ""
        return [ltr(reason.kpi_code), " ", name]

    return reasons_section(
        "entity-reasons", found, _("Indicator"), indicator, _("Reasons given by and to this entity")
    )


def official_note(quarter: str, revisions: RevisionStanding | None) -> str:
    """Which revision's figures are official for the quarter, and what came after it:
    "2025-Q4: Official: revision 1, approved; revision 2 returned". Empty when nothing did."""
    if revisions is None or not revisions.worth_saying:
        return ""
    later = "; ".join(
        _("revision %(number)d awaiting review", number=n)
        if status == "submitted"
        else _("revision %(number)d returned", number=n)
        for n, status in revisions.later
    )
    if revisions.official is None:
        return _(
            "%(quarter)s: no official figure yet; %(later)s", quarter=ltr(quarter), later=later
        )
    return _(
        "%(quarter)s: Official: revision %(official)d, approved; %(later)s",
        quarter=ltr(quarter),
        official=revisions.official,
        later=later,
    )


def standing(prog: Programme, code: str) -> html.Section:
    score = prog.scores.get(code)
    rank = prog.ranks
    # An entity sees its own figures in every status, but is ranked like everybody else.
    note = _("Score and rank count approved figures only.") if prog.scope.own_entity else ""
    text = (
        _(
            "Score %(score).1f of 100, rank %(rank)s of %(count)d entities with a score.",
            score=score,
            rank=rank.get(code, "—"),
            count=prog.ranked_among,
        )
        if score is not None
        else _("No score yet: no figure against a target.")
    )
    unscored = _(
        "%(count)d of %(total)d entities have no score yet and are not ranked.",
        count=prog.unscored,
        total=len(prog.entity_names),
    )
    return html.Section(
        [
            html.H2(_("Standing")),
            html.P(html.Strong(text)),
            html.P(unscored, className="muted"),
            html.P(note, className="muted") if note else "",
        ],
        className="card",
    )


def _rated_by(spec) -> tuple:
    return spec.target, spec.unit, spec.comparator


def scorecard(prog: Programme, code: str, note: str = "") -> html.Section:
    query = address(prog.scope)
    rows = []
    pictures = prog.pictures_of(code)
    for spec in prog.specs:
        if spec.scope != "entity" or code not in prog.assigned.get(spec.code, set()):
            continue
        pic = pictures.get(spec.code)
        rows.append(
            [
                dcc.Link(
                    [ltr(spec.code), " ", localized(spec, "name")], href=f"/kpi/{spec.code}{query}"
                ),
                point_text(pic.current, spec.unit)
                if pic and pic.current and (pic.value is not None or pic.current.invalid)
                else _("No figure"),
                # the target that rated this entity's figure: its own, or the one then in force
                target_text(*_rated_by(pic.spec if pic else spec)),
                kpi_status(pic.status if pic else ("no_data" if spec.has_target else "no_target")),
                trend_cell(pic) if pic else "",
            ]
        )
    return html.Section(
        [
            html.H2(_("Scorecard")),
            html.P(note, className="official-note") if note else "",
            table(
                [_("Indicator"), _("Figure"), target_heading(prog.specs), _("Status"), _("Trend")],
                rows,
                _("Indicators reported by this entity"),
                row_headers=True,
            ),
        ],
        className="card",
    )


def submissions(history, *, named: bool) -> html.Section:
    """The lineage; `named`: who uploaded and reviewed by e-mail, else by their side."""

    def uploader(s) -> str:
        if named:
            return s.uploaded_by
        return _("Programme office") if s.uploaded_by_office else _("Entity team")

    reviewer = (lambda s: s.reviewed_by) if named else (lambda s: _("Programme office"))
    rows = [
        [
            html.Span(ltr(s.period), className="nowrap"),
            s.revision,
            status_label(s.status) + ("" if s.is_current else " · " + _("superseded")),
            s.file_name,
            uploader(s),
            when(s.uploaded_at),
            reviewer(s) if s.reviewed_by or s.reviewed_at else "",
            when(s.reviewed_at),
            s.reason,
        ]
        for s in history
    ]
    return html.Section(
        [
            html.H2(_("Submissions")),
            table(
                [
                    _("Quarter"),
                    _("Revision"),
                    _("Status"),
                    _("File"),
                    _("Uploaded by"),
                    _("Uploaded"),
                    _("Reviewed by"),
                    _("Reviewed"),
                    _("Reason"),
                ],
                rows,
                _("%(count)d submissions, newest first", count=len(rows)),
                row_headers=True,
            ),
        ],
        className="card",
    )
