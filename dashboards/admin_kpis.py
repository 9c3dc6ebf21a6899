"""Targets `/admin/kpis` (the office): a KPI's definitions, every version with its baseline,
target, the quarter it applies from and the quarters it rates, who set it, when and why; and
restating its baseline or target from a quarter with a reason (services/restatements.py, audited
`kpi.restate`). The earlier definitions stay and rate the quarters before."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import (
    choice_input,
    field,
    filter_form,
    notice,
    select_field,
    table,
)
from dashboards._restatements import governs_text, reason_text
from dashboards._text import baseline_text, localized, ltr, target_text, unit_label, when
from data.db import store_of
from services.actors import Action, Actor
from services.restatements import (
    KpiDefinitions,
    RestatementProblem,
    kpi_definitions,
    restatable_kpis,
    restate,
)

PATH = "/admin/kpis"
CHOOSE = "admin-kpis-choose"
CHOSEN = "admin-kpis-chosen"
BASELINE = "admin-kpis-baseline"
TARGET = "admin-kpis-target"
FROM = "admin-kpis-from"
REASON = "admin-kpis-reason"
RESTATE = "admin-kpis-restate"
RESULT = "admin-kpis-result"
LIST = "admin-kpis-definitions"

dash.register_page(__name__, path=PATH, title=lambda: _("Targets and baselines"), name="Targets")


@page_layout(PATH)
def layout(kpi: str | None = None, **_kwargs):
    actor = current_actor()
    with store_of(current_app).session() as db:
        choices = restatable_kpis(db, actor)
        chosen = next(
            (c for c in choices if str(c.id) == str(kpi)), choices[0] if choices else None
        )
        found = kpi_definitions(db, actor, chosen.id) if chosen else None
    several_cycles = len({c.cycle for c in choices}) > 1
    options = [(str(c.id), _choice_label(c, several_cycles)) for c in choices]
    return html.Div(
        [
            html.H1(_("Targets and baselines")),
            html.P(
                _(
                    "Restating a KPI's baseline or target adds a version of its definition, in "
                    "force from the quarter you choose. The earlier versions are kept and still "
                    "rate the quarters before it; nothing is overwritten."
                )
            ),
            html.Section(
                filter_form(
                    "admin-kpis-form",
                    [
                        select_field(
                            CHOOSE,
                            "kpi",
                            _("Indicator"),
                            options,
                            str(chosen.id) if chosen else None,
                        )
                    ],
                    _("Show"),
                ),
                className="card",
            ),
            *(_kpi_cards(found, chosen) if found else [html.P(_("No indicator."))]),
        ]
    )


def _choice_label(choice, several_cycles: bool) -> str:
    label = f"{choice.code} · {localized(choice, 'name')}"
    return f"{label} ({choice.cycle})" if several_cycles else label


def _kpi_cards(found: KpiDefinitions, chosen) -> list:
    return [
        dcc.Store(id=CHOSEN, data={"code": found.code, "cycle": found.cycle, "id": found.kpi_id}),
        html.Section(
            [
                html.H2(
                    _("Definitions of %(code)s", code=found.code),
                    id="admin-kpis-heading",
                ),
                html.P(
                    [
                        localized(chosen, "name"),
                        " · ",
                        unit_label(found.unit),
                        " · ",
                        dcc.Link(_("Open the indicator's page"), href=f"/kpi/{found.code}"),
                    ],
                    className="muted",
                ),
                html.Div(definitions_table(found), id=LIST),
            ],
            className="card",
        ),
        _restate_card(found),
    ]


def definitions_table(found: KpiDefinitions):
    headers = [
        _("Version"),
        _("Baseline"),
        _("Target"),
        _("Applies from"),
        _("Rates"),
        _("Set by"),
        _("When"),
        _("Reason"),
    ]
    rows = [
        [
            str(d.version),
            baseline_text(d.baseline, found.unit),
            target_text(d.target, found.unit, d.comparator),
            ltr(d.effective_from),
            governs_text(d.governs),
            ltr(d.set_by) if d.set_by else _("Reference catalogue"),
            when(d.set_at),
            reason_text(d.reason),
        ]
        for d in reversed(found.rows)
    ]
    return table(
        headers,
        rows,
        _("Every version of %(code)s's definition, the newest in force first", code=found.code),
        table_id="admin-kpis-table",
        row_headers=True,
    )


def _earliest_text(found: KpiDefinitions) -> str:
    if found.earliest == found.quarters[0]:
        return _(
            "No quarter of %(cycle)s is locked or published: a restatement may apply from any "
            "of its quarters, and the quarters before it keep the earlier definition.",
            cycle=ltr(found.cycle),
        )
    return _(
        "A restatement can take effect from %(quarter)s at the earliest: the quarters before it "
        "are locked or published, and their statuses stay as they were.",
        quarter=ltr(found.earliest),
    )


def _restate_card(found: KpiDefinitions) -> html.Section:
    if found.earliest is None:
        return html.Section(
            [
                html.H2(_("Restate")),
                html.P(
                    _(
                        "Every quarter of %(cycle)s is locked or published: a restatement "
                        "would change published statuses.",
                        cycle=ltr(found.cycle),
                    )
                ),
            ],
            className="card",
        )
    open_quarters = found.quarters[found.quarters.index(found.earliest) :]
    current = found.rows[-1]
    return html.Section(
        [
            html.H2(_("Restate %(code)s", code=found.code)),
            html.P(
                [
                    _("Leave a value blank to keep the one in force in the quarter you choose."),
                    " ",
                    _earliest_text(found),
                ]
            ),
            html.Div(
                [
                    field(
                        _("New baseline"),
                        dcc.Input(id=BASELINE, type="text", inputMode="decimal"),
                        BASELINE,
                        _("Now: %(value)s", value=baseline_text(current.baseline, found.unit)),
                    ),
                    field(
                        _("New target"),
                        dcc.Input(id=TARGET, type="text", inputMode="decimal"),
                        TARGET,
                        _(
                            "Now: %(value)s",
                            value=target_text(current.target, found.unit, current.comparator),
                        ),
                    ),
                    field(
                        _("Applies from"),
                        choice_input(FROM, [(q, q) for q in open_quarters], _("Choose a quarter")),
                        FROM,
                    ),
                    field(
                        _("Reason (kept with the definition and in the audit trail)"),
                        dcc.Textarea(id=REASON, rows=2),
                        REASON,
                    ),
                ],
                className="form-grid",
            ),
            html.Div(
                html.Button(_("Restate"), id=RESTATE, className="button primary"),
                className="actions",
            ),
            html.Div(id=RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


@guarded_callback(
    Output(RESULT, "children"),
    Output(LIST, "children"),
    Output(BASELINE, "value"),
    Output(TARGET, "value"),
    Output(REASON, "value"),
    Input(RESTATE, "n_clicks"),
    State(CHOSEN, "data"),
    State(BASELINE, "value"),
    State(TARGET, "value"),
    State(FROM, "value"),
    State(REASON, "value"),
    action=Action.RESTATE_TARGETS,
    prevent_initial_call=True,
    running=[(Output(RESTATE, "disabled"), True, False)],
)
def restate_kpi(actor: Actor, _clicks, chosen, baseline, target, from_period, reason):
    """Restate, then show the definitions as they now are; on a refusal, say what to change and
    keep what was typed."""
    chosen = chosen if isinstance(chosen, dict) else {}
    keep = (dash.no_update, dash.no_update, dash.no_update, dash.no_update)
    try:
        with store_of(current_app).transaction() as db:
            made = restate(
                db,
                actor,
                str(chosen.get("code") or ""),
                baseline=baseline,
                target=target,
                from_period=str(from_period or ""),
                reason=reason if isinstance(reason, str) else "",
                cycle=str(chosen.get("cycle") or "") or None,
            )
            version, start = made.version, made.effective_from
    except RestatementProblem as problem:
        typed = {"baseline": baseline, "target": target}
        return (notice(problem_text(problem, typed), "error"), *keep)
    except IntegrityError:
        return (
            notice(_("Someone restated this indicator at the same moment: try again."), "error"),
            *keep,
        )
    with store_of(current_app).session() as db:
        found = kpi_definitions(db, actor, int(chosen.get("id") or 0))
    done = _(
        "Restated: version %(version)d applies from %(quarter)s; the quarters before keep the "
        "earlier definition.",
        version=version,
        quarter=ltr(start),
    )
    listed = definitions_table(found) if found else dash.no_update
    return notice(done, "success"), listed, "", "", ""


def problem_text(problem: RestatementProblem, typed: dict[str, object] | None = None) -> str:
    """What to change, in the user's language; `typed`: what was typed in each field."""
    detail = ltr(problem.detail)
    if problem.code in ("bad_baseline", "bad_target"):
        what = _("New baseline") if problem.code == "bad_baseline" else _("New target")
        return _(
            "%(field)s: %(rule)s; you wrote '%(raw)s'.",
            field=what,
            rule=value_rule(problem.detail),
            raw=ltr(str((typed or {}).get(problem.field) or "")[:40]),
        )
    messages = {
        "no_reason": _("Write why the definition is restated: the reason is kept with it."),
        "reason_too_long": _("The reason is too long: at most %(limit)s characters.", limit=detail),
        "reason_control": _("The reason holds a control character: retype it as plain text."),
        "nothing_given": _("Write a new baseline, a new target, or both."),
        "no_change": _(
            "The values are those already in force in %(quarter)s: nothing to restate.",
            quarter=detail,
        ),
        "bad_period": _("Choose the quarter the restatement applies from, such as 2025-Q3."),
        "outside_cycle": _("Choose a quarter of the indicator's cycle (%(cycle)s).", cycle=detail),
        "all_closed": _("Every quarter of the cycle is locked or published."),
        "closed_period": _(
            "That quarter, or one after it, is locked or published: its statuses would change. "
            "Choose %(quarter)s or later.",
            quarter=detail,
        ),
        "unknown_kpi": _("Choose an indicator from the list."),
    }
    return messages.get(problem.code, _("The restatement was refused."))


def value_rule(parse_problem: str) -> str:
    """What a baseline or target of the KPI's unit must be (etl.parse's problem codes)."""
    return {
        "percent_range": _("write a percentage between 0 and 100, such as 85 or 85%"),
        "count_whole": _("write a whole number, 0 or more"),
        "rank_whole": _("write a whole rank, 1 or more"),
        "amount_negative": _("write a number, 0 or more"),
        "beyond_limit": _("write a number within what this kind of figure can be"),
    }.get(parse_problem, _("write a number, such as 85"))
