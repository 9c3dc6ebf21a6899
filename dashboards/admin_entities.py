"""Entities `/admin/entities` (the admin): every entity with its first quarter, whether it still
reports and how many KPIs it has; add one from the quarter it first reports (no earlier quarter
is then expected of it), rename it, deactivate or reactivate it, assign KPIs with an
entity-specific baseline and target. A thin page over services/entities_admin.py, which checks
and audits every change."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, filter_form, notice, select_field, table
from dashboards._text import localized, ltr
from data.db import store_of
from kpis.formatting import format_number
from kpis.periods import PeriodCode
from services import entities_admin as admin
from services.actors import Action, Actor

PATH = "/admin/entities"
P = "admin-entities"
LIST = f"{P}-list"
QUARTERS = f"{P}-quarters"
KPI_LIST = f"{P}-kpi-choices"
# adding
ADD_CODE, ADD_EN, ADD_AR, ADD_SITE = f"{P}-code", f"{P}-name-en", f"{P}-name-ar", f"{P}-site"
ADD_FIRST, ADD, ADD_RESULT = f"{P}-first", f"{P}-add", f"{P}-added"
# changing the chosen entity
CHOOSE, CHOSEN = f"{P}-choose", f"{P}-chosen"
EDIT_EN, EDIT_AR, EDIT_SITE, RENAME = (
    f"{P}-edit-en",
    f"{P}-edit-ar",
    f"{P}-edit-site",
    f"{P}-rename",
)
STATUS, UNTIL, DEACTIVATE, REACTIVATE = f"{P}-status", f"{P}-until", f"{P}-off", f"{P}-on"
DEACTIVATE_BOX, REACTIVATE_BOX = f"{P}-off-box", f"{P}-on-box"
KPI, BASELINE, TARGET = f"{P}-kpi", f"{P}-baseline", f"{P}-target"
ASSIGN, UNASSIGN, KPIS, RESULT = f"{P}-assign", f"{P}-unassign", f"{P}-kpis", f"{P}-result"
KPI_RESULT = f"{P}-kpi-result"

dash.register_page(__name__, path=PATH, title=lambda: _("Entities"), name="Entities")


@page_layout(PATH)
def layout(entity: str | None = None, **_kwargs):
    actor = current_actor()
    with store_of(current_app).session() as db:
        rows = admin.entity_rows(db, actor)
        quarters = admin.quarter_codes(db)
        choices = admin.kpi_choices(db, actor)
        chosen = next((r for r in rows if r.code == (entity or "").upper()), None)
        chosen = chosen or (rows[0] if rows else None)
        kpis = admin.assigned_kpis(db, actor, chosen.code) if chosen else []
    return html.Div(
        [
            html.H1(_("Entities")),
            html.P(
                _(
                    "An entity is expected to report from the first quarter it reports, never "
                    "before; a deactivated entity is expected no more from the quarter you name, "
                    "and its pages, files and earlier figures stay. Every change is in the audit "
                    "trail."
                )
            ),
            html.Datalist([html.Option(value=q) for q in quarters], id=QUARTERS),
            html.Datalist([html.Option(value=_kpi_key(c, choices)) for c in choices], id=KPI_LIST),
            html.Section(
                [html.H2(_("All entities")), html.Div(entities_table(rows), id=LIST)],
                className="card",
            ),
            _add_card(_default_quarter(quarters)),
            *(_change_cards(chosen, rows, kpis, quarters) if chosen else []),
        ]
    )


# ---------------------------------------------------------------------------------------------
# What the page shows


def entities_table(rows: list[admin.EntityRow]) -> html.Div:
    headers = [
        _("Code"),
        _("Name in English"),
        _("Name in Arabic"),
        _("Web site"),
        _("First quarter"),
        _("Reporting"),
        _("KPIs"),
    ]
    body = [
        [
            r.code,
            html.Span(r.name_en, lang="en", dir="ltr"),
            html.Span(r.name_ar, lang="ar", dir="rtl"),
            html.Span(r.website, dir="ltr") if r.website else "—",
            _code(r.first_period) if r.first_period else _("From the start"),
            reporting_text(r),
            str(r.kpis),
        ]
        for r in rows
    ]
    return table(
        headers,
        body,
        _("%(count)d entities", count=len(rows)),
        table_id=f"{P}-table",
        row_headers=True,
    )


def reporting_text(row: admin.EntityRow) -> str:
    if row.active:
        return _("Active")
    if row.deactivated_from:
        return _("Deactivated from %(quarter)s", quarter=ltr(row.deactivated_from))
    return _("Deactivated")


def _add_card(default_quarter: str) -> html.Section:
    return html.Section(
        [
            html.H2(_("Add an entity")),
            html.P(
                _(
                    "It is expected from its first quarter on: no earlier quarter counts as "
                    "missing or overdue, and templates and uploads for earlier quarters are "
                    "refused."
                ),
                className="muted",
            ),
            html.Div(
                [
                    _input(_("Code"), ADD_CODE, hint=_("Capital letters and digits, e.g. MOL")),
                    _input(_("Name in English"), ADD_EN, lang="en"),
                    _input(_("Name in Arabic"), ADD_AR, lang="ar"),
                    _input(_("Web site"), ADD_SITE, hint=_("Optional, e.g. www.mol.gov.om")),
                    _input(
                        _("First quarter it reports"),
                        ADD_FIRST,
                        value=default_quarter,
                        quarters=True,
                    ),
                ],
                className="filters",
            ),
            html.P(
                _(
                    "Every entity KPI of the cycle is assigned to it; change them below once it "
                    "is added."
                ),
                className="muted",
            ),
            html.Div(
                html.Button(_("Add the entity"), id=ADD, className="button primary"),
                className="actions",
            ),
            html.Div(id=ADD_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _change_cards(chosen, rows, kpis, quarters) -> list:
    options = [(r.code, f"{r.code} · {localized(r, 'name')}") for r in rows]
    return [
        html.Section(
            [
                html.H2(_("Change an entity")),
                filter_form(
                    f"{P}-choose-form",
                    [select_field(CHOOSE, "entity", _("Entity"), options, chosen.code)],
                    _("Show"),
                ),
            ],
            className="card",
        ),
        dcc.Store(id=CHOSEN, data=chosen.code),
        html.Section(
            [
                html.H2(
                    _("%(code)s: names and reporting", code=chosen.code), id=f"{P}-chosen-heading"
                ),
                html.Div(
                    [
                        _input(_("Name in English"), EDIT_EN, value=chosen.name_en, lang="en"),
                        _input(_("Name in Arabic"), EDIT_AR, value=chosen.name_ar, lang="ar"),
                        _input(_("Web site"), EDIT_SITE, value=chosen.website),
                    ],
                    className="filters",
                ),
                html.Div(
                    html.Button(_("Save the names"), id=RENAME, className="button"),
                    className="actions",
                ),
                html.H3(_("Reporting")),
                html.P(status_text(chosen), id=STATUS),
                html.Div(  # `hidden` on a box of its own: the flex box would override it
                    html.Div(
                        [
                            _input(
                                _("No longer reports from"),
                                UNTIL,
                                value=_default_quarter(quarters),
                                quarters=True,
                            ),
                            html.Button(_("Deactivate"), id=DEACTIVATE, className="button"),
                        ],
                        className="filters",
                    ),
                    id=DEACTIVATE_BOX,
                    hidden=not chosen.active,
                ),
                html.Div(
                    [
                        html.P(
                            _(
                                "Reactivating makes it expected again from the quarter it was "
                                "deactivated from."
                            ),
                            className="muted",
                        ),
                        html.Button(_("Reactivate"), id=REACTIVATE, className="button"),
                    ],
                    id=REACTIVATE_BOX,
                    hidden=chosen.active,
                ),
                html.Div(id=RESULT, **{"aria-live": "polite"}),
            ],
            className="card",
        ),
        html.Section(
            [
                html.H2(_("%(code)s: KPIs", code=chosen.code)),
                html.Div(kpis_table(chosen.code, kpis), id=KPIS),
                html.P(
                    _(
                        "Leave the baseline or target blank to use the KPI's own. The entity's "
                        "own baseline and target rate its own progress, status and score."
                    ),
                    className="muted",
                ),
                html.Div(
                    [
                        _input(_("KPI"), KPI, datalist=KPI_LIST, hint=_("Code, e.g. T1.1")),
                        _input(_("Entity baseline"), BASELINE, decimal=True),
                        _input(_("Entity target"), TARGET, decimal=True),
                    ],
                    className="filters",
                ),
                html.Div(
                    [
                        html.Button(_("Assign or update"), id=ASSIGN, className="button primary"),
                        html.Button(_("Remove from the entity"), id=UNASSIGN, className="button"),
                    ],
                    className="actions",
                ),
                html.Div(id=KPI_RESULT, **{"aria-live": "polite"}),
            ],
            className="card",
        ),
    ]


def status_text(row: admin.EntityRow) -> str:
    first = ltr(row.first_period) if row.first_period else _("the programme's start")
    if row.active:
        return _("Reports from %(first)s.", first=first)
    if row.deactivated_from:
        return _(
            "Reported from %(first)s; deactivated from %(until)s.",
            first=first,
            until=ltr(row.deactivated_from),
        )
    return _("Deactivated.")


def kpis_table(code: str, kpis: list[admin.AssignedKpi]) -> html.Div | html.P:
    if not kpis:
        return html.P(_("No KPI is assigned: nothing is expected of it."))
    several = len({k.cycle for k in kpis}) > 1  # the cycle is said only where KPIs differ
    headers = [_("KPI"), _("Name"), *([_("Cycle")] if several else [])]
    headers += [_("Entity baseline"), _("Entity target")]
    own = _("The KPI's own")
    rows = [
        [
            _code(k.code),
            localized(k, "name"),
            *([_code(k.cycle)] if several else []),
            format_number(k.baseline) if k.baseline is not None else own,
            format_number(k.target) if k.target is not None else own,
        ]
        for k in kpis
    ]
    return table(
        headers,
        rows,
        _("%(count)d KPIs assigned to %(code)s", count=len(kpis), code=code),
        table_id=f"{P}-kpis-table",
        row_headers=True,
    )


def _input(label, component_id, *, value="", hint=None, lang=None, quarters=False, **kinds):
    extra = {}
    if quarters:
        extra["list"] = QUARTERS
    if kinds.get("datalist"):
        extra["list"] = kinds["datalist"]
    if kinds.get("decimal"):
        extra["inputMode"] = "decimal"
    control = dcc.Input(id=component_id, type="text", value=value, **extra)
    # dcc.Input takes no `dir` or `lang`: its box gives them (Arabic names right to left)
    direction = {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"} if lang else {"dir": "ltr"}
    return field(label, html.Div(control, **direction), component_id, hint)


def _code(code: str) -> html.Span:
    """A code such as 2025-Q3, kept left to right and on one line."""
    return html.Span(ltr(code), className="nowrap")


def _default_quarter(quarters: list[str]) -> str:
    """The quarter under way, else the programme's last."""
    today = date.today()
    current = PeriodCode(today.year, (today.month - 1) // 3 + 1).code
    return current if current in quarters else (quarters[-1] if quarters else "")


def _kpi_key(choice: admin.KpiChoice, choices: list[admin.KpiChoice]) -> str:
    """How a KPI is typed: its code, with its cycle where the code repeats across cycles."""
    repeated = sum(1 for c in choices if c.code == choice.code) > 1
    return f"{choice.code} ({choice.cycle})" if repeated else choice.code


# ---------------------------------------------------------------------------------------------
# Actions


def refusal_text(refused: admin.EntityRefused) -> str:
    """What to change, in the user's language."""
    params = refused.params
    field_names = {
        "first_period": _("First quarter it reports"),
        "from_period": _("No longer reports from"),
        "baseline": _("Entity baseline"),
        "target": _("Entity target"),
    }
    where = field_names.get(params.get("field", ""), "")
    messages = {
        "bad_code": _(
            "Code: write 2 to 20 capital letters, digits, '-' or '_', beginning with a letter "
            "(e.g. MOL)."
        ),
        "code_taken": _(
            "Code: %(code)s is taken already; choose another.", code=params.get("code")
        ),
        "name_en_missing": _("Name in English: write the entity's name."),
        "name_en_taken": _(
            "Name in English: %(code)s has this name already; give each entity its own.",
            code=params.get("code"),
        ),
        "name_ar_taken": _(
            "Name in Arabic: %(code)s has this name already; give each entity its own.",
            code=params.get("code"),
        ),
        "name_ar_missing": _("Name in Arabic: write the entity's name."),
        "name_en_bad": _(
            "Name in English: at most %(limit)s characters, plain text.", limit=params.get("limit")
        ),
        "name_ar_bad": _(
            "Name in Arabic: at most %(limit)s characters, plain text.", limit=params.get("limit")
        ),
        "bad_website": _("Web site: write an address such as www.mol.gov.om, or leave it blank."),
        "bad_quarter": _(
            "%(field)s: write a quarter of the programme, such as 2025-Q3.", field=where
        ),
        "bad_number": _("%(field)s: write a number, such as 85, or leave it blank.", field=where),
        "unchanged": _("Nothing changed: the values are those already saved."),
        "already_inactive": _("%(code)s is deactivated already.", code=params.get("code")),
        "already_active": _("%(code)s is active already.", code=params.get("code")),
        "before_first": _(
            "No longer reports from: choose a quarter after its first, %(first)s.",
            first=ltr(str(params.get("first"))),
        ),
        "unknown_kpi": _("KPI: choose an entity KPI from the list, such as T1.1."),
        "not_assigned": _("That KPI is not assigned to %(code)s.", code=params.get("code")),
    }
    return messages.get(refused.code, _("The change was refused."))


def _run(change) -> str | None:
    """Run `change(db)` in one transaction; the refusal's text, or None when it was made."""
    try:
        with store_of(current_app).transaction() as db:
            change(db)
    except admin.EntityRefused as refused:
        return refusal_text(refused)
    except admin.UnknownEntity:
        abort(404)
    except IntegrityError:
        return _("Someone changed this entity at the same moment: try again.")
    return None


def _listed(actor: Actor):
    with store_of(current_app).session() as db:
        return entities_table(admin.entity_rows(db, actor))


@guarded_callback(
    Output(ADD_RESULT, "children"),
    Output(LIST, "children"),
    Input(ADD, "n_clicks"),
    State(ADD_CODE, "value"),
    State(ADD_EN, "value"),
    State(ADD_AR, "value"),
    State(ADD_SITE, "value"),
    State(ADD_FIRST, "value"),
    action=Action.MANAGE_ENTITIES,
    prevent_initial_call=True,
    running=[(Output(ADD, "disabled"), True, False)],
)
def add(actor: Actor, _clicks, code, name_en, name_ar, website, first):
    made = {}

    def change(db):
        entity = admin.add_entity(
            db,
            actor,
            code=_text(code),
            name_en=_text(name_en),
            name_ar=_text(name_ar),
            website=_text(website),
            first_period=_text(first),
        )
        made.update(code=entity.code, first=entity.first_period)

    if refused := _run(change):
        return notice(refused, "error"), dash.no_update
    done = _(
        "%(code)s added: expected from %(first)s on, no earlier quarter.",
        code=made["code"],
        first=ltr(made["first"]),
    )
    link = dcc.Link(_("Change %(code)s", code=made["code"]), href=f"{PATH}?entity={made['code']}")
    return notice([done, " ", link], "success"), _listed(actor)


@guarded_callback(
    Output(RESULT, "children"),
    Output(KPI_RESULT, "children"),
    Output(LIST, "children", allow_duplicate=True),
    Output(STATUS, "children"),
    Output(DEACTIVATE_BOX, "hidden"),
    Output(REACTIVATE_BOX, "hidden"),
    Output(KPIS, "children"),
    Input(RENAME, "n_clicks"),
    Input(DEACTIVATE, "n_clicks"),
    Input(REACTIVATE, "n_clicks"),
    Input(ASSIGN, "n_clicks"),
    Input(UNASSIGN, "n_clicks"),
    State(CHOSEN, "data"),
    State(EDIT_EN, "value"),
    State(EDIT_AR, "value"),
    State(EDIT_SITE, "value"),
    State(UNTIL, "value"),
    State(KPI, "value"),
    State(BASELINE, "value"),
    State(TARGET, "value"),
    action=Action.MANAGE_ENTITIES,
    prevent_initial_call=True,
)
def change_entity(actor: Actor, *args):
    """Rename, deactivate, reactivate, assign or remove a KPI; then show the entity as it is."""
    chosen, name_en, name_ar, website, until, kpi, baseline, target = args[5:]
    code = _text(chosen)
    pressed = dash.ctx.triggered_id
    if pressed not in (RENAME, DEACTIVATE, REACTIVATE, ASSIGN, UNASSIGN):
        raise PreventUpdate
    with store_of(current_app).session() as db:
        kpi_id = _kpi_id(admin.kpi_choices(db, actor), _text(kpi))
    actions = {
        RENAME: lambda db: admin.rename(
            db, actor, code, name_en=_text(name_en), name_ar=_text(name_ar), website=_text(website)
        ),
        DEACTIVATE: lambda db: admin.deactivate(db, actor, code, from_period=_text(until)),
        REACTIVATE: lambda db: admin.reactivate(db, actor, code),
        ASSIGN: lambda db: admin.assign_kpi(
            db, actor, code, kpi_id, baseline=_text(baseline), target=_text(target)
        ),
        UNASSIGN: lambda db: admin.unassign_kpi(db, actor, code, kpi_id),
    }
    about_kpis = pressed in (ASSIGN, UNASSIGN)
    if about_kpis and kpi_id is None:
        refused = refusal_text(admin.EntityRefused("unknown_kpi"))
    else:
        refused = _run(actions[pressed])
    said = notice(refused, "error") if refused else notice(_done(pressed, code, kpi), "success")
    # the message goes beside the buttons pressed; the other region is emptied
    messages = ("", said) if about_kpis else (said, "")
    return (*messages, *_entity_now(actor, code))


def _done(pressed: str, code: str, kpi) -> str:
    return {
        RENAME: _("%(code)s: names saved.", code=code),
        DEACTIVATE: _("%(code)s deactivated.", code=code),
        REACTIVATE: _("%(code)s reactivated.", code=code),
        ASSIGN: _("%(kpi)s assigned to %(code)s.", kpi=ltr(_text(kpi)), code=code),
        UNASSIGN: _("%(kpi)s removed from %(code)s.", kpi=ltr(_text(kpi)), code=code),
    }[pressed]


def _entity_now(actor: Actor, code: str) -> tuple:
    """The list, the entity's reporting state and its KPIs, as they now are."""
    with store_of(current_app).session() as db:
        rows = admin.entity_rows(db, actor)
        kpis = admin.assigned_kpis(db, actor, code)
    row = next(r for r in rows if r.code == code)
    return (
        entities_table(rows),
        status_text(row),
        not row.active,
        row.active,
        kpis_table(code, kpis),
    )


def _kpi_id(choices: list[admin.KpiChoice], typed: str) -> int | None:
    wanted = typed.strip().upper()
    for choice in choices:
        if _kpi_key(choice, choices).upper() == wanted:
            return choice.kpi_id
    return None


def _text(value) -> str:
    return value if isinstance(value, str) else ""
