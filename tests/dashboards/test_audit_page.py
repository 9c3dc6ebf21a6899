"""The audit page: sentences in the viewer's language, filters that keep what they say, and the
export of the filtered events (CSV with a byte-order mark, Excel), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import csv
import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from data.models import AuditEvent
from tests.dashboards.conftest import find, page, text_of
from tests.web.test_auth import dash_post
from web.access import current_actor


def rows_of(tree) -> list[str]:
    """The text of each row of the audit table."""
    [table] = find(tree, lambda c: getattr(c, "id", None) == "audit-table")
    [body] = find(table, lambda c: type(c).__name__ == "Tbody")
    return [text_of(row) for row in body.children]


def test_the_page_speaks_in_sentences(as_role):
    with as_role("supervisor"):
        rows = rows_of(page("audit").layout())
    assert rows and not any("{" in row for row in rows)
    approved = [r for r in rows if "Submission approved" in r]
    assert approved, "the demo history approves submissions"
    pattern = r"Submission \W*\d+\W* of \W*[A-Z]+\W* for \W*20\d\d-Q\d\W* approved by"
    assert re.search(pattern, approved[0])


def test_filters_keep_only_what_they_say(as_role):
    module = page("audit")
    with as_role("supervisor"):
        everything = rows_of(module.layout())
        approvals = rows_of(module.layout(action="submission.approve"))
        of_moh = rows_of(module.layout(entity="MOH", action="submission.approve"))
        nothing = rows_of(module.layout(since="2001-01-01", until="2001-12-31"))
    assert 0 < len(of_moh) < len(approvals)
    assert all("submission.approve" in r for r in approvals)
    assert not all("submission.approve" in r for r in everything)
    assert all("MOH" in r for r in of_moh)
    assert nothing == []


def test_the_action_filter_offers_human_names(as_role):
    with as_role("supervisor", "ar"):
        tree = page("audit").layout()
    [select] = find(tree, lambda c: getattr(c, "id", None) == "audit-action")
    options = {o.value: o.children for o in select.children}
    assert options["submission.approve"] == "اعتماد تقديم"
    assert any("اعتمد" in r for r in rows_of(tree))


def download(data: dict) -> bytes:
    return base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()


def test_the_export_holds_the_filtered_events_with_the_chain(as_role, demo_app):
    module = page("audit")
    filters = {"entity": "MOH", "action": "submission.approve", "since": "", "until": ""}
    with as_role("supervisor"):
        data = download(module.audit_download(current_actor(), filters, excel=False))
    with demo_app.server.extensions["store"].session() as db:
        expected = db.scalar(select(func.count()).where(AuditEvent.action == "submission.approve"))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header[-4:] == ["Action code", "Chain number", "Previous hash", "Hash"]
    assert 0 < len(body) < expected  # MOH's approvals only
    assert {r[header.index("Action code")] for r in body} == {"submission.approve"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", r[-1]) for r in body)
    assert all("approved by" in r[header.index("What happened")] for r in body)


def test_the_excel_export_is_in_arabic_right_to_left(as_role):
    with as_role("supervisor", "ar"):
        data = page("audit").audit_download(
            current_actor(), {"action": "submission.return"}, excel=True
        )
    sheet = openpyxl.load_workbook(io.BytesIO(download(data))).active
    assert sheet.sheet_view.rightToLeft
    header = [c.value for c in sheet[1]]
    assert header[3] == "ما حدث" and header[8] == "رمز الإجراء"
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values and all(v[8] == "submission.return" and "إلى الجهة" in v[3] for v in values)


EXPORT = {
    "output": "audit-download.data",
    "outputs": {"id": "audit-download", "property": "data"},
    "inputs": [
        {"id": "audit-csv", "property": "n_clicks", "value": 1},
        {"id": "audit-excel", "property": "n_clicks", "value": None},
    ],
    "state": [{"id": "audit-filters", "property": "data", "value": {"action": "auth.sign_in"}}],
    "changedPropIds": ["audit-csv.n_clicks"],
}


@pytest.mark.parametrize(("role", "status"), [("supervisor", 200), ("entity", 403)])
def test_only_the_office_exports_the_trail(login, role, status):
    client = login(role)
    client.get("/audit")
    response = dash_post(client, EXPORT)
    assert response.status_code == status
    if status == 200:
        data = response.get_json()["response"]["audit-download"]["data"]
        text = download(data).decode("utf-8-sig")
        assert "auth.sign_in" in text and "supervisor@test.om signed in" in text
