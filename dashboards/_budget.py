"""The budget's figures in words, shared by /budget, the track page and the overview: money in
the reader's language (kpis.formatting.format_omr), spending against the plan as icon and word
(never colour alone), the totals of a track, an initiative or the programme as a list and as
table rows. The figures come from services.budget.budget_picture only."""

from __future__ import annotations

from dash import html
from flask_babel import gettext as _

from dashboards._components import table
from dashboards._text import ltr, percent, pick
from kpis.budget import AHEAD, BEHIND, NOT_REPORTED, NOTHING_PLANNED, ON_PLAN, Totals
from kpis.formatting import format_baisa, format_omr
from services.budget import BudgetPicture, GroupBudget
from web.i18n import language

PACE_ICONS = {BEHIND: "▼", ON_PLAN: "●", AHEAD: "▲", NOTHING_PLANNED: "–", NOT_REPORTED: "○"}


def money(baisa: int | None, decimals: int = 3) -> str:
    """OMR with three decimals, thousands grouped, in the reader's language; "—" for nothing."""
    return "—" if baisa is None else format_omr(baisa, decimals=decimals, language=language())


def money_cell(baisa: int | None) -> html.Span | str:
    """`money` kept on one line in a table cell."""
    return "—" if baisa is None else html.Span(money(baisa), className="money")


def amount_cell(baisa: int | None) -> html.Span | str:
    """An amount without the currency, for a column whose heading names it once (`(OMR)`): a
    table of eight amounts fits the page that way."""
    return "—" if baisa is None else html.Span(ltr(format_baisa(baisa)), className="money")


def pace_word(pace: str) -> str:
    return {
        BEHIND: _("Behind plan"),
        ON_PLAN: _("On plan"),
        AHEAD: _("Ahead of plan"),
        NOTHING_PLANNED: _("Nothing planned yet"),
        NOT_REPORTED: _("Not reported"),
    }.get(pace, pace)


def pace_label(pace: str) -> html.Span:
    """Spending against the plan as icon and word (the icon is decoration for screen readers)."""
    return html.Span(
        [html.Span(PACE_ICONS.get(pace, ""), **{"aria-hidden": "true"}), " ", pace_word(pace)],
        className=f"pace pace-{pace.replace('_', '-')}",
    )


def reported_text(total: Totals) -> str:
    return _(
        "%(reported)d of %(due)d lines reported",
        reported=total.lines_reported,
        due=total.lines_due,
    )


def totals_list(total: Totals, budget_baisa: int | None = None) -> html.Dl:
    """The totals of a track, an initiative or the programme, each figure named."""
    items = []
    if budget_baisa is not None:
        items += [(_("Programme budget"), money(budget_baisa))]
        share = total.allocated / budget_baisa if budget_baisa else None
        items += [
            (
                _("Allocated"),
                _(
                    "%(amount)s (%(share)s of the budget)",
                    amount=money(total.allocated),
                    share=ltr(percent(share)),
                )
                if share is not None
                else money(total.allocated),
            ),
            (
                _("Not yet allocated")
                if budget_baisa >= total.allocated
                else _("Allocated beyond the budget"),
                money(abs(budget_baisa - total.allocated)),
            ),
        ]
    else:
        items += [(_("Allocated"), money(total.allocated))]
    items += [
        (_("Allocated to date (years begun)"), money(total.allocated_to_date)),
        (_("Planned spend to date"), money(total.planned)),
        (_("Committed"), money(total.committed)),
        (_("Spent"), money(total.spent)),
        (_("Burn (spent ÷ allocated to date)"), percent(total.burn) or "—"),
        (_("Burn of the whole cycle"), percent(total.cycle_burn) or "—"),
        (_("Variance against plan"), variance_text(total.variance)),
        (_("Against plan"), pace_label(total.pace)),
        (_("Reporting"), reported_text(total)),
    ]
    return html.Dl(
        [part for term, value in items for part in (html.Dt(term), html.Dd(value))],
        className="facts budget-facts",
    )


def variance_text(amount: int | None, *, currency: bool = True) -> str:
    """Spent − planned: "−OMR 1,000.000 (behind)" reads as a number; the sign is spelt out.
    Without `currency` for a column whose heading names it."""
    if amount is None:
        return "—"
    shown = money if currency else (lambda baisa: ltr(format_baisa(baisa)))
    if amount < 0:
        return _("%(amount)s below plan", amount=shown(-amount))
    if amount > 0:
        return _("%(amount)s above plan", amount=shown(amount))
    return _("As planned")


def total_cells(total: Totals) -> list:
    return [
        amount_cell(total.allocated),
        amount_cell(total.planned),
        amount_cell(total.committed),
        amount_cell(total.spent),
        percent(total.burn) or "—",
        variance_text(total.variance, currency=False),
        pace_label(total.pace),
        ltr(f"{total.lines_reported} / {total.lines_due}"),
    ]


def total_headers() -> list[str]:
    return [
        _("Allocated (OMR)"),
        _("Planned spend to date (OMR)"),
        _("Committed (OMR)"),
        _("Spent (OMR)"),
        _("Burn"),
        _("Variance against plan (OMR)"),
        _("Against plan"),
        _("Lines reported"),
    ]


def group_name(group: GroupBudget) -> str:
    return f"{ltr(group.code)} {pick(group.name_en, group.name_ar)}"


def tracks_table(picture: BudgetPicture, table_id: str = "budget-tracks") -> html.Div:
    rows = [[group_name(t), *total_cells(t.totals)] for t in picture.tracks]
    rows.append([html.Strong(_("The whole programme")), *total_cells(picture.programme)])
    return table(
        [_("Track"), *total_headers()],
        rows,
        _("Budget by track, as of %(period)s", period=ltr(picture.as_of)),
        table_id=table_id,
        row_headers=True,
    )


def initiatives_table(
    groups: list[GroupBudget], as_of: str, table_id: str = "budget-initiatives"
) -> html.Div:
    rows = [[group_name(i), ltr(i.lead or "—"), *total_cells(i.totals)] for i in groups]
    return table(
        [_("Initiative"), _("Lead entity"), *total_headers()],
        rows,
        _("Budget by initiative, as of %(period)s", period=ltr(as_of)),
        table_id=table_id,
        row_headers=True,
    )
