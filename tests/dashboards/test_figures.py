"""Figures that read right (issue 14): status colours on the progress bars, dates and units on
every chart, "not reported" unlike zero, one number format per unit, the reasons on the KPI and
ministry pages, and the downloads in the reader's language. On the demo, SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import datetime

import openpyxl
import pytest
from dash import dcc, html
from dash.development.base_component import Component
from sqlalchemy import select

from dashboards._charts import PALETTE, quarter_ticks
from data.models import Entity, Period
from etl.load import Row, load_submission
from etl.workflow import approve
from tests.conftest import PASSWORD, ROLE_USERS, csrf_from
from tests.dashboards.conftest import page, text_of
from tests.web.test_auth import dash_post

Q3, Q4 = "2025-Q3", "2025-Q4"
# a percentage written without its decimal ("77%"): the pages write one decimal ("77.0%")
BARE_PERCENT = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})*%")


def walk(component):
    """Every component of a tree (the shared `find` skips those without children: graphs)."""
    if isinstance(component, list | tuple):
        for item in component:
            yield from walk(item)
    elif isinstance(component, Component):
        yield component
        yield from walk(getattr(component, "children", None))


def find(content, predicate) -> list:
    return [c for c in walk(content) if predicate(c)]


def params(period=Q4, **more):
    return {"period": period, "unapproved": "0", **more}


def graph(content, chart_id: str):
    (found,) = find(content, lambda c: isinstance(c, dcc.Graph) and c.id == chart_id)
    return found.figure


def bars(content) -> list:
    return find(content, lambda c: str(getattr(c, "className", "")).startswith("bar bar-"))


# --- status colours on progress bars -------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_progress_bars_take_their_colour_and_words_from_the_status(as_role, lang):
    with as_role("committee", lang):
        content = page("track").render(params(code="T1"))
    found = bars(content)
    assert len(found) >= 5
    statuses = {b.__dict__["data-status"] for b in found}
    assert "off_track" in statuses  # the demo's T1 is mostly off track
    for bar in found:
        status = bar.__dict__["data-status"]
        (fill,) = find(bar.children, lambda c: getattr(c, "className", "") == "bar-fill")
        assert fill.style["backgroundColor"] == PALETTE[status]
        if status in ("off_track", "at_risk"):
            assert fill.style["backgroundColor"] != PALETTE["on_track"]  # never green
        word = {"en": {"off_track": "Off track"}, "ar": {"off_track": "خارج المسار"}}[lang]
        if status == "off_track":
            assert word["off_track"] in bar.__dict__["aria-label"]


# --- dates and units on every chart ----------------------------------------------------------


def test_the_kpi_series_says_its_quarters_and_its_unit(as_role):
    with as_role("committee"):
        figure = graph(page("kpi").render(params(code="T1.1")), "kpi-series")
    assert figure.layout.xaxis.title.text == "Quarter"
    assert figure.layout.yaxis.title.text == "Percent" and figure.layout.yaxis.ticksuffix == "%"
    ticks = list(figure.layout.xaxis.tickvals)
    assert ticks[0] == "2021-Q1" and ticks[-1] == Q4 and figure.layout.xaxis.tickangle == 0


def test_the_arabic_kpi_series_says_its_unit_above_the_right_hand_axis(as_role):
    with as_role("committee", "ar"):
        figure = graph(page("kpi").render(params(code="T1.1")), "kpi-series")
    assert figure.layout.xaxis.title.text == "الربع"
    (unit,) = [a for a in figure.layout.annotations if a.name == "unit"]
    assert unit.text == "نسبة مئوية" and (unit.x, unit.y) == (1, 1)
    assert figure.layout.yaxis.side == "right" and figure.layout.yaxis.ticksuffix == "%"


def test_the_track_small_multiples_have_quarters_and_units(as_role):
    with as_role("committee", "ar"):
        content = page("track").render(params(code="T1"))
    figure = graph(content, "track-chart")
    axes = [figure.layout[name] for name in figure.layout if name.startswith("xaxis")]
    assert len(axes) == 6
    for axis in axes:
        assert axis.showticklabels is not False and len(axis.tickvals) >= 2
    first = figure.layout.xaxis  # the first panel's (plotly lists the axes in no fixed order)
    assert first.tickvals[0] == "2021-Q1" and first.tickvals[-1] == Q4
    titles = [a.text for a in figure.layout.annotations]
    assert "T1.1 · نسبة مئوية" in titles  # the unit in the panel's title, in the reader's language
    assert figure.layout.yaxis.ticksuffix == "%"
    assert "2021-Q1" in text_of(content) and "2025-Q4" in text_of(content)  # and in words


def test_the_ministry_bars_say_their_unit_and_quarter(as_role):
    with as_role("committee"):
        figure = graph(page("kpi").render(params(code="T1.1")), "kpi-ranked")
    assert figure.layout.xaxis.title.text == "Percent, \u20662025-Q4\u2069"
    assert figure.layout.xaxis.ticksuffix == "%"


# --- "not reported" unlike zero --------------------------------------------------------------


def test_not_reported_is_a_cross_with_words_and_zero_is_a_bar_with_its_figure(as_role):
    with as_role("committee"):
        kpi = page("kpi")
        content = kpi.render(params(code="T2.4"))  # shares of entities: 0% or 100% each
        prog = kpi.programme(kpi.from_params(params(code="T2.4")))
        missing = kpi.not_reported(prog, "T2.4")
    figure = graph(content, "kpi-ranked")
    bar, _ends, crosses = figure.data
    assert 0.0 in bar.x, "the demo has a ministry at 0% for T2.4"
    zero = list(bar.x).index(0.0)
    assert bar.text[zero].startswith("0.0% · ")  # a zero says its figure
    assert missing and len(crosses.y) == len(missing)
    assert set(crosses.y).isdisjoint(bar.y)  # nobody is both
    assert crosses.marker.symbol == "x-open" and set(crosses.text) <= {
        "Not reported",
        "Awaiting approval",
        "Returned for correction",
    }
    table = text_of(find(content, lambda c: isinstance(c, html.Details)))
    assert "0.0%" in table
    assert ("Not reported" in table) or ("Awaiting approval" in table)


def test_a_committee_member_is_told_a_figure_awaits_approval_not_that_it_is_zero(as_role):
    with as_role("committee"):
        kpi = page("kpi")
        prog = kpi.programme(kpi.from_params(params(code="T1.1")))
        words = kpi.not_reported(prog, "T1.1")
    # in the demo 2025-Q4 some submissions still await review: not "reported", not zero
    assert "Awaiting approval" in words.values()


# --- one number format per unit -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"), [("kpi", "T1.1"), ("kpi", "T2.4"), ("track", "T1"), ("entity", "MOH")]
)
def test_percentages_have_one_decimal_on_every_page_and_chart(as_role, name, code):
    with as_role("supervisor"):
        content = page(name).render(params(code=code))
    graphs = find(content, lambda c: isinstance(c, dcc.Graph))
    chart_texts = [
        str(t) for g in graphs for trace in g.figure.data for t in (trace.text or ()) if t
    ]
    words = text_of(content) + " " + " ".join(chart_texts)
    assert re.search(r"\d\.\d%", words)
    assert BARE_PERCENT.findall(words) == []
    assert "nan" not in words.lower().split()


# --- the reasons -----------------------------------------------------------------------------

APPROVED = "Recount after the merger of two directorates"
PENDING = "Awaiting our IT audit before the office approves"
HOSTILE = "<b>bold</b> **markdown** =HYPERLINK()"


@pytest.fixture
def commented(demo_app):
    """MOF's 2025-Q4 T1.1 approved again with a comment; MOH's a revision awaiting review with
    another; and a comment that looks like markup."""
    store = demo_app.server.extensions["store"]
    with store.transaction() as db:
        quarter = db.scalar(select(Period).where(Period.code == Q4))
        mof = db.scalar(select(Entity).where(Entity.code == "MOF"))
        moh = db.scalar(select(Entity).where(Entity.code == "MOH"))
        rows = [Row("T1.1", Q4, 71.0, 71.0, 100.0, APPROVED), Row("T1.5", Q4, 5, 5, 100, HOSTILE)]
        approve(db, load_submission(db, mof, quarter, rows, uploader=None), None)
        pending = [Row("T1.1", Q4, 60.0, 60.0, 100.0, PENDING)]
        load_submission(db, moh, quarter, pending, uploader=None, at=datetime(2026, 1, 30))
    return demo_app


def reasons_of(content, section: str):
    (found,) = find(content, lambda c: getattr(c, "id", None) == section)
    return found


@pytest.mark.parametrize(
    ("role", "sees_pending"), [("committee", False), ("supervisor", True), ("entity", True)]
)
def test_the_kpi_page_shows_the_reasons_each_reader_may_read(
    commented, as_role, role, sees_pending
):
    with as_role(role):
        section = reasons_of(page("kpi").render(params(code="T1.1")), "kpi-reasons")
    words = text_of(section)
    assert "Reasons given" in words and APPROVED in words and "Ministry of Finance" in words
    assert (PENDING in words) is sees_pending


def test_the_ministry_page_shows_its_reasons_per_kpi_as_plain_text(commented, as_role):
    with as_role("committee", "ar"):
        section = reasons_of(page("entity").render(params(code="MOF")), "entity-reasons")
    texts = find(section, lambda c: getattr(c, "className", "") == "reason-text")
    assert {t.children for t in texts} >= {APPROVED, HOSTILE}  # the text itself, not markup
    assert all(t.dir == "auto" for t in texts)
    assert "T1.5" in text_of(section) and "الأسباب المقدَّمة" in text_of(section)


# --- downloads in the reader's language ------------------------------------------------------


def signed_in_client(app, role: str, lang: str):
    client = app.server.test_client()
    form = {"email": ROLE_USERS[role][0], "password": PASSWORD}
    form["csrf_token"] = csrf_from(client.get("/login").text)
    assert client.post(f"/login?lang={lang}", data=form).status_code == 302
    return client


def click(client, path: str, output: str, buttons: list[str], which: str, state=None):
    client.get(path)
    body = {
        "output": f"{output}.data",
        "outputs": {"id": output, "property": "data"},
        "inputs": [
            {"id": b, "property": "n_clicks", "value": 1 if b == which else None} for b in buttons
        ],
        "changedPropIds": [f"{which}.n_clicks"],
    }
    if state is not None:
        body["state"] = [{"id": "kpi-params", "property": "data", "value": state}]
    return dash_post(client, body)


def downloaded(response) -> tuple[str, bytes]:
    assert response.status_code == 200, response.text[:300]
    data = next(iter(response.get_json()["response"].values()))["data"]
    return data["filename"], base64.b64decode(data["content"])


KPI_BUTTONS = ["kpi-csv", "kpi-excel"]


def test_the_kpi_csv_has_a_byte_order_mark_and_arabic_headers(demo_app):
    client = signed_in_client(demo_app, "committee", "ar")
    state = params(code="T2.4")
    name, data = downloaded(
        click(client, "/kpi/T2.4", "kpi-download", KPI_BUTTONS, "kpi-csv", state)
    )
    assert name == "T2.4-2025-Q4.csv" and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["رمز الجهة", "الجهة"] and "الحالة" in rows[0]
    assert any(row[1] == "وزارة الصحة" for row in rows[1:])
    assert any("لم تُبلغ" in row or "بانتظار الاعتماد" in row for row in rows[1:])


def test_the_kpi_excel_is_right_to_left_in_arabic_and_left_to_right_in_english(demo_app):
    for lang, rtl, header in [("ar", True, "رمز الجهة"), ("en", False, "Entity code")]:
        client = signed_in_client(demo_app, "supervisor", lang)
        state = params(code="T1.1")
        button = "kpi-excel"
        name, data = downloaded(
            click(client, "/kpi/T1.1", "kpi-download", KPI_BUTTONS, button, state)
        )
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        assert name.endswith(".xlsx") and bool(sheet.sheet_view.rightToLeft) is rtl
        assert sheet["A1"].value == header
        assert isinstance(sheet["F2"].value, int | float)  # a number Excel can sum, not text


EXPORT_BUTTONS = ["export-all-csv", "export-all-excel"]


def test_the_office_exports_every_figure_from_the_completeness_page(demo_app):
    client = signed_in_client(demo_app, "supervisor", "ar")
    name, data = downloaded(
        click(client, "/completeness", "export-all-download", EXPORT_BUTTONS, "export-all-csv")
    )
    assert name.startswith("figures-") and data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == [
        "entity",
        "kpi",
        "period",
        "value",
        "numerator",
        "denominator",
        "status",
        "official_value",
        "official_numerator",
        "official_denominator",
        "submission_id",
        "revision",
    ]
    assert {r["status"] for r in rows} >= {"approved", "submitted"}
    _name, book = downloaded(
        click(client, "/completeness", "export-all-download", EXPORT_BUTTONS, "export-all-excel")
    )
    sheet = openpyxl.load_workbook(io.BytesIO(book)).active
    assert sheet.sheet_view.rightToLeft and sheet["A1"].value == "رمز الجهة"
    assert sheet.max_row == len(rows) + 1


@pytest.mark.parametrize(("role", "shown"), [("supervisor", 1), ("committee", 1), ("entity", 0)])
def test_the_export_buttons_show_to_who_may_export(as_role, role, shown):
    with as_role(role):
        layout = page("completeness").layout()
    assert len(find(layout, lambda c: getattr(c, "id", None) == "export-all")) == shown


def test_the_committee_exports_approved_figures_only(demo_app):
    client = signed_in_client(demo_app, "committee", "en")
    _name, data = downloaded(
        click(client, "/completeness", "export-all-download", EXPORT_BUTTONS, "export-all-csv")
    )
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and {r["status"] for r in rows} == {"approved"}
    assert all(r["value"] == r["official_value"] for r in rows)


def test_an_entity_team_cannot_export_everything(demo_app):
    client = signed_in_client(demo_app, "entity", "en")
    response = click(
        client, "/completeness", "export-all-download", EXPORT_BUTTONS, "export-all-csv"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (4, ["2021-Q1", "2021-Q2", "2021-Q3", "2021-Q4"]),
        (20, ["2021-Q1", "2022-Q1", "2023-Q1", "2024-Q1", "2025-Q4"]),
        (17, ["2021-Q1", "2022-Q1", "2023-Q1", "2024-Q1", "2025-Q1"]),
    ],
)
def test_time_axis_labels_are_a_full_step_apart_and_end_on_the_last_quarter(count, expected):
    """Labels a phone can show side by side: never two a few quarters apart."""
    periods = [f"{2021 + n // 4}-Q{n % 4 + 1}" for n in range(count)]
    assert quarter_ticks(periods) == expected
