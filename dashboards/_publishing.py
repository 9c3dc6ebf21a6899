"""Publishing a quarter, on /review (the office): the quarters with approved figures, their lock
and editions so far, a note, Publish (services.releases.publish). A `_` module, so that Dash
Pages does not load it as a page: only the review page imports it (once)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dash
from dash import dcc, html
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from dashboards._components import field, filter_form, notice, select_field
from dashboards._text import ltr
from data.db import store_of
from data.models import Period, Release
from reports.figures import approved_quarters
from services.actors import Actor
from services.releases import NOTE_MAX, NotFound, PublishRefused, publish
from services.review import NotFound as ReviewNotFound
from web import jobs

REVIEW_PUBLISH = "review-publish"
REVIEW_PUBLISH_NOTE = "review-publish-note"
REVIEW_PUBLISH_RESULT = "review-publish-result"
REVIEW_PUBLISH_STATE = "review-publish-state"
REVIEW_PUBLISH_PERIOD = "review-publish-period"
REVIEW_PUBLISH_BODY = "review-publish-body"
REVIEW_PUBLISH_BUSY = "review-publish-busy"
REVIEW_PUBLISH_REGION = "review-publish-region"
# while an edition is built (on the jobs worker with REDIS_URL): Publish disabled, a note shown
PUBLISH_RUNNING = jobs.while_running([REVIEW_PUBLISH], REVIEW_PUBLISH_BUSY, REVIEW_PUBLISH_REGION)


@dataclass(frozen=True)
class Publishable:
    period: str
    locked: bool
    editions: int


def publishing_choices(session) -> list[Publishable]:
    """Quarters with approved figures, newest first, with their lock and editions so far."""
    counts = dict(
        session.execute(
            select(Period.code, func.count(Release.id))
            .join(Release, Release.period_id == Period.id)
            .group_by(Period.code)
        ).all()
    )
    locked = dict(session.execute(select(Period.code, Period.locked)).all())
    return [
        Publishable(q, bool(locked.get(q)), counts.get(q, 0)) for q in approved_quarters(session)
    ]


def _state_text(choice: Publishable) -> str:
    lock = _("locked") if choice.locked else _("open")
    if not choice.editions:
        return _("%(period)s: %(lock)s, not published yet.", period=ltr(choice.period), lock=lock)
    return _(
        "%(period)s: %(lock)s; editions published: %(count)d.",
        period=ltr(choice.period),
        lock=lock,
        count=choice.editions,
    )


def publishing_section(choices: list[Publishable], requested: str | None) -> html.Section:
    """Choose a quarter with approved figures, write a note (required for a correction) and
    publish: the quarter locks and an edition is frozen. The body is drawn again after each
    action on the review page (`publishing_body`); the message stays below it."""
    return html.Section(
        [
            html.H2(_("Publish a quarter")),
            html.Div(publishing_body(choices, requested), id=REVIEW_PUBLISH_BODY),
            jobs.preparing_note(
                REVIEW_PUBLISH_BUSY,
                _(
                    "Building the edition: the committee report, the Excel pack and the open "
                    "data. This takes a little while; the result shows here."
                ),
            ),
            html.Div(id=REVIEW_PUBLISH_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
        id=REVIEW_PUBLISH_REGION,
    )


def publishing_body(choices: list[Publishable], requested: str | None) -> list:
    """What publishing shows for the quarters as they are now (none approved yet: says so)."""
    if not choices:
        return [
            html.P(_("No quarter has approved figures yet.")),
            dcc.Store(id=REVIEW_PUBLISH_PERIOD + "-chosen", data=None),
        ]
    chosen = next((c for c in choices if c.period == requested), choices[0])
    options = [(c.period, f"{ltr(c.period)} · {_state_text_short(c)}") for c in choices]
    return [
        html.P(
            _(
                "Publishing locks the quarter and freezes an edition of its approved figures: "
                "the committee report (PDF, Arabic and English), the Excel pack and the open "
                "data package, listed under Reports. Figures awaiting review are not in it. "
                "Publishing a quarter again makes a new edition, which needs a note saying "
                "what it corrects."
            )
        ),
        filter_form(
            "review-publish-form",
            [select_field(REVIEW_PUBLISH_PERIOD, "publish", _("Quarter"), options, chosen.period)],
            _("Choose"),
        ),
        dcc.Store(id=REVIEW_PUBLISH_PERIOD + "-chosen", data=chosen.period),
        html.P(_state_text(chosen), id=REVIEW_PUBLISH_STATE),
        html.Div(
            [
                field(
                    _("Note (required for a correction)"),
                    dcc.Textarea(id=REVIEW_PUBLISH_NOTE, rows=2, maxLength=NOTE_MAX),
                    REVIEW_PUBLISH_NOTE,
                ),
                html.Button(
                    _("Publish %(period)s", period=ltr(chosen.period)),
                    id=REVIEW_PUBLISH,
                    className="button primary",
                ),
            ],
            className="actions",
        ),
    ]


def _state_text_short(choice: Publishable) -> str:
    lock = _("locked") if choice.locked else _("open")
    if not choice.editions:
        return lock
    return _("%(lock)s, editions: %(count)d", lock=lock, count=choice.editions)


def publish_quarter(actor: Actor, period_code, note):
    """What the review page's Publish button answers: a message and the quarter's new state."""
    period = str(period_code or "")
    try:
        edition = publish(
            store_of(current_app),
            actor,
            period,
            note or "",
            folder=Path(current_app.config["RELEASE_DIR"]),
        )
    except (NotFound, ReviewNotFound):
        abort(404)
    except PublishRefused as refused:
        return notice(_refusal(refused), "error"), dash.no_update
    except Exception:  # a file could not be built: the transaction rolled back, say so
        current_app.logger.exception("publishing %s failed", period)
        return notice(_failed(period), "error"), dash.no_update
    with store_of(current_app).session() as db:
        state = next((c for c in publishing_choices(db) if c.period == edition.period), None)
    done = _(
        "%(period)s published as edition %(number)d; the quarter is locked.",
        period=ltr(edition.period),
        number=edition.number,
    )
    message = notice([done, " ", dcc.Link(_("See the reports"), href="/reports")], "success")
    return message, _state_text(state) if state else dash.no_update


def _failed(period: str) -> str:
    return _(
        "The edition of %(period)s could not be built, so nothing was published and the quarter "
        "is as it was. Try again in a minute; if it fails again, tell the administrator.",
        period=ltr(period),
    )


def _refusal(refused: PublishRefused) -> str:
    if refused.reason == "note_required":
        return _(
            "%(period)s is published already: write a note saying what this new edition "
            "corrects, then publish again.",
            period=ltr(refused.period),
        )
    if refused.reason == "note_too_long":
        return _("The note can have at most %(count)d characters.", count=NOTE_MAX)
    if refused.reason == "changed_meanwhile":
        return _(
            "Figures of %(period)s changed, or another edition was published, while this one "
            "was being built: nothing was published. Publish again.",
            period=ltr(refused.period),
        )
    if refused.reason == "note_control_characters":
        return _(
            "The note holds invisible control characters (pasted from another program?): "
            "type it again as plain text."
        )
    return _(
        "%(period)s has no approved figures: approve its submissions first.",
        period=ltr(refused.period),
    )
