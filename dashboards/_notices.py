"""What concerns the user, on arrival (`/` and `/submissions`): a region with a heading, each
notice in words with a link to the page where to act (services/notices.py decides what)."""

from __future__ import annotations

from datetime import date

from dash import dcc, html
from flask import current_app
from flask_babel import gettext as _

from dashboards._text import localized, ltr, when
from data.db import store_of
from services.actors import Actor
from services.notices import Notices, Returned, notices

NOTICES = "notices"
SHOWN = 8  # waiting submissions named one by one; the review page has them all


def notices_region(actor: Actor, today: date | None = None) -> html.Section | html.Div:
    """The user's notices as a labelled region; an empty, hidden box when there are none."""
    with store_of(current_app).session() as db:
        found = notices(db, actor, today)
    if found.empty:
        return html.Div(id=NOTICES, hidden=True)
    return html.Section(
        [html.H2(_("For your attention"), id=f"{NOTICES}-heading"), *_parts(found, today)],
        id=NOTICES,
        className="card notices",
        role="region",
        **{"aria-labelledby": f"{NOTICES}-heading"},
    )


def _parts(found: Notices, today: date | None) -> list:
    today = today or date.today()
    parts = []
    if found.returned:
        parts.append(
            html.Ul([html.Li(_returned(r, today)) for r in found.returned], className="notice-list")
        )
    if found.next_deadline:
        period, day = found.next_deadline
        parts.append(
            html.P(
                [
                    html.Strong(_("Next deadline:") + " "),
                    _("%(period)s, by %(day)s.", period=ltr(period), day=ltr(day.isoformat())),
                    " ",
                    dcc.Link(
                        _("Template and upload for %(period)s", period=ltr(period)),
                        href=f"/submissions?period={period}",
                    ),
                ]
            )
        )
    if found.waiting:
        parts.append(_waiting(found))
    if found.late_period:
        parts.append(_late(found))
    return parts


def _returned(item: Returned, today: date) -> list:
    timing = (
        _("Upload a corrected file by %(day)s.", day=ltr(item.deadline.isoformat()))
        if item.deadline >= today
        else _(
            "The deadline was %(day)s: upload a corrected file as soon as you can.",
            day=ltr(item.deadline.isoformat()),
        )
    )
    returned_when = [" (", when(item.reviewed_at), ")"] if item.reviewed_at else []
    return [
        html.Strong(_("Returned:") + " "),
        _(
            "your submission for %(period)s (revision %(revision)d) was returned by the "
            "programme office",
            period=ltr(item.period),
            revision=item.revision,
        ),
        *returned_when,
        ".",
        html.Br(),
        _("The office's reason: %(reason)s", reason=item.reason or "—"),
        html.Br(),
        timing,
        " ",
        dcc.Link(
            _("Correct %(period)s", period=ltr(item.period)),
            href=f"/submissions?period={item.period}",
        ),
    ]


def _waiting(found: Notices) -> html.Div:
    count = len(found.waiting)
    links = [
        html.Li(
            dcc.Link(
                _("Review %(entity)s %(period)s", entity=w.entity, period=ltr(w.period)),
                href=f"/review?submission={w.submission_id}",
            )
        )
        for w in found.waiting[:SHOWN]
    ]
    more = (
        [dcc.Link(_("and %(count)d more on the review page", count=count - SHOWN), href="/review")]
        if count > SHOWN
        else []
    )
    return html.Div(
        [
            html.P(html.Strong(_("Waiting for review: %(count)d", count=count))),
            html.Ul(links, className="notice-list"),
            *more,
        ]
    )


def _late(found: Notices) -> html.Div:
    period, day = found.late_period
    if not found.late:
        return html.P(
            _(
                "Every entity expected has submitted %(period)s (deadline %(day)s).",
                period=ltr(period),
                day=ltr(day.isoformat()),
            )
        )
    names = [
        html.Li(
            [
                dcc.Link(
                    f"{e.code} · {localized(e, 'name')}",
                    href=f"/submissions?entity={e.code}&period={period}",
                ),
                " ",
                _("(returned, not resubmitted)") if e.returned_on else _("(nothing submitted)"),
            ]
        )
        for e in found.late
    ]
    return html.Div(
        [
            html.P(
                [
                    html.Strong(
                        _(
                            "Late for %(period)s (deadline %(day)s): %(count)d",
                            count=len(found.late),
                            period=ltr(period),
                            day=ltr(day.isoformat()),
                        )
                    ),
                    " ",
                    dcc.Link(_("See the completeness page"), href=f"/completeness?period={period}"),
                ]
            ),
            html.Ul(names, className="notice-list"),
        ]
    )
