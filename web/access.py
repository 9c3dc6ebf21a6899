"""The web's side of access: the signed-in user as an `Actor`. The rules are in
`services/actors.py`; this module only builds the actor for the request."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from services.actors import Actor, Denied


def current_actor() -> Actor | None:
    """The actor of this request (None when nobody is signed in or the account is unusable)."""
    if "actor" not in g:
        g.actor = _actor_of_user()
    return g.actor


def _actor_of_user() -> Actor | None:
    if not current_user.is_authenticated:
        return None
    try:
        return Actor.of(current_user)
    except (Denied, ValueError):
        return None
