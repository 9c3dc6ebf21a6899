"""Reports `/reports`: the published editions of each quarter, for the committee and the office:
edition, date, who published it, the correction note, and each file with its size, SHA-256 and
a download link (web/opendata.py serves it, checking the SHA-256 again). Publishing is on
/review."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import dash
from dash import Input, Output, State, dcc, html
from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from dashboards._access import current_actor, guarded_callback, page_layout
from dashboards._components import field, filter_form, notice, select_field, table
from dashboards._text import ltr
from data.db import store_of
from data.models import Period, Release
from kpis.formatting import format_number
from reports.figures import approved_quarters
from services.actors import Action, Actor
from services.releases import (
    NOTE_MAX,
    Edition,
    EditionFile,
    NotFound,
    PublishRefused,
    editions,
    publish,
)
from services.review import NotFound as ReviewNotFound

REPORTS_LIST = "reports-editions"

dash.register_page(__name__, path="/reports", title=lambda: _("Reports"), name="Reports")


@page_layout("/reports")
def layout(**_kwargs):
    with store_of(current_app).session() as db:
        shown = editions(db, current_actor())
    intro = html.P(
        _(
            "Each quarter the programme office publishes reviewed figures as an edition: the "
            "committee report in Arabic and English (PDF), the Excel pack and the open data "
            "package. An edition never changes; a correction is a new edition with a note. Each "
            "file's SHA-256 lets you check that the file you hold is the one published."
        ),
        className="muted",
    )
    body = (
        [_quarter(period, list(found)) for period, found in groupby(shown, key=lambda e: e.period)]
        if shown
        else [html.Section(html.P(_("Nothing has been published yet.")), className="card")]
    )
    return html.Div([html.H1(_("Reports")), intro, html.Div(body, id=REPORTS_LIST)])


def _quarter(period: str, found: list[Edition]) -> html.Section:
    return html.Section(
        [html.H2(ltr(period)), *[_edition(e) for e in found]],
        className="card",
        **{"aria-label": _("Editions of %(period)s", period=period)},
    )


def _edition(edition: Edition) -> html.Div:
    facts = [
        _("Published %(date)s (UTC) by %(user)s.", date=_moment(edition), user=edition.published_by)
    ]
    if edition.note:
        facts += [html.Br(), html.Strong(_("Correction note:")), " ", edition.note]
    facts += [
        html.Br(),
        _("Audit chain head at publication:"),
        " ",
        html.Code(f"#{edition.audit_seq} {edition.audit_hash}", dir="ltr", className="hash"),
    ]
    rows = [_file_row(f) for f in edition.files]
    return html.Div(
        [
            html.H3(_("Edition %(number)d", number=edition.number)),
            html.P(facts),
            table(
                [_("File"), _("Size"), _("SHA-256")],
                rows,
                _(
                    "Files of edition %(number)d of %(period)s",
                    number=edition.number,
                    period=ltr(edition.period),
                ),
                row_headers=True,
                wide=True,
            ),
        ],
        className="edition",
    )


def _file_row(found: EditionFile) -> list:
    link = html.A(
        [_file_label(found), html.Br(), html.Span(found.file_name, dir="ltr", className="code")],
        href=f"/reports/file/{found.id}",
        download=found.file_name,
    )
    return [
        link,
        html.Span(_("%(size)s bytes", size=format_number(found.size, 0)), dir="ltr"),
        html.Code(found.sha256, dir="ltr", className="hash"),
    ]


def _file_label(found: EditionFile) -> str:
    labels = {
        ("pdf", "ar"): _("Committee report in Arabic (PDF)"),
        ("pdf", "en"): _("Committee report in English (PDF)"),
        ("excel", "ar"): _("Excel pack in Arabic"),
        ("excel", "en"): _("Excel pack in English"),
    }
    if found.kind == "opendata":
        return _("Open data package (CSV with datapackage.json, zip)")
    return labels.get((found.kind, found.language), found.file_name)


def _moment(edition: Edition) -> str:
    return ltr(edition.published_at.strftime("%Y-%m-%d %H:%M"))


# --- publishing, on /review (the office) ----------------------------------------------------

REVIEW_PUBLISH = "review-publish"
REVIEW_PUBLISH_NOTE = "review-publish-note"
REVIEW_PUBLISH_RESULT = "review-publish-result"
REVIEW_PUBLISH_STATE = "review-publish-state"
REVIEW_PUBLISH_PERIOD = "review-publish-period"


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
    publish: the quarter locks and an edition is frozen."""
    if not choices:
        return html.Section(
            [html.H2(_("Publish a quarter")), html.P(_("No quarter has approved figures yet."))],
            className="card",
        )
    chosen = next((c for c in choices if c.period == requested), choices[0])
    options = [(c.period, f"{ltr(c.period)} · {_state_text_short(c)}") for c in choices]
    return html.Section(
        [
            html.H2(_("Publish a quarter")),
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
                [
                    select_field(
                        REVIEW_PUBLISH_PERIOD, "publish", _("Quarter"), options, chosen.period
                    )
                ],
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
            html.Div(id=REVIEW_PUBLISH_RESULT, **{"aria-live": "polite"}),
        ],
        className="card",
    )


def _state_text_short(choice: Publishable) -> str:
    lock = _("locked") if choice.locked else _("open")
    if not choice.editions:
        return lock
    return _("%(lock)s, editions: %(count)d", lock=lock, count=choice.editions)


@guarded_callback(
    Output(REVIEW_PUBLISH_RESULT, "children"),
    Output(REVIEW_PUBLISH_STATE, "children"),
    Input(REVIEW_PUBLISH, "n_clicks"),
    State(REVIEW_PUBLISH_PERIOD + "-chosen", "data"),
    State(REVIEW_PUBLISH_NOTE, "value"),
    action=Action.PUBLISH,
    prevent_initial_call=True,
    running=[(Output(REVIEW_PUBLISH, "disabled"), True, False)],
)
def publish_quarter(actor: Actor, _clicks, period_code, note):
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
