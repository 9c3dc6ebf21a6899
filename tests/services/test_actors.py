"""What each actor may do, and which entity it acts on: the truth table of services/actors.py."""

from __future__ import annotations

import pytest

from services.actors import (
    Action,
    Actor,
    Denied,
    EntityRequired,
    Role,
    acting_entity,
    entity_scope,
    may,
    sees_unapproved,
)

ADMIN, SUPERVISOR, COMMITTEE = Actor(Role.ADMIN), Actor(Role.SUPERVISOR), Actor(Role.COMMITTEE)
MOH = Actor(Role.ENTITY, "MOH", user_id=7)


@pytest.mark.parametrize(
    ("actor", "action", "entity", "allowed"),
    [
        (ADMIN, Action.MANAGE_USERS, None, True),
        (SUPERVISOR, Action.MANAGE_USERS, None, False),
        (SUPERVISOR, Action.REVIEW, None, True),
        (COMMITTEE, Action.REVIEW, None, False),
        (MOH, Action.REVIEW, None, False),
        (COMMITTEE, Action.VIEW_PROGRAMME, None, True),
        (COMMITTEE, Action.VIEW_UNAPPROVED, None, False),
        (COMMITTEE, Action.UPLOAD, "MOH", False),
        (COMMITTEE, Action.EXPORT, None, True),
        (MOH, Action.EXPORT, None, False),
        (MOH, Action.UPLOAD, "MOH", True),
        (MOH, Action.UPLOAD, "moh ", True),
        (MOH, Action.UPLOAD, "MOF", False),
        (MOH, Action.DOWNLOAD_ORIGINAL, "MOF", False),
        (MOH, Action.VIEW_UNAPPROVED, "MOH", True),
        (MOH, Action.VIEW_UNAPPROVED, "MOF", False),
        (MOH, Action.VIEW_AUDIT, None, False),
        (SUPERVISOR, Action.UPLOAD, "MOF", True),
        (None, Action.VIEW_PROGRAMME, None, False),
    ],
)
def test_may(actor, action, entity, allowed):
    assert may(actor, action, entity) is allowed


def test_an_action_nobody_was_given_is_denied_to_everyone():
    assert not any(may(a, "delete_everything") for a in (ADMIN, SUPERVISOR, COMMITTEE, MOH))


@pytest.mark.parametrize(
    ("actor", "requested", "expected"),
    [(MOH, None, "MOH"), (MOH, "moh", "MOH"), (SUPERVISOR, "mof", "MOF"), (SUPERVISOR, None, None)],
)
def test_entity_scope(actor, requested, expected):
    assert entity_scope(actor, requested, Action.VIEW_SUBMISSIONS) == expected


@pytest.mark.parametrize(("actor", "requested"), [(MOH, "MOF"), (COMMITTEE, "MOH"), (None, None)])
def test_entity_scope_refuses(actor, requested):
    with pytest.raises(Denied):
        entity_scope(actor, requested, Action.UPLOAD)


def test_the_office_must_name_the_entity_it_uploads_for():
    with pytest.raises(EntityRequired):
        acting_entity(SUPERVISOR, "", Action.UPLOAD)
    assert acting_entity(MOH, "", Action.UPLOAD) == "MOH"


def test_an_entity_account_without_an_entity_is_no_actor():
    class Account:
        id, role, entity_code = 3, "entity", None

    with pytest.raises(Denied):
        Actor.of(Account())


@pytest.mark.parametrize(
    ("actor", "entity", "expected"),
    [(SUPERVISOR, None, True), (COMMITTEE, "MOH", False), (MOH, "MOH", True), (MOH, None, False)],
)
def test_sees_unapproved(actor, entity, expected):
    assert sees_unapproved(actor, entity) is expected
