"""Who may see and do what: the one place (docs/roles.md).

Every page, route, Dash callback, API call and command line builds an `Actor` and asks `may`,
`require`, `entity_scope` or `sees_unapproved`; nothing else compares role names. Deny by default:
an action missing from `PERMISSIONS` is allowed to nobody, a path missing from `PAGES` is no page.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from kpis.revisions import Status

__all__ = ["Status"]  # re-exported: actors and adapters speak of statuses through this module


class Role(StrEnum):
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    COMMITTEE = "committee"
    ENTITY = "entity"


class Action(StrEnum):
    VIEW_PROGRAMME = "view_programme"  # the overview pages: national figures
    VIEW_ENTITY_FIGURES = "view_entity_figures"  # one entity's own figures, its page
    VIEW_UNAPPROVED = "view_unapproved"  # figures awaiting approval or returned
    VIEW_SUBMISSIONS = "view_submissions"  # an entity's uploads and their reports
    UPLOAD = "upload"
    DOWNLOAD_ORIGINAL = "download_original"
    REVIEW = "review"  # approve or return a submission
    VIEW_AUDIT = "view_audit"
    EXPORT = "export"
    USE_API = "use_api"
    MANAGE_USERS = "manage_users"  # users, tokens, catalogue and cycles
    PUBLISH = "publish"  # publish a reviewed quarter: lock it and freeze an edition
    VIEW_REPORTS = "view_reports"  # the published editions (/reports) and their files
    ADMINISTER = "administer"  # the Administration hub (/admin): lists the pages below one may open
    MANAGE_ENTITIES = "manage_entities"  # add, rename, deactivate entities; assign their KPIs
    MANAGE_CATALOGUE = "manage_catalogue"  # import a cycle's catalogue, start the next cycle
    RESTATE_TARGETS = "restate_targets"  # restate a KPI's baseline or target, with a reason
    MANAGE_DEADLINES = "manage_deadlines"  # quarters' deadlines, reminders and escalation
    MANAGE_BUDGET = "manage_budget"  # the budget's allocations (OMR) per track, initiative, entity


ALL = frozenset(Role)
OFFICE = frozenset({Role.ADMIN, Role.SUPERVISOR})

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_PROGRAMME: ALL,
    Action.VIEW_ENTITY_FIGURES: ALL,
    Action.VIEW_UNAPPROVED: OFFICE | {Role.ENTITY},
    Action.VIEW_SUBMISSIONS: OFFICE | {Role.ENTITY},
    Action.UPLOAD: OFFICE | {Role.ENTITY},
    Action.DOWNLOAD_ORIGINAL: OFFICE | {Role.ENTITY},
    Action.REVIEW: OFFICE,
    Action.VIEW_AUDIT: OFFICE,
    Action.EXPORT: OFFICE | {Role.COMMITTEE},
    Action.USE_API: ALL,
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    Action.PUBLISH: OFFICE,
    Action.VIEW_REPORTS: OFFICE | {Role.COMMITTEE},
    Action.ADMINISTER: OFFICE,
    Action.MANAGE_ENTITIES: frozenset({Role.ADMIN}),
    Action.MANAGE_CATALOGUE: frozenset({Role.ADMIN}),
    Action.RESTATE_TARGETS: OFFICE,
    Action.MANAGE_DEADLINES: OFFICE,
    Action.MANAGE_BUDGET: OFFICE,
}

# Who is e-mailed about a quarter (services/reminders.py): reminders go to the entity's team,
# escalations of late entities to the programme office's supervisors.
REMINDED = Role.ENTITY
ESCALATED_TO = Role.SUPERVISOR

# An entity team acts only on its own entity: for these, `entity` must be the actor's own.
OWN_ENTITY_ONLY = frozenset(
    {
        Action.VIEW_ENTITY_FIGURES,
        Action.VIEW_UNAPPROVED,
        Action.VIEW_SUBMISSIONS,
        Action.UPLOAD,
        Action.DOWNLOAD_ORIGINAL,
    }
)

# First segment of a page's path -> the action that opens it.
PAGES: dict[str, Action] = {
    "": Action.VIEW_PROGRAMME,
    "track": Action.VIEW_PROGRAMME,
    "kpi": Action.VIEW_PROGRAMME,
    "entity": Action.VIEW_PROGRAMME,
    "completeness": Action.VIEW_PROGRAMME,
    "international": Action.VIEW_PROGRAMME,
    # the whole programme (issue 16): an entity team sees national approved figures there and
    # own initiatives and budget lines in every status (`sees_unapproved` decides, not the page)
    "initiatives": Action.VIEW_PROGRAMME,
    "procedures": Action.VIEW_PROGRAMME,
    "budget": Action.VIEW_PROGRAMME,
    "submissions": Action.VIEW_SUBMISSIONS,
    "review": Action.REVIEW,
    "audit": Action.VIEW_AUDIT,
    "reports": Action.VIEW_REPORTS,
    "admin": Action.ADMINISTER,
}

# `/admin/<page>`: the administration pages, each opened by its own action.
ADMIN_PAGES: dict[str, Action] = {
    "users": Action.MANAGE_USERS,
    "entities": Action.MANAGE_ENTITIES,
    "kpis": Action.RESTATE_TARGETS,
    "cycles": Action.MANAGE_CATALOGUE,
    "deadlines": Action.MANAGE_DEADLINES,
    "budget": Action.MANAGE_BUDGET,
}


class Denied(PermissionError):
    """The actor may not do this; adapters answer 403 and record the refusal."""

    status = 403

    def __init__(self, action: Action | str, entity: str | None = None) -> None:
        super().__init__(f"{action} refused" + (f" for entity {entity}" if entity else ""))
        self.action = str(action)
        self.entity = entity


class EntityRequired(ValueError):
    """The office acts for an entity and must name it (adapters answer 400)."""

    status = 400


class UserLike(Protocol):
    id: int
    role: str
    entity_code: str | None


@dataclass(frozen=True)
class Actor:
    """Who asks: a role and, for an entity team, its entity. Built by the adapters' one guard."""

    role: Role
    entity_code: str | None = None
    user_id: int | None = None
    entity_id: int | None = None

    @classmethod
    def of(cls, user: UserLike) -> Actor:
        """The actor of a signed-in user, a user row or a token's owner; an unknown role is
        refused here rather than guessed."""
        role = Role(user.role)
        entity = getattr(user, "entity_code", None) if role is Role.ENTITY else None
        if role is Role.ENTITY and not entity:
            raise Denied("sign_in")  # an entity account without an entity sees nothing
        return cls(role, entity, getattr(user, "id", None), getattr(user, "entity_id", None))

    @property
    def is_office(self) -> bool:
        return self.role in OFFICE


