"""The whole programme (issue 16) reads the same on the overview's headline, the track page, the
committee report (its content, its PDF's HTML and its Excel pack) and the API, for the demo as
the committee sees it at 2025-Q4: the initiatives by status, the procedures simplified against
the 2,869 plan and the budget against the cycle's OMR 170 million, read as a reader reads them."""

from __future__ import annotations

from datetime import datetime

import openpyxl
import pytest
from dash import html

from dashboards._initiatives import initiative_status_word
from kpis.formatting import format_number, format_omr
from kpis.words import INITIATIVE_ICONS
from reports.build import data_sha256
from reports.content import gather
from reports.excel import excel_pack
from reports.figures import read_edition
from reports.pdf import render_html
from reports.stamp import EditionStamp
from tests.dashboards.conftest import find, page, signed_in, text_of

QUARTER = "2025-Q4"


def words(component) -> str:
    return " ".join(text_of(component).replace("\u2066", "").replace("\u2069", "").split())


def section(tree, css: str):
    (found,) = find(tree, lambda c: isinstance(c, html.Section) and c.className == css)
    return found


def stamp_of(fig) -> EditionStamp:
    return EditionStamp(
        period=QUARTER,
        number=1,
        published_at=datetime(2026, 2, 14, 9, 30),
        audit_seq=1,
        audit_hash="ab" * 32,
        data_sha256=data_sha256(fig, 1),
    )


@pytest.fixture
def committee_views(api):
    """What the committee's API answers, its overview and track T1 show, and the report's."""
    with signed_in(api.app, "committee"):
        params = {"period": QUARTER, "unapproved": "0"}
        overview = section(page("home").render(params), "card whole-programme")
        track = page("track").render({**params, "code": "T1"})
    fig = read_edition(api.store, QUARTER)
    report = gather(api.store, QUARTER, stamp_of(fig))
    return {
        "initiatives": api.get(f"/api/v1/initiatives?period={QUARTER}", "committee").json,
        "procedures": api.get(f"/api/v1/procedures?period={QUARTER}", "committee").json,
        "budget": api.get(f"/api/v1/budget?period={QUARTER}", "committee").json,
        "overview": words(overview),
        "track": words(track),
        "report": report,
        "fig": fig,
    }


def test_initiatives_by_status_agree(committee_views):
    answer = committee_views["initiatives"]
    report = committee_views["report"].whole
    assert report.initiatives.counts == answer["counts"]
    assert sum(answer["counts"].values()) == 24
    reported = {s: n for s, n in answer["counts"].items() if n}
    assert {"completed", "at_risk", "delayed"} <= set(reported)  # the demo's mixed picture
    for status, count in reported.items():
        said = f"{INITIATIVE_ICONS[status]} {initiative_status_word(status)} {count}"
        assert said in committee_views["overview"], said
    track_counts = {t["code"]: t["counts"] for t in answer["tracks"]}
    report_tracks = {t.code: t.counts for t in report.initiative_tracks()}
    assert report_tracks == track_counts
    for status, count in track_counts["T1"].items():
        if count:
            said = f"{INITIATIVE_ICONS[status]} {initiative_status_word(status)} {count}"
            assert said in committee_views["track"], said


def test_procedures_against_the_plan_agree(committee_views):
    answer = committee_views["procedures"]
    report = committee_views["report"].whole.procedures
    assert answer["total_planned"] == report.total_planned == 2869
    assert answer["simplified"] == report.simplified
    assert 0 < report.simplified < 2869  # behind the plan, as the demo has it
    shown = (
        f"{format_number(report.simplified, 0)} of the {format_number(2869, 0)} procedures"
        " planned simplified"
    )
    assert shown in committee_views["overview"]
    years = [(y["year"], y["simplified"], y["cumulative_simplified"]) for y in answer["years"]]
    assert years == [(y.year, y.simplified, y.cumulative_simplified) for y in report.years]


def test_budget_against_the_cycle_agrees(committee_views):
    budget = committee_views["report"].whole.budget
    total = budget.programme
    answer = committee_views["budget"]
    assert answer["budget_baisa"] == budget.budget_baisa == total.allocated == 170_000_000_000
    assert answer["programme"]["allocated_baisa"] == total.allocated
    assert answer["programme"]["spent_baisa"] == total.spent
    assert answer["programme"]["committed_baisa"] == total.committed
    assert answer["programme"]["pace"] == total.pace
    by_track = {t["code"]: (t["allocated_baisa"], t["spent_baisa"]) for t in answer["tracks"]}
    assert by_track == {t.code: (t.totals.allocated, t.totals.spent) for t in budget.tracks}
    assert total.spent is not None and 0 < total.spent < total.allocated
    overview = committee_views["overview"]
    assert f"{format_omr(total.allocated)} allocated of the budget of" in overview
    assert f"{format_omr(total.spent)} spent" in overview
    tracks = committee_views["report"].whole.budget_tracks()
    assert sum(t.totals.allocated for t in tracks) == total.allocated
    assert sum(t.totals.spent or 0 for t in tracks) == total.spent


def test_the_reports_pdf_and_excel_show_the_same_figures(committee_views):
    report = committee_views["report"]
    whole = report.whole
    page_html = " ".join(render_html(report, "en").split())
    assert "The whole programme" in page_html
    assert format_omr(whole.budget.programme.spent) in page_html
    assert format_number(whole.procedures.simplified, 0) in page_html
    fig = committee_views["fig"]
    book = openpyxl.load_workbook(__import__("io").BytesIO(excel_pack(fig, stamp_of(fig), "en")))
    assert {"Initiatives", "Procedures plan", "Budget"} <= set(book.sheetnames)
    rows = list(book["Budget"].iter_rows(values_only=True))
    programme = next(r for r in rows if r[0] == "Programme")
    assert programme[1] * 1000 == pytest.approx(whole.budget.programme.allocated)
    assert programme[3] * 1000 == pytest.approx(whole.budget.programme.spent)
    statuses = [r[6] for r in list(book["Initiatives"].iter_rows(values_only=True))[3:]]
    assert len(statuses) == 24
    assert (
        sum(1 for s in statuses if s.endswith("Completed")) == whole.initiatives.counts["completed"]
    )
