"""Every hostile and broken workbook of the suite (issue 12), through the command line and the web
upload, on SQLite and PostgreSQL: refused with the reason naming the cell or part (or accepted
where designed), nothing loaded, the file kept with its upload row. And a reader that crashes or
stalls costs that one file, never the server or the rest of a batch."""

from __future__ import annotations

import io
import re
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

import etl.__main__ as cli
import etl.read
from app import create_app
from data.db import Store
from data.models import Observation, Upload
from etl.messages import MESSAGES, render_all
from etl.sandbox import Sandbox, WorkerFailed
from etl.structure import Limits
from etl.template import template_bytes
from settings import Settings
from tests.conftest import PASSWORD, ROLE_USERS, csrf_from
from tests.etl.hostile_display import CASES as DISPLAY_CASES
from tests.etl.hostile_files import CASES as FILE_CASES
from tests.etl.hostile_files import filled, one_cell_far_away
from tests.etl.test_cli import run

try:
    from tests.etl.hostile_values import CASES as VALUE_CASES
except ImportError:
    VALUE_CASES = []

CASES = [*FILE_CASES, *VALUE_CASES, *DISPLAY_CASES]
ENTITY = ROLE_USERS["entity"][0]


def template_of(url: str) -> bytes:
    store = Store(url)
    with store.session() as db:
        data = template_bytes(db, "MOH", "2025-Q3")
    store.engine.dispose()
    return data


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory, sqlite_databases) -> list[tuple[object, bytes]]:
    """Every case built once from the generated template (the same on either backend)."""
    template = template_of(sqlite_databases.fresh("users"))
    return [(case, case.build(template)) for case in CASES]