def may(actor: Actor | None, action: Action, entity: str | None = None) -> bool:
    """Whether `actor` may do `action` (on `entity`, when the action concerns one)."""
    if actor is None or actor.role not in PERMISSIONS.get(action, frozenset()):
        return False
    if actor.role is Role.ENTITY and action in OWN_ENTITY_ONLY:
        return entity is None or _same(entity, actor.entity_code)
    return True


def require(actor: Actor | None, action: Action, entity: str | None = None) -> Actor:
    """`actor` if it may do `action`, else `Denied`."""
    if actor is None or not may(actor, action, entity):
        raise Denied(action, entity)
    return actor


def entity_scope(actor: Actor | None, requested: str | None, action: Action) -> str | None:
    """The entity a request acts on, the one place an entity user's scope is decided: an entity
    team always acts on its own (asking for another is refused), the office on the one it names
    (None: all), everybody else is refused."""
    if actor is None or not may(actor, action):
        raise Denied(action, requested)
    if actor.role is Role.ENTITY:
        if requested and not _same(requested, actor.entity_code):
            raise Denied(action, requested)
        return actor.entity_code
    return requested.strip().upper() if requested and requested.strip() else None


def acting_entity(actor: Actor | None, requested: str | None, action: Action) -> str:
    """Like `entity_scope`, for an act that needs one entity (an upload): the office names it."""
    entity = entity_scope(actor, requested, action)
    if entity is None:
        raise EntityRequired("name the entity")
    return entity


def sees_unapproved(actor: Actor | None, entity_code: str | None = None) -> bool:
    """Whether figures not yet approved are shown: the office always, an entity for itself."""
    if actor is None:
        return False
    if actor.is_office:
        return True
    return entity_code is not None and may(actor, Action.VIEW_UNAPPROVED, entity_code)


def sees_people(actor: Actor | None, entity_code: str | None = None) -> bool:
    """Whether who uploaded and who reviewed are named (their e-mail addresses): the office
    always, an entity team on its own entity. The committee reads figures and their lineage, not
    the staff's addresses: it sees "entity team" and "programme office" instead."""
    if actor is None:
        return False
    return actor.is_office or (
        entity_code is not None and may(actor, Action.VIEW_SUBMISSIONS, entity_code)
    )


def first_segment(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


# Pages addressed with a code (`/kpi/T1.1`); every other page is its first segment alone.
PAGES_WITH_CODE = frozenset({"track", "kpi", "entity"})


def is_page(path: str) -> bool:
    """Whether `path` is the address of a page: `/submissions/file/-1` is not (a 404, not the
    submissions page saying "not found" with 200)."""
    parts = path.strip("/").split("/")
    if parts[0] not in PAGES:
        return False
    if parts[0] == "admin" and len(parts) == 2:
        return parts[1] in ADMIN_PAGES
    return len(parts) == (2 if parts[0] in PAGES_WITH_CODE else 1)


def page_allowed(actor: Actor | None, path: str) -> bool:
    """Deny by default: a path not in `PAGES` is no page anybody may open. An entity team opens
    `/entity/<code>` for its own entity only."""
    action = PAGES.get(first_segment(path))
    if action is None or not may(actor, action):
        return False
    parts = path.strip("/").split("/")
    if parts[0] == "admin" and len(parts) > 1:
        sub = ADMIN_PAGES.get(parts[1])
        return len(parts) == 2 and sub is not None and may(actor, sub)
    if parts[0] == "entity" and len(parts) > 1:
        return len(parts) == 2 and may(actor, Action.VIEW_ENTITY_FIGURES, parts[1])
    return True


def _same(code: str | None, own: str | None) -> bool:
    return bool(code) and bool(own) and code.strip().upper() == own.strip().upper()
