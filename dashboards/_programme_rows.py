"""A submission's Initiatives and Budget rows (issue 16), as the office reviews them on `/review`
and the entity sees them on `/submissions`: status as icon and word, amounts in OMR with three
decimals and thousands grouped (kpis.formatting.format_omr)."""

from __future__ import annotations

from dash import html
from flask_babel import gettext as _

from dashboards._components import table
from dashboards._initiatives import initiative_status
from dashboards._text import localized, ltr, stored_text
from etl.programme import BudgetShown, InitiativeShown
from kpis.formatting import format_omr
from web.i18n import language


def status_text(status: str) -> html.Span:
    """Icon and word, as every page shows an initiative's status (dashboards._initiatives)."""
    return html.Span(initiative_status(status), className="nowrap")


def omr(baisa: int) -> html.Span:
    return html.Span(format_omr(baisa, language=language()), className="amount nowrap")


def _code(text: str) -> html.Span:
    """A quarter or a code, kept on one line and left-to-right in Arabic."""
    return html.Span(ltr(text), className="nowrap")


def programme_tables(
    initiatives: list[InitiativeShown], budget: list[BudgetShown]
) -> list[html.Div]:
    """The two tables, each only when the submission carries such rows."""
    found = []
    if initiatives:
        found.append(_initiatives(initiatives))
    if budget:
        found.append(_budget(budget))
    return found


def _initiatives(rows: list[InitiativeShown]) -> html.Div:
    headers = [
        _("Initiative"),
        _("Period"),
        _("Status"),
        _("Percent complete"),
        _("Next milestone"),
        _("Milestone due"),
        _("Note"),
    ]
    body = [
        [
            f"{ltr(row.code)} · {localized(row, 'name')}",
            _code(row.period),
            status_text(row.status),
            stored_text(row.percent_complete, "percent"),
            row.next_milestone or "—",
            _code(row.milestone_due) if row.milestone_due else "—",
            row.note,
        ]
        for row in rows
    ]
    return table(headers, body, _("Initiatives reported in this submission"), row_headers=True)


def _budget(rows: list[BudgetShown]) -> html.Div:
    headers = [
        _("Budget line"),
        _("Year"),
        _("Allocated"),
        _("Committed"),
        _("Spent"),
        _("Note"),
    ]
    body = [
        [
            f"{ltr(row.code)} · {localized(row, 'name')}" if row.name_en else ltr(row.code),
            str(row.year),
            omr(row.allocated_baisa),
            omr(row.committed_baisa),
            omr(row.spent_baisa),
            row.note,
        ]
        for row in rows
    ]
    caption = _("Budget reported in this submission (committed and spent to date within the year)")
    return table(headers, body, caption, row_headers=True)
