"""The frame around every page: header, navigation, language switch, account and demo banner."""

from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, State, dcc, html
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dashboards._text import role_label
from data.db import store_of
from data.queries import has_demo_data
from services.actors import page_allowed
from web.access import current_actor
from web.i18n import language

SHELL_NAV = "shell-nav"
SHELL_MENU_BUTTON = "shell-menu-button"
SHELL_MENU = "shell-menu"
SHELL_BANNER = "shell-demo-banner"


def shell():
    """The app's layout, built per request so it speaks the user's language."""
    if not current_user.is_authenticated:
        return html.Main(html.P(_("Sign in first.")), id="main")
    return html.Div(
        [
            html.A(_("Skip to main content"), href="#main", className="skip-link"),
            header(),
            demo_banner(),
            html.Main(dash.page_container, id="main", className="page", tabIndex="-1"),
        ]
    )


def header() -> html.Header:
    return html.Header(
        [
            html.Div(
                [
                    html.Span(
                        _("Government Digital Transformation Programme"), className="brand-title"
                    ),
                    html.Span(_("Programme tracker"), className="brand-sub"),
                ],
                className="brand",
            ),
            navigation(),
            html.Div(
                [language_switch(), account_box(), logout_form()],
                className="header-tools",
            ),
        ],
        className="app-header",
    )


def navigation() -> html.Nav:
    """The main menu. On a narrow screen it folds behind a disclosure button (`aria-expanded`,
    `aria-controls`); assets/shell.js opens and closes it and marks the current page's link with
    `aria-current="page"`, also after Dash's in-page navigation. Wide screens always show it."""
    links = [
        (_("Overview"), "/"),
        (_("Initiatives"), "/initiatives"),
        (_("Procedures"), "/procedures"),
        (_("Budget"), "/budget"),
        (_("Completeness"), "/completeness"),
        (_("International"), "/international"),
    ]
    if current_user.entity_code:
        links.append((_("My entity"), f"/entity/{current_user.entity_code}"))
    links += [
        (_("Submissions"), "/submissions"),
        (_("Review"), "/review"),
        (_("Audit"), "/audit"),
        (_("Reports"), "/reports"),
        (_("Administration"), "/admin"),
    ]
    visible = [
        (label, href)
        for label, href in links
        if page_allowed(current_actor(), href) and _registered(href)
    ]
    return html.Nav(
        [
            html.Button(
                [html.Span("☰", className="menu-icon", **{"aria-hidden": "true"}), _("Menu")],
                id=SHELL_MENU_BUTTON,
                type="button",
                className="menu-button",
                **{"aria-expanded": "false", "aria-controls": SHELL_MENU},
            ),
            html.Ul(
                [html.Li(dcc.Link(label, href=href)) for label, href in visible],
                id=SHELL_MENU,
            ),
        ],
        id=SHELL_NAV,
        className="main-nav",
        **{"aria-label": _("Main")},
    )


def _registered(href: str) -> bool:
    """Whether some page answers at `href` (a link to a page not built yet would be a 404)."""
    first = href.strip("/").split("/")[0]
    return any(
        page["path"].strip("/").split("/")[0] == first for page in dash.page_registry.values()
    )


def register_menu(app: dash.Dash) -> None:
    """assets/shell.js: the button opens and closes the menu; a page change closes it and marks
    the current link. Clientside, so that opening the menu never waits for the server. Registered
    on the app itself: a module-level callback goes to the first app made in the process only
    (the tests make many)."""
    app.clientside_callback(
        ClientsideFunction("shell", "menu"),
        Output(SHELL_MENU_BUTTON, "aria-expanded"),
        Input(SHELL_MENU_BUTTON, "n_clicks"),
        Input("_pages_location", "pathname"),
        State(SHELL_MENU_BUTTON, "aria-expanded"),
    )


def language_switch() -> html.A:
    if language() == "ar":
        return html.A("English", href="?lang=en", lang="en", hrefLang="en", className="lang-switch")
    return html.A("العربية", href="?lang=ar", lang="ar", hrefLang="ar", className="lang-switch")


def account_box() -> html.Div:
    entity = f" · {current_user.entity_code}" if current_user.entity_code else ""
    return html.Div(
        [
            html.Span(current_user.name, className="account-name"),
            html.Span(f"{role_label(current_user.role)}{entity}", className="account-role"),
            html.A(_("Change password"), href="/account/password", className="account-password"),
        ],
        className="account",
    )


def logout_form() -> html.Form:
    return html.Form(
        [
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf(), id="shell-csrf"),
            html.Button(_("Sign out"), type="submit", className="button"),
        ],
        method="post",
        action="/logout",
        className="logout",
    )


def demo_banner() -> html.Div | None:
    with store_of(current_app).session() as db:
        demo = has_demo_data(db)
    if not demo:
        return html.Div(id=SHELL_BANNER, hidden=True)
    return html.Div(
        [
            html.Strong(_("Demo data.")),
            " ",
            _("The figures shown are invented for demonstration and are not the programme's."),
        ],
        id=SHELL_BANNER,
        className="banner banner-demo",
        role="note",
    )