def test_the_suite_has_every_class_and_known_codes():
    assert len(FILE_CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
    for case in CASES:
        assert case.expect is None or case.expect in MESSAGES, case.name


def assert_refused_as_designed(case, upload: Upload, data: bytes, uploads: Path, db) -> None:
    """The upload row, the kept file, the reason and its place, and nothing loaded."""
    assert upload is not None, case.name
    assert (uploads / upload.stored_name).read_bytes() == data, case.name
    loaded = 0
    if upload.submission_id is not None:
        loaded = db.scalar(
            select(func.count())
            .select_from(Observation)
            .where(Observation.submission_id == upload.submission_id)
        )
    errors = upload.report.get("errors", [])
    if case.expect is None:
        assert upload.outcome in ("submitted", "checked"), (case.name, errors)
        return
    assert upload.outcome == "refused", (case.name, upload.outcome)
    assert loaded == 0, case.name
    codes = [item["code"] for item in errors]
    assert case.expect in codes, (case.name, codes)
    if case.where:
        shown = render_all([item for item in errors if item["code"] == case.expect])
        assert any(case.where in text for text in shown), (case.name, shown)


def test_every_case_through_the_command_line(users_db_url, tmp_path, hostile_files):
    folder = tmp_path / "files"
    folder.mkdir()
    paths = []
    for number, (_case, data) in enumerate(hostile_files):
        path = folder / f"case{number:03d}.xlsx"
        path.write_bytes(data)
        paths.append(path)

    done = run(["ingest", *map(str, paths), "--user", ENTITY, "--submit"], users_db_url, tmp_path)

    assert done.returncode == 1, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    lines = done.stdout.splitlines()
    store = Store(users_db_url)
    with store.session() as db:
        uploads = {u.file_name: u for u in db.scalars(select(Upload))}
        for (case, data), path in zip(hostile_files, paths, strict=True):
            head = next(line for line in lines if line.startswith(f"{path}: "))
            assert ("refused" in head) == (case.expect is not None), (case.name, head)
            upload = uploads.get(path.name)
            assert_refused_as_designed(case, upload, data, tmp_path / "uploads", db)
            if case.where:
                block = _block(lines, path)
                assert any(case.where in line for line in block), (case.name, block)
    store.engine.dispose()


def _block(lines: list[str], path: Path) -> list[str]:
    start = next(n for n, line in enumerate(lines) if line.startswith(f"{path}: "))
    block = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        block.append(line)
    return block


@pytest.fixture
def entity_client(users_db_url, tmp_path):
    """The app on this backend, with the MOH clerk signed in."""
    dash_app = create_app(
        Settings(
            database_url=users_db_url,
            app_env="test",
            instance_path=tmp_path / "instance",
            upload_dir=tmp_path / "uploads",
            login_attempts="1000 per minute",
            upload_attempts="1000 per minute",  # the whole suite is sent by one clerk
        )
    )
    client = dash_app.server.test_client()
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": ENTITY, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    client.get("/submissions")
    yield client
    dash_app.server.extensions["store"].engine.dispose()


def post_file(client, data: bytes, name: str = "x.xlsx"):
    token = client.get_cookie("_csrf_token")
    return client.post(
        "/submissions/check",
        data={"entity": "MOH", "period": "2025-Q3", "file": (io.BytesIO(data), name)},
        headers={"X-CSRFToken": token.value} if token else {},
        content_type="multipart/form-data",
    )


def test_every_case_through_the_web_upload(entity_client, users_db_url, tmp_path, hostile_files):
    store = Store(users_db_url)
    for case, data in hostile_files:
        response = post_file(entity_client, data)
        assert response.status_code == 200, (case.name, response.status_code)
        upload_id = response.get_json()["upload_id"]
        with store.session() as db:
            upload = db.get(Upload, upload_id)
            assert_refused_as_designed(case, upload, data, tmp_path / "uploads", db)
    store.engine.dispose()


# the reader in its worker


def test_a_worker_that_aborts_is_replaced():
    sandbox = Sandbox("tests.etl.reader_targets:abort", seconds=10, workers=1)
    with pytest.raises(WorkerFailed) as failure:
        sandbox.call({}, b"x")
    assert failure.value.reason == "crashed"
    with pytest.raises(WorkerFailed):
        sandbox.call({}, b"x")
    assert sandbox.restarts == 2
    sandbox.close()


def test_a_worker_over_its_memory_ceiling_dies_alone():
    sandbox = Sandbox("tests.etl.reader_targets:hog", memory_mb=256, seconds=20, workers=1)
    answer = sandbox.call({}, b"x")  # Python's MemoryError: the worker answers, then exits
    assert answer == {"worker_exits": True, "memory": True}
    sandbox.close()


def test_a_worker_past_its_time_ceiling_is_killed_and_the_next_call_works():
    sandbox = Sandbox("tests.etl.reader_targets:sleep", seconds=0.5, workers=1)
    start = time.monotonic()
    with pytest.raises(WorkerFailed) as failure:
        sandbox.call({"seconds": 30}, b"x")
    assert failure.value.reason == "timeout"
    assert time.monotonic() - start < 5
    assert sandbox.call({"seconds": 0}, b"x") == {"slept": True}
    sandbox.close()


def test_workers_are_kept_between_files():
    sandbox = Sandbox("tests.etl.reader_targets:echo", workers=1)
    first = sandbox.call({"n": 1}, b"abc")
    pid = sandbox._idle[0].process.pid
    assert sandbox.call({"n": 2}, b"abcd") == {"size": 4, "header": {"n": 2}}
    assert first == {"size": 3, "header": {"n": 1}}
    assert sandbox._idle[0].process.pid == pid and sandbox.restarts == 0
    sandbox.close()


@pytest.fixture
def crashing_reader(monkeypatch):
    """The real reader with the shape limits lifted, so that a far cell reaches calamine, whose
    grid for it is far beyond the worker's 512 MB: the worker dies (RLIMIT_AS)."""
    sandbox = Sandbox("etl.read:read_untrusted", memory_mb=512, seconds=20, workers=1)
    monkeypatch.setattr(etl.read, "_SANDBOX", sandbox)
    monkeypatch.setattr(etl.read, "LIMITS", Limits(rows=2_000_000, columns=20_000))
    yield sandbox
    sandbox.close()


def test_a_reader_crash_refuses_that_file_and_the_batch_goes_on(
    crashing_reader, users_db_url, tmp_path, monkeypatch, capsys
):
    for key, value in {
        "DATABASE_URL": users_db_url,
        "INSTANCE_PATH": str(tmp_path / "i"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }.items():
        monkeypatch.setenv(key, value)
    template = template_of(users_db_url)
    contents = [filled(template, 41), one_cell_far_away(template), filled(template, 42)]
    names = [tmp_path / f"moh-{n}.xlsx" for n in range(3)]
    for name, data in zip(names, contents, strict=True):
        name.write_bytes(data)

    status = cli.main(["ingest", *map(str, names), "--user", ENTITY, "--submit"])

    out = capsys.readouterr().out
    assert status == 1
    assert f"{names[0]}: submitted" in out and f"{names[2]}: submitted" in out
    assert f"{names[1]}: refused" in out and "could not be read safely" in out
    assert crashing_reader.restarts == 1
    store = Store(users_db_url)
    with store.session() as db:
        upload = db.scalar(select(Upload).where(Upload.file_name == names[1].name))
        assert upload.outcome == "refused"
        assert [e["code"] for e in upload.report["errors"]] == ["read_crashed"]
        assert (tmp_path / "uploads" / upload.stored_name).read_bytes() == contents[1]
    store.engine.dispose()


def test_the_server_answers_others_while_a_file_crashes_its_reader(
    app_db_url, tmp_path, monkeypatch
):
    sandbox = Sandbox("tests.etl.reader_targets:slow_then_abort", seconds=20, workers=2)
    monkeypatch.setattr(etl.read, "_SANDBOX", sandbox)
    dash_app = create_app(
        Settings(
            database_url=app_db_url,
            app_env="test",
            instance_path=tmp_path / "instance",
            upload_dir=tmp_path / "uploads",
            login_attempts="1000 per minute",
        )
    )
    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        clerk = _signed_in(base, "entity")
        office = _signed_in(base, "supervisor")
        token = clerk.cookies.get("_csrf_token")
        answer: dict = {}

        def upload() -> None:
            answer["response"] = clerk.post(
                f"{base}/submissions/check",
                data={"entity": "MOH", "period": "2025-Q3"},
                files={"file": ("slow.xlsx", filled(template_of(app_db_url)))},
                headers={"X-CSRFToken": token},
                timeout=60,
            )

        sender = threading.Thread(target=upload)
        sender.start()
        time.sleep(0.5)  # the upload is being read (the worker takes 2 s, then dies)
        served = []
        while sender.is_alive() and len(served) < 5:
            start = time.monotonic()
            page = office.get(f"{base}/review", timeout=10)
            served.append((page.status_code, time.monotonic() - start, sender.is_alive()))
        sender.join(30)
        assert served and all(code == 200 for code, _, _ in served), served
        assert any(alive for _, _, alive in served), "the other client was not served meanwhile"
        response = answer["response"]
        assert response.status_code == 200
        store = Store(app_db_url)
        with store.session() as db:
            row = db.get(Upload, response.json()["upload_id"])
            assert row.outcome == "refused"
            assert [e["code"] for e in row.report["errors"]] == ["read_crashed"]
        store.engine.dispose()
        assert office.get(f"{base}/review", timeout=10).status_code == 200
    finally:
        server.shutdown()
        sandbox.close()
        dash_app.server.extensions["store"].engine.dispose()


def _signed_in(base: str, role: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)[1]
    response = session.post(
        f"{base}/login",
        data={"email": ROLE_USERS[role][0], "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302
    session.get(f"{base}/submissions" if role == "entity" else f"{base}/review", timeout=10)
    return session


def test_a_formula_without_result_is_reported_with_every_other_problem_of_the_file(desk):
    """The clerk sees every problem at once: a cell's formula and another row's long comment."""

    def long_comment(sheet):
        header = {str(c.value).split("\n")[0]: c.column for c in sheet[1] if c.value}
        row = next(r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value not in (None, "T1.5"))
        sheet.cell(row=row, column=header["Value"], value=40)
        sheet.cell(row=row, column=header["Comment"], value="x" * 2500)

    outcome = desk.ingest(filled(desk.template(), value="=20*2", edit=long_comment))
    codes = [problem.code for problem in outcome.errors]
    assert outcome.outcome == "refused"
    assert codes[0] == "formula_no_value" and "text_too_long" in codes, codes
    assert [p.params.get("cell") for p in outcome.errors].count("Data!G5") == 1
