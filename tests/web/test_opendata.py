"""Published editions on the web: `/reports/file/<id>` for the committee and the office only, the
publish callback for the office only (forged calls refused), and the public open data
(`/open-data`, its DCAT catalogue, `/api/v1/public/observations`) only with OPEN_DATA_PUBLIC=1,
then only what a published edition contains."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app import create_app
from data.models import ReleaseFile, Submission, User
from services.actors import Actor
from services.releases import publish
from settings import Settings
from tests.conftest import PASSWORD, ROLE_USERS, csrf_from
from tests.web.test_auth import dash_post
from tests.web.test_submission_access import callback

QUARTER = "2025-Q4"
PUBLIC = ["/open-data", "/open-data/catalog.jsonld", "/open-data/file/1"]
API = "/api/v1/public/observations"


def make_app(db_url, tmp_path, *, open_data: bool):
    return create_app(
        Settings(
            database_url=db_url,
            app_env="test",
            instance_path=tmp_path / "instance",
            upload_dir=tmp_path / "uploads",
            release_dir=tmp_path / "releases",
            open_data_public=open_data,
        )
    )


@pytest.fixture
def closed_app(demo_db_url, tmp_path):
    app = make_app(demo_db_url, tmp_path, open_data=False)
    yield app
    app.server.extensions["store"].engine.dispose()


@pytest.fixture
def open_app(demo_db_url, tmp_path):
    app = make_app(demo_db_url, tmp_path, open_data=True)
    yield app
    app.server.extensions["store"].engine.dispose()


def sign_in(app, role: str):
    client = app.server.test_client()
    email, _entity = ROLE_USERS[role]
    form = {
        "email": email,
        "password": PASSWORD,
        "csrf_token": csrf_from(client.get("/login").text),
    }
    assert client.post("/login", data=form).status_code == 302
    client.get("/")  # the CSRF token's cookie, as the browser gets it with the first page
    return client


def published(app, note: str = ""):
    store = app.server.extensions["store"]
    with store.session() as db:
        office = Actor.of(db.scalar(select(User).where(User.email == ROLE_USERS["admin"][0])))
    folder = Path(app.server.config["RELEASE_DIR"])
    return publish(store, office, QUARTER, note, folder=folder)


def test_nothing_public_answers_while_open_data_is_off(closed_app):
    edition = published(closed_app)
    anonymous = closed_app.server.test_client()
    unknown = anonymous.get("/no-such-page")
    for path in [*PUBLIC, f"/open-data/file/{edition.files[-1].id}"]:
        answer = anonymous.get(path)
        assert answer.status_code == unknown.status_code == 302, path
        assert answer.headers["Location"].startswith("/login?next=")
    api = anonymous.get(API)
    assert api.status_code == 401 and api.get_json()["error"]["reason"] == "unauthenticated"
    committee = sign_in(closed_app, "committee")
    for path in PUBLIC:
        assert committee.get(path).status_code == 404, path
    assert committee.get(API).status_code == 404


def test_below_open_data_only_its_own_addresses_answer(open_app):
    """Anything else under /open-data is an unknown address: not the app's shell with 200."""
    anonymous = open_app.server.test_client()
    for path in ("/open-data/zzz", "/open-data/file/45/", "/open-data/file/x", "/open-data/a/b"):
        answer = anonymous.get(path)
        assert answer.status_code in (302, 404), path
        assert "_dash-config" not in answer.text, path


def test_open_data_shows_published_figures_only(open_app):
    anonymous = open_app.server.test_client()
    assert anonymous.get(API).get_json() == []
    page = anonymous.get("/open-data?lang=ar")
    assert page.status_code == 200 and "لم يُنشر شيء بعد." in page.text
    edition = published(open_app)
    rows = anonymous.get(API).get_json()
    assert rows and {r["EDITION"] for r in rows} == {1}
    assert {r["TIME_PERIOD"] for r in rows} <= {QUARTER, "2025"}
    # a figure approved after publication is not public until a new edition is published
    store = open_app.server.extensions["store"]
    with store.transaction() as db:
        db.execute(
            update(Submission).where(Submission.status == "submitted").values(status="approved")
        )
    assert anonymous.get(API).get_json() == rows
    as_csv = anonymous.get(f"{API}?format=csv")
    assert as_csv.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert len(table) == len(rows) and table[0]["STRUCTURE"] == "dataflow"
    page = anonymous.get("/open-data")
    assert page.status_code == 200
    public = [f for f in edition.files if f.kind in ("pdf", "opendata")]
    for found in edition.files:
        assert (found.sha256 in page.text) == (found in public)
        answer = anonymous.get(f"/open-data/file/{found.id}")
        if found in public:
            assert hashlib.sha256(answer.data).hexdigest() == found.sha256
        else:
            assert answer.status_code == 404  # the Excel pack is for the committee


