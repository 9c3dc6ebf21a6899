"""Administration `/admin`: the office's and the admin's pages for running the programme, listed
for whoever may open them (services/actors.py, ADMIN_PAGES); each page checks its own action."""

from __future__ import annotations

import dash
from dash import dcc, html
from flask_babel import gettext as _

from dashboards._access import current_actor, page_layout
from services.actors import ADMIN_PAGES, page_allowed

ADMIN_LINKS = "admin-links"

dash.register_page(
    __name__, path="/admin", title=lambda: _("Administration"), name="Administration"
)


def _pages() -> list[tuple[str, str, str]]:
    """(address, title, what it is for) of each administration page, in menu order."""
    return [
        (
            "/admin/users",
            _("Users"),
            _("Invite users, change their role or entity, disable them, force a new password."),
        ),
        (
            "/admin/entities",
            _("Entities"),
            _(
                "Add an entity from the quarter it first reports, rename or deactivate it, "
                "assign its KPIs."
            ),
        ),
        (
            "/admin/kpis",
            _("Targets"),
            _("Restate a KPI's baseline or target, with a reason and the quarter it applies from."),
        ),
        (
            "/admin/cycles",
            _("Cycles"),
            _("Import the next cycle's KPI catalogue and map the KPIs that continue."),
        ),
        (
            "/admin/deadlines",
            _("Deadlines and reminders"),
            _("Set each quarter's deadline; see the reminders and escalations sent."),
        ),
        (
            "/admin/budget",
            _("Budget allocations"),
            _("Set the allocations per track, initiative and entity and year, or import a sheet."),
        ),
    ]


def _built(path: str) -> bool:
    return any(page["path"] == path for page in dash.page_registry.values())


@page_layout("/admin")
def layout(**_kwargs):
    actor = current_actor()
    shown = [
        html.Li([dcc.Link(title, href=path), html.P(purpose, className="muted")])
        for path, title, purpose in _pages()
        if path.split("/")[-1] in ADMIN_PAGES and _built(path) and page_allowed(actor, path)
    ]
    body = (
        html.Ul(shown, id=ADMIN_LINKS, className="admin-links")
        if shown
        else html.P(_("No administration page is open to your role."), id=ADMIN_LINKS)
    )
    return html.Div([html.H1(_("Administration")), html.Section(body, className="card")])
