"""The words and icons for the codes of kpis/ (KPI statuses, forecast verdicts, units and the
completeness grid's states), as English message ids. Every adapter translates them with its own
catalogue (the pages with Flask-Babel, the committee report with Jinja's), so that a page and
the report never name a status differently. Pure: no translation happens here."""

from __future__ import annotations


def N_(text: str) -> str:
    """Marks a message id for extraction (babel's `N_` keyword); translated where it is shown."""
    return text


STATUS_WORDS = {
    "achieved": N_("Achieved"),
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "off_track": N_("Off track"),
    "no_data": N_("No data"),
    "not_due": N_("Not due yet"),
    "no_target": N_("Target not set"),
}
STATUS_ICONS = {
    "achieved": "★",
    "on_track": "✔",
    "at_risk": "⚠",
    "off_track": "✖",
    "no_data": "?",
    "not_due": "◷",
    "no_target": "—",
}
VERDICT_WORDS = {
    "likely": N_("Likely to meet the target"),
    "unlikely": N_("Unlikely to meet the target"),
    "insufficient_data": N_("Insufficient data for a forecast (fewer than 3 points)"),
    "no_target": N_("No target to forecast against"),
    "met": N_("Final: target met"),
    "not_met": N_("Final: target not met"),
}
UNIT_WORDS = {
    "percent": N_("Percent"),
    "rank": N_("Rank (lower is better)"),
    "count": N_("Count"),
    "milestone": N_("Milestone (% complete)"),
    "omr": N_("Omani rials"),
}
CELL_WORDS = {  # the completeness grid: one entity, one quarter
    "approved": N_("Approved"),
    "submitted": N_("Submitted"),
    "returned": N_("Returned"),
    "late": N_("Late"),
    "missing": N_("Missing"),
    "open": N_("Not yet due"),
    "not_expected": N_("Not expected"),  # the entity does not report that quarter
}
INITIATIVE_WORDS = {  # an initiative's status for a quarter (kpis.initiatives)
    "not_started": N_("Not started"),
    "on_track": N_("On track"),
    "at_risk": N_("At risk"),
    "delayed": N_("Delayed"),
    "completed": N_("Completed"),
    "not_reported": N_("Not reported"),
}
INITIATIVE_ICONS = {
    "not_started": "○",
    "on_track": "✔",
    "at_risk": "⚠",
    "delayed": "◷",
    "completed": "★",
    "not_reported": "?",
}
OVERDUE_WORD = N_("Past due")  # past its due quarter and not completed
OVERDUE_ICON = "⚑"
