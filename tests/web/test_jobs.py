"""Background jobs on a real Celery worker (web/jobs.py): the app runs with REDIS_URL in a process
of its own, a `celery -A web.jobs:celery_app worker` process runs the exports, and the test drives
them the way the browser does (the callback, then polls with the job's result key). The office's
files are those the request gives without Redis; users without the right are refused before a job
is queued; a result key is its owner's only; a job whose ticket is not signed with SECRET_KEY, or
whose session is over, is refused in the worker."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
import requests
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from app import create_app
from data.db import Store
from data.models import AuditEvent, Period, Release
from settings import Settings
from tests.conftest import PASSWORD, ROLE_USERS, _fresh_database, csrf_from
from tests.web.test_shared_state import SERVE, _answers, _free_port, _stop
from web.jobs import REFUSED, TICKET, TICKET_SALT, celery_for

ROOT = Path(__file__).resolve().parents[2]
REDIS_SKIP = "the background jobs test needs TEST_REDIS_URL (bash .ci/start-redis; .ci/run does)"
SECRET = "background-jobs-test-secret-" * 2
REDIS_DB = "/13"  # this test's own Redis database, emptied before and after
WORKER_OPTIONS = ["--concurrency", "1", "--loglevel", "INFO", "--without-mingle"]

EXPORT_CSV = {
    "output": "export-all-download.data",
    "outputs": {"id": "export-all-download", "property": "data"},
    "inputs": [
        {"id": "export-all-csv", "property": "n_clicks", "value": 1},
        {"id": "export-all-excel", "property": "n_clicks", "value": None},
    ],
    "changedPropIds": ["export-all-csv.n_clicks"],
}
EXPORT_EXCEL = {
    **EXPORT_CSV,
    "inputs": [
        {"id": "export-all-csv", "property": "n_clicks", "value": None},
        {"id": "export-all-excel", "property": "n_clicks", "value": 1},
    ],
    "changedPropIds": ["export-all-excel.n_clicks"],
}
AUDIT_CSV = {
    "output": "audit-download.data",
    "outputs": {"id": "audit-download", "property": "data"},
    "inputs": [
        {"id": "audit-csv", "property": "n_clicks", "value": 1},
        {"id": "audit-excel", "property": "n_clicks", "value": None},
    ],
    "state": [{"id": "audit-filters", "property": "data", "value": {"entity": "MOH"}}],
    "changedPropIds": ["audit-csv.n_clicks"],
}
PUBLISHED_QUARTER = "2025-Q1"  # approved in the demo, not published


def _publish(quarter: str) -> dict:
    """What the review page's Publish button sends."""
    return {
        "output": "..review-publish-result.children...review-publish-state.children..",
        "outputs": [
            {"id": "review-publish-result", "property": "children"},
            {"id": "review-publish-state", "property": "children"},
        ],
        "inputs": [{"id": "review-publish", "property": "n_clicks", "value": 1}],
        "state": [
            {"id": "review-publish-period-chosen", "property": "data", "value": quarter},
            {"id": "review-publish-note", "property": "value", "value": ""},
        ],
        "changedPropIds": ["review-publish.n_clicks"],
    }


@dataclass
class Stack:
    """The app with REDIS_URL, its worker, their database and Redis."""

    base: str
    db_url: str
    redis: object
    redis_url: str
    worker_log: Path
    env: dict[str, str]
    files: Path

    def sign_in(self, role: str, page: str, lang: str = "en") -> requests.Session:
        browser = requests.Session()
        token = csrf_from(browser.get(f"{self.base}/login", timeout=10).text)
        form = {"email": ROLE_USERS[role][0], "password": PASSWORD, "csrf_token": token}
        answer = browser.post(f"{self.base}/login", data=form, allow_redirects=False, timeout=30)
        assert answer.status_code == 302, answer.text[:300]
        browser.get(f"{self.base}{page}?lang={lang}", timeout=60)  # the language; CSRF cookie
        browser.headers["X-CSRFToken"] = browser.cookies.get("_csrf_token")
        return browser

    def jobs_received(self) -> int:
        return self.worker_log.read_text().count("] received")

    def job_keys(self) -> set[bytes]:
        """Redis's keys but the rate limits' and the computed figures': the queue, the jobs'
        records and results."""
        kept = (b"LIMITS", b"tracker:")
        return {key for key in self.redis.scan_iter() if not key.startswith(kept)}

    def task_of(self, job: str) -> str:
        """The Celery task's name of a job, as the worker logged it."""
        found = re.search(rf"Task (\S+)\[{re.escape(job)}\] received", self.worker_log.read_text())
        assert found, f"the worker never received job {job}"
        return found[1]


