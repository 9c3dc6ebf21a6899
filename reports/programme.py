"""The report's "whole programme" part (issue 16): the initiatives, the procedures plan and the
budget as the committee reads them, taken as they are from the services every page and the API
call (services.initiatives, services.procedures, services.budget) over the same Programme, so
that the report's numbers are the pages' numbers. Shared by the PDF (reports.content) and the
Excel pack (reports.figures)."""

from __future__ import annotations

from dataclasses import dataclass

from data.db import Store
from services import overview
from services.budget import BudgetPicture, GroupBudget
from services.initiatives import InitiativesPicture, InitiativeStanding
from services.procedures import ProceduresPicture
from services.programme import Programme


@dataclass(frozen=True)
class InitiativeTrack:
    """A track's initiatives, in the picture's order, with its counts by status."""

    code: str
    name_en: str
    name_ar: str
    counts: dict[str, int]
    initiatives: tuple[InitiativeStanding, ...]


@dataclass(frozen=True)
class WholeProgramme:
    initiatives: InitiativesPicture
    procedures: ProceduresPicture
    budget: BudgetPicture

    def initiative_tracks(self) -> list[InitiativeTrack]:
        picture = self.initiatives
        parts = []
        for code, counts in picture.tracks.items():
            named = picture.track_names.get(code)
            parts.append(
                InitiativeTrack(
                    code,
                    named.name_en if named else code,
                    named.name_ar if named else code,
                    counts,
                    tuple(picture.of_track(code)),
                )
            )
        return parts

    def budget_tracks(self) -> list[GroupBudget]:
        """The tracks with money allocated (a track without any says nothing)."""
        return [track for track in self.budget.tracks if track.totals.allocated]


def whole_programme(store: Store, prog: Programme) -> WholeProgramme:
    """The three pictures at `prog`'s scope (the committee's: approved figures only), as the
    overview's headline reads them (services.overview.whole_programme)."""
    with store.session() as db:
        found = overview.whole_programme(db, prog)
    return WholeProgramme(found.initiatives, found.procedures, found.budget)
