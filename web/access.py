"""Who may see which page and which entity's data: one table, checked on the server."""

from __future__ import annotations

from typing import Protocol

ALL_ROLES = frozenset({"admin", "supervisor", "committee", "entity"})
OFFICE = frozenset({"admin", "supervisor"})

# First path segment -> roles that may open pages under it (DESIGN.md "Who may do what").
PAGE_ROLES: dict[str, frozenset[str]] = {
    "": ALL_ROLES,
    "track": ALL_ROLES,
    "kpi": ALL_ROLES,
    "entity": ALL_ROLES,
    "completeness": ALL_ROLES,
    "international": ALL_ROLES,
    "submissions": OFFICE | {"entity"},
    "review": OFFICE,
    "audit": OFFICE,
}


class Viewer(Protocol):
    role: str
    entity_code: str | None


def first_segment(path: str) -> str:
    return path.strip("/").split("/", 1)[0]


def is_page(path: str) -> bool:
    return first_segment(path) in PAGE_ROLES


def page_allowed(viewer: Viewer, path: str) -> bool:
    """Deny by default: a path not in the table is no page anybody may open."""
    roles = PAGE_ROLES.get(first_segment(path))
    if roles is None or viewer.role not in roles:
        return False
    if first_segment(path) == "entity" and viewer.role == "entity":
        parts = path.strip("/").split("/")
        return len(parts) < 2 or parts[1].upper() == (viewer.entity_code or "")
    return True


def sees_unapproved(viewer: Viewer, entity_code: str | None = None) -> bool:
    """Whether figures not yet approved are shown: the office always, an entity for itself."""
    if viewer.role in OFFICE:
        return True
    return viewer.role == "entity" and entity_code is not None and entity_code == viewer.entity_code