def test_the_dcat_catalogue_lists_each_file_of_each_release(open_app):
    edition = published(open_app)
    second = published(open_app, "T1.1 corrected")
    anonymous = open_app.server.test_client()
    # the links name the tracker's public address (PUBLIC_URL), never what a request's Host says
    answer = anonymous.get("/open-data/catalog.jsonld", headers={"Host": "evil.example"})
    assert answer.mimetype == "application/ld+json"
    assert "evil.example" not in answer.text
    catalogue = answer.get_json()
    assert catalogue["@type"] == "dcat:Catalog"
    datasets = catalogue["dcat:dataset"]
    assert [d["dcat:version"] for d in datasets] == ["2", "1"]
    assert datasets[0]["adms:versionNotes"] == "T1.1 corrected"
    for dataset, shown in zip(datasets, (second, edition), strict=True):
        distributions = dataset["dcat:distribution"]
        assert len(distributions) == 3  # two reports and the open data package
        for item in distributions:
            link = item["dcat:downloadURL"]["@id"]
            assert link.startswith(open_app.server.config["PUBLIC_URL"] + "/open-data/file/")
            path = link.removeprefix(open_app.server.config["PUBLIC_URL"])
            data = anonymous.get(path).data
            assert hashlib.sha256(data).hexdigest() == item["spdx:checksum"]["spdx:checksumValue"]
        assert {i["spdx:checksum"]["spdx:checksumValue"] for i in distributions} <= {
            f.sha256 for f in shown.files
        }


def test_the_public_api_is_rate_limited(open_app):
    anonymous = open_app.server.test_client()
    answers = [anonymous.get(API).status_code for _ in range(125)]
    assert answers[0] == 200 and answers[-1] == 429
    refused = anonymous.get(API)
    assert refused.get_json()["error"]["reason"] == "too_many"


def test_files_are_for_the_committee_and_the_office_only(closed_app):
    edition = published(closed_app)
    for role in ("committee", "supervisor"):
        client = sign_in(closed_app, role)
        for found in edition.files:
            answer = client.get(f"/reports/file/{found.id}")
            assert answer.status_code == 200
            assert hashlib.sha256(answer.data).hexdigest() == found.sha256
            assert answer.headers["X-Content-SHA256"] == found.sha256
        assert client.get("/reports/file/999999").status_code == 404
        assert client.get("/reports").status_code == 200
    entity = sign_in(closed_app, "entity")
    assert entity.get(f"/reports/file/{edition.files[0].id}").status_code == 403
    assert entity.get("/reports").status_code == 403
    assert closed_app.server.test_client().get("/reports/file/1").status_code == 302


def test_a_changed_file_is_not_served(closed_app):
    edition = published(closed_app)
    store = closed_app.server.extensions["store"]
    with store.session() as db:
        stored = db.get(ReleaseFile, edition.files[0].id).stored_name
    path = closed_app.server.config["RELEASE_DIR"] + "/" + stored
    with open(path, "ab") as handle:
        handle.write(b"%")
    client = sign_in(closed_app, "committee")
    assert client.get(f"/reports/file/{edition.files[0].id}").status_code == 500
    assert client.get(f"/reports/file/{edition.files[1].id}").status_code == 200


def publish_request(period: str, note: str) -> dict:
    return callback(
        "review-publish-result.children...review-publish-state.children",
        [{"id": "review-publish", "property": "n_clicks", "value": 1}],
        [
            {"id": "review-publish-period-chosen", "property": "data", "value": period},
            {"id": "review-publish-note", "property": "value", "value": note},
        ],
    )


@pytest.mark.parametrize("role", ["entity", "committee"])
def test_a_forged_publish_callback_is_refused(closed_app, role):
    client = sign_in(closed_app, role)
    assert dash_post(client, publish_request(QUARTER, "")).status_code == 403
    store = closed_app.server.extensions["store"]
    with store.session() as db:
        assert db.scalar(select(ReleaseFile.id)) is None


def test_the_office_publishes_from_review_in_its_language(closed_app):
    client = sign_in(closed_app, "supervisor")
    client.get("/review?lang=ar")
    first = dash_post(client, publish_request(QUARTER, ""))
    assert first.status_code == 200
    body = first.get_json()["response"]
    assert "الإصدار 1" in str(body["review-publish-result"])
    assert "مقفل" in str(body["review-publish-state"])
    again = dash_post(client, publish_request(QUARTER, ""))
    assert "اكتب ملاحظة" in str(again.get_json()["response"]["review-publish-result"])
    client.get("/review?lang=en")
    none = dash_post(client, publish_request("2031-Q1", "x"))
    assert none.status_code == 404


def test_a_changed_package_stops_the_public_api_with_a_json_reason(open_app):
    """The public observations come from the stored package: a package that fails its SHA-256
    serves nothing, with the API's JSON error, not a server error page."""
    edition = published(open_app)
    anonymous = open_app.server.test_client()
    assert anonymous.get(API).status_code == 200
    package = next(f for f in edition.files if f.kind == "opendata")
    with open_app.server.extensions["store"].session() as db:
        stored = db.get(ReleaseFile, package.id).stored_name
    with open(Path(open_app.server.config["RELEASE_DIR"]) / stored, "ab") as handle:
        handle.write(b"%")
    answer = anonymous.get(API)
    assert answer.status_code == 503
    assert answer.get_json()["error"]["reason"] == "file_damaged"
    assert "SHA-256" in answer.get_json()["error"]["message"]
