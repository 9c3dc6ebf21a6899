"""The pages' one guard: every layout and every callback builds the `Actor` here and asks
`services.actors`; a callback registered any other way fails the callback-map test."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import dash
from dash import html
from flask_babel import gettext as _

from data.models import User
from services.actors import Action, Actor, Denied, entity_scope, may, page_allowed
from web import jobs
from web.access import current_actor
from web.auth import refuse

__all__ = ["current_actor", "guarded_callback", "page_layout", "refuse_unless_page"]


def page_layout(path: str | Callable[..., str]):
    """Wrap a page's `layout(**kwargs)`: render it only for users allowed on its path."""

    def decorate(layout):
        @wraps(layout)
        def guarded(**kwargs):
            kwargs = {key: _one_text(value) for key, value in kwargs.items()}
            target = path(**kwargs) if callable(path) else path
            if not page_allowed(current_actor(), target):
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


def _one_text(value) -> str | None:
    """A query parameter as one text: `?entity=a&entity=b` gives a list; the first counts."""
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value is None else str(value)


def guarded_callback(
    *dependencies, action: Action, page: str | None = None, job: bool = False, **options
):
    """Register a Dash callback that runs only for an actor who may do `action` (and open `page`,
    when given); it receives that `Actor` as its first argument. The only way pages register
    server callbacks. `job=True` marks a long one (an export, a report build): on an app with
    background jobs (REDIS_URL, web/jobs.py) the request admits the user here and queues it, and
    a Celery worker runs it as that user after the same admission; otherwise it runs here."""

    def decorate(callback):
        def admitted() -> Actor:
            actor = current_actor()
            if not may(actor, action):
                refuse(403, callback=callback.__name__)
            if page is not None:
                refuse_unless_page(page)
            return actor

        @wraps(callback)
        def guarded(*args):
            actor = admitted()
            try:
                return callback(actor, *args)
            except Denied as denied:
                refuse(403, callback=callback.__name__, entity=denied.entity or "")

        guarded.guarded_by = action
        background = jobs.jobs_of_app_being_built() if job else None
        if background is None:
            return dash.callback(*dependencies, **options)(guarded)
        server, manager = background
        return jobs.background_callback(server, manager, guarded, admitted, dependencies, options)

    return decorate


def refuse_unless_page(path: str) -> None:
    """Refuse a callback for a page the user may not open (deny by default)."""
    if not page_allowed(current_actor(), path):
        refuse(403, page=path)


def scoped_entity(actor: Actor, requested: str | None, action: Action) -> str | None:
    """`services.actors.entity_scope`, answering 403 (and recording it) when refused."""
    try:
        return entity_scope(actor, requested, action)
    except Denied:
        refuse(403, entity=requested or "")


def db_user(session, actor: Actor):
    """The acting user as a row of `session`."""
    return session.get(User, actor.user_id)
