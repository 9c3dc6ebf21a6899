"""An entity user cannot template, upload, read, download or approve for another entity, even by
calling the callbacks and routes directly."""

import base64
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from data.models import Submission, Upload
from tests.web.test_auth import dash_post

CONTEXT = {"id": "submissions-context", "property": "data"}


def callback(output: str, inputs: list[dict], state: list[dict]) -> dict:
    outputs = [
        dict(zip(("id", "property"), o.split("."), strict=True)) for o in output.split("...")
    ]
    return {
        "output": ".." + output + ".." if "..." in output else output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": state,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }


def template_request(entity: str) -> dict:
    return callback(
        "submissions-download.data",
        [{"id": "submissions-template", "property": "n_clicks", "value": 1}],
        [{**CONTEXT, "value": {"entity": entity, "period": "2025-Q3"}}],
    )


def upload(client, entity: str, data: bytes, *, csrf: bool = True):
    """What the page's script sends: the file, the entity and the quarter, with the CSRF token."""
    token = client.get_cookie("_csrf_token")
    return client.post(
        "/submissions/check",
        data={"entity": entity, "period": "2025-Q3", "file": (io.BytesIO(data), "x.xlsx")},
        headers={"X-CSRFToken": token.value} if csrf and token else {},
        content_type="multipart/form-data",
    )


def report_request(upload_id: int, entity: str) -> dict:
    return callback(
        "submissions-report.children...submissions-checked.data...submissions-submit.disabled"
        "...submissions-progress-box.hidden...submissions-upload.contents"
        "...submissions-history.children",
        [
            {
                "id": "submissions-sent",
                "property": "data",
                "value": {"status": 200, "upload_id": upload_id, "file": "x.xlsx"},
            }
        ],
        [{**CONTEXT, "value": {"entity": entity, "period": "2025-Q3"}}],
    )


def signed_in(login, role):
    client = login(role)
    client.get("/submissions")
    return client


def test_entity_downloads_its_own_template_only(login):
    client = signed_in(login, "entity")
    own = dash_post(client, template_request("MOH"))
    assert own.status_code == 200
    content = own.get_json()["response"]["submissions-download"]["data"]["content"]
    workbook = load_workbook(io.BytesIO(base64.b64decode(content)))
    assert workbook["About"]["B1"].value == "MOH"
    assert dash_post(client, template_request("MOF")).status_code == 403


def test_committee_cannot_call_the_upload_callbacks(login):
    client = signed_in(login, "committee")
    assert dash_post(client, template_request("MOH")).status_code == 403
    assert upload(client, "MOH", b"x").status_code == 403


def test_upload_without_csrf_token_is_refused(app, login):
    client = signed_in(login, "entity")
    assert upload(client, "MOH", b"PK\x03\x04 not really", csrf=False).status_code == 400
    with app.server.extensions["store"].session() as db:
        assert db.scalar(select(Upload)) is None


def test_entity_cannot_upload_for_another_entity(app, login):
    client = signed_in(login, "entity")
    response = upload(client, "MOF", b"PK\x03\x04 not really")
    assert response.status_code == 403
    with app.server.extensions["store"].session() as db:
        assert db.scalar(select(Upload)) is None


def test_entity_cannot_approve(login):
    client = signed_in(login, "entity")
    body = callback(
        "review-result.children",
        [
            {"id": "review-approve", "property": "n_clicks", "value": 1},
            {"id": "review-return", "property": "n_clicks", "value": None},
        ],
        [
            {"id": "review-submission", "property": "data", "value": 1},
            {"id": "review-reason", "property": "value", "value": ""},
        ],
    )
    assert dash_post(client, body).status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [("entity", 200), ("entity_other", 404), ("committee", 403), ("supervisor", 200)],
)
def test_original_file_download(app, login, role, status):
    owner = signed_in(login, "entity")
    from tests.etl.conftest import fill

    data = base64.b64decode(
        dash_post(owner, template_request("MOH")).get_json()["response"]["submissions-download"][
            "data"
        ]["content"]
    )
    filled = fill(data, {"T1.5": {"Value": 40}})
    sent = upload(owner, "MOH", filled)
    assert sent.status_code == 200
    with app.server.extensions["store"].session() as db:
        upload_id = db.scalar(select(Upload.id))
        assert sent.get_json() == {"upload_id": upload_id}
        assert db.scalar(select(Submission)) is None  # checked only: nothing loaded yet
    owner.post("/logout", data={"csrf_token": owner.get_cookie("_csrf_token").value})
    client = login(role)
    response = client.get(f"/submissions/file/{upload_id}")
    assert response.status_code == status
    if status == 200:
        assert response.data == filled


def test_only_the_uploader_reads_the_check_report(login):
    owner = signed_in(login, "entity")
    upload_id = upload(owner, "MOH", b"not a workbook").get_json()["upload_id"]
    own = dash_post(owner, report_request(upload_id, "MOH")).get_json()["response"]
    assert "x.xlsx" in str(own["submissions-report"]["children"])
    assert "not an Excel workbook" in str(own["submissions-report"]["children"])
    owner.post("/logout", data={"csrf_token": owner.get_cookie("_csrf_token").value})
    office = signed_in(login, "supervisor")
    other = dash_post(office, report_request(upload_id, "MOH")).get_json()["response"]
    assert "x.xlsx" not in str(other["submissions-report"]["children"])
    assert other["submissions-checked"]["data"] is None


def test_a_clerk_flooding_the_checker_is_slowed_down(app, login):
    """UPLOAD_ATTEMPTS (30 per 10 minutes) per user: the 31st file in a row is refused with 429,
    kept out of the reader and the history; another user still uploads."""
    from tests.conftest import PASSWORD, ROLE_USERS, csrf_from
    from tests.etl.conftest import fill

    client = signed_in(login, "entity")
    with app.server.extensions["store"].session() as db:
        from etl.template import template_bytes

        data = fill(template_bytes(db, "MOH", "2025-Q3"), {"T1.5": {"Value": "about half"}})
    answers = [upload(client, "MOH", data).status_code for _ in range(31)]
    assert answers == [200] * 30 + [429]
    with app.server.extensions["store"].session() as db:
        assert db.scalar(select(func.count()).select_from(Upload)) == 30
    office = app.server.test_client()
    form = {"email": ROLE_USERS["supervisor"][0], "password": PASSWORD}
    form["csrf_token"] = csrf_from(office.get("/login").text)
    assert office.post("/login", data=form).status_code == 302
    office.get("/submissions")
    assert upload(office, "MOH", data).status_code == 200
