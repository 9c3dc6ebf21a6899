"""Which revision of a quarter's submission is official, and what came after it.

The official figure is the latest approved revision's; a later revision awaiting review
(`submitted`) or sent back (`returned`) does not count until approved, and the pages say so next
to the figure ("Official: revision 1, approved; revision 2 returned")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """A submission's review status: the one list (the store's column, access rules, pages)."""

    REJECTED = "rejected"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


# later revisions that leave the official figure in place
PENDING = (Status.SUBMITTED, Status.RETURNED)


@dataclass(frozen=True)
class RevisionStanding:
    official: int | None  # the revision whose figures count (latest approved), if any
    later: tuple[tuple[int, str], ...]  # (revision, status) after it, submitted or returned

    @property
    def worth_saying(self) -> bool:
        """Something other than the official revision is on its way (or was sent back)."""
        return bool(self.later)


def revision_standing(revisions: Iterable[tuple[int, str]]) -> RevisionStanding:
    """From a quarter's (revision, status) pairs: the latest approved revision, and the
    revisions after it that are awaiting review or were returned, oldest first."""
    ordered = sorted(revisions)
    approved = [number for number, status in ordered if status == "approved"]
    official = approved[-1] if approved else None
    later = tuple(
        (number, status)
        for number, status in ordered
        if status in PENDING and (official is None or number > official)
    )
    return RevisionStanding(official, later)
