"""The initiatives as an actor may see them at an as-of quarter: per initiative the report shown
(its lead's latest report up to that quarter), its status, planned progress and whether it is
overdue; counts by status for the programme and each track.

THE function the pages (/initiatives, track and entity pages, the overview), the committee
report and the API call: `initiatives_picture(session, scope)`. Whose reports count follows the
KPI figures' rule (services.programme.Scope, data.analytics.shown_submissions): approved reports,
plus a current one awaiting review when the office includes them; an entity team sees approved
reports, and its own entity's in every status. The meanings are kpis.initiatives'."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from data import analytics as queries
from data.cycles import cycle_code_of
from data.initiatives import InitiativeRef, ReportRow, initiative_reports, initiatives_of
from kpis.initiatives import count_statuses, overdue, planned_percent, quarter_index, status_at
from services.programme import Scope


@dataclass(frozen=True)
class ShownReport:
    """The report an initiative's row shows: its quarter may be older than the as-of quarter."""

    period: str
    status: str  # one of kpis.initiatives.REPORTED_STATUSES
    percent_complete: float
    next_milestone: str
    milestone_due: str
    note: str
    approved: bool  # False: awaiting review (shown to the office asking for it, or its lead)


@dataclass(frozen=True)
class InitiativeStanding:
    """One initiative at the as-of quarter."""

    code: str
    track: str
    name_en: str
    name_ar: str
    lead: str  # entity code, "" where none
    lead_name_en: str
    lead_name_ar: str
    start: str  # quarter, e.g. 2021-Q1
    due: str
    status: str  # kpis.initiatives.STATUSES: the as-of quarter's report, or not_reported
    planned_percent: float  # the schedule's share done by the as-of quarter's end (0-100)
    overdue: bool  # past its due quarter and not reported completed
    report: ShownReport | None  # the latest report up to the as-of quarter, None: never

    @property
    def percent_complete(self) -> float | None:
        return self.report.percent_complete if self.report else None


@dataclass(frozen=True)
class InitiativesPicture:
    """Every initiative of the as-of quarter's cycle, by track then code, with counts."""

    as_of: str
    include_unapproved: bool
    initiatives: tuple[InitiativeStanding, ...]
    counts: dict[str, int]  # status -> how many (every status of kpis.initiatives.STATUSES)
    tracks: dict[str, dict[str, int]] = field(default_factory=dict)  # track -> status -> count
    track_names: dict[str, queries.NamedRow] = field(default_factory=dict)

    @property
    def overdue(self) -> int:
        return sum(1 for i in self.initiatives if i.overdue)

    def of_track(self, track: str) -> list[InitiativeStanding]:
        return [i for i in self.initiatives if i.track == track]

    def led_by(self, entity: str) -> list[InitiativeStanding]:
        return [i for i in self.initiatives if i.lead == entity]


def initiatives_picture(session: Session, scope: Scope) -> InitiativesPicture:
    """The initiatives at `scope` (services.programme.scope_for decided it for the actor)."""
    cycle = cycle_code_of(session, scope.as_of)
    refs = initiatives_of(session, cycle)
    names = {e.code: e for e in queries.entities(session, deactivated=True)}
    tracks = {t.code: t for t in queries.tracks(session, cycle)}
    latest = latest_reports(_shown_reports(session, cycle, scope))
    standings = tuple(_standing(ref, latest.get(ref.code), scope, names) for ref in refs)
    by_track = {
        track: count_statuses(i.status for i in standings if i.track == track)
        for track in dict.fromkeys([*tracks, *(i.track for i in standings)])
        if any(i.track == track for i in standings)
    }
    return InitiativesPicture(
        scope.as_of.code,
        scope.include_unapproved,
        standings,
        count_statuses(i.status for i in standings),
        by_track,
        tracks,
    )


def _shown_reports(session: Session, cycle: str | None, scope: Scope) -> list[ReportRow]:
    """Reports in the submissions shown; for an entity team, its own entity's from its own
    submissions in every status instead of the approved ones only."""
    shown = initiative_reports(
        session, cycle, include_unapproved=scope.include_unapproved, up_to=scope.as_of
    )
    if not scope.own_entity:
        return shown
    own = initiative_reports(
        session, cycle, include_unapproved=True, entity=scope.own_entity, up_to=scope.as_of
    )
    return [r for r in shown if r.entity != scope.own_entity] + own


def latest_reports(reports: list[ReportRow]) -> dict[str, ReportRow]:
    """Initiative -> its latest report: the latest quarter, and in it the latest submission."""
    latest: dict[str, ReportRow] = {}
    for report in reports:
        found = latest.get(report.initiative)
        key = (quarter_index(report.period), report.submission_id)
        if found is None or key > (quarter_index(found.period), found.submission_id):
            latest[report.initiative] = report
    return latest


def _standing(
    ref: InitiativeRef, report: ReportRow | None, scope: Scope, names: dict
) -> InitiativeStanding:
    lead = names.get(ref.lead)
    start = ref.start or f"{scope.as_of.year}-Q1"
    due = ref.due or start
    return InitiativeStanding(
        ref.code,
        ref.track,
        ref.name_en,
        ref.name_ar,
        ref.lead,
        lead.name_en if lead else ref.lead,
        lead.name_ar if lead else ref.lead,
        start,
        due,
        status_at(
            scope.as_of, start, report.period if report else None, report.status if report else None
        ),
        planned_percent(start, due, scope.as_of),
        overdue(scope.as_of, due, report.status if report else None),
        _shown(report) if report else None,
    )


def _shown(report: ReportRow) -> ShownReport:
    return ShownReport(
        report.period.code,
        report.status,
        report.percent_complete,
        report.next_milestone,
        report.milestone_due,
        report.note,
        report.approved,
    )
