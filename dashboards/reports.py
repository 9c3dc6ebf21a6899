"""Reports `/reports`: the published editions of each quarter, for the committee and the office:
edition, date, who published it, the correction note, and each file with its size, SHA-256 and
a download link (web/opendata.py serves it, checking the SHA-256 again). Publishing is on
/review."""

from __future__ import annotations

from itertools import groupby

import dash
from dash import html
from flask import current_app
from flask_babel import gettext as _

from dashboards._access import current_actor, page_layout
from dashboards._components import table
from dashboards._text import ltr
from data.db import store_of
from kpis.formatting import format_number
from services.releases import (
    Edition,
    EditionFile,
    editions,
)

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
