"""The reasons behind the figures (services.reasons) as a table on the KPI and ministry pages.

Comments are user text: shown as text (Dash escapes it; never markdown or HTML), each in an
element of its own with `dir="auto"`, so that an English comment on an Arabic page (or the other
way round) keeps its own direction and does not reorder what is around it."""

from __future__ import annotations

from collections.abc import Callable

from dash import html
from flask import current_app
from flask_babel import gettext as _

from dashboards._analytics import Programme
from dashboards._components import table
from dashboards._text import ltr, status_label, when
from data.db import store_of
from kpis.periods import PeriodCode
from services.actors import Actor
from services.reasons import OFFICE, Reason, reasons


def quarters_read(as_of: PeriodCode) -> list[str]:
    """The as-of quarter and the one before it: the reasons a reader of this quarter needs."""
    if as_of.quarter is None:
        return [as_of.code]
    before = PeriodCode(as_of.year, as_of.quarter - 1) if as_of.quarter > 1 else None
    before = before or PeriodCode(as_of.year - 1, 4)
    return [as_of.code, before.code]


def read_reasons(actor: Actor, prog: Programme, **which) -> list[Reason]:
    with store_of(current_app).session() as db:
        return reasons(db, actor, quarters_read(prog.scope.as_of), **which)


def author(reason: Reason) -> str:
    return _("Programme office") if reason.kind == OFFICE else _("Entity")


def reason_text(reason: Reason) -> html.Div:
    return html.Div(reason.text, dir="auto", className="reason-text")


def reason_cells(r: Reason, first_cell: Callable[[Reason], object]) -> list:
    """A reason's row: what it is about (`first_cell`), its quarter, author, status, date, text."""
    return [
        first_cell(r),
        html.Span(ltr(r.period), className="nowrap"),
        author(r),
        status_label(r.status) + " · " + _("revision %(number)d", number=r.revision),
        when(r.at),
        reason_text(r),
    ]


def reason_headers(first_heading: str) -> list[str]:
    return [first_heading, _("Quarter"), _("Written by"), _("Status"), _("Date"), _("Text")]


def reasons_section(
    section_id: str,
    found: list[Reason],
    first_heading: str,
    first_cell: Callable[[Reason], object],
    caption: str,
    body=None,
) -> html.Section:
    """A card with the reasons as a table (first column named by the page: the entity on a KPI's
    page, the indicator on an entity's), or a sentence saying there are none. `body`: the table
    drawn by the page instead (a page of a long list, dashboards._pager)."""
    heading = html.H2(_("Reasons given"), id=f"{section_id}-heading")
    if not found:
        body = html.P(_("No comments or review notes for these quarters."), className="muted")
        return html.Section([heading, body], className="card", id=section_id)
    rows = [reason_cells(r, first_cell) for r in found] if body is None else []
    headers = reason_headers(first_heading)
    note = html.P(
        _(
            "What the entities wrote with their figures and what the programme office wrote when "
            "it reviewed them, in their own words."
        ),
        className="muted",
    )
    return html.Section(
        [
            heading,
            note,
            body if body is not None else table(headers, rows, caption, row_headers=True),
        ],
        className="card reasons",
        id=section_id,
    )
