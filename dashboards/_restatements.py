"""A restated KPI's definitions on its page: each version's baseline and target, the quarter it
applies from, the quarters it rates and why (kpis.spec.definition_in_force decides which)."""

from __future__ import annotations

from dash import html
from flask_babel import gettext as _

from dashboards._components import table
from dashboards._text import baseline_text, ltr, target_text
from kpis.periods import PeriodCode, quarters
from kpis.spec import KpiSpec, quarters_governed

REFERENCE_REASON = "reference catalogue"


def governs_text(governs: list[PeriodCode] | tuple[str, ...]) -> str:
    """ "2021-Q1 to 2024-Q4", or that it rates no quarter (replaced from its own)."""
    codes = [q if isinstance(q, str) else q.code for q in governs]
    if not codes:
        return _("No quarter: replaced from the quarter it took effect")
    if len(codes) == 1:
        return ltr(codes[0])
    return _("%(first)s to %(last)s", first=ltr(codes[0]), last=ltr(codes[-1]))


def reason_text(reason: str) -> str:
    return _("Reference catalogue") if reason == REFERENCE_REASON else reason


def restatement_section(spec: KpiSpec, as_of: PeriodCode) -> html.Section | None:
    """Nothing for a KPI never restated; else its definitions, the newest in force first."""
    if not spec.restated:
        return None
    last_year = max(spec.target_year or spec.first_year, spec.first_year)
    governed = quarters_governed(spec.definitions, quarters(spec.first_year, last_year))
    rating = spec.in_force(as_of)
    rows = [
        [
            ltr(d.effective_from.code),
            governs_text(governed[d.version]),
            baseline_text(d.baseline, spec.unit),
            target_text(d.target, spec.unit, d.comparator),
            reason_text(d.reason),
        ]
        for d in reversed(spec.definitions)
    ]
    return html.Section(
        [
            html.H2(_("Restated target")),
            html.P(
                _(
                    "The baseline or target of %(code)s was restated. Each quarter is rated by "
                    "the definition in force then. Target in force in %(quarter)s: %(target)s.",
                    code=spec.code,
                    quarter=ltr(as_of.code),
                    target=target_text(rating.target, spec.unit, rating.comparator),
                ),
                id="kpi-restated",
            ),
            table(
                [_("Applies from"), _("Rates"), _("Baseline"), _("Target"), _("Reason")],
                rows,
                _("Definitions of %(code)s", code=spec.code),
                table_id="kpi-definitions",
                row_headers=True,
            ),
        ],
        className="card",
    )