def _wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    import redis

    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.skip(REDIS_SKIP)
    redis_url = base.rstrip("/") + REDIS_DB
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    databases = _fresh_database(request, "demo")
    db_url = next(databases)
    folder = tmp_path_factory.mktemp("jobs")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "APP_ENV": "test",
        "DATABASE_URL": db_url,
        "SECRET_KEY": SECRET,
        "INSTANCE_PATH": str(folder / "instance"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "REDIS_URL": redis_url,
    }
    port = _free_port()
    app = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)],
        cwd=ROOT,
        env=env,
        stdout=(folder / "app.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    worker_log = folder / "worker.log"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "web.jobs:celery_app", "worker", *WORKER_OPTIONS],
        cwd=ROOT,
        env=env,
        stdout=worker_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(
            lambda: (
                (_answers(base_url) and "ready." in worker_log.read_text())
                or app.poll() is not None
                or worker.poll() is not None
            ),
            "the app and the worker",
        )
        if app.poll() is not None or worker.poll() is not None:
            logs = (folder / "app.log").read_text() + worker_log.read_text()
            raise AssertionError(f"the app or the worker did not come up\n{logs}")
        yield Stack(base_url, db_url, client, redis_url, worker_log, env, folder)
    finally:
        worker.send_signal(signal.SIGTERM)  # warm shutdown: a job in hand is finished
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        _stop(app)
        client.flushdb()
        client.close()
        next(databases, None)  # drops the database


@pytest.fixture(scope="module")
def in_request(stack, tmp_path_factory):
    """The same database served without REDIS_URL, in this process: the exports run in the
    request, as they always did."""
    folder = tmp_path_factory.mktemp("in-request")
    settings = Settings(
        database_url=stack.db_url,
        secret_key=SECRET,
        app_env="test",
        instance_path=folder,
        upload_dir=folder / "uploads",
    )
    app = create_app(settings)
    assert app.server.extensions["jobs"] is None
    yield app
    app.server.extensions["store"].engine.dispose()


def _export_in_request(app, role: str, page: str, body: dict, lang: str = "en") -> dict:
    client = app.server.test_client()
    token = csrf_from(client.get("/login").text)
    form = {"email": ROLE_USERS[role][0], "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).status_code == 302
    client.get(f"{page}?lang={lang}")
    answer = client.post(
        "/_dash-update-component",
        json=body,
        headers={"X-CSRFToken": client.get_cookie("_csrf_token").value},
    )
    assert answer.status_code == 200, answer.text[:500]
    assert "cacheKey" not in answer.json, "without REDIS_URL the export runs in the request"
    return _download(answer.json, body)


def _download(answer: dict, body: dict) -> dict:
    component, prop = body["output"].split(".")
    return answer["response"][component][prop]


def _start_job(browser: requests.Session, base: str, body: dict) -> dict:
    started = browser.post(f"{base}/_dash-update-component", json=body, timeout=30)
    assert started.status_code == 200, started.text[:500]
    job = started.json()
    assert set(job) >= {"cacheKey", "job"}, f"not a background job: {started.text[:300]}"
    return job


def _poll(browser: requests.Session, base: str, body: dict, job: dict) -> requests.Response:
    params = {"cacheKey": job["cacheKey"], "job": job["job"]}
    return browser.post(f"{base}/_dash-update-component", params=params, json=body, timeout=30)


def _result(browser: requests.Session, base: str, body: dict, job: dict) -> dict:
    """Poll as the page does until the job's file arrives."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = _poll(browser, base, body, job)
        assert answer.status_code == 200, answer.text[:500]
        if "response" in answer.json():
            return _download(answer.json(), body)
        time.sleep(0.3)
    raise AssertionError("the worker did not finish the export")


def _content(download: dict) -> bytes:
    assert download["base64"] is True
    return base64.b64decode(download["content"])


def _cells(download: dict) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(_content(download)), read_only=True)
    return [list(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def test_the_office_gets_from_the_worker_the_file_the_request_gives(stack, in_request):
    browser = stack.sign_in("supervisor", "/completeness")
    received = stack.jobs_received()
    job = _start_job(browser, stack.base, EXPORT_CSV)
    from_worker = _result(browser, stack.base, EXPORT_CSV, job)
    assert stack.jobs_received() == received + 1
    here = _export_in_request(in_request, "supervisor", "/completeness", EXPORT_CSV)
    assert from_worker["filename"] == here["filename"]
    assert _content(from_worker) == _content(here)
    assert _content(here).count(b"\n") > 100, "the export should hold the demo's figures"


def test_the_worker_writes_the_file_in_the_users_language(stack, in_request):
    browser = stack.sign_in("supervisor", "/completeness", lang="ar")
    job = _start_job(browser, stack.base, EXPORT_EXCEL)
    from_worker = _cells(_result(browser, stack.base, EXPORT_EXCEL, job))
    here = _cells(_export_in_request(in_request, "supervisor", "/completeness", EXPORT_EXCEL, "ar"))
    assert from_worker == here
    assert "رمز الجهة" in from_worker[0], from_worker[0]  # the headers in Arabic


def test_the_audit_export_runs_on_the_worker(stack, in_request):
    browser = stack.sign_in("supervisor", "/audit")
    job = _start_job(browser, stack.base, AUDIT_CSV)
    from_worker = _result(browser, stack.base, AUDIT_CSV, job)
    here = _export_in_request(in_request, "supervisor", "/audit", AUDIT_CSV)
    assert _content(from_worker) == _content(here)
    assert b",MOH," in _content(here)


@pytest.mark.parametrize(
    ("role", "page", "body", "callback"),
    [
        ("entity", "/completeness", EXPORT_CSV, "export_all"),
        ("committee", "/audit", AUDIT_CSV, "export_audit"),
        ("committee", "/review", _publish(PUBLISHED_QUARTER), "publish"),
    ],
    ids=["entity-exports-all", "committee-exports-audit", "committee-publishes"],
)
def test_a_forged_callback_without_the_right_is_refused_and_queues_nothing(
    stack, role, page, body, callback
):
    """The entity may not export every figure, the committee may neither read the audit trail
    nor publish: their forged callbacks get 403 in the request, and neither the queue nor the
    worker sees anything."""
    browser = stack.sign_in(role, page)
    received, keys = stack.jobs_received(), stack.job_keys()
    refused = browser.post(f"{stack.base}/_dash-update-component", json=body, timeout=30)
    assert refused.status_code == 403
    assert "cacheKey" not in refused.text
    assert _last_refusal(stack.db_url)["callback"] == callback  # the guard refused it
    time.sleep(1)
    assert stack.jobs_received() == received
    assert stack.job_keys() == keys, "something was queued or stored"


def _last_refusal(db_url: str) -> dict:
    """What the newest `access.refused` event recorded (the guard names the callback)."""
    store = Store(db_url)
    with store.session() as db:
        after = db.scalar(
            select(AuditEvent.after)
            .where(AuditEvent.action == "access.refused")
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    store.engine.dispose()
    return after or {}


def test_the_worker_publishes_an_edition(stack):
    """The report build (PDFs by headless Chromium, the Excel pack, open data) on the worker:
    the office's message in Arabic, the edition recorded and its files kept."""
    browser = stack.sign_in("supervisor", "/review", lang="ar")
    body = _publish(PUBLISHED_QUARTER)
    job = _start_job(browser, stack.base, body)
    deadline = time.monotonic() + 180
    while "response" not in (answer := _poll(browser, stack.base, body, job)).json():
        assert answer.status_code == 200 and time.monotonic() < deadline, answer.text[:500]
        time.sleep(0.5)
    said = json.dumps(answer.json()["response"], ensure_ascii=False)
    assert "في الإصدار 1" in said, said  # "... published as edition 1", in Arabic
    store = Store(stack.db_url)
    with store.session() as db:
        edition = db.scalar(select(Release).join(Period).where(Period.code == PUBLISHED_QUARTER))
        kept = [f.file_name for f in edition.files]
        assert edition.published_by.email == ROLE_USERS["supervisor"][0]
    store.engine.dispose()
    assert any(name.endswith("report-ar.pdf") for name in kept), kept
    on_disk = {f.name for f in (stack.files / "instance" / "releases").rglob("*") if f.is_file()}
    assert set(kept) <= on_disk


def test_a_result_key_is_its_owners_only(stack):
    """The committee may export, but not poll for the office's file with the office's key."""
    office = stack.sign_in("supervisor", "/completeness")
    committee = stack.sign_in("committee", "/completeness")
    job = _start_job(office, stack.base, EXPORT_CSV)
    assert _poll(committee, stack.base, EXPORT_CSV, job).status_code == 403
    assert _content(_result(office, stack.base, EXPORT_CSV, job))  # the office still gets it


def test_a_job_may_be_ended_by_its_owner_only(stack):
    """Dash ends the jobs a request names (`oldJob`; `job` once the asker's result is ready):
    the committee naming the office's job is refused, and the office still gets its file."""
    office = stack.sign_in("supervisor", "/completeness")
    committee = stack.sign_in("committee", "/completeness")
    theirs = _start_job(office, stack.base, EXPORT_CSV)
    own = _start_job(committee, stack.base, EXPORT_CSV)
    _result(committee, stack.base, EXPORT_CSV, {**own})
    url = f"{stack.base}/_dash-update-component"
    as_old = committee.post(url, params={"oldJob": theirs["job"]}, json=EXPORT_CSV, timeout=30)
    assert as_old.status_code == 403
    mixed = {"cacheKey": own["cacheKey"], "job": theirs["job"]}
    assert committee.post(url, params=mixed, json=EXPORT_CSV, timeout=30).status_code == 403
    assert _content(_result(office, stack.base, EXPORT_CSV, theirs))
    again = _start_job(committee, stack.base, EXPORT_CSV)  # its own old job: allowed
    answer = committee.post(url, params={"oldJob": again["job"]}, json=EXPORT_CSV, timeout=30)
    assert answer.status_code == 200


# the app with REDIS_URL, in a process of its own: its callback map after Dash set it up
CALLBACK_MAP = """
import json, re, sys
from app import create_app
app = create_app()
client = app.server.test_client()
token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
form = {"email": sys.argv[1], "password": sys.argv[2], "csrf_token": token[1]}
assert client.post("/login", data=form).status_code == 302
assert client.get("/_dash-dependencies").status_code == 200
print(json.dumps({
    output: [bool(entry.get("background")), getattr(entry["callback"], "guarded_by", None)]
    for output, entry in app.callback_map.items()
    if "_pages_" not in output and entry.get("callback") is not None  # a clientside one has none
}))
"""


def test_with_redis_the_exports_are_background_callbacks_and_every_callback_is_guarded(stack):
    """The callback-map walk of tests/services/test_structure.py, on an app with REDIS_URL."""
    walked = subprocess.run(
        [sys.executable, "-c", CALLBACK_MAP, ROLE_USERS["supervisor"][0], PASSWORD],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert walked.returncode == 0, walked.stderr[-3000:]
    callbacks = json.loads(walked.stdout.strip().splitlines()[-1])
    background = sorted(output for output, (runs_later, _) in callbacks.items() if runs_later)
    assert background == [
        "..review-publish-result.children...review-publish-state.children..",
        "audit-download.data",
        "export-all-download.data",
    ]
    assert len(callbacks) >= 10
    assert [output for output, (_, action) in callbacks.items() if not action] == []
    assert callbacks["export-all-download.data"][1] == "export"


def _sent_job(stack: Stack, task: str, ticket: str | None) -> dict:
    """A job put on the queue directly, as someone who reaches Redis could: its result."""
    celery = celery_for(stack.redis_url)
    result_key = f"forged-{uuid.uuid4().hex}"
    context = {
        "custom_data": {} if ticket is None else {TICKET: ticket},
        "triggered_inputs": [{"prop_id": "export-all-csv.n_clicks", "value": 1}],
        "inputs_list": EXPORT_CSV["inputs"],
        "states_list": [],
        "outputs_list": EXPORT_CSV["outputs"],
    }
    celery.send_task(task, args=[result_key, f"{result_key}-progress", [1, None], context])
    _wait_for(lambda: stack.redis.get(result_key) is not None, "the worker's answer", 60)
    celery.close()
    return json.loads(stack.redis.get(result_key))


def test_a_job_with_a_forged_or_stale_ticket_is_refused_in_the_worker(stack):
    office = stack.sign_in("supervisor", "/completeness")
    job = _start_job(office, stack.base, EXPORT_CSV)
    _result(office, stack.base, EXPORT_CSV, job)
    task = stack.task_of(job["job"])
    payload = {
        "callback": "export_all",
        "user": 2,
        "session": hashlib.sha256(b"a session nobody has").hexdigest(),
        "lang": "en",
    }
    forged = URLSafeTimedSerializer("not-the-secret-key", salt=TICKET_SALT).dumps(payload)
    stale_session = URLSafeTimedSerializer(SECRET, salt=TICKET_SALT).dumps(payload)
    tried = [(forged, "bad ticket"), (None, "bad ticket"), ("garbage", "bad ticket")]
    tried.append((stale_session, "session over"))  # signed right, but no such open session
    for ticket, why in tried:
        answer = _sent_job(stack, task, ticket)
        error = answer.get("background_callback_error", {})
        assert error.get("msg") == f"{REFUSED}: {why}", answer
        assert "content" not in json.dumps(answer)
