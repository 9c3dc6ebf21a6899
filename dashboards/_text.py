"""Translated words for the catalogue's codes and figures, shared by the pages."""

from __future__ import annotations

from dash import html
from flask_babel import gettext as _

from kpis.formatting import format_figure
from kpis.values import is_invalid
from kpis.words import CELL_WORDS, STATUS_WORDS, UNIT_WORDS, VERDICT_WORDS
from kpis.words import STATUS_ICONS as KPI_STATUS_ICONS
from web.i18n import language


def ltr(code: str) -> str:
    """A left-to-right code (`2025-Q3`, `Data!G7`) isolated so Arabic text does not reorder it."""
    return f"\u2066{code}\u2069"


def pick(english: str, arabic: str) -> str:
    """The Arabic text in Arabic (when there is one), the English otherwise."""
    return arabic if language() == "ar" and arabic else english


def localized(row, field: str) -> str:
    """`row.name_ar` in Arabic, `row.name_en` otherwise (falling back to English when empty)."""
    return pick(getattr(row, f"{field}_en"), getattr(row, f"{field}_ar", ""))


def unit_label(unit: str) -> str:
    return _(UNIT_WORDS[unit]) if unit in UNIT_WORDS else unit


def role_label(role: str) -> str:
    return {
        "admin": _("Administrator"),
        "supervisor": _("Programme office"),
        "committee": _("Committee member"),
        "entity": _("Entity team"),
    }.get(role, role)


def baseline_text(value: float | None, unit: str) -> str:
    return format_figure(value, unit) if value is not None else _("Not applicable")


def target_heading(specs) -> str:
    """ "Target 2025": the target year of the cycle's KPIs, from the store (or plain "Target"
    where the KPIs shown have different target years)."""
    years = {s.target_year for s in specs if s.target_year is not None}
    if len(years) == 1:
        return _("Target %(year)s", year=years.pop())
    return _("Target")


def target_text(value: float | None, unit: str, comparator: str) -> str:
    """`at least 80%`, `rank 20 or better`; `target not set` where there is none (never 0)."""
    if value is None:
        return _("Target not set")
    figure = format_figure(value, unit)
    if unit == "rank" and comparator == "<=":
        return _("Rank %(value)s or better", value=figure)
    if comparator == ">=":
        return _("At least %(value)s", value=figure)
    if comparator == "<=":
        return _("At most %(value)s", value=figure)
    return _("Exactly %(value)s", value=figure)


STATUS_ICONS = {
    "approved": "✔",
    "submitted": "◔",
    "returned": "↩",
    "rejected": "✖",
    "checked": "◌",
    "refused": "✖",
    "duplicate": "=",
    "received": "…",
    "failed": "⚠",
}


def status_label(status: str) -> str:
    """A status as icon and word (never colour alone)."""
    words = {
        "approved": _("Approved"),
        "submitted": _("Submitted, awaiting review"),
        "returned": _("Returned"),
        "rejected": _("Refused"),
        "checked": _("Checked, not yet submitted"),
        "refused": _("Refused"),
        "duplicate": _("Already received"),
        "received": _("Received, not checked"),
        "failed": _("Could not be loaded"),
    }
    return f"{STATUS_ICONS.get(status, '')} {words.get(status, status)}".strip()


def when(moment) -> html.Span | str:
    """A timestamp for a table cell, kept in one piece and in order in Arabic text."""
    return html.Span(ltr(moment.strftime("%Y-%m-%d %H:%M")), className="nowrap") if moment else ""


def kpi_status_word(status: str) -> str:
    return _(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def kpi_status(status: str) -> html.Span:
    """A KPI's status as icon and word in a chip; the colour only repeats what they say."""
    return html.Span(
        [
            html.Span(KPI_STATUS_ICONS.get(status, ""), **{"aria-hidden": "true"}),
            " ",
            kpi_status_word(status),
        ],
        className=f"status status-{status.replace('_', '-')}",
    )


def verdict_word(verdict: str) -> str:
    return _(VERDICT_WORDS[verdict]) if verdict in VERDICT_WORDS else verdict


CELL_ICONS = {
    "approved": "✔",
    "submitted": "◔",
    "returned": "↩",
    "late": "◷",
    "missing": "✖",
    "open": "…",
    "not_expected": "–",
}


def cell_word(state: str) -> str:
    return _(CELL_WORDS[state]) if state in CELL_WORDS else state


def percent(share: float | None) -> str:
    """A share (0-1) as a percentage with one decimal."""
    return "" if share is None else format_figure(100 * share, "percent")


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: list[float | None], lower_is_better: bool = False) -> str:
    """A row of block characters, higher blocks for better values (a rank falling rises)."""
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0

    def block(v: float) -> str:
        level = (v - low) / span
        return SPARK[round((1 - level if lower_is_better else level) * (len(SPARK) - 1))]

    return "".join(block(v) if v is not None else " " for v in values)


def invalid_word() -> str:
    """What stands for a stored number that is not usable (kpis.values), never `nan` or `inf`."""
    return _("Invalid")


def figure_text(value: float | None, unit: str, invalid: bool = False) -> str:
    """A figure on the analytics pages (kpis.formatting.format_figure), or "Invalid"."""
    if invalid or is_invalid(value):
        return invalid_word()
    return format_figure(value, unit)


def point_text(point, unit: str) -> str:
    """A point of a KPI's series (kpis.analysis.Point): its figure, or "Invalid"."""
    if point is None:
        return ""
    return figure_text(point.value, unit, point.invalid)


def stored_text(value: float | None, unit: str) -> str:
    """A number as stored (the review's figures): formatted, or "Invalid"."""
    return invalid_word() if is_invalid(value) else format_figure(value, unit)


def invalid_note(count: int) -> str:
    """How many entities' figures a national figure leaves out as invalid."""
    return _("Invalid figures left out: %(count)d", count=count)
