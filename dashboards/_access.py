"""Server-side checks for page layouts and callbacks: deny by default."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from dash import html
from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from data.models import User
from web.access import page_allowed
from web.auth import refuse


def page_layout(path: str | Callable[..., str]):
    """Wrap a page's `layout(**kwargs)`: render it only for users allowed on its path."""

    def decorate(layout):
        @wraps(layout)
        def guarded(**kwargs):
            target = path(**kwargs) if callable(path) else path
            if not current_user.is_authenticated or not page_allowed(current_user, target):
                return html.Section(
                    [
                        html.H1(_("You do not have access to this page")),
                        html.P(
                            _(
                                "Your role does not include this page. Ask the programme office "
                                "if you need it."
                            )
                        ),
                    ],
                    className="card",
                )
            return layout(**kwargs)

        return guarded

    return decorate


def roles_required(*roles: str):
    """Wrap a Dash callback: refuse (403) unless the signed-in user has one of `roles`."""

    def decorate(callback):
        @wraps(callback)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                refuse(403, callback=callback.__name__)
            return callback(*args, **kwargs)

        return guarded

    return decorate


def scoped_entity(requested: str | None) -> str | None:
    """The entity a request may act on: an entity user's own (asking for another is refused),
    any for the programme office, none for others."""
    if not current_user.is_authenticated:
        abort(403)
    if current_user.role == "entity":
        if requested and requested.upper() != current_user.entity_code:
            refuse(403, entity=requested)
        return current_user.entity_code
    if current_user.role in ("supervisor", "admin"):
        return requested.upper() if requested else None
    refuse(403, entity=requested)
    return None


def db_user(session):
    """The signed-in user as a row of `session`."""
    return session.get(User, current_user.id)
