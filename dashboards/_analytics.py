"""What every analytics page shares on screen: the "as of" form, what the figures are, and the
frame whose callback draws the page. The picture itself comes from `services.programme`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from dash import dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, refuse_unless_page
from dashboards._components import filter_form, select_field
from dashboards._text import ltr
from data.cache import results_of
from data.db import store_of
from services import programme as services
from services.programme import Programme, Scope, quarter_options, scope_for

__all__ = ["Programme", "Scope"]
CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,19}")  # T1, T1.5, MOH, a code of the catalogue


def page_scope(period: str | None, unapproved: str | None) -> tuple[Scope, list[str]]:
    """The scope the signed-in user asked for, checked on the server, and the quarters to offer."""
    with store_of(current_app).session() as db:
        choices = quarter_options(db)
    return scope_for(current_actor(), period, unapproved == "1", choices), choices


def programme(scope: Scope) -> Programme:
    return services.programme(store_of(current_app), results_of(current_app), scope)


def as_of_form(
    form_id: str, scope: Scope, choices: list[str], unapproved: bool = True
) -> html.Form:
    """The "as of" form of an analytics page (`as_of_fields` and a Show button)."""
    return filter_form(form_id, as_of_fields(form_id, scope, choices, unapproved), _("Show"))


def as_of_fields(form_id: str, scope: Scope, choices: list[str], unapproved: bool = True) -> list:
    """The "as of" quarter and, for the office where the page uses it, whether to include figures
    awaiting approval; a page with filters of its own adds them after these."""
    fields = [
        select_field(
            f"{form_id}-period",
            "period",
            _("As of quarter"),
            [(q, ltr(q)) for q in sorted(choices, reverse=True)],
            scope.as_of.code,
        )
    ]
    if unapproved and current_actor().is_office:
        fields.append(
            select_field(
                f"{form_id}-unapproved",
                "unapproved",
                _("Figures"),
                [("0", _("Approved only")), ("1", _("Include figures awaiting approval"))],
                "1" if scope.include_unapproved else "0",
            )
        )
    return fields


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
    refuse_unless_page(path)


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
    data = state(data)
    return page_scope(data.get("period"), data.get("unapproved"))[0]


def state(data) -> dict[str, str]:
    """A page's stored state as the callback receives it, which a forged request may make
    anything: only its text values count."""
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


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
            # the spinner stands for the page's own callback only: a control inside the page
            # (the overview's grid) keeps its place and the keyboard's focus while it updates
            dcc.Loading(
                html.Div(id=ids.content), type="dot", target_components={ids.content: "children"}
            ),
        ]
    )


def not_found(heading: str) -> html.Div:
    return html.Div([html.H1(heading), dcc.Link(_("Back to the overview"), href="/")])


def requested_code(data: dict | None) -> str:
    """The track, KPI or entity code a page's state names."""
    code = state(data).get("code", "").strip().upper()
    return code if CODE.fullmatch(code) else ""
